/*
 * throttle — counts failures per key (an account name as typed, a source
 * address) and says how long a key must wait: after `max` failures within
 * `window_ms` of the first, the key waits until `lock_ms` after its latest
 * failure. A window that has passed starts again at zero; a success
 * forgets the key (throttle_reset).
 *
 * Pure logic on a fixed table (THROTTLE_SLOTS keys, no allocation). A slot
 * is only ever taken back from a key whose window has passed and that is
 * not locked: filling the table with made-up keys cannot wipe another
 * key's count or lift its lock. When every slot holds a live key, a new key
 * is refused as if locked (fail closed).
 * Times are the caller's (a monotonic clock in ms); not thread-safe: the
 * caller holds a lock around each call.
 */
#ifndef CENTRAL_THROTTLE_H
#define CENTRAL_THROTTLE_H

#include <stdint.h>

#define THROTTLE_SLOTS	 512
#define THROTTLE_KEY_LEN 80

typedef struct {
	char key[THROTTLE_KEY_LEN]; /* "" = free */
	int64_t first_ms, last_ms;
	int count;
} throttle_slot;

typedef struct {
	int max;
	int64_t window_ms, lock_ms;
	throttle_slot v[THROTTLE_SLOTS];
} throttle;

/* An empty table with this policy. */
void throttle_init(throttle *t, int max, int64_t window_ms, int64_t lock_ms);
/* Seconds key must still wait (rounded up), 0 if it may try now. */
int throttle_wait_s(const throttle *t, const char *key, int64_t now_ms);
/* Counts a failure of key at now_ms. Returns the seconds it must wait
 * from now on (0 while under max). */
int throttle_fail(throttle *t, const char *key, int64_t now_ms);
/* Forgets key (a success). */
void throttle_reset(throttle *t, const char *key);
/* Reserves an attempt of key at now_ms: it counts as a failure until
 * throttle_undo (or throttle_reset) takes it back, so attempts made at the
 * same moment cannot all pass the check before any is counted. 0 if it
 * may go on, else the seconds it must wait (nothing counted). *locks: 1 if
 * this attempt is the one that reaches max (the key is locked after it),
 * for saying so once. */
int throttle_attempt(throttle *t, const char *key, int64_t now_ms, int *locks);
/* Takes back one attempt of key (it succeeded). */
void throttle_undo(throttle *t, const char *key);

#endif
