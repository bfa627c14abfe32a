/*
 * staff — the way out for staff: a long press (2 s) in a top corner opens
 * a PIN pad; the PIN is checked against kiosk.staff_pin_sha256 in constant
 * time (hash_secret_matches); the PIN itself is never stored or logged.
 * After five wrong PINs the pad refuses for a minute. The staff menu
 * switches the view (ticket, counter, display) or quits.
 *
 * From the counter view the menu opens without a PIN (the counter is a
 * staff screen already). A kiosk without a PIN configured has no way in
 * from the corner: the long press shows why (and Back), nothing else.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "hash.h"
#include "kiosk.h"
#include "style.h"
#include "log.h"
#include "printer.h"
#include "theme.h"

#define PIN_MAX_FAILS 5
#define PIN_LOCK_MS   60000

void view_staff_open(app *a)
{
	a->staff = STAFF_PIN;
	a->pin[0] = '\0';
	a->staff_msg = NULL;
	if (!a->cfg->kiosk.staff_pin_sha256[0]) {
		/* no PIN, no menu: say so on screen (pin_pad shows only this) */
		log_warn("staff corner pressed, but no kiosk.staff_pin_sha256 is configured");
		a->staff_msg = N_("No staff PIN is set on this kiosk. Ask the administrator to set "
				  "kiosk.staff_pin_sha256 in the site configuration.");
		return;
	}
	log_info("staff corner: PIN pad opened");
}

static void pin_ok(app *a)
{
	int64_t now = app_now(a);
	if (!a->cfg->kiosk.staff_pin_sha256[0])
		return; /* no PIN configured: nothing opens the menu */
	if (now < a->pin_locked_until) {
		a->staff_msg = N_("Too many wrong PINs. Wait a minute.");
		return;
	}
	if (a->pin[0] && hash_secret_matches(a->pin, strlen(a->pin),
					     a->cfg->kiosk.staff_pin_sha256)) {
		log_info("staff PIN accepted");
		a->staff = STAFF_MENU;
		a->pin_fails = 0;
		a->staff_msg = NULL;
	} else {
		a->pin_fails++;
		log_warn("wrong staff PIN (%d in a row)", a->pin_fails);
		a->staff_msg = N_("Wrong PIN. Try again.");
		if (a->pin_fails >= PIN_MAX_FAILS) {
			a->pin_locked_until = now + PIN_LOCK_MS;
			a->pin_fails = 0;
			a->staff_msg = N_("Too many wrong PINs. Wait a minute.");
		}
	}
	memset(a->pin, 0, sizeof a->pin);
}

static void pin_digit(app *a, char d)
{
	if (!a->cfg->kiosk.staff_pin_sha256[0])
		return; /* no pad without a PIN: keep the message */
	size_t n = strlen(a->pin);
	if (n < KIOSK_PIN_MAX) {
		a->pin[n] = d;
		a->pin[n + 1] = '\0';
	}
	a->staff_msg = NULL;
}

static void close_staff(app *a)
{
	memset(a->pin, 0, sizeof a->pin);
	a->staff = STAFF_NONE;
	a->staff_msg = NULL;
}

void view_staff_key(app *a, const char *key)
{
	if (a->staff == STAFF_PIN) {
		if (key[0] >= '0' && key[0] <= '9' && key[1] == '\0')
			pin_digit(a, key[0]);
		else if (strncmp(key, "Keypad ", 7) == 0 && key[7] >= '0' && key[7] <= '9')
			pin_digit(a, key[7]);
		else if (strcmp(key, "Backspace") == 0 && a->pin[0])
			a->pin[strlen(a->pin) - 1] = '\0';
		else if (strcmp(key, "Return") == 0 || strcmp(key, "Keypad Enter") == 0)
			pin_ok(a);
		else if (strcmp(key, "Escape") == 0)
			close_staff(a);
	} else if (strcmp(key, "Escape") == 0) {
		close_staff(a);
	}
}

static void pin_pad(app *a, int w, int h)
{
	int g = view_gap(w, h);
	int wide = w >= h;
	rd_rect info, pad;
	if (wide) {
		info = (rd_rect){g, g, (w - 3 * g) * 45 / 100, h - 2 * g};
		pad = (rd_rect){info.x + info.w + g, g, w - info.w - 3 * g, h - 2 * g};
	} else {
		info = (rd_rect){g, g, w - 2 * g, (h - 3 * g) * 35 / 100};
		pad = (rd_rect){g, info.y + info.h + g, w - 2 * g, h - info.h - 3 * g};
	}
	int bh = info.h / 4 > 88 ? info.h / 4 : 88;
	if (bh > 140)
		bh = 140;
	int th = (info.h - bh - 3 * g) / 3;
	ui_style s = view_style_text(TH_INK, TH_BG, th * 50 / 100);
	s.bold = 1;
	s.icon = "lock";
	if (!a->cfg->kiosk.staff_pin_sha256[0]) {
		/* no PIN set: the message and Cancel, no pad */
		ui_text(&a->ui, "pin-title", T(a, "Staff menu"),
			(rd_rect){g, g, w - 2 * g, th}, &s);
		s = view_style_text(TH_INK, TH_BG, th * 40 / 100);
		ui_text(&a->ui, "pin-message", a->staff_msg ? T(a, a->staff_msg) : "",
			(rd_rect){g, th + 2 * g, w - 2 * g, h - th - bh - 4 * g}, &s);
		ui_style c = view_style_button(bh);
		c.max_px = bh * 34 / 100;
		if (ui_button(&a->ui, "pin:cancel", T(a, "Back"),
			      (rd_rect){g, h - g - bh, w - 2 * g, bh}, &c))
			close_staff(a);
		return;
	}
	ui_text(&a->ui, "pin-title", T(a, "Staff: enter the PIN"),
		(rd_rect){info.x, info.y, info.w, th}, &s);
	char dots[3 * KIOSK_PIN_MAX + 1] = "";
	size_t n = strlen(a->pin);
	for (size_t i = 0; i < n; i++)
		memcpy(dots + 3 * i, "\xe2\x80\xa2", 4); /* • */
	ui_box(&a->ui, (rd_rect){info.x, info.y + th + g, info.w, th}, TH_CARD, TH_LINE, 3, 10);
	s = view_style_text(TH_INK, TH_CARD, th * 70 / 100);
	s.wrap = 0;
	ui_text(&a->ui, "pin-dots", dots, ui_inset((rd_rect){info.x, info.y + th + g, info.w, th}, 6),
		&s);
	s = view_style_text(TH_INK, TH_BG, th * 40 / 100);
	ui_text(&a->ui, "pin-message", a->staff_msg ? T(a, a->staff_msg) : "",
		(rd_rect){info.x, info.y + 2 * (th + g), info.w, th}, &s);
	ui_style b = view_style_button(bh);
	b.max_px = bh * 34 / 100;
	if (ui_button(&a->ui, "pin:cancel", T(a, "Cancel"),
		      (rd_rect){info.x, info.y + info.h - bh, info.w, bh}, &b))
		close_staff(a);

	/* The pad sits where the layout puts it (mirrored for Arabic), but
	 * its keys keep the order of every number pad: 1 2 3 from the left. */
	pad = ui_m(&a->ui, pad);
	static const char *const keys[12] = {"1", "2", "3", "4", "5",	 "6",
					     "7", "8", "9", "clear", "0", "ok"};
	int kw = (pad.w - 2 * g) / 3, kh = (pad.h - 3 * g) / 4;
	/* one text size for the whole pad: the size "Clear" fits at */
	const char *labels[12];
	rd_rect rr[12];
	ui_style st[12];
	for (int i = 0; i < 12; i++) {
		rr[i] = (rd_rect){pad.x + (i % 3) * (kw + g), pad.y + (i / 3) * (kh + g), kw, kh};
		st[i] = view_style_button(kh < kw ? kh : kw);
		st[i].max_px = kh * 45 / 100;
		st[i].bold = 1;
		labels[i] = keys[i];
		if (strcmp(keys[i], "clear") == 0) {
			labels[i] = T(a, "Clear");
		} else if (strcmp(keys[i], "ok") == 0) {
			labels[i] = T(a, "OK");
			st[i].bg = TH_PRIMARY;
			st[i].fg = TH_ON_PRIMARY;
			st[i].border_w = 0;
		}
	}
	int rtl = a->ui.rtl;
	a->ui.rtl = 0; /* the pad is a number pad: never mirrored */
	int px = ui_row_px(&a->ui, 12, labels, rr, st, NULL);
	for (int i = 0; i < 12; i++) {
		char id[16];
		snprintf(id, sizeof id, "pin:%s", keys[i]);
		st[i].max_px = px;
		if (!ui_button(&a->ui, id, labels[i], rr[i], &st[i]))
			continue;
		if (keys[i][0] >= '0' && keys[i][0] <= '9')
			pin_digit(a, keys[i][0]);
		else if (strcmp(keys[i], "clear") == 0)
			a->pin[0] = '\0';
		else
			pin_ok(a);
	}
	a->ui.rtl = rtl;
}

/* A test ticket: how tickets print, and whether the printer works (its
 * state shows on the screen and the counter within a moment). */
static void print_test(app *a)
{
	char when[32];
	time_t now = (time_t)(clock_now_ms() / 1000);
	struct tm tm;
	localtime_r(&now, &tm);
	snprintf(when, sizeof when, "%02d-%02d-%04d %02d:%02d", tm.tm_mday, tm.tm_mon + 1,
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
	printer_ticket t = {.site = a->cfg->site_name,
			    .title = T(a, "Test ticket"),
			    .code = "A000",
			    .category = T(a, "This is how a ticket prints."),
			    .when = when,
			    .rtl = app_rtl(a)};
	if (printer_print(&t) == 0)
		log_info("staff: test ticket sent to the printer");
}

/* The staff menu: the views (the combined one too, whatever view the kiosk
 * started in), Back as the main action, and Quit last and quiet: it is
 * rarely wanted and must not look like the way out of the menu. */
static void menu(app *a, int w, int h)
{
	int g = view_gap(w, h);
	static const struct {
		const char *id, *label;
	} items[] = {
	    {"staff:ticket", N_("Ticket screen for residents")},
	    {"staff:combined", N_("Tickets and now serving on one screen")},
	    {"staff:counter", N_("Counter (call the next number)")},
	    {"staff:display", N_("Now serving screen")},
	    {"staff:print-test", N_("Print a test ticket")},
	    {"staff:close", N_("Back")},
	    {"staff:quit", N_("Quit the kiosk")},
	};
	enum { NI = sizeof items / sizeof *items };
	/* the test ticket only where a printer prints (ticket and combined) */
	int idx[NI], N = 0;
	for (int i = 0; i < NI; i++)
		if (strcmp(items[i].id, "staff:print-test") || printer_get_state() != PRINTER_NONE)
			idx[N++] = i;
	int th = h / 8 < 40 ? 40 : h / 8;
	ui_style s = view_style_text(TH_INK, TH_BG, th * 60 / 100);
	s.bold = 1;
	ui_text(&a->ui, "staff-title", T(a, "Staff menu"), (rd_rect){g, g, w - 2 * g, th}, &s);
	int cols = w >= h && w >= 700 ? 2 : 1;
	int rows = (N + cols - 1) / cols;
	int bw = (w - 2 * g - (cols - 1) * g) / cols;
	int bh = (h - th - 3 * g - (rows - 1) * g) / rows;
	if (bh > 160)
		bh = 160;
	const char *labels[NI];
	rd_rect rr[NI];
	ui_style st[NI];
	for (int i = 0; i < N; i++) {
		labels[i] = T(a, items[idx[i]].label);
		rr[i] = (rd_rect){g + (i % cols) * (bw + g), th + 2 * g + (i / cols) * (bh + g), bw, bh};
		st[i] = view_style_button(bh);
		st[i].max_px = bh * 30 / 100;
		st[i].bold = 1; /* measured bold: Back is */
		if (strcmp(items[idx[i]].id, "staff:quit") == 0) {
			st[i].bg = TH_BG; /* quiet: no card, a thin frame */
			st[i].border_w = 2;
		}
	}
	int px = ui_row_px(&a->ui, N, labels, rr, st, NULL);
	for (int k = 0; k < N; k++) {
		int i = idx[k];
		ui_style b = st[k];
		b.max_px = px;
		b.bold = 0;
		if (strcmp(items[i].id, "staff:close") == 0) {
			b.bg = TH_PRIMARY;
			b.fg = TH_ON_PRIMARY;
			b.border_w = 0;
			b.bold = 1;
		}
		if (!ui_button(&a->ui, items[i].id, labels[k], rr[k], &b))
			continue;
		log_info("staff menu: %s", items[i].id);
		if (strcmp(items[i].id, "staff:ticket") == 0)
			app_set_view(a, VIEW_TICKET);
		else if (strcmp(items[i].id, "staff:combined") == 0)
			app_set_view(a, VIEW_COMBINED);
		else if (strcmp(items[i].id, "staff:counter") == 0)
			app_set_view(a, VIEW_COUNTER);
		else if (strcmp(items[i].id, "staff:display") == 0)
			app_set_view(a, VIEW_DISPLAY);
		else if (strcmp(items[i].id, "staff:quit") == 0)
			a->quit = 1;
		else if (strcmp(items[i].id, "staff:print-test") == 0)
			print_test(a);
		else
			close_staff(a);
	}
}

void view_staff(app *a)
{
	int w = a->ui.w, h = a->ui.h;
	if (a->staff == STAFF_PIN)
		pin_pad(a, w, h);
	else
		menu(a, w, h);
}
