/*
 * profile — what this site runs, for the central office (docs/protocol.md,
 * "The site's profile"): its name, languages, kinds of help with their
 * labels in every language, referrals, the configuration's version and the
 * software's. syncd PUTs it at start and whenever it changes (a reload);
 * the dashboard and the reports take their labels from it, so no label is
 * written into central's code.
 */
#ifndef SYNCD_PROFILE_H
#define SYNCD_PROFILE_H

#include "config.h"

/* The profile of cfg as compact JSON (malloc'ed, the caller frees), or
 * NULL on out of memory. config_version: the office's configuration the
 * site runs ("" or NULL: none, its own file). The same configuration gives
 * the same text. */
char *sync_profile_json(const config *cfg, const char *config_version);

#endif
