/*
 * auth — who is asking: a site (by its token), the central office's admin
 * (by the admin token, or by a session cookie got from the login form), or
 * nobody.
 *
 * Tokens are compared as SHA-256 digests against every configured digest,
 * always all of them and in constant time, so neither the answer time nor
 * its absence tells which site (or how much of a token) matched.
 *
 * The session cookie never holds the token: it is "EXPIRY.MAC" where MAC is
 * HMAC-SHA256 of the expiry under a key drawn at start-up. Sessions thus
 * end when the server restarts or after AUTH_SESSION_S, and nothing needs
 * to be stored.
 */
#ifndef CENTRAL_AUTH_H
#define CENTRAL_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "cconfig.h"

#define AUTH_NOBODY	(-2)
#define AUTH_ADMIN	(-1)
#define AUTH_SESSION_S	(12 * 3600)
#define AUTH_COOKIE	"loket_session"
#define AUTH_COOKIE_LEN 96
#define AUTH_TOKEN_MAX	1024

/* Draws the session key. Returns 0, or -1 if the kernel's random source
 * failed. */
int auth_init(void);

/* The token of an "Authorization: Bearer TOKEN" header value, or NULL. */
const char *auth_bearer(const char *header, size_t *len);

/* AUTH_ADMIN, the index of the site in c->sites whose token this is, or
 * AUTH_NOBODY. */
int auth_who(const cconf *c, const char *token, size_t len);

/* 1 if token is the metrics token (metrics_token_sha256), else 0. */
int auth_is_metrics(const cconf *c, const char *token, size_t len);

/* Writes a fresh cookie value valid until now_s + AUTH_SESSION_S. */
void auth_session_new(int64_t now_s, char out[AUTH_COOKIE_LEN]);

/* 1 if value (a cookie's value) is a session of ours, not expired. */
int auth_session_valid(const char *value, int64_t now_s);

/* Finds cookie name in a Cookie header; copies its value into out. 0 or -1. */
int auth_cookie_get(const char *header, const char *name, char *out, size_t cap);

#endif
