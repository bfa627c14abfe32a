/*
 * style — see style.h.
 */
#include "style.h"

#include <string.h>

#include "theme.h"

int view_gap(int w, int h)
{
	int m = (w < h ? w : h) / 60;
	return m < 6 ? 6 : m;
}

int style_body_px(int w, int h)
{
	/* even sizes: they are on the ladder rd_fit tries (render.c) */
	int px = (w < h ? w : h) * 40 / 1000 / 2 * 2;
	return px < STYLE_MIN_PX ? STYLE_MIN_PX : px > 30 ? 30 : px;
}

ui_style view_style_button(int h)
{
	ui_style s;
	memset(&s, 0, sizeof s);
	s.bg = TH_CARD;
	s.fg = TH_INK;
	s.border = TH_LINE;
	s.border_w = h / 40 < 2 ? 2 : h / 40;
	s.radius = h / 7 > 16 ? 16 : h / 7;
	s.max_px = h * 32 / 100;
	s.min_px = STYLE_MIN_PX;
	s.align = RD_CENTER;
	s.wrap = 1;
	return s;
}

ui_style view_style_text(rd_color fg, rd_color bg, int max_px)
{
	ui_style s;
	memset(&s, 0, sizeof s);
	s.fg = fg;
	s.bg = bg;
	s.no_bg = 1;
	s.max_px = max_px;
	s.min_px = STYLE_MIN_PX;
	s.align = RD_CENTER;
	s.wrap = 1;
	s.pad = 2;
	return s;
}
