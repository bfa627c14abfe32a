/*
 * sites — the sites central knows, with the database as the truth
 * (cstore's registered sites): the running server's view of them and the
 * changes the command line and the dashboard make.
 *
 * The view is a snapshot (an array of cconf_site in registration order,
 * which never changes: a site is only ever added or disabled), taken
 * again when the database's sites changed (cstore_version, a PRAGMA, says
 * something was committed; then cstore_sites_version, one row, says
 * whether it was the sites: batches and heartbeats are not), so a token
 * rotated or a site added or disabled by `loket-central site ...` in
 * another process counts from the next request on. A request holds its
 * snapshot until it is answered (sites_take / sites_drop), so the array it
 * reads is never freed under it. Indices into a snapshot are the same in
 * every later one (metrics count per index).
 *
 * Tokens are 32 random bytes from getrandom as 64 hex digits, shown once;
 * only their SHA-256 is stored.
 */
#ifndef CENTRAL_SITES_H
#define CENTRAL_SITES_H

#include <stddef.h>
#include <stdint.h>

#include "cconfig.h"
#include "cstore.h"

#define SITES_TOKEN_LEN 65 /* 64 hex digits and a NUL */

typedef struct sites sites;
typedef struct {
	int n;
	cconf_site *v; /* n entries; v[i].disabled for a disabled site */
	int refs;      /* sites.c's */
} sites_snap;

/* The view of st's sites (read now): NULL if out of memory or the database
 * cannot be read, with the reason in err. */
sites *sites_new(cstore *st, char *err, size_t errlen);
void sites_free(sites *s);
/* The current snapshot (read again first if the database changed), held
 * until sites_drop; never NULL (an empty one if nothing could be read). */
const sites_snap *sites_take(sites *s);
void sites_drop(sites *s, const sites_snap *snap);

/* The changes. Each returns CSTORE_OK, SITES_INVALID (a bad id or name,
 * or no room for another site), or another CSTORE_* status (CSTORE_CONFLICT:
 * the id is taken; CSTORE_NOT_FOUND: no such site), with a sentence for a
 * person in err. add and rotate write the new token into token. */
#define SITES_INVALID (-1)
int sites_add(cstore *st, const char *id, const char *name, char token[SITES_TOKEN_LEN], char *err,
	      size_t errlen);
int sites_rotate(cstore *st, const char *id, char token[SITES_TOKEN_LEN], char *err, size_t errlen);
int sites_enable(cstore *st, const char *id, int enabled, char *err, size_t errlen);
/* A new token into token, its digest into sha (for a change made
 * elsewhere: enrolment). 0, or -1 without randomness from the kernel. */
int sites_token_new(char token[SITES_TOKEN_LEN], unsigned char sha[32]);

/* Imports the sites of c (an older configuration file) once per database,
 * and logs how many; later, with say_not_read, logs that the file's sites
 * are not read. 0, or -1 with the reason in err. */
int sites_import(cstore *st, const cconf *c, int say_not_read, char *err, size_t errlen);

/* loket-central site add|list|rotate-token|disable|enable|enrol-code ...
 * (sites_cli.c):
 * argv[0] is "site"; prints to stdout, errors to stderr; the exit status
 * (0, 64 usage, 65 no such site or a taken id, 74 database). */
int sites_cli(cstore *st, int argc, char **argv);

#endif
