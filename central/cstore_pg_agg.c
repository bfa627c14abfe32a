/*
 * cstore_pg_agg — the reports' reads of the PostgreSQL back end (cstore.h:
 * cstore_tickets_page, cstore_period_aggs, cstore_period_counts,
 * cstore_day_totals, cstore_day_cats), with the results of
 * cstore_sqlite_agg.c and cstore_sqlite.c function by function.
 *
 * Cost: PostgreSQL answers the reports from the tickets and desk_spans
 * tables at query time, not (yet) from maintained aggregates as SQLite
 * does: each read is one statement that groups the period's rows (the
 * index tickets_day(day, site), desk_spans_day(day, site) of schema 1), so
 * its cost follows the tickets of the period, not sites x kinds x months.
 * No tables of its own, no migration.
 *
 * The definitions are those of SQLite's flush (cstore_sqlite_agg.c,
 * count_ticket and its SQL), in SQL here:
 *   visits     every ticket of the (site, day, category at its end)
 *   served, no_show, expired, cancelled by outcome; open: no outcome
 *   solved, referred, follow_up, outcome_nr (none recorded): of the served
 *   first_yes, first_no, first_nr (first_visit 1, 0, unknown): of the served
 *   also       per served ticket, each of the first 64 entries of its
 *              topics that is a string other than its own category
 *   wait       first call - issue, when the call is known (>= 0), the issue
 *              clock set (clock_is_set: CLOCK_SET_MIN_MS) and the call not
 *              before it; service: served - last call, of the served, when
 *              the last call is known and not after it
 *   lang, referral: visits by language; served as referred by destination
 *   staffed, spans: per closed desk span, its minutes rounded ((ms +
 *              30000) / 60000) and 1
 * The histograms are built here from per-minute counts (GROUP BY site,
 * category, minute, the minute rounded as hist.h does and capped at
 * HIST_LAST), with hist.h's functions, so they encode, merge and read as
 * SQLite's. Topics are the codec's JSON array text (cstore_codec
 * topics_json at ingest and rebuild), so json_array_elements reads them;
 * anything but an array counts nothing, as json_each's rows of SQLite.
 *
 * Each read is one statement (UNION ALL of its parts): one snapshot, as
 * SQLite's one read transaction. Parameters are passed apart from the SQL.
 * Errors are pg_read's (a lost connection or a busy lock: CSTORE_BUSY).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cstore_pg.h"
#include "hist.h"
#include "log.h"
#include "strmap.h"

/* $1 from, $2 to, $3 site name or NULL: the rows of table alias x in the
 * period, the site looked up once. */
#define PERIOD(x)                                                                                  \
	" " x ".day BETWEEN $1 AND $2 AND ($3 IS NULL OR " x ".site ="                             \
	" (SELECT id FROM sites WHERE name = $3))"

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

/* --- cstore_period_aggs ------------------------------------------------- */

/* The parts of q_aggs (its column part). */
enum { PART_COUNTS, PART_ALSO, PART_WAIT, PART_SERVICE };

#define SERVED	     "t.outcome = 'served'"
#define FILTER(cond) ", count(*) FILTER (WHERE " cond ")"
#define ZEROS13	     ", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0"
/* Rounded to the nearest minute as hist_add_ms, capped at $5 (HIST_LAST). */
#define MINUTE(ms) "least((" ms " + 30000) / 60000, $5)"

/* Columns: the site's name, then site id, category, part, minute and the
 * 14 counts of cstore_agg (visits .. also) for PART_COUNTS, or the count
 * in the first of them for the others. $4 CLOCK_SET_MIN_MS, $5 HIST_LAST. */
/* clang-format off */
static const pgsql q_aggs = {
    NULL, "tttii",
    "SELECT s.name, a.* FROM ("
    "SELECT t.site, t.category, 0 AS part, 0 AS minute, count(*)"
    FILTER(SERVED)
    FILTER("t.outcome = 'no_show'")
    FILTER("t.outcome = 'expired'")
    FILTER("t.outcome = 'cancelled'")
    FILTER("coalesce(t.outcome, '') = ''")
    FILTER(SERVED " AND t.served_outcome = 'solved'")
    FILTER(SERVED " AND t.served_outcome = 'referred'")
    FILTER(SERVED " AND t.served_outcome = 'follow_up'")
    FILTER(SERVED " AND coalesce(t.served_outcome, '') = ''")
    FILTER(SERVED " AND t.first_visit = 1")
    FILTER(SERVED " AND t.first_visit = 0")
    FILTER(SERVED " AND coalesce(t.first_visit, -1) < 0") ", 0"
    " FROM tickets t WHERE" PERIOD("t") " GROUP BY t.site, t.category"
    " UNION ALL SELECT t.site, e.v #>> '{}', 1, 0, count(*)" ZEROS13
    " FROM tickets t, json_array_elements(CASE WHEN json_typeof(t.topics::json) = 'array'"
    " THEN t.topics::json ELSE '[]'::json END) WITH ORDINALITY AS e(v, i)"
    " WHERE" PERIOD("t") " AND " SERVED " AND t.topics IS NOT NULL AND e.i <= 64"
    " AND json_typeof(e.v) = 'string' AND e.v #>> '{}' <> t.category"
    " GROUP BY t.site, e.v #>> '{}'"
    " UNION ALL SELECT t.site, t.category, 2, " MINUTE("(t.called_ms - t.issued_ms)") " AS m,"
    " count(*)" ZEROS13 " FROM tickets t WHERE" PERIOD("t") " AND t.called_ms >= 0"
    " AND t.issued_ms >= $4 AND t.called_ms >= t.issued_ms GROUP BY t.site, t.category, m"
    " UNION ALL SELECT t.site, t.category, 3, " MINUTE("(t.finished_ms - t.last_called_ms)")
    " AS m, count(*)" ZEROS13 " FROM tickets t WHERE" PERIOD("t") " AND " SERVED
    " AND t.last_called_ms >= 0 AND t.finished_ms >= t.last_called_ms"
    " GROUP BY t.site, t.category, m"
    ") a JOIN sites s ON s.id = a.site"};
/* clang-format on */

/* One (site, category) while the period is added up. */
typedef struct {
	char *key; /* "site\x1fcategory" */
	long c[14];
	hist wait, service;
} agg_sum;

typedef struct {
	agg_sum *v;
	size_t n, cap;
	strmap idx;
	int nomem;
} agg_sums;

static agg_sum *sum_of(agg_sums *s, const char *site, const char *category)
{
	char k[512];
	if (snprintf(k, sizeof k, "%s\x1f%s", site, category) >= (int)sizeof k)
		return NULL; /* cannot be: ids and categories are short */
	size_t i = strmap_get(&s->idx, k);
	if (i != (size_t)-1)
		return &s->v[i];
	if (s->n == s->cap) {
		size_t c = s->cap ? s->cap * 2 : 16;
		agg_sum *p = realloc(s->v, c * sizeof *p);
		if (!p)
			return NULL;
		s->v = p;
		s->cap = c;
	}
	agg_sum *r = &s->v[s->n];
	memset(r, 0, sizeof *r);
	r->key = strdup(k);
	if (!r->key || strmap_put(&s->idx, k, s->n)) {
		free(r->key);
		return NULL;
	}
	s->n++;
	return r;
}

static void sums_free(agg_sums *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].key);
	free(s->v);
	strmap_free(&s->idx);
}

/* Counts n durations of minute into h, as hist_add_ms one by one. */
static void hist_put(hist *h, int64_t minute, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		hist_add_ms(h, minute * 60000);
}

static int aggs_row(void *ctx, const PGresult *r)
{
	agg_sums *s = ctx;
	agg_sum *a = sum_of(s, pg_col_text(r, 0), pg_col_text(r, 2));
	if (!a) {
		s->nomem = 1;
		return 1;
	}
	int part = (int)pg_col_int(r, 3);
	/* the other parts' count is in the first count column */
	int64_t minute = pg_col_int(r, 4), n = pg_col_int(r, 5);
	switch (part) {
	case PART_COUNTS:
		for (int k = 0; k < 14; k++)
			a->c[k] += (long)pg_col_int(r, 5 + k);
		break;
	case PART_ALSO: a->c[13] += (long)n; break;
	case PART_WAIT: hist_put(&a->wait, minute, n); break;
	case PART_SERVICE: hist_put(&a->service, minute, n); break;
	default: assert(!"a part the statement does not have");
	}
	return 0;
}

int pg_period_aggs(cstore *base_, const char *from_day, const char *to_day, const char *site,
		   cstore_agg_cb cb, void *ctx)
{
	agg_sums s;
	memset(&s, 0, sizeof s);
	pgparams p = {0};
	pg_p_text(&p, from_day);
	pg_p_text(&p, to_day);
	if (site)
		pg_p_text(&p, site);
	else
		pg_p_null(&p);
	pg_p_int(&p, CLOCK_SET_MIN_MS);
	pg_p_int(&p, HIST_LAST);
	int status = pg_read((pgstore *)base_, &q_aggs, &p, aggs_row, &s);
	if (s.nomem)
		status = CSTORE_ERROR;
	if (status != CSTORE_OK)
		log_error("reading the aggregates: status %d%s", status,
			  s.nomem ? " (out of memory)" : "");
	for (size_t i = 0; status == CSTORE_OK && i < s.n; i++) {
		agg_sum *a = &s.v[i];
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
		if (cb(ctx, &g))
			break;
	}
	sums_free(&s);
	return status;
}

/* --- cstore_period_counts ----------------------------------------------- */

typedef struct {
	cstore_count_cb cb;
	void *ctx;
} counts_ctx;

static int counts_row(void *ctx, const PGresult *r)
{
	counts_ctx *x = ctx;
	cstore_count c = {pg_col_text(r, 0), pg_col_text(r, 1), pg_col_text(r, 2),
			  pg_col_int(r, 3)};
	return x->cb(x->ctx, &c);
}

int pg_period_counts(cstore *base_, const char *from_day, const char *to_day, const char *site,
		     cstore_count_cb cb, void *ctx)
{
	/* clang-format off */
	static const pgsql q = {
	    NULL, "ttt",
	    "SELECT s.name, a.kind, a.key, a.n FROM ("
	    "SELECT t.site, 'lang' AS kind, t.lang AS key, count(*) AS n FROM tickets t"
	    " WHERE" PERIOD("t") " GROUP BY t.site, t.lang"
	    " UNION ALL SELECT t.site, 'referral', coalesce(t.referred_to, ''), count(*)"
	    " FROM tickets t WHERE" PERIOD("t") " AND " SERVED " AND t.served_outcome = 'referred'"
	    " GROUP BY t.site, coalesce(t.referred_to, '')"
	    " UNION ALL SELECT d.site, 'staffed', '', sum((d.staffed_ms + 30000) / 60000)::bigint"
	    " FROM desk_spans d WHERE" PERIOD("d") " AND d.closed_seq IS NOT NULL GROUP BY d.site"
	    " UNION ALL SELECT d.site, 'spans', '', count(*) FROM desk_spans d"
	    " WHERE" PERIOD("d") " AND d.closed_seq IS NOT NULL GROUP BY d.site"
	    ") a JOIN sites s ON s.id = a.site WHERE a.n <> 0"};
	/* clang-format on */
	pgparams p = {0};
	pg_p_text(&p, from_day);
	pg_p_text(&p, to_day);
	if (site)
		pg_p_text(&p, site);
	else
		pg_p_null(&p);
	counts_ctx x = {cb, ctx};
	int status = pg_read((pgstore *)base_, &q, &p, counts_row, &x);
	if (status != CSTORE_OK)
		log_error("reading the counts: status %d", status);
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

/* A (site, day) has a row when it has a ticket or a closed desk span;
 * ordered by day, then site in the order sites first sent (their id), as
 * SQLite's day_totals. */
int pg_day_totals(cstore *base_, const char *from_day, const char *to_day, cstore_day_total_cb cb,
		  void *ctx)
{
	/* clang-format off */
	static const pgsql q = {
	    NULL, "ttt",
	    "SELECT s.name, a.day, sum(a.visits)::bigint, sum(a.served)::bigint,"
	    " sum(a.staffed)::bigint, sum(a.spans)::bigint FROM ("
	    "SELECT t.site, t.day, count(*) AS visits, count(*) FILTER (WHERE " SERVED ") AS served,"
	    " 0 AS staffed, 0 AS spans FROM tickets t WHERE" PERIOD("t") " GROUP BY t.site, t.day"
	    " UNION ALL SELECT d.site, d.day, 0, 0,"
	    " coalesce(sum((d.staffed_ms + 30000) / 60000), 0), count(*) FROM desk_spans d"
	    " WHERE" PERIOD("d") " AND d.closed_seq IS NOT NULL GROUP BY d.site, d.day"
	    ") a JOIN sites s ON s.id = a.site GROUP BY a.day, a.site, s.name ORDER BY a.day, a.site"};
	/* clang-format on */
	pgparams p = {0};
	pg_p_text(&p, from_day);
	pg_p_text(&p, to_day);
	pg_p_null(&p);
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

/* Categories in byte order (COLLATE "C"), as SQLite's. */
int pg_day_cats(cstore *base_, const char *from_day, const char *to_day, cstore_day_cat_cb cb,
		void *ctx)
{
	/* clang-format off */
	static const pgsql q = {
	    NULL, "ttt",
	    "SELECT t.day, t.category, count(*) FROM tickets t WHERE" PERIOD("t")
	    " GROUP BY t.day, t.category ORDER BY t.day, t.category COLLATE \"C\""};
	/* clang-format on */
	pgparams p = {0};
	pg_p_text(&p, from_day);
	pg_p_text(&p, to_day);
	pg_p_null(&p);
	cats_ctx x = {cb, ctx};
	int status = pg_read((pgstore *)base_, &q, &p, cats_row, &x);
	if (status != CSTORE_OK)
		log_error("reading the day's kinds of help: status %d", status);
	return status;
}

/* --- cstore_month_totals ------------------------------------------------ */

/* (Appended to this file with cstore_site_names below, this file's head
 * not touched, so that a rewrite of the reads above merges simply.) */

/* As pg_day_totals, grouped by the month of the day ("YYYY-MM"): from the
 * tickets and desk spans of the period, as this file reads today. */
int pg_month_totals(cstore *base_, const char *from_day, const char *to_day,
		    cstore_day_total_cb cb, void *ctx)
{
	/* clang-format off */
	static const pgsql q = {
	    NULL, "ttt",
	    "SELECT s.name, a.month, sum(a.visits)::bigint, sum(a.served)::bigint,"
	    " sum(a.staffed)::bigint, sum(a.spans)::bigint FROM ("
	    "SELECT t.site, substr(t.day, 1, 7) AS month, count(*) AS visits,"
	    " count(*) FILTER (WHERE " SERVED ") AS served, 0 AS staffed, 0 AS spans"
	    " FROM tickets t WHERE" PERIOD("t") " GROUP BY t.site, substr(t.day, 1, 7)"
	    " UNION ALL SELECT d.site, substr(d.day, 1, 7), 0, 0,"
	    " coalesce(sum((d.staffed_ms + 30000) / 60000), 0), count(*) FROM desk_spans d"
	    " WHERE" PERIOD("d") " AND d.closed_seq IS NOT NULL GROUP BY d.site, substr(d.day, 1, 7)"
	    ") a JOIN sites s ON s.id = a.site GROUP BY a.month, a.site, s.name"
	    " ORDER BY a.month, a.site"};
	/* clang-format on */
	pgparams p = {0};
	pg_p_text(&p, from_day);
	pg_p_text(&p, to_day);
	pg_p_null(&p);
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
