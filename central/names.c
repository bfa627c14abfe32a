/*
 * names — see names.h. The labels arrive sorted by (site, kind, id) from
 * the store; a lookup is a binary search for that key, then a scan of its
 * languages (at most a few dozen).
 */
#include "names.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char *site, *kind, *id, *lang, *label;
} entry;

typedef struct {
	char *site, *first_lang;
	int64_t received_ms;
} prof;

struct names {
	entry *e;
	size_t n, cap;
	prof *p;
	size_t np, pcap;
	int nomem;
};

static int take_label(void *ctx, const char *site, const cstore_label *l)
{
	names *n = ctx;
	if (n->n == n->cap) {
		size_t c = n->cap ? n->cap * 2 : 64;
		entry *p = realloc(n->e, c * sizeof *p);
		if (!p) {
			n->nomem = 1;
			return 1;
		}
		n->e = p;
		n->cap = c;
	}
	entry *e = &n->e[n->n];
	e->site = strdup(site);
	e->kind = strdup(l->kind);
	e->id = strdup(l->id);
	e->lang = strdup(l->lang);
	e->label = strdup(l->label);
	n->n++;
	if (!e->site || !e->kind || !e->id || !e->lang || !e->label) {
		n->nomem = 1;
		return 1;
	}
	return 0;
}

static int take_profile(void *ctx, const cstore_profile *p)
{
	names *n = ctx;
	if (n->np == n->pcap) {
		size_t c = n->pcap ? n->pcap * 2 : 16;
		prof *q = realloc(n->p, c * sizeof *q);
		if (!q) {
			n->nomem = 1;
			return 1;
		}
		n->p = q;
		n->pcap = c;
	}
	prof *q = &n->p[n->np++];
	json_t *l = json_loads(p->languages, 0, NULL);
	const char *first = json_string_value(json_array_get(l, 0));
	q->site = strdup(p->site);
	q->first_lang = strdup(first ? first : "");
	q->received_ms = p->received_ms;
	json_decref(l);
	if (!q->site || !q->first_lang) {
		n->nomem = 1;
		return 1;
	}
	return 0;
}

names *names_load(cstore *st, int *status)
{
	names *n = calloc(1, sizeof *n);
	if (!n) {
		*status = CSTORE_ERROR;
		return NULL;
	}
	*status = cstore_labels(st, take_label, n);
	if (*status == CSTORE_OK && !n->nomem)
		*status = cstore_profiles(st, take_profile, n);
	if (*status != CSTORE_OK || n->nomem) {
		if (*status == CSTORE_OK)
			*status = CSTORE_ERROR;
		names_free(n);
		return NULL;
	}
	return n;
}

void names_free(names *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		free(n->e[i].site);
		free(n->e[i].kind);
		free(n->e[i].id);
		free(n->e[i].lang);
		free(n->e[i].label);
	}
	for (size_t i = 0; i < n->np; i++) {
		free(n->p[i].site);
		free(n->p[i].first_lang);
	}
	free(n->e);
	free(n->p);
	free(n);
}

static int key_cmp(const entry *e, const char *site, const char *kind, const char *id)
{
	int c = strcmp(e->site ? e->site : "", site);
	if (!c)
		c = strcmp(e->kind ? e->kind : "", kind);
	if (!c)
		c = strcmp(e->id ? e->id : "", id);
	return c;
}

static const prof *profile_of(const names *n, const char *site)
{
	for (size_t i = 0; n && i < n->np; i++)
		if (!strcmp(n->p[i].site, site))
			return &n->p[i];
	return NULL;
}

int names_has_profile(const names *n, const char *site)
{
	return profile_of(n, site) != NULL;
}

int64_t names_profile_ms(const names *n, const char *site)
{
	const prof *p = profile_of(n, site);
	return p ? p->received_ms : 0;
}

const char *names_get(const names *n, const char *site, const char *kind, const char *id,
		      const char *lang)
{
	if (!n || !n->n)
		return NULL;
	/* The first entry of the key (lower bound). */
	size_t lo = 0, hi = n->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (key_cmp(&n->e[mid], site, kind, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < n->n && !key_cmp(&n->e[end], site, kind, id))
		end++;
	if (end == lo)
		return NULL;
	for (size_t i = lo; i < end; i++)
		if (!strcmp(n->e[i].lang, lang))
			return n->e[i].label;
	const prof *p = profile_of(n, site);
	for (size_t i = lo; p && i < end; i++)
		if (!strcmp(n->e[i].lang, p->first_lang))
			return n->e[i].label;
	return n->e[lo].label;
}

const char *names_or_id(const names *n, const char *site, const char *kind, const char *id,
			const char *lang)
{
	const char *l = names_get(n, site, kind, id, lang);
	return l ? l : id;
}

const char *names_any(const names *n, const char *kind, const char *id, const char *lang)
{
	const char *l = NULL;
	for (size_t i = 0; n && i < n->n; i++)
		if (!strcmp(n->e[i].kind, kind) && !strcmp(n->e[i].id, id)) {
			if (!strcmp(n->e[i].lang, lang))
				return n->e[i].label;
			if (!l)
				l = names_get(n, n->e[i].site, kind, id, lang);
		}
	return l ? l : id;
}
