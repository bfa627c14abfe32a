/*
 * siteconf — the part of each site's configuration the central office
 * manages (docs/central.md, "Managed configuration"): what a valid one is,
 * its versions, templates, and a line diff between two versions. No HTTP
 * here (siteconf_api.c, siteconf_page.c answer requests with it) and no SQL
 * (cstore.h keeps the texts).
 *
 * What is valid is decided by libloket's config_check_managed: the very
 * checks a site makes of its own file (config.c), in the mode where only
 * the managed keys are allowed, so the office and a site never disagree
 * about a configuration. A local key (database, sync, retention_days,
 * printer, site.id) is refused with a message saying it stays at the site.
 *
 * A configuration is stored pretty-printed (two spaces, keys in the order
 * given), so versions diff line by line. The ETag a site sees is the
 * version's number, "\"v7\"".
 *
 * Every function returns CSTORE_OK, SITECONF_INVALID (err names the key:
 * "config:3:5: categories[0].label: no label for language \"en\"", one
 * line per problem), or another CSTORE_* status with a sentence in err.
 */
#ifndef CENTRAL_SITECONF_H
#define CENTRAL_SITECONF_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cconfig.h"
#include "cstore.h"

#define SITECONF_INVALID   (-1)
#define SITECONF_MAX_BYTES (256u << 10) /* a managed configuration, as JSON */
#define SITECONF_ETAG_LEN  32
#define SITECONF_NAME_LEN  32 /* template names: [a-z0-9_-]{1,31} */

/* Checks text (len bytes, the managed part as JSON). */
int siteconf_check(const char *text, size_t len, char *err, size_t errlen);

/* Checks text and saves it as a new version of site's configuration,
 * by author: *version its number. CSTORE_NOT_FOUND: no such site. */
int siteconf_save(cstore *st, const char *site, const char *text, size_t len, const char *author,
		  int64_t *version, char *err, size_t errlen);

/* Makes a new version of site equal to its version `version`, noted as a
 * rollback. CSTORE_NOT_FOUND (err says which): no such site or version. */
int siteconf_rollback(cstore *st, const char *site, int64_t version, const char *author,
		      int64_t *new_version, char *err, size_t errlen);

/* The latest version of site: its number and text (malloc'd, the caller
 * frees) and the ETag. CSTORE_NOT_FOUND if central manages none. */
int siteconf_latest(cstore *st, const char *site, int64_t *version, char **text, size_t *len,
		    char etag[SITECONF_ETAG_LEN]);
/* Version version (0: the latest) of site: text malloc'd, as above. */
int siteconf_version(cstore *st, const char *site, int64_t version, char **text, size_t *len);
void siteconf_etag(int64_t version, char etag[SITECONF_ETAG_LEN]);

/* A template: a JSON object holding some managed keys, each checked for
 * its own shape when applied (with the site's other keys). Saved as given
 * (pretty-printed). SITECONF_INVALID: not an object, or a key that is not
 * managed. */
int siteconf_template_save(cstore *st, const char *name, const char *text, size_t len,
			   const char *author, char *err, size_t errlen);

/* One site's result of applying a template. */
typedef struct {
	char site[CCONF_ID_LEN];
	int status;	 /* CSTORE_OK, SITECONF_INVALID, CSTORE_NOT_FOUND, ... */
	int64_t version; /* the new version, when status is CSTORE_OK */
	char err[1024];
} siteconf_applied;

/* Applies template name to sites[0..n): for each, its latest configuration
 * with the template's keys replacing its own, checked. All or nothing: only
 * if every site's result passes are the new versions stored (one
 * transaction); res[i] says each site's outcome either way. Returns
 * CSTORE_OK, SITECONF_INVALID (some site's result fails: see res),
 * CSTORE_NOT_FOUND (no such template, or a site without a configuration or
 * not registered: see res and err), or the store's status. */
int siteconf_template_apply(cstore *st, const char *name, const char *const *sites, size_t n,
			    const char *author, siteconf_applied *res, char *err, size_t errlen);

/* A line diff of a and b (the texts of two versions) into o, one line each
 * prefixed "  " (both), "- " (only a) or "+ " (only b): the lines both
 * begin and end with are taken as they are, the rest by a longest common
 * subsequence. 0, or -1 if the part that differs has more than
 * SITECONF_DIFF_LINES lines on a side, or o is out of room. */
#define SITECONF_DIFF_LINES 1000
int siteconf_diff(const char *a, const char *b, buf *o);

#endif
