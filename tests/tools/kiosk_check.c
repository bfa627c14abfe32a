/*
 * kiosk_check — checks a kiosk dump (and its screenshot) the way a careful
 * person would look at the screen:
 *
 *   kiosk_check DUMP.json W H [SHOT.png]
 *
 *  - every control lies inside the W x H window;
 *  - every label's measured text (text_rect) lies inside its control;
 *  - no two controls overlap;
 *  - every tap target is at least 88 x 88 pixels;
 *  - every label has a contrast of at least 7:1 against its background
 *    (WCAG relative luminance, from the dump's "fg" and "bg");
 *  - control ids are unique;
 *  - no text is smaller than 18 px, and none is cut short ("cut" in the
 *    dump: it did not fit even at its smallest size and ends in "…");
 *  - one type scale: controls of one row (the same top and height, both
 *    targets or both labels) have one text size;
 *  - the screenshot has the window's size and is not blank (the spread of
 *    its luminance is real).
 *
 * Prints one line per problem and exits 1 if there was any. The PNG reader
 * handles what kiosk/png.c writes (8-bit RGB, unfiltered rows).
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MIN_TARGET   88
#define MIN_CONTRAST 7.0
#define MIN_PX	     18

static int problems;

static void problem(const char *file, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(const char *file, const char *id, const char *fmt, ...)
{
	va_list ap;
	printf("%s: %s: ", file, id);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	problems++;
}

static double channel(unsigned v)
{
	double c = v / 255.0;
	return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double luminance(unsigned rgb)
{
	return 0.2126 * channel((rgb >> 16) & 255) + 0.7152 * channel((rgb >> 8) & 255) +
	       0.0722 * channel(rgb & 255);
}

static double contrast(unsigned a, unsigned b)
{
	double la = luminance(a), lb = luminance(b);
	if (la < lb) {
		double t = la;
		la = lb;
		lb = t;
	}
	return (la + 0.05) / (lb + 0.05);
}

static int rect_of(json_t *v, int r[4])
{
	if (!json_is_array(v) || json_array_size(v) != 4)
		return -1;
	for (int i = 0; i < 4; i++)
		r[i] = (int)json_integer_value(json_array_get(v, (size_t)i));
	return 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void check_png(const char *path, int W, int H)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		problem(path, "shot", "cannot open");
		return;
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *d = malloc((size_t)n);
	if (!d || fread(d, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(d);
		problem(path, "shot", "cannot read");
		return;
	}
	fclose(f);
	unsigned char *idat = NULL;
	size_t idat_len = 0;
	int w = 0, h = 0;
	for (long off = 8; off + 12 <= n;) {
		uint32_t len = be32(d + off);
		if ((long)len > n - off - 12)
			break;
		const unsigned char *type = d + off + 4;
		if (memcmp(type, "IHDR", 4) == 0) {
			w = (int)be32(d + off + 8);
			h = (int)be32(d + off + 12);
		} else if (memcmp(type, "IDAT", 4) == 0) {
			unsigned char *ni = realloc(idat, idat_len + len);
			if (!ni)
				break;
			idat = ni;
			memcpy(idat + idat_len, d + off + 8, len);
			idat_len += len;
		}
		off += 12 + (long)len;
	}
	free(d);
	if (w != W || h != H) {
		printf("%s: shot: size %dx%d, window %dx%d\n", path, w, h, W, H);
		problems++;
		free(idat);
		return;
	}
	uLongf raw_len = (uLongf)((size_t)w * 3 + 1) * (uLongf)h;
	unsigned char *raw = malloc(raw_len);
	if (!raw || uncompress(raw, &raw_len, idat, (uLong)idat_len) != Z_OK) {
		problem(path, "shot", "cannot inflate");
		free(raw);
		free(idat);
		return;
	}
	double sum = 0, sum2 = 0;
	long cnt = 0;
	for (int y = 0; y < h; y += 2) {
		const unsigned char *row = raw + (size_t)y * ((size_t)w * 3 + 1);
		if (row[0] != 0) {
			problem(path, "shot", "unexpected PNG filter");
			break;
		}
		for (int x = 0; x < w; x += 2) {
			const unsigned char *p = row + 1 + 3 * x;
			double l = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
			sum += l;
			sum2 += l * l;
			cnt++;
		}
	}
	double mean = sum / (double)cnt, sd = sqrt(sum2 / (double)cnt - mean * mean);
	if (sd < 12)
		problem(path, "shot", "looks blank (luminance spread %.1f)", sd);
	free(raw);
	free(idat);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: kiosk_check DUMP.json W H [SHOT.png]\n");
		return 64;
	}
	const char *file = argv[1];
	int W = (int)strtol(argv[2], NULL, 10), H = (int)strtol(argv[3], NULL, 10);
	json_error_t e;
	json_t *root = json_load_file(file, 0, &e);
	if (!json_is_array(root)) {
		printf("%s: not a JSON array: %s\n", file, e.text);
		json_decref(root);
		return 1;
	}
	size_t n = json_array_size(root);
	if (n == 0)
		problem(file, "-", "no controls at all");
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(root, i);
		const char *id = json_string_value(json_object_get(c, "id"));
		const char *label = json_string_value(json_object_get(c, "label"));
		int r[4], t[4];
		if (!id || !label || rect_of(json_object_get(c, "rect"), r) ||
		    rect_of(json_object_get(c, "text_rect"), t)) {
			problem(file, id ? id : "?", "malformed entry");
			continue;
		}
		if (r[0] < 0 || r[1] < 0 || r[0] + r[2] > W || r[1] + r[3] > H)
			problem(file, id, "outside the window [%d %d %d %d]", r[0], r[1], r[2], r[3]);
		if (label[0] && t[2] > 0 &&
		    (t[0] < r[0] - 1 || t[1] < r[1] - 1 || t[0] + t[2] > r[0] + r[2] + 1 ||
		     t[1] + t[3] > r[1] + r[3] + 1)) {
			printf("%s: %s: label \"%s\" [%d %d %d %d] overflows its control [%d %d %d "
			       "%d]\n",
			       file, id, label, t[0], t[1], t[2], t[3], r[0], r[1], r[2], r[3]);
			problems++;
		}
		if (label[0] && t[2] == 0)
			problem(file, id, "label \"%s\" not drawn (does not fit at all)", label);
		if (json_is_true(json_object_get(c, "tap")) && (r[2] < MIN_TARGET || r[3] < MIN_TARGET))
			problem(file, id, "target %dx%d, smaller than 88 px", r[2], r[3]);
		int px = (int)json_integer_value(json_object_get(c, "px"));
		int tap = json_is_true(json_object_get(c, "tap"));
		if (label[0] && px > 0 && px < MIN_PX)
			problem(file, id, "text \"%s\" at %d px, smaller than %d px", label, px,
				MIN_PX);
		if (json_is_true(json_object_get(c, "cut")))
			problem(file, id, "text \"%s\" cut short: it does not fit", label);
		const char *fg = json_string_value(json_object_get(c, "fg"));
		const char *bg = json_string_value(json_object_get(c, "bg"));
		if (label[0] && fg && bg && fg[0] == '#' && bg[0] == '#') {
			unsigned f = (unsigned)strtoul(fg + 1, NULL, 16);
			unsigned b = (unsigned)strtoul(bg + 1, NULL, 16);
			double cr = contrast(f, b);
			if (cr < MIN_CONTRAST)
				problem(file, id, "contrast %.2f:1 below 7:1", cr);
		}
		for (size_t j = i + 1; j < n; j++) {
			json_t *d = json_array_get(root, j);
			const char *id2 = json_string_value(json_object_get(d, "id"));
			int q[4];
			if (!id2 || rect_of(json_object_get(d, "rect"), q))
				continue;
			if (strcmp(id, id2) == 0)
				problem(file, id, "id used twice");
			const char *label2 = json_string_value(json_object_get(d, "label"));
			int px2 = (int)json_integer_value(json_object_get(d, "px"));
			if (label[0] && label2 && label2[0] && px > 0 && px2 > 0 && px != px2 &&
			    q[1] == r[1] && q[3] == r[3] &&
			    tap == json_is_true(json_object_get(d, "tap")))
				problem(file, id, "%d px beside %s at %d px in one row", px, id2, px2);
			int ox = (r[0] + r[2] < q[0] + q[2] ? r[0] + r[2] : q[0] + q[2]) -
				 (r[0] > q[0] ? r[0] : q[0]);
			int oy = (r[1] + r[3] < q[1] + q[3] ? r[1] + r[3] : q[1] + q[3]) -
				 (r[1] > q[1] ? r[1] : q[1]);
			if (ox > 0 && oy > 0) {
				printf("%s: %s overlaps %s\n", file, id, id2);
				problems++;
			}
		}
	}
	json_decref(root);
	if (argc > 4)
		check_png(argv[4], W, H);
	return problems ? 1 : 0;
}
