/*
 * cstore_pg_agg — the reports' reads of the PostgreSQL back end (cstore.h:
 * cstore_tickets_page, cstore_period_aggs, cstore_period_counts,
 * cstore_day_totals, cstore_month_totals, cstore_day_cats,
 * cstore_site_names), with the results of
 * cstore_sqlite_agg.c and cstore_sqlite.c function by function.
 *
 * The aggregates are read from their tables (schema 3), which
 * cstore_pg_aggkeep.c keeps at ingest, as SQLite's: a period is split
 * into pieces by days_split (days.h) as SQLite's (a month the
 * period covers whole is its month rows; one it covers more than half of,
 * its month rows less the days it leaves out; the rest, days), so a read
 * costs sites x kinds x (months + about a month of days), whatever the
 * tickets; a past period reads only its own rows. The pieces are the
 * branches of one statement (period_read): one snapshot, as SQLite's one
 * read transaction. The histograms are merged (and taken
 * out) with hist.h, so they encode as SQLite's. day_totals and day_cats
 * are read as they are, ordered as SQLite's (day, then site in the order
 * sites first sent: their id; categories in byte order, COLLATE "C");
 * month_totals (schema 5) gives the whole months of cstore_month_totals.
 *
 * What a read costs here is its rows: PostgreSQL spends about a
 * microsecond on each row it reads and sends, and as much again on each
 * number it prints (and the reader parses), where SQLite reads rows in
 * place. So the reads of many rows (the aggregates, the counts) ask for
 * them in binary (pgparams.binary_result: no number printed or parsed, no
 * histogram in hex) and add them up here; summing them in SQL instead
 * (GROUP BY, string_agg of the histograms) was measured slower, as its
 * sort costs more than the rows it saves sending. A year of 700 sites'
 * month_aggs is 50,000 rows; month_totals makes the year's months 8,400.
 *
 * Parameters are passed apart from the SQL. Errors are pg_read's (a lost connection or a busy
 * lock: CSTORE_BUSY).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cstore_pg.h"
#include "days.h"
#include "hist.h"
#include "log.h"
#include "strmap.h"

/* --- cstore_tickets_page ------------------------------------------------ */

typedef struct {
	cstore_ticket_cb cb;
	void *ctx;
	cstore_ticket_cursor next;
	size_t *n;
	int corrupt;
} page_ctx;

static int page_row(void *ctx, const PGresult *r)
{
	page_ctx *x = ctx;
	cstore_ticket t = pg_ticket_of(r);
	cstore_ticket_cursor *c = &x->next;
	/* Defensive: ingest checked these lengths; a key cut short would
	 * give the same rows again and again. */
	if (strlen(t.code) >= sizeof c->code || strlen(t.ticket) >= sizeof c->ticket ||
	    strlen(t.day) >= sizeof c->day) {
		x->corrupt = 1;
		return 1;
	}
	c->started = 1;
	snprintf(c->day, sizeof c->day, "%s", t.day);
	c->site = pg_col_int(r, 22);
	c->issued_ms = pg_col_int(r, 23);
	snprintf(c->code, sizeof c->code, "%s", t.code);
	snprintf(c->ticket, sizeof c->ticket, "%s", t.ticket);
	++*x->n;
	return x->cb(x->ctx, &t);
}

/* As SQLite's: the day index gives (day, site) in order from the cursor's
 * (day, site) on; the row comparison skips what the cursor passed. day,
 * code and ticket are COLLATE "C": byte order, as SQLite's. The page is
 * chosen from the tickets alone and joined to the sites after: joined
 * first, the planner sorted every ticket from the cursor to the period's
 * end for each page (45,000 rows, 183 ms a page in a month of 700 sites,
 * 5.6 s the month's export); alone, the index's order is kept and only
 * each (day, site)'s few rows are sorted (an incremental sort, 11 ms). */
int pg_tickets_page(cstore *base_, const char *from_day, const char *to_day, const char *site,
		    cstore_ticket_cursor *cur, size_t limit, cstore_ticket_cb cb, void *ctx,
		    size_t *n)
{
	static const pgsql q = {
	    NULL, "tttiitti",
	    "SELECT " PG_TICKET_COLUMNS ","
	    " t.site, coalesce(t.issued_ms, -1)"
	    " FROM (SELECT * FROM tickets t WHERE t.day <= $1"
	    " AND ($2 IS NULL OR t.site = (SELECT id FROM sites WHERE name = $2))"
	    " AND (t.day, t.site) >= ($3, $4) AND (t.day, t.site, coalesce(t.issued_ms, -1),"
	    " t.code, t.ticket) > ($3, $4, $5, $6, $7)"
	    " ORDER BY t.day, t.site, coalesce(t.issued_ms, -1), t.code, t.ticket LIMIT $8) t"
	    " JOIN sites s ON s.id = t.site"
	    " ORDER BY t.day, t.site, coalesce(t.issued_ms, -1), t.code, t.ticket"};
	*n = 0;
	pgparams p = {0};
	pg_p_text(&p, to_day);
	if (site)
		pg_p_text(&p, site);
	else
		pg_p_null(&p);
	/* Not started: from the first day, before every site (ids start at 1). */
	pg_p_text(&p, cur->started ? cur->day : from_day);
	pg_p_int(&p, cur->started ? cur->site : -1);
	pg_p_int(&p, cur->issued_ms);
	pg_p_text(&p, cur->code);
	pg_p_text(&p, cur->ticket);
	pg_p_int(&p, (int64_t)limit);
	page_ctx x = {cb, ctx, *cur, n, 0};
	int status = pg_read((pgstore *)base_, &q, &p, page_row, &x);
	if (x.corrupt)
		status = CSTORE_ERROR;
	if (status != CSTORE_OK)
		log_error("reading a page of tickets: status %d", status);
	*cur = x.next;
	return status;
}

/* --- periods ------------------------------------------------------------ */

/* A read of the pieces of a period: one branch per piece (UNION ALL), each
 * with its own bounds as parameters ($1 $2 the first piece's, and so on;
 * the site or NULL last) and its sign written in, so that PostgreSQL
 * plans each branch knowing its range (an unnamed statement is planned for
 * its values): a month's rows are an index range. The pieces as arrays
 * joined to the tables (unnest) gave the planner no bounds to estimate
 * from, and at five years of 700 sites it chose to scan all of day_aggs
 * in parallel for a year's 4,200 day rows (2.3 s, with JIT). */
typedef struct {
	pgsql q;
	pgparams p;
	days_piece pieces[DAYS_MAX_PIECES]; /* the parameters point into them */
	char sql[DAYS_MAX_PIECES * 400];
	char types[2 * DAYS_MAX_PIECES + 2];
} period_read;

/* What is read: each branch is "SELECT sign, cols FROM table a WHERE …"
 * (day_cols of day_table's rows, month_cols of month_table's; sites by
 * id, read_names names them), its rows in binary. */
typedef struct {
	const char *day_cols, *day_table, *month_cols, *month_table;
} period_shape;

static void period_read_make(period_read *r, const char *from, const char *to, const char *site,
			     const period_shape *sh)
{
	days_piece *p = r->pieces;
	int np = days_split(from, to, p);
	memset(&r->p, 0, sizeof r->p);
	size_t n = 0;
	int site_param = 2 * np + 1;
	for (int i = 0; i < np; i++) {
		n += (size_t)snprintf(
		    r->sql + n, sizeof r->sql - n,
		    "%sSELECT %d, %s FROM %s a"
		    " WHERE a.%s BETWEEN $%d AND $%d AND ($%d::text IS NULL OR"
		    " a.site = (SELECT id FROM sites WHERE name = $%d))",
		    i ? " UNION ALL " : "", p[i].sign, p[i].months ? sh->month_cols : sh->day_cols,
		    p[i].months ? sh->month_table : sh->day_table, p[i].months ? "month" : "day",
		    2 * i + 1, 2 * i + 2, site_param, site_param);
		assert(n < sizeof r->sql);
		pg_p_text(&r->p, p[i].from);
		pg_p_text(&r->p, p[i].to);
	}
	if (site)
		pg_p_text(&r->p, site);
	else
		pg_p_null(&r->p);
	memset(r->types, 't', (size_t)r->p.n);
	r->types[r->p.n] = '\0';
	r->q = (pgsql){NULL, r->types, r->sql};
	r->p.binary_result = 1;
}

/* --- the sites' names -------------------------------------------------- */

/* The reads of many rows name sites by id, and the names come after, in a
 * read of their own (ordered by id, found by bsearch): a join to sites in
 * the read cost about 15 ms a year's 50,000 rows. A site is never deleted
 * or renamed, so every site the rows name is there. */
typedef struct {
	int64_t id;
	char *name;
} site_name;

typedef struct {
	site_name *v;
	size_t n, cap;
	int nomem;
} site_names;

static int name_take(void *ctx, const PGresult *r)
{
	site_names *x = ctx;
	if (x->n == x->cap) {
		size_t c = x->cap ? 2 * x->cap : 256;
		site_name *p = realloc(x->v, c * sizeof *p);
		if (!p) {
			x->nomem = 1;
			return 1;
		}
		x->v = p;
		x->cap = c;
	}
	if (!(x->v[x->n].name = strdup(pg_col_text(r, 1)))) {
		x->nomem = 1;
		return 1;
	}
	x->v[x->n++].id = pg_col_int(r, 0);
	return 0;
}

static int name_cmp(const void *key, const void *e)
{
	int64_t a = *(const int64_t *)key, b = ((const site_name *)e)->id;
	return (a > b) - (a < b);
}

/* All sites' ids and names, in id order (free with names_free). */
static int read_names(pgstore *st, site_names *names)
{
	static const pgsql q = {NULL, "", "SELECT id, name FROM sites ORDER BY id"};
	memset(names, 0, sizeof *names);
	int status = pg_read(st, &q, NULL, name_take, names);
	return status == CSTORE_OK && names->nomem ? CSTORE_BUSY : status;
}

static const char *name_of(const site_names *names, int64_t id)
{
	const site_name *n = bsearch(&id, names->v, names->n, sizeof *names->v, name_cmp);
	return n ? n->name : NULL;
}

static void names_free(site_names *names)
{
	for (size_t i = 0; i < names->n; i++)
		free(names->v[i].name);
	free(names->v);
	memset(names, 0, sizeof *names);
}

/* The key of a sum: "<site id>\x1f<a>[\x1f<b>]" into k (cap bytes): 0, or -1
 * if it does not fit. Written by hand, not with snprintf: one is made for
 * each row read (50,000 for a year), and vfprintf led central's profile
 * of a year's dashboard. */
static int id_key(char *k, size_t cap, int64_t id, const char *a, const char *b)
{
	char d[24];
	int n = 0;
	uint64_t u = (uint64_t)(id < 0 ? 0 : id);
	do
		d[n++] = (char)('0' + u % 10);
	while ((u /= 10) && n < (int)sizeof d);
	size_t la = strlen(a), lb = b ? strlen(b) : 0;
	if ((size_t)n + la + lb + 3 > cap)
		return -1;
	char *p = k;
	while (n)
		*p++ = d[--n];
	*p++ = '\x1f';
	memcpy(p, a, la);
	p += la;
	if (b) {
		*p++ = '\x1f';
		memcpy(p, b, lb);
		p += lb;
	}
	*p = '\0';
	return 0;
}

/* The site of a key of id_key, and the rest after its \x1f. */
static int64_t key_site(const char *k, const char **rest)
{
	char *end;
	int64_t id = strtoll(k, &end, 10);
	*rest = *end ? end + 1 : end;
	return id;
}

/* --- cstore_period_aggs ------------------------------------------------- */

#define AGG_COLS "a.site, a.category, a.counts, a.wait, a.service"

typedef struct {
	pg_agg_rows rows;
	int status;
} sum_ctx;

static int aggs_row(void *ctx, const PGresult *r)
{
	sum_ctx *x = ctx;
	char k[512];
	if (id_key(k, sizeof k, pg_bin_int(r, 1), pg_col_text(r, 2), NULL)) {
		x->status = CSTORE_ERROR; /* cannot be: categories are short */
		return 1;
	}
	pg_agg_row *a = pg_agg_row_of(&x->rows, k);
	if (!a) {
		x->status = CSTORE_ERROR;
		return 1;
	}
	/* binary: sign integer; counts the 14 as 8-byte big-endian integers
	 * (schema 5); the histograms bytea */
	int sign = pg_bin_int(r, 0) > 0 ? 1 : -1;
	size_t len;
	const unsigned char *n = pg_bin_bytes(r, 3, &len);
	if (len != 14 * 8) {
		x->status = CSTORE_ERROR;
		return 1;
	}
	for (int i = 0; i < 14; i++, n += 8)
		a->c[i] += sign * (long)pg_be_int(n, 8);
	for (int i = 0; i < 2; i++) {
		const unsigned char *b = pg_bin_bytes(r, 4 + i, &len);
		hist *h = i ? &a->service : &a->wait;
		if (sign > 0 ? hist_merge_blob(h, b, len) : hist_unmerge_blob(h, b, len)) {
			x->status = CSTORE_ERROR;
			return 1;
		}
	}
	return 0;
}

int pg_period_aggs(cstore *base_, const char *from_day, const char *to_day, const char *site,
		   cstore_agg_cb cb, void *ctx)
{
	sum_ctx x;
	memset(&x, 0, sizeof x);
	period_read rd;
	static const period_shape sh = {AGG_COLS, "day_aggs", AGG_COLS, "month_aggs"};
	period_read_make(&rd, from_day, to_day, site, &sh);
	site_names names = {0};
	int status = pg_read((pgstore *)base_, &rd.q, &rd.p, aggs_row, &x);
	if (status == CSTORE_OK)
		status = x.status;
	if (status == CSTORE_OK && x.rows.n && !site)
		status = read_names((pgstore *)base_, &names);
	if (status != CSTORE_OK)
		log_error("reading the aggregates: status %d", status);
	for (size_t i = 0; status == CSTORE_OK && i < x.rows.n; i++) {
		pg_agg_row *a = &x.rows.v[i];
		if (!a->c[0] && !a->c[13])
			continue; /* all taken out again */
		/* one site's rows are named by the caller: no read of all names */
		const char *category;
		int64_t id = key_site(a->key, &category);
		const char *name = site ? site : name_of(&names, id);
		if (!name)
			continue; /* cannot be: sites are never deleted */
		unsigned char wait[HIST_BLOB_MAX], service[HIST_BLOB_MAX];
		cstore_agg g = {
		    .site = name,
		    .category = category,
		    .visits = a->c[0],
		    .served = a->c[1],
		    .no_show = a->c[2],
		    .expired = a->c[3],
		    .cancelled = a->c[4],
		    .open = a->c[5],
		    .solved = a->c[6],
		    .referred = a->c[7],
		    .follow_up = a->c[8],
		    .outcome_nr = a->c[9],
		    .first_yes = a->c[10],
		    .first_no = a->c[11],
		    .first_nr = a->c[12],
		    .also = a->c[13],
		    .wait = wait,
		    .wait_len = hist_encode(&a->wait, wait),
		    .service = service,
		    .service_len = hist_encode(&a->service, service),
		};
		if (cb(ctx, &g))
			break;
	}
	pg_agg_rows_free(&x.rows);
	names_free(&names);
	return status;
}

/* --- cstore_period_counts ----------------------------------------------- */

/* A count's row: key "site id\x1fkind\x1fkey", its sum in c[0]. */
static int counts_row(void *ctx, const PGresult *r)
{
	sum_ctx *x = ctx;
	char k[512];
	if (id_key(k, sizeof k, pg_bin_int(r, 1), pg_col_text(r, 2), pg_col_text(r, 3)))
		return 0; /* cannot be: kinds and keys are short (SQLite skips it too) */
	pg_agg_row *a = pg_agg_row_of(&x->rows, k);
	if (!a) {
		x->status = CSTORE_ERROR;
		return 1;
	}
	a->c[0] += (pg_bin_int(r, 0) > 0 ? 1 : -1) * (long)pg_bin_int(r, 4); /* binary */
	return 0;
}

int pg_period_counts(cstore *base_, const char *from_day, const char *to_day, const char *site,
		     cstore_count_cb cb, void *ctx)
{
	sum_ctx x;
	memset(&x, 0, sizeof x);
	period_read rd;
	static const period_shape sh = {"a.site, a.kind, a.key, a.n", "day_counts",
					"a.site, a.kind, a.key, a.n", "month_counts"};
	period_read_make(&rd, from_day, to_day, site, &sh);
	site_names names = {0};
	int status = pg_read((pgstore *)base_, &rd.q, &rd.p, counts_row, &x);
	if (status == CSTORE_OK)
		status = x.status;
	if (status == CSTORE_OK && x.rows.n && !site)
		status = read_names((pgstore *)base_, &names);
	if (status != CSTORE_OK)
		log_error("reading the counts: status %d", status);
	for (size_t i = 0; status == CSTORE_OK && i < x.rows.n; i++) {
		pg_agg_row *r = &x.rows.v[i];
		if (!r->c[0])
			continue;
		const char *kind;
		int64_t id = key_site(r->key, &kind);
		const char *name = site ? site : name_of(&names, id);
		char *b = strchr(kind, '\x1f');
		if (!name || !b)
			continue; /* cannot be: sites are never deleted; id_key wrote it */
		*b = '\0';
		cstore_count c = {name, kind, b + 1, r->c[0]};
		int stop = cb(ctx, &c);
		*b = '\x1f';
		if (stop)
			break;
	}
	pg_agg_rows_free(&x.rows);
	names_free(&names);
	return status;
}

/* --- cstore_day_cats --------------------------------------------------- */

typedef struct {
	cstore_day_cat_cb cb;
	void *ctx;
} cats_ctx;

static int cats_row(void *ctx, const PGresult *r)
{
	cats_ctx *x = ctx;
	return x->cb(x->ctx, pg_col_text(r, 0), pg_col_text(r, 1), (long)pg_col_int(r, 2));
}

/* All sites: day_cats. One site: its day_aggs rows, by the index
 * day_aggs_site (site, day) of schema 5 (without it, a year of one site
 * read a year of all sites' day rows from the primary key: 100 ms). */
int pg_day_cats(cstore *base_, const char *from_day, const char *to_day, const char *site,
		cstore_day_cat_cb cb, void *ctx)
{
	static const pgsql q_all = {NULL, "tt",
				    "SELECT day, category, visits FROM day_cats"
				    " WHERE day BETWEEN $1 AND $2 ORDER BY day, category"};
	static const pgsql q_site = {NULL, "ttt",
				     "SELECT day, category, visits FROM day_aggs"
				     " WHERE site = (SELECT id FROM sites WHERE name = $3)"
				     " AND day BETWEEN $1 AND $2 ORDER BY day, category"};
	pgparams p = {0};
	pg_p_text(&p, from_day);
	pg_p_text(&p, to_day);
	if (site)
		pg_p_text(&p, site);
	cats_ctx x = {cb, ctx};
	int status = pg_read((pgstore *)base_, site ? &q_site : &q_all, &p, cats_row, &x);
	if (status != CSTORE_OK)
		log_error("reading the day's kinds of help: status %d", status);
	return status;
}

/* --- rows being added up -------------------------------------------------- */

pg_agg_row *pg_agg_row_of(pg_agg_rows *s, const char *key)
{
	size_t i = strmap_get(&s->idx, key);
	if (i != (size_t)-1)
		return &s->v[i];
	if (s->n == s->cap) {
		size_t c = s->cap ? s->cap * 2 : 16;
		pg_agg_row *p = realloc(s->v, c * sizeof *p);
		if (!p)
			return NULL;
		s->v = p;
		s->cap = c;
	}
	pg_agg_row *r = &s->v[s->n];
	memset(r, 0, sizeof *r);
	r->key = strdup(key);
	if (!r->key || strmap_put(&s->idx, key, s->n)) {
		free(r->key);
		return NULL;
	}
	s->n++;
	return r;
}

void pg_agg_rows_free(pg_agg_rows *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].key);
	free(s->v);
	strmap_free(&s->idx);
	memset(s, 0, sizeof *s);
}

/* --- cstore_day_totals, cstore_month_totals ------------------------------ */

/* The totals per (day or month, site) are read in binary without the
 * sites' names and without an order, then summed, sorted and named here:
 * a quarter's 63,700 day rows cost 60 ms to read and 95 more to sort in
 * PostgreSQL (by text, on disk past work_mem) and to join to the sites;
 * 10 here. Memory: the rows read (48 bytes each;
 * report.c asks for at most 92 days, or the months of a period). */
typedef struct {
	char when[DAY_LEN]; /* "YYYY-MM-DD" or "YYYY-MM" */
	int64_t site;
	long v[4]; /* visits, served, staffed, spans */
} total_row;

typedef struct {
	total_row *v;
	size_t n, cap;
	int nomem;
} total_rows;

/* A row in binary: 0 sign, 1 site, 2 day or month, 3.. the four counts. */
static int total_take(void *ctx, const PGresult *r)
{
	total_rows *x = ctx;
	if (x->n == x->cap) {
		size_t c = x->cap ? 2 * x->cap : 1024;
		total_row *p = realloc(x->v, c * sizeof *p);
		if (!p) {
			x->nomem = 1;
			return 1;
		}
		x->v = p;
		x->cap = c;
	}
	total_row *t = &x->v[x->n++];
	size_t len;
	const char *when = (const char *)pg_bin_bytes(r, 2, &len);
	snprintf(t->when, sizeof t->when, "%.*s", (int)(len < DAY_LEN - 1 ? len : DAY_LEN - 1),
		 when);
	t->site = pg_bin_int(r, 1);
	int64_t sign = pg_bin_int(r, 0) > 0 ? 1 : -1;
	for (int k = 0; k < 4; k++)
		t->v[k] = (long)(sign * pg_bin_int(r, 3 + k));
	return 0;
}

static int total_cmp(const void *a, const void *b)
{
	const total_row *x = a, *y = b;
	int c = strcmp(x->when, y->when);
	return c ? c : (x->site > y->site) - (x->site < y->site);
}

/* Runs q (rows as total_take reads them), then calls cb for each (day or
 * month, site) in that order with its sums, skipping sums of all zeros. */
static int read_totals(pgstore *st, const pgsql *q, const pgparams *p, cstore_day_total_cb cb,
		       void *ctx, const char *what)
{
	total_rows rows = {0};
	site_names names = {0};
	int status = pg_read(st, q, p, total_take, &rows);
	if (status == CSTORE_OK && rows.n)
		status = read_names(st, &names);
	if (status == CSTORE_OK && rows.nomem)
		status = CSTORE_BUSY;
	if (status != CSTORE_OK)
		log_error("reading the %s: status %d", what, status);
	if (status == CSTORE_OK && rows.n)
		qsort(rows.v, rows.n, sizeof *rows.v, total_cmp);
	int stop = 0;
	for (size_t i = 0; status == CSTORE_OK && !stop && i < rows.n;) {
		total_row sum = rows.v[i];
		for (i++; i < rows.n && !total_cmp(&rows.v[i], &sum); i++)
			for (int f = 0; f < 4; f++)
				sum.v[f] += rows.v[i].v[f];
		if (!sum.v[0] && !sum.v[1] && !sum.v[2] && !sum.v[3])
			continue;
		const char *name = name_of(&names, sum.site);
		if (!name)
			continue; /* cannot be: sites are never deleted */
		cstore_day_total t = {name, sum.when, sum.v[0], sum.v[1], sum.v[2], sum.v[3]};
		stop = cb(ctx, &t);
	}
	free(rows.v);
	names_free(&names);
	return status;
}

/* Per (day, site) in [from_day, to_day], as SQLite's: in day order, then
 * the sites' (their id). */
int pg_day_totals(cstore *base_, const char *from_day, const char *to_day, cstore_day_total_cb cb,
		  void *ctx)
{
	static const pgsql q = {
	    NULL, "tt",
	    "SELECT 1, site, day, visits, served, staffed, spans FROM day_totals"
	    " WHERE day BETWEEN $1 AND $2"};
	pgparams p = {0};
	pg_p_text(&p, from_day);
	pg_p_text(&p, to_day);
	p.binary_result = 1;
	return read_totals((pgstore *)base_, &q, &p, cb, ctx, "day totals");
}

/* As pg_day_totals, grouped by the month of the day ("YYYY-MM"), as
 * SQLite's sq_month_totals: read by the pieces of the period as the
 * aggregates are (a month covered whole from its month_totals row, schema
 * 5; one covered more than half, that row less the days left out; the
 * rest from day_totals), then summed per (month, site). A month_totals row
 * is the sum of its site's day_totals of the month's days, so the sums are
 * those of the days. A year from the 2nd reads 700 rows of day_totals for
 * its first month, not 21,000, and 8,400 rows in all. */
int pg_month_totals(cstore *base_, const char *from_day, const char *to_day, cstore_day_total_cb cb,
		    void *ctx)
{
	static const period_shape sh = {
	    "a.site, left(a.day, 7), a.visits, a.served, a.staffed, a.spans", "day_totals",
	    "a.site, a.month, a.visits, a.served, a.staffed, a.spans", "month_totals"};
	period_read rd;
	period_read_make(&rd, from_day, to_day, NULL, &sh);
	return read_totals((pgstore *)base_, &rd.q, &rd.p, cb, ctx, "month totals");
}

/* --- cstore_site_names -------------------------------------------------- */

typedef struct {
	cstore_name_cb cb;
	void *ctx;
} names_ctx;

static int name_row(void *ctx, const PGresult *r)
{
	names_ctx *x = ctx;
	return x->cb(x->ctx, pg_col_text(r, 0));
}

/* In the order of pg_desk_spans (ORDER BY s.name). Here with the reads of
 * the exports' pages, not in cstore_pg.c, to keep a merge simple. */
int pg_site_names(cstore *base_, cstore_name_cb cb, void *ctx)
{
	static const pgsql q = {NULL, "", "SELECT name FROM sites ORDER BY name"};
	pgparams p = {0};
	names_ctx x = {cb, ctx};
	int status = pg_read((pgstore *)base_, &q, &p, name_row, &x);
	if (status != CSTORE_OK)
		log_error("reading the sites' names: status %d", status);
	return status;
}
