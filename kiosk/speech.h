/*
 * speech — the spoken announcement that follows the display's chime:
 * "Nummer A 12, balie 3", in the display's language, synthesised by
 * espeak-ng.
 *
 * The sentence is the translators' (msgid "Number {code}, desk {desk}");
 * speech_compose turns it into the SSML that espeak-ng reads. The code is
 * said as its letters and then its number without the leading zeros:
 * "A012" is "A twelve", "B105" "B one hundred and five". The zeros only pad
 * the printed code, and a row of "zero zero" buries the digits that
 * matter. The letters are wrapped in <say-as interpret-as="characters">,
 * or English reads the "A" of "A 12" as the article ("uh twelve").
 *
 * Threads: espeak-ng keeps global state and is not thread-safe, so after
 * speech_init only one worker thread calls it. The UI thread and the
 * worker share one request and one result under a mutex:
 *
 *   UI      speech_say(): the newest request replaces one not yet started,
 *           and a synthesis in progress for an older one stops at its next
 *           100 ms chunk (a generation number says which is newest)
 *   worker  synthesises, converts to the audio device's format, stores the
 *           result (only if it is still the newest) and pushes an SDL event
 *           so the UI loop wakes up
 *   UI      speech_take(), from audio_tick(), queues it behind the chime
 *
 * The UI thread never waits for the synthesis; it holds the mutex only to
 * copy a request or take a result. Synthesis costs a few milliseconds per
 * announcement on a PC (loading another language's dictionary the first
 * time a few tens), but a Raspberry Pi is ten times slower and the
 * combined view has buttons to keep responsive.
 *
 * Failure is never fatal: missing espeak-ng data (speech_init) or a
 * language without a voice, or whose voice says nothing (its dictionary is
 * missing), is logged once and that announcement is skipped: the chime
 * plays alone.
 *
 * Test hook: LOKET_SPEECH_DUMP=FILE writes each announcement's PCM, as
 * espeak-ng made it (16-bit mono), to FILE as WAV; "{lang}" in FILE is
 * replaced by the voice name. An announcement in two languages writes
 * one file per language.
 */
#ifndef KIOSK_SPEECH_H
#define KIOSK_SPEECH_H

#include <SDL.h>
#include <stddef.h>

#define SPEECH_MAX_TEXT	   1024 /* bytes of SSML in one announcement */
#define SPEECH_MAX_VOICE   32
#define SPEECH_MAX_PARTS   2	/* sentences in one announcement */
#define SPEECH_MAX_SECONDS 15  /* longer output is cut off and skipped */
#define SPEECH_RATE_WPM	   150 /* espeak-ng's default is 175: slower carries in a hall */

/* Writes the SSML for the call of `code` to `desk` into out (n bytes):
 * `sentence` with its text escaped, "{code}" replaced by the spoken code
 * and "{desk}" by the number. Returns 0, or -1 if it does not fit (out is
 * then ""). */
int speech_compose(char *out, size_t n, const char *sentence, const char *code, int desk);

/* Initialises espeak-ng (data from $ESPEAK_DATA_PATH, else the system's)
 * on the calling thread, about 5 ms, and starts the worker. Announcements
 * are delivered in the format of `out` (the audio device's). Returns 0, or
 * -1 after one warning; speech_say then does nothing. */
int speech_init(const SDL_AudioSpec *out);

/* Stops the worker (waiting for at most one synthesis) and espeak-ng. */
void speech_quit(void);

/* One sentence of an announcement: SSML and the espeak-ng voice ("nl",
 * "ar") to say it with. */
typedef struct {
	char text[SPEECH_MAX_TEXT];
	char voice[SPEECH_MAX_VOICE];
} speech_part;

/* Asks for parts[0..n) to be spoken one after the other, with a short
 * pause between (a call in the site's language and then in the
 * resident's); at most SPEECH_MAX_PARTS. A part that cannot be said is
 * left out and the others still play. Supersedes any earlier request and
 * drops a result not yet taken. Does not wait for the synthesis. */
void speech_say(const speech_part *parts, int n);

/* If the newest request has been synthesised, hands its PCM (in the
 * format given to speech_init) to the caller, who frees it with SDL_free,
 * and returns 1; otherwise returns 0. */
int speech_take(Uint8 **pcm, Uint32 *len);

/* 1 while the newest request is waiting, being synthesised or not yet
 * taken; 0 when there is nothing to wait for (done, failed or none). */
int speech_busy(void);

#endif
