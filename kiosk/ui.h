/*
 * ui — immediate-mode controls in the manner of microui: each frame a view
 * calls ui_button()/ui_text() with a stable id, a label and a rectangle;
 * the call draws the control (when drawing) and records it in the frame's
 * control list, and ui_button() returns 1 if this frame carries a tap on
 * that id. Input is matched against the list of the last frame built
 * (ui_hit), which is also what `dump` writes for tests.
 *
 * Views lay out in left-to-right coordinates; with rtl set, ui mirrors
 * every rectangle (x' = W - x - w) and swaps text alignment, so Arabic gets
 * a mirrored layout from the same code.
 *
 * Fixed capacity UI_MAX_CONTROLS per frame; more is a programmer error
 * (assert).
 */
#ifndef KIOSK_UI_H
#define KIOSK_UI_H

#include "render.h"

#define UI_MAX_CONTROLS 160
#define UI_ID_LEN	64 /* "outcome:referred:" and a 31-byte referral id fit */
#define UI_LABEL_LEN	256

typedef struct {
	rd_color bg, fg, border;
	int border_w, radius;
	int max_px, min_px;
	int bold;
	int align; /* RD_START / RD_CENTER / RD_END, logical */
	int wrap;  /* allow two lines */
	const char *icon;
	int selected; /* drawn with an underline bar and bold text */
	int pad;
	int no_bg; /* text only */
} ui_style;

typedef struct {
	char id[UI_ID_LEN];
	char label[UI_LABEL_LEN];
	rd_rect rect, text;
	int tap;
	rd_color fg, bg;
	int px;
	int cut; /* the label did not fit and was shortened with "…" */
} ui_control;

typedef struct {
	render *rd;
	int w, h;
	int rtl;
	int draw;
	int n;
	ui_control c[UI_MAX_CONTROLS];
	char clicked[UI_ID_LEN]; /* the id tapped, consumed by the frame */
	int acted;		 /* a ui_button returned 1 this frame */
} ui;

void ui_begin(ui *u, render *rd, int rtl, int draw);

/* A tap target. Returns 1 when u->clicked is id (and clears it). */
int ui_button(ui *u, const char *id, const char *label, rd_rect r, const ui_style *s);

/* One size for a row: the largest text size at which every labels[i] fits
 * rects[i] in styles[i] (each at most its max_px); 0 if none has a label.
 * Draw the row with max_px set to it; nothing is drawn here. Measure with
 * the boldest style a control can take (selected), so the size does not
 * change when the selection does. *cut (if not NULL) is 1 when some label
 * does not fit even at its min_px: the layout should give it more room. */
int ui_row_px(ui *u, int n, const char *const labels[], const rd_rect rects[],
	      const ui_style styles[], int *cut);

/* Visible text that is not a target (still listed in the dump). */
void ui_text(ui *u, const char *id, const char *text, rd_rect r, const ui_style *s);

/* A decoration (panel, band); not listed. */
void ui_box(ui *u, rd_rect r, rd_color bg, rd_color border, int border_w, int radius);

/* Records a control drawn by the caller (r and text in logical coordinates). */
void ui_add(ui *u, const char *id, const char *label, rd_rect r, rd_rect text, int tap,
	    rd_color fg, rd_color bg, int px);

/* The rectangle as drawn (mirrored under rtl). */
rd_rect ui_m(const ui *u, rd_rect r);

/* Index of the target at screen point x, y in the last frame, or -1. */
int ui_hit(const ui *u, int x, int y);
const ui_control *ui_find(const ui *u, const char *id);

/* Writes the control list as JSON; 0 or -1. */
int ui_dump(const ui *u, const char *path);

/* Rect helpers. */
rd_rect ui_inset(rd_rect r, int d);

#endif
