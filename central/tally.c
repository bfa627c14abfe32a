/*
 * tally — see tally.h. One pass over the period's sums per site and kind
 * of help, one over its counts (languages, referrals, staffed time), then per
 * site a sort of its rows and the grouping of the tail into "other".
 * Every loop runs over what the store returned or over arrays built from
 * it; a site is found by a hash of the configured ids.
 */
#include "tally.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

typedef struct {
	tally_count *v;
	size_t n, cap;
	strmap idx;
} counter;

typedef struct {
	tally_row *v;
	size_t n, cap;
	strmap idx;
	counter refs, langs;
} site_acc;

typedef struct {
	tally *t;
	site_acc *acc;
	strmap sites; /* configured site id -> its index */
} build;

int64_t tally_pct(const hist *h, int p)
{
	return hist_pct(h, p);
}

static tally_row *row_of(site_acc *a, const char *key)
{
	size_t i = strmap_get(&a->idx, key);
	if (i != (size_t)-1)
		return &a->v[i];
	if (a->n == a->cap) {
		size_t c = a->cap ? a->cap * 2 : 16;
		tally_row *p = realloc(a->v, c * sizeof *p);
		if (!p)
			return NULL;
		a->v = p;
		a->cap = c;
	}
	tally_row *r = &a->v[a->n];
	memset(r, 0, sizeof *r);
	r->key = strdup(key);
	if (!r->key || strmap_put(&a->idx, key, a->n)) {
		free(r->key);
		return NULL;
	}
	a->n++;
	return r;
}

static int count(counter *c, const char *key, long n)
{
	size_t i = strmap_get(&c->idx, key);
	if (i != (size_t)-1) {
		c->v[i].n += n;
		return 0;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		tally_count *p = realloc(c->v, cap * sizeof *p);
		if (!p)
			return -1;
		c->v = p;
		c->cap = cap;
	}
	tally_count *e = &c->v[c->n];
	e->key = strdup(key);
	e->grouped = 0;
	e->n = n;
	if (!e->key || strmap_put(&c->idx, key, c->n)) {
		free(e->key);
		return -1;
	}
	c->n++;
	return 0;
}

static void add_row(tally_row *d, const tally_row *s)
{
	d->visits += s->visits;
	d->served += s->served;
	d->no_show += s->no_show;
	d->expired += s->expired;
	d->cancelled += s->cancelled;
	d->open += s->open;
	d->solved += s->solved;
	d->referred += s->referred;
	d->follow_up += s->follow_up;
	d->outcome_nr += s->outcome_nr;
	d->first_yes += s->first_yes;
	d->first_no += s->first_no;
	d->first_nr += s->first_nr;
	d->also += s->also;
	hist_add(&d->wait, &s->wait);
}

static int take(void *ctx, const cstore_agg *g)
{
	build *b = ctx;
	size_t si = strmap_get(&b->sites, g->site);
	if (si == (size_t)-1)
		return 0; /* a site no longer configured */
	tally_row *r = row_of(&b->acc[si], g->category);
	if (!r) {
		b->t->nomem = 1;
		return 1;
	}
	tally_row d = {
	    .visits = g->visits,
	    .served = g->served,
	    .no_show = g->no_show,
	    .expired = g->expired,
	    .cancelled = g->cancelled,
	    .open = g->open,
	    .solved = g->solved,
	    .referred = g->referred,
	    .follow_up = g->follow_up,
	    .outcome_nr = g->outcome_nr,
	    .first_yes = g->first_yes,
	    .first_no = g->first_no,
	    .first_nr = g->first_nr,
	    .also = g->also,
	};
	add_row(r, &d);
	/* A malformed histogram (cannot be: the store wrote it) counts what
	 * it could read. */
	(void)hist_merge_blob(&r->wait, g->wait, g->wait_len);
	return 0;
}

static int take_count(void *ctx, const cstore_count *c)
{
	build *b = ctx;
	size_t si = strmap_get(&b->sites, c->site);
	if (si == (size_t)-1)
		return 0;
	site_acc *a = &b->acc[si];
	tally_site *s = &b->t->sites[si];
	if (!strcmp(c->kind, "lang") || !strcmp(c->kind, "referral")) {
		if (count(!strcmp(c->kind, "lang") ? &a->langs : &a->refs, c->key, (long)c->n)) {
			b->t->nomem = 1;
			return 1;
		}
	} else if (!strcmp(c->kind, "staffed")) {
		s->staffed_minutes += (long)c->n;
		b->t->staffed_minutes += (long)c->n;
	} else if (!strcmp(c->kind, "spans")) {
		s->spans += (long)c->n;
		b->t->spans += (long)c->n;
	}
	return 0;
}

static int cmp_row(const void *x, const void *y)
{
	const tally_row *a = x, *b = y;
	long ka = a->visits + a->also, kb = b->visits + b->also;
	if (ka != kb)
		return ka > kb ? -1 : 1;
	return strcmp(a->key, b->key);
}

static int cmp_count(const void *x, const void *y)
{
	const tally_count *a = x, *b = y;
	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return strcmp(a->key, b->key);
}

/* Sorts the rows and puts those after the first top into one "other". */
static int finish_rows(site_acc *a, size_t top, tally_site *s)
{
	if (a->n)
		qsort(a->v, a->n, sizeof *a->v, cmp_row);
	for (size_t i = 0; i < a->n; i++)
		add_row(&s->total, &a->v[i]);
	if (a->n > top + 1) {
		tally_row *o = &a->v[top];
		tally_row other;
		memset(&other, 0, sizeof other);
		other.grouped = (long)(a->n - top);
		for (size_t i = top; i < a->n; i++) {
			add_row(&other, &a->v[i]);
			free(a->v[i].key);
		}
		*o = other;
		a->n = top + 1;
	}
	s->rows = a->v;
	s->nrows = a->n;
	a->v = NULL;
	a->n = a->cap = 0;
	return 0;
}

static void finish_counts(counter *c, size_t top, tally_count **out, size_t *nout)
{
	if (c->n)
		qsort(c->v, c->n, sizeof *c->v, cmp_count);
	if (c->n > top + 1) {
		long n = 0;
		for (size_t i = top; i < c->n; i++) {
			n += c->v[i].n;
			free(c->v[i].key);
		}
		c->v[top] = (tally_count){NULL, (long)(c->n - top), n};
		c->n = top + 1;
	}
	*out = c->v;
	*nout = c->n;
	c->v = NULL;
	c->n = c->cap = 0;
}

int tally_build(cstore *st, const cconf *c, const char *from, const char *to, size_t top,
		tally *t)
{
	memset(t, 0, sizeof *t);
	snprintf(t->from, sizeof t->from, "%s", from);
	snprintf(t->to, sizeof t->to, "%s", to);
	size_t ns = (size_t)c->nsites;
	t->sites = calloc(ns + 1, sizeof *t->sites);
	site_acc *acc = calloc(ns + 1, sizeof *acc);
	if (!t->sites || !acc) {
		free(acc);
		t->nomem = 1;
		return CSTORE_ERROR;
	}
	t->nsites = ns;
	for (size_t i = 0; i < ns; i++) {
		t->sites[i].id = c->sites[i].id;
		t->sites[i].name = c->sites[i].name;
	}
	build b = {t, acc, {0}};
	int status = CSTORE_OK;
	for (size_t i = 0; i < ns && status == CSTORE_OK; i++)
		if (strmap_put(&b.sites, c->sites[i].id, i)) {
			t->nomem = 1;
			status = CSTORE_ERROR;
		}
	if (status == CSTORE_OK)
		status = cstore_period_aggs(st, from, to, NULL, take, &b);
	if (status == CSTORE_OK && !t->nomem)
		status = cstore_period_counts(st, from, to, NULL, take_count, &b);
	strmap_free(&b.sites);
	for (size_t i = 0; i < ns; i++) {
		site_acc *a = &acc[i];
		tally_site *s = &t->sites[i];
		if (status == CSTORE_OK && !t->nomem) {
			if (finish_rows(a, top, s))
				t->nomem = 1;
			finish_counts(&a->refs, top, &s->refs, &s->nrefs);
			finish_counts(&a->langs, top, &s->langs, &s->nlangs);
			add_row(&t->total, &s->total);
		}
		for (size_t j = 0; j < a->n; j++)
			free(a->v[j].key);
		free(a->v);
		strmap_free(&a->idx);
		for (size_t j = 0; j < a->refs.n; j++)
			free(a->refs.v[j].key);
		free(a->refs.v);
		strmap_free(&a->refs.idx);
		for (size_t j = 0; j < a->langs.n; j++)
			free(a->langs.v[j].key);
		free(a->langs.v);
		strmap_free(&a->langs.idx);
	}
	free(acc);
	if (status == CSTORE_OK && t->nomem)
		status = CSTORE_ERROR;
	return status;
}

void tally_free(tally *t)
{
	for (size_t i = 0; i < t->nsites; i++) {
		tally_site *s = &t->sites[i];
		for (size_t j = 0; j < s->nrows; j++)
			free(s->rows[j].key);
		free(s->rows);
		for (size_t j = 0; j < s->nrefs; j++)
			free(s->refs[j].key);
		free(s->refs);
		for (size_t j = 0; j < s->nlangs; j++)
			free(s->langs[j].key);
		free(s->langs);
	}
	free(t->sites);
	memset(t, 0, sizeof *t);
}
