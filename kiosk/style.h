/*
 * style — how the views look, in one place: the gap of a layout, the one
 * type scale, and the styles of targets and text (theme.h's colours).
 *
 * The type scale (docs/kiosk.md, "Layout"): no text is smaller than
 * STYLE_MIN_PX (18 px: readable at arm's length on a 7-inch 800x480
 * screen); body text grows with the screen's short side. A row of buttons
 * or a strip of labels has one size: the views ask ui_row_px for the
 * largest size at which every label of the row fits, and draw them all at
 * that size, so "Helped" is not bigger than "Did not come" beside it.
 */
#ifndef KIOSK_STYLE_H
#define KIOSK_STYLE_H

#include "ui.h"

#define STYLE_MIN_PX 18

/* The common measure of a layout: a gap in pixels for an area. */
int view_gap(int w, int h);

/* Body text for a w x h window: STYLE_MIN_PX at 800x480, up to 30 px;
 * always even (a size rd_fit tries). */
int style_body_px(int w, int h);

/* A target of height h (theme colours, frame, centred text that may wrap
 * to two lines, at least STYLE_MIN_PX). */
ui_style view_style_button(int h);

/* Text that is not a target, at most max_px (at least STYLE_MIN_PX). */
ui_style view_style_text(rd_color fg, rd_color bg, int max_px);

#endif
