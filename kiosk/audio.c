/*
 * audio — see audio.h. One static state: a process plays one call at a
 * time. Chime and announcement share one SDL audio queue in the chime's
 * format (SDL converts to the hardware's), so the voice follows the chime
 * without a gap to schedule. Calls play one after the other: the display
 * starts the next chime only when audio_playing says the last call's
 * chime and voice have played (announce.c, announce_step).
 */
#include "audio.h"

#include <SDL.h>

#include "log.h"
#include "speech.h"

static struct {
	Uint8 *buf;
	Uint32 len;
	SDL_AudioSpec spec;
	SDL_AudioDeviceID dev;
	int64_t until_ms;
	int failed, chimes, inited, speech;
	int spoke; /* the announcement of the current call was queued */
} au;

int audio_init(const char *wav_path, int speech)
{
	int rc = 0;
	if (!SDL_LoadWAV(wav_path, &au.spec, &au.buf, &au.len)) {
		log_warn("no chime: cannot load %s: %s", wav_path, SDL_GetError());
		/* the announcement alone, in espeak-ng's own format */
		SDL_zero(au.spec);
		au.spec.freq = 22050;
		au.spec.format = AUDIO_S16SYS;
		au.spec.channels = 1;
		au.spec.samples = 1024;
		au.buf = NULL;
		rc = -1;
	}
	if (speech)
		au.speech = speech_init(&au.spec) == 0;
	return rc;
}

void audio_quit(void)
{
	if (au.speech)
		speech_quit();
	if (au.dev)
		SDL_CloseAudioDevice(au.dev);
	if (au.buf)
		SDL_FreeWAV(au.buf);
	if (au.inited)
		SDL_QuitSubSystem(SDL_INIT_AUDIO);
	SDL_memset(&au, 0, sizeof au);
}

/* Opens the device if it is not open. Returns 0, or -1 (logged once). */
static int open_device(void)
{
	if (au.failed)
		return -1;
	if (!au.inited) {
		if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
			log_warn("no sound: %s", SDL_GetError());
			au.failed = 1;
			return -1;
		}
		au.inited = 1;
	}
	if (!au.dev) {
		au.dev = SDL_OpenAudioDevice(NULL, 0, &au.spec, NULL, 0);
		if (!au.dev) {
			log_warn("no sound device (%s): calls stay silent", SDL_GetError());
			au.failed = 1;
			return -1;
		}
	}
	return 0;
}

/* Keeps the device open until what is queued has played, and 300 ms. */
static void play_until(int64_t now_ms)
{
	int bytes_per_s = au.spec.freq * au.spec.channels * (SDL_AUDIO_BITSIZE(au.spec.format) / 8);
	Uint32 queued = SDL_GetQueuedAudioSize(au.dev);
	au.until_ms =
	    now_ms + (bytes_per_s > 0 ? (int64_t)queued * 1000 / bytes_per_s : 2000) + 300;
}

int audio_chime(int64_t now_ms)
{
	au.chimes++;
	au.spoke = 0;
	if ((!au.buf && !au.speech) || open_device() != 0)
		return 0;
	SDL_ClearQueuedAudio(au.dev);
	int chimed = au.buf && SDL_QueueAudio(au.dev, au.buf, au.len) == 0;
	SDL_PauseAudioDevice(au.dev, 0);
	play_until(now_ms);
	return chimed;
}

int audio_playing(void)
{
	if (!au.dev)
		return 0;
	return SDL_GetQueuedAudioSize(au.dev) > 0 || (au.speech && speech_busy());
}

int audio_spoke(void)
{
	return au.spoke;
}

void audio_announce(const speech_part *parts, int n)
{
	if (au.speech && au.dev)
		speech_say(parts, n);
}

int64_t audio_tick(int64_t now_ms)
{
	Uint8 *pcm;
	Uint32 len;
	if (au.speech && speech_take(&pcm, &len)) {
		if (au.dev) {
			Uint32 before = SDL_GetQueuedAudioSize(au.dev);
			if (SDL_QueueAudio(au.dev, pcm, len) == 0) { /* behind the chime */
				au.spoke = 1;
				SDL_PauseAudioDevice(au.dev, 0);
				play_until(now_ms);
				int bps = au.spec.freq * au.spec.channels *
					  (SDL_AUDIO_BITSIZE(au.spec.format) / 8);
				log_info("announcement queued: %.2f s, after %.2f s of chime",
					 bps > 0 ? (double)len / bps : 0.0,
					 bps > 0 ? (double)before / bps : 0.0);
			} else {
				log_warn("announcement not queued: %s", SDL_GetError());
			}
		}
		SDL_free(pcm);
	}
	if (!au.dev)
		return -1;
	if (now_ms < au.until_ms && SDL_GetQueuedAudioSize(au.dev) > 0)
		return au.until_ms - now_ms > 50 ? au.until_ms - now_ms : 50;
	if (now_ms < au.until_ms)
		return au.until_ms - now_ms;
	/* the worker's SDL event wakes the loop when the announcement is
	 * ready; this poll is only the fallback if that event was lost */
	if (au.speech && speech_busy())
		return 100;
	SDL_CloseAudioDevice(au.dev);
	au.dev = 0;
	return -1;
}

int audio_chimes(void)
{
	return au.chimes;
}
