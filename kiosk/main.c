/*
 * loket-kiosk — the touchscreen for residents, the counter for students and
 * the "now serving" display; one binary, one view per process, all on the
 * site database.
 *
 * This file starts the process: the command line, the configuration, the
 * translations, SDL and the window, the sound of a display and the site
 * database; then it hands over to the loop (loop.c) or to a replay script
 * (replay.c), and closes it all at the end. Signals only set a flag
 * (SIGTERM/SIGINT end the process); SDL's own signal handlers are off so a
 * window close is ours to refuse in a full-screen resident view.
 */
#include <SDL.h>
#include <SDL_ttf.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "audio.h"
#include "clock.h"
#include "i18n.h"
#include "kiosk.h"
#include "log.h"
#include "printer.h"
#include "replay.h"
#include "svc.h"

#ifndef LOKET_VERSION
#define LOKET_VERSION "0"
#endif
#ifndef LOKET_DATADIR
#define LOKET_DATADIR "/usr/local/share/loket"
#endif

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		kiosk_got_hup = 1;
	else
		kiosk_got_signal = sig;
}

/* --- start-up ---------------------------------------------------------- */

static void usage(FILE *f)
{
	fputs("usage: loket-kiosk [-c FILE] [--view ticket|counter|display|combined]\n"
	      "                   [--window WxH] [--fullscreen] [--desk N] [--lang L]\n"
	      "                   [--no-speech] [--replay FILE] [--check-config]\n"
	      "                   [--help] [--version]\n"
	      "\n"
	      "  -c FILE          the site configuration (default: $LOKET_CONFIG)\n"
	      "  --view V         ticket (residents), counter (students), display (now\n"
	      "                   serving) or combined (display above, tickets below)\n"
	      "  --window WxH     a window of that size instead of full screen\n"
	      "  --desk N         the counter's desk (default 1)\n"
	      "  --lang L         start in language L (default: the first configured)\n"
	      "  --no-speech      the display chimes but does not speak the call\n"
	      "  --replay FILE    run a test script of taps, waits, dumps and shots\n"
	      "  --check-config   validate the configuration and exit\n"
	      "\n"
	      "Staff: long-press a top corner for 2 s, then the PIN. See docs/kiosk.md.\n"
	      "Environment: LOKET_ASSETS, LOKET_LOCALEDIR, LOKET_FONT_DIR, LOKET_RENDERER\n"
	      "(software|gpu), LOKET_SPEECH=0 (as --no-speech), SDL_VIDEODRIVER, LOKET_LOG.\n",
	      f);
}

static int is_dir(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* The assets folder: $LOKET_ASSETS, else beside the executable in a
 * source tree (build/loket-kiosk -> assets, build/test/loket-kiosk ->
 * assets), else the installed LOKET_DATADIR. */
static void find_dirs(char *assets, size_t alen, char *locale, size_t llen)
{
	char exe[PATH_MAX] = "";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0)
		exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	const char *env = getenv("LOKET_ASSETS");
	char cand[PATH_MAX + 32];
	if (env && *env) {
		snprintf(assets, alen, "%s", env);
	} else {
		snprintf(assets, alen, "%s", LOKET_DATADIR);
		const char *ups[] = {"/../assets", "/../../assets", "/../../../assets"};
		for (size_t i = 0; exe[0] && i < 3; i++) {
			snprintf(cand, sizeof cand, "%s%s/sounds", exe, ups[i]);
			if (is_dir(cand)) {
				snprintf(assets, alen, "%s%s", exe, ups[i]);
				break;
			}
		}
	}
	env = getenv("LOKET_LOCALEDIR");
	snprintf(cand, sizeof cand, "%s/locale", exe);
	if (env && *env)
		snprintf(locale, llen, "%s", env);
	else if (exe[0] && is_dir(cand))
		snprintf(locale, llen, "%s", cand);
	else
		snprintf(locale, llen, "%s/locale", assets);
}

static int parse_size(const char *s, int *w, int *h)
{
	char *end;
	long a = strtol(s, &end, 10);
	if (end == s || (*end != 'x' && *end != 'X'))
		return -1;
	const char *p = end + 1;
	long b = strtol(p, &end, 10);
	if (end == p || *end || a < 100 || b < 100 || a > 16384 || b > 16384)
		return -1;
	*w = (int)a;
	*h = (int)b;
	return 0;
}

static void report_samples(app *a)
{
	if (a->nsamples == 0)
		return;
	/* insertion sort: at most KIOSK_MAX_SAMPLES, once at exit */
	for (int i = 1; i < a->nsamples; i++) {
		double v = a->samples[i];
		int j = i - 1;
		for (; j >= 0 && a->samples[j] > v; j--)
			a->samples[j + 1] = a->samples[j];
		a->samples[j + 1] = v;
	}
	double med = a->samples[a->nsamples / 2];
	double p99 = a->samples[(a->nsamples * 99) / 100 < a->nsamples ? (a->nsamples * 99) / 100
								     : a->nsamples - 1];
	log_info("tap to frame: %d taps, median %.2f ms, p99 %.2f ms", a->nsamples, med, p99);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'}, {"view", required_argument, NULL, 'v'},
	    {"window", required_argument, NULL, 'w'}, {"fullscreen", no_argument, NULL, 'f'},
	    {"desk", required_argument, NULL, 'd'},   {"lang", required_argument, NULL, 'l'},
	    {"replay", required_argument, NULL, 'r'}, {"check-config", no_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},	      {"version", no_argument, NULL, 'V'},
	    {"no-speech", no_argument, NULL, 'S'},    {NULL, 0, NULL, 0}};
	static app A; /* large (model arrays): not on the stack */
	app *a = &A;
	a->started_ms = clock_mono_ms();
	const char *cfg_arg = NULL, *view = "ticket", *replay_path = NULL, *lang = NULL;
	int win_w = 0, win_h = 0, fullscreen = -1, check = 0, desk = 1, speech = 1;
	int opt;
	log_init("loket-kiosk");
	while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cfg_arg = optarg;
			break;
		case 'v':
			view = optarg;
			break;
		case 'w':
			if (parse_size(optarg, &win_w, &win_h) != 0) {
				fprintf(stderr, "loket-kiosk: --window wants WxH, like 800x480\n");
				return EX_USAGE;
			}
			break;
		case 'f':
			fullscreen = 1;
			break;
		case 'd': {
			char *end;
			long d = strtol(optarg, &end, 10);
			if (end == optarg || *end || d < 1 || d > 99) {
				fprintf(stderr, "loket-kiosk: --desk wants a number 1..99\n");
				return EX_USAGE;
			}
			desk = (int)d;
			break;
		}
		case 'l':
			lang = optarg;
			break;
		case 'r':
			replay_path = optarg;
			break;
		case 'k':
			check = 1;
			break;
		case 'S':
			speech = 0;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("loket-kiosk %s\n", LOKET_VERSION);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "loket-kiosk: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(view, "ticket") == 0)
		a->view = VIEW_TICKET;
	else if (strcmp(view, "counter") == 0)
		a->view = VIEW_COUNTER;
	else if (strcmp(view, "display") == 0)
		a->view = VIEW_DISPLAY;
	else if (strcmp(view, "combined") == 0)
		a->view = VIEW_COMBINED;
	else {
		fprintf(stderr, "loket-kiosk: --view is ticket, counter, display or combined\n");
		return EX_USAGE;
	}
	const char *path = config_path_from(cfg_arg);
	if (!path) {
		fprintf(stderr, "loket-kiosk: no configuration: give -c FILE or set LOKET_CONFIG\n");
		return EX_USAGE;
	}
	char err[4096];
	a->cfg = config_load(path, err, sizeof err);
	if (!a->cfg) {
		fputs(err, stderr);
		return EX_CONFIG;
	}
	if (desk > a->cfg->desks) {
		fprintf(stderr, "loket-kiosk: --desk %d: the site has %d desks\n", desk,
			a->cfg->desks);
		config_free(a->cfg);
		return EX_USAGE;
	}
	if (lang) {
		a->lang = config_lang_index(a->cfg, lang);
		if (a->lang < 0) {
			fprintf(stderr, "loket-kiosk: --lang %s is not a language of %s\n", lang,
				path);
			config_free(a->cfg);
			return EX_USAGE;
		}
	}
	if (check) {
		printf("%s: ok\n", path);
		config_free(a->cfg);
		return 0;
	}
	int rc = 0;
	replay *rp = NULL;
	if (replay_path) {
		rp = replay_load(replay_path, err, sizeof err);
		if (!rp) {
			fprintf(stderr, "loket-kiosk: %s\n", err);
			config_free(a->cfg);
			return EX_DATAERR;
		}
		a->replay = 1;
		a->vnow = clock_mono_ms();
	}
	a->desk = desk;
	const char *g = getenv("LOKET_KIOSK_GUARD_MS"); /* test hook, see docs/kiosk.md */
	a->guard_ms = 1200;
	a->after_ms = 500;
	if (g && *g) {
		char *end;
		long v = strtol(g, &end, 10);
		if (*end == '\0' && v >= 0 && v <= 10000)
			a->guard_ms = a->after_ms = (int)v;
	}
	find_dirs(a->assets, sizeof a->assets, a->locale, sizeof a->locale);
	int nmo = i18n_load(a->locale, (const char(*)[8])a->cfg->langs, a->cfg->nlangs);
	log_info("assets %s, %d translations from %s", a->assets, nmo, a->locale);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL); /* reload the configuration (app_reload) */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL); /* a network printer that hangs up is an error, not the end */
	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
	SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "1");
	SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
	/* No screen is an exit with a reason (69), not a crash and not a
	 * kiosk that runs unseen: SDL falls back to its offscreen driver when
	 * nothing else works, which only a test asks for by name. */
	static const char no_screen[] =
	    "loket-kiosk: no video back end works (%s).\n"
	    "Without a desktop: SDL_VIDEODRIVER=kmsdrm as a user in the groups video, input\n"
	    "and render, or run inside the cage compositor (docs/install.md).\n";
	if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
		fprintf(stderr, no_screen, SDL_GetError());
		rc = EX_UNAVAILABLE;
		goto out_cfg;
	}
	const char *drv = SDL_GetCurrentVideoDriver(), *want = getenv("SDL_VIDEODRIVER");
	if (drv && (strcmp(drv, "offscreen") == 0 || strcmp(drv, "dummy") == 0) &&
	    !(want && strstr(want, drv))) {
		char why[160];
		snprintf(why, sizeof why, "only SDL's %s driver started: nothing would be seen", drv);
		fprintf(stderr, no_screen, why);
		rc = EX_UNAVAILABLE;
		goto out_sdl;
	}
	if (TTF_Init() != 0) {
		fprintf(stderr, "loket-kiosk: cannot start SDL_ttf: %s\n", TTF_GetError());
		rc = EX_UNAVAILABLE;
		goto out_sdl;
	}
	if (fullscreen < 0)
		fullscreen = (win_w == 0);
	a->fullscreen = fullscreen;
	static const char *const titles[] = {"loket — ticket", "loket — counter",
					     "loket — now serving", "loket"};
	rd_options ro = {win_w, win_h, fullscreen, fullscreen, titles[a->view], NULL};
	char fontdir[1100];
	snprintf(fontdir, sizeof fontdir, "%s/fonts", a->assets);
	ro.font_dir = fontdir;
	a->rd = rd_open(&ro, err, sizeof err);
	if (!a->rd) {
		fprintf(stderr, "loket-kiosk: %s\n", err);
		rc = EX_UNAVAILABLE;
		goto out_ttf;
	}
	snprintf(a->font_dir, sizeof a->font_dir, "%s", fontdir);
	app_printer(a); /* tickets on paper too, in the resident views (printer.h) */
	if (a->view == VIEW_DISPLAY || a->view == VIEW_COMBINED) {
		char wav[1100];
		snprintf(wav, sizeof wav, "%s/sounds/chime.wav", a->assets);
		const char *env = getenv("LOKET_SPEECH");
		const char *off = !speech			   ? "--no-speech"
				  : env && strcmp(env, "0") == 0 ? "LOKET_SPEECH=0"
								   : NULL;
		if (off)
			log_info("speech: off (%s)", off);
		audio_init(wav, off == NULL);
		const char *logp = getenv("LOKET_ANNOUNCE_LOG"); /* test hook */
		if (logp && *logp && !(a->announce_log = fopen(logp, "a")))
			log_warn("LOKET_ANNOUNCE_LOG: cannot open %s: %s", logp, strerror(errno));
	}
	for (int i = 0; i < a->cfg->ncategories; i++)
		a->handles[i] = 1;
	a->last_input = app_now(a);
	if (a->cfg->has_hours || a->cfg->nclosed)
		a->open = config_is_open(a->cfg, clock_now_ms(), &a->next_open_ms);
	else
		a->open = 1;
	a->open_checked = app_now(a);
	a->minute_at = app_now(a);
	try_open_store(a);
	a->store_retry_at = app_now(a) + 5000;
	a->polled_at = app_now(a);
	app_refresh(a, 1);
	if (!a->st && resident_view(a))
		a->tscreen = TK_ERROR;
	app_draw(a, 1);
	svc_ready(view);

	if (rp) {
		rc = replay_run(rp, a);
		replay_free(rp);
	} else {
		while (!a->quit)
			app_pump(a, -1);
	}
	svc_stopping();
	log_info("exit: %d frames drawn, %d chimes", a->frames, audio_chimes());
	report_samples(a);
	audio_quit();
	if (a->announce_log)
		fclose(a->announce_log);
	app_alive(a, 0); /* stopped, not dead */
	printer_stop(3000); /* the tickets queued go out first, within systemd's stop time */
	/* A ticket still at the desk keeps it open: the day's end closes it. */
	if (a->st && a->view == VIEW_COUNTER && store_desk_close(a->st, a->desk) != STORE_OK)
		log_info("desk %d stays open: %s", a->desk, store_errmsg(a->st));
	if (a->st)
		store_close(a->st);
	rd_close(a->rd);
out_ttf:
	TTF_Quit();
out_sdl:
	SDL_Quit();
out_cfg:
	i18n_free();
	config_free(a->cfg);
	return rc;
}
