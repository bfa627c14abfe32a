/*
 * render — SDL2 window, renderer, fonts and text; see render.h for the
 * contract. Caches, all fixed-size and owned here:
 *
 *   fonts     RD_MAX_FONTS TTF_Font handles keyed by (face, px), LRU. The
 *             font files are read once; every handle reads from that memory.
 *   sizes     RD_SIZE_SLOTS measurements keyed by a hash of (text, px, face),
 *             overwritten on collision (a cache, never a source of truth).
 *   textures  RD_TEX_SLOTS rendered runs keyed by (text, px, face, colour), LRU.
 *   fits      RD_FIT_SLOTS results of rd_fit, overwritten on collision.
 *
 * An idle kiosk draws nothing; a frame after a tap reuses nearly every
 * texture, so a redraw is a few blits.
 */
#include "render.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define RD_MAX_FONTS  40
#define RD_SIZE_SLOTS 2048
#define RD_TEX_SLOTS  320
#define RD_FIT_SLOTS  1024
#define RD_MAX_RUNS   32

enum { FACE_LATIN, FACE_LATIN_BOLD, FACE_ARABIC, FACE_ARABIC_BOLD, FACE_COUNT };

typedef struct {
	int face, px;
	TTF_Font *font;
	uint64_t used;
} font_slot;

typedef struct {
	uint64_t key;
	int w, h;
} size_slot;

typedef struct {
	uint64_t key;
	SDL_Texture *tex;
	int w, h;
	uint64_t used;
} tex_slot;

typedef struct {
	uint64_t key;
	rd_fit_result res;
} fit_slot;

struct render {
	SDL_Window *win;   /* NULL off screen (rd_open_surface) */
	SDL_Surface *surf; /* what an off-screen renderer draws on */
	SDL_Renderer *ren;
	int out_w, out_h, win_w, win_h;
	void *face_data[FACE_COUNT];
	size_t face_len[FACE_COUNT];
	font_slot fonts[RD_MAX_FONTS];
	size_slot sizes[RD_SIZE_SLOTS];
	tex_slot tex[RD_TEX_SLOTS];
	fit_slot *fits; /* RD_FIT_SLOTS, heap: rd_fit_result is 540 bytes */
	uint64_t tick;
};

/* --- helpers ----------------------------------------------------------- */

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t key_of(const char *text, size_t len, int a, int b, int c, int d)
{
	uint64_t h = fnv(text, len, 0xcbf29ce484222325ULL);
	int v[4] = {a, b, c, d};
	h = fnv(v, sizeof v, h);
	return h ? h : 1;
}

static void set_color(render *r, rd_color c)
{
	SDL_SetRenderDrawColor(r->ren, (c >> 16) & 255, (c >> 8) & 255, c & 255, 255);
}

static SDL_Color sdl_color(rd_color c)
{
	SDL_Color s = {(Uint8)((c >> 16) & 255), (Uint8)((c >> 8) & 255), (Uint8)(c & 255), 255};
	return s;
}

/* Decodes one UTF-8 code point at s (n bytes left); *len gets its length. */
static uint32_t utf8_next(const char *s, size_t n, int *len)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] < 0x80 || n < 2) {
		*len = 1;
		return u[0];
	}
	if ((u[0] & 0xe0) == 0xc0) {
		*len = 2;
		return ((uint32_t)(u[0] & 0x1f) << 6) | (u[1] & 0x3f);
	}
	if ((u[0] & 0xf0) == 0xe0 && n >= 3) {
		*len = 3;
		return ((uint32_t)(u[0] & 0x0f) << 12) | ((uint32_t)(u[1] & 0x3f) << 6) |
		       (u[2] & 0x3f);
	}
	if (n >= 4) {
		*len = 4;
		return ((uint32_t)(u[0] & 0x07) << 18) | ((uint32_t)(u[1] & 0x3f) << 12) |
		       ((uint32_t)(u[2] & 0x3f) << 6) | (u[3] & 0x3f);
	}
	*len = 1;
	return '?';
}

/* 'R' Arabic letter, 'L' any other letter or digit, 'N' neutral. */
static char bidi_class(uint32_t c)
{
	if ((c >= 0x0600 && c <= 0x06ff) || (c >= 0x0750 && c <= 0x077f) ||
	    (c >= 0x08a0 && c <= 0x08ff) || (c >= 0xfb50 && c <= 0xfdff) ||
	    (c >= 0xfe70 && c <= 0xfeff))
		return 'R';
	if (c == 0x060c || c == 0x061b || c == 0x061f) /* Arabic comma, semicolon, question */
		return 'R';
	if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= 0xc0 && c != 0xd7 && c != 0xf7 && c < 0x2000))
		return 'L';
	return 'N';
}

int rd_has_rtl(const char *text)
{
	size_t n = strlen(text);
	for (size_t i = 0; i < n;) {
		int l;
		if (bidi_class(utf8_next(text + i, n - i, &l)) == 'R')
			return 1;
		i += (size_t)l;
	}
	return 0;
}

typedef struct {
	int start, len;
	int rtl;
} run;

/* Splits text into directional runs in logical order. Neutrals between two
 * strong characters of one direction take it, others the paragraph's. */
static int split_runs(const char *text, int para_rtl, run *runs, int max)
{
	size_t n = strlen(text);
	char cls[RD_FIT_TEXT * 2];
	int pos[RD_FIT_TEXT * 2 + 1];
	int k = 0;
	for (size_t i = 0; i < n && k < (int)sizeof cls - 1;) {
		int l;
		uint32_t c = utf8_next(text + i, n - i, &l);
		pos[k] = (int)i;
		cls[k++] = bidi_class(c);
		i += (size_t)l;
	}
	pos[k] = (int)n;
	/* resolve neutrals */
	for (int i = 0; i < k; i++) {
		if (cls[i] != 'N')
			continue;
		int j = i;
		while (j < k && cls[j] == 'N')
			j++;
		char before = 0, after = 0;
		for (int b = i - 1; b >= 0; b--)
			if (cls[b] == 'L' || cls[b] == 'R') {
				before = cls[b];
				break;
			}
		if (j < k)
			after = cls[j];
		char d = (before && before == after) ? before : (para_rtl ? 'R' : 'L');
		if (!before && !after)
			d = para_rtl ? 'R' : 'L';
		for (int m = i; m < j; m++)
			cls[m] = (char)(d | 0x20); /* lower case: resolved neutral */
		i = j - 1;
	}
	int nr = 0;
	for (int i = 0; i < k && nr < max;) {
		int rtl = (cls[i] | 0x20) == 'r';
		int j = i;
		while (j < k && ((cls[j] | 0x20) == 'r') == rtl)
			j++;
		runs[nr].start = pos[i];
		runs[nr].len = pos[j] - pos[i];
		runs[nr].rtl = rtl;
		nr++;
		i = j;
	}
	return nr;
}

/* --- fonts ------------------------------------------------------------- */

static const char *const face_files[FACE_COUNT][3] = {
    {"NotoSans-Regular.ttf", "DejaVuSans.ttf", NULL},
    {"NotoSans-Bold.ttf", "DejaVuSans-Bold.ttf", NULL},
    {"NotoSansArabic-Regular.ttf", "NotoNaskhArabic-Regular.ttf", NULL},
    {"NotoSansArabic-Bold.ttf", "NotoNaskhArabic-Bold.ttf", NULL},
};

static int load_faces(render *r, const char *font_dir, char *err, size_t errlen)
{
	const char *dirs[] = {getenv("LOKET_FONT_DIR"),
			      font_dir,
			      "/usr/share/fonts/truetype/noto",
			      "/usr/share/fonts/noto",
			      "/usr/share/fonts/opentype/noto",
			      "/usr/share/fonts/truetype/dejavu",
			      "/usr/share/fonts/TTF"};
	for (int f = 0; f < FACE_COUNT; f++) {
		for (int n = 0; face_files[f][n] && !r->face_data[f]; n++)
			for (size_t d = 0; d < sizeof dirs / sizeof *dirs && !r->face_data[f];
			     d++) {
				if (!dirs[d] || !*dirs[d])
					continue;
				char path[1024];
				snprintf(path, sizeof path, "%s/%s", dirs[d], face_files[f][n]);
				r->face_data[f] = SDL_LoadFile(path, &r->face_len[f]);
				if (r->face_data[f])
					log_debug("font %s", path);
			}
	}
	if (!r->face_data[FACE_LATIN]) {
		snprintf(err, errlen,
			 "no font found: install fonts-noto-core (NotoSans-Regular.ttf) "
			 "or set LOKET_FONT_DIR");
		return -1;
	}
	if (!r->face_data[FACE_ARABIC])
		log_warn("no Arabic font found (NotoSansArabic-Regular.ttf): Arabic text will not "
			 "be shaped");
	return 0;
}

static int face_for(render *r, int rtl_run, int bold)
{
	int f = rtl_run ? (bold ? FACE_ARABIC_BOLD : FACE_ARABIC) : (bold ? FACE_LATIN_BOLD : FACE_LATIN);
	if (!r->face_data[f] && f == FACE_ARABIC_BOLD)
		f = FACE_ARABIC;
	if (!r->face_data[f] && f == FACE_LATIN_BOLD)
		f = FACE_LATIN;
	if (!r->face_data[f])
		f = bold && r->face_data[FACE_LATIN_BOLD] ? FACE_LATIN_BOLD : FACE_LATIN;
	return f;
}

static TTF_Font *font_get(render *r, int face, int px)
{
	int lru = 0;
	for (int i = 0; i < RD_MAX_FONTS; i++) {
		font_slot *s = &r->fonts[i];
		if (s->font && s->face == face && s->px == px) {
			s->used = ++r->tick;
			return s->font;
		}
		if (!s->font || (r->fonts[lru].font && s->used < r->fonts[lru].used))
			lru = i;
	}
	font_slot *s = &r->fonts[lru];
	if (s->font)
		TTF_CloseFont(s->font);
	s->font = NULL;
	SDL_RWops *rw = SDL_RWFromConstMem(r->face_data[face], (int)r->face_len[face]);
	TTF_Font *f = rw ? TTF_OpenFontRW(rw, 1, px) : NULL;
	if (!f) {
		log_error("cannot open font face %d at %d px: %s", face, px, TTF_GetError());
		return NULL;
	}
	TTF_SetFontHinting(f, TTF_HINTING_LIGHT);
	if (face == FACE_ARABIC || face == FACE_ARABIC_BOLD) {
		TTF_SetFontDirection(f, TTF_DIRECTION_RTL);
		TTF_SetFontScriptName(f, "Arab");
	} else {
		TTF_SetFontDirection(f, TTF_DIRECTION_LTR);
	}
	s->font = f;
	s->face = face;
	s->px = px;
	s->used = ++r->tick;
	return f;
}

/* Size of one run (a NUL-terminated piece) in a face. Arabic faces report
 * a line 2.1 em tall (room for stacked marks); the visible line box used
 * for layout is 1.5 em with the baseline at 0.95 em, which holds every
 * letter of the languages we ship. *ascent is the layout ascent, *real_asc
 * the face's own (where its rendered surface puts the baseline). */
static int is_arabic_face(int face)
{
	return face == FACE_ARABIC || face == FACE_ARABIC_BOLD;
}

static void run_size(render *r, const char *piece, size_t len, int face, int px, int *w, int *h,
		     int *ascent, int *real_asc)
{
	TTF_Font *f = font_get(r, face, px);
	*w = *h = 0;
	*real_asc = f ? TTF_FontAscent(f) : px;
	*ascent = is_arabic_face(face) ? px * 95 / 100 : *real_asc;
	if (!f)
		return;
	uint64_t key = key_of(piece, len, px, face, 0, 0x5153);
	size_slot *s = &r->sizes[key % RD_SIZE_SLOTS];
	if (s->key == key) {
		*w = s->w;
		*h = s->h;
		return;
	}
	if (TTF_SizeUTF8(f, piece, w, h) != 0)
		*w = *h = 0;
	if (is_arabic_face(face))
		*h = px * 150 / 100;
	s->key = key;
	s->w = *w;
	s->h = *h;
}

/* --- window ------------------------------------------------------------ */

render *rd_open(const rd_options *o, char *err, size_t errlen)
{
	render *r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->fits = calloc(RD_FIT_SLOTS, sizeof *r->fits);
	if (!r->fits) {
		snprintf(err, errlen, "out of memory");
		free(r);
		return NULL;
	}
	const char *drv = SDL_GetCurrentVideoDriver();
	int soft = drv && (strcmp(drv, "x11") == 0 || strcmp(drv, "offscreen") == 0 ||
			   strcmp(drv, "dummy") == 0 || strcmp(drv, "windows") == 0);
	const char *want = getenv("LOKET_RENDERER"); /* "software" or "gpu" */
	if (want && strcmp(want, "software") == 0)
		soft = 1;
	if (want && strcmp(want, "gpu") == 0)
		soft = 0;
	if (soft) {
		SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
		SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
	}
	Uint32 flags = SDL_WINDOW_SHOWN | SDL_WINDOW_ALLOW_HIGHDPI;
	int w = o->width, h = o->height;
	if (o->fullscreen || w <= 0 || h <= 0) {
		SDL_DisplayMode dm;
		if (SDL_GetDesktopDisplayMode(0, &dm) == 0) {
			if (w <= 0 || h <= 0) {
				w = dm.w;
				h = dm.h;
			}
		} else if (w <= 0 || h <= 0) {
			w = 800;
			h = 480;
		}
		if (o->fullscreen)
			flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
	}
	r->win = SDL_CreateWindow(o->title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h,
				  flags);
	if (!r->win) {
		snprintf(err, errlen, "cannot open a window (%s driver): %s", drv ? drv : "no",
			 SDL_GetError());
		goto fail;
	}
	r->ren = SDL_CreateRenderer(r->win, -1, soft ? SDL_RENDERER_SOFTWARE : 0);
	if (!r->ren && soft) {
		log_warn("software renderer failed (%s); trying the default one", SDL_GetError());
		SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "1");
		r->ren = SDL_CreateRenderer(r->win, -1, 0);
	}
	if (!r->ren) {
		snprintf(err, errlen, "cannot create a renderer: %s", SDL_GetError());
		goto fail;
	}
	SDL_SetRenderDrawBlendMode(r->ren, SDL_BLENDMODE_BLEND);
	if (o->hide_cursor)
		SDL_ShowCursor(SDL_DISABLE);
	if (load_faces(r, o->font_dir, err, errlen) != 0)
		goto fail;
	rd_resized(r);
	SDL_RendererInfo ri;
	if (SDL_GetRendererInfo(r->ren, &ri) == 0)
		log_info("video %s, renderer %s, %dx%d", drv ? drv : "?", ri.name, r->out_w,
			 r->out_h);
	return r;
fail:
	rd_close(r);
	return NULL;
}

render *rd_open_surface(int w, int h, const char *font_dir, char *err, size_t errlen)
{
	render *r = calloc(1, sizeof *r);
	if (!r || !(r->fits = calloc(RD_FIT_SLOTS, sizeof *r->fits))) {
		snprintf(err, errlen, "out of memory");
		free(r);
		return NULL;
	}
	r->surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 24, SDL_PIXELFORMAT_RGB24);
	r->ren = r->surf ? SDL_CreateSoftwareRenderer(r->surf) : NULL;
	if (!r->ren) {
		snprintf(err, errlen, "cannot draw off screen: %s", SDL_GetError());
		rd_close(r);
		return NULL;
	}
	SDL_SetRenderDrawBlendMode(r->ren, SDL_BLENDMODE_BLEND);
	if (load_faces(r, font_dir, err, errlen) != 0) {
		rd_close(r);
		return NULL;
	}
	r->win_w = r->out_w = w;
	r->win_h = r->out_h = h;
	return r;
}

void rd_close(render *r)
{
	if (!r)
		return;
	for (int i = 0; i < RD_TEX_SLOTS; i++)
		if (r->tex[i].tex)
			SDL_DestroyTexture(r->tex[i].tex);
	for (int i = 0; i < RD_MAX_FONTS; i++)
		if (r->fonts[i].font)
			TTF_CloseFont(r->fonts[i].font);
	for (int f = 0; f < FACE_COUNT; f++)
		SDL_free(r->face_data[f]);
	if (r->ren)
		SDL_DestroyRenderer(r->ren);
	if (r->win)
		SDL_DestroyWindow(r->win);
	if (r->surf)
		SDL_FreeSurface(r->surf);
	free(r->fits);
	free(r);
}

void rd_resized(render *r)
{
	if (!r->win)
		return; /* off screen: the surface does not change */
	SDL_GetWindowSize(r->win, &r->win_w, &r->win_h);
	if (SDL_GetRendererOutputSize(r->ren, &r->out_w, &r->out_h) != 0) {
		r->out_w = r->win_w;
		r->out_h = r->win_h;
	}
}

void rd_size(render *r, int *w, int *h)
{
	*w = r->out_w;
	*h = r->out_h;
}

void rd_scale_point(render *r, int *x, int *y)
{
	if (r->win_w > 0 && r->win_w != r->out_w)
		*x = *x * r->out_w / r->win_w;
	if (r->win_h > 0 && r->win_h != r->out_h)
		*y = *y * r->out_h / r->win_h;
}

/* --- shapes ------------------------------------------------------------ */

void rd_clear(render *r, rd_color c)
{
	set_color(r, c);
	SDL_RenderClear(r->ren);
}

void rd_fill(render *r, rd_rect a, rd_color c)
{
	SDL_Rect s = {a.x, a.y, a.w, a.h};
	set_color(r, c);
	SDL_RenderFillRect(r->ren, &s);
}

void rd_triangle(render *r, float x1, float y1, float x2, float y2, float x3, float y3, rd_color c)
{
	SDL_Color col = sdl_color(c);
	SDL_Vertex v[3] = {{{x1, y1}, col, {0, 0}}, {{x2, y2}, col, {0, 0}}, {{x3, y3}, col, {0, 0}}};
	SDL_RenderGeometry(r->ren, NULL, v, 3, NULL, 0);
}

/* A quarter disc as a fan of triangles (corner of a rounded rectangle). */
static void quarter(render *r, float cx, float cy, float rad, float a0, rd_color c)
{
	const int n = 8;
	SDL_Color col = sdl_color(c);
	SDL_Vertex v[3 * 8];
	for (int i = 0; i < n; i++) {
		float t0 = a0 + (float)M_PI / 2 * (float)i / n;
		float t1 = a0 + (float)M_PI / 2 * (float)(i + 1) / n;
		v[3 * i] = (SDL_Vertex){{cx, cy}, col, {0, 0}};
		v[3 * i + 1] = (SDL_Vertex){{cx + rad * cosf(t0), cy + rad * sinf(t0)}, col, {0, 0}};
		v[3 * i + 2] = (SDL_Vertex){{cx + rad * cosf(t1), cy + rad * sinf(t1)}, col, {0, 0}};
	}
	SDL_RenderGeometry(r->ren, NULL, v, 3 * n, NULL, 0);
}

void rd_round(render *r, rd_rect a, int rad, rd_color c)
{
	if (rad * 2 > a.w)
		rad = a.w / 2;
	if (rad * 2 > a.h)
		rad = a.h / 2;
	if (rad <= 1) {
		rd_fill(r, a, c);
		return;
	}
	/* The side strips reach one pixel into the corners: SDL's software
	 * rasteriser can leave the row where an arc meets a strip unpainted. */
	rd_fill(r, (rd_rect){a.x + rad, a.y, a.w - 2 * rad, a.h}, c);
	rd_fill(r, (rd_rect){a.x, a.y + rad - 1, rad, a.h - 2 * rad + 2}, c);
	rd_fill(r, (rd_rect){a.x + a.w - rad, a.y + rad - 1, rad, a.h - 2 * rad + 2}, c);
	float fr = (float)rad;
	quarter(r, (float)(a.x + rad), (float)(a.y + rad), fr, (float)M_PI, c);
	quarter(r, (float)(a.x + a.w - rad), (float)(a.y + rad), fr, (float)M_PI * 1.5f, c);
	quarter(r, (float)(a.x + a.w - rad), (float)(a.y + a.h - rad), fr, 0, c);
	quarter(r, (float)(a.x + rad), (float)(a.y + a.h - rad), fr, (float)M_PI / 2, c);
}

void rd_round_frame(render *r, rd_rect a, int rad, int t, rd_color c)
{
	/* Straight sides plus corner arcs drawn as rings segments. */
	if (rad * 2 > a.w)
		rad = a.w / 2;
	if (rad * 2 > a.h)
		rad = a.h / 2;
	if (rad < t)
		rad = t;
	/* As in rd_round, the sides overlap the corner arcs by a pixel. */
	rd_fill(r, (rd_rect){a.x + rad - 1, a.y, a.w - 2 * rad + 2, t}, c);
	rd_fill(r, (rd_rect){a.x + rad - 1, a.y + a.h - t, a.w - 2 * rad + 2, t}, c);
	rd_fill(r, (rd_rect){a.x, a.y + rad - 1, t, a.h - 2 * rad + 2}, c);
	rd_fill(r, (rd_rect){a.x + a.w - t, a.y + rad - 1, t, a.h - 2 * rad + 2}, c);
	SDL_Color col = sdl_color(c);
	const float cx[4] = {(float)(a.x + rad), (float)(a.x + a.w - rad), (float)(a.x + a.w - rad),
			     (float)(a.x + rad)};
	const float cy[4] = {(float)(a.y + rad), (float)(a.y + rad), (float)(a.y + a.h - rad),
			     (float)(a.y + a.h - rad)};
	const float a0[4] = {(float)M_PI, (float)M_PI * 1.5f, 0, (float)M_PI / 2};
	float ro = (float)rad, ri = (float)(rad - t);
	for (int k = 0; k < 4; k++) {
		SDL_Vertex v[6 * 8];
		for (int i = 0; i < 8; i++) {
			float t0 = a0[k] + (float)M_PI / 2 * (float)i / 8;
			float t1 = a0[k] + (float)M_PI / 2 * (float)(i + 1) / 8;
			SDL_FPoint o0 = {cx[k] + ro * cosf(t0), cy[k] + ro * sinf(t0)};
			SDL_FPoint o1 = {cx[k] + ro * cosf(t1), cy[k] + ro * sinf(t1)};
			SDL_FPoint i0 = {cx[k] + ri * cosf(t0), cy[k] + ri * sinf(t0)};
			SDL_FPoint i1 = {cx[k] + ri * cosf(t1), cy[k] + ri * sinf(t1)};
			v[6 * i + 0] = (SDL_Vertex){o0, col, {0, 0}};
			v[6 * i + 1] = (SDL_Vertex){o1, col, {0, 0}};
			v[6 * i + 2] = (SDL_Vertex){i0, col, {0, 0}};
			v[6 * i + 3] = (SDL_Vertex){i0, col, {0, 0}};
			v[6 * i + 4] = (SDL_Vertex){o1, col, {0, 0}};
			v[6 * i + 5] = (SDL_Vertex){i1, col, {0, 0}};
		}
		SDL_RenderGeometry(r->ren, NULL, v, 48, NULL, 0);
	}
}

void rd_line(render *r, float x1, float y1, float x2, float y2, float thick, rd_color c)
{
	float dx = x2 - x1, dy = y2 - y1;
	float len = sqrtf(dx * dx + dy * dy);
	if (len < 0.01f)
		return;
	float nx = -dy / len * thick / 2, ny = dx / len * thick / 2;
	SDL_Color col = sdl_color(c);
	SDL_Vertex v[6] = {
	    {{x1 + nx, y1 + ny}, col, {0, 0}}, {{x2 + nx, y2 + ny}, col, {0, 0}},
	    {{x2 - nx, y2 - ny}, col, {0, 0}}, {{x1 + nx, y1 + ny}, col, {0, 0}},
	    {{x2 - nx, y2 - ny}, col, {0, 0}}, {{x1 - nx, y1 - ny}, col, {0, 0}},
	};
	SDL_RenderGeometry(r->ren, NULL, v, 6, NULL, 0);
	/* round caps keep joints of polylines clean */
	rd_disc(r, x1, y1, thick / 2, c);
	rd_disc(r, x2, y2, thick / 2, c);
}

void rd_disc(render *r, float cx, float cy, float rad, rd_color c)
{
	if (rad < 0.5f)
		return;
	for (int q = 0; q < 4; q++)
		quarter(r, cx, cy, rad, (float)M_PI / 2 * (float)q, c);
}

void rd_ring(render *r, float cx, float cy, float rad, float thick, rd_color c)
{
	const int n = 48;
	SDL_Color col = sdl_color(c);
	SDL_Vertex v[6 * 48];
	float ro = rad, ri = rad - thick;
	for (int i = 0; i < n; i++) {
		float t0 = 2 * (float)M_PI * (float)i / n, t1 = 2 * (float)M_PI * (float)(i + 1) / n;
		SDL_FPoint o0 = {cx + ro * cosf(t0), cy + ro * sinf(t0)};
		SDL_FPoint o1 = {cx + ro * cosf(t1), cy + ro * sinf(t1)};
		SDL_FPoint i0 = {cx + ri * cosf(t0), cy + ri * sinf(t0)};
		SDL_FPoint i1 = {cx + ri * cosf(t1), cy + ri * sinf(t1)};
		v[6 * i + 0] = (SDL_Vertex){o0, col, {0, 0}};
		v[6 * i + 1] = (SDL_Vertex){o1, col, {0, 0}};
		v[6 * i + 2] = (SDL_Vertex){i0, col, {0, 0}};
		v[6 * i + 3] = (SDL_Vertex){i0, col, {0, 0}};
		v[6 * i + 4] = (SDL_Vertex){o1, col, {0, 0}};
		v[6 * i + 5] = (SDL_Vertex){i1, col, {0, 0}};
	}
	SDL_RenderGeometry(r->ren, NULL, v, 6 * n, NULL, 0);
}

void rd_present(render *r)
{
	SDL_RenderPresent(r->ren);
}

/* --- text -------------------------------------------------------------- */

typedef struct {
	int n;
	run runs[RD_MAX_RUNS];
	int w[RD_MAX_RUNS], face[RD_MAX_RUNS], asc[RD_MAX_RUNS], real_asc[RD_MAX_RUNS];
	int width, height, ascent;
} layout;

static void lay_out(render *r, const char *text, int px, int bold, int rtl, layout *L)
{
	memset(L, 0, sizeof *L);
	L->n = split_runs(text, rtl, L->runs, RD_MAX_RUNS);
	int desc = 0;
	char piece[RD_FIT_TEXT * 2];
	for (int i = 0; i < L->n; i++) {
		run *u = &L->runs[i];
		int len = u->len < (int)sizeof piece - 1 ? u->len : (int)sizeof piece - 1;
		memcpy(piece, text + u->start, (size_t)len);
		piece[len] = '\0';
		L->face[i] = face_for(r, u->rtl, bold);
		int w, h, asc, ra;
		run_size(r, piece, (size_t)len, L->face[i], px, &w, &h, &asc, &ra);
		L->w[i] = w;
		L->asc[i] = asc;
		L->real_asc[i] = ra;
		L->width += w;
		if (asc > L->ascent)
			L->ascent = asc;
		if (h - asc > desc)
			desc = h - asc;
	}
	L->height = L->ascent + desc;
	if (L->n == 0) {
		TTF_Font *f = font_get(r, face_for(r, 0, bold), px);
		L->height = f ? TTF_FontHeight(f) : px;
	}
}

void rd_text_size(render *r, const char *text, int px, int bold, int rtl, int *w, int *h)
{
	layout L;
	lay_out(r, text, px, bold, rtl, &L);
	*w = L.width;
	*h = L.height;
}

static SDL_Texture *run_texture(render *r, const char *piece, size_t len, int face, int px,
				rd_color c, int *w, int *h)
{
	uint64_t key = key_of(piece, len, px, face, (int)c, 0x7e7);
	int lru = 0;
	for (int i = 0; i < RD_TEX_SLOTS; i++) {
		tex_slot *s = &r->tex[i];
		if (s->tex && s->key == key) {
			s->used = ++r->tick;
			*w = s->w;
			*h = s->h;
			return s->tex;
		}
		if (!s->tex || (r->tex[lru].tex && s->used < r->tex[lru].used))
			lru = i;
	}
	TTF_Font *f = font_get(r, face, px);
	if (!f)
		return NULL;
	SDL_Surface *surf = TTF_RenderUTF8_Blended(f, piece, sdl_color(c));
	if (!surf)
		return NULL;
	SDL_Texture *t = SDL_CreateTextureFromSurface(r->ren, surf);
	*w = surf->w;
	*h = surf->h;
	SDL_FreeSurface(surf);
	if (!t)
		return NULL;
	tex_slot *s = &r->tex[lru];
	if (s->tex)
		SDL_DestroyTexture(s->tex);
	s->tex = t;
	s->key = key;
	s->w = *w;
	s->h = *h;
	s->used = ++r->tick;
	return t;
}

void rd_text(render *r, const char *text, int px, int bold, int rtl, int x, int y, rd_color c)
{
	layout L;
	lay_out(r, text, px, bold, rtl, &L);
	char piece[RD_FIT_TEXT * 2];
	int cx = rtl ? x + L.width : x;
	for (int i = 0; i < L.n; i++) {
		run *u = &L.runs[i];
		int len = u->len < (int)sizeof piece - 1 ? u->len : (int)sizeof piece - 1;
		memcpy(piece, text + u->start, (size_t)len);
		piece[len] = '\0';
		int tw, th;
		SDL_Texture *t = run_texture(r, piece, (size_t)len, L.face[i], px, c, &tw, &th);
		int rx = rtl ? cx - L.w[i] : cx;
		if (t) {
			SDL_Rect d = {rx, y + (L.ascent - L.real_asc[i]), tw, th};
			SDL_RenderCopy(r->ren, t, NULL, &d);
		}
		cx = rtl ? cx - L.w[i] : cx + L.w[i];
	}
}

static const int ladder[] = {12,  13,  14,  15,  16,  17,  18,  20,  22,  24,  26,  28,
			     30,  32,  35,  38,  41,  44,  48,  52,  56,  60,  65,  70,
			     76,  82,  88,  95,  102, 110, 120, 130, 140, 152, 165, 180,
			     195, 210, 230, 250, 270, 290, 315, 340, 370, 400, 440, 480};

static int fits_one(render *r, const char *t, int px, int bold, int rtl, int w, int h, int *tw,
		    int *th)
{
	rd_text_size(r, t, px, bold, rtl, tw, th);
	return *tw <= w && *th <= h;
}

void rd_fit(render *r, const char *text, int w, int h, int max_px, int min_px, int bold, int rtl,
	    int allow_wrap, rd_fit_result *out)
{
	uint64_t key = key_of(text, strlen(text), w * 65536 + h, max_px * 1024 + min_px,
			      bold * 4 + rtl * 2 + allow_wrap, 0xf17);
	fit_slot *slot = &r->fits[key % RD_FIT_SLOTS];
	if (slot->key == key) {
		*out = slot->res;
		return;
	}
	memset(out, 0, sizeof *out);
	snprintf(out->line[0], RD_FIT_TEXT, "%s", text);
	out->nlines = 1;
	int nsizes = (int)(sizeof ladder / sizeof *ladder);
	if (min_px < ladder[0])
		min_px = ladder[0];
	for (int k = nsizes - 1; k >= 0; k--) {
		int px = ladder[k];
		if (px > max_px)
			continue;
		if (px < min_px)
			break;
		int tw, th;
		if (fits_one(r, text, px, bold, rtl, w, h, &tw, &th)) {
			out->px = px;
			out->line_w[0] = tw;
			out->line_h = th;
			out->w = tw;
			out->h = th;
			goto done;
		}
		if (!allow_wrap || 2 * th > h)
			continue;
		/* the split at a space that balances the two lines best */
		size_t n = strlen(text);
		int best = -1, best_w = 1 << 30, bw0 = 0, bw1 = 0;
		for (size_t i = 1; i + 1 < n && i < RD_FIT_TEXT - 1; i++) {
			if (text[i] != ' ')
				continue;
			char a[RD_FIT_TEXT], b[RD_FIT_TEXT];
			memcpy(a, text, i);
			a[i] = '\0';
			snprintf(b, sizeof b, "%s", text + i + 1);
			int w0, h0, w1, h1;
			rd_text_size(r, a, px, bold, rtl, &w0, &h0);
			rd_text_size(r, b, px, bold, rtl, &w1, &h1);
			int m = w0 > w1 ? w0 : w1;
			if (m < best_w) {
				best_w = m;
				best = (int)i;
				bw0 = w0;
				bw1 = w1;
			}
		}
		if (best > 0 && best_w <= w) {
			out->px = px;
			out->nlines = 2;
			memcpy(out->line[0], text, (size_t)best);
			out->line[0][best] = '\0';
			snprintf(out->line[1], RD_FIT_TEXT, "%s", text + best + 1);
			out->line_w[0] = bw0;
			out->line_w[1] = bw1;
			out->line_h = th;
			out->w = best_w;
			out->h = 2 * th;
			goto done;
		}
	}
	/* Nothing fits: the smallest size, one line, cut at a character
	 * boundary with an ellipsis until it fits. */
	{
		int px = min_px;
		char buf[RD_FIT_TEXT];
		size_t n = strlen(text);
		if (n >= sizeof buf - 4)
			n = sizeof buf - 4;
		int tw = 0, th = 0;
		while (n > 0) {
			while (n > 0 && (text[n] & 0xc0) == 0x80)
				n--;
			if (n == 0)
				break;
			memcpy(buf, text, n);
			memcpy(buf + n, "\xe2\x80\xa6", 4); /* … */
			if (fits_one(r, buf, px, bold, rtl, w, h, &tw, &th))
				break;
			n--;
		}
		if (n == 0) {
			buf[0] = '\0';
			tw = 0;
			rd_text_size(r, "", px, bold, rtl, &tw, &th);
			tw = 0;
			if (th > h)
				th = h;
		}
		snprintf(out->line[0], RD_FIT_TEXT, "%s", buf);
		out->px = px;
		out->line_w[0] = tw;
		out->line_h = th;
		out->w = tw;
		out->h = th;
		out->truncated = 1;
	}
done:
	slot->key = key;
	slot->res = *out;
}

rd_rect rd_draw_fit(render *r, const rd_fit_result *f, rd_rect box, int align, int bold, int rtl,
		    rd_color c, int draw)
{
	int y = box.y + (box.h - f->h) / 2;
	rd_rect ext = {0, y, 0, f->h};
	int minx = 1 << 30, maxx = -(1 << 30);
	for (int i = 0; i < f->nlines; i++) {
		int lw = f->line_w[i];
		int x = align == RD_CENTER ? box.x + (box.w - lw) / 2
		      : align == RD_END	   ? box.x + box.w - lw
					   : box.x;
		if (draw && f->line[i][0])
			rd_text(r, f->line[i], f->px, bold, rtl, x, y + i * f->line_h, c);
		if (x < minx)
			minx = x;
		if (x + lw > maxx)
			maxx = x + lw;
	}
	if (maxx < minx)
		minx = maxx = box.x + box.w / 2;
	ext.x = minx;
	ext.w = maxx - minx;
	return ext;
}

/* --- screenshots ------------------------------------------------------- */

int rd_read_rgb(render *r, uint8_t **rgb, int *w, int *h)
{
	*w = r->out_w;
	*h = r->out_h;
	size_t n = (size_t)*w * (size_t)*h * 3;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return -1;
	if (SDL_RenderReadPixels(r->ren, NULL, SDL_PIXELFORMAT_RGB24, buf, *w * 3) != 0) {
		log_error("cannot read the frame: %s", SDL_GetError());
		free(buf);
		return -1;
	}
	*rgb = buf;
	return 0;
}
