/*
 * audio — the display's chime, a WAV from assets/sounds played through
 * SDL's audio, and after it the spoken announcement of the call (speech.h).
 * The device is opened for each call and closed once both have played
 * (audio_tick), so an idle kiosk has no audio thread waking up. No sound
 * device (a kiosk without speakers) is logged once and otherwise ignored:
 * the display works silently. Tests use SDL_AUDIODRIVER=dummy, a device
 * that plays into nothing at the real rate.
 */
#ifndef KIOSK_AUDIO_H
#define KIOSK_AUDIO_H

#include <stdint.h>

#include "speech.h"

/* Loads the chime and, if speech, starts the speech worker in the chime's
 * format. Returns 0, or -1 if the chime is missing (logged; only the
 * announcement plays then). A speech that cannot start is logged and
 * leaves the chime alone. */
int audio_init(const char *wav_path, int speech);
void audio_quit(void);

/* Starts the chime (restarts it if playing; an announcement of an earlier
 * call stops: the caller waits for audio_playing to say 0 first). Returns
 * 1 if the chime plays, 0 if not (no chime file, no sound device). */
int audio_chime(int64_t now_ms);

/* Asks for parts (speech_compose'd sentences, each with its voice) to be
 * spoken one after the other after the chime of audio_chime. Returns at
 * once; audio_tick queues the speech when it has been synthesised. */
void audio_announce(const speech_part *parts, int n);

/* Queues a finished announcement, closes the device when everything has
 * played. Returns the delay in ms after which it wants to be called again,
 * or -1 if idle. */
int64_t audio_tick(int64_t now_ms);

/* 1 while the chime or the announcement of the last audio_chime is still
 * queued or being synthesised: the next call waits for 0. Cheap. */
int audio_playing(void);

/* 1 if the announcement of the last audio_chime was queued to be spoken. */
int audio_spoke(void);

/* How many chimes were started (for tests and logs). */
int audio_chimes(void);

#endif
