/*
 * icons — pictograms from rd_line/rd_disc/rd_ring on a 100x100 grid scaled
 * into the box. Stroke width is 8 units: bold enough for weak eyes.
 */
#include "icons.h"

#include <string.h>

typedef struct {
	render *r;
	float x, y, s; /* origin and scale: 1 unit = s pixels */
	rd_color fg, bg;
	int mirror;
} pen;

static float X(const pen *p, float u)
{
	return p->mirror ? p->x + (100 - u) * p->s : p->x + u * p->s;
}

static float Y(const pen *p, float u)
{
	return p->y + u * p->s;
}

static void L(const pen *p, float x1, float y1, float x2, float y2)
{
	rd_line(p->r, X(p, x1), Y(p, y1), X(p, x2), Y(p, y2), 8 * p->s, p->fg);
}

/* Outline of a rectangle given by corners. */
static void R(const pen *p, float x1, float y1, float x2, float y2)
{
	L(p, x1, y1, x2, y1);
	L(p, x2, y1, x2, y2);
	L(p, x2, y2, x1, y2);
	L(p, x1, y2, x1, y1);
}

static void D(const pen *p, float cx, float cy, float rad, rd_color c)
{
	rd_disc(p->r, X(p, cx), Y(p, cy), rad * p->s, c);
}

static void O(const pen *p, float cx, float cy, float rad)
{
	rd_ring(p->r, X(p, cx), Y(p, cy), rad * p->s + 4 * p->s, 8 * p->s, p->fg);
}

static void glyph(const pen *p, const char *t)
{
	int px = (int)(56 * p->s);
	if (px < 8)
		return;
	int w, h;
	rd_text_size(p->r, t, px, 1, 0, &w, &h);
	rd_text(p->r, t, px, 1, 0, (int)(X(p, 50) - (float)w / 2), (int)(Y(p, 50) - (float)h / 2),
		p->fg);
}

void icon_draw(render *r, const char *name, rd_rect box, rd_color fg, rd_color bg, int mirror)
{
	float sz = (float)(box.w < box.h ? box.w : box.h);
	mirror = mirror && strcmp(name, "arrow") == 0; /* only arrows have a direction */
	pen p = {r, (float)box.x + ((float)box.w - sz) / 2, (float)box.y + ((float)box.h - sz) / 2,
		 sz / 100.0f, fg, bg, mirror};
	if (strcmp(name, "phone") == 0) {
		R(&p, 28, 8, 72, 92);
		L(&p, 42, 20, 58, 20);
		D(&p, 50, 78, 6, fg);
	} else if (strcmp(name, "tax") == 0) {
		R(&p, 20, 8, 80, 92);
		L(&p, 32, 28, 68, 28);
		O(&p, 38, 52, 6);
		O(&p, 62, 76, 6);
		L(&p, 64, 46, 36, 82);
	} else if (strcmp(name, "letter") == 0) {
		R(&p, 8, 22, 92, 78);
		L(&p, 8, 22, 50, 54);
		L(&p, 92, 22, 50, 54);
	} else if (strcmp(name, "book") == 0) {
		L(&p, 50, 24, 50, 86);
		L(&p, 50, 24, 10, 16);
		L(&p, 10, 16, 10, 78);
		L(&p, 10, 78, 50, 86);
		L(&p, 50, 24, 90, 16);
		L(&p, 90, 16, 90, 78);
		L(&p, 90, 78, 50, 86);
	} else if (strcmp(name, "business") == 0) {
		R(&p, 8, 32, 92, 86);
		R(&p, 36, 14, 64, 32);
		L(&p, 8, 56, 92, 56);
		D(&p, 50, 56, 7, fg);
	} else if (strcmp(name, "arrow") == 0) {
		L(&p, 8, 50, 84, 50);
		L(&p, 88, 50, 62, 24);
		L(&p, 88, 50, 62, 76);
	} else if (strcmp(name, "check") == 0) {
		L(&p, 14, 54, 40, 80);
		L(&p, 40, 80, 88, 22);
	} else if (strcmp(name, "clock") == 0) {
		O(&p, 50, 50, 38);
		L(&p, 50, 50, 50, 24);
		L(&p, 50, 50, 70, 62);
	} else if (strcmp(name, "people") == 0) {
		D(&p, 50, 28, 18, fg);
		rd_disc(r, X(&p, 50), Y(&p, 92), 38 * p.s, fg);
		rd_fill(r, (rd_rect){(int)p.x, (int)Y(&p, 92), (int)(100 * p.s) + 1, (int)(40 * p.s)},
			bg);
	} else if (strcmp(name, "info") == 0) {
		O(&p, 50, 50, 38);
		D(&p, 50, 30, 6, fg);
		L(&p, 50, 46, 50, 74);
	} else if (strcmp(name, "lock") == 0 || strcmp(name, "closed") == 0) {
		R(&p, 20, 46, 80, 90);
		O(&p, 50, 40, 18);
		rd_fill(r, (rd_rect){(int)X(&p, mirror ? 80 : 20) + 1, (int)Y(&p, 42),
				     (int)(60 * p.s) - 2, (int)(44 * p.s)},
			bg);
		R(&p, 20, 46, 80, 90);
		D(&p, 50, 66, 7, fg);
	} else {
		O(&p, 50, 50, 38);
		glyph(&p, "?");
	}
}
