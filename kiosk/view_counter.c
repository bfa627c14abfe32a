/*
 * view_counter — the student's screen at a desk: which desk and which kinds
 * of help (two choosers), the waiting list, a big "call next" and, for the
 * ticket at this desk (its kind of help and the resident's language),
 * recall / served / no-show / transfer, and Cancel with a confirming second
 * tap. The message line and the sync line (syncstate.h: not running,
 * offline since and why, sending, up to date) run along the bottom, in the
 * counter's language, wrapped, never cut.
 *
 * Every action is one store call; its outcome ("Nobody is waiting", "Finish
 * the ticket at your desk first", a store error) is shown in the message
 * line, never as a colour alone.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "i18n.h"
#include "kiosk.h"
#include "style.h"
#include "log.h"
#include "syncstate.h"
#include "theme.h"

/* Runs one action on the store; shows the outcome. */
static void act(app *a, const char *what, const char *category)
{
	store_ticket t;
	store_status s = STORE_IO;
	store_ref ref = {NULL, a->desk};
	if (!a->st) {
		app_say_failed(a, s, what);
		return;
	}
	if (strcmp(what, "call-next") == 0) {
		const char *cats[CONFIG_MAX_CATEGORIES];
		int nc = 0;
		for (int i = 0; i < a->cfg->ncategories; i++)
			if (a->handles[i])
				cats[nc++] = a->cfg->categories[i].id;
		s = store_call_next(a->st, a->desk, cats, nc, &t);
		if (s == STORE_OK)
			app_say(a, "{code} is called to your desk.", t.code);
	} else if (strcmp(what, "recall") == 0) {
		s = store_recall(a->st, ref, &t);
		if (s == STORE_OK)
			app_say(a, "{code} is called again.", t.code);
	} else if (strcmp(what, "no-show") == 0) {
		s = store_no_show(a->st, ref, &t);
		if (s == STORE_OK)
			app_say(a, "{code} did not come.", t.code);
	} else if (strcmp(what, "transfer") == 0) {
		s = store_transfer(a->st, ref, category, &t);
		if (s == STORE_OK)
			app_say(a, "{code} waits again for another kind of help.", t.code);
	} else if (strcmp(what, "cancel") == 0) {
		s = store_cancel(a->st, ref, &t);
		if (s == STORE_OK)
			app_say(a, "{code} was cancelled.", t.code);
	}
	if (s != STORE_OK)
		app_say_failed(a, s, what);
	else
		log_info("desk %d: %s %s", a->desk, what, t.code);
	app_refresh(a, 1);
}

void view_counter_key(app *a, const char *key)
{
	if (a->overlay != CO_NONE) {
		if (strcmp(key, "Escape") == 0)
			a->overlay = a->overlay == CO_TOPICS ? CO_OUTCOME : CO_NONE;
		return;
	}
	if (strcmp(key, "Return") == 0 || strcmp(key, "Space") == 0 || strcmp(key, "N") == 0)
		act(a, "call-next", NULL);
	else if (strcmp(key, "R") == 0)
		act(a, "recall", NULL);
	else if (strcmp(key, "S") == 0)
		view_outcome_open(a);
	else if (strcmp(key, "X") == 0)
		act(a, "no-show", NULL);
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int handled_count(const app *a)
{
	int n = 0;
	for (int i = 0; i < a->cfg->ncategories; i++)
		n += a->handles[i] != 0;
	return n;
}

/* A full-screen chooser: title, a grid of buttons, a close button. */
static void chooser(app *a, int w, int h)
{
	int g = view_gap(w, h);
	int th = clampi(h / 9, 36, 90);
	int bh_close = 88;
	const char *title = a->overlay == CO_DESK	  ? N_("Choose your desk")
			  : a->overlay == CO_CATEGORIES ? N_("Which kinds of help do you take?")
							: N_("Send this resident to another kind of help");
	ui_style s = view_style_text(TH_INK, TH_BG, th * 60 / 100);
	s.bold = 1;
	ui_text(&a->ui, "chooser-title", T(a, title), (rd_rect){g, g, w - 2 * g, th}, &s);
	int n;
	if (a->overlay == CO_DESK)
		n = a->cfg->desks;
	else if (a->overlay == CO_CATEGORIES)
		n = a->cfg->ncategories + 1; /* + "all" */
	else
		n = a->cfg->ncategories;
	rd_rect grid = {g, th + 2 * g, w - 2 * g, h - th - bh_close - 4 * g};
	int cols = 1;
	while (cols < n) {
		int rows = (n + cols - 1) / cols;
		int ch = (grid.h - (rows - 1) * g) / rows;
		if (ch >= 88 && (grid.w - (cols - 1) * g) / cols >= 88 * 2)
			break;
		cols++;
	}
	int rows = (n + cols - 1) / cols;
	int cw = (grid.w - (cols - 1) * g) / cols, ch = (grid.h - (rows - 1) * g) / rows;
	if (ch > 140)
		ch = 140;
	if (ch < 88)
		ch = 88;
	/* every button of the chooser at one size, measured as if selected */
	static char labels[CONFIG_MAX_CATEGORIES + 100][300];
	const char *lp[CONFIG_MAX_CATEGORIES + 100];
	rd_rect rr[CONFIG_MAX_CATEGORIES + 100];
	ui_style st[CONFIG_MAX_CATEGORIES + 100];
	if (n > (int)(sizeof lp / sizeof *lp))
		n = (int)(sizeof lp / sizeof *lp);
	for (int i = 0; i < n; i++) {
		rr[i] = (rd_rect){grid.x + (i % cols) * (cw + g), grid.y + (i / cols) * (ch + g), cw, ch};
		st[i] = view_style_button(ch);
		st[i].max_px = ch * 30 / 100;
		st[i].selected = 1;
		if (a->overlay == CO_DESK) {
			char num[16];
			snprintf(num, sizeof num, "%d", i + 1);
			i18n_subst(labels[i], sizeof labels[i], T(a, "Desk {n}"), "n", num);
		} else if (a->overlay == CO_CATEGORIES && i == a->cfg->ncategories) {
			snprintf(labels[i], sizeof labels[i], "%s", T(a, "All kinds of help"));
		} else {
			snprintf(labels[i], sizeof labels[i], "%s",
				 app_cat_label(a, a->cfg->categories[i].id));
			st[i].icon = a->cfg->categories[i].icon;
		}
		lp[i] = labels[i];
	}
	int px = ui_row_px(&a->ui, n, lp, rr, st, NULL);
	for (int i = 0; i < n; i++) {
		rd_rect r = rr[i];
		ui_style b = st[i];
		b.max_px = px;
		b.selected = 0;
		const char *label = labels[i];
		char id[64];
		if (a->overlay == CO_DESK) {
			snprintf(id, sizeof id, "desk:%d", i + 1);
			b.selected = a->desk == i + 1;
			if (ui_button(&a->ui, id, label, r, &b)) {
				app_alive(a, 0); /* counter:<old desk> stops */
				a->desk = i + 1;
				app_alive(a, 1);
				a->overlay = CO_NONE;
				a->counter_msg[0] = '\0';
				app_refresh(a, 1);
			}
		} else if (a->overlay == CO_CATEGORIES) {
			if (i == a->cfg->ncategories) {
				snprintf(id, sizeof id, "handle:all");
				b.selected = handled_count(a) == a->cfg->ncategories;
			} else {
				snprintf(id, sizeof id, "handle:%s", a->cfg->categories[i].id);
				b.selected = a->handles[i];
			}
			if (ui_button(&a->ui, id, label, r, &b)) {
				if (i == a->cfg->ncategories) {
					for (int k = 0; k < a->cfg->ncategories; k++)
						a->handles[k] = 1;
				} else {
					a->handles[i] = !a->handles[i];
					if (handled_count(a) == 0)
						a->handles[i] = 1; /* at least one */
				}
				app_refresh(a, 1);
			}
		} else {
			const char *cid = a->cfg->categories[i].id;
			snprintf(id, sizeof id, "transfer:%s", cid);
			if (a->have_at_desk && strcmp(a->at_desk.category, cid) == 0)
				b.selected = 1;
			if (ui_button(&a->ui, id, label, r, &b)) {
				a->overlay = CO_NONE;
				act(a, "transfer", cid);
			}
		}
	}
	ui_style b = view_style_button(bh_close);
	b.bg = TH_PRIMARY;
	b.fg = TH_ON_PRIMARY;
	b.border_w = 0;
	b.max_px = 30;
	const char *close_id = a->overlay == CO_TRANSFER ? "transfer-cancel" : "chooser-done";
	const char *close_label = a->overlay == CO_TRANSFER ? N_("Cancel") : N_("Done");
	if (ui_button(&a->ui, close_id, T(a, close_label),
		      (rd_rect){w / 4, h - g - bh_close, w / 2, bh_close}, &b))
		a->overlay = CO_NONE;
}

static void fmt_minutes(app *a, int64_t since_ms, char *out, size_t n)
{
	int64_t now = clock_now_ms();
	int m = since_ms > 0 && now > since_ms ? (int)((now - since_ms) / 60000) : 0;
	char num[16];
	snprintf(num, sizeof num, "%d", m);
	i18n_subst(out, n, T(a, "{n} min"), "n", num);
}

/* A moment of the sync line: "14:02" today, "30-11 14:02" before. */
static void fmt_moment(int64_t ms, char *out, size_t n)
{
	if (ms <= 0) {
		snprintf(out, n, "-");
		return;
	}
	time_t tt = (time_t)(ms / 1000), now = (time_t)(clock_now_ms() / 1000);
	struct tm tm, tn;
	localtime_r(&tt, &tm);
	localtime_r(&now, &tn);
	if (tm.tm_year == tn.tm_year && tm.tm_yday == tn.tm_yday)
		snprintf(out, n, "%02d:%02d", tm.tm_hour, tm.tm_min);
	else
		snprintf(out, n, "%02d-%02d %02d:%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_hour,
			 tm.tm_min);
}

/* Why delivery fails, in words staff can act on; the details stay in
 * syncd's log and `loketctl status`. */
static const char *fault_sentence(sync_fault f)
{
	switch (f) {
	case SYNC_FAULT_CERT: return N_("The central office's certificate is not trusted.");
	case SYNC_FAULT_SERVER:
		return N_("The central office has a problem; sending is tried again.");
	case SYNC_FAULT_TOKEN: return N_("The central office does not accept this site's token.");
	case SYNC_FAULT_REFUSED:
		return N_("The central office refused the events; see loket-syncd's log.");
	case SYNC_FAULT_MISMATCH:
		return N_("The central office and this site disagree about what was sent; "
			  "call the office.");
	case SYNC_FAULT_LOCAL: return N_("This computer cannot read or write the site's database.");
	case SYNC_FAULT_NONE:
	case SYNC_FAULT_UNREACHABLE: break;
	}
	return N_("The central office cannot be reached; the network may be down.");
}

/* The sync line (docs/kiosk.md, "Counter"): what syncd's heartbeat and
 * last attempt say (sync_state_of), in the counter's language, all of it:
 * the line wraps, it is never cut. */
static void sync_text(app *a, const sync_view *v, char *out, size_t n)
{
	char num[32], when[32], t1[512];
	snprintf(num, sizeof num, "%lld", (long long)v->backlog);
	fmt_moment(v->since_ms, when, sizeof when);
	const char *f = NULL;
	switch (v->state) {
	case SYNC_STATE_OFF: f = N_("Sync: off (this site works on its own)"); break;
	case SYNC_STATE_NEVER_RAN: f = N_("Sync is not running (never started here), {n} to send"); break;
	case SYNC_STATE_NOT_RUNNING: f = N_("Sync is not running since {time}, {n} to send"); break;
	case SYNC_STATE_OFFLINE: f = N_("Sync: offline since {time}, {n} to send."); break;
	case SYNC_STATE_SENDING: f = N_("Sync: online, sending {n}"); break;
	case SYNC_STATE_UP_TO_DATE:
		f = v->since_ms > 0 ? N_("Sync: up to date, last {time}")
				    : N_("Sync: nothing to send yet");
		break;
	}
	i18n_subst(t1, sizeof t1, T(a, f), "time", when);
	i18n_subst(out, n, t1, "n", num);
	if (v->state == SYNC_STATE_OFFLINE) {
		size_t l = strlen(out);
		snprintf(out + l, n - l, " %s", T(a, fault_sentence(v->fault)));
	}
}

/* The top bar: desk, kinds of help, language, menu; one text size. */
static void top_bar(app *a, int g, int bar)
{
	int bw = (a->ui.w - 2 * g - 3 * g) / 4;
	char labels[4][300], num[16];
	snprintf(num, sizeof num, "%d", a->desk);
	i18n_subst(labels[0], sizeof labels[0], T(a, "Desk {n}"), "n", num);
	int hc = handled_count(a);
	if (hc == a->cfg->ncategories) {
		snprintf(labels[1], sizeof labels[1], "%s", T(a, "All kinds of help"));
	} else {
		char k[16], t[256];
		snprintf(num, sizeof num, "%d", hc);
		snprintf(k, sizeof k, "%d", a->cfg->ncategories);
		i18n_subst(t, sizeof t, T(a, "{n} of {total} kinds of help"), "n", num);
		i18n_subst(labels[1], sizeof labels[1], t, "total", k);
	}
	snprintf(labels[2], sizeof labels[2], "%s", i18n_native_name(a->cfg->langs[a->lang]));
	snprintf(labels[3], sizeof labels[3], "%s", T(a, "Menu"));
	static const char *const ids[4] = {"desk", "categories", "lang", "menu"};
	const char *lp[4];
	rd_rect r[4];
	ui_style st[4];
	for (int i = 0; i < 4; i++) {
		lp[i] = labels[i];
		r[i] = (rd_rect){g + i * (bw + g), g, bw, bar};
		st[i] = view_style_button(bar);
		st[i].max_px = bar * 30 / 100;
		st[i].bold = 1; /* measured bold: the desk's label is */
	}
	int px = ui_row_px(&a->ui, 4, lp, r, st, NULL);
	for (int i = 0; i < 4; i++) {
		st[i].max_px = px;
		st[i].bold = i == 0;
		if (!ui_button(&a->ui, ids[i], labels[i], r[i], &st[i]))
			continue;
		switch (i) {
		case 0: a->overlay = CO_DESK; break;
		case 1: a->overlay = CO_CATEGORIES; break;
		case 2: app_set_lang(a, (a->lang + 1) % a->cfg->nlangs); break;
		default: a->staff = STAFF_MENU; break;
		}
	}
}

/* The language of a waiting ticket, in the counter's language, where it
 * is not the site's first ("" there). */
static const char *ticket_lang(const app *a, const store_ticket *tk)
{
	if (!tk->lang[0] || strcmp(tk->lang, a->cfg->langs[0]) == 0)
		return "";
	return i18n_lang_name(a->lang, tk->lang);
}

/* Cancel, with a confirming second tap: the first arms it for
 * KIOSK_CONFIRM_MS ("Tap again to cancel A001"), the second cancels. */
static void cancel_button(app *a, rd_rect r, int px)
{
	int armed = a->cancel_armed_until > app_now(a) && a->have_at_desk &&
		    strcmp(a->cancel_code, a->at_desk.code) == 0;
	char label[256];
	if (armed)
		i18n_subst(label, sizeof label, T(a, "Tap again to cancel {code}"), "code",
			   a->cancel_code);
	else
		snprintf(label, sizeof label, "%s", T(a, "Cancel ticket"));
	ui_style b = view_style_button(r.h < r.w ? r.h : r.w);
	b.max_px = px;
	if (armed) {
		b.bg = TH_ACCENT;
		b.fg = TH_ON_ACCENT;
		b.bold = 1;
	}
	if (!ui_button(&a->ui, "cancel", label, r, &b))
		return;
	if (!a->have_at_desk) {
		app_say(a, "There is no ticket at your desk.", NULL);
	} else if (armed) {
		a->cancel_armed_until = 0;
		act(a, "cancel", NULL);
	} else {
		snprintf(a->cancel_code, sizeof a->cancel_code, "%s", a->at_desk.code);
		a->cancel_armed_until = app_now(a) + KIOSK_CONFIRM_MS;
	}
}

/* The ticket at this desk (code, kind of help, the resident's language)
 * and Cancel beside it. */
static void at_desk(app *a, rd_rect r, int g, int body)
{
	int cw = r.w * 30 / 100;
	if (cw < 88)
		cw = 88;
	rd_rect card = {r.x, r.y, r.w - cw - g, r.h};
	ui_box(&a->ui, card, TH_CARD, TH_LINE, 3, 12);
	rd_rect info = ui_inset(card, 8);
	ui_style s = view_style_text(TH_INK, TH_CARD, info.h * 40 / 100);
	if (s.max_px > body * 2)
		s.max_px = body * 2;
	s.bold = 1;
	if (a->have_at_desk) {
		char t[256];
		i18n_subst(t, sizeof t, T(a, "At your desk: {code}"), "code", a->at_desk.code);
		char sub[400];
		const char *cl = app_cat_label(a, a->at_desk.category);
		const char *ln = ticket_lang(a, &a->at_desk);
		if (ln[0])
			snprintf(sub, sizeof sub, "%s · %s", cl, ln);
		else
			snprintf(sub, sizeof sub, "%s", cl);
		/* the kind of help and the language may need two lines */
		int top = info.h * (ln[0] ? 36 : 50) / 100;
		ui_text(&a->ui, "at-desk", t, (rd_rect){info.x, info.y, info.w, top}, &s);
		s = view_style_text(TH_INK, TH_CARD, body * 12 / 10);
		s.wrap = 1;
		ui_text(&a->ui, "at-desk-category", sub,
			(rd_rect){info.x, info.y + top, info.w, info.h - top}, &s);
	} else {
		s.bold = 0;
		s.max_px = body * 13 / 10;
		ui_text(&a->ui, "at-desk", T(a, "No ticket at your desk."), info, &s);
	}
	cancel_button(a, (rd_rect){r.x + r.w - cw, r.y, cw, r.h}, body * 12 / 10);
}

/* Call next, and the row recall / helped / no-show / other help. */
static void actions(app *a, rd_rect r, int g, int abh)
{
	ui_style b = view_style_button(abh);
	b.bg = TH_PRIMARY;
	b.fg = TH_ON_PRIMARY;
	b.border_w = 0;
	b.bold = 1;
	b.icon = "arrow";
	b.max_px = abh * 34 / 100;
	if (ui_button(&a->ui, "call-next", T(a, "Call next"), (rd_rect){r.x, r.y, r.w, abh}, &b))
		act(a, "call-next", NULL);
	static const struct {
		const char *id, *label;
	} acts[4] = {{"recall", N_("Call again")},
		     {"serve", N_("Helped")},
		     {"no-show", N_("Did not come")},
		     {"transfer", N_("Other help")}};
	int aw = (r.w - 3 * g) / 4;
	const char *lp[4];
	rd_rect rr[4];
	ui_style st[4];
	for (int i = 0; i < 4; i++) {
		lp[i] = T(a, acts[i].label);
		rr[i] = (rd_rect){r.x + i * (aw + g), r.y + abh + g, aw, abh};
		st[i] = view_style_button(abh < aw ? abh : aw);
		st[i].max_px = abh * 26 / 100;
		st[i].pad = 4;
	}
	int px = ui_row_px(&a->ui, 4, lp, rr, st, NULL);
	for (int i = 0; i < 4; i++) {
		st[i].max_px = px;
		if (!ui_button(&a->ui, acts[i].id, lp[i], rr[i], &st[i]))
			continue;
		if (i == 1) {
			view_outcome_open(a); /* how did it end: then it is served */
		} else if (i == 3) {
			if (a->have_at_desk)
				a->overlay = CO_TRANSFER;
			else
				app_say(a, "There is no ticket at your desk.", NULL);
		} else {
			act(a, acts[i].id, NULL);
		}
	}
}

/* The waiting list, one text size for all rows: the code; the kind of
 * help (on two lines where it needs them); at the end the minutes waited
 * and under them the resident's language where it is not the site's
 * first, so a student can hand an Arabic speaker to a colleague who
 * speaks it. */
static void waiting_list(app *a, rd_rect list, int body)
{
	ui_box(&a->ui, list, TH_SOFT, 0, 0, 12);
	rd_rect li = ui_inset(list, 8);
	char t[128], num[16];
	snprintf(num, sizeof num, "%d", a->nwaiting);
	i18n_subst(t, sizeof t, T(a, "Waiting: {n}"), "n", num);
	/* line heights measured in this language (Arabic script is taller) */
	int lw_, lh, tlh;
	rd_text_size(a->rd, t, body, 0, a->ui.rtl, &lw_, &lh);
	rd_text_size(a->rd, t, body * 12 / 10, 1, a->ui.rtl, &lw_, &tlh);
	int th = tlh + 8;
	ui_style s = view_style_text(TH_INK, TH_SOFT, body * 12 / 10);
	s.bold = 1;
	s.align = RD_START;
	s.wrap = 0;
	ui_text(&a->ui, "waiting-title", t, (rd_rect){li.x, li.y, li.w, th}, &s);
	/* the end column is as wide as its widest text */
	int cw = li.w * 18 / 100, ew = body * 3, two = 0;
	for (int i = 0; i < a->nwaiting && i < 32; i++) {
		const char *l = ticket_lang(a, &a->waiting[i]);
		int tw, tth;
		if (l[0]) {
			two = 1;
			rd_text_size(a->rd, l, body, 0, a->ui.rtl, &tw, &tth);
			if (tw + 8 > ew)
				ew = tw + 8;
		}
	}
	if (ew > li.w * 30 / 100)
		ew = li.w * 30 / 100;
	rd_rect col_code = {li.x, 0, cw, 0}, col_cat = {li.x + cw, 0, li.w - cw - ew, 0},
		col_end = {li.x + li.w - ew, 0, ew, 0};
	/* one line a row if every kind of help fits on one at body size and
	 * no language is shown, else two lines a row (fewer rows, nothing cut) */
	for (int i = 0; i < a->nwaiting && i < 32 && !two; i++) {
		const char *cl = app_cat_label(a, a->waiting[i].category);
		rd_fit_result f;
		rd_fit(a->rd, cl, col_cat.w - 6, body * 2, body, body, 0,
		       a->ui.rtl || rd_has_rtl(cl), 0, &f);
		two = f.truncated;
	}
	int rh = two ? 2 * lh + 14 : lh + 8;
	int fit = (li.h - th) / rh;
	int shown = a->nwaiting;
	if (shown > fit) {
		shown = fit - 1;
		if (shown < 0)
			shown = 0;
	}
	s.bold = 0;
	s.max_px = body;
	s.min_px = body;
	s.pad = 3;
	s.wrap = two;
	col_code.h = col_cat.h = rh;
	col_end.h = two ? rh / 2 : rh; /* >= lh + 7: a line and its padding */
	for (int i = 0; i < shown; i++) {
		const store_ticket *tk = &a->waiting[i];
		char id[64], mins[32];
		int y = li.y + th + rh * i;
		col_code.y = col_cat.y = col_end.y = y;
		snprintf(id, sizeof id, "waiting:%s", tk->code);
		s.bold = 1;
		ui_text(&a->ui, id, tk->code, col_code, &s);
		s.bold = 0;
		snprintf(id, sizeof id, "waiting:%s:category", tk->code);
		ui_text(&a->ui, id, app_cat_label(a, tk->category), col_cat, &s);
		if (tk->issued_known)
			fmt_minutes(a, tk->issued_ms, mins, sizeof mins);
		else
			snprintf(mins, sizeof mins, "–"); /* taken on an unset clock */
		snprintf(id, sizeof id, "waiting:%s:wait", tk->code);
		s.align = RD_END;
		s.wrap = 0;
		ui_text(&a->ui, id, mins, col_end, &s);
		const char *l = ticket_lang(a, tk);
		if (l[0]) {
			snprintf(id, sizeof id, "waiting:%s:lang", tk->code);
			ui_text(&a->ui, id, l, (rd_rect){col_end.x, y + rh / 2, ew, rh - rh / 2}, &s);
		}
		s.align = RD_START;
		s.wrap = two;
	}
	if (shown < a->nwaiting && fit > 0) {
		snprintf(num, sizeof num, "%d", a->nwaiting - shown);
		i18n_subst(t, sizeof t, T(a, "and {n} more"), "n", num);
		s.wrap = 0;
		ui_text(&a->ui, "waiting-more", t, (rd_rect){li.x, li.y + th + rh * shown, li.w, rh},
			&s);
	}
}

void view_counter(app *a)
{
	int w = a->ui.w, h = a->ui.h;
	if (view_outcome_stale(a))
		a->overlay = CO_NONE; /* the ticket left the desk meanwhile */
	if (a->overlay == CO_OUTCOME || a->overlay == CO_TOPICS) {
		view_outcome(a);
		return;
	}
	if (a->overlay != CO_NONE) {
		chooser(a, w, h);
		return;
	}
	int g = view_gap(w, h);
	int portrait = h > w;
	int bar = clampi(h * 12 / 100, 88, 120);
	int body = style_body_px(w, h);
	/* the message line (one line) and the sync line: one line, or two
	 * when it says why sending fails; it wraps, it is never cut */
	char st[1024];
	sync_view sv = sync_state_of(&a->status, a->cfg->sync.enabled, clock_now_ms());
	sync_text(a, &sv, st, sizeof st);
	rd_fit_result one;
	int st_rtl = a->ui.rtl || rd_has_rtl(st);
	rd_fit(a->rd, st, w - 2 * g - 4, body * 4, body, body, 0, st_rtl, 0, &one);
	int lw_, lh;
	rd_text_size(a->rd, st, body, 0, st_rtl, &lw_, &lh);
	int msg_h = lh + 6, sync_h = one.truncated ? 2 * lh + 6 : lh + 6;
	int status_h = msg_h + sync_h;

	top_bar(a, g, bar);
	int top = g + bar + g;
	int bottom = h - g - status_h - g;
	rd_rect list, act_r;
	if (portrait) {
		act_r = (rd_rect){g, top, w - 2 * g, (bottom - top) * 45 / 100};
		list = (rd_rect){g, act_r.y + act_r.h + g, w - 2 * g, bottom - act_r.y - act_r.h - g};
	} else {
		/* the actions get the room their four labels need at 800 px */
		int lw = (w - 3 * g) * (w < 1000 ? 38 : 46) / 100;
		list = (rd_rect){g, top, lw, bottom - top};
		act_r = (rd_rect){g + lw + g, top, w - lw - 3 * g, bottom - top};
	}
	int abh = clampi(act_r.h * 24 / 100, 88, 150);
	int info_h = act_r.h - 2 * abh - 2 * g;
	at_desk(a, (rd_rect){act_r.x, act_r.y, act_r.w, info_h}, g, body);
	actions(a, (rd_rect){act_r.x, act_r.y + info_h + g, act_r.w, 2 * abh + g}, g, abh);
	waiting_list(a, list, body);

	int sy = h - g - status_h;
	ui_style s = view_style_text(TH_INK, TH_BG, body);
	s.align = RD_START;
	s.wrap = 0;
	/* with no message to show, a ticket printer that does not work */
	char pmsg[256] = "";
	int pbad = !strcmp(a->printer_state, "offline") || !strcmp(a->printer_state, "no paper");
	if (!a->counter_msg[0] && pbad) {
		char when[32];
		fmt_moment(a->printer_at, when, sizeof when);
		i18n_subst(pmsg, sizeof pmsg,
			   T(a, !strcmp(a->printer_state, "offline")
				    ? N_("The ticket printer does not work since {time}.")
				    : N_("The ticket printer has no paper since {time}.")),
			   "time", when);
	}
	ui_text(&a->ui, "counter-message", pmsg[0] ? pmsg : a->counter_msg,
		(rd_rect){g, sy, w - 2 * g, msg_h}, &s);
	s.fg = TH_MUTED;
	s.wrap = 1;
	s.min_px = body;
	ui_text(&a->ui, "sync-status", st, (rd_rect){g, sy + msg_h, w - 2 * g, sync_h}, &s);
}
