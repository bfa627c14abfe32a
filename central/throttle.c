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

/* The slot of key, or a free one for it: a slot never used, or one whose
 * key's window has passed and that is not locked. NULL when every slot
 * holds a live key. */
static throttle_slot *slot_for(throttle *t, const char *key, int64_t now_ms)
{
	throttle_slot *s = (throttle_slot *)find(t, key), *spare = NULL;
	for (int i = 0; !s && i < THROTTLE_SLOTS; i++) {
		throttle_slot *c = &t->v[i];
		if (!c->key[0]) {
			spare = c;
			break;
		}
		if ((c->count == 0 || now_ms - c->first_ms > t->window_ms) && !wait_of(t, c, now_ms) &&
		    (!spare || c->last_ms < spare->last_ms))
			spare = c;
	}
	if (!s && spare) {
		memset(spare, 0, sizeof *spare);
		snprintf(spare->key, sizeof spare->key, "%s", key);
		s = spare;
	}
	return s;
}

/* Counts one failure in s at now_ms. */
static void count(const throttle *t, throttle_slot *s, int64_t now_ms)
{
	if (s->count == 0 || now_ms - s->first_ms > t->window_ms) {
		/* A new window, unless the key is still locked out. */
		if (!wait_of(t, s, now_ms)) {
			s->count = 0;
			s->first_ms = now_ms;
		}
	}
	s->count++;
	s->last_ms = now_ms;
}

static int full_wait_s(const throttle *t)
{
	return (int)((t->lock_ms + 999) / 1000);
}

int throttle_fail(throttle *t, const char *key, int64_t now_ms)
{
	throttle_slot *s = slot_for(t, key, now_ms);
	if (!s)
		return full_wait_s(t);
	count(t, s, now_ms);
	return wait_of(t, s, now_ms);
}

int throttle_attempt(throttle *t, const char *key, int64_t now_ms, int *locks)
{
	*locks = 0;
	int w = throttle_wait_s(t, key, now_ms);
	if (w)
		return w;
	throttle_slot *s = slot_for(t, key, now_ms);
	if (!s)
		return full_wait_s(t);
	count(t, s, now_ms);
	*locks = s->count == t->max;
	return 0;
}

void throttle_undo(throttle *t, const char *key)
{
	throttle_slot *s = (throttle_slot *)find(t, key);
	if (s && s->count > 0)
		s->count--;
}

void throttle_reset(throttle *t, const char *key)
{
	throttle_slot *s = (throttle_slot *)find(t, key);
	if (s)
		memset(s, 0, sizeof *s);
}
