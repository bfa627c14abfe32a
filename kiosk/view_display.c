/*
 * view_display — "now serving" for the waiting room: the newest call large
 * and highlighted (yellow panel, a frame and the word "Now": never colour
 * alone), the four calls before it as "code → desk", and how many wait per
 * kind of help. Compact (the band of the combined view): the site's name,
 * the newest and up to three before it (as many as fit), no counts. Nothing here is a tap target. Which calls
 * are shown is the store's (store_recent_calls: each ticket once, at its
 * newest call; none transferred, cancelled or expired); this only draws.
 *
 * The chime and the spoken announcement (audio.h, speech.h) of every call
 * are played by the announcement queue (announce.c).
 */
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "icons.h"
#include "kiosk.h"
#include "style.h"
#include "theme.h"

static void desk_text(app *a, int desk, char *out, size_t n)
{
	char num[16];
	snprintf(num, sizeof num, "%d", desk);
	i18n_subst(out, n, T(a, "Desk {n}"), "n", num);
}

/* One call as  CODE → Desk N  inside r (logical), drawn and recorded as one
 * control whose text_rect spans code, arrow and desk. */
static void call_row(app *a, const char *id, const store_call *c, rd_rect r, rd_color fg,
		     rd_color bg, int max_px)
{
	ui *u = &a->ui;
	char desk[64];
	desk_text(a, c->desk, desk, sizeof desk);
	int rtl = u->rtl;
	int px = max_px < STYLE_MIN_PX ? STYLE_MIN_PX : max_px;
	int cw = 0, chh = 0, dw = 0, dh = 0, aw = 0;
	for (; px >= STYLE_MIN_PX; px = px * 9 / 10 < STYLE_MIN_PX && px > STYLE_MIN_PX ? STYLE_MIN_PX : px * 9 / 10) {
		rd_text_size(u->rd, c->code, px, 1, 0, &cw, &chh);
		rd_text_size(u->rd, desk, px, 0, rtl, &dw, &dh);
		aw = px;
		if (cw + dw + aw + px / 2 <= r.w && chh <= r.h && dh <= r.h)
			break;
	}
	int total = cw + aw + px / 2 + dw;
	if (px < STYLE_MIN_PX || total > r.w) {
		px = STYLE_MIN_PX;
		/* cannot happen at the supported sizes; keep inside anyway */
		total = r.w;
	}
	int x0 = r.x + (r.w - total) / 2; /* logical start */
	int h = chh > dh ? chh : dh;
	int y = r.y + (r.h - h) / 2;
	rd_rect code_r = ui_m(u, (rd_rect){x0, y, cw, chh});
	rd_rect arrow_r = ui_m(u, (rd_rect){x0 + cw + px / 4, y + (h - aw) / 2, aw, aw});
	rd_rect desk_r = ui_m(u, (rd_rect){x0 + cw + aw + px / 2, y + (h - dh) / 2, dw, dh});
	if (u->draw) {
		rd_text(u->rd, c->code, px, 1, 0, code_r.x, code_r.y, fg);
		icon_draw(u->rd, "arrow", arrow_r, fg, bg, rtl);
		rd_text(u->rd, desk, px, 0, rtl, desk_r.x, desk_r.y, fg);
	}
	char label[128];
	snprintf(label, sizeof label, "%s \xe2\x86\x92 %s", c->code, desk);
	rd_rect ext = ui_m(u, (rd_rect){x0, y, total, h});
	ui_add(u, id, label, r, ext, 0, fg, bg, px);
}

void view_display(app *a, rd_rect area, int compact)
{
	ui *u = &a->ui;
	int g = view_gap(area.w, area.h);
	int portrait = area.h > area.w * 11 / 10;
	ui_box(u, area, TH_HEAD, 0, 0, 0);
	rd_rect in = ui_inset(area, g);
	int head = 0;
	if (!compact) {
		head = in.h * (portrait ? 7 : 11) / 100;
		int cz = (area.w < area.h ? area.w : area.h) / 7;
		/* the title and the site's name: one size */
		const char *labels[2] = {T(a, "Now serving"), a->cfg->site_name};
		rd_rect rr[2] = {{in.x + cz, in.y, in.w * 55 / 100 - cz, head},
				 {in.x + in.w * 55 / 100 + g, in.y, in.w * 45 / 100 - g - cz, head}};
		ui_style st[2];
		for (int i = 0; i < 2; i++) {
			st[i] = view_style_text(TH_ON_HEAD, TH_HEAD, head * 70 / 100);
			st[i].bold = 1;
			st[i].wrap = 0;
			st[i].align = i == 0 ? RD_START : RD_END;
		}
		int px = ui_row_px(u, 2, labels, rr, st, NULL);
		st[0].max_px = st[1].max_px = px;
		st[1].bold = 0;
		ui_text(u, "display-title", labels[0], rr[0], &st[0]);
		ui_text(u, "display-site", labels[1], rr[1], &st[1]);
		head += g;
	}
	rd_rect body = {in.x, in.y + head, in.w, in.h - head};
	/* the strip of waiting counts: as high as its lines need */
	int bpx = style_body_px(a->ui.w, a->ui.h), lw_, lh, tlh;
	char total[16], title[128];
	snprintf(total, sizeof total, "%d", a->status.waiting);
	i18n_subst(title, sizeof title, T(a, "Waiting: {n}"), "n", total);
	rd_text_size(u->rd, title, bpx, 0, u->rtl, &lw_, &lh);
	rd_text_size(u->rd, title, bpx * 12 / 10, 1, u->rtl, &lw_, &tlh);
	int n = a->cfg->ncategories;
	int cols = portrait || area.w < 1400 ? 2 : 3;
	if (n < cols)
		cols = n;
	int rows = cols > 0 ? (n + cols - 1) / cols : 0;
	int line = lh + 8;
	int counts_h = 0;
	if (!compact)
		counts_h = tlh + 8 + rows * line + g;
	rd_rect calls = {body.x, body.y, body.w, body.h - counts_h - (counts_h ? g : 0)};
	int site_h = 0; /* the band of the combined view names the site */
	if (compact) {
		int sw, sh;
		rd_text_size(u->rd, a->cfg->site_name, bpx, 1, u->rtl, &sw, &sh);
		site_h = sh + 6;
		int x = a->ncalls > 0 ? calls.x + calls.w * 56 / 100 + g : calls.x;
		ui_style s = view_style_text(TH_ON_HEAD, TH_HEAD, bpx);
		s.bold = 1;
		s.wrap = 0;
		s.align = RD_START;
		ui_text(u, "display-site", a->cfg->site_name,
			(rd_rect){x, calls.y, calls.x + calls.w - x, site_h}, &s);
	}

	if (a->ncalls == 0) {
		calls.y += site_h;
		calls.h -= site_h;
		ui_style s = view_style_text(TH_ON_HEAD, TH_HEAD, calls.h * 18 / 100);
		ui_text(u, "display-empty", T(a, "No numbers have been called yet."), calls, &s);
	} else {
		rd_rect now_r, prev_r;
		int nprev = a->ncalls - 1;
		int maxprev = compact ? 3 : 4;
		if (nprev > maxprev)
			nprev = maxprev;
		if (portrait && !compact) {
			now_r = (rd_rect){calls.x, calls.y, calls.w, calls.h * 52 / 100};
			prev_r = (rd_rect){calls.x, now_r.y + now_r.h + g, calls.w,
					   calls.h - now_r.h - g};
		} else {
			int lw = calls.w * (compact ? 56 : 60) / 100;
			now_r = (rd_rect){calls.x, calls.y, lw, calls.h};
			prev_r = (rd_rect){calls.x + lw + g, calls.y + site_h, calls.w - lw - g,
					   calls.h - site_h};
		}
		/* the newest: yellow, framed, with the word "Now" */
		ui_box(u, now_r, TH_ACCENT, TH_CARD, 4, 16);
		rd_rect ni = ui_inset(now_r, g + 4);
		rd_rect main;
		{
			/* the word "Now" above the call (in the low band of the
			 * combined view too: beside it, it was a second size in
			 * one row) */
			int nh = ni.h * 20 / 100;
			if (nh < lh + 4)
				nh = lh + 4;
			ui_style s = view_style_text(TH_ON_ACCENT, TH_ACCENT, nh * 80 / 100);
			s.bold = 1;
			s.align = RD_START;
			ui_text(u, "now-label", T(a, "Now"), (rd_rect){ni.x, ni.y, ni.w, nh}, &s);
			main = (rd_rect){ni.x, ni.y + nh, ni.w, ni.h - nh};
		}
		call_row(a, "now", &a->calls[0], main, TH_ON_ACCENT, TH_ACCENT, main.h * 70 / 100);
		/* the ones before */
		if (nprev > 0) {
			int th = prev_r.h / (nprev + 1);
			if (th > prev_r.h / 4)
				th = prev_r.h / 4;
			if (th < lh + 4)
				th = lh + 4;
			ui_style t = view_style_text(TH_ON_HEAD, TH_HEAD, th * 70 / 100);
			t.wrap = 0;
			t.align = RD_START;
			ui_text(u, "previous-title", T(a, "Called before"),
				(rd_rect){prev_r.x, prev_r.y, prev_r.w, th}, &t);
			/* as many rows as fit at a readable size */
			while (maxprev > 1 && (prev_r.h - th) / maxprev < lh * 14 / 10)
				maxprev--;
			if (nprev > maxprev)
				nprev = maxprev;
			int rh = (prev_r.h - th) / maxprev;
			for (int i = 0; i < nprev; i++) {
				char id[16];
				snprintf(id, sizeof id, "call:%d", i + 2);
				rd_rect rr = {prev_r.x, prev_r.y + th + i * rh, prev_r.w, rh - 2};
				call_row(a, id, &a->calls[i + 1], rr, TH_ON_HEAD, TH_HEAD,
					 rh * 60 / 100);
			}
		}
	}
	if (!counts_h)
		return;
	/* waiting per kind of help: one size for the strip */
	rd_rect cr = {body.x, body.y + body.h - counts_h, body.w, counts_h};
	ui_box(u, cr, TH_SOFT, 0, 0, 12);
	ui_style t = view_style_text(TH_INK, TH_SOFT, bpx * 12 / 10);
	t.bold = 1;
	t.align = RD_START;
	t.wrap = 0;
	ui_text(u, "waiting-title", title, (rd_rect){cr.x + g, cr.y + 4, cr.w - 2 * g, tlh + 4}, &t);
	rd_rect grid = {cr.x + g, cr.y + tlh + 8, cr.w - 2 * g, rows * line};
	int cw = (grid.w - (cols - 1) * g) / cols;
	static char texts[CONFIG_MAX_CATEGORIES][CONFIG_TEXT_LEN + 32];
	const char *labels[CONFIG_MAX_CATEGORIES];
	rd_rect rr[CONFIG_MAX_CATEGORIES];
	ui_style st[CONFIG_MAX_CATEGORIES];
	for (int i = 0; i < n; i++) {
		const config_category *c = &a->cfg->categories[i];
		int waiting = 0;
		for (int k = 0; k < a->status.ncategories; k++)
			if (strcmp(a->status.categories[k].category, c->id) == 0)
				waiting = a->status.categories[k].waiting;
		const char *label = c->label[a->lang][0] ? c->label[a->lang] : c->label[0];
		snprintf(texts[i], sizeof texts[i], "%s: %d", label, waiting);
		labels[i] = texts[i];
		rr[i] = (rd_rect){grid.x + (i % cols) * (cw + g), grid.y + (i / cols) * line, cw, line};
		st[i] = view_style_text(TH_INK, TH_SOFT, bpx);
		st[i].icon = c->icon[0] ? c->icon : "question";
		st[i].align = RD_START;
		st[i].wrap = 0;
	}
	int px = ui_row_px(u, n, labels, rr, st, NULL);
	for (int i = 0; i < n; i++) {
		char id[64];
		snprintf(id, sizeof id, "waiting:%s", a->cfg->categories[i].id);
		st[i].max_px = px;
		ui_text(u, id, labels[i], rr[i], &st[i]);
	}
}
