/*
 * auth — the secrets of the wire: which configured token a bearer token
 * is (a site's, the admin token), the session cookie's name and how to
 * find it in a Cookie header, and new random secrets (session ids, API
 * tokens) with the digests that are all the database keeps of them.
 *
 * Tokens are compared as SHA-256 digests against every configured digest,
 * always all of them and in constant time, so neither the answer time nor
 * its absence tells which site (or how much of a token) matched.
 *
 * The session cookie holds a random id (AUTH_SECRET_LEN hex digits) and
 * nothing else; the sessions themselves live in the database (people.c),
 * so they survive a restart and can be ended from the server side.
 */
#ifndef CENTRAL_AUTH_H
#define CENTRAL_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "cconfig.h"

#define AUTH_NOBODY	(-2)
#define AUTH_ADMIN	(-1)
#define AUTH_COOKIE	"loket_session"
#define AUTH_COOKIE_LEN 96
#define AUTH_TOKEN_MAX	1024
#define AUTH_SECRET_LEN 65 /* 64 hex digits and a NUL */

/* The token of an "Authorization: Bearer TOKEN" header value, or NULL. */
const char *auth_bearer(const char *header, size_t *len);

/* AUTH_ADMIN (only if the configuration has an admin token), the index of
 * the site in c->sites whose token this is, or AUTH_NOBODY. */
int auth_who(const cconf *c, const char *token, size_t len);

/* 1 if token is the metrics token (metrics_token_sha256), else 0. */
int auth_is_metrics(const cconf *c, const char *token, size_t len);

/* A new secret: 32 random bytes as 64 hex digits into out, their text's
 * SHA-256 into sha. 0, or -1 if the kernel gave no randomness. */
int auth_secret_new(char out[AUTH_SECRET_LEN], unsigned char sha[32]);

/* The SHA-256 of s[0..len) into out: 0, or -1 (never in practice). */
int auth_sha256(const char *s, size_t len, unsigned char out[32]);

/* Finds cookie name in a Cookie header; copies its value into out. 0 or -1. */
int auth_cookie_get(const char *header, const char *name, char *out, size_t cap);

#endif
