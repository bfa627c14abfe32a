/*
 * loket-kiosk — the touchscreen for residents, the counter for students and
 * the "now serving" display; one binary, one view per process, all on the
 * site database.
 *
 * The loop: block in SDL_WaitEventTimeout until an event or the nearest
 * timer (data_version poll, ticket screen timeout, idle reset, long press,
 * chime end); the speech worker's event (announcement ready) wakes it too.
 * Handle it; draw a frame only if something changed. An idle kiosk wakes
 * about three times a second to ask SQLite whether another process
 * committed (PRAGMA data_version, a few microseconds).
 *
 * Input: taps act on press (one SDL mouse button event; touch arrives as
 * SDL's synthesized mouse events, so a resting palm or a second finger adds
 * no press). Signals only set a flag (SIGTERM/SIGINT end the process);
 * SDL's own signal handlers are off so a window close is ours to refuse in
 * a full-screen resident view.
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
#include "png.h"
#include "syncstate.h"
#include "replay.h"
#include "speech.h"
#include "theme.h"

#ifndef LOKET_VERSION
#define LOKET_VERSION "0"
#endif
#ifndef LOKET_DATADIR
#define LOKET_DATADIR "/usr/local/share/loket"
#endif

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* --- small shared helpers ---------------------------------------------- */

int64_t app_now(const app *a)
{
	return a->replay ? a->vnow : clock_mono_ms();
}

const char *T(const app *a, const char *msgid)
{
	return i18n_tr(a->lang, msgid);
}

int app_rtl(const app *a)
{
	return i18n_is_rtl(a->cfg->langs[a->lang]);
}

void app_set_lang(app *a, int lang)
{
	if (lang < 0 || lang >= a->cfg->nlangs || lang == a->lang)
		return;
	a->lang = lang;
	a->counter_msg[0] = '\0';
	a->dirty = 1;
}

static void announce_reset(app *a);

void app_set_view(app *a, view_kind v)
{
	if (v != VIEW_DISPLAY && v != VIEW_COMBINED)
		announce_reset(a);
	a->view = v;
	a->staff = STAFF_NONE;
	a->overlay = CO_NONE;
	a->tscreen = TK_START;
	a->counter_msg[0] = '\0';
	app_refresh(a, 1);
	a->dirty = 1;
}

/* --- model ------------------------------------------------------------- */

/* Composes the call's sentence in language index lang into *p: the
 * catalog's sentence with that language's voice, or the English msgid with
 * the English voice where the catalog lacks it (espeak-ng's voices are
 * named by language code). Returns 0, or -1 (logged) if it is too long. */
static int announce_part(app *a, int lang, const store_call *c, speech_part *p)
{
	const char *msgid = N_("Number {code}, desk {desk}");
	const char *sentence = i18n_tr(lang, msgid);
	snprintf(p->voice, sizeof p->voice, "%s", sentence == msgid ? "en" : a->cfg->langs[lang]);
	if (speech_compose(p->text, sizeof p->text, sentence, c->code, c->desk) != 0) {
		log_warn("the announcement of %s in \"%s\" is too long: not spoken", c->code,
			 a->cfg->langs[lang]);
		return -1;
	}
	return 0;
}

/* Speaks a call after the chime (docs/kiosk.md, "Spoken announcement"):
 * in the display's language, and then, where the ticket was taken in
 * another of the site's languages, in the resident's, so someone who took
 * a ticket in Arabic hears the number in Arabic too. The combined view's
 * language is the resident's at the buttons below, so there the hall
 * hears the site's own language (the first configured) first. */
static void announce(app *a, const store_call *c)
{
	int hall = a->view == VIEW_COMBINED ? 0 : a->lang;
	speech_part parts[SPEECH_MAX_PARTS];
	int n = 0;
	if (announce_part(a, hall, c, &parts[n]) == 0)
		n++;
	int res = -1;
	for (int i = 0; i < a->cfg->nlangs; i++)
		if (strcmp(a->cfg->langs[i], c->lang) == 0)
			res = i;
	if (res >= 0 && res != hall && announce_part(a, res, c, &parts[n]) == 0 &&
	    (n == 0 || strcmp(parts[0].voice, parts[n].voice) != 0))
		n++;
	if (n > 0)
		audio_announce(parts, n);
}

/* --- the announcement queue -----------------------------------------------
 *
 * Every call and recall is announced once, in the order the store committed
 * them (the calls table's id), however many desks call at once: the display
 * keeps the id of the newest call it took, reads the calls after it
 * (store_calls_after) into a ring of KIOSK_ANNOUNCE_QUEUE, and plays them
 * one after the other: chime and voice of one call, then the next
 * (announce_step, a timer; audio_playing says when one is done). At start
 * it takes the newest id as it is, so nothing already called is said. A
 * call that waited longer than KIOSK_ANNOUNCE_MAX_AGE_MS since the display
 * first saw it (its monotonic clock, so a wrong wall clock cannot make a
 * call old or new) is only shown, and logged. When more calls wait in the
 * store than fit, the rest are read as the ring empties.
 *
 * Test hook LOKET_ANNOUNCE_LOG=FILE: one line per call when it was played
 * or skipped, "ID CODE DESK spoken|chime|silent" (ID is the call's id in
 * the calls table; spoken: the voice played, chime: the chime alone,
 * silent: too old, or no sound). */

static void announce_logline(app *a, const store_call *c, const char *how)
{
	if (!a->announce_log)
		return;
	fprintf(a->announce_log, "%lld %s %d %s\n", (long long)c->id, c->code, c->desk, how);
	fflush(a->announce_log);
}

/* Takes the calls after announced_id into the ring, as many as fit. */
static void announce_fetch(app *a)
{
	if (!a->st)
		return;
	if (!a->announce_ready) {
		if (store_last_call_id(a->st, &a->announced_id) != STORE_OK) {
			log_warn("calls: %s", store_errmsg(a->st));
			return;
		}
		a->announce_ready = 1;
		a->aq_more = 0;
		return;
	}
	int room = KIOSK_ANNOUNCE_QUEUE - a->aq_n;
	a->aq_more = room == 0;
	if (room == 0)
		return;
	store_call got[KIOSK_ANNOUNCE_QUEUE];
	int n = 0;
	if (store_calls_after(a->st, a->announced_id, got, room, &n) != STORE_OK) {
		log_warn("calls: %s", store_errmsg(a->st));
		return;
	}
	int64_t now = app_now(a);
	for (int i = 0; i < n; i++) {
		int k = (a->aq_head + a->aq_n++) % KIOSK_ANNOUNCE_QUEUE;
		a->aq[k] = got[i];
		a->aq_seen[k] = now;
		a->announced_id = got[i].id;
	}
	a->aq_more = n == room;
}

static void announce_pop(app *a, const char *how)
{
	announce_logline(a, &a->aq[a->aq_head], how);
	a->aq_head = (a->aq_head + 1) % KIOSK_ANNOUNCE_QUEUE;
	a->aq_n--;
	a->announcing = 0;
}

/* Plays the queue: finishes the call playing, starts the next. Returns ms
 * until it wants to look again, or -1 if there is nothing to do. */
static int64_t announce_step(app *a, int64_t now)
{
	for (;;) {
		if (a->announcing) {
			if (audio_playing())
				return 50;
			announce_pop(a, audio_spoke()	     ? "spoken"
					: a->announce_chimed ? "chime"
							     : "silent");
		}
		if (a->aq_more)
			announce_fetch(a);
		if (a->aq_n == 0)
			return -1;
		const store_call *c = &a->aq[a->aq_head];
		int64_t age = now - a->aq_seen[a->aq_head];
		if (age > KIOSK_ANNOUNCE_MAX_AGE_MS) {
			log_info("call %s to desk %d waited %lld s to be announced: shown, not "
				 "said",
				 c->code, c->desk, (long long)(age / 1000));
			announce_pop(a, "silent");
			continue;
		}
		log_info("call %s to desk %d", c->code, c->desk);
		a->announce_chimed = audio_chime(now);
		announce(a, c);
		a->announcing = 1;
	}
}

/* Forgets the queue (the view stops being a display). */
static void announce_reset(app *a)
{
	a->announce_ready = 0;
	a->aq_n = 0;
	a->aq_head = 0;
	a->aq_more = 0;
	a->announcing = 0;
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h;
}

/* The counter view works at its desk while it runs: desk.opened at start
 * (with the kinds of help it takes), desk.closed at the end. */
static void counter_desk_open(app *a)
{
	const char *cats[CONFIG_MAX_CATEGORIES];
	int nc = 0;
	for (int i = 0; i < a->cfg->ncategories; i++)
		if (a->handles[i])
			cats[nc++] = a->cfg->categories[i].id;
	if (nc == a->cfg->ncategories)
		nc = 0; /* every kind */
	if (store_desk_open(a->st, a->desk, cats, nc) != STORE_OK)
		log_warn("cannot open desk %d: %s", a->desk, store_errmsg(a->st));
}

static void try_open_store(app *a)
{
	char err[512];
	store *st = NULL;
	store_status s = store_open(a->cfg->database, a->cfg, &st, err, sizeof err);
	if (s != STORE_OK) {
		snprintf(a->problem, sizeof a->problem, "%s", err);
		log_error("cannot open the site database %s: %s", a->cfg->database, err);
		a->st = NULL;
		return;
	}
	a->st = st;
	a->problem[0] = '\0';
	a->data_version = -1;
	log_info("site database %s", a->cfg->database);
	if (a->view == VIEW_COUNTER)
		counter_desk_open(a);
}

void app_refresh(app *a, int force)
{
	if (!a->st)
		return;
	int64_t v = store_data_version(a->st);
	if (!force && v == a->data_version)
		return;
	a->data_version = v;
	uint64_t h = 0xcbf29ce484222325ULL;
	store_status s = store_status_get(a->st, &a->status);
	if (s != STORE_OK)
		log_warn("status: %s", store_errmsg(a->st));
	if (a->view == VIEW_COUNTER) {
		const char *cats[CONFIG_MAX_CATEGORIES];
		int nc = 0;
		for (int i = 0; i < a->cfg->ncategories; i++)
			if (a->handles[i])
				cats[nc++] = a->cfg->categories[i].id;
		if (store_list_waiting(a->st, cats, nc, a->waiting, KIOSK_MAX_WAITING,
				       &a->nwaiting) != STORE_OK)
			a->nwaiting = 0;
		a->have_at_desk = store_find(a->st, (store_ref){NULL, a->desk}, &a->at_desk) ==
				  STORE_OK;
		h = mix(h, &a->status, sizeof a->status);
		for (int i = 0; i < a->nwaiting; i++)
			h = mix(h, a->waiting[i].code, sizeof a->waiting[i].code);
		h = mix(h, &a->nwaiting, sizeof a->nwaiting);
		if (a->have_at_desk)
			h = mix(h, &a->at_desk, sizeof a->at_desk);
		h = mix(h, &a->have_at_desk, sizeof a->have_at_desk);
	}
	if (a->view == VIEW_DISPLAY || a->view == VIEW_COMBINED) {
		if (store_recent_calls(a->st, a->calls, KIOSK_MAX_CALLS, &a->ncalls) != STORE_OK)
			a->ncalls = 0;
		h = mix(h, a->calls, sizeof a->calls[0] * (size_t)a->ncalls);
		for (int i = 0; i < a->status.ncategories; i++)
			h = mix(h, &a->status.categories[i].waiting, sizeof(int));
		announce_fetch(a);
	}
	if (force || h != a->model_hash)
		a->dirty = 1;
	a->model_hash = h;
}

/* --- frames ------------------------------------------------------------ */

void app_build(app *a, int draw)
{
	int w, h;
	rd_size(a->rd, &w, &h);
	ui_begin(&a->ui, a->rd, app_rtl(a), draw);
	if (draw)
		rd_clear(a->rd, TH_BG);
	if (a->staff != STAFF_NONE) {
		view_staff(a);
		return;
	}
	rd_rect all = {0, 0, w, h};
	switch (a->view) {
	case VIEW_TICKET:
		view_ticket(a, all, 1);
		break;
	case VIEW_COUNTER:
		view_counter(a);
		break;
	case VIEW_DISPLAY:
		view_display(a, all, 0);
		break;
	case VIEW_COMBINED: {
		int band = h > w ? h * 34 / 100 : h * 30 / 100;
		if (band < 120)
			band = 120;
		view_display(a, (rd_rect){0, 0, w, band}, 1);
		view_ticket(a, (rd_rect){0, band, w, h - band}, 0);
		break;
	}
	}
}

void app_draw(app *a, int present)
{
	app_build(a, 1);
	if (present) {
		rd_present(a->rd);
		a->frames++;
		if (a->frames == 1)
			log_info("first frame after %lld ms",
				 (long long)(clock_mono_ms() - a->started_ms));
		if (a->tap_start) {
			double ms = (double)(SDL_GetPerformanceCounter() - a->tap_start) * 1000.0 /
				    (double)SDL_GetPerformanceFrequency();
			if (a->nsamples < KIOSK_MAX_SAMPLES)
				a->samples[a->nsamples++] = ms;
			a->tap_start = 0;
		}
	}
	a->dirty = 0;
}

int app_shot(app *a, const char *path)
{
	app_draw(a, 0);
	uint8_t *rgb = NULL;
	int w, h;
	int rc = rd_read_rgb(a->rd, &rgb, &w, &h);
	if (rc == 0) {
		rc = png_write_rgb(path, rgb, w, h);
		if (rc != 0)
			log_error("cannot write %s: %s", path, strerror(errno));
	}
	free(rgb);
	rd_present(a->rd);
	a->frames++;
	return rc;
}

int app_dump(app *a, const char *path)
{
	if (a->dirty)
		app_draw(a, 1);
	if (ui_dump(&a->ui, path) != 0) {
		log_error("cannot write %s", path);
		return -1;
	}
	return 0;
}

/* --- input ------------------------------------------------------------- */

static int corner_zone(app *a, int x, int y)
{
	int w, h;
	rd_size(a->rd, &w, &h);
	int z = (w < h ? w : h) / 7;
	if (z < 60)
		z = 60;
	return y < z && (x < z || x >= w - z);
}

static int resident_view(const app *a)
{
	return a->view == VIEW_TICKET || a->view == VIEW_COMBINED;
}

static void tap(app *a, int x, int y)
{
	int64_t now = app_now(a);
	a->last_input = now;
	a->tap_start = SDL_GetPerformanceCounter();
	int hit = ui_hit(&a->ui, x, y);
	if (hit < 0 && a->staff == STAFF_NONE && corner_zone(a, x, y)) {
		/* maybe the start of a staff long press; on the ticket screen
		 * it is also an ordinary tap */
		a->corner_down = 1;
		a->corner_since = now;
		if (!(resident_view(a) && a->tscreen != TK_START)) {
			a->tap_start = 0;
			return;
		}
	}
	/* on the error screen the language row still switches the language */
	int lang_tap = a->tscreen == TK_ERROR && hit >= 0 && strncmp(a->ui.c[hit].id, "lang:", 5) == 0;
	if (a->staff == STAFF_NONE && resident_view(a) && !lang_tap &&
	    (a->tscreen == TK_TICKET || a->tscreen == TK_ERROR)) {
		/* any tap leaves the ticket screen, but not the one that made
		 * it (double tap, resting palm): guard time first */
		if (now >= a->guard_until)
			view_ticket_dismiss(a);
		else
			a->tap_start = 0;
		return;
	}
	if (hit < 0) {
		a->tap_start = 0;
		return;
	}
	snprintf(a->ui.clicked, sizeof a->ui.clicked, "%s", a->ui.c[hit].id);
	app_build(a, 0);
	a->ui.clicked[0] = '\0';
	app_build(a, 0); /* the control list of the new state, for the next tap */
	a->dirty = 1;
}

static void key(app *a, SDL_Keycode k)
{
	a->last_input = app_now(a);
	const char *name = SDL_GetKeyName(k);
	if (a->staff != STAFF_NONE) {
		view_staff_key(a, name);
	} else if (a->view == VIEW_COUNTER && a->overlay != CO_NONE) {
		view_counter_key(a, name);
	} else if (k == SDLK_ESCAPE && !a->fullscreen) {
		a->quit = 1;
	} else if (a->view == VIEW_COUNTER || a->view == VIEW_DISPLAY) {
		if (strcmp(name, "L") == 0)
			app_set_lang(a, (a->lang + 1) % a->cfg->nlangs);
		else if (a->view == VIEW_COUNTER)
			view_counter_key(a, name);
	}
	app_build(a, 0);
	a->dirty = 1;
}

static void text_input(app *a, const char *s)
{
	if (a->staff != STAFF_PIN)
		return;
	for (; *s; s++) {
		char k[2] = {*s, 0};
		if (*s >= '0' && *s <= '9')
			view_staff_key(a, k);
	}
	a->dirty = 1;
}

static void handle(app *a, const SDL_Event *ev)
{
	switch (ev->type) {
	case SDL_QUIT:
		if (a->fullscreen && resident_view(a))
			log_info("window close refused: residents cannot leave the kiosk");
		else
			a->quit = 1;
		break;
	case SDL_MOUSEBUTTONDOWN:
		if (ev->button.button == SDL_BUTTON_LEFT) {
			int x = ev->button.x, y = ev->button.y;
			rd_scale_point(a->rd, &x, &y);
			tap(a, x, y);
		}
		break;
	case SDL_MOUSEBUTTONUP:
		a->corner_down = 0;
		break;
	case SDL_MOUSEMOTION:
		if (a->corner_down) {
			int x = ev->motion.x, y = ev->motion.y;
			rd_scale_point(a->rd, &x, &y);
			if (!corner_zone(a, x, y))
				a->corner_down = 0;
		}
		break;
	case SDL_KEYDOWN:
		if (!ev->key.repeat)
			key(a, ev->key.keysym.sym);
		break;
	case SDL_TEXTINPUT:
		text_input(a, ev->text.text);
		break;
	case SDL_WINDOWEVENT:
		if (ev->window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
		    ev->window.event == SDL_WINDOWEVENT_RESIZED)
			rd_resized(a->rd);
		if (ev->window.event == SDL_WINDOWEVENT_EXPOSED ||
		    ev->window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
		    ev->window.event == SDL_WINDOWEVENT_RESIZED ||
		    ev->window.event == SDL_WINDOWEVENT_SHOWN)
			a->dirty = 1;
		break;
	case SDL_RENDER_TARGETS_RESET:
	case SDL_RENDER_DEVICE_RESET:
		a->dirty = 1;
		break;
	default:
		break;
	}
}

/* Runs due timers; returns ms until the next one. */
static int64_t timers(app *a)
{
	int64_t now = app_now(a);
	int64_t next = KIOSK_POLL_MS;
#define DUE(t)                                                                                     \
	do {                                                                                       \
		if ((t) - now < next)                                                              \
			next = (t) - now;                                                          \
	} while (0)

	if (!a->st && now >= a->store_retry_at) {
		try_open_store(a);
		a->store_retry_at = now + 5000;
		if (a->st)
			app_refresh(a, 1);
	}
	if (now - a->polled_at >= KIOSK_POLL_MS) {
		a->polled_at = now;
		app_refresh(a, 0);
	}
	DUE(a->polled_at + KIOSK_POLL_MS);

	if (resident_view(a) && a->tscreen == TK_TICKET) {
		int64_t end = a->ticket_at + (int64_t)a->cfg->kiosk.ticket_seconds * 1000;
		if (now >= end)
			view_ticket_dismiss(a);
		else
			DUE(end);
	}
	int64_t idle = a->last_input + (int64_t)a->cfg->kiosk.reset_seconds * 1000;
	if (resident_view(a) && (a->lang != 0 || a->staff != STAFF_NONE || a->tscreen != TK_START)) {
		if (now >= idle) {
			log_info("idle for %d s: back to the start", a->cfg->kiosk.reset_seconds);
			a->lang = 0;
			a->staff = STAFF_NONE;
			a->tscreen = TK_START;
			a->last_input = now;
			a->dirty = 1;
		} else {
			DUE(idle);
		}
	}
	if (a->corner_down) {
		int64_t end = a->corner_since + KIOSK_LONG_PRESS_MS;
		if (now >= end) {
			a->corner_down = 0;
			view_staff_open(a);
			a->dirty = 1;
		} else {
			DUE(end);
		}
	}
	if (a->cfg->has_hours && now - a->open_checked >= 15000) {
		a->open_checked = now;
		int64_t nx = -1;
		int o = config_is_open(a->cfg, clock_now_ms(), &nx);
		if (o != a->open || nx != a->next_open_ms)
			a->dirty = 1;
		a->open = o;
		a->next_open_ms = nx;
	}
	if (a->cfg->has_hours)
		DUE(a->open_checked + 15000);
	/* The day's end comes at closing time even when nobody touches the
	 * screen: the queue and the display then empty (store_day_roll). */
	if (a->st && now - a->day_checked >= 30000) {
		a->day_checked = now;
		int expired = 0;
		if (store_day_roll(a->st, &expired) != STORE_OK)
			log_warn("day cycle: %s", store_errmsg(a->st));
		else if (expired > 0)
			log_info("the day ended: %d tickets expired", expired);
	}
	if (a->st)
		DUE(a->day_checked + 30000);
	if (a->view == VIEW_COUNTER) {
		/* waiting times are shown in minutes */
		if (now - a->minute_at >= 30000) {
			a->minute_at = now;
			a->dirty = 1;
		}
		DUE(a->minute_at + 30000);
		if (a->cancel_armed_until) {
			if (now >= a->cancel_armed_until) {
				a->cancel_armed_until = 0; /* Cancel disarms */
				a->dirty = 1;
			} else {
				DUE(a->cancel_armed_until);
			}
		}
		/* the sync line turns to "not running" when syncd's heartbeat
		 * ages, without any write to the store */
		int ss = (int)sync_state_of(&a->status, a->cfg->sync.enabled, clock_now_ms()).state;
		if (ss != a->sync_state) {
			a->sync_state = ss;
			a->dirty = 1;
		}
	}
	int64_t au = audio_tick(now);
	if (au >= 0 && au < next)
		next = au;
	int64_t an = announce_step(a, now);
	if (an >= 0 && an < next)
		next = an;
#undef DUE
	return next < 0 ? 0 : next;
}

void app_pump(app *a, int64_t until)
{
	for (;;) {
		SDL_Event ev;
		while (SDL_PollEvent(&ev))
			handle(a, &ev);
		if (got_signal) {
			log_info("signal %d: quitting", (int)got_signal);
			a->quit = 1;
		}
		int64_t wait = timers(a);
		if (a->dirty)
			app_draw(a, 1);
		if (a->quit)
			return;
		int64_t now = app_now(a);
		if (until >= 0 && now >= until)
			return;
		if (until >= 0 && until - now < wait)
			wait = until - now;
		int64_t t0 = clock_mono_ms();
		if (SDL_WaitEventTimeout(&ev, (int)wait))
			handle(a, &ev);
		if (a->replay) {
			int64_t el = clock_mono_ms() - t0;
			a->vnow += el < wait ? el : wait;
			if (until >= 0 && a->vnow > until)
				a->vnow = until;
		}
	}
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
	char locale[2048];
	find_dirs(a->assets, sizeof a->assets, locale, sizeof locale);
	int nmo = i18n_load(locale, (const char(*)[8])a->cfg->langs, a->cfg->nlangs);
	log_info("assets %s, %d translations from %s", a->assets, nmo, locale);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
	SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "1");
	SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
	if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
		fprintf(stderr, "loket-kiosk: cannot start SDL: %s\n", SDL_GetError());
		rc = EX_UNAVAILABLE;
		goto out_cfg;
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
	if (a->cfg->has_hours)
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

	if (rp) {
		rc = replay_run(rp, a);
		replay_free(rp);
	} else {
		while (!a->quit)
			app_pump(a, -1);
	}
	log_info("exit: %d frames drawn, %d chimes", a->frames, audio_chimes());
	report_samples(a);
	audio_quit();
	if (a->announce_log)
		fclose(a->announce_log);
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
