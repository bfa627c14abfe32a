/*
 * policy — see policy.h for the retry table. Nothing here touches the
 * network, the clock or the store.
 */
#include "policy.h"

#include <jansson.h>

sync_verdict sync_classify(long http_status)
{
	switch (http_status) {
	case 200: return SYNC_OK;
	case 409: return SYNC_GAP;
	case 413: return SYNC_SHRINK;
	case 429:
	case 503: return SYNC_RETRY_AFTER;
	case 0:
	case 408: return SYNC_RETRY;
	default: break;
	}
	if (http_status >= 500)
		return SYNC_RETRY;
	/* 1xx/3xx/other 2xx/4xx: the central office (or something posing as
	 * it) will give the same answer again; retrying fast helps nobody. */
	return SYNC_REFUSED;
}

const char *sync_status_words(long http_status)
{
	switch (http_status) {
	case 0: return "no answer";
	case 200: return "ok";
	case 301:
	case 302:
	case 307:
	case 308: return "redirected (check sync.url)";
	case 400: return "the central office calls our batch malformed";
	case 401: return "wrong or missing token (check sync.token_file)";
	case 403:
		return "the central office refuses this site: it is disabled there, or the token "
		       "belongs to another site (check site.id and the token)";
	case 404: return "not found (check sync.url and site.id)";
	case 408: return "request timeout";
	case 409: return "the central office lost events";
	case 413: return "batch too large";
	case 415: return "content type refused";
	case 429: return "the central office is busy (429)";
	case 503: return "the central office is unavailable (503)";
	default: break;
	}
	if (http_status >= 500)
		return "the central office failed (5xx)";
	return "unexpected answer";
}

uint64_t sync_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int64_t sync_backoff_ms(int failures, int64_t cap_ms, uint64_t *rng)
{
	if (cap_ms < SYNC_BACKOFF_FLOOR_MS)
		cap_ms = SYNC_BACKOFF_FLOOR_MS;
	int64_t ceil = SYNC_BACKOFF_BASE_MS;
	for (int i = 1; i < failures && ceil < cap_ms; i++)
		ceil *= 2;
	if (ceil > cap_ms)
		ceil = cap_ms;
	if (ceil <= SYNC_BACKOFF_FLOOR_MS)
		return ceil;
	uint64_t span = (uint64_t)(ceil - SYNC_BACKOFF_FLOOR_MS) + 1;
	return SYNC_BACKOFF_FLOOR_MS + (int64_t)(sync_rand(rng) % span);
}

int64_t sync_retry_after_ms(long retry_after_s, int failures, int64_t cap_ms, uint64_t *rng)
{
	int64_t b = sync_backoff_ms(failures, cap_ms, rng);
	if (retry_after_s < 0)
		return b;
	if (retry_after_s > SYNC_RETRY_AFTER_MAX_S)
		retry_after_s = SYNC_RETRY_AFTER_MAX_S;
	int64_t ra = (int64_t)retry_after_s * 1000;
	return ra > b ? ra : b;
}

int sync_answer_parse(const char *body, size_t len, int64_t *acked)
{
	json_error_t e;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
	if (!root)
		return -1;
	json_t *a = json_object_get(root, "acked_through");
	int rc = -1;
	if (json_is_integer(a) && json_integer_value(a) >= 0) {
		*acked = (int64_t)json_integer_value(a);
		rc = 0;
	}
	json_decref(root);
	return rc;
}
