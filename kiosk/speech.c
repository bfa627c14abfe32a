/*
 * speech — see speech.h. One static state: a process has one espeak-ng
 * engine and one worker thread that alone calls it after speech_init.
 *
 * The worker's job: set the voice (espeak-ng loads the language's
 * dictionary when it changes), synthesise in AUDIO_OUTPUT_SYNCHRONOUS mode
 * (espeak-ng calls synth_cb with 100 ms chunks of 16-bit mono PCM at its
 * own rate, 22050 Hz), then put a short silence in front and convert to the
 * device's format with an SDL_AudioStream. The PCM buffer grows up to
 * SPEECH_MAX_SECONDS and no further.
 *
 * espeak_ng_Initialize sets LC_CTYPE to C.UTF-8 (its wide-character
 * classes need it). That is why it runs on the UI thread in speech_init,
 * before the worker exists, and not beside code that reads the locale.
 */
#include "speech.h"

#include <espeak-ng/espeak_ng.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define SPEECH_LEAD_MS	  200 /* silence between the chime and the voice */
#define SPEECH_MIN_MS	  100 /* less sound than this from a voice: it said nothing */
#define SPEECH_QUIET	  512 /* |sample| below this is not sound */
#define SPEECH_GAP_MS	  600 /* silence between two languages of one call */
#define SPEECH_CHUNK_MS	  100 /* espeak-ng's buffer: how soon a superseded job stops */
#define SPEECH_MAX_VOICES 16  /* voices remembered as not working */
#define SPEECH_DUMP_PATH  1024
#define SAY_CHARS_OPEN	  "<say-as interpret-as=\"characters\">"
#define SAY_CHARS_CLOSE	  "</say-as>"

static struct {
	/* set in speech_init, read-only afterwards */
	SDL_mutex *mu;
	SDL_cond *cv;
	SDL_Thread *th;
	SDL_AudioSpec out;
	Uint32 wake; /* SDL event type pushed when a result is ready; 0: none */
	int rate;    /* espeak-ng's sample rate */
	int ok;
	char dump[SPEECH_DUMP_PATH];

	/* under mu */
	int quit, pending; /* pending: a request waits in req */
	speech_part req[SPEECH_MAX_PARTS];
	int nreq;
	unsigned gen;  /* of the newest request */
	unsigned done; /* of the last request the worker finished with */
	Uint8 *pcm;    /* the result for gen, not yet taken */
	Uint32 len;

	/* = gen, for synth_cb, which must not take the lock */
	SDL_atomic_t newest;

	/* the worker's */
	int16_t *buf; /* the job's samples */
	size_t n, cap;
	unsigned job;
	int too_long;
	char bad[SPEECH_MAX_VOICES][SPEECH_MAX_VOICE];
	int nbad;
} sp;

/* --- the text ------------------------------------------------------------ */

/* Appends len bytes of s to out (n bytes, *o used), XML-escaped if escape.
 * Returns 0, or -1 if they do not fit. */
static int put(char *out, size_t n, size_t *o, const char *s, size_t len, int escape)
{
	for (size_t i = 0; i < len; i++) {
		const char *r = NULL;
		size_t rl = 1;
		if (escape) {
			switch (s[i]) {
			case '&': r = "&amp;"; break;
			case '<': r = "&lt;"; break;
			case '>': r = "&gt;"; break;
			case '"': r = "&quot;"; break;
			default: break;
			}
		}
		if (r)
			rl = strlen(r);
		if (rl >= n - *o)
			return -1;
		memcpy(out + *o, r ? r : s + i, rl);
		*o += rl;
	}
	out[*o] = '\0';
	return 0;
}

static int put_str(char *out, size_t n, size_t *o, const char *s, int escape)
{
	return put(out, n, o, s, strlen(s), escape);
}

/* "A012" -> <say-as ...>A</say-as> 12. Anything but capitals followed by
 * digits (not a code the store makes) is spelled out whole. */
static int put_code(char *out, size_t n, size_t *o, const char *code)
{
	size_t letters = 0;
	while (code[letters] >= 'A' && code[letters] <= 'Z')
		letters++;
	const char *d = code + letters;
	size_t digits = strspn(d, "0123456789");
	int rc = put_str(out, n, o, SAY_CHARS_OPEN, 0);
	if (letters == 0 || digits == 0 || d[digits] != '\0') {
		if (rc == 0)
			rc = put_str(out, n, o, code, 1);
		if (rc == 0)
			rc = put_str(out, n, o, SAY_CHARS_CLOSE, 0);
		return rc;
	}
	while (digits > 1 && *d == '0') {
		d++;
		digits--;
	}
	if (rc == 0)
		rc = put(out, n, o, code, letters, 1);
	if (rc == 0)
		rc = put_str(out, n, o, SAY_CHARS_CLOSE " ", 0);
	if (rc == 0)
		rc = put(out, n, o, d, digits, 0);
	return rc;
}

int speech_compose(char *out, size_t n, const char *sentence, const char *code, int desk)
{
	if (n == 0)
		return -1;
	size_t o = 0;
	out[0] = '\0';
	char num[16];
	snprintf(num, sizeof num, "%d", desk);
	int rc = 0;
	for (const char *p = sentence; *p && rc == 0;) {
		if (strncmp(p, "{code}", 6) == 0) {
			rc = put_code(out, n, &o, code);
			p += 6;
		} else if (strncmp(p, "{desk}", 6) == 0) {
			rc = put_str(out, n, &o, num, 1);
			p += 6;
		} else {
			rc = put(out, n, &o, p, 1, 1);
			p++;
		}
	}
	if (rc != 0)
		out[0] = '\0';
	return rc;
}

/* The SSML without its tags, for the log. */
static void plain(const char *ssml, char *out, size_t n)
{
	size_t o = 0;
	int tag = 0;
	for (const char *p = ssml; *p && o + 1 < n; p++) {
		if (*p == '<')
			tag = 1;
		else if (*p == '>')
			tag = 0;
		else if (!tag)
			out[o++] = *p;
	}
	out[o] = '\0';
}

/* --- the worker ---------------------------------------------------------- */

/* espeak-ng's synth callback: collects samples; returning 1 stops the
 * synthesis (superseded by a newer request, or too long). */
static int synth_cb(short *wav, int n, espeak_EVENT *events)
{
	(void)events;
	if ((unsigned)SDL_AtomicGet(&sp.newest) != sp.job)
		return 1;
	if (!wav || n <= 0)
		return 0;
	size_t max = (size_t)sp.rate * SPEECH_MAX_SECONDS;
	if (sp.n + (size_t)n > max) {
		sp.too_long = 1;
		return 1;
	}
	if (sp.n + (size_t)n > sp.cap) {
		size_t cap = sp.cap ? sp.cap * 2 : (size_t)sp.rate * 4;
		if (cap < sp.n + (size_t)n)
			cap = sp.n + (size_t)n;
		if (cap > max)
			cap = max;
		int16_t *b = realloc(sp.buf, cap * sizeof *b);
		if (!b) {
			sp.too_long = 1;
			return 1;
		}
		sp.buf = b;
		sp.cap = cap;
	}
	memcpy(sp.buf + sp.n, wav, (size_t)n * sizeof *wav);
	sp.n += (size_t)n;
	return 0;
}

/* How many of the job's samples after from are sound, not (near) silence. A voice
 * whose dictionary is missing loads without an error and then produces
 * only the pauses of the sentence, all zeros. */
static size_t loud_samples(size_t from)
{
	size_t loud = 0;
	for (size_t i = from; i < sp.n; i++)
		loud += sp.buf[i] > SPEECH_QUIET || sp.buf[i] < -SPEECH_QUIET;
	return loud;
}

/* A voice that failed once is not tried again (and not logged again). */
static int voice_bad(const char *voice)
{
	for (int i = 0; i < sp.nbad; i++)
		if (strcmp(sp.bad[i], voice) == 0)
			return 1;
	return 0;
}

static void voice_failed(const char *voice, const char *why)
{
	log_warn("no spoken announcements in \"%s\": %s; calls are not said in this language",
		 voice, why);
	if (sp.nbad < SPEECH_MAX_VOICES)
		snprintf(sp.bad[sp.nbad++], sizeof sp.bad[0], "%s", voice);
}

static void le16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8 & 0xff);
}

static void le32(unsigned char *p, uint32_t v)
{
	le16(p, v & 0xffff);
	le16(p + 2, v >> 16);
}

/* The test hook: one part's samples (from `from` on) as a WAV file,
 * written beside and renamed into place so a reader never sees half of it. */
static void dump_wav(const char *voice, size_t from)
{
	char path[SPEECH_DUMP_PATH + SPEECH_MAX_VOICE], tmp[sizeof path + 8];
	size_t o = 0;
	const char *p = sp.dump;
	for (; *p && o + 1 < sizeof path; p++) {
		if (strncmp(p, "{lang}", 6) == 0) {
			o += (size_t)snprintf(path + o, sizeof path - o, "%s", voice);
			p += 5;
		} else {
			path[o++] = *p;
		}
	}
	path[o < sizeof path ? o : sizeof path - 1] = '\0';
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	uint32_t bytes = (uint32_t)((sp.n - from) * 2);
	unsigned char h[44];
	memcpy(h, "RIFF", 4);
	le32(h + 4, 36 + bytes);
	memcpy(h + 8, "WAVEfmt ", 8);
	le32(h + 16, 16);
	le16(h + 20, 1); /* PCM */
	le16(h + 22, 1); /* mono */
	le32(h + 24, (uint32_t)sp.rate);
	le32(h + 28, (uint32_t)sp.rate * 2);
	le16(h + 32, 2);
	le16(h + 34, 16);
	memcpy(h + 36, "data", 4);
	le32(h + 40, bytes);
	FILE *f = fopen(tmp, "wb");
	int ok = f != NULL;
	if (f) {
		ok = fwrite(h, sizeof h, 1, f) == 1;
		for (size_t i = from; ok && i < sp.n; i++) {
			unsigned char s[2];
			le16(s, (uint16_t)sp.buf[i]);
			ok = fwrite(s, 2, 1, f) == 1;
		}
		ok = fclose(f) == 0 && ok;
	}
	if (!ok || rename(tmp, path) != 0) {
		log_warn("LOKET_SPEECH_DUMP: cannot write %s", path);
		remove(tmp);
	}
}

/* The job's samples, after SPEECH_LEAD_MS of silence, in the device's
 * format. Returns 0 with *pcm (SDL_malloc'ed) and *len, or -1. */
static int convert(Uint8 **pcm, Uint32 *len)
{
	static const int16_t zeros[512];
	SDL_AudioStream *st = SDL_NewAudioStream(AUDIO_S16SYS, 1, sp.rate, sp.out.format,
						 sp.out.channels, sp.out.freq);
	if (!st)
		return -1;
	int rc = -1;
	Uint8 *buf = NULL;
	size_t lead = (size_t)sp.rate * SPEECH_LEAD_MS / 1000;
	for (size_t k = 0; k < lead; k += 512) {
		size_t c = lead - k < 512 ? lead - k : 512;
		if (SDL_AudioStreamPut(st, zeros, (int)(c * 2)) != 0)
			goto out;
	}
	if (SDL_AudioStreamPut(st, sp.buf, (int)(sp.n * 2)) != 0 || SDL_AudioStreamFlush(st) != 0)
		goto out;
	int avail = SDL_AudioStreamAvailable(st);
	if (avail <= 0 || !(buf = SDL_malloc((size_t)avail)))
		goto out;
	int got = SDL_AudioStreamGet(st, buf, avail);
	if (got <= 0)
		goto out;
	*pcm = buf;
	*len = (Uint32)got;
	buf = NULL;
	rc = 0;
out:
	SDL_free(buf);
	SDL_FreeAudioStream(st);
	return rc;
}

/* Appends ms of silence to the job's samples. Returns 0, or -1 (no room). */
static int put_silence(int ms)
{
	size_t k = (size_t)sp.rate * (size_t)ms / 1000;
	static short zeros[1024];
	while (k > 0) {
		int c = k < 1024 ? (int)k : 1024;
		if (synth_cb(zeros, c, NULL) != 0)
			return -1;
		k -= (size_t)c;
	}
	return 0;
}

/* One part of a request: text in voice, appended to the job's samples.
 * Returns 1 if it was added; 0 if it was skipped (its samples are taken
 * back); -1 if the request was superseded. */
static int part(const char *text, const char *voice, unsigned gen)
{
	if (voice_bad(voice))
		return 0;
	espeak_ng_STATUS s = espeak_ng_SetVoiceByName(voice);
	if (s != ENS_OK) {
		char msg[128];
		espeak_ng_GetStatusCodeMessage(s, msg, sizeof msg);
		voice_failed(voice, msg);
		return 0;
	}
	espeak_ng_SetParameter(espeakRATE, SPEECH_RATE_WPM, 0);
	size_t from = sp.n;
	if (from > 0 && put_silence(SPEECH_GAP_MS) != 0) {
		sp.n = from;
		return (unsigned)SDL_AtomicGet(&sp.newest) != gen ? -1 : 0;
	}
	size_t start = sp.n;
	s = espeak_ng_Synthesize(text, strlen(text) + 1, 0, POS_CHARACTER, 0,
				 espeakCHARS_UTF8 | espeakSSML, NULL, NULL);
	char said[256];
	plain(text, said, sizeof said);
	if ((unsigned)SDL_AtomicGet(&sp.newest) != gen) {
		log_debug("speech %s: \"%s\" superseded by a newer call", voice, said);
		return -1;
	}
	if (s != ENS_OK) {
		char msg[128];
		espeak_ng_GetStatusCodeMessage(s, msg, sizeof msg);
		log_warn("speech %s: \"%s\" not spoken: %s", voice, said, msg);
		sp.n = from;
		return 0;
	}
	if (sp.too_long) {
		log_warn("speech %s: \"%s\" not spoken: longer than %d s", voice, said,
			 SPEECH_MAX_SECONDS);
		sp.too_long = 0;
		sp.n = from;
		return 0;
	}
	if (loud_samples(start) < (size_t)sp.rate * SPEECH_MIN_MS / 1000) {
		voice_failed(voice, "the voice says nothing (is its dictionary in "
				    "espeak-ng-data?)");
		sp.n = from;
		return 0;
	}
	log_info("speech %s: \"%s\": %.2f s of audio", voice, said,
		 (double)(sp.n - start) / sp.rate);
	if (sp.dump[0])
		dump_wav(voice, start);
	return 1;
}

/* One request: its parts one after the other, to *pcm (NULL if nothing is
 * to be played). A part that fails is left out; the others still play. */
static void job(const speech_part *req, int nreq, unsigned gen, Uint8 **pcm, Uint32 *len)
{
	Uint64 t0 = SDL_GetPerformanceCounter();
	sp.n = 0;
	sp.job = gen;
	sp.too_long = 0;
	int spoken = 0;
	for (int i = 0; i < nreq; i++) {
		int r = part(req[i].text, req[i].voice, gen);
		if (r < 0)
			return;
		spoken += r;
	}
	if (!spoken)
		return;
	if (convert(pcm, len) != 0) {
		log_warn("speech: cannot convert to the device's format: %s", SDL_GetError());
		return;
	}
	/* the worker's cost of one announcement: voices, synthesis, conversion */
	log_info("speech: %.2f s of audio in %.1f ms", (double)sp.n / sp.rate,
		 (double)(SDL_GetPerformanceCounter() - t0) * 1000.0 /
		     (double)SDL_GetPerformanceFrequency());
}

static int worker(void *unused)
{
	(void)unused;
	speech_part req[SPEECH_MAX_PARTS];
	SDL_LockMutex(sp.mu);
	for (;;) {
		while (!sp.quit && !sp.pending)
			SDL_CondWait(sp.cv, sp.mu);
		if (sp.quit)
			break;
		memcpy(req, sp.req, sizeof req);
		int nreq = sp.nreq;
		unsigned gen = sp.gen;
		sp.pending = 0;
		SDL_UnlockMutex(sp.mu);

		Uint8 *pcm = NULL;
		Uint32 len = 0;
		job(req, nreq, gen, &pcm, &len);

		SDL_LockMutex(sp.mu);
		int wake = 0;
		if (gen == sp.gen && pcm) {
			SDL_free(sp.pcm);
			sp.pcm = pcm;
			sp.len = len;
			pcm = NULL;
			wake = sp.wake != 0;
		}
		sp.done = gen;
		SDL_free(pcm);
		if (wake) {
			SDL_UnlockMutex(sp.mu);
			SDL_Event ev;
			SDL_zero(ev);
			ev.type = sp.wake;
			SDL_PushEvent(&ev); /* may fail (queue full): audio_tick polls too */
			SDL_LockMutex(sp.mu);
		}
	}
	SDL_UnlockMutex(sp.mu);
	return 0;
}

/* --- the UI thread's side -------------------------------------------------- */

int speech_init(const SDL_AudioSpec *out)
{
	SDL_assert(!sp.ok);
	memset(&sp, 0, sizeof sp);
	const char *dump = getenv("LOKET_SPEECH_DUMP");
	if (dump && *dump) {
		if (strlen(dump) < sizeof sp.dump)
			snprintf(sp.dump, sizeof sp.dump, "%s", dump);
		else
			log_warn("LOKET_SPEECH_DUMP is longer than %d bytes: ignored",
				 SPEECH_DUMP_PATH - 1);
	}
	Uint64 t0 = SDL_GetPerformanceCounter();
	espeak_ng_InitializePath(NULL); /* $ESPEAK_DATA_PATH, else the system's */
	espeak_ng_ERROR_CONTEXT ctx = NULL;
	espeak_ng_STATUS s = espeak_ng_Initialize(&ctx);
	espeak_ng_ClearErrorContext(&ctx);
	if (s == ENS_OK)
		s = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, SPEECH_CHUNK_MS, NULL);
	if (s != ENS_OK) {
		char msg[128];
		espeak_ng_GetStatusCodeMessage(s, msg, sizeof msg);
		log_warn("no spoken announcements: espeak-ng cannot start (%s; is espeak-ng-data "
			 "installed?); the chime plays alone",
			 msg);
		return -1;
	}
	espeak_SetSynthCallback(synth_cb);
	sp.rate = espeak_ng_GetSampleRate();
	sp.out = *out;
	Uint32 ev = SDL_RegisterEvents(1);
	sp.wake = ev == (Uint32)-1 ? 0 : ev;
	sp.mu = SDL_CreateMutex();
	sp.cv = SDL_CreateCond();
	if (sp.mu && sp.cv) {
		/* the worker takes no signals: SIGTERM and SIGINT are the UI
		 * loop's, and must not interrupt espeak-ng's file reads */
		sigset_t block, old;
		sigemptyset(&block);
		sigaddset(&block, SIGTERM);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGHUP);
		pthread_sigmask(SIG_BLOCK, &block, &old);
		sp.th = SDL_CreateThread(worker, "loket-speech", NULL);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (!sp.th) {
		log_warn("no spoken announcements: no thread for speech: %s", SDL_GetError());
		if (sp.cv)
			SDL_DestroyCond(sp.cv);
		if (sp.mu)
			SDL_DestroyMutex(sp.mu);
		espeak_ng_Terminate();
		memset(&sp, 0, sizeof sp);
		return -1;
	}
	sp.ok = 1;
	log_info("speech: espeak-ng %s at %d Hz, started in %.1f ms", espeak_Info(NULL), sp.rate,
		 (double)(SDL_GetPerformanceCounter() - t0) * 1000.0 /
		     (double)SDL_GetPerformanceFrequency());
	return 0;
}

void speech_quit(void)
{
	if (!sp.ok)
		return;
	SDL_LockMutex(sp.mu);
	sp.quit = 1;
	SDL_AtomicSet(&sp.newest, (int)(sp.gen + 1)); /* stops a synthesis in progress */
	SDL_CondSignal(sp.cv);
	SDL_UnlockMutex(sp.mu);
	SDL_WaitThread(sp.th, NULL);
	espeak_ng_Terminate();
	SDL_DestroyCond(sp.cv);
	SDL_DestroyMutex(sp.mu);
	SDL_free(sp.pcm);
	free(sp.buf);
	memset(&sp, 0, sizeof sp);
}

void speech_say(const speech_part *parts, int n)
{
	if (!sp.ok || n <= 0)
		return;
	if (n > SPEECH_MAX_PARTS)
		n = SPEECH_MAX_PARTS;
	for (int i = 0; i < n; i++) {
		size_t tl = strnlen(parts[i].text, sizeof parts[i].text);
		size_t vl = strnlen(parts[i].voice, sizeof parts[i].voice);
		if (tl == 0 || tl >= sizeof parts[i].text || vl == 0 || vl >= sizeof parts[i].voice) {
			log_warn("announcement not spoken: part %d has %zu bytes of text, voice "
				 "\"%.*s\"",
				 i + 1, tl, SPEECH_MAX_VOICE, parts[i].voice);
			return;
		}
	}
	SDL_LockMutex(sp.mu);
	memcpy(sp.req, parts, (size_t)n * sizeof *parts);
	sp.nreq = n;
	sp.gen++;
	sp.pending = 1;
	SDL_AtomicSet(&sp.newest, (int)sp.gen);
	SDL_free(sp.pcm);
	sp.pcm = NULL;
	sp.len = 0;
	SDL_CondSignal(sp.cv);
	SDL_UnlockMutex(sp.mu);
}

int speech_take(Uint8 **pcm, Uint32 *len)
{
	if (!sp.ok)
		return 0;
	SDL_LockMutex(sp.mu);
	int got = sp.pcm != NULL;
	if (got) {
		*pcm = sp.pcm;
		*len = sp.len;
		sp.pcm = NULL;
		sp.len = 0;
	}
	SDL_UnlockMutex(sp.mu);
	return got;
}

int speech_busy(void)
{
	if (!sp.ok)
		return 0;
	SDL_LockMutex(sp.mu);
	int busy = sp.pending || sp.done != sp.gen || sp.pcm != NULL;
	SDL_UnlockMutex(sp.mu);
	return busy;
}
