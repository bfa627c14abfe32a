/*
 * enrol — one-time codes that set up a new site box (docs/central.md,
 * "Enrolment"): `loket-central site enrol-code ID` or the sites page makes
 * one; `loket-syncd --enrol URL CODE` on the new box sends it to POST
 * /api/v1/enrol and gets the site's id, a fresh token and its managed
 * configuration.
 *
 * A code is 16 characters of an alphabet without look-alikes (no 0/O, 1/I)
 * in four groups, "K7QH-M3XT-9PDA-WRFE": 80 random bits from getrandom,
 * typable from a phone call. Only its SHA-256 is stored (cstore), with its
 * site and an expiry ENROL_VALID_S after it was made; it is good once. Case,
 * spaces and dashes do not matter when it is typed.
 *
 * Using it gives the site a new token (the old one stops working, as
 * `site rotate-token` does), in the same transaction that marks the code
 * used. A site needs a managed configuration before a code is made for it:
 * the new box gets nothing else to run on.
 *
 * Guessing: no token is needed to try a code, so each address may get
 * ENROL_TRIES wrong codes in ENROL_WINDOW_S; then it is answered 429 until
 * the window is over (enrol_allowed / enrol_failed, in memory: a restart
 * forgets, which costs a guesser nothing against 2^80).
 */
#ifndef CENTRAL_ENROL_H
#define CENTRAL_ENROL_H

#include <stddef.h>
#include <stdint.h>

#include "cstore.h"
#include "sites.h"

#define ENROL_CODE_LEN 20 /* "XXXX-XXXX-XXXX-XXXX" and a NUL */
#define ENROL_VALID_S  (24 * 3600)
#define ENROL_TRIES    5
#define ENROL_WINDOW_S 600

/* Makes a code for site (registered, with a managed configuration) into
 * code, valid until *expires_ms. CSTORE_OK, CSTORE_NOT_FOUND (no such site
 * or no configuration: err says which) or another CSTORE_* status, with a
 * sentence in err. */
int enrol_code_new(cstore *st, const char *site, char code[ENROL_CODE_LEN], int64_t *expires_ms,
		   char *err, size_t errlen);

/* Uses code (as typed): CSTORE_OK with the site's id in site and its new
 * token in token, and cb called with the site's configuration (read in
 * the transaction that used the code: never one without the other); CSTORE_NOT_FOUND with *why a CSTORE_ENROL_* (a text that
 * is not a code at all is CSTORE_ENROL_UNKNOWN); or the store's status. */
int enrol_use(cstore *st, const char *code, char *site, size_t cap, char token[SITES_TOKEN_LEN],
	      int *why, cstore_conf_cb cb, void *ctx);

/* The throttle, per client address (any text naming it). */
int enrol_allowed(const char *addr, int64_t now_ms); /* 1 if it may try */
void enrol_failed(const char *addr, int64_t now_ms);

#endif
