/*
 * audio — see audio.h. One static state: a process plays one chime.
 */
#include "audio.h"

#include <SDL.h>

#include "log.h"

static struct {
	Uint8 *buf;
	Uint32 len;
	SDL_AudioSpec spec;
	SDL_AudioDeviceID dev;
	int64_t until_ms;
	int failed, chimes, inited;
} au;

int audio_init(const char *wav_path)
{
	if (!SDL_LoadWAV(wav_path, &au.spec, &au.buf, &au.len)) {
		log_warn("no chime: cannot load %s: %s", wav_path, SDL_GetError());
		au.failed = 1;
		return -1;
	}
	return 0;
}

void audio_quit(void)
{
	if (au.dev)
		SDL_CloseAudioDevice(au.dev);
	if (au.buf)
		SDL_FreeWAV(au.buf);
	if (au.inited)
		SDL_QuitSubSystem(SDL_INIT_AUDIO);
	SDL_memset(&au, 0, sizeof au);
}

void audio_chime(int64_t now_ms)
{
	au.chimes++;
	if (!au.buf || au.failed)
		return;
	if (!au.inited) {
		if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
			log_warn("no sound: %s", SDL_GetError());
			au.failed = 1;
			return;
		}
		au.inited = 1;
	}
	if (!au.dev) {
		au.dev = SDL_OpenAudioDevice(NULL, 0, &au.spec, NULL, 0);
		if (!au.dev) {
			log_warn("no sound device (%s): the chime stays silent", SDL_GetError());
			au.failed = 1;
			return;
		}
	}
	SDL_ClearQueuedAudio(au.dev);
	SDL_QueueAudio(au.dev, au.buf, au.len);
	SDL_PauseAudioDevice(au.dev, 0);
	int bytes_per_s = au.spec.freq * au.spec.channels * (SDL_AUDIO_BITSIZE(au.spec.format) / 8);
	au.until_ms = now_ms + (bytes_per_s > 0 ? (int64_t)au.len * 1000 / bytes_per_s : 2000) + 300;
}

int64_t audio_tick(int64_t now_ms)
{
	if (!au.dev)
		return -1;
	if (now_ms < au.until_ms && SDL_GetQueuedAudioSize(au.dev) > 0)
		return au.until_ms - now_ms > 50 ? au.until_ms - now_ms : 50;
	if (now_ms < au.until_ms)
		return au.until_ms - now_ms;
	SDL_CloseAudioDevice(au.dev);
	au.dev = 0;
	return -1;
}

int audio_chimes(void)
{
	return au.chimes;
}
