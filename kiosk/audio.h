/*
 * audio — the display's chime: a WAV from assets/sounds played through
 * SDL's audio. The device is opened for each chime and closed once it has
 * played (audio_tick), so an idle kiosk has no audio thread waking up.
 * No sound device (a kiosk without speakers, SDL_AUDIODRIVER=dummy in
 * tests) is logged once and otherwise ignored: the display works silently.
 */
#ifndef KIOSK_AUDIO_H
#define KIOSK_AUDIO_H

#include <stdint.h>

/* Loads the chime. Returns 0, or -1 (logged; chimes are then skipped). */
int audio_init(const char *wav_path);
void audio_quit(void);

/* Starts the chime (restarts it if playing). */
void audio_chime(int64_t now_ms);

/* Closes the device when the chime has played. Returns the delay in ms
 * after which it wants to be called again, or -1 if idle. */
int64_t audio_tick(int64_t now_ms);

/* How many chimes were started (for tests and logs). */
int audio_chimes(void);

#endif
