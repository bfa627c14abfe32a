/*
 * batch — see batch.h.
 */
#include "batch.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int reserve(char **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	if (need > SYNC_BATCH_MAX)
		return -1;
	size_t c = *cap ? *cap : 64 * 1024;
	while (c < need)
		c *= 2;
	if (c > SYNC_BATCH_MAX)
		c = SYNC_BATCH_MAX;
	char *p = realloc(*buf, c);
	if (!p)
		return -1;
	*buf = p;
	*cap = c;
	return 0;
}

static int append(sync_batch *b, const char *s, size_t len)
{
	if (reserve(&b->json, &b->json_cap, b->json_len + len))
		return -1;
	memcpy(b->json + b->json_len, s, len);
	b->json_len += len;
	return 0;
}

typedef struct {
	sync_batch *b;
	int64_t expect; /* the seq that must come next */
	int oom;
} fill_ctx;

static int add_event(void *arg, int64_t seq, const char *json, size_t len)
{
	fill_ctx *c = arg;
	sync_batch *b = c->b;
	if (seq != c->expect) {
		/* Only a purge can remove events, and it never touches an
		 * unacknowledged one; a hole here means acked_through was moved
		 * back (409) below what the site still holds. Send up to the
		 * hole, and let the caller report it. */
		b->gap = 1;
		if (b->n > 0)
			return 1;
	}
	if (append(b, b->n ? "," : "", b->n ? 1 : 0) || append(b, json, len)) {
		c->oom = 1;
		return 1;
	}
	if (b->n == 0)
		b->first = seq;
	b->last = seq;
	b->n++;
	c->expect = seq + 1;
	return 0;
}

store_status sync_batch_fill(sync_batch *b, store *st, int64_t after, int max_events,
			     size_t max_bytes)
{
	static const char head[] = "{\"events\":[", tail[] = "]}";
	b->json_len = 0;
	b->gz_len = 0;
	b->n = 0;
	b->gap = 0;
	b->first = b->last = after;
	if (append(b, head, sizeof head - 1))
		return STORE_IO;
	fill_ctx c = {b, after + 1, 0};
	int64_t last;
	store_status ss =
	    store_events_after(st, after, max_events, max_bytes, add_event, &c, &last);
	if (ss != STORE_OK)
		return ss;
	if (c.oom || append(b, tail, sizeof tail - 1))
		return STORE_IO;
	return STORE_OK;
}

int sync_batch_gzip(sync_batch *b, int level)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	/* 15 + 16: a gzip header and trailer around the deflate stream, which
	 * is what Content-Encoding: gzip means. */
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	size_t bound = deflateBound(&z, (uLong)b->json_len) + 32;
	if (reserve((char **)&b->gz, &b->gz_cap, bound)) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)b->json;
	z.avail_in = (uInt)b->json_len;
	z.next_out = b->gz;
	z.avail_out = (uInt)b->gz_cap;
	int zrc = deflate(&z, Z_FINISH);
	b->gz_len = z.total_out;
	deflateEnd(&z);
	return zrc == Z_STREAM_END ? 0 : -1;
}

void sync_batch_free(sync_batch *b)
{
	free(b->json);
	free(b->gz);
	memset(b, 0, sizeof *b);
}
