/*
 * render — the thin layer between the kiosk and SDL2 / SDL2_ttf.
 *
 * Owns the window, the renderer, the fonts (read once into memory, one
 * TTF_Font per face and pixel size, opened on demand, LRU-capped) and two
 * caches: text measurements and text textures. Nothing above this file
 * calls SDL's drawing or TTF functions.
 *
 * Text: a string is split into directional runs (a tiny subset of the
 * Unicode bidi algorithm: one paragraph direction, Arabic runs shaped right
 * to left with Noto Sans Arabic through HarfBuzz, Latin/Cyrillic/digit runs
 * left to right with Noto Sans), so "A012" or "15" inside an Arabic
 * sentence reads correctly. rd_fit picks the largest size at which a text
 * fits a box on one line or wrapped to two, else truncates it with an
 * ellipsis at the smallest size: text never leaves its box.
 *
 * Memory: the software renderer (SDL_HINT_FRAMEBUFFER_ACCELERATION=0 and
 * the "software" render driver) on X11 and offscreen keeps the process near
 * 10 MiB; on KMSDRM and Wayland SDL has no window framebuffer of its own and
 * the default (GLES) renderer is used.
 */
#ifndef KIOSK_RENDER_H
#define KIOSK_RENDER_H

#include <stddef.h>
#include <stdint.h>

typedef struct render render;

typedef struct {
	int x, y, w, h;
} rd_rect;

typedef uint32_t rd_color; /* 0xRRGGBB */

typedef struct {
	int width, height; /* window size; 0 = the display's size */
	int fullscreen;
	int hide_cursor;
	const char *title;
	const char *font_dir; /* NULL: search the usual places */
} rd_options;

/* Opens the window and loads the fonts. On failure returns NULL with a
 * message in err. */
render *rd_open(const rd_options *o, char *err, size_t errlen);
void rd_close(render *r);

/* A w x h drawing surface off screen (no window; the software renderer),
 * with the same fonts and text shaping: what a printed ticket is drawn
 * on. rd_read_rgb reads it. NULL with a message in err on failure. */
render *rd_open_surface(int w, int h, const char *font_dir, char *err, size_t errlen);

/* Size of the drawing surface in pixels (may differ from window size on
 * HiDPI; rd_scale_point maps window coordinates to it). */
void rd_size(render *r, int *w, int *h);
void rd_scale_point(render *r, int *x, int *y);
/* Call after a window resize event. */
void rd_resized(render *r);

void rd_clear(render *r, rd_color c);
void rd_fill(render *r, rd_rect a, rd_color c);
void rd_round(render *r, rd_rect a, int radius, rd_color c);
/* A rounded frame of thickness t inside a. */
void rd_round_frame(render *r, rd_rect a, int radius, int t, rd_color c);
void rd_line(render *r, float x1, float y1, float x2, float y2, float thick, rd_color c);
void rd_disc(render *r, float cx, float cy, float rad, rd_color c);
void rd_ring(render *r, float cx, float cy, float rad, float thick, rd_color c);
void rd_triangle(render *r, float x1, float y1, float x2, float y2, float x3, float y3,
		 rd_color c);
void rd_present(render *r);

/* --- text ------------------------------------------------------------- */

enum { RD_START, RD_CENTER, RD_END }; /* start = left in LTR, right in RTL */

#define RD_FIT_TEXT 256

typedef struct {
	int px;		/* chosen size */
	int nlines;	/* 1 or 2 */
	char line[2][RD_FIT_TEXT];
	int line_w[2];
	int line_h;	/* height of one line */
	int w, h;	/* the block */
	int truncated;
} rd_fit_result;

/* Width and height of text on one line at px. */
void rd_text_size(render *r, const char *text, int px, int bold, int rtl, int *w, int *h);

/* Draws text on one line with its top-left at x, y. */
void rd_text(render *r, const char *text, int px, int bold, int rtl, int x, int y, rd_color c);

/* The largest px in [min_px, max_px] at which text fits box w x h on one
 * line or, if allow_wrap, on two; else min_px, truncated with an ellipsis. */
void rd_fit(render *r, const char *text, int w, int h, int max_px, int min_px, int bold,
	    int rtl, int allow_wrap, rd_fit_result *out);

/* Draws a fitted block aligned in box (align RD_START/CENTER/END, already
 * mirrored by the caller for RTL), vertically centred. Returns the rect the
 * text occupies. */
rd_rect rd_draw_fit(render *r, const rd_fit_result *f, rd_rect box, int align, int bold, int rtl,
		    rd_color c, int draw);

/* 1 if the UTF-8 text contains a right-to-left letter. */
int rd_has_rtl(const char *text);

/* --- screenshots ------------------------------------------------------- */

/* Reads the last drawn frame as packed RGB (caller frees *rgb). 0 or -1. */
int rd_read_rgb(render *r, uint8_t **rgb, int *w, int *h);

#endif
