/*
 * view_outcome — the counter's question after "Helped": how did the visit
 * end? Funders and the municipality count outcomes, referrals and first
 * visits, never anything about the resident (docs/kiosk.md, "Counter").
 *
 * Two taps at most: "Helped", then one of the outcome buttons, which serves
 * the ticket at once: Solved, Follow-up visit needed, Referred to <each of
 * the site's referrals>, or Skip. Before that, if the student knows, a tap
 * answers "First visit?" (yes / no / don't know) and "Also helped with…"
 * opens the kinds of help to tick (CO_TOPICS, Done returns). Nothing is a
 * default: what is not tapped is recorded as null (store_outcome), so a
 * skipped question never biases the figures. Escape, or "Back" on a
 * keyboard-less screen via the counter's Menu, leaves without serving: the
 * ticket is still at the desk.
 */
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "kiosk.h"
#include "log.h"
#include "style.h"
#include "theme.h"

#define OC_MAX_BUTTONS (CONFIG_MAX_REFERRALS + 4)

void view_outcome_open(app *a)
{
	if (!a->have_at_desk) {
		app_say(a, "There is no ticket at your desk.", NULL);
		return;
	}
	snprintf(a->oc_code, sizeof a->oc_code, "%s", a->at_desk.code);
	a->oc_first = EV_ANSWER_NULL;
	a->oc_first_unknown = 0;
	memset(a->oc_topics, 0, sizeof a->oc_topics);
	a->overlay = CO_OUTCOME;
}

/* Serves the ticket with outcome (NULL: skipped) and what was ticked. */
static void finish(app *a, const char *outcome, const char *referred_to)
{
	store_outcome o;
	memset(&o, 0, sizeof o);
	if (outcome)
		snprintf(o.outcome, sizeof o.outcome, "%s", outcome);
	if (referred_to)
		snprintf(o.referred_to, sizeof o.referred_to, "%s", referred_to);
	o.first_visit = a->oc_first;
	int any = 0;
	for (int i = 0; i < a->cfg->ncategories; i++)
		any |= a->oc_topics[i];
	if (any) { /* not asked stays null; asked means at least one */
		o.has_topics = 1;
		for (int i = 0; i < a->cfg->ncategories && o.ntopics < EVENT_MAX_CATS; i++)
			if (a->oc_topics[i])
				snprintf(o.topics[o.ntopics++], sizeof o.topics[0], "%s",
					 a->cfg->categories[i].id);
	}
	a->overlay = CO_NONE;
	store_ticket t;
	store_status s = a->st ? store_serve_outcome(a->st, (store_ref){a->oc_code, 0}, &o, &t)
			       : STORE_IO;
	if (s == STORE_OK) {
		app_say(a, "{code} was helped.", t.code);
		log_info("desk %d: serve %s (%s%s%s)", a->desk, t.code,
			 outcome ? outcome : "outcome not recorded", referred_to ? " " : "",
			 referred_to ? referred_to : "");
	} else {
		app_say_failed(a, s, "serve");
	}
	app_refresh(a, 1);
}

/* A row of toggles: the first visit. */
static void first_visit_row(app *a, rd_rect r, int g)
{
	static const struct {
		const char *id, *label;
	} opts[3] = {{"first:yes", N_("Yes")}, {"first:no", N_("No")}, {"first:unknown", N_("Don't know")}};
	int cw = (r.w - 3 * g) / 4;
	ui_style s = view_style_text(TH_INK, TH_BG, r.h * 30 / 100);
	s.bold = 1;
	s.align = RD_END;
	ui_text(&a->ui, "first-title", T(a, "First visit?"), (rd_rect){r.x, r.y, cw, r.h}, &s);
	const char *lp[3];
	rd_rect rr[3];
	ui_style st[3];
	for (int i = 0; i < 3; i++) {
		lp[i] = T(a, opts[i].label);
		rr[i] = (rd_rect){r.x + (i + 1) * (cw + g), r.y, cw, r.h};
		st[i] = view_style_button(r.h < cw ? r.h : cw);
		st[i].max_px = r.h * 30 / 100;
		st[i].selected = 1; /* measured as drawn when chosen */
	}
	int px = ui_row_px(&a->ui, 3, lp, rr, st, NULL);
	int chosen = a->oc_first == EV_ANSWER_YES  ? 0
		     : a->oc_first == EV_ANSWER_NO ? 1
		     : a->oc_first_unknown	   ? 2
						   : -1;
	for (int i = 0; i < 3; i++) {
		ui_style b = st[i];
		b.max_px = px;
		b.selected = i == chosen;
		if (b.selected) {
			b.bg = TH_INK;
			b.fg = TH_ON_HEAD;
		}
		if (!ui_button(&a->ui, opts[i].id, lp[i], rr[i], &b))
			continue;
		/* a second tap on the chosen answer takes it back */
		int again = i == chosen;
		a->oc_first = again || i == 2 ? EV_ANSWER_NULL : i == 0 ? EV_ANSWER_YES : EV_ANSWER_NO;
		a->oc_first_unknown = !again && i == 2;
	}
}

/* The outcome buttons in a grid: each one serves the ticket. */
static void outcome_grid(app *a, rd_rect grid, int g)
{
	static char labels[OC_MAX_BUTTONS][300];
	const char *lp[OC_MAX_BUTTONS];
	rd_rect rr[OC_MAX_BUTTONS];
	ui_style st[OC_MAX_BUTTONS];
	char ids[OC_MAX_BUTTONS][64];
	int n = 0;
	snprintf(ids[n], sizeof ids[n], "outcome:solved");
	snprintf(labels[n++], sizeof labels[0], "%s", T(a, "Solved"));
	snprintf(ids[n], sizeof ids[n], "outcome:follow_up");
	snprintf(labels[n++], sizeof labels[0], "%s", T(a, "Follow-up visit needed"));
	for (int i = 0; i < a->cfg->nreferrals && n < OC_MAX_BUTTONS - 2; i++) {
		const config_referral *r = &a->cfg->referrals[i];
		snprintf(ids[n], sizeof ids[n], "outcome:referred:%s", r->id);
		i18n_subst(labels[n++], sizeof labels[0], T(a, "Referred to {place}"), "place",
			   r->label[a->lang][0] ? r->label[a->lang] : r->label[0]);
	}
	int ntopics = 0;
	for (int i = 0; i < a->cfg->ncategories; i++)
		ntopics += a->oc_topics[i];
	snprintf(ids[n], sizeof ids[n], "outcome:topics");
	if (ntopics) {
		char num[16];
		snprintf(num, sizeof num, "%d", ntopics);
		snprintf(labels[n++], sizeof labels[0], "%s (%s)", T(a, "Also helped with…"), num);
	} else {
		snprintf(labels[n++], sizeof labels[0], "%s", T(a, "Also helped with…"));
	}
	snprintf(ids[n], sizeof ids[n], "outcome:skip");
	snprintf(labels[n++], sizeof labels[0], "%s", T(a, "Skip"));

	/* as many columns as the rows that fit at 88 px need */
	int rows_fit = (grid.h + g) / (88 + g);
	if (rows_fit < 1)
		rows_fit = 1;
	int cols = (n + rows_fit - 1) / rows_fit;
	if (cols < 2)
		cols = 2;
	int rows = (n + cols - 1) / cols;
	int cw = (grid.w - (cols - 1) * g) / cols, ch = (grid.h - (rows - 1) * g) / rows;
	if (ch > 160)
		ch = 160;
	for (int i = 0; i < n; i++) {
		lp[i] = labels[i];
		rr[i] = (rd_rect){grid.x + (i % cols) * (cw + g), grid.y + (i / cols) * (ch + g), cw, ch};
		st[i] = view_style_button(ch < cw ? ch : cw);
		st[i].max_px = ch * 28 / 100;
		st[i].bold = 1;
	}
	int px = ui_row_px(&a->ui, n, lp, rr, st, NULL);
	for (int i = 0; i < n; i++) {
		ui_style b = st[i];
		b.max_px = px;
		if (!strcmp(ids[i], "outcome:skip") || !strcmp(ids[i], "outcome:topics")) {
			b.bold = 0; /* quiet: they do not answer the question */
			b.bg = TH_BG;
		}
		if (!ui_button(&a->ui, ids[i], labels[i], rr[i], &b))
			continue;
		if (!strcmp(ids[i], "outcome:topics"))
			a->overlay = CO_TOPICS;
		else if (!strcmp(ids[i], "outcome:skip"))
			finish(a, NULL, NULL);
		else if (!strncmp(ids[i], "outcome:referred:", 17))
			finish(a, "referred", ids[i] + 17);
		else
			finish(a, ids[i] + 8, NULL);
	}
}

/* The kinds of help to tick (not the ticket's own), and Done. */
static void topics(app *a, int w, int h, int g)
{
	int th = h / 9 < 40 ? 40 : h / 9;
	ui_style s = view_style_text(TH_INK, TH_BG, th * 60 / 100);
	s.bold = 1;
	ui_text(&a->ui, "topics-title", T(a, "What else did you help with?"),
		(rd_rect){g, g, w - 2 * g, th}, &s);
	int idx[CONFIG_MAX_CATEGORIES], n = 0;
	for (int i = 0; i < a->cfg->ncategories; i++)
		if (strcmp(a->cfg->categories[i].id, a->at_desk.category))
			idx[n++] = i;
	int done_h = 88;
	rd_rect grid = {g, th + 2 * g, w - 2 * g, h - th - done_h - 4 * g};
	int cols = n > 4 ? 3 : 2;
	int rows = (n + cols - 1) / cols;
	while (rows > 1 && (grid.h - (rows - 1) * g) / rows < 88 && cols < n) {
		cols++;
		rows = (n + cols - 1) / cols;
	}
	int cw = (grid.w - (cols - 1) * g) / cols;
	int ch = rows ? (grid.h - (rows - 1) * g) / rows : 0;
	if (ch > 140)
		ch = 140;
	const char *lp[CONFIG_MAX_CATEGORIES];
	rd_rect rr[CONFIG_MAX_CATEGORIES];
	ui_style st[CONFIG_MAX_CATEGORIES];
	for (int k = 0; k < n; k++) {
		const config_category *c = &a->cfg->categories[idx[k]];
		lp[k] = app_cat_label(a, c->id);
		rr[k] = (rd_rect){grid.x + (k % cols) * (cw + g), grid.y + (k / cols) * (ch + g), cw, ch};
		st[k] = view_style_button(ch < cw ? ch : cw);
		st[k].max_px = ch * 28 / 100;
		st[k].icon = c->icon;
		st[k].selected = 1;
	}
	int px = ui_row_px(&a->ui, n, lp, rr, st, NULL);
	for (int k = 0; k < n; k++) {
		int i = idx[k];
		char id[64];
		snprintf(id, sizeof id, "topic:%s", a->cfg->categories[i].id);
		ui_style b = st[k];
		b.max_px = px;
		b.selected = a->oc_topics[i];
		if (ui_button(&a->ui, id, lp[k], rr[k], &b))
			a->oc_topics[i] = !a->oc_topics[i];
	}
	ui_style b = view_style_button(done_h);
	b.bg = TH_PRIMARY;
	b.fg = TH_ON_PRIMARY;
	b.border_w = 0;
	b.max_px = 30;
	if (ui_button(&a->ui, "topics-done", T(a, "Done"),
		      (rd_rect){w / 4, h - g - done_h, w / 2, done_h}, &b))
		a->overlay = CO_OUTCOME;
}

int view_outcome_stale(const app *a)
{
	return (a->overlay == CO_OUTCOME || a->overlay == CO_TOPICS) &&
	       (!a->have_at_desk || strcmp(a->at_desk.code, a->oc_code) != 0);
}

void view_outcome(app *a)
{
	int w = a->ui.w, h = a->ui.h;
	int g = view_gap(w, h);
	if (a->overlay == CO_TOPICS) {
		topics(a, w, h, g);
		return;
	}
	int th = h / 9 < 40 ? 40 : h / 9;
	char title[300];
	i18n_subst(title, sizeof title, T(a, "{code} was helped. How did it end?"), "code",
		   a->oc_code);
	ui_style s = view_style_text(TH_INK, TH_BG, th * 60 / 100);
	s.bold = 1;
	ui_text(&a->ui, "outcome-title", title, (rd_rect){g, g, w - 2 * g, th}, &s);
	int rh = h * 16 / 100 < 88 ? 88 : h * 16 / 100 > 120 ? 120 : h * 16 / 100;
	first_visit_row(a, (rd_rect){g, th + 2 * g, w - 2 * g, rh}, g);
	int gy = th + 3 * g + rh;
	outcome_grid(a, (rd_rect){g, gy, w - 2 * g, h - gy - g}, g);
}
