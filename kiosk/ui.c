/*
 * ui — the control list and the standard controls; see ui.h.
 */
#include "ui.h"

#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "icons.h"
#include "log.h"

void ui_begin(ui *u, render *rd, int rtl, int draw)
{
	u->rd = rd;
	rd_size(rd, &u->w, &u->h);
	u->rtl = rtl;
	u->draw = draw;
	u->n = 0;
	u->acted = 0;
}

rd_rect ui_m(const ui *u, rd_rect r)
{
	if (u->rtl)
		r.x = u->w - r.x - r.w;
	return r;
}

rd_rect ui_inset(rd_rect r, int d)
{
	rd_rect o = {r.x + d, r.y + d, r.w - 2 * d, r.h - 2 * d};
	if (o.w < 0)
		o.w = 0;
	if (o.h < 0)
		o.h = 0;
	return o;
}

static int phys_align(const ui *u, int align)
{
	if (!u->rtl || align == RD_CENTER)
		return align;
	return align == RD_START ? RD_END : RD_START;
}

void ui_add(ui *u, const char *id, const char *label, rd_rect r, rd_rect text, int tap,
	    rd_color fg, rd_color bg, int px)
{
	assert(u->n < UI_MAX_CONTROLS && "raise UI_MAX_CONTROLS");
	if (u->n >= UI_MAX_CONTROLS)
		return;
	ui_control *c = &u->c[u->n++];
	snprintf(c->id, sizeof c->id, "%s", id);
	snprintf(c->label, sizeof c->label, "%s", label);
	c->rect = ui_m(u, r);
	c->text = text; /* already physical: measured where it was drawn */
	c->tap = tap;
	c->fg = fg;
	c->bg = bg;
	c->px = px;
	c->cut = 0;
}

void ui_box(ui *u, rd_rect r, rd_color bg, rd_color border, int border_w, int radius)
{
	if (!u->draw)
		return;
	rd_rect p = ui_m(u, r);
	rd_round(u->rd, p, radius, bg);
	if (border_w > 0)
		rd_round_frame(u->rd, p, radius, border_w, border);
}

/* The padding of a control drawn in r with style s. */
static int pad_of(rd_rect r, const ui_style *s)
{
	int pad = s->pad > 0 ? s->pad : (r.h < r.w ? r.h : r.w) / 10;
	if (s->pad <= 0 && pad < 6)
		pad = 6;
	return pad;
}

/* The box the label goes in (logical), inside r after the padding, the
 * frame, the underline of a selected control and the icon; draws the
 * icon when drawing. *inner is the box before the icon. */
static rd_rect text_box(ui *u, rd_rect r, const ui_style *s, rd_rect *inner)
{
	int pad = pad_of(r, s);
	*inner = ui_inset(r, pad + (s->border_w > 0 ? s->border_w : 0));
	if (s->selected)
		inner->h -= pad / 2 + 4; /* room for the underline bar */
	rd_rect textbox = *inner;
	if (s->icon && s->icon[0]) {
		if (inner->w >= inner->h * 2) {
			/* wide: icon at the start, label after it */
			int sz = inner->h;
			if (sz > inner->w / 4)
				sz = inner->w / 4;
			rd_rect ib = {inner->x, inner->y + (inner->h - sz) / 2, sz, sz};
			if (u->draw)
				icon_draw(u->rd, s->icon, ui_m(u, ib), s->fg, s->bg, u->rtl);
			textbox.x = inner->x + sz + pad;
			textbox.w = inner->w - sz - pad;
		} else {
			/* tall: icon above, label below */
			int sz = inner->h * 45 / 100;
			if (sz > inner->w)
				sz = inner->w;
			rd_rect ib = {inner->x + (inner->w - sz) / 2, inner->y, sz, sz};
			if (u->draw)
				icon_draw(u->rd, s->icon, ui_m(u, ib), s->fg, s->bg, u->rtl);
			textbox.y = inner->y + sz + pad / 2;
			textbox.h = inner->h - sz - pad / 2;
		}
	}
	return textbox;
}

/* Fits label into the text box of r: the chosen size in f. Returns 0, or
 * -1 if there is no room at all. */
static int fit(ui *u, const char *label, rd_rect textbox, const ui_style *s, rd_fit_result *f)
{
	if (textbox.w < 1 || textbox.h < 1)
		return -1;
	int bold = s->bold || s->selected;
	int rtl = u->rtl || rd_has_rtl(label);
	int maxp = s->max_px > 0 ? s->max_px : textbox.h;
	int minp = s->min_px > 0 ? s->min_px : 14;
	rd_fit(u->rd, label, textbox.w, textbox.h, maxp, minp, bold, rtl, s->wrap, f);
	return 0;
}

int ui_row_px(ui *u, int n, const char *const labels[], const rd_rect rects[],
	      const ui_style styles[], int *cut)
{
	int draw = u->draw, px = 0;
	if (cut)
		*cut = 0;
	u->draw = 0; /* measuring only */
	for (int i = 0; i < n; i++) {
		rd_rect inner;
		rd_fit_result f;
		if (labels[i] && labels[i][0] &&
		    fit(u, labels[i], text_box(u, rects[i], &styles[i], &inner), &styles[i], &f) ==
			0 &&
		    (px <= 0 || f.px <= px)) {
			px = f.px;
			if (cut && f.truncated)
				*cut = 1;
		}
	}
	u->draw = draw;
	return px;
}

/* Lays out and (when drawing) draws background, icon and label of a
 * control; returns the physical text rectangle. */
static rd_rect paint(ui *u, const char *label, rd_rect r, const ui_style *s, int *px, int *cut)
{
	rd_rect p = ui_m(u, r);
	int pad = pad_of(r, s);
	if (u->draw && !s->no_bg) {
		rd_round(u->rd, p, s->radius, s->bg);
		if (s->border_w > 0)
			rd_round_frame(u->rd, p, s->radius, s->border_w, s->border);
	}
	rd_rect inner;
	rd_rect textbox = text_box(u, r, s, &inner);
	rd_fit_result f;
	*cut = 0;
	if (fit(u, label, textbox, s, &f) != 0) {
		*px = 0;
		return (rd_rect){ui_m(u, textbox).x, textbox.y, 0, 0};
	}
	int bold = s->bold || s->selected;
	int rtl = u->rtl || rd_has_rtl(label);
	rd_rect pt = ui_m(u, textbox);
	rd_rect ext = rd_draw_fit(u->rd, &f, pt, phys_align(u, s->align), bold, rtl, s->fg, u->draw);
	*px = f.px;
	*cut = f.truncated;
	if (s->selected && u->draw) {
		int bw = ext.w > pt.w / 2 ? ext.w : pt.w / 2;
		rd_rect bar = {pt.x + (pt.w - bw) / 2, inner.y + inner.h + pad / 4, bw,
			       pad / 4 + 3};
		rd_fill(u->rd, bar, s->fg);
	}
	return ext;
}

int ui_button(ui *u, const char *id, const char *label, rd_rect r, const ui_style *s)
{
	int px = 0, cut = 0;
	rd_rect t = paint(u, label, r, s, &px, &cut);
	ui_add(u, id, label, r, t, 1, s->fg, s->no_bg ? 0 : s->bg, px);
	u->c[u->n - 1].cut = cut;
	if (u->clicked[0] && strcmp(u->clicked, id) == 0) {
		u->clicked[0] = '\0';
		u->acted = 1;
		return 1;
	}
	return 0;
}

void ui_text(ui *u, const char *id, const char *text, rd_rect r, const ui_style *s)
{
	int px = 0, cut = 0;
	rd_rect t = paint(u, text, r, s, &px, &cut);
	ui_add(u, id, text, r, t, 0, s->fg, s->bg, px);
	u->c[u->n - 1].cut = cut;
}

int ui_hit(const ui *u, int x, int y)
{
	for (int i = u->n - 1; i >= 0; i--) {
		const ui_control *c = &u->c[i];
		if (c->tap && x >= c->rect.x && y >= c->rect.y && x < c->rect.x + c->rect.w &&
		    y < c->rect.y + c->rect.h)
			return i;
	}
	return -1;
}

const ui_control *ui_find(const ui *u, const char *id)
{
	for (int i = 0; i < u->n; i++)
		if (strcmp(u->c[i].id, id) == 0)
			return &u->c[i];
	return NULL;
}

static json_t *rect_json(rd_rect r)
{
	return json_pack("[iiii]", r.x, r.y, r.w, r.h);
}

int ui_dump(const ui *u, const char *path)
{
	json_t *a = json_array();
	for (int i = 0; i < u->n; i++) {
		const ui_control *c = &u->c[i];
		char fg[8], bg[8];
		snprintf(fg, sizeof fg, "#%06X", (unsigned)c->fg);
		snprintf(bg, sizeof bg, "#%06X", (unsigned)c->bg);
		json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:b, s:s, s:s, s:i}", "id", c->id,
				      "label", c->label, "rect", rect_json(c->rect), "text_rect",
				      rect_json(c->text), "tap", c->tap, "fg", fg, "bg", bg, "px",
				      c->px);
		if (o && c->cut)
			json_object_set_new(o, "cut", json_true());
		json_array_append_new(a, o);
	}
	int rc = json_dump_file(a, path, JSON_INDENT(1)) == 0 ? 0 : -1;
	json_decref(a);
	return rc;
}
