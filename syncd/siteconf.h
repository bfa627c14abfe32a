/*
 * siteconf — the office's part of the site configuration, applied to the
 * site's own file (docs/syncd.md, "Configuration from the office").
 *
 * The central office manages some keys (SITECONF_MANAGED: the site's name,
 * languages, kinds of help, referrals, opening hours and closed days,
 * desks, the day change, the kiosk's settings and staff PIN); the others
 * stay the site's own (the site's id, the database, "sync" with its token
 * file and URL, retention, a printer). siteconf_apply merges the office's
 * JSON into the local file: a managed key the office sends replaces the
 * local one, a managed key it leaves out goes (its default applies), a
 * local key stays. The result must pass the same checks as any site file
 * (config_load); only then it replaces the file, atomically (written
 * beside it, synced, renamed over it), the previous version kept as
 * FILE.previous. On any problem the file is not touched.
 */
#ifndef SYNCD_SITECONF_H
#define SYNCD_SITECONF_H

#include <stddef.h>

#define SITECONF_REFUSED -1 /* the office's configuration fails the checks */
#define SITECONF_IO	 -2 /* this box cannot read or write its files */

/* Applies the office's configuration (json, len bytes) to the site file at
 * path. Returns 1 if the file changed, 0 if it already said the same;
 * SITECONF_REFUSED with the reasons in err (one per line, naming the key)
 * if the office's configuration fails the checks, SITECONF_IO (err says
 * why) if the files cannot be read or written. */
int siteconf_apply(const char *path, const char *json, size_t len, char *err, size_t errlen);

#endif
