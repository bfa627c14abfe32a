/*
 * enrol — see enrol.h.
 */
#include "enrol.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "clock.h"
#include "siteconf.h"

/* 32 characters: A-Z without I and O, and 2-9 (no 0, no 1). */
static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
#define RAW_LEN 16 /* characters of a code, 5 bits each */

/* The code as stored: its RAW_LEN characters (typed in any case, with any
 * spaces and dashes), hashed. -1 if code is not one. */
static int digest(const char *code, unsigned char sha[32])
{
	char raw[RAW_LEN];
	size_t n = 0;
	for (const char *p = code; *p; p++) {
		if (*p == '-' || *p == ' ')
			continue;
		char c = (char)toupper((unsigned char)*p);
		if (n == RAW_LEN || !c || !strchr(alphabet, c))
			return -1;
		raw[n++] = c;
	}
	unsigned int dlen = 0;
	if (n != RAW_LEN || !EVP_Digest(raw, RAW_LEN, sha, &dlen, EVP_sha256(), NULL) || dlen != 32)
		return -1;
	return 0;
}

static int draw(char code[ENROL_CODE_LEN])
{
	unsigned char r[RAW_LEN];
	size_t got = 0;
	for (int tries = 0; got < sizeof r && tries < 16; tries++) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	if (got < sizeof r)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < RAW_LEN; i++) {
		if (i && i % 4 == 0)
			code[o++] = '-';
		code[o++] = alphabet[r[i] & 31];
	}
	code[o] = '\0';
	return 0;
}

int enrol_code_new(cstore *st, const char *site, char code[ENROL_CODE_LEN], int64_t *expires_ms,
		   char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc = siteconf_version(st, site, 0, &text, &len);
	free(text);
	if (rc == CSTORE_NOT_FOUND) {
		snprintf(err, errlen,
			 "\"%s\" is not a site, or central manages no configuration for it yet: "
			 "save one first (a new box gets its configuration with its token)",
			 site);
		return rc;
	}
	unsigned char sha[32];
	if (rc == CSTORE_OK && (draw(code) || digest(code, sha))) {
		snprintf(err, errlen, "no randomness from the kernel for a code");
		return CSTORE_ERROR;
	}
	int64_t now = clock_now_ms();
	*expires_ms = now + (int64_t)ENROL_VALID_S * 1000;
	if (rc == CSTORE_OK)
		rc = cstore_enrol_code_put(st, site, sha, now, *expires_ms);
	if (rc == CSTORE_NOT_FOUND)
		snprintf(err, errlen, "there is no site \"%s\"", site);
	else if (rc == CSTORE_BUSY)
		snprintf(err, errlen, "the database is busy: try again");
	else if (rc != CSTORE_OK)
		snprintf(err, errlen, "the database failed (see the log)");
	return rc;
}

int enrol_use(cstore *st, const char *code, char *site, size_t cap, char token[SITES_TOKEN_LEN],
	      int *why, cstore_conf_cb cb, void *ctx)
{
	unsigned char sha[32], tsha[32];
	*why = 0;
	if (digest(code, sha)) {
		*why = CSTORE_ENROL_UNKNOWN;
		return CSTORE_NOT_FOUND;
	}
	if (sites_token_new(token, tsha))
		return CSTORE_ERROR;
	return cstore_enrol_use(st, sha, tsha, clock_now_ms(), site, cap, why, cb, ctx);
}

/* --- the throttle ---------------------------------------------------------- */

#define SLOTS 256
static struct {
	char addr[64];
	int64_t since_ms; /* the window's start */
	int wrong;
} slot[SLOTS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* addr's slot, or NULL; with take, the oldest (or an expired) slot for it. */
static int find(const char *addr, int64_t now_ms, int take)
{
	int oldest = 0;
	for (int i = 0; i < SLOTS; i++) {
		if (slot[i].addr[0] && !strcmp(slot[i].addr, addr)) {
			if (now_ms - slot[i].since_ms >= (int64_t)ENROL_WINDOW_S * 1000) {
				slot[i].wrong = 0;
				slot[i].since_ms = now_ms;
			}
			return i;
		}
		if (slot[i].since_ms < slot[oldest].since_ms)
			oldest = i;
	}
	if (!take)
		return -1;
	snprintf(slot[oldest].addr, sizeof slot[oldest].addr, "%s", addr);
	slot[oldest].since_ms = now_ms;
	slot[oldest].wrong = 0;
	return oldest;
}

int enrol_allowed(const char *addr, int64_t now_ms)
{
	pthread_mutex_lock(&mu);
	int i = find(addr, now_ms, 0);
	int ok = i < 0 || slot[i].wrong < ENROL_TRIES;
	pthread_mutex_unlock(&mu);
	return ok;
}

void enrol_failed(const char *addr, int64_t now_ms)
{
	pthread_mutex_lock(&mu);
	int i = find(addr, now_ms, 1);
	slot[i].wrong++;
	pthread_mutex_unlock(&mu);
}
