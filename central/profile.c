/*
 * profile — what a site says about itself: PUT /api/v1/sites/{site}/profile
 * (loket-syncd sends it at start and whenever it changes). The central
 * office learns from it the site's name, languages, and the labels of its
 * kinds of help (categories) and referral destinations, in every language,
 * so that no label is ever written into central's code.
 *
 *   {"name":"WIJS Paddepoel","languages":["nl","en"],
 *    "categories":[{"id":"digital","prefix":"A","icon":"phone",
 *                   "labels":{"nl":"Telefoon...","en":"Phone..."}}],
 *    "referrals":[{"id":"wij","labels":{"nl":"WIJ-team","en":"WIJ team"}}],
 *    "config_version":null,"software":"0.1.0"}
 *
 * Answers, in the order checked (the same as for events, api.c):
 *   401 no token or nobody's; 403 the admin token or another site's;
 *   404 not a configured site; 415 not application/json; 413 over
 *   PROFILE_MAX_BYTES; 400 {"error":"<field>: <what is wrong>"} naming the
 *   first field that is wrong; 503 busy; 204 stored.
 * A profile replaces the site's previous one (the time received is kept);
 * labels are kept per (site, kind, id): an id the new profile no longer
 * names keeps its last labels for the reports of the days it was used
 * (cstore_profile_put). A profile never touches events or tickets.
 *
 * Bounds: at most PROFILE_MAX_ITEMS categories and as many referrals, at
 * most PROFILE_MAX_LANGS languages and labels per item, ids 1..31 bytes,
 * labels up to PROFILE_LABEL_MAX bytes (an empty one is no label: the
 * reports fall back as for a language missing), language codes 2..7 of
 * [a-zA-Z-].
 * Unknown fields are ignored (a newer site may send more).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "central.h"
#include "clock.h"
#include "log.h"

#define PROFILE_PREFIX	   "/api/v1/sites/"
#define PROFILE_SUFFIX	   "/profile"
#define PROFILE_MAX_ITEMS  256
#define PROFILE_MAX_LANGS  32
#define PROFILE_LABEL_MAX  255 /* a site's labels and names: CONFIG_TEXT_LEN - 1 */
#define PROFILE_NAME_MAX   255
#define PROFILE_ID_MAX	   31

int route_profile(const char *path, char *site, size_t cap)
{
	size_t pl = strlen(PROFILE_PREFIX), sl = strlen(PROFILE_SUFFIX), n = strlen(path);
	if (n <= pl + sl || strncmp(path, PROFILE_PREFIX, pl) || strcmp(path + n - sl, PROFILE_SUFFIX))
		return -1;
	size_t len = n - pl - sl;
	if (len >= cap)
		len = cap - 1; /* cut: no site id is that long, so it stays unknown */
	memcpy(site, path + pl, len);
	site[len] = '\0';
	return 0;
}

static int site_of(const request *rq)
{
	char id[CCONF_ID_LEN + 2];
	if (route_profile(rq->path, id, sizeof id) || !cconf_valid_id(id))
		return -1;
	const cconf *c = rq->app->cfg;
	for (int i = 0; i < c->nsites; i++)
		if (!strcmp(c->sites[i].id, id))
			return i;
	return -1;
}

int profile_early(request *rq, reply *rp)
{
	size_t len = 0;
	const char *tok = auth_bearer_of(rq, &len);
	int who = tok ? auth_who(rq->app->cfg, tok, len) : AUTH_NOBODY;
	if (who == AUTH_NOBODY) {
		reply_json_error(rp, 401,
				 tok ? "wrong token"
				     : "no token: send Authorization: Bearer <site token>");
		reply_header(rp, "WWW-Authenticate", "Bearer realm=\"loket\"");
		return 1;
	}
	if (who == AUTH_ADMIN) {
		reply_json_error(rp, 403,
				 "the admin token cannot send a profile: use the site's token");
		return 1;
	}
	int site = site_of(rq);
	if (site < 0) {
		reply_json_error(rp, 404, "unknown site");
		return 1;
	}
	if (site != who) {
		reply_json_error(rp, 403, "this token belongs to another site");
		return 1;
	}
	const char *ct = req_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
	while (ct && *ct == ' ')
		ct++;
	if (!ct || strncasecmp(ct, "application/json", 16) || (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
		reply_json_error(rp, 415, "Content-Type must be application/json");
		return 1;
	}
	const char *cl = req_header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > PROFILE_MAX_BYTES) {
		reply_json_error(rp, 413, "body: larger than 262144 bytes");
		return 1;
	}
	return 0;
}

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

void profile_put(request *rq, reply *rp)
{
	if (profile_early(rq, rp))
		return;
	const char *id = rq->app->cfg->sites[site_of(rq)].id;
	json_error_t je;
	json_t *root = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		char msg[300];
		snprintf(msg, sizeof msg, "not JSON (line %d, column %d): %s", je.line, je.column,
			 je.text);
		reply_json_error(rp, 400, msg);
		return;
	}
	cstore_label *lv = NULL;
	size_t ln = 0;
	char *languages = NULL, err[300];
	int rc = profile_check(root, &lv, &ln, &languages, err, sizeof err);
	if (rc) {
		json_decref(root);
		reply_json_error(rp, rc == -2 ? 503 : 400, err);
		reply_note(rp, "site=%s profile refused: %s", id, err);
		return;
	}
	int st = cstore_profile_put(rq->app->st, id,
				    json_string_value(json_object_get(root, "name")), languages,
				    rq->body, rq->body_len, lv, ln, clock_now_ms());
	if (st == CSTORE_OK) {
		rp->status = 204;
		reply_note(rp, "site=%s profile stored (%zu labels)", id, ln);
	} else if (st == CSTORE_BUSY || st == CSTORE_FULL) {
		reply_unavailable(rp, 5, "the central office cannot store now, try again");
	} else {
		reply_json_error(rp, 500, "the central office could not store the profile");
	}
	free(lv);
	free(languages);
	json_decref(root);
}
