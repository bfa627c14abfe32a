/*
 * hist — a histogram of durations in whole minutes, the form in which the
 * aggregates (cstore.h, cstore_period_aggs) keep waits and service
 * times so that the percentiles of any period can be had by adding days.
 *
 * A duration counts in bucket round(ms / 60000) (the nearest whole
 * minute), 0 .. HIST_LAST - 1; HIST_LAST holds every duration of
 * HIST_LAST minutes or more. Rounding keeps the order of the values, so
 * the nearest-rank p-th percentile of a histogram is exactly the
 * nearest-rank p-th percentile of the durations themselves, rounded to the
 * nearest minute (or HIST_LAST minutes when it is that long or longer).
 *
 * Stored form (a BLOB in SQLite, bytea in PostgreSQL): for each bucket
 * that holds anything, in increasing order, one byte (the bucket) and its
 * count as an unsigned LEB128 varint. An empty histogram is zero bytes.
 * At most HIST_BLOB_MAX bytes.
 */
#ifndef CENTRAL_HIST_H
#define CENTRAL_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_LAST     240 /* minutes: 4 h or more are one bucket */
#define HIST_BUCKETS  (HIST_LAST + 1)
#define HIST_BLOB_MAX (HIST_BUCKETS * 6)

typedef struct {
	uint32_t n[HIST_BUCKETS];
	uint64_t total;
} hist;

/* Counts one duration (ms >= 0). */
void hist_add_ms(hist *h, int64_t ms);
/* Takes one duration counted by hist_add_ms out again (counts are
 * unsigned: one taken out before it is added wraps and comes back). */
void hist_sub_ms(hist *h, int64_t ms);
/* Adds every count of s to d. */
void hist_add(hist *d, const hist *s);
/* The stored form of h into out (HIST_BLOB_MAX bytes): its length. */
size_t hist_encode(const hist *h, unsigned char *out);
/* Adds the stored form blob[0..len) to h: 0, or -1 if it is malformed
 * (then h holds what was read before the fault). */
int hist_merge_blob(hist *h, const void *blob, size_t len);
/* Takes the stored form out of h again (h must hold it, or come to hold
 * it by later merges: counts wrap and come back exactly). 0 or -1. */
int hist_unmerge_blob(hist *h, const void *blob, size_t len);
/* The nearest-rank p-th percentile in ms (a whole number of minutes), or
 * -1 when h is empty. */
int64_t hist_pct(const hist *h, int p);

#endif
