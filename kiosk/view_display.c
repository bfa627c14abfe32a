/*
 * view_display — "now serving" for the waiting room: the newest call large
 * and highlighted (yellow panel, a frame and the word "Now": never colour
 * alone), the four calls before it as "code → desk", and how many wait per
 * kind of help. Compact (the band of the combined view): newest and the
 * three before it, no counts. Nothing here is a tap target. Which calls
 * are shown is the store's (store_recent_calls: each ticket once, at its
 * newest call; none transferred, cancelled or expired); this only draws.
 *
 * The chime and the spoken announcement (audio.h, speech.h) of every call
 * are played by main.c's announcement queue.
 */
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "icons.h"
#include "kiosk.h"
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
	int px = max_px;
	int cw = 0, chh = 0, dw = 0, dh = 0, aw = 0;
	for (; px >= 12; px = px * 9 / 10) {
		rd_text_size(u->rd, c->code, px, 1, 0, &cw, &chh);
		rd_text_size(u->rd, desk, px, 0, rtl, &dw, &dh);
		aw = px;
		if (cw + dw + aw + px / 2 <= r.w && chh <= r.h && dh <= r.h)
			break;
	}
	int total = cw + aw + px / 2 + dw;
	if (px < 12 || total > r.w) {
		px = 12;
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
		ui_style s = view_style_text(TH_ON_HEAD, TH_HEAD, head * 70 / 100);
		s.bold = 1;
		s.align = RD_START;
		int cz = (area.w < area.h ? area.w : area.h) / 7;
		ui_text(u, "display-title", T(a, "Now serving"),
			(rd_rect){in.x + cz, in.y, in.w * 55 / 100 - cz, head}, &s);
		s = view_style_text(TH_ON_HEAD, TH_HEAD, head * 50 / 100);
		s.align = RD_END;
		ui_text(u, "display-site", a->cfg->site_name,
			(rd_rect){in.x + in.w * 55 / 100 + g, in.y, in.w * 45 / 100 - g - cz, head},
			&s);
		head += g;
	}
	rd_rect body = {in.x, in.y + head, in.w, in.h - head};
	int counts_h = 0;
	if (!compact)
		counts_h = body.h * (portrait ? 30 : 27) / 100;
	rd_rect calls = {body.x, body.y, body.w, body.h - counts_h - (counts_h ? g : 0)};

	if (a->ncalls == 0) {
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
			prev_r = (rd_rect){calls.x + lw + g, calls.y, calls.w - lw - g, calls.h};
		}
		/* the newest: yellow, framed, with the word "Now" */
		ui_box(u, now_r, TH_ACCENT, TH_CARD, 4, 16);
		rd_rect ni = ui_inset(now_r, g + 4);
		rd_rect main;
		if (compact) {
			/* a low band: the word "Now" beside the call */
			int lw = ni.w * 20 / 100;
			ui_style s = view_style_text(TH_ON_ACCENT, TH_ACCENT, ni.h * 30 / 100);
			s.bold = 1;
			ui_text(u, "now-label", T(a, "Now"), (rd_rect){ni.x, ni.y, lw, ni.h}, &s);
			main = (rd_rect){ni.x + lw, ni.y, ni.w - lw, ni.h};
		} else {
			int lh = ni.h * 20 / 100;
			ui_style s = view_style_text(TH_ON_ACCENT, TH_ACCENT, lh * 80 / 100);
			s.bold = 1;
			s.align = RD_START;
			ui_text(u, "now-label", T(a, "Now"), (rd_rect){ni.x, ni.y, ni.w, lh}, &s);
			main = (rd_rect){ni.x, ni.y + lh, ni.w, ni.h - lh};
		}
		call_row(a, "now", &a->calls[0], main, TH_ON_ACCENT, TH_ACCENT, main.h * 70 / 100);
		/* the ones before */
		if (nprev > 0) {
			int th = prev_r.h / (nprev + 1);
			if (th > prev_r.h / 4)
				th = prev_r.h / 4;
			ui_style t = view_style_text(TH_ON_HEAD, TH_HEAD, th * 45 / 100);
			t.align = RD_START;
			ui_text(u, "previous-title", T(a, "Called before"),
				(rd_rect){prev_r.x, prev_r.y, prev_r.w, th}, &t);
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
	/* waiting per kind of help */
	rd_rect cr = {body.x, body.y + body.h - counts_h, body.w, counts_h};
	ui_box(u, cr, TH_SOFT, 0, 0, 12);
	int th = cr.h * 22 / 100;
	char total[16];
	snprintf(total, sizeof total, "%d", a->status.waiting);
	char title[128];
	i18n_subst(title, sizeof title, T(a, "Waiting: {n}"), "n", total);
	ui_style t = view_style_text(TH_INK, TH_SOFT, th * 75 / 100);
	t.bold = 1;
	t.align = RD_START;
	ui_text(u, "waiting-title", title, (rd_rect){cr.x + g, cr.y + 4, cr.w - 2 * g, th}, &t);
	int n = a->cfg->ncategories;
	int cols = portrait ? 2 : (area.w >= 1600 ? 6 : 3);
	if (n < cols)
		cols = n;
	int rows = (n + cols - 1) / cols;
	rd_rect grid = {cr.x + g, cr.y + th + 8, cr.w - 2 * g, cr.h - th - 8 - g};
	int cw = (grid.w - (cols - 1) * g) / cols, ch = (grid.h - (rows - 1) * 4) / rows;
	for (int i = 0; i < n; i++) {
		const config_category *c = &a->cfg->categories[i];
		int waiting = 0;
		for (int k = 0; k < a->status.ncategories; k++)
			if (strcmp(a->status.categories[k].category, c->id) == 0)
				waiting = a->status.categories[k].waiting;
		const char *label = c->label[a->lang][0] ? c->label[a->lang] : c->label[0];
		char text[CONFIG_TEXT_LEN + 32];
		snprintf(text, sizeof text, "%s: %d", label, waiting);
		char id[64];
		snprintf(id, sizeof id, "waiting:%s", c->id);
		rd_rect r = {grid.x + (i % cols) * (cw + g), grid.y + (i / cols) * (ch + 4), cw, ch};
		ui_style s = view_style_text(TH_INK, TH_SOFT, ch * 40 / 100);
		s.icon = c->icon[0] ? c->icon : "question";
		s.align = RD_START;
		ui_text(u, id, text, r, &s);
	}
}
