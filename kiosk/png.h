/*
 * png — writes an 8-bit RGB PNG with zlib (screenshots for tests and docs).
 * Every row uses filter 0 ("none"), so tests/tools/kiosk_check.c can read
 * the files back with the same few lines.
 */
#ifndef KIOSK_PNG_H
#define KIOSK_PNG_H

#include <stdint.h>

/* Writes w x h packed RGB pixels to path. Returns 0, or -1 with errno set
 * (nothing half-written is left under path: written to a temporary name and
 * renamed). */
int png_write_rgb(const char *path, const uint8_t *rgb, int w, int h);

#endif
