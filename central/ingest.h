/*
 * ingest — a request body of the sync protocol turned into a validated
 * batch, with no HTTP and no database in sight (so the fuzzer can drive it
 * alone: tests/central/fuzz_ingest.c).
 *
 *   body (maybe gzip) --inflate, capped--> JSON text --jansson--> {"events":[...]}
 *        --event_decode each, seq consecutive--> ingest_batch
 *
 * Every event keeps its JSON text verbatim (the bytes between its braces in
 * the body), so the central office stores what the site committed and the
 * export gives those bytes back. Only if the text cannot be cut out simply
 * (an escaped "events" key, say) is the event re-encoded compactly.
 *
 * An event whose envelope (seq, uuid, a type string) is valid but which
 * this version cannot interpret (a type it does not know, a newer site's;
 * an impossible time such as year 10000; a field it cannot decode) is not
 * an error: it is kept as it came, marked unread with the reason ("at: not
 * an RFC 3339 time"), so one event never blocks a site (docs/protocol.md).
 * Only a bad envelope, a broken batch or seq not rising by one is refused.
 *
 * Answers map straight to HTTP: 0 ok, 400 malformed (the message says
 * where: "events[3].seq: 7 does not follow 5"), 413 too large (the wire
 * body, the inflated body, or too many events).
 */
#ifndef CENTRAL_INGEST_H
#define CENTRAL_INGEST_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "cstore.h"
#include "event.h"

#define INGEST_WHY_LEN CSTORE_WHY_LEN

/* The events are the store's (cstore_event); the parsed objects stay here. */
typedef struct {
	json_t *root;
	buf plain;  /* the inflated body, when it came gzipped */
	char **own; /* re-encoded texts (rare), freed with the batch */
	size_t n;
	cstore_event *ev;
	const json_t **obj; /* obj[i]: event i parsed (borrowed from root) */
} ingest_batch;

typedef struct {
	size_t max_inflated; /* bytes after gunzip */
	size_t max_events;   /* per batch */
} ingest_limits;

#define INGEST_OK	 0
#define INGEST_BAD	 400
#define INGEST_TOO_LARGE 413

/* Inflates a gzip stream (one or more members) of in[0..inlen) into out,
 * whose cap bounds the result. Returns INGEST_OK, INGEST_TOO_LARGE as soon
 * as the output would pass out's cap, or INGEST_BAD for a corrupt or
 * truncated stream; err says which. */
int ingest_gunzip(const void *in, size_t inlen, buf *out, char *err, size_t errlen);

/* Decodes body[0..len) (gzipped if gzip) into *b. Returns INGEST_OK, or
 * INGEST_BAD / INGEST_TOO_LARGE with the reason in err and *b empty.
 * The events' texts may point into body: keep body alive until
 * ingest_batch_free(b). */
int ingest_decode(const char *body, size_t len, int gzip, const ingest_limits *lim, ingest_batch *b,
		  char *err, size_t errlen);
void ingest_batch_free(ingest_batch *b);

/* 1 if stored[0..len) (an event's text held centrally) says the same as
 * event i of b: equal JSON values, whatever the spacing or key order. */
int ingest_same_event(const ingest_batch *b, size_t i, const char *stored, size_t len);

/* b as the store takes it (valid while b is). */
cstore_batch ingest_store_batch(const ingest_batch *b);

/* The store's codec: events' texts read with jansson and event_decode. */
extern const cstore_codec ingest_codec;

#endif
