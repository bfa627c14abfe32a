/*
 * loop — the event loop of the kiosk: frames, input and timers. It is the
 * one file that calls the views (they call app.c, never back here).
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
 * no press). A signal only sets kiosk_got_signal (main.c), which the loop
 * turns into a quit; a window close is refused in a full-screen resident
 * view.
 */
#include <SDL.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announce.h"
#include "audio.h"
#include "clock.h"
#include "kiosk.h"
#include "log.h"
#include "printer.h"
#include "png.h"
#include "svc.h"
#include "syncstate.h"
#include "theme.h"

volatile sig_atomic_t kiosk_got_signal, kiosk_got_hup;

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

int resident_view(const app *a)
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

/* --- timers ------------------------------------------------------------ */

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
	if ((a->cfg->has_hours || a->cfg->nclosed) && now - a->open_checked >= 15000) {
		a->open_checked = now;
		int64_t nx = -1;
		int o = config_is_open(a->cfg, clock_now_ms(), &nx);
		if (o != a->open || nx != a->next_open_ms)
			a->dirty = 1;
		a->open = o;
		a->next_open_ms = nx;
	}
	if (a->cfg->has_hours || a->cfg->nclosed)
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
	/* the printer's state: the ticket screen, the store (for the counter
	 * and syncd's heartbeat) and the log hear of a change */
	printer_state ps = printer_get_state();
	int resident = a->view == VIEW_TICKET || a->view == VIEW_COMBINED;
	/* the resident views own the printer's state: a counter or a display
	 * on the same database writes none over theirs */
	if (resident && a->st && (int)ps != a->printer_seen) {
		if (ps == PRINTER_OFFLINE || ps == PRINTER_NO_PAPER)
			log_warn("the ticket printer is %s: residents are asked to remember "
				 "their number",
				 printer_state_name(ps));
		else if (a->printer_seen == (int)PRINTER_OFFLINE || a->printer_seen == (int)PRINTER_NO_PAPER)
			log_info("the ticket printer works again");
		if (store_printer_state_set(a->st, printer_state_name(ps), clock_now_ms()) == STORE_OK)
			a->printer_seen = (int)ps; /* else: tried again at the next look */
		else
			log_warn("cannot record the printer's state: %s", store_errmsg(a->st));
		a->dirty = 1;
	}
	/* the view's sign of life: syncd reports it ("kiosk not running") */
	int64_t every = (int64_t)a->cfg->sync.heartbeat_s * 1000;
	if (a->st && (!a->alive_written || now - a->alive_at >= every))
		app_alive(a, 1);
	if (a->st)
		DUE(a->alive_at + every);
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
	/* systemd's watchdog (svc.h): a loop that hangs stops pinging */
	int64_t wd = svc_watchdog_tick(clock_mono_ms());
	if (wd >= 0 && wd < next)
		next = wd;
#undef DUE
	return next < 0 ? 0 : next;
}

void app_pump(app *a, int64_t until)
{
	for (;;) {
		SDL_Event ev;
		while (SDL_PollEvent(&ev))
			handle(a, &ev);
		if (kiosk_got_signal) {
			log_info("signal %d: quitting", (int)kiosk_got_signal);
			a->quit = 1;
		}
		if (kiosk_got_hup) { /* between frames: nothing is half drawn */
			kiosk_got_hup = 0;
			app_reload(a);
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
