/*
 * siteconf — see siteconf.h.
 *
 * JSON is jansson's; texts go to and come from the store as they are.
 * Invariants: a stored version always passed siteconf_check (rollback
 * copies one that did; a template's result is checked per site before any
 * is stored), and its text is what siteconf_pretty made of it.
 */
#include "siteconf.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "config.h"

static int say(int rc, const char *what, char *err, size_t errlen)
{
	switch (rc) {
	case CSTORE_OK:
	case SITECONF_INVALID: break;
	case CSTORE_NOT_FOUND: snprintf(err, errlen, "%s", what); break;
	case CSTORE_BUSY: snprintf(err, errlen, "the database is busy: try again"); break;
	case CSTORE_FULL: snprintf(err, errlen, "the disk is full"); break;
	case CSTORE_CONFLICT:
		snprintf(err, errlen,
			 "a site's configuration was saved meanwhile: nothing applied, try again");
		break;
	default: snprintf(err, errlen, "the database failed (see the log)"); break;
	}
	return rc;
}

/* The stored form of a configuration: two spaces, keys as given, a final
 * newline. malloc'd, NULL if out of memory. */
static char *pretty(const json_t *j)
{
	char *t = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!t)
		return NULL;
	size_t n = strlen(t);
	char *out = realloc(t, n + 2);
	if (!out) {
		free(t);
		return NULL;
	}
	out[n] = '\n';
	out[n + 1] = '\0';
	return out;
}

int siteconf_check(const char *text, size_t len, char *err, size_t errlen)
{
	if (len > SITECONF_MAX_BYTES) {
		snprintf(err, errlen, "config: larger than %u bytes", SITECONF_MAX_BYTES);
		return SITECONF_INVALID;
	}
	if (config_check_managed("config", text, len, err, errlen)) {
		size_t n = strlen(err);
		while (n && err[n - 1] == '\n')
			err[--n] = '\0';
		return SITECONF_INVALID;
	}
	return CSTORE_OK;
}

/* Checks text, and makes its stored form into *out. */
static int checked(const char *text, size_t len, char **out, char *err, size_t errlen)
{
	int rc = siteconf_check(text, len, err, errlen);
	if (rc != CSTORE_OK)
		return rc;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	*out = j ? pretty(j) : NULL;
	json_decref(j);
	if (!*out) {
		snprintf(err, errlen, "out of memory");
		return CSTORE_ERROR;
	}
	return CSTORE_OK;
}

int siteconf_save(cstore *st, const char *site, const char *text, size_t len, const char *author,
		  int64_t *version, char *err, size_t errlen)
{
	char *stored = NULL;
	int rc = checked(text, len, &stored, err, errlen);
	if (rc != CSTORE_OK)
		return rc;
	cstore_conf_new v = {site, stored, strlen(stored), 0};
	rc = cstore_conf_put(st, &v, 1, author, "", clock_now_ms(), version);
	free(stored);
	if (rc == CSTORE_OK)
		audit_note(st, author, "config.save", "%s v%lld", site, (long long)*version);
	char what[96];
	snprintf(what, sizeof what, "there is no site \"%s\"", site);
	return say(rc, what, err, errlen);
}

typedef struct {
	int64_t version;
	char *text;
	size_t len;
} got;

static int on_conf(void *ctx, const cstore_conf *c)
{
	got *g = ctx;
	g->version = c->version;
	g->text = malloc(c->len + 1);
	if (g->text) {
		memcpy(g->text, c->body, c->len);
		g->text[c->len] = '\0';
		g->len = c->len;
	}
	return 1;
}

/* siteconf_version, also saying which version it was (*number). */
static int version_of(cstore *st, const char *site, int64_t version, char **text, size_t *len,
		      int64_t *number)
{
	got g = {0, NULL, 0};
	int rc = cstore_conf_get(st, site, version, on_conf, &g);
	if (rc == CSTORE_OK && !g.text)
		rc = CSTORE_ERROR;
	if (rc != CSTORE_OK) {
		free(g.text);
		return rc;
	}
	*text = g.text;
	*len = g.len;
	*number = g.version;
	return CSTORE_OK;
}

int siteconf_version(cstore *st, const char *site, int64_t version, char **text, size_t *len)
{
	int64_t number;
	return version_of(st, site, version, text, len, &number);
}

void siteconf_etag(int64_t version, char etag[SITECONF_ETAG_LEN])
{
	snprintf(etag, SITECONF_ETAG_LEN, "\"v%lld\"", (long long)version);
}

int siteconf_latest(cstore *st, const char *site, int64_t *version, char **text, size_t *len,
		    char etag[SITECONF_ETAG_LEN])
{
	got g = {0, NULL, 0};
	int rc = cstore_conf_get(st, site, 0, on_conf, &g);
	if (rc == CSTORE_OK && !g.text)
		rc = CSTORE_ERROR;
	if (rc != CSTORE_OK) {
		free(g.text);
		return rc;
	}
	*version = g.version;
	*text = g.text;
	*len = g.len;
	siteconf_etag(g.version, etag);
	return CSTORE_OK;
}

int siteconf_rollback(cstore *st, const char *site, int64_t version, const char *author,
		      int64_t *new_version, char *err, size_t errlen)
{
	char *text = NULL, what[128], note[48];
	size_t len = 0;
	snprintf(what, sizeof what, "site \"%s\" has no configuration version %lld", site,
		 (long long)version);
	if (version < 1)
		return say(CSTORE_NOT_FOUND, what, err, errlen);
	int rc = siteconf_version(st, site, version, &text, &len);
	if (rc != CSTORE_OK)
		return say(rc, what, err, errlen);
	snprintf(note, sizeof note, "back to version %lld", (long long)version);
	cstore_conf_new v = {site, text, len, 0};
	rc = cstore_conf_put(st, &v, 1, author, note, clock_now_ms(), new_version);
	free(text);
	if (rc == CSTORE_OK)
		audit_note(st, author, "config.rollback", "%s v%lld = v%lld", site,
			   (long long)*new_version, (long long)version);
	return say(rc, what, err, errlen);
}

int siteconf_template_save(cstore *st, const char *name, const char *text, size_t len,
			   const char *author, char *err, size_t errlen)
{
	if (!cconf_valid_id(name)) {
		snprintf(err, errlen, "\"%s\" is not a template name: 1 to %d of a-z, 0-9, _ and -",
			 name, SITECONF_NAME_LEN - 1);
		return SITECONF_INVALID;
	}
	if (len > SITECONF_MAX_BYTES) {
		snprintf(err, errlen, "template: larger than %u bytes", SITECONF_MAX_BYTES);
		return SITECONF_INVALID;
	}
	json_error_t je;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(j) || json_object_size(j) == 0) {
		if (j)
			snprintf(err, errlen, "template: must be an object holding managed keys");
		else
			snprintf(err, errlen, "template:%d:%d: %s", je.line, je.column, je.text);
		json_decref(j);
		return SITECONF_INVALID;
	}
	const char *key;
	json_t *val;
	json_object_foreach(j, key, val)
	{
		int managed = 0;
		for (int i = 0; config_managed_keys[i] && !managed; i++)
			managed = !strcmp(key, config_managed_keys[i]);
		if (!managed) {
			snprintf(err, errlen,
				 "template: %s: not a key the office manages (it stays the site's "
				 "own, or is unknown)",
				 key);
			json_decref(j);
			return SITECONF_INVALID;
		}
	}
	char *stored = pretty(j);
	json_decref(j);
	if (!stored) {
		snprintf(err, errlen, "out of memory");
		return CSTORE_ERROR;
	}
	int rc = cstore_template_put(st, name, stored, strlen(stored), author, clock_now_ms());
	free(stored);
	if (rc == CSTORE_OK)
		audit_note(st, author, "template.save", "%s", name);
	return say(rc, "", err, errlen);
}

static int on_template(void *ctx, const cstore_template *t)
{
	*(json_t **)ctx = json_loadb(t->body, t->len, 0, NULL);
	return 1;
}

/* Site's latest configuration with tpl's keys replacing its own, checked,
 * into r (and its stored form into *out). */
static int apply_one(cstore *st, const char *site, const json_t *tpl, siteconf_applied *r,
		     char **out, int64_t *base)
{
	char *text = NULL;
	size_t len = 0;
	*out = NULL;
	snprintf(r->site, sizeof r->site, "%s", site);
	r->status = version_of(st, site, 0, &text, &len, base);
	if (r->status != CSTORE_OK) {
		char what[128];
		snprintf(what, sizeof what,
			 "site \"%s\" has no configuration yet (or is not a site): save one first",
			 site);
		return say(r->status, what, r->err, sizeof r->err);
	}
	json_t *j = json_loadb(text, len, 0, NULL);
	free(text);
	if (!j || json_object_update(j, (json_t *)tpl)) {
		json_decref(j);
		snprintf(r->err, sizeof r->err, "out of memory");
		return r->status = CSTORE_ERROR;
	}
	char *merged = pretty(j);
	json_decref(j);
	if (!merged) {
		snprintf(r->err, sizeof r->err, "out of memory");
		return r->status = CSTORE_ERROR;
	}
	r->status = siteconf_check(merged, strlen(merged), r->err, sizeof r->err);
	if (r->status == CSTORE_OK)
		*out = merged;
	else
		free(merged);
	return r->status;
}

int siteconf_template_apply(cstore *st, const char *name, const char *const *sites, size_t n,
			    const char *author, siteconf_applied *res, char *err, size_t errlen)
{
	json_t *tpl = NULL;
	int rc = cstore_template_get(st, name, on_template, &tpl);
	if (rc == CSTORE_OK && !tpl)
		rc = CSTORE_ERROR;
	if (rc != CSTORE_OK) {
		char what[96];
		snprintf(what, sizeof what, "there is no template \"%s\"", name);
		return say(rc, what, err, errlen);
	}
	char **texts = calloc(n ? n : 1, sizeof *texts);
	cstore_conf_new *v = calloc(n ? n : 1, sizeof *v);
	int64_t *versions = calloc(n ? n : 1, sizeof *versions);
	if (!texts || !v || !versions) {
		rc = CSTORE_ERROR;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* Every site first: all or nothing. */
	int worst = CSTORE_OK;
	for (size_t i = 0; i < n; i++) {
		memset(&res[i], 0, sizeof res[i]);
		int r = apply_one(st, sites[i], tpl, &res[i], &texts[i], &versions[i]);
		if (r != CSTORE_OK && (worst == CSTORE_OK || worst == SITECONF_INVALID))
			worst = r;
		/* made from versions[i]: refused if a save comes in between */
		v[i] = (cstore_conf_new){sites[i], texts[i], texts[i] ? strlen(texts[i]) : 0,
					 versions[i]};
	}
	if (worst != CSTORE_OK) {
		rc = worst;
		snprintf(err, errlen, "nothing applied: %s",
			 worst == SITECONF_INVALID ? "a site's result fails the checks"
						   : "a site cannot take it");
		goto out;
	}
	char note[64];
	snprintf(note, sizeof note, "template %s", name);
	rc = cstore_conf_put(st, v, n, author, note, clock_now_ms(), versions);
	for (size_t i = 0; i < n; i++) {
		res[i].status = rc;
		res[i].version = rc == CSTORE_OK ? versions[i] : 0;
	}
	say(rc, "a site is not registered", err, errlen);
	for (size_t i = 0; rc == CSTORE_OK && i < n; i++)
		audit_note(st, author, "config.template", "%s v%lld from template %s", v[i].site,
			   (long long)versions[i], name);
out:
	for (size_t i = 0; texts && i < n; i++)
		free(texts[i]);
	free(texts);
	free(v);
	free(versions);
	json_decref(tpl);
	return rc;
}

/* --- the diff ------------------------------------------------------------ */

typedef struct {
	const char **p; /* line starts */
	size_t *len;	/* without the newline */
	size_t n;
} lines;

static int split(const char *s, lines *l)
{
	size_t cap = 1;
	for (const char *q = s; *q; q++)
		cap += *q == '\n';
	l->p = malloc(cap * sizeof *l->p);
	l->len = malloc(cap * sizeof *l->len);
	l->n = 0;
	if (!l->p || !l->len)
		return -1;
	while (*s) {
		const char *e = strchr(s, '\n');
		size_t k = e ? (size_t)(e - s) : strlen(s);
		l->p[l->n] = s;
		l->len[l->n++] = k;
		s += k + (e ? 1 : 0);
	}
	return 0;
}

static int same(const lines *a, size_t i, const lines *b, size_t j)
{
	return a->len[i] == b->len[j] && !memcmp(a->p[i], b->p[j], a->len[i]);
}

static int emit(buf *o, const char *mark, const char *p, size_t len)
{
	return buf_adds(o, mark) || buf_add(o, p, len) || buf_adds(o, "\n");
}

int siteconf_diff(const char *a_text, const char *b_text, buf *o)
{
	lines a = {0}, b = {0};
	uint16_t *t = NULL;
	int rc = -1;
	if (split(a_text, &a) || split(b_text, &b))
		goto out;
	size_t pre = 0, post = 0;
	while (pre < a.n && pre < b.n && same(&a, pre, &b, pre))
		pre++;
	while (post < a.n - pre && post < b.n - pre && same(&a, a.n - 1 - post, &b, b.n - 1 - post))
		post++;
	size_t na = a.n - pre - post, nb = b.n - pre - post;
	if (na > SITECONF_DIFF_LINES || nb > SITECONF_DIFF_LINES)
		goto out;
	/* t[i][j]: the longest common subsequence of a's middle from i and
	 * b's middle from j. */
	size_t w = nb + 1;
	t = calloc((na + 1) * w, sizeof *t);
	if (!t)
		goto out;
	for (size_t i = na; i-- > 0;)
		for (size_t j = nb; j-- > 0;)
			t[i * w + j] = same(&a, pre + i, &b, pre + j)
					   ? (uint16_t)(t[(i + 1) * w + j + 1] + 1)
				       : t[(i + 1) * w + j] >= t[i * w + j + 1] ? t[(i + 1) * w + j]
										: t[i * w + j + 1];
	int bad = 0;
	for (size_t k = 0; k < pre; k++)
		bad |= emit(o, "  ", a.p[k], a.len[k]);
	size_t i = 0, j = 0;
	while (i < na || j < nb) {
		if (i < na && j < nb && same(&a, pre + i, &b, pre + j)) {
			bad |= emit(o, "  ", a.p[pre + i], a.len[pre + i]);
			i++, j++;
		} else if (i < na && (j == nb || t[(i + 1) * w + j] >= t[i * w + j + 1])) {
			bad |= emit(o, "- ", a.p[pre + i], a.len[pre + i]);
			i++;
		} else {
			bad |= emit(o, "+ ", b.p[pre + j], b.len[pre + j]);
			j++;
		}
	}
	for (size_t k = a.n - post; k < a.n; k++)
		bad |= emit(o, "  ", a.p[k], a.len[k]);
	rc = bad ? -1 : 0;
out:
	free(t);
	free(a.p);
	free(a.len);
	free(b.p);
	free(b.len);
	return rc;
}
