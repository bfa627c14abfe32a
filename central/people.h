/*
 * people — the people of the central office: accounts with a role and
 * passwords, their browser sessions and API tokens, and who a request's
 * credentials make of it. The database holds it all (cstore.h); this
 * module holds the rules.
 *
 * Roles: "admin" (sites, people, configuration, and everything a viewer
 * sees) and "viewer" (the dashboard, the reports and the exports; with a
 * site list, only those sites). The admin token of the configuration file
 * acts as an admin without an account ("admin token").
 *
 * Passwords: Argon2id (libargon2), stored as its encoded string (its own
 * salt and cost in it, so a cost changed later still checks older
 * hashes). The cost of new hashes: LOKET_ARGON2_MEMORY_KIB (default 19456,
 * 19 MiB) and LOKET_ARGON2_TIME (default 2 passes), one lane; at most
 * PEOPLE_HASHERS hashes run at once, so a flood of sign-ins costs queueing,
 * not memory. A password is PEOPLE_PW_MIN..PEOPLE_PW_MAX bytes.
 *
 * Sign-in: an unknown name costs one hash of a dummy password, like a
 * wrong password, and gets the same answer. Failures are counted per name
 * as typed and per source address (throttle.h, in memory: a restart
 * forgets them): after PEOPLE_FAIL_MAX failures of a name in 15 minutes,
 * or PEOPLE_FAIL_MAX_ADDR of an address, sign-ins from there answer
 * "wait N s" for 5 minutes without a password being checked. A success
 * forgets the name's failures.
 *
 * Sessions: a random id (auth.h) in the cookie, its SHA-256 in the
 * database with the account, created, last used (written at most once a
 * minute) and expiry: PEOPLE_SESSION_S after the sign-in, or
 * PEOPLE_IDLE_S after its last use, whichever comes first. Signing out
 * deletes it; disabling the account or a new password ends them all.
 * Time is clock_now_ms (LOKET_FAKE_NOW in tests).
 *
 * API tokens: up to PEOPLE_TOKENS_MAX per account, random, printed once,
 * stored as SHA-256; "Authorization: Bearer TOKEN" then acts as the
 * account (its role and sites), not while it is disabled.
 */
#ifndef CENTRAL_PEOPLE_H
#define CENTRAL_PEOPLE_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "cconfig.h"
#include "cstore.h"

#define PEOPLE_NAME_LEN	     65 /* [a-z0-9._@-]{1,64} */
#define PEOPLE_SITES_MAX     16
#define PEOPLE_SITES_LEN     (PEOPLE_SITES_MAX * CCONF_ID_LEN)
#define PEOPLE_PW_MIN	     10
#define PEOPLE_PW_MAX	     1024
#define PEOPLE_HASH_LEN	     256
#define PEOPLE_TOKENS_MAX    3
#define PEOPLE_SESSION_S     (12 * 3600)
#define PEOPLE_IDLE_S	     (2 * 3600)
#define PEOPLE_FAIL_MAX	     5
#define PEOPLE_FAIL_MAX_ADDR 20
#define PEOPLE_HASHERS	     2

/* Who a request's credentials make of it. */
typedef enum { PEOPLE_NOBODY = 0, PEOPLE_ADMIN_TOKEN, PEOPLE_ACCOUNT } people_kind;
typedef struct {
	people_kind kind;
	int admin;		      /* the role admin (the admin token is) */
	char name[PEOPLE_NAME_LEN];   /* the account's; "admin token"; "" for nobody */
	char sites[PEOPLE_SITES_LEN]; /* "" = every site, else "a,b" (viewers only) */
} people_who;

/* Reads the Argon2 cost from the environment: 0, or -1 with the reason in
 * err. */
int people_init(char *err, size_t errlen);

/* 1 if s is a valid account name. */
int people_valid_name(const char *s);
/* 1 if site id is in the list sites ("" = every site). */
int people_sees_site(const char *sites, const char *id);

/* The changes. Each returns CSTORE_OK, PEOPLE_INVALID (a bad name, role,
 * site list or password) or another CSTORE_* status (CSTORE_CONFLICT: the
 * name is taken, or the account holds PEOPLE_TOKENS_MAX tokens;
 * CSTORE_NOT_FOUND: no such account), with a sentence for a person in err.
 * sites: NULL or "" for every site; only a viewer may have a list, of
 * registered sites (st). people_add puts the list as stored (duplicates
 * dropped; "" for every site) in kept, when not NULL, for the messages and
 * the audit log. */
#define PEOPLE_INVALID (-1)
int people_add(cstore *st, const char *name, const char *role, const char *sites,
	       const char *password, char kept[PEOPLE_SITES_LEN], char *err, size_t errlen);
int people_passwd(cstore *st, const char *name, const char *password, char *err, size_t errlen);
int people_enable(cstore *st, const char *name, int enabled, char *err, size_t errlen);
/* A new API token for name into token (shown once). */
int people_token_new(cstore *st, const char *name, char token[AUTH_SECRET_LEN], char *err,
		     size_t errlen);
int people_token_revoke(cstore *st, const char *name, int *revoked, char *err, size_t errlen);

/* Sign-in with name and password from address peer: PEOPLE_SIGNED_IN with
 * a new session's id in sid and the account's name in who; PEOPLE_REFUSED
 * (an unknown name, a wrong password, a disabled account: one answer);
 * PEOPLE_THROTTLED with *retry_s; PEOPLE_UNAVAILABLE (the database). */
enum { PEOPLE_SIGNED_IN, PEOPLE_REFUSED, PEOPLE_THROTTLED, PEOPLE_UNAVAILABLE };
int people_sign_in(cstore *st, const char *name, const char *password, const char *peer,
		   char sid[AUTH_SECRET_LEN], int *retry_s);
/* The admin token's sign-in (checked by the caller, auth_who): a session
 * without account, bound to the admin token's digest admin_sha256 (the
 * configuration's): a new admin token ends it. For its failures:
 * people_token_failed from peer, and people_throttled before checking. */
int people_sign_in_admin_token(cstore *st, const unsigned char admin_sha256[32],
			       char sid[AUTH_SECRET_LEN]);
void people_token_failed(cstore *st, const char *peer);
int people_throttled(const char *peer);
/* Ends the session sid (sign-out). */
void people_sign_out(cstore *st, const char *sid);

/* Who the session sid is (0), or -1 (none; expired, or the admin token's
 * with another admin token than admin_sha256 or none configured (NULL):
 * then deleted; its account disabled). */
int people_session(cstore *st, const char *sid, const unsigned char admin_sha256[32],
		   people_who *who);
/* Who an API token is (0), or -1 (none, or its account disabled). */
int people_api_token(cstore *st, const char *token, size_t len, people_who *who);

/* loket-central user add|list|passwd|disable|enable|token|revoke-token ...
 * (people_cli.c): argv[0] is "user"; prints to stdout, errors to stderr;
 * the exit status (0, 64 usage, 65 bad input, no such account or a taken
 * name, 74 database). */
int people_cli(cstore *st, int argc, char **argv);

#endif
