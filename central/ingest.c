/*
 * ingest — see ingest.h.
 *
 * Cutting out an event's verbatim text: jansson has already accepted the
 * whole document (valid JSON, valid UTF-8, no duplicate keys), so a small
 * scanner that only tracks strings and bracket depth finds the spans of the
 * "events" array's elements reliably. The scanner is still written to stop
 * at the end of the buffer whatever the input, and any surprise (a count
 * that does not match jansson's) falls back to re-encoding.
 */
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int ingest_gunzip(const void *in, size_t inlen, buf *out, char *err, size_t errlen)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		snprintf(err, errlen, "cannot inflate: out of memory");
		return INGEST_TOO_LARGE;
	}
	int rc = INGEST_OK;
	unsigned char chunk[16384];
	z.next_in = (unsigned char *)(uintptr_t)in;
	size_t left = inlen;
	int ended = 0;
	for (;;) {
		if (z.avail_in == 0 && left > 0) {
			z.avail_in = left > (1u << 30) ? (1u << 30) : (unsigned)left;
			left -= z.avail_in;
		}
		z.next_out = chunk;
		z.avail_out = sizeof chunk;
		int zr = inflate(&z, Z_NO_FLUSH);
		size_t got = sizeof chunk - z.avail_out;
		if (got && buf_add(out, chunk, got)) {
			snprintf(err, errlen, "body: larger than %zu bytes once inflated",
				 out->cap);
			rc = INGEST_TOO_LARGE;
			break;
		}
		if (zr == Z_STREAM_END) {
			ended = 1;
			if (z.avail_in == 0 && left == 0)
				break;
			/* Another gzip member follows (RFC 1952 allows several). */
			if (inflateReset(&z) != Z_OK) {
				rc = INGEST_BAD;
				break;
			}
			ended = 0;
			continue;
		}
		if (zr == Z_BUF_ERROR && z.avail_in == 0 && left == 0)
			break; /* input used up before the stream ended */
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			snprintf(err, errlen, "body: not a valid gzip stream (%s)",
				 z.msg ? z.msg : "corrupt data");
			rc = INGEST_BAD;
			break;
		}
	}
	if (rc == INGEST_OK && !ended) {
		snprintf(err, errlen, "body: truncated gzip stream");
		rc = INGEST_BAD;
	}
	inflateEnd(&z);
	return rc;
}

/* --- the span scanner ------------------------------------------------ */

static size_t skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* s[i] is '"': returns the index after the closing quote (n if none);
 * *escaped is set if the string holds a backslash. */
static size_t skip_string(const char *s, size_t i, size_t n, int *escaped)
{
	*escaped = 0;
	for (i++; i < n; i++) {
		if (s[i] == '\\') {
			*escaped = 1;
			i++;
		} else if (s[i] == '"') {
			return i + 1;
		}
	}
	return n;
}

/* Returns the index after the value starting at s[i]. */
static size_t skip_value(const char *s, size_t i, size_t n)
{
	int esc;
	if (i >= n)
		return n;
	if (s[i] == '"')
		return skip_string(s, i, n, &esc);
	if (s[i] == '{' || s[i] == '[') {
		int depth = 0;
		while (i < n) {
			char c = s[i];
			if (c == '"') {
				i = skip_string(s, i, n, &esc);
				continue;
			}
			if (c == '{' || c == '[')
				depth++;
			else if ((c == '}' || c == ']') && --depth == 0)
				return i + 1;
			i++;
		}
		return n;
	}
	while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\t' &&
	       s[i] != '\n' && s[i] != '\r')
		i++;
	return i;
}

/* Finds the spans of the top-level "events" array's elements. Returns the
 * number found (at most max), or -1 if the text is not as expected. */
static long find_spans(const char *s, size_t n, cstore_event *ev, size_t max)
{
	size_t i = skip_ws(s, 0, n);
	if (i >= n || s[i] != '{')
		return -1;
	i++;
	for (;;) {
		i = skip_ws(s, i, n);
		if (i >= n || s[i] != '"')
			return -1;
		int esc;
		size_t kstart = i + 1;
		i = skip_string(s, i, n, &esc);
		int is_events = !esc && i - 1 - kstart == 6 && !memcmp(s + kstart, "events", 6);
		i = skip_ws(s, i, n);
		if (i >= n || s[i] != ':')
			return -1;
		i = skip_ws(s, i + 1, n);
		if (is_events) {
			if (i >= n || s[i] != '[')
				return -1;
			size_t k = 0;
			i = skip_ws(s, i + 1, n);
			if (i < n && s[i] == ']')
				return 0;
			for (;;) {
				size_t start = i;
				i = skip_value(s, i, n);
				if (k >= max || i > n)
					return -1;
				ev[k].text = s + start;
				ev[k].len = i - start;
				k++;
				i = skip_ws(s, i, n);
				if (i < n && s[i] == ',') {
					i = skip_ws(s, i + 1, n);
					continue;
				}
				if (i < n && s[i] == ']')
					return (long)k;
				return -1;
			}
		}
		i = skip_value(s, i, n);
		i = skip_ws(s, i, n);
		if (i < n && s[i] == ',') {
			i++;
			continue;
		}
		return -1;
	}
}

/* --- decoding -------------------------------------------------------- */

void ingest_batch_free(ingest_batch *b)
{
	if (b->own) {
		for (size_t i = 0; i < b->n; i++)
			free(b->own[i]);
		free(b->own);
	}
	free(b->ev);
	free(b->obj);
	json_decref(b->root);
	buf_free(&b->plain);
	memset(b, 0, sizeof *b);
}

static int fail(ingest_batch *b, int rc)
{
	ingest_batch_free(b);
	return rc;
}

int ingest_decode(const char *body, size_t len, int gzip, const ingest_limits *lim, ingest_batch *b,
		  char *err, size_t errlen)
{
	memset(b, 0, sizeof *b);
	buf_init(&b->plain, lim->max_inflated);
	err[0] = '\0';
	const char *text = body;
	if (gzip) {
		int rc = ingest_gunzip(body, len, &b->plain, err, errlen);
		if (rc)
			return fail(b, rc);
		text = b->plain.data ? b->plain.data : "";
		len = b->plain.len;
	} else if (len > lim->max_inflated) {
		snprintf(err, errlen, "body: larger than %zu bytes", lim->max_inflated);
		return fail(b, INGEST_TOO_LARGE);
	}

	json_error_t je;
	b->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!b->root) {
		snprintf(err, errlen, "body: not JSON: line %d column %d: %s", je.line, je.column,
			 je.text);
		return fail(b, INGEST_BAD);
	}
	if (!json_is_object(b->root)) {
		snprintf(err, errlen, "body: must be an object {\"events\": [...]}");
		return fail(b, INGEST_BAD);
	}
	const json_t *events = json_object_get(b->root, "events");
	if (!events) {
		snprintf(err, errlen, "events: missing");
		return fail(b, INGEST_BAD);
	}
	if (!json_is_array(events)) {
		snprintf(err, errlen, "events: must be an array");
		return fail(b, INGEST_BAD);
	}
	size_t n = json_array_size(events);
	if (n == 0) {
		snprintf(err, errlen, "events: empty batch");
		return fail(b, INGEST_BAD);
	}
	if (n > lim->max_events) {
		snprintf(err, errlen, "events: %zu in one batch, at most %zu", n, lim->max_events);
		return fail(b, INGEST_TOO_LARGE);
	}
	b->ev = calloc(n, sizeof *b->ev);
	b->obj = calloc(n, sizeof *b->obj);
	if (!b->ev || !b->obj) {
		snprintf(err, errlen, "body: out of memory");
		return fail(b, INGEST_TOO_LARGE);
	}
	b->n = n;
	for (size_t i = 0; i < n; i++) {
		cstore_event *ev = &b->ev[i];
		b->obj[i] = json_array_get(events, i);
		char why[INGEST_WHY_LEN];
		if (event_decode(b->obj[i], &ev->e, why, sizeof why)) {
			char envelope_why[INGEST_WHY_LEN];
			if (event_decode_envelope(b->obj[i], &ev->e, envelope_why,
						  sizeof envelope_why)) {
				snprintf(err, errlen, "events[%zu].%s", i, envelope_why);
				return fail(b, INGEST_BAD);
			}
			/* A type from a newer site, a time past year 9999, a field
			 * this version cannot decode: kept as it came, unread. */
			memcpy(ev->unread, why, sizeof why);
		}
		/* seq - 1, not previous + 1: seq >= 1, but the previous may be
		 * INT64_MAX, and adding to it would overflow. */
		if (i > 0 && ev->e.seq - 1 != b->ev[i - 1].e.seq) {
			snprintf(err, errlen, "events[%zu].seq: %lld does not follow %lld", i,
				 (long long)ev->e.seq, (long long)b->ev[i - 1].e.seq);
			return fail(b, INGEST_BAD);
		}
	}
	if (find_spans(text, len, b->ev, n) != (long)n) {
		b->own = calloc(n, sizeof *b->own);
		if (!b->own) {
			snprintf(err, errlen, "body: out of memory");
			return fail(b, INGEST_TOO_LARGE);
		}
		for (size_t i = 0; i < n; i++) {
			b->own[i] = json_dumps(b->obj[i], JSON_COMPACT | JSON_PRESERVE_ORDER);
			if (!b->own[i]) {
				snprintf(err, errlen, "body: out of memory");
				return fail(b, INGEST_TOO_LARGE);
			}
			b->ev[i].text = b->own[i];
			b->ev[i].len = strlen(b->own[i]);
		}
	}
	return INGEST_OK;
}

int ingest_same_event(const ingest_batch *b, size_t i, const char *stored, size_t len)
{
	const cstore_event *ev = &b->ev[i];
	if (len == ev->len && !memcmp(stored, ev->text, len))
		return 1;
	json_t *old = json_loadb(stored, len, 0, NULL);
	int same = old && json_equal(old, b->obj[i]);
	json_decref(old);
	return same;
}

static int same_cb(const void *ctx, size_t i, const char *stored, size_t len)
{
	return ingest_same_event(ctx, i, stored, len);
}

cstore_batch ingest_store_batch(const ingest_batch *b)
{
	cstore_batch sb = {b->n, b->ev, same_cb, b};
	return sb;
}

/* --- the store's codec ------------------------------------------------- */

static int codec_decode(const char *text, size_t len, event *e, char *why, size_t whylen)
{
	json_t *j = json_loadb(text, len, 0, NULL);
	if (!j) {
		snprintf(why, whylen, "not JSON");
		return -1;
	}
	int rc = event_decode(j, e, why, whylen);
	json_decref(j);
	return rc;
}

static char *codec_topics(const event *e)
{
	json_t *a = json_array();
	for (int i = 0; a && i < e->ntopics && i < EVENT_MAX_CATS; i++)
		json_array_append_new(a, json_string(e->topics[i]));
	char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return s;
}

const cstore_codec ingest_codec = {codec_decode, codec_topics};
