/*
 * buf — see buf.h. Growth doubles, so appending n bytes costs O(n) amortised.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf *b, size_t cap)
{
	b->data = NULL;
	b->len = b->alloc = 0;
	b->cap = cap;
}

void buf_free(buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->alloc = 0;
}

void buf_reset(buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int buf_grow(buf *b, size_t need)
{
	if (need > b->cap)
		return -1;
	if (need + 1 <= b->alloc)
		return 0;
	size_t a = b->alloc ? b->alloc : 256;
	while (a < need + 1)
		a *= 2;
	if (a > b->cap + 1)
		a = b->cap + 1;
	char *p = realloc(b->data, a);
	if (!p)
		return -1;
	b->data = p;
	b->alloc = a;
	return 0;
}

int buf_add(buf *b, const void *data, size_t len)
{
	if (len > b->cap - b->len || buf_grow(b, b->len + len))
		return -1;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_adds(buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_printf(buf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof small)
		return buf_add(b, small, (size_t)n);
	if ((size_t)n > b->cap - b->len || buf_grow(b, b->len + (size_t)n))
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int buf_add_html(buf *b, const char *s)
{
	const char *run = s;
	for (; *s; s++) {
		const char *rep = NULL;
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		if (buf_add(b, run, (size_t)(s - run)) || buf_adds(b, rep))
			return -1;
		run = s + 1;
	}
	return buf_add(b, run, (size_t)(s - run));
}

char *buf_take(buf *b, size_t *len)
{
	char *d = b->data;
	if (len)
		*len = b->len;
	if (!d) {
		d = malloc(1);
		if (d)
			d[0] = '\0';
	}
	b->data = NULL;
	b->len = b->alloc = 0;
	return d;
}
