/*
 * profile_check — what a valid site profile is (PUT .../profile, profile.c),
 * apart from HTTP and the store so that a fuzzer can reach it alone
 * (tests/central/fuzz_profile.c).
 *
 * A JSON object with "name" (1..255 bytes), "languages" (1..32 codes of
 * 2..7 of [a-zA-Z-]), optional "categories" and "referrals" (arrays of at
 * most 256 objects: "id" 1..31 bytes, unique in its array, and "labels",
 * an object of at most 32 language codes to labels of at most 255 bytes;
 * an empty label is no label), optional "software" (1..64 bytes or null).
 * No string may hold control characters. Unknown fields are ignored (a
 * newer site may send more). The first field that is wrong is named:
 * "categories[3].labels: must be an object".
 */
#ifndef CENTRAL_PROFILE_CHECK_H
#define CENTRAL_PROFILE_CHECK_H

#include <jansson.h>
#include <stddef.h>

#include "cstore.h"

#define PROFILE_MAX_ITEMS 256
#define PROFILE_MAX_LANGS 32
#define PROFILE_LABEL_MAX 255 /* a site's labels and names: CONFIG_TEXT_LEN - 1 */
#define PROFILE_NAME_MAX  255
#define PROFILE_ID_MAX	  31

/* Checks root; on 0 fills the labels (each id once with lang NULL, then one
 * per language; the strings point into root) and the languages as JSON
 * text (free both). -1 with the field named in err, -2 out of memory. */
int profile_check(const json_t *root, cstore_label **lv, size_t *ln, char **languages, char *err,
		  size_t errlen);

#endif
