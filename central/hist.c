/*
 * hist — see hist.h. Every loop runs over the buckets or over the bytes
 * of one blob.
 */
#include "hist.h"

void hist_add_ms(hist *h, int64_t ms)
{
	int64_t m = ms < 0 ? 0 : (ms + 30000) / 60000;
	h->n[m < HIST_LAST ? m : HIST_LAST]++;
	h->total++;
}

void hist_sub_ms(hist *h, int64_t ms)
{
	int64_t m = ms < 0 ? 0 : (ms + 30000) / 60000;
	h->n[m < HIST_LAST ? m : HIST_LAST]--;
	h->total--;
}

void hist_add(hist *d, const hist *s)
{
	for (int i = 0; i < HIST_BUCKETS; i++)
		d->n[i] += s->n[i];
	d->total += s->total;
}

size_t hist_encode(const hist *h, unsigned char *out)
{
	size_t len = 0;
	for (int i = 0; i < HIST_BUCKETS; i++) {
		uint32_t c = h->n[i];
		if (!c)
			continue;
		out[len++] = (unsigned char)i;
		do {
			unsigned char b = c & 0x7f;
			c >>= 7;
			out[len++] = c ? (unsigned char)(b | 0x80) : b;
		} while (c);
	}
	return len;
}

/* Adds (sign 1) or takes out (-1) the stored form blob[0..len) to h. */
static int merge(hist *h, const void *blob, size_t len, int sign)
{
	const unsigned char *p = blob;
	size_t i = 0;
	while (i < len) {
		unsigned bucket = p[i++];
		if (i < len && p[i] < 0x80 && bucket < HIST_BUCKETS) {
			/* most counts are one byte */
			uint32_t c = p[i++];
			h->n[bucket] += sign > 0 ? c : (uint32_t)-c;
			h->total += sign > 0 ? (uint64_t)c : (uint64_t) - (uint64_t)c;
			continue;
		}
		uint32_t c = 0;
		int shift = 0, end = 0;
		while (i < len && shift < 35) {
			unsigned char b = p[i++];
			c |= (uint32_t)(b & 0x7f) << shift;
			shift += 7;
			if (!(b & 0x80)) {
				end = 1;
				break;
			}
		}
		if (!end || bucket >= HIST_BUCKETS)
			return -1;
		/* Unsigned: what is taken out before it was added wraps and
		 * comes back exactly. */
		h->n[bucket] += sign > 0 ? c : (uint32_t)-c;
		h->total += sign > 0 ? (uint64_t)c : (uint64_t) - (uint64_t)c;
	}
	return 0;
}

int hist_merge_blob(hist *h, const void *blob, size_t len)
{
	return merge(h, blob, len, 1);
}

int hist_unmerge_blob(hist *h, const void *blob, size_t len)
{
	return merge(h, blob, len, -1);
}

int64_t hist_pct(const hist *h, int p)
{
	if (!h->total)
		return -1;
	uint64_t rank = (h->total * (uint64_t)p + 99) / 100;
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (int i = 0; i < HIST_BUCKETS; i++) {
		seen += h->n[i];
		if (seen >= rank)
			return (int64_t)i * 60000;
	}
	return (int64_t)HIST_LAST * 60000; /* cannot be: total is the sum */
}
