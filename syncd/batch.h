/*
 * batch — one POST body: the outbox events after a seq, as committed, in
 * the envelope of the sync protocol, and its gzip form.
 *
 *   {"events":[<event 1 JSON>,<event 2 JSON>,...]}
 *
 * The event texts are the bytes the store committed (never re-encoded), so
 * what the central office stores is byte for byte what the site wrote.
 * Buffers are reused from batch to batch and have a hard cap
 * (SYNC_BATCH_MAX); a batch never grows past it.
 */
#ifndef LOKET_SYNCD_BATCH_H
#define LOKET_SYNCD_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define SYNC_BATCH_MAX (40u << 20) /* sync.batch_bytes is at most 16 MiB */

typedef struct {
	char *json; /* the body, json_len bytes (not NUL-terminated) */
	size_t json_len, json_cap;
	unsigned char *gz; /* gzip of json after sync_batch_gzip */
	size_t gz_len, gz_cap;
	int64_t first, last; /* seq range; n == 0 when there was nothing to send */
	int n;
	int gap; /* 1 if the outbox skipped a seq (events purged before delivery) */
} sync_batch;

/* Fills b with the events after `after` (at most max_events and about
 * max_bytes of event JSON). Returns the store's status; on STORE_OK, b->n
 * may be 0 (nothing to send). Out of memory or a batch past SYNC_BATCH_MAX
 * is STORE_IO. */
store_status sync_batch_fill(sync_batch *b, store *st, int64_t after, int max_events,
			     size_t max_bytes);

/* Compresses b->json into b->gz (gzip container, zlib level 1..9).
 * Returns 0, or -1 (out of memory, zlib error). */
int sync_batch_gzip(sync_batch *b, int level);

void sync_batch_free(sync_batch *b);

#endif
