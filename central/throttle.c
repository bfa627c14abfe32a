/*
 * throttle — see throttle.h.
 */
#include "throttle.h"

#include <stdio.h>
#include <string.h>

void throttle_init(throttle *t, int max, int64_t window_ms, int64_t lock_ms)
{
	memset(t, 0, sizeof *t);
	t->max = max;
	t->window_ms = window_ms;
	t->lock_ms = lock_ms;
}

/* Keys longer than a slot are cut: two such keys may share a count. */
static const throttle_slot *find(const throttle *t, const char *key)
{
	for (int i = 0; i < THROTTLE_SLOTS; i++)
		if (t->v[i].key[0] && !strncmp(t->v[i].key, key, THROTTLE_KEY_LEN - 1))
			return &t->v[i];
	return NULL;
}

static int wait_of(const throttle *t, const throttle_slot *s, int64_t now_ms)
{
	if (!s || s->count < t->max)
		return 0;
	int64_t left = s->last_ms + t->lock_ms - now_ms;
	return left > 0 ? (int)((left + 999) / 1000) : 0;
}

int throttle_wait_s(const throttle *t, const char *key, int64_t now_ms)
{
	return wait_of(t, find(t, key), now_ms);
}

int throttle_fail(throttle *t, const char *key, int64_t now_ms)
{
	throttle_slot *s = (throttle_slot *)find(t, key);
	if (!s) {
		s = &t->v[0];
		for (int i = 0; i < THROTTLE_SLOTS; i++) {
			if (!t->v[i].key[0]) {
				s = &t->v[i];
				break;
			}
			if (t->v[i].last_ms < s->last_ms)
				s = &t->v[i];
		}
		memset(s, 0, sizeof *s);
		snprintf(s->key, sizeof s->key, "%s", key);
	}
	if (s->count == 0 || now_ms - s->first_ms > t->window_ms) {
		/* A new window, unless the key is still locked out. */
		if (!wait_of(t, s, now_ms)) {
			s->count = 0;
			s->first_ms = now_ms;
		}
	}
	s->count++;
	s->last_ms = now_ms;
	return wait_of(t, s, now_ms);
}

void throttle_reset(throttle *t, const char *key)
{
	throttle_slot *s = (throttle_slot *)find(t, key);
	if (s)
		memset(s, 0, sizeof *s);
}
