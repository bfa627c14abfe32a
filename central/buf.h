/*
 * buf — a growable byte buffer with a hard cap from birth (after curl's
 * dynbuf). Everything central reads from the network or writes back goes
 * through one, so no outside input can make a buffer grow without bound.
 *
 * buf_add() and buf_printf() return 0, or -1 when the cap would be passed
 * or memory ran out; the buffer is then left as it was (a caller may still
 * free it). The contents are always NUL-terminated (the NUL is not counted
 * in len and does not count against the cap).
 */
#ifndef CENTRAL_BUF_H
#define CENTRAL_BUF_H

#include <stddef.h>

typedef struct {
	char *data; /* NULL until the first byte, else NUL-terminated */
	size_t len, alloc, cap;
} buf;

void buf_init(buf *b, size_t cap);
void buf_free(buf *b);
void buf_reset(buf *b); /* len = 0, keeps the memory */
int buf_add(buf *b, const void *data, size_t len);
int buf_adds(buf *b, const char *s);
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s with HTML's five special characters escaped. */
int buf_add_html(buf *b, const char *s);

/* Hands the memory over: returns data (caller frees) and leaves b empty. */
char *buf_take(buf *b, size_t *len);

#endif
