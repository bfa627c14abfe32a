/*
 * names — what the central office calls a site's kinds of help and
 * referral destinations, in the reader's language, from the labels the
 * sites sent in their profiles (profile.c, cstore_labels). No label is
 * written into central's code.
 *
 * A label in the reader's language; else in the site's first language
 * (its profile's languages[0]); else in any language held; else NULL, and
 * the caller shows the id. A site that never sent a profile (an older
 * version) has no labels: its ids are shown.
 */
#ifndef CENTRAL_NAMES_H
#define CENTRAL_NAMES_H

#include <stdint.h>

#include "cstore.h"

typedef struct names names;

/* Loads every label and profile; NULL with *status set on failure. */
names *names_load(cstore *st, int *status);
void names_free(names *n);

/* The label of id (kind "category" or "referral") of site in lang, or NULL. */
const char *names_get(const names *n, const char *site, const char *kind, const char *id,
		      const char *lang);
/* The label, or id itself when there is none. */
const char *names_or_id(const names *n, const char *site, const char *kind, const char *id,
			const char *lang);
/* A label of id in lang from any site (for a chart across sites), or id. */
const char *names_any(const names *n, const char *kind, const char *id, const char *lang);
/* 1 if site has sent a profile. */
int names_has_profile(const names *n, const char *site);
/* When the site's last profile was received (unix ms), or 0 if never. */
int64_t names_profile_ms(const names *n, const char *site);

#endif
