/*
 * escpos_check — the virtual ticket printer of the tests: reads the bytes
 * a kiosk sent to its printer (a "printer" whose device is a file), checks
 * the command stream the way a printer would, and turns each ticket's
 * raster back into a PNG to look at.
 *
 *   escpos_check FILE OUT-PREFIX      writes OUT-PREFIX-1.png, -2.png, ...
 *
 * Allowed, in this order per ticket: ESC @ (initialise), one or more
 * GS v 0 raster blocks (mode 0, width 1..80 bytes, 1..2047 rows, all of
 * the same width), ESC d n (feed, n <= 10), GS V 66 n or GS V 1 (cut).
 * Anything else — an unknown byte, a truncated command, a raster after the
 * cut, a ticket without one — is what a printer would reject or print as
 * garbage: one line naming the offset, and exit 1. Prints "N tickets"
 * and, per ticket, its size in dots and how much of it is ink.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int problems;

static void problem(size_t off, const char *what)
{
	printf("offset %zu: %s\n", off, what);
	problems++;
}

static void be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int chunk(FILE *f, const char *type, const unsigned char *data, uint32_t n)
{
	unsigned char h[8];
	be32(h, n);
	memcpy(h + 4, type, 4);
	uLong crc = crc32(0, (const Bytef *)type, 4);
	crc = crc32(crc, data, n);
	unsigned char c[4];
	be32(c, (uint32_t)crc);
	return fwrite(h, 8, 1, f) != 1 || (n && fwrite(data, n, 1, f) != 1) ||
	       fwrite(c, 4, 1, f) != 1;
}

/* The 1-bit raster (1 = ink) as an 8-bit grey PNG, ink black. */
static int write_png(const char *path, const uint8_t *bits, int bpr, int rows)
{
	int w = bpr * 8;
	size_t raw_n = (size_t)rows * (size_t)(w + 1);
	unsigned char *raw = malloc(raw_n);
	uLongf zn = compressBound((uLong)raw_n);
	unsigned char *z = malloc(zn);
	if (!raw || !z) {
		free(raw);
		free(z);
		return -1;
	}
	for (int y = 0; y < rows; y++) {
		unsigned char *r = raw + (size_t)y * (size_t)(w + 1);
		r[0] = 0;
		for (int x = 0; x < w; x++)
			r[1 + x] = (bits[(size_t)y * (size_t)bpr + (size_t)(x / 8)] & (0x80 >> (x % 8)))
				       ? 0
				       : 255;
	}
	int rc = compress2(z, &zn, raw, (uLong)raw_n, 6) != Z_OK;
	FILE *f = rc ? NULL : fopen(path, "wb");
	if (f) {
		unsigned char ihdr[13];
		be32(ihdr, (uint32_t)w);
		be32(ihdr + 4, (uint32_t)rows);
		ihdr[8] = 8;  /* bit depth */
		ihdr[9] = 0;  /* grey */
		ihdr[10] = 0; /* deflate */
		ihdr[11] = 0;
		ihdr[12] = 0;
		rc = fwrite("\x89PNG\r\n\x1a\n", 8, 1, f) != 1 || chunk(f, "IHDR", ihdr, 13) ||
		     chunk(f, "IDAT", z, (uint32_t)zn) || chunk(f, "IEND", NULL, 0);
		rc = fclose(f) != 0 || rc;
	} else {
		rc = 1;
	}
	free(raw);
	free(z);
	return rc ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: escpos_check FILE OUT-PREFIX\n");
		return 64;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	size_t cap = 1 << 20, n = 0;
	uint8_t *b = malloc(cap);
	size_t got;
	while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *nb = realloc(b, cap *= 2);
			if (!nb) {
				free(b);
				b = NULL;
			}
			b = nb;
		}
	}
	fclose(f);
	if (!b) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	int tickets = 0, in_ticket = 0, bpr = 0, rows = 0;
	uint8_t *img = NULL;
	size_t i = 0;
	while (i < n) {
		size_t at = i;
		if (b[i] == 0x1b && i + 1 < n && b[i + 1] == 0x40) { /* ESC @ */
			if (in_ticket)
				problem(at, "initialise inside a ticket (no cut before it)");
			in_ticket = 1;
			bpr = rows = 0;
			free(img);
			img = NULL;
			i += 2;
		} else if (b[i] == 0x1d && i + 7 < n && b[i + 1] == 0x76 && b[i + 2] == 0x30) {
			int m = b[i + 3], xb = b[i + 4] | b[i + 5] << 8, yr = b[i + 6] | b[i + 7] << 8;
			if (!in_ticket)
				problem(at, "a raster before ESC @");
			if (m != 0 || xb < 1 || xb > 80 || yr < 1 || yr > 2047) {
				problem(at, "a raster with an impossible mode or size");
				break;
			}
			if (bpr && xb != bpr)
				problem(at, "raster blocks of different widths in one ticket");
			if (i + 8 + (size_t)xb * (size_t)yr > n) {
				problem(at, "a raster cut short");
				break;
			}
			uint8_t *ni = realloc(img, (size_t)xb * (size_t)(rows + yr));
			if (!ni)
				break;
			img = ni;
			memcpy(img + (size_t)xb * (size_t)rows, b + i + 8, (size_t)xb * (size_t)yr);
			bpr = xb;
			rows += yr;
			i += 8 + (size_t)xb * (size_t)yr;
		} else if (b[i] == 0x1b && i + 2 < n && b[i + 1] == 0x64) { /* ESC d n */
			if (b[i + 2] > 10)
				problem(at, "a feed of more than 10 lines");
			i += 3;
		} else if (b[i] == 0x1d && i + 2 < n && b[i + 1] == 0x56 &&
			   (b[i + 2] == 0 || b[i + 2] == 1 || ((b[i + 2] == 65 || b[i + 2] == 66) &&
							      i + 3 < n))) { /* GS V: cut */
			if (!in_ticket || !rows)
				problem(at, "a cut without a ticket printed before it");
			else {
				tickets++;
				char path[4096];
				snprintf(path, sizeof path, "%s-%d.png", argv[2], tickets);
				long ink = 0;
				for (size_t k = 0; k < (size_t)bpr * (size_t)rows; k++)
					ink += __builtin_popcount(img[k]);
				if (write_png(path, img, bpr, rows) != 0)
					problem(at, "cannot write the PNG");
				printf("ticket %d: %d x %d dots, %.1f%% ink, %s\n", tickets, bpr * 8, rows,
				       100.0 * (double)ink / ((double)bpr * 8 * rows), path);
			}
			in_ticket = 0;
			i += b[i + 2] >= 65 ? 4 : 3;
		} else {
			char what[64];
			snprintf(what, sizeof what, "byte 0x%02x is no command a ticket uses", b[i]);
			problem(at, what);
			break;
		}
	}
	if (in_ticket)
		problem(n, "the last ticket has no cut");
	printf("%d tickets\n", tickets);
	free(img);
	free(b);
	return problems ? 1 : 0;
}
