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
 * tickets; a past period reads only its own rows. The pieces go as three
 * arrays (from, to, sign) per table in one statement: one snapshot, as
 * SQLite's one read transaction. The histograms are merged (and taken
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
 * Parameters are passed apart from the SQL (the arrays as text, each
 * element quoted). Errors are pg_read's (a lost connection or a busy
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
 * code and ticket are COLLATE "C": byte order, as SQLite's. */
int pg_tickets_page(cstore *base_, const char *from_day, const char *to_day, const char *site,
		    cstore_ticket_cursor *cur, size_t limit, cstore_ticket_cb cb, void *ctx,
		    size_t *n)
{
	static const pgsql q = {
	    NULL, "tttiitti",
	    "SELECT " PG_TICKET_COLUMNS ","
	    " t.site, coalesce(t.issued_ms, -1)"
	    " FROM tickets t JOIN sites s ON s.id = t.site WHERE t.day <= $1"
	    " AND ($2 IS NULL OR t.site = (SELECT id FROM sites WHERE name = $2))"
	    " AND (t.day, t.site) >= ($3, $4) AND (t.day, t.site, coalesce(t.issued_ms, -1),"
	    " t.code, t.ticket) > ($3, $4, $5, $6, $7)"
	    " ORDER BY t.day, t.site, coalesce(t.issued_ms, -1), t.code, t.ticket LIMIT $8"};
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

/* The pieces as the parameters $1 .. $6 (days' from, to, sign; months'
 * from, to, sign: text arrays, each element quoted) and $7 the site or
 * NULL. Day labels are short: the arrays fit in arr. */
typedef struct {
	char arr[6][DAYS_MAX_PIECES * (2 * DAY_LEN + 8) + 4];
} piece_arrays;

static void append(char *out, size_t cap, const char *s)
{
	size_t n = strlen(out);
	snprintf(out + n, cap - n, "%s", s);
}

static void quoted(char *out, size_t cap, const char *s)
{
	size_t n = strlen(out);
	if (n + 2 < cap)
		out[n++] = '"';
	for (; *s && n + 3 < cap; s++) {
		if (*s == '"' || *s == '\\')
			out[n++] = '\\';
		out[n++] = *s;
	}
	if (n + 1 < cap)
		out[n++] = '"';
	out[n] = '\0';
}

static void period_params(pgparams *pp, piece_arrays *a, const char *from, const char *to,
			  const char *site)
{
	days_piece p[DAYS_MAX_PIECES];
	int np = days_split(from, to, p);
	for (int k = 0; k < 6; k++)
		snprintf(a->arr[k], sizeof a->arr[k], "{");
	for (int i = 0; i < np; i++) {
		char *f = a->arr[3 * p[i].months], *t = a->arr[3 * p[i].months + 1];
		char *sg = a->arr[3 * p[i].months + 2];
		size_t cap = sizeof a->arr[0];
		if (f[1]) {
			append(f, cap, ",");
			append(t, cap, ",");
			append(sg, cap, ",");
		}
		quoted(f, cap, p[i].from);
		quoted(t, cap, p[i].to);
		append(sg, cap, p[i].sign > 0 ? "1" : "-1");
	}
	for (int k = 0; k < 6; k++) {
		append(a->arr[k], sizeof a->arr[k], "}");
		pg_p_text(pp, a->arr[k]);
	}
	if (site)
		pg_p_text(pp, site);
	else
		pg_p_null(pp);
}

/* The rows of table (day_aggs or month_aggs, column col) in the pieces of
 * $n .. $n+2, with the site filter $7. */
#define PIECES(table, col, f, t, sign)                                                             \
	" FROM unnest($" f ", $" t ", $" sign "::int[]) AS p(f, t, sign)"                          \
	" JOIN " table " a ON a." col " BETWEEN p.f AND p.t JOIN sites s ON s.id = a.site"         \
	" WHERE ($7::text IS NULL OR a.site = (SELECT id FROM sites WHERE name = $7))"

/* --- cstore_period_aggs ------------------------------------------------- */

#define AGG_COLS "SELECT p.sign, s.name, a.category, a.counts, a.wait, a.service"

typedef struct {
	pg_agg_rows rows;
	int status;
} sum_ctx;

static int aggs_row(void *ctx, const PGresult *r)
{
	sum_ctx *x = ctx;
	char k[512];
	if (snprintf(k, sizeof k, "%s\x1f%s", pg_col_text(r, 1), pg_col_text(r, 2)) >=
	    (int)sizeof k) {
		x->status = CSTORE_ERROR; /* cannot be: ids and categories are short */
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
	for (int i = 0; i < 14; i++, n += 8) {
		uint64_t v = 0;
		for (int b = 0; b < 8; b++)
			v = v << 8 | n[b];
		a->c[i] += sign * (long)(int64_t)v;
	}
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
	/* clang-format off */
	static const pgsql q = {
	    NULL, "aataatt",
	    AGG_COLS PIECES("day_aggs", "day", "1", "2", "3") " UNION ALL " AGG_COLS
	    PIECES("month_aggs", "month", "4", "5", "6")};
	/* clang-format on */
	sum_ctx x;
	memset(&x, 0, sizeof x);
	pgparams p = {0};
	piece_arrays arr;
	period_params(&p, &arr, from_day, to_day, site);
	p.binary_result = 1;
	int status = pg_read((pgstore *)base_, &q, &p, aggs_row, &x);
	if (status == CSTORE_OK)
		status = x.status;
	if (status != CSTORE_OK)
		log_error("reading the aggregates: status %d", status);
	for (size_t i = 0; status == CSTORE_OK && i < x.rows.n; i++) {
		pg_agg_row *a = &x.rows.v[i];
		if (!a->c[0] && !a->c[13])
			continue; /* all taken out again */
		char *sep = strchr(a->key, '\x1f');
		assert(sep);
		*sep = '\0';
		unsigned char wait[HIST_BLOB_MAX], service[HIST_BLOB_MAX];
		cstore_agg g = {
		    .site = a->key,
		    .category = sep + 1,
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
		int stop = cb(ctx, &g);
		*sep = '\x1f';
		if (stop)
			break;
	}
	pg_agg_rows_free(&x.rows);
	return status;
}

/* --- cstore_period_counts ----------------------------------------------- */

/* A count's row: key "site\x1fkind\x1fkey", its sum in c[0]. */
static int counts_row(void *ctx, const PGresult *r)
{
	sum_ctx *x = ctx;
	char k[512];
	if (snprintf(k, sizeof k, "%s\x1f%s\x1f%s", pg_col_text(r, 1), pg_col_text(r, 2),
		     pg_col_text(r, 3)) >= (int)sizeof k)
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
	/* clang-format off */
	static const pgsql q = {
	    NULL, "aataatt",
	    "SELECT p.sign, s.name, a.kind, a.key, a.n" PIECES("day_counts", "day", "1", "2", "3")
	    " UNION ALL SELECT p.sign, s.name, a.kind, a.key, a.n"
	    PIECES("month_counts", "month", "4", "5", "6")};
	/* clang-format on */
	sum_ctx x;
	memset(&x, 0, sizeof x);
	pgparams p = {0};
	piece_arrays arr;
	period_params(&p, &arr, from_day, to_day, site);
	p.binary_result = 1;
	int status = pg_read((pgstore *)base_, &q, &p, counts_row, &x);
	if (status == CSTORE_OK)
		status = x.status;
	if (status != CSTORE_OK)
		log_error("reading the counts: status %d", status);
	for (size_t i = 0; status == CSTORE_OK && i < x.rows.n; i++) {
		pg_agg_row *r = &x.rows.v[i];
		if (!r->c[0])
			continue;
		char *a = strchr(r->key, '\x1f'), *b = a ? strchr(a + 1, '\x1f') : NULL;
		assert(a && b);
		*a = *b = '\0';
		cstore_count c = {r->key, a + 1, b + 1, r->c[0]};
		int stop = cb(ctx, &c);
		*a = *b = '\x1f';
		if (stop)
			break;
	}
	pg_agg_rows_free(&x.rows);
	return status;
}

/* --- cstore_day_totals, cstore_day_cats --------------------------------- */

typedef struct {
	cstore_day_total_cb cb;
	void *ctx;
} totals_ctx;

static int totals_row(void *ctx, const PGresult *r)
{
	totals_ctx *x = ctx;
	cstore_day_total t = {pg_col_text(r, 0),      pg_col_text(r, 1),
			      (long)pg_col_int(r, 2), (long)pg_col_int(r, 3),
			      (long)pg_col_int(r, 4), (long)pg_col_int(r, 5)};
	return x->cb(x->ctx, &t);
}

int pg_day_totals(cstore *base_, const char *from_day, const char *to_day, cstore_day_total_cb cb,
		  void *ctx)
{
	static const pgsql q = {NULL, "tt",
				"SELECT s.name, a.day, a.visits, a.served, a.staffed, a.spans"
				" FROM day_totals a JOIN sites s ON s.id = a.site"
				" WHERE a.day BETWEEN $1 AND $2 ORDER BY a.day, a.site"};
	pgparams p = {0};
	pg_p_text(&p, from_day);
	pg_p_text(&p, to_day);
	totals_ctx x = {cb, ctx};
	int status = pg_read((pgstore *)base_, &q, &p, totals_row, &x);
	if (status != CSTORE_OK)
		log_error("reading the day totals: status %d", status);
	return status;
}

typedef struct {
	cstore_day_cat_cb cb;
	void *ctx;
} cats_ctx;

static int cats_row(void *ctx, const PGresult *r)
{
	cats_ctx *x = ctx;
	return x->cb(x->ctx, pg_col_text(r, 0), pg_col_text(r, 1), (long)pg_col_int(r, 2));
}

int pg_day_cats(cstore *base_, const char *from_day, const char *to_day, cstore_day_cat_cb cb,
		void *ctx)
{
	static const pgsql q = {NULL, "tt",
				"SELECT day, category, visits FROM day_cats"
				" WHERE day BETWEEN $1 AND $2 ORDER BY day, category"};
	pgparams p = {0};
	pg_p_text(&p, from_day);
	pg_p_text(&p, to_day);
	cats_ctx x = {cb, ctx};
	int status = pg_read((pgstore *)base_, &q, &p, cats_row, &x);
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

/* --- cstore_month_totals ------------------------------------------------ */

/* As pg_day_totals, grouped by the month of the day ("YYYY-MM"), as
 * SQLite's sq_month_totals: the months the period covers whole (m_lo ..
 * m_hi) from month_totals (schema 5: one row a site and month), the days
 * before and after them from day_totals summed per (month, site), each
 * read by its key's range; in month order, then the sites' (their id); no
 * row of all zeros. One statement: one snapshot. */
int pg_month_totals(cstore *base_, const char *from_day, const char *to_day,
		    cstore_day_total_cb cb, void *ctx)
{
	/* clang-format off */
	static const pgsql q = {
	    NULL, "tttttt",
	    "SELECT s.name, a.month, a.visits, a.served, a.staffed, a.spans FROM ("
	    "SELECT month, site, visits, served, staffed, spans FROM month_totals"
	    " WHERE month BETWEEN $5 AND $6"
	    " UNION ALL SELECT left(day, 7), site, sum(visits), sum(served), sum(staffed),"
	    " sum(spans) FROM day_totals WHERE day BETWEEN $1 AND $2 OR day BETWEEN $3 AND $4"
	    " GROUP BY left(day, 7), site HAVING sum(visits) <> 0 OR sum(served) <> 0"
	    " OR sum(staffed) <> 0 OR sum(spans) <> 0"
	    ") a JOIN sites s ON s.id = a.site ORDER BY a.month, a.site"};
	/* clang-format on */
	/* The whole months: from the first starting on or after from_day to
	 * the last ending on or before to_day; the days before and after
	 * them ("9" .. "0" selects nothing). No whole month: all days. */
	char m_lo[DAY_LEN] = "9", m_hi[DAY_LEN] = "0", d1_hi[DAY_LEN], d2_lo[DAY_LEN] = "9";
	snprintf(d1_hi, sizeof d1_hi, "%s", to_day);
	if (day_is_valid(from_day) && day_is_valid(to_day)) {
		long f = days_from_label(from_day), e = days_from_label(to_day);
		char d[DAY_LEN];
		while (f <= e) { /* at most 30 steps to the next month's first day */
			days_to_label(f, d);
			if (!strcmp(d + 8, "01"))
				break;
			f++;
		}
		while (e >= f) { /* and back to the end of a month */
			days_to_label(e + 1, d);
			if (!strcmp(d + 8, "01"))
				break;
			e--;
		}
		if (f <= e) {
			days_to_label(f, d);
			snprintf(m_lo, 8, "%s", d);
			days_to_label(e, d);
			snprintf(m_hi, 8, "%s", d);
			days_to_label(f - 1, d1_hi);
			days_to_label(e + 1, d2_lo);
		}
	}
	pgparams p = {0};
	pg_p_text(&p, from_day);
	pg_p_text(&p, d1_hi);
	pg_p_text(&p, d2_lo);
	pg_p_text(&p, to_day);
	pg_p_text(&p, m_lo);
	pg_p_text(&p, m_hi);
	totals_ctx x = {cb, ctx};
	int status = pg_read((pgstore *)base_, &q, &p, totals_row, &x);
	if (status != CSTORE_OK)
		log_error("reading the month totals: status %d", status);
	return status;
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
