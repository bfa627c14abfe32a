/*
 * view_ticket — what a resident sees: a welcome, the languages by their own
 * names, the kinds of help as large buttons; one tap on a kind of help
 * issues the ticket and shows it huge. Also the "closed" screen (outside
 * the configured hours) and the calm error screen when the store fails.
 *
 * One ticket per intentional tap: a category tap is ignored while the
 * ticket screen is up and for a short guard time after it was dismissed
 * (a double tap, a resting palm); the ticket screen itself ignores taps for
 * guard_ms after it appeared, so the second tap of a double tap does not
 * dismiss it. The ticket is shown only after store_take returned STORE_OK:
 * it is on disk by then.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "i18n.h"
#include "kiosk.h"
#include "style.h"
#include "log.h"
#include "printer.h"
#include "theme.h"

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static const char *cat_label(const app *a, int ci)
{
	const config_category *c = &a->cfg->categories[ci];
	if (c->label[a->lang][0])
		return c->label[a->lang];
	if (c->label[0][0])
		return c->label[0];
	return c->id;
}

static void wait_text(app *a, char *out, size_t n);

/* The ticket on paper too (printer.h), in the resident's language;
 * 0 if it went to the printer's queue, -1 if it will not be printed (no
 * printer: 0 too, nothing to say). */
static int print_ticket(app *a)
{
	printer_state ps = printer_get_state();
	if (ps == PRINTER_NONE)
		return 0;
	const store_ticket *t = &a->ticket;
	char ahead[256], wait[256], num[16], when[32];
	snprintf(num, sizeof num, "%d", t->ahead);
	if (t->ahead == 0)
		snprintf(ahead, sizeof ahead, "%s", T(a, "You are next."));
	else
		i18n_subst(ahead, sizeof ahead, T(a, "People ahead of you: {n}"), "n", num);
	wait_text(a, wait, sizeof wait);
	time_t now = (time_t)(clock_now_ms() / 1000);
	struct tm tm;
	localtime_r(&now, &tm);
	snprintf(when, sizeof when, "%02d-%02d-%04d %02d:%02d", tm.tm_mday, tm.tm_mon + 1,
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
	int ci = config_category_index(a->cfg, t->category);
	printer_ticket p = {
	    .site = a->cfg->site_name,
	    .title = T(a, "Your number"),
	    .code = t->code,
	    .category = ci >= 0 ? cat_label(a, ci) : t->category,
	    .seat = T(a, "Please take a seat. We will call your number."),
	    .ahead = ahead,
	    .wait = wait,
	    .when = t->issued_known ? when : "",
	    .rtl = app_rtl(a),
	    .tap = a->tap_start,
	};
	if (ps == PRINTER_OFFLINE || ps == PRINTER_NO_PAPER) {
		log_info("ticket %s printed anyway: the printer was %s at the last ticket", t->code,
			 printer_state_name(ps));
	}
	int rc = printer_print(&p);
	return rc != 0 || ps == PRINTER_OFFLINE || ps == PRINTER_NO_PAPER ? -1 : 0;
}

static void take(app *a, int ci)
{
	int64_t now = app_now(a);
	const config_category *c = &a->cfg->categories[ci];
	if (now < a->guard_until) {
		log_debug("tap on %s ignored: guard time after a ticket", c->id);
		return;
	}
	if (!a->st) {
		log_error("cannot issue a ticket: no database (%s)", a->problem);
		a->tscreen = TK_ERROR;
		a->guard_until = now + a->guard_ms;
		return;
	}
	store_ticket t;
	store_status s = store_take(a->st, c->id, a->cfg->langs[a->lang], &t);
	if (s != STORE_OK) {
		snprintf(a->problem, sizeof a->problem, "%s", store_errmsg(a->st));
		log_error("cannot issue a ticket for %s: %s (%s)", c->id, store_status_str(s),
			  store_errmsg(a->st));
		a->tscreen = TK_ERROR;
		a->guard_until = now + a->guard_ms;
		return;
	}
	log_info("ticket %s issued (%s, %s, %d ahead)", t.code, t.category, t.lang, t.ahead);
	a->ticket = t;
	a->tscreen = TK_TICKET;
	a->ticket_unprinted = print_ticket(a) != 0;
	a->ticket_at = now;
	a->guard_until = now + a->guard_ms;
}

void view_ticket_dismiss(app *a)
{
	/* The next resident starts in the site's first language, not in the
	 * last one's (a mirrored Arabic screen for a Dutch speaker). */
	app_set_lang(a, 0);
	a->tscreen = TK_START;
	a->guard_until = app_now(a) + a->after_ms;
	a->dirty = 1;
}

/* The language buttons in rows from y; returns the height used. */
static int lang_row(app *a, rd_rect area, int y, int g, int lh)
{
	int n = a->cfg->nlangs;
	if (n < 2)
		return 0;
	int cols = n, rows = 1;
	if (area.h > area.w && n > 4) {
		cols = (n + 1) / 2;
		rows = 2;
	}
	const char *labels[CONFIG_MAX_LANGS];
	rd_rect rr[CONFIG_MAX_LANGS];
	ui_style st[CONFIG_MAX_LANGS];
	/* one row if every name fits it (the names, and so this, are the same
	 * in every language: the row never moves under a finger), else two */
	for (;;) {
		int bw = (area.w - 2 * g - (cols - 1) * g) / cols;
		for (int i = 0; i < n; i++) {
			int r = i / cols, c = i % cols;
			/* The row keeps its order in every language: the ui
			 * mirrors a right-to-left screen, so place it mirrored
			 * there. Otherwise a double tap on "English" from Arabic
			 * lands, after the first tap turns the screen
			 * left-to-right, on another language. */
			if (app_rtl(a))
				c = cols - 1 - c;
			rr[i] = (rd_rect){area.x + g + c * (bw + g), y + r * (lh + g), bw, lh};
			st[i] = view_style_button(lh);
			st[i].max_px = lh * 30 / 100;
			st[i].pad = 5; /* six names in a row at 800 px */
			st[i].selected = 1; /* measured as the chosen one is drawn */
			labels[i] = i18n_native_name(a->cfg->langs[i]);
		}
		int cut = 0;
		ui_row_px(&a->ui, n, labels, rr, st, &cut);
		if (!cut || rows > 1)
			break;
		cols = (n + 1) / 2;
		rows = 2;
	}
	/* one size for all: the chosen language is marked by its colours,
	 * bold and a bar, not by a bigger text */
	int px = ui_row_px(&a->ui, n, labels, rr, st, NULL);
	for (int i = 0; i < n; i++) {
		ui_style s = st[i];
		s.max_px = px;
		s.selected = i == a->lang;
		if (s.selected) {
			s.bg = TH_INK;
			s.fg = TH_ON_HEAD;
		}
		char id[32];
		snprintf(id, sizeof id, "lang:%s", a->cfg->langs[i]);
		if (ui_button(&a->ui, id, labels[i], rr[i], &s))
			app_set_lang(a, i);
	}
	return rows * (lh + g);
}

static void next_open_text(app *a, char *out, size_t n)
{
	if (a->next_open_ms < 0) {
		snprintf(out, n, "%s", T(a, "Please ask a student for help."));
		return;
	}
	static const char *const days[7] = {N_("Sunday"),   N_("Monday"), N_("Tuesday"), N_("Wednesday"),
					    N_("Thursday"), N_("Friday"), N_("Saturday")};
	time_t now = (time_t)(clock_now_ms() / 1000), nx = (time_t)(a->next_open_ms / 1000);
	struct tm tn, tx;
	localtime_r(&now, &tn);
	localtime_r(&nx, &tx);
	char hm[16];
	snprintf(hm, sizeof hm, "%02d:%02d", tx.tm_hour, tx.tm_min);
	struct tm tomorrow = tn;
	tomorrow.tm_mday += 1;
	tomorrow.tm_hour = 12;
	mktime(&tomorrow);
	char tmp[256];
	if (tx.tm_year == tn.tm_year && tx.tm_yday == tn.tm_yday) {
		i18n_subst(out, n, T(a, "We open again today at {time}."), "time", hm);
	} else if (tx.tm_year == tomorrow.tm_year && tx.tm_yday == tomorrow.tm_yday) {
		i18n_subst(out, n, T(a, "We open again tomorrow at {time}."), "time", hm);
	} else {
		i18n_subst(tmp, sizeof tmp, T(a, "We open again on {day} at {time}."), "day",
			   T(a, days[tx.tm_wday]));
		i18n_subst(out, n, tmp, "time", hm);
	}
}

static void start_screen(app *a, rd_rect area, int with_header)
{
	int g = view_gap(area.w, area.h);
	int y = area.y + g;
	int cz = (area.w < area.h ? area.w : area.h) / 7;
	if (with_header) {
		int hh = clampi(area.h * 12 / 100, 50, 150);
		if (cz < 60)
			cz = 60;
		if (cz > hh)
			cz = hh;
		ui_box(&a->ui, (rd_rect){area.x, area.y, area.w, hh}, TH_HEAD, 0, 0, 0);
		char title[512];
		i18n_subst(title, sizeof title, T(a, "Welcome to {site}"), "site",
			   a->cfg->site_name);
		ui_style s = view_style_text(TH_ON_HEAD, TH_HEAD, hh * 45 / 100);
		s.bold = 1;
		ui_text(&a->ui, "title", title, (rd_rect){area.x + cz, area.y + 4, area.w - 2 * cz, hh - 8},
			&s);
		y = area.y + hh + g;
	}
	int lh = clampi(area.h * 13 / 100, 88, 130);
	y += lang_row(a, area, y, g, lh);
	int bottom = area.y + area.h - g;
	rd_rect rest = {area.x + g, y, area.w - 2 * g, bottom - y};

	if (!a->open) {
		int h1 = rest.h * 40 / 100;
		ui_style s = view_style_text(TH_INK, TH_BG, h1 * 45 / 100);
		s.bold = 1;
		s.icon = "closed";
		s.no_bg = 1;
		ui_text(&a->ui, "closed", T(a, "We are closed right now."),
			(rd_rect){rest.x, rest.y, rest.w, h1}, &s);
		char nx[512];
		next_open_text(a, nx, sizeof nx);
		ui_style s2 = view_style_text(TH_INK, TH_BG, rest.h * 14 / 100);
		ui_text(&a->ui, "next-open", nx,
			(rd_rect){rest.x, rest.y + h1 + g, rest.w, rest.h - h1 - g}, &s2);
		return;
	}

	int n = a->cfg->ncategories;
	int portrait = area.h > area.w;
	int cols = portrait ? 2 : (n <= 4 ? 2 : 3);
	if (n == 1)
		cols = 1;
	int ph = clampi(area.h * 7 / 100, 28, 80);
	{
		int pw, plh; /* the prompt's line, in this language's script */
		rd_text_size(a->rd, T(a, "What do you need help with? Tap one."), STYLE_MIN_PX, 1,
			     app_rtl(a), &pw, &plh);
		if (ph < plh + 6)
			ph = plh + 6;
	}
	const char *labels[CONFIG_MAX_CATEGORIES];
	rd_rect rr[CONFIG_MAX_CATEGORIES];
	ui_style st[CONFIG_MAX_CATEGORIES];
	rd_rect area0 = rest;
	/* three columns where every kind of help fits them, else two */
	for (;;) {
		rest = area0;
		int rows = (n + cols - 1) / cols;
		int cell_h = (rest.h - (rows - 1) * g) / rows;
		if ((rest.h - ph - g - (rows - 1) * g) / rows >= 100) {
			rest.y += ph + g;
			rest.h -= ph + g;
			cell_h = (rest.h - (rows - 1) * g) / rows;
		}
		int cell_w = (rest.w - (cols - 1) * g) / cols;
		for (int i = 0; i < n; i++) {
			int r = i / cols, c = i % cols;
			/* a last row with fewer buttons is centred */
			int in_row = (r == rows - 1) ? n - r * cols : cols;
			int x0 = rest.x + (rest.w - (in_row * cell_w + (in_row - 1) * g)) / 2;
			rr[i] = (rd_rect){x0 + c * (cell_w + g), rest.y + r * (cell_h + g), cell_w,
					  cell_h};
			st[i] = view_style_button(cell_h < cell_w ? cell_h : cell_w);
			st[i].border_w = 3;
			st[i].max_px = clampi(cell_h * 22 / 100, 14, 64);
			st[i].bold = 1;
			st[i].icon =
			    a->cfg->categories[i].icon[0] ? a->cfg->categories[i].icon : "question";
			st[i].align = portrait ? RD_CENTER : RD_START;
			labels[i] = cat_label(a, i);
		}
		int cut = 0;
		ui_row_px(&a->ui, n, labels, rr, st, &cut);
		if (!cut || cols <= 2)
			break;
		cols = 2;
	}
	if (rest.y > area0.y) {
		ui_style s = view_style_text(TH_INK, TH_BG, ph * 80 / 100);
		s.bold = 1;
		ui_text(&a->ui, "prompt", T(a, "What do you need help with? Tap one."),
			(rd_rect){area0.x, area0.y, area0.w, ph}, &s);
	}
	/* every kind of help at one size */
	int px = ui_row_px(&a->ui, n, labels, rr, st, NULL);
	for (int i = 0; i < n; i++) {
		st[i].max_px = px;
		char id[64];
		snprintf(id, sizeof id, "category:%s", a->cfg->categories[i].id);
		if (ui_button(&a->ui, id, labels[i], rr[i], &st[i]))
			take(a, i);
	}
}

static void wait_text(app *a, char *out, size_t n)
{
	if (a->ticket.est_wait_s == STORE_WAIT_UNKNOWN) {
		snprintf(out, n, "%s", T(a, "No desk is open yet. We will call your number."));
		return;
	}
	int min = (a->ticket.est_wait_s + 59) / 60;
	if (min > 10)
		min = (min + 4) / 5 * 5;
	if (a->ticket.ahead == 0 && min <= 5) {
		snprintf(out, n, "%s", T(a, "Waiting time: a few minutes"));
		return;
	}
	char num[16];
	snprintf(num, sizeof num, "%d", min);
	i18n_subst(out, n, T(a, "Waiting time: about {n} minutes"), "n", num);
}

static void show_ticket(app *a, rd_rect area)
{
	int g = view_gap(area.w, area.h);
	rd_rect in = ui_inset(area, g);
	int wide = in.w >= in.h * 13 / 10;
	char ahead[256], wait[256], num[16];
	snprintf(num, sizeof num, "%d", a->ticket.ahead);
	if (a->ticket.ahead == 0)
		snprintf(ahead, sizeof ahead, "%s", T(a, "You are next."));
	else
		i18n_subst(ahead, sizeof ahead, T(a, "People ahead of you: {n}"), "n", num);
	wait_text(a, wait, sizeof wait);
	int ci = config_category_index(a->cfg, a->ticket.category);
	const char *cl = ci >= 0 ? cat_label(a, ci) : a->ticket.category;
	const char *icon = ci >= 0 && a->cfg->categories[ci].icon[0] ? a->cfg->categories[ci].icon
								      : "question";

	rd_rect r_title, r_code, r_cat, r_ahead, r_wait, r_seat, r_done;
	if (wide) {
		int lw = (in.w - g) / 2, rw = in.w - g - lw;
		int x2 = in.x + lw + g;
		int th = in.h * 14 / 100, ch = in.h * 56 / 100;
		r_title = (rd_rect){in.x, in.y, lw, th};
		r_code = (rd_rect){in.x, in.y + th, lw, ch};
		r_cat = (rd_rect){in.x, in.y + th + ch + g, lw, in.h - th - ch - g};
		int done = clampi(in.h * 22 / 100, 88, 140);
		int R = in.h - done - 3 * g;
		int ah = R * 28 / 100;
		r_ahead = (rd_rect){x2, in.y, rw, ah};
		r_wait = (rd_rect){x2, in.y + ah + g, rw, ah};
		r_seat = (rd_rect){x2, in.y + 2 * (ah + g), rw, R - 2 * ah};
		r_done = (rd_rect){x2, in.y + in.h - done, rw, done};
	} else {
		int done = clampi(in.h * 10 / 100, 88, 180);
		int R = in.h - done - 5 * g;
		int y = in.y;
		int hs[6] = {R * 8 / 100, R * 34 / 100, R * 14 / 100, R * 12 / 100, R * 12 / 100, 0};
		hs[5] = R - hs[0] - hs[1] - hs[2] - hs[3] - hs[4];
		rd_rect *rs[6] = {&r_title, &r_code, &r_cat, &r_ahead, &r_wait, &r_seat};
		for (int i = 0; i < 6; i++) {
			*rs[i] = (rd_rect){in.x, y, in.w, hs[i]};
			y += hs[i] + (i == 0 ? 0 : g);
		}
		r_done = (rd_rect){in.x + in.w / 6, in.y + in.h - done, in.w * 2 / 3, done};
	}
	ui_style s = view_style_text(TH_MUTED, TH_BG, r_title.h * 60 / 100);
	ui_text(&a->ui, "ticket-title", T(a, "Your number"), r_title, &s);
	ui_box(&a->ui, r_code, TH_CARD, TH_LINE, 4, 18);
	s = view_style_text(TH_INK, TH_CARD, r_code.h * 80 / 100);
	s.bold = 1;
	s.wrap = 0;
	ui_text(&a->ui, "ticket-code", a->ticket.code, ui_inset(r_code, 8), &s);
	s = view_style_text(TH_INK, TH_BG, r_cat.h * 40 / 100);
	s.icon = icon;
	s.bold = 1;
	ui_text(&a->ui, "ticket-category", cl, r_cat, &s);
	s = view_style_text(TH_INK, TH_BG, r_ahead.h * 38 / 100);
	s.icon = "people";
	s.align = RD_START;
	ui_text(&a->ui, "ticket-ahead", ahead, r_ahead, &s);
	s.icon = "clock";
	ui_text(&a->ui, "ticket-wait", wait, r_wait, &s);
	s = view_style_text(TH_INK, TH_BG, r_seat.h * 30 / 100);
	s.bold = 1;
	/* a printer that did not work: the code must be remembered */
	int unprinted = a->ticket_unprinted || printer_get_state() == PRINTER_OFFLINE ||
			printer_get_state() == PRINTER_NO_PAPER;
	ui_text(&a->ui, "ticket-seat",
		T(a, unprinted ? "The printer does not work: please remember your number and take "
				 "a seat."
			       : "Please take a seat. We will call your number."),
		r_seat, &s);
	ui_style b = view_style_button(r_done.h);
	b.bg = TH_PRIMARY;
	b.fg = TH_ON_PRIMARY;
	b.border_w = 0;
	b.icon = "check";
	b.bold = 1;
	b.max_px = r_done.h * 36 / 100;
	ui_button(&a->ui, "ticket-done", T(a, "Done"), r_done, &b);
}

/* The calm error screen, with the language row: a resident who has not
 * chosen a language yet (a store that fails at start) reads it in theirs. */
static void error_screen(app *a, rd_rect area)
{
	int g = view_gap(area.w, area.h);
	int lh = clampi(area.h * 13 / 100, 88, 130);
	int used = lang_row(a, area, area.y + g, g, lh);
	area.y += used;
	area.h -= used;
	rd_rect in = ui_inset(area, g);
	int done = clampi(in.h * 18 / 100, 88, 160);
	int h1 = (in.h - done - 2 * g) * 55 / 100;
	int h2 = in.h - done - 2 * g - h1;
	ui_style s = view_style_text(TH_INK, TH_BG, h1 * 30 / 100);
	s.icon = "info";
	s.bold = 1;
	ui_text(&a->ui, "error", T(a, "This machine cannot give tickets right now."),
		(rd_rect){in.x, in.y, in.w, h1}, &s);
	s = view_style_text(TH_INK, TH_BG, h2 * 40 / 100);
	ui_text(&a->ui, "error-help", T(a, "Please ask a student for help."),
		(rd_rect){in.x, in.y + h1 + g, in.w, h2}, &s);
	ui_style b = view_style_button(done);
	b.max_px = done * 34 / 100;
	ui_button(&a->ui, "error-back", T(a, "Back to the start"),
		  (rd_rect){in.x + in.w / 6, in.y + in.h - done, in.w * 2 / 3, done}, &b);
}

void view_ticket(app *a, rd_rect area, int with_header)
{
	switch (a->tscreen) {
	case TK_TICKET:
		show_ticket(a, area);
		break;
	case TK_ERROR:
		error_screen(a, area);
		break;
	case TK_START:
		start_screen(a, area, with_header);
		break;
	}
}
