/*
 * view_counter — the student's screen at a desk: which desk and which kinds
 * of help (two choosers), the waiting list, a big "call next" and, for the
 * ticket at this desk, recall / served / no-show / transfer. The sync
 * status (online, last sync, backlog) sits in the bottom corner.
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
#include "log.h"
#include "theme.h"

static const char *cat_label(const app *a, const char *id)
{
	int ci = config_category_index(a->cfg, id);
	if (ci < 0)
		return id;
	const config_category *c = &a->cfg->categories[ci];
	return c->label[a->lang][0] ? c->label[a->lang] : c->label[0];
}

static void say(app *a, const char *msgid, const char *code)
{
	if (code)
		i18n_subst(a->counter_msg, sizeof a->counter_msg, T(a, msgid), "code", code);
	else
		snprintf(a->counter_msg, sizeof a->counter_msg, "%s", T(a, msgid));
}

static void failed(app *a, store_status s, const char *what)
{
	if (s == STORE_EMPTY) {
		say(a, "Nobody is waiting.", NULL);
	} else if (s == STORE_CONFLICT && strcmp(what, "call-next") == 0) {
		say(a, "Finish the ticket at your desk first.", NULL);
	} else if (s == STORE_NOTFOUND) {
		say(a, "There is no ticket at your desk.", NULL);
	} else {
		log_error("%s at desk %d: %s (%s)", what, a->desk, store_status_str(s),
			  a->st ? store_errmsg(a->st) : "no database");
		snprintf(a->counter_msg, sizeof a->counter_msg, "%s %s",
			 T(a, "That did not work:"), a->st ? store_errmsg(a->st) : a->problem);
	}
}

/* Runs one action on the store; shows the outcome. */
static void act(app *a, const char *what, const char *category)
{
	store_ticket t;
	store_status s = STORE_IO;
	store_ref ref = {NULL, a->desk};
	if (!a->st) {
		failed(a, s, what);
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
			say(a, "{code} is called to your desk.", t.code);
	} else if (strcmp(what, "recall") == 0) {
		s = store_recall(a->st, ref, &t);
		if (s == STORE_OK)
			say(a, "{code} is called again.", t.code);
	} else if (strcmp(what, "serve") == 0) {
		s = store_serve(a->st, ref, &t);
		if (s == STORE_OK)
			say(a, "{code} was helped.", t.code);
	} else if (strcmp(what, "no-show") == 0) {
		s = store_no_show(a->st, ref, &t);
		if (s == STORE_OK)
			say(a, "{code} did not come.", t.code);
	} else if (strcmp(what, "transfer") == 0) {
		s = store_transfer(a->st, ref, category, &t);
		if (s == STORE_OK)
			say(a, "{code} waits again for another kind of help.", t.code);
	}
	if (s != STORE_OK)
		failed(a, s, what);
	else
		log_info("desk %d: %s %s", a->desk, what, t.code);
	app_refresh(a, 1);
}

void view_counter_key(app *a, const char *key)
{
	if (a->overlay != CO_NONE) {
		if (strcmp(key, "Escape") == 0)
			a->overlay = CO_NONE;
		return;
	}
	if (strcmp(key, "Return") == 0 || strcmp(key, "Space") == 0 || strcmp(key, "N") == 0)
		act(a, "call-next", NULL);
	else if (strcmp(key, "R") == 0)
		act(a, "recall", NULL);
	else if (strcmp(key, "S") == 0)
		act(a, "serve", NULL);
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
	for (int i = 0; i < n; i++) {
		rd_rect r = {grid.x + (i % cols) * (cw + g), grid.y + (i / cols) * (ch + g), cw, ch};
		ui_style b = view_style_button(ch);
		b.max_px = ch * 30 / 100;
		char id[64], label[300];
		if (a->overlay == CO_DESK) {
			char num[16];
			snprintf(num, sizeof num, "%d", i + 1);
			snprintf(id, sizeof id, "desk:%d", i + 1);
			i18n_subst(label, sizeof label, T(a, "Desk {n}"), "n", num);
			b.selected = a->desk == i + 1;
			if (ui_button(&a->ui, id, label, r, &b)) {
				a->desk = i + 1;
				a->overlay = CO_NONE;
				a->counter_msg[0] = '\0';
				app_refresh(a, 1);
			}
		} else if (a->overlay == CO_CATEGORIES) {
			if (i == a->cfg->ncategories) {
				snprintf(id, sizeof id, "handle:all");
				snprintf(label, sizeof label, "%s", T(a, "All kinds of help"));
				b.selected = handled_count(a) == a->cfg->ncategories;
			} else {
				snprintf(id, sizeof id, "handle:%s", a->cfg->categories[i].id);
				snprintf(label, sizeof label, "%s",
					 cat_label(a, a->cfg->categories[i].id));
				b.selected = a->handles[i];
				b.icon = a->cfg->categories[i].icon;
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
			snprintf(label, sizeof label, "%s", cat_label(a, cid));
			b.icon = a->cfg->categories[i].icon;
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

static void sync_text(app *a, char *out, size_t n)
{
	const store_status_info *s = &a->status;
	if (!a->cfg->sync.enabled) {
		snprintf(out, n, "%s", T(a, "Sync: off (this site works on its own)"));
		return;
	}
	char backlog[32], when[32] = "-", t1[256];
	snprintf(backlog, sizeof backlog, "%lld", (long long)s->backlog);
	if (s->last_success_ms > 0) {
		time_t tt = (time_t)(s->last_success_ms / 1000);
		struct tm tm;
		localtime_r(&tt, &tm);
		snprintf(when, sizeof when, "%02d:%02d", tm.tm_hour, tm.tm_min);
	}
	/* An idle syncd talks to nobody: with nothing to send and no error the
	 * site is up to date, however long ago the last batch went. */
	int recent = s->last_success_ms > 0 && clock_now_ms() - s->last_success_ms < 120000;
	const char *f;
	if (!s->last_error[0] && s->backlog == 0)
		f = s->last_success_ms > 0 ? N_("Sync: up to date, last {time}")
					   : N_("Sync: nothing to send yet");
	else if (!s->last_error[0] && recent)
		f = N_("Sync: online, last {time}, {n} to send");
	else
		f = s->last_success_ms > 0 ? N_("Sync: offline, last {time}, {n} to send")
					   : N_("Sync: never synced, {n} to send");
	i18n_subst(t1, sizeof t1, T(a, f), "time", when);
	i18n_subst(out, n, t1, "n", backlog);
	if (s->last_error[0] && n > strlen(out) + 4) {
		size_t l = strlen(out);
		snprintf(out + l, n - l, " (%s)", s->last_error);
	}
}

void view_counter(app *a)
{
	int w = a->ui.w, h = a->ui.h;
	if (a->overlay != CO_NONE) {
		chooser(a, w, h);
		return;
	}
	int g = view_gap(w, h);
	int portrait = h > w;
	int bar = clampi(h * 12 / 100, 88, 120);
	int status_h = clampi(h * 6 / 100, 30, 56);

	/* top bar: desk, kinds of help, language, menu */
	int bw = (w - 2 * g - 3 * g) / 4;
	char label[300], num[16];
	snprintf(num, sizeof num, "%d", a->desk);
	i18n_subst(label, sizeof label, T(a, "Desk {n}"), "n", num);
	ui_style b = view_style_button(bar);
	b.max_px = bar * 30 / 100;
	b.bold = 1;
	if (ui_button(&a->ui, "desk", label, (rd_rect){g, g, bw, bar}, &b))
		a->overlay = CO_DESK;
	b.bold = 0;
	int hc = handled_count(a);
	if (hc == a->cfg->ncategories) {
		snprintf(label, sizeof label, "%s", T(a, "All kinds of help"));
	} else {
		char k[16], t[256];
		snprintf(num, sizeof num, "%d", hc);
		snprintf(k, sizeof k, "%d", a->cfg->ncategories);
		i18n_subst(t, sizeof t, T(a, "{n} of {total} kinds of help"), "n", num);
		i18n_subst(label, sizeof label, t, "total", k);
	}
	if (ui_button(&a->ui, "categories", label, (rd_rect){g + (bw + g), g, bw, bar}, &b))
		a->overlay = CO_CATEGORIES;
	if (ui_button(&a->ui, "lang", i18n_native_name(a->cfg->langs[a->lang]),
		      (rd_rect){g + 2 * (bw + g), g, bw, bar}, &b))
		app_set_lang(a, (a->lang + 1) % a->cfg->nlangs);
	if (ui_button(&a->ui, "menu", T(a, "Menu"), (rd_rect){g + 3 * (bw + g), g, bw, bar}, &b))
		a->staff = STAFF_MENU;

	int top = g + bar + g;
	int bottom = h - g - status_h - g;
	rd_rect list, act_r;
	if (portrait) {
		act_r = (rd_rect){g, top, w - 2 * g, (bottom - top) * 45 / 100};
		list = (rd_rect){g, act_r.y + act_r.h + g, w - 2 * g, bottom - act_r.y - act_r.h - g};
	} else {
		int lw = (w - 3 * g) * 48 / 100;
		list = (rd_rect){g, top, lw, bottom - top};
		act_r = (rd_rect){g + lw + g, top, w - lw - 3 * g, bottom - top};
	}

	/* the ticket at this desk and the actions */
	int abh = clampi(act_r.h * 24 / 100, 88, 150);
	int info_h = act_r.h - 2 * abh - 2 * g;
	ui_box(&a->ui, (rd_rect){act_r.x, act_r.y, act_r.w, info_h}, TH_CARD, TH_LINE, 3, 12);
	rd_rect info = ui_inset((rd_rect){act_r.x, act_r.y, act_r.w, info_h}, 8);
	ui_style s = view_style_text(TH_INK, TH_CARD, info.h * 40 / 100);
	s.bold = 1;
	if (a->have_at_desk) {
		char t[256];
		i18n_subst(t, sizeof t, T(a, "At your desk: {code}"), "code", a->at_desk.code);
		ui_text(&a->ui, "at-desk", t, (rd_rect){info.x, info.y, info.w, info.h * 60 / 100},
			&s);
		s = view_style_text(TH_INK, TH_CARD, info.h * 22 / 100);
		ui_text(&a->ui, "at-desk-category", cat_label(a, a->at_desk.category),
			(rd_rect){info.x, info.y + info.h * 60 / 100, info.w, info.h * 40 / 100},
			&s);
	} else {
		s.bold = 0;
		s.max_px = info.h * 26 / 100;
		ui_text(&a->ui, "at-desk", T(a, "No ticket at your desk."), info, &s);
	}
	b = view_style_button(abh);
	b.bg = TH_PRIMARY;
	b.fg = TH_ON_PRIMARY;
	b.border_w = 0;
	b.bold = 1;
	b.icon = "arrow";
	b.max_px = abh * 34 / 100;
	if (ui_button(&a->ui, "call-next", T(a, "Call next"),
		      (rd_rect){act_r.x, act_r.y + info_h + g, act_r.w, abh}, &b))
		act(a, "call-next", NULL);
	static const struct {
		const char *id, *label;
	} acts[4] = {{"recall", N_("Call again")},
		     {"serve", N_("Helped")},
		     {"no-show", N_("Did not come")},
		     {"transfer", N_("Other help")}};
	int aw = (act_r.w - 3 * g) / 4;
	for (int i = 0; i < 4; i++) {
		rd_rect r = {act_r.x + i * (aw + g), act_r.y + info_h + g + abh + g, aw, abh};
		ui_style x = view_style_button(abh < aw ? abh : aw);
		x.max_px = abh * 24 / 100;
		x.min_px = 12;
		x.pad = 6;
		if (!ui_button(&a->ui, acts[i].id, T(a, acts[i].label), r, &x))
			continue;
		if (i == 3) {
			if (a->have_at_desk)
				a->overlay = CO_TRANSFER;
			else
				say(a, "There is no ticket at your desk.", NULL);
		} else {
			act(a, acts[i].id, NULL);
		}
	}

	/* the waiting list */
	ui_box(&a->ui, list, TH_SOFT, 0, 0, 12);
	rd_rect li = ui_inset(list, 8);
	int rh = clampi(h / 16, 34, 64);
	char t[128];
	snprintf(num, sizeof num, "%d", a->nwaiting);
	i18n_subst(t, sizeof t, T(a, "Waiting: {n}"), "n", num);
	s = view_style_text(TH_INK, TH_SOFT, rh * 70 / 100);
	s.bold = 1;
	s.align = RD_START;
	s.wrap = 0;
	ui_text(&a->ui, "waiting-title", t, (rd_rect){li.x, li.y, li.w, rh}, &s);
	int fit = (li.h - rh) / rh;
	int shown = a->nwaiting;
	if (shown > fit) {
		shown = fit - 1;
		if (shown < 0)
			shown = 0;
	}
	s.bold = 0;
	s.max_px = rh * 60 / 100;
	s.pad = 3;
	/* three columns, one size for every row: the size at which the
	 * longest kind of help fits */
	int cw = li.w * 20 / 100, mw = li.w * 20 / 100;
	rd_rect col_code = {li.x, 0, cw, rh}, col_cat = {li.x + cw, 0, li.w - cw - mw, rh},
		col_min = {li.x + li.w - mw, 0, mw, rh};
	for (int i = 0; i < shown; i++) {
		const char *cl = cat_label(a, a->waiting[i].category);
		rd_fit_result f;
		rd_fit(a->rd, cl, col_cat.w - 6, rh - 6, s.max_px, 12, 0, a->ui.rtl || rd_has_rtl(cl), 0,
		       &f);
		if (f.px < s.max_px)
			s.max_px = f.px;
	}
	for (int i = 0; i < shown; i++) {
		const store_ticket *tk = &a->waiting[i];
		char id[64], mins[32];
		int y = li.y + rh * (i + 1);
		snprintf(id, sizeof id, "waiting:%s", tk->code);
		col_code.y = col_cat.y = col_min.y = y;
		s.bold = 1;
		ui_text(&a->ui, id, tk->code, col_code, &s);
		s.bold = 0;
		snprintf(id, sizeof id, "waiting:%s:category", tk->code);
		ui_text(&a->ui, id, cat_label(a, tk->category), col_cat, &s);
		if (tk->issued_known)
			fmt_minutes(a, tk->issued_ms, mins, sizeof mins);
		else
			snprintf(mins, sizeof mins, "–"); /* taken on an unset clock */
		snprintf(id, sizeof id, "waiting:%s:wait", tk->code);
		s.align = RD_END;
		ui_text(&a->ui, id, mins, col_min, &s);
		s.align = RD_START;
	}
	if (shown < a->nwaiting && fit > 0) {
		snprintf(num, sizeof num, "%d", a->nwaiting - shown);
		i18n_subst(t, sizeof t, T(a, "and {n} more"), "n", num);
		ui_text(&a->ui, "waiting-more", t,
			(rd_rect){li.x, li.y + rh * (shown + 1), li.w, rh}, &s);
	}

	/* the message line and the sync corner */
	int sy = h - g - status_h;
	s = view_style_text(TH_INK, TH_BG, status_h * 60 / 100);
	s.align = RD_START;
	s.wrap = 0;
	ui_text(&a->ui, "counter-message", a->counter_msg, (rd_rect){g, sy, (w - 3 * g) / 2, status_h},
		&s);
	char st[512];
	sync_text(a, st, sizeof st);
	s.align = RD_END;
	s.fg = TH_MUTED;
	ui_text(&a->ui, "sync-status", st,
		(rd_rect){g + (w - 3 * g) / 2 + g, sy, w - 3 * g - (w - 3 * g) / 2, status_h}, &s);
}
