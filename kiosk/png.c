/*
 * png — a minimal PNG encoder: signature, IHDR, one IDAT (zlib, level 6)
 * and IEND. Rows are stored unfiltered (filter byte 0).
 */
#include "png.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len)
{
	uint8_t hdr[8];
	be32(hdr, len);
	memcpy(hdr + 4, type, 4);
	uLong crc = crc32(0, hdr + 4, 4);
	if (len)
		crc = crc32(crc, data, len);
	uint8_t tail[4];
	be32(tail, (uint32_t)crc);
	if (fwrite(hdr, 1, 8, f) != 8 || (len && fwrite(data, 1, len, f) != len) ||
	    fwrite(tail, 1, 4, f) != 4)
		return -1;
	return 0;
}

int png_write_rgb(const char *path, const uint8_t *rgb, int w, int h)
{
	int rc = -1;
	size_t row = (size_t)w * 3 + 1;
	size_t raw_len = row * (size_t)h;
	uint8_t *raw = malloc(raw_len ? raw_len : 1);
	uLongf zlen = compressBound((uLong)raw_len);
	uint8_t *z = malloc(zlen);
	FILE *f = NULL;
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (!raw || !z) {
		errno = ENOMEM;
		goto out;
	}
	for (int y = 0; y < h; y++) {
		raw[row * (size_t)y] = 0;
		memcpy(raw + row * (size_t)y + 1, rgb + (size_t)y * (size_t)w * 3, (size_t)w * 3);
	}
	if (compress2(z, &zlen, raw, (uLong)raw_len, 6) != Z_OK) {
		errno = EIO;
		goto out;
	}
	f = fopen(tmp, "wb");
	if (!f)
		goto out;
	static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	uint8_t ihdr[13];
	be32(ihdr, (uint32_t)w);
	be32(ihdr + 4, (uint32_t)h);
	ihdr[8] = 8;  /* bit depth */
	ihdr[9] = 2;  /* colour type RGB */
	ihdr[10] = 0; /* deflate */
	ihdr[11] = 0; /* adaptive filtering (we use filter 0 throughout) */
	ihdr[12] = 0; /* no interlace */
	if (fwrite(sig, 1, 8, f) != 8 || chunk(f, "IHDR", ihdr, 13) != 0 ||
	    chunk(f, "IDAT", z, (uint32_t)zlen) != 0 || chunk(f, "IEND", NULL, 0) != 0)
		goto out;
	if (fclose(f) != 0) {
		f = NULL;
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) != 0)
		goto out;
	rc = 0;
out:
	if (f)
		fclose(f);
	if (rc != 0)
		remove(tmp);
	free(raw);
	free(z);
	return rc;
}
