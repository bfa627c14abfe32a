/*
 * profile_check — see profile_check.h. Every loop runs over an array or
 * object of bounded size (checked before it is walked).
 */
#include "profile_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A string of min..max bytes without control characters, or an error. */
static int text_ok(const json_t *v, size_t min, size_t max, const char *field, char *err,
		   size_t errlen)
{
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s: must be a string", field);
		return -1;
	}
	size_t n = json_string_length(v);
	const char *s = json_string_value(v);
	if (n < min || n > max) {
		snprintf(err, errlen, "%s: must be %zu..%zu bytes", field, min, max);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20) {
			snprintf(err, errlen, "%s: must not hold control characters", field);
			return -1;
		}
	return 0;
}

static int lang_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 7)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-'))
			return 0;
	return 1;
}

typedef struct {
	cstore_label *v;
	size_t n, cap;
} labels;

static int labels_push(labels *l, const char *kind, const char *id, const char *lang,
		       const char *label)
{
	if (l->n == l->cap) {
		size_t c = l->cap ? l->cap * 2 : 64;
		cstore_label *p = realloc(l->v, c * sizeof *p);
		if (!p)
			return -1;
		l->v = p;
		l->cap = c;
	}
	l->v[l->n++] = (cstore_label){kind, id, lang, label};
	return 0;
}

/* categories or referrals: an array of {"id", "labels"} (absent = []). */
static int items(const json_t *root, const char *key, const char *kind, labels *out, char *err,
		 size_t errlen)
{
	const json_t *a = json_object_get(root, key);
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a)) {
		snprintf(err, errlen, "%s: must be an array", key);
		return -1;
	}
	if (json_array_size(a) > PROFILE_MAX_ITEMS) {
		snprintf(err, errlen, "%s: %zu items, at most %d", key, json_array_size(a),
			 PROFILE_MAX_ITEMS);
		return -1;
	}
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *it = json_array_get(a, i);
		char f[64];
		snprintf(f, sizeof f, "%s[%zu]", key, i);
		if (!json_is_object(it)) {
			snprintf(err, errlen, "%s: must be an object", f);
			return -1;
		}
		snprintf(f, sizeof f, "%s[%zu].id", key, i);
		const json_t *id = json_object_get(it, "id");
		if (!id) {
			snprintf(err, errlen, "%s: missing", f);
			return -1;
		}
		if (text_ok(id, 1, PROFILE_ID_MAX, f, err, errlen))
			return -1;
		for (size_t j = 0; j < i; j++) {
			const char *o = json_string_value(json_object_get(json_array_get(a, j), "id"));
			if (o && !strcmp(o, json_string_value(id))) {
				snprintf(err, errlen, "%s: \"%s\" appears twice", f, o);
				return -1;
			}
		}
		snprintf(f, sizeof f, "%s[%zu].labels", key, i);
		const json_t *ls = json_object_get(it, "labels");
		if (!ls) {
			snprintf(err, errlen, "%s: missing", f);
			return -1;
		}
		if (!json_is_object(ls)) {
			snprintf(err, errlen, "%s: must be an object", f);
			return -1;
		}
		if (json_object_size(ls) > PROFILE_MAX_LANGS) {
			snprintf(err, errlen, "%s: at most %d languages", f, PROFILE_MAX_LANGS);
			return -1;
		}
		/* The id itself first, without a language: its old labels go. */
		if (labels_push(out, kind, json_string_value(id), NULL, NULL))
			goto nomem;
		const char *lang;
		json_t *v;
		json_object_foreach((json_t *)ls, lang, v)
		{
			char lf[128];
			snprintf(lf, sizeof lf, "%s[%zu].labels.%.16s", key, i, lang);
			if (!lang_ok(lang)) {
				snprintf(err, errlen, "%s: not a language code (2..7 letters)", lf);
				return -1;
			}
			if (text_ok(v, 0, PROFILE_LABEL_MAX, lf, err, errlen))
				return -1;
			if (json_string_length(v) && labels_push(out, kind, json_string_value(id), lang,
					json_string_value(v)))
				goto nomem;
		}
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -2;
}

int profile_check(const json_t *root, cstore_label **lv, size_t *ln, char **languages, char *err,
		  size_t errlen)
{
	*lv = NULL;
	*ln = 0;
	*languages = NULL;
	if (!json_is_object(root)) {
		snprintf(err, errlen, "the profile must be a JSON object");
		return -1;
	}
	const json_t *name = json_object_get(root, "name");
	if (!name) {
		snprintf(err, errlen, "name: missing");
		return -1;
	}
	if (text_ok(name, 1, PROFILE_NAME_MAX, "name", err, errlen))
		return -1;
	const json_t *langs = json_object_get(root, "languages");
	if (!langs) {
		snprintf(err, errlen, "languages: missing");
		return -1;
	}
	if (!json_is_array(langs) || json_array_size(langs) < 1 ||
	    json_array_size(langs) > PROFILE_MAX_LANGS) {
		snprintf(err, errlen, "languages: must be an array of 1..%d language codes",
			 PROFILE_MAX_LANGS);
		return -1;
	}
	for (size_t i = 0; i < json_array_size(langs); i++) {
		const json_t *l = json_array_get(langs, i);
		if (!json_is_string(l) || !lang_ok(json_string_value(l))) {
			snprintf(err, errlen, "languages[%zu]: must be a language code (2..7 letters)",
				 i);
			return -1;
		}
	}
	const json_t *sw = json_object_get(root, "software");
	if (sw && !json_is_null(sw) && text_ok(sw, 1, 64, "software", err, errlen))
		return -1;
	labels l = {0};
	int rc = items(root, "categories", "category", &l, err, errlen);
	if (!rc)
		rc = items(root, "referrals", "referral", &l, err, errlen);
	if (!rc) {
		*languages = json_dumps(langs, JSON_COMPACT);
		if (!*languages) {
			snprintf(err, errlen, "out of memory");
			rc = -2;
		}
	}
	if (rc) {
		free(l.v);
		return rc;
	}
	*lv = l.v;
	*ln = l.n;
	return 0;
}

