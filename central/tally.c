/*
 * tally — see tally.h. One pass over the tickets of the period (ordered by
 * site), one over the desk spans, then per site a sort of its rows and the
 * grouping of the tail into "other". Every loop runs over what the store
 * returned or over arrays built from it.
 */
#include "tally.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
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
	const cconf *cfg;
	int last; /* the site index of the previous ticket */
} build;

static int vec_push(tally_vec *v, int64_t x)
{
	if (v->n == v->cap) {
		size_t c = v->cap ? v->cap * 2 : 16;
		int64_t *p = realloc(v->v, c * sizeof *p);
		if (!p)
			return -1;
		v->v = p;
		v->cap = c;
	}
	v->v[v->n++] = x;
	v->sorted = 0;
	return 0;
}

static int vec_append(tally_vec *d, const tally_vec *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (vec_push(d, s->v[i]))
			return -1;
	return 0;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int64_t tally_pct(tally_vec *v, int p)
{
	if (!v->n)
		return -1;
	if (!v->sorted) {
		qsort(v->v, v->n, sizeof *v->v, cmp64);
		v->sorted = 1;
	}
	size_t rank = (v->n * (size_t)p + 99) / 100;
	return v->v[(rank < 1 ? 1 : rank) - 1];
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

static int count(counter *c, const char *key)
{
	size_t i = strmap_get(&c->idx, key);
	if (i != (size_t)-1) {
		c->v[i].n++;
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
	e->n = 1;
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
}

static int site_index(build *b, const char *site)
{
	if (b->last >= 0 && !strcmp(b->cfg->sites[b->last].id, site))
		return b->last;
	for (int i = 0; i < b->cfg->nsites; i++)
		if (!strcmp(b->cfg->sites[i].id, site))
			return b->last = i;
	return -1;
}

static int take(void *ctx, const cstore_ticket *t)
{
	build *b = ctx;
	int si = site_index(b, t->site);
	if (si < 0)
		return 0; /* a site no longer configured */
	site_acc *a = &b->acc[si];
	tally_row *r = row_of(a, t->category);
	if (!r)
		goto nomem;
	r->visits++;
	if (!strcmp(t->outcome, "served")) {
		r->served++;
		const char *o = t->served_outcome;
		r->solved += !strcmp(o, "solved");
		r->referred += !strcmp(o, "referred");
		r->follow_up += !strcmp(o, "follow_up");
		r->outcome_nr += !*o;
		r->first_yes += t->first_visit == 1;
		r->first_no += t->first_visit == 0;
		r->first_nr += t->first_visit < 0;
		if (!strcmp(o, "referred") && count(&a->refs, t->referred_to))
			goto nomem;
		if (*t->topics) {
			json_t *arr = json_loads(t->topics, 0, NULL);
			for (size_t i = 0; i < json_array_size(arr) && i < 64; i++) {
				const char *id = json_string_value(json_array_get(arr, i));
				if (!id || !strcmp(id, t->category))
					continue;
				tally_row *o2 = row_of(a, id);
				if (!o2) {
					json_decref(arr);
					goto nomem;
				}
				o2->also++;
			}
			json_decref(arr);
		}
	} else {
		r->no_show += !strcmp(t->outcome, "no_show");
		r->expired += !strcmp(t->outcome, "expired");
		r->cancelled += !strcmp(t->outcome, "cancelled");
		r->open += !*t->outcome;
	}
	if (count(&a->langs, t->lang))
		goto nomem;
	/* row_of may have moved the rows: find this ticket's row again. */
	r = &a->v[strmap_get(&a->idx, t->category)];
	if (t->called_ms >= 0 && clock_is_set(t->issued_ms) && t->called_ms >= t->issued_ms &&
	    vec_push(&r->wait, t->called_ms - t->issued_ms))
		goto nomem;
	return 0;
nomem:
	b->t->nomem = 1;
	return 1;
}

static int take_span(void *ctx, const cstore_desk_span *d)
{
	build *b = ctx;
	int si = site_index(b, d->site);
	if (si < 0 || !d->closed_seq || d->minutes < 0)
		return 0;
	b->t->sites[si].staffed_minutes += (long)d->minutes;
	b->t->sites[si].spans++;
	b->t->staffed_minutes += (long)d->minutes;
	b->t->spans++;
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
	for (size_t i = 0; i < a->n; i++) {
		add_row(&s->total, &a->v[i]);
		if (vec_append(&s->total.wait, &a->v[i].wait))
			return -1;
	}
	if (a->n > top + 1) {
		tally_row *o = &a->v[top];
		tally_row other;
		memset(&other, 0, sizeof other);
		other.grouped = (long)(a->n - top);
		for (size_t i = top; i < a->n; i++) {
			add_row(&other, &a->v[i]);
			if (vec_append(&other.wait, &a->v[i].wait)) {
				free(other.wait.v);
				return -1;
			}
			free(a->v[i].key);
			free(a->v[i].wait.v);
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
	build b = {t, acc, c, -1};
	int status = cstore_tickets(st, from, to, NULL, take, &b);
	if (status == CSTORE_OK && !t->nomem)
		status = cstore_desk_spans(st, from, to, NULL, take_span, &b);
	for (size_t i = 0; i < ns; i++) {
		site_acc *a = &acc[i];
		tally_site *s = &t->sites[i];
		if (status == CSTORE_OK && !t->nomem) {
			if (finish_rows(a, top, s))
				t->nomem = 1;
			finish_counts(&a->refs, top, &s->refs, &s->nrefs);
			finish_counts(&a->langs, top, &s->langs, &s->nlangs);
			add_row(&t->total, &s->total);
			if (vec_append(&t->total.wait, &s->total.wait))
				t->nomem = 1;
		}
		for (size_t j = 0; j < a->n; j++) {
			free(a->v[j].key);
			free(a->v[j].wait.v);
		}
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
		for (size_t j = 0; j < s->nrows; j++) {
			free(s->rows[j].key);
			free(s->rows[j].wait.v);
		}
		free(s->rows);
		free(s->total.wait.v);
		for (size_t j = 0; j < s->nrefs; j++)
			free(s->refs[j].key);
		free(s->refs);
		for (size_t j = 0; j < s->nlangs; j++)
			free(s->langs[j].key);
		free(s->langs);
	}
	free(t->sites);
	free(t->total.wait.v);
	memset(t, 0, sizeof *t);
}
