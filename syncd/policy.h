/*
 * policy — what loket-syncd does with each answer of the central office,
 * and how long it waits before the next attempt. Pure functions (no I/O,
 * no clock): the daemon feeds them the answer and a PRNG state, so the
 * unit tests can check every row of the retry table in docs/syncd.md.
 *
 *   answer                         verdict            next attempt
 *   200 {"acked_through":N}        SYNC_OK            at once (more to send) or when idle
 *   409 {"acked_through":N}        SYNC_GAP           at once, from N+1 (if still retained)
 *   413                            SYNC_SHRINK        at once, half the batch (1 event: REFUSED)
 *   429, 503                       SYNC_RETRY_AFTER   max(Retry-After, backoff)
 *   no answer, 408, 5xx            SYNC_RETRY         backoff
 *   any other 1xx-4xx (401, ...)   SYNC_REFUSED       backoff cap, or at once on SIGHUP
 *
 * Backoff is "full jitter": a uniform random delay in [floor, min(cap,
 * base * 2^(failures-1))], so that many sites coming back at once after an
 * outage spread their retries instead of hammering the central office.
 */
#ifndef LOKET_SYNCD_POLICY_H
#define LOKET_SYNCD_POLICY_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
	SYNC_OK,
	SYNC_GAP,
	SYNC_SHRINK,
	SYNC_RETRY,
	SYNC_RETRY_AFTER,
	SYNC_REFUSED,
} sync_verdict;

#define SYNC_BACKOFF_BASE_MS   500
#define SYNC_BACKOFF_FLOOR_MS  100
#define SYNC_RETRY_AFTER_MAX_S 3600 /* a Retry-After beyond an hour is taken as an hour */

/* The verdict for an HTTP status; 0 means no answer at all (connection
 * refused, reset, timed out, truncated). */
sync_verdict sync_classify(long http_status);

/* Words for staff: "wrong token (401)". Never NULL. */
const char *sync_status_words(long http_status);

/* The delay before attempt failures+1, after `failures` (>= 1) failures in
 * a row, capped at cap_ms (>= SYNC_BACKOFF_FLOOR_MS). Advances *rng. */
int64_t sync_backoff_ms(int failures, int64_t cap_ms, uint64_t *rng);

/* The delay after a 429 or 503: Retry-After (seconds, -1 if absent or
 * unreadable) is a lower bound; never shorter than the backoff. */
int64_t sync_retry_after_ms(long retry_after_s, int failures, int64_t cap_ms, uint64_t *rng);

/* splitmix64: a tiny, well-mixed PRNG; any seed is fine. */
uint64_t sync_rand(uint64_t *state);

/* Reads {"acked_through": N} (other fields ignored). Returns 0 and sets
 * *acked, or -1 if the body is not that. */
int sync_answer_parse(const char *body, size_t len, int64_t *acked);

#endif
