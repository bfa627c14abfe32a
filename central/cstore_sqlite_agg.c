/*
 * cstore_sqlite_agg — the aggregates of the SQLite back end (cstore.h:
 * cstore_period_aggs, cstore_period_counts, cstore_day_totals,
 * cstore_month_totals, cstore_day_cats).
 *
 * Tables (schema 6):
 *   day_aggs(day, site, category, visits, served, no_show, expired,
 *           cancelled, open, solved, referred, follow_up, outcome_nr,
 *           first_yes, first_no, first_nr, also, wait BLOB, service BLOB,
 *           PRIMARY KEY(day, site, category)): per site, local day of the
 *           ticket (tickets.day) and category at its end; wait and service
 *           are hist.h's stored form
 *   day_counts(day, site, kind, key, n, PRIMARY KEY(day, site, kind, key)):
 *           per site and day, "lang" and "referral" by key, "staffed"
 *           (minutes) and "spans" with key ''; no row with n 0
 *   month_aggs(month, site, category, ...), month_counts(month, site,
 *           kind, key, n): the same per whole month "YYYY-MM", the sum of
 *           its days' rows (histograms merged), so a year reads 12 rows
 *           where it would read 365
 *   day_totals(day, site, visits, served, staffed, spans): per site and
 *           day, for the dashboard's days (no row when all are 0)
 *   day_cats(day, category, visits): per day and category, all sites
 *           together, for the dashboard's chart (no row with 0)
 * All keyed by day or month first, so a period reads only its own rows, in
 * key order; day_aggs and day_counts also by (site, day), for the months.
 * Every day row is a function of the tickets and desk_spans rows of its
 * (site, day) and nothing else; a month row of its (site)'s day rows of
 * that month; a day_cats row of the day_aggs rows of its day.
 *
 * How they stay equal to that function: the writer connection holds
 * temporary tables, filled by temporary triggers: agg_delta, for every
 * row of tickets inserted, updated or deleted, the row before (sign -1)
 * and after (1), which is all a ticket counts (an event that moves a
 * ticket to another day takes it out of one and adds it to the other);
 * agg_touched, the (site, day) of every desk span changed. Before its
 * commit, a transaction that changed tickets (an ingest) calls
 * sq_agg_flush: for each (site, day) with a change, the day rows held are
 * read, the changes applied (counts and histograms, which are exact
 * integers: no drift), and the rows written back (a row no ticket counts
 * any more goes); its desk counts are counted again from its few desk
 * spans; its day_totals row follows from the new rows, and its share of
 * day_cats is taken out before and put back after (reading every site's
 * rows of the day would cost a one-site batch the whole network); then
 * each (site, month) changed is added up again from its day rows; then
 * the notes are cleared. So the aggregates change in the same transaction
 * as the facts they count, a rollback undoes both, and a batch costs its
 * own changes plus a few rows per day and month it touched. (Counting the
 * touched days again from the tickets, the first way, cost a batch every
 * ticket of its days: quadratic for a site that sends a big day in many
 * batches, or one whose unset clock puts every ticket on 1970-01-01.)
 * A rebuild or a schema update pauses the notes (sq_agg_pause), marks
 * every (site, day) (sq_agg_touch_all) and counts each from its tickets.
 *
 * For PostgreSQL (cstore_pg.c): the same tables (bytea for the blobs), the
 * notes as temporary tables filled by row triggers (OLD and NEW), or by
 * the statements themselves (RETURNING); the SQL below is portable except
 * json_each (json_array_elements_text there), WITHOUT ROWID and the
 * temporary triggers on a main table (a session's own triggers).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cstore_sqlite.h"
#include "days.h"
#include "hist.h"
#include "log.h"
#include "strmap.h"

const char sq_agg_schema[] =
    "CREATE TABLE IF NOT EXISTS day_aggs("
    " day TEXT NOT NULL, site INTEGER NOT NULL, category TEXT NOT NULL,"
    " visits INTEGER NOT NULL, served INTEGER NOT NULL, no_show INTEGER NOT NULL,"
    " expired INTEGER NOT NULL, cancelled INTEGER NOT NULL, open INTEGER NOT NULL,"
    " solved INTEGER NOT NULL, referred INTEGER NOT NULL, follow_up INTEGER NOT NULL,"
    " outcome_nr INTEGER NOT NULL, first_yes INTEGER NOT NULL, first_no INTEGER NOT NULL,"
    " first_nr INTEGER NOT NULL, also INTEGER NOT NULL, wait BLOB NOT NULL,"
    " service BLOB NOT NULL, PRIMARY KEY(day, site, category)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS day_counts("
    " day TEXT NOT NULL, site INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,"
    " n INTEGER NOT NULL, PRIMARY KEY(day, site, kind, key)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS day_aggs_site ON day_aggs(site, day);"
    "CREATE INDEX IF NOT EXISTS day_counts_site ON day_counts(site, day);"
    "CREATE TABLE IF NOT EXISTS month_aggs("
    " month TEXT NOT NULL, site INTEGER NOT NULL, category TEXT NOT NULL,"
    " visits INTEGER NOT NULL, served INTEGER NOT NULL, no_show INTEGER NOT NULL,"
    " expired INTEGER NOT NULL, cancelled INTEGER NOT NULL, open INTEGER NOT NULL,"
    " solved INTEGER NOT NULL, referred INTEGER NOT NULL, follow_up INTEGER NOT NULL,"
    " outcome_nr INTEGER NOT NULL, first_yes INTEGER NOT NULL, first_no INTEGER NOT NULL,"
    " first_nr INTEGER NOT NULL, also INTEGER NOT NULL, wait BLOB NOT NULL,"
    " service BLOB NOT NULL, PRIMARY KEY(month, site, category)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS month_counts("
    " month TEXT NOT NULL, site INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,"
    " n INTEGER NOT NULL, PRIMARY KEY(month, site, kind, key)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS day_totals("
    " day TEXT NOT NULL, site INTEGER NOT NULL, visits INTEGER NOT NULL,"
    " served INTEGER NOT NULL, staffed INTEGER NOT NULL, spans INTEGER NOT NULL,"
    " PRIMARY KEY(day, site)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS day_cats("
    " day TEXT NOT NULL, category TEXT NOT NULL, visits INTEGER NOT NULL,"
    " PRIMARY KEY(day, category)) WITHOUT ROWID;";

/* Temporary: only the writer connection notes what it touched. A note is
 * written unless it is there (not INSERT OR IGNORE: inside a trigger the
 * outer statement's conflict clause would win). */
/* clang-format off */
#define AGG_NOTE(row)                                                                              \
	" INSERT INTO agg_touched SELECT " row ".site, " row ".day WHERE NOT EXISTS(SELECT 1"      \
	" FROM agg_touched WHERE site = " row ".site AND day = " row ".day);"
#define AGG_TRIGGERS(table)                                                                        \
	"CREATE TEMP TRIGGER IF NOT EXISTS agg_" table "_ins AFTER INSERT ON main." table       \
	" BEGIN" AGG_NOTE("new") " END;"                                                            \
	"CREATE TEMP TRIGGER IF NOT EXISTS agg_" table "_upd AFTER UPDATE ON main." table       \
	" BEGIN" AGG_NOTE("old") AGG_NOTE("new") " END;"                                            \
	"CREATE TEMP TRIGGER IF NOT EXISTS agg_" table "_del AFTER DELETE ON main." table       \
	" BEGIN" AGG_NOTE("old") " END;"
/* clang-format on */
/* A ticket row before (sign -1) or after (1) a change: what it counted. */
#define AGG_DELTA(row, sign)                                                                       \
	" INSERT INTO agg_delta SELECT " row ".site, " row ".day, " sign ", " row                  \
	".category, " row ".outcome, " row ".served_outcome, " row ".first_visit, " row            \
	".issued_ms, " row ".called_ms, " row ".last_called_ms, " row ".finished_ms, " row         \
	".topics, " row ".lang, " row ".referred_to WHERE (SELECT on_ FROM agg_mode);"
static const char agg_temp[] =
    "CREATE TEMP TABLE IF NOT EXISTS agg_touched(site INTEGER NOT NULL, day TEXT NOT NULL,"
    " PRIMARY KEY(site, day)) WITHOUT ROWID;"
    "CREATE TEMP TABLE IF NOT EXISTS agg_mode(on_ INTEGER NOT NULL);"
    "INSERT INTO agg_mode SELECT 1 WHERE NOT EXISTS(SELECT 1 FROM agg_mode);"
    "CREATE TEMP TABLE IF NOT EXISTS agg_delta(site INTEGER, day TEXT, sign INTEGER,"
    " category TEXT, outcome TEXT, served_outcome TEXT, first_visit INTEGER,"
    " issued_ms INTEGER, called_ms INTEGER, last_called_ms INTEGER, finished_ms INTEGER,"
    " topics TEXT, lang TEXT, referred_to TEXT);"
    "CREATE INDEX IF NOT EXISTS temp.agg_delta_key ON agg_delta(site, day);"
    "CREATE TEMP TRIGGER IF NOT EXISTS agg_delta_ins AFTER INSERT ON main.tickets BEGIN" AGG_DELTA(
	"new", "1") " END;"
		    "CREATE TEMP TRIGGER IF NOT EXISTS agg_delta_upd AFTER UPDATE ON main.tickets "
		    "BEGIN" AGG_DELTA("old", "-1")
			AGG_DELTA("new", "1") " END;"
					      "CREATE TEMP TRIGGER IF NOT EXISTS agg_delta_del "
					      "AFTER DELETE ON main.tickets BEGIN" AGG_DELTA(
						  "old", "-1") " END;" AGG_TRIGGERS("desk_spans");

/* The statements of a flush, ?1 site ?2 day. */
enum {
	A_TOUCHED,
	A_FORGET,
	A_DEL_AGGS,
	A_DEL_COUNTS,
	A_DEL_DESK_COUNTS,
	A_TICKETS,
	A_ALSO,
	A_HELD,
	A_DELTA,
	A_DELTA_ALSO,
	A_DELTA_LANGS,
	A_DELTA_REFS,
	A_DELTA_ZERO,
	A_DELTA_FORGET,
	A_PUT,
	A_LANGS,
	A_REFS,
	A_STAFFED,
	A_SPANS,
	A_DEL_TOTALS,
	A_TOTALS,
	A_DEL_MONTH_AGGS,
	A_DEL_MONTH_COUNTS,
	A_MONTH_DAYS,
	A_MONTH_PUT,
	A_MONTH_COUNTS,
	A_CATS_SUB,
	A_CATS_ADD,
	A_CATS_ZERO,
	A_COUNT
};

static const char *const agg_sql[A_COUNT] = {
    [A_TOUCHED] = "SELECT site, day FROM agg_touched UNION SELECT site, day FROM agg_delta"
		  " ORDER BY site, day",
    [A_FORGET] = "DELETE FROM agg_touched",
    [A_DEL_AGGS] = "DELETE FROM day_aggs WHERE day = ?2 AND site = ?1",
    [A_DEL_COUNTS] = "DELETE FROM day_counts WHERE day = ?2 AND site = ?1",
    [A_DEL_DESK_COUNTS] = "DELETE FROM day_counts WHERE day = ?2 AND site = ?1"
			  " AND kind IN ('staffed', 'spans')",
    /* The rows held, to which the changes of the batch are applied. */
    [A_HELD] = "SELECT category, visits, served, no_show, expired, cancelled, open, solved,"
	       " referred, follow_up, outcome_nr, first_yes, first_no, first_nr, also, wait,"
	       " service FROM day_aggs WHERE day = ?2 AND site = ?1",
    /* The batch's changes of tickets: columns as A_TICKETS, then the sign. */
    [A_DELTA] = "SELECT category, coalesce(outcome, ''), coalesce(served_outcome, ''),"
		" coalesce(first_visit, -1), issued_ms, called_ms, last_called_ms, finished_ms,"
		" sign FROM agg_delta WHERE site = ?1 AND day = ?2",
    [A_DELTA_ALSO] = "SELECT j.value, d.sign FROM agg_delta d, json_each(d.topics) j"
		     " WHERE d.site = ?1 AND d.day = ?2 AND d.outcome = 'served'"
		     " AND d.topics IS NOT NULL AND json_valid(d.topics) AND j.type = 'text'"
		     " AND j.key < 64 AND j.value <> d.category",
    [A_DELTA_LANGS] = "INSERT INTO day_counts SELECT ?2, ?1, 'lang', lang, sum(sign)"
		      " FROM agg_delta WHERE site = ?1 AND day = ?2 GROUP BY lang"
		      " ON CONFLICT(day, site, kind, key) DO UPDATE SET n = n + excluded.n",
    [A_DELTA_REFS] = "INSERT INTO day_counts SELECT ?2, ?1, 'referral',"
		     " coalesce(referred_to, ''), sum(sign) FROM agg_delta WHERE site = ?1"
		     " AND day = ?2 AND outcome = 'served' AND served_outcome = 'referred'"
		     " GROUP BY coalesce(referred_to, '')"
		     " ON CONFLICT(day, site, kind, key) DO UPDATE SET n = n + excluded.n",
    [A_DELTA_ZERO] = "DELETE FROM day_counts WHERE day = ?2 AND site = ?1 AND n = 0",
    [A_DELTA_FORGET] = "DELETE FROM agg_delta",
    [A_TICKETS] = "SELECT category, coalesce(outcome, ''), coalesce(served_outcome, ''),"
		  " coalesce(first_visit, -1), issued_ms, called_ms, last_called_ms, finished_ms"
		  " FROM tickets WHERE day = ?2 AND site = ?1",
    /* Topics: the first 64 entries that are strings, other than the
     * ticket's own category (as the report always counted them). */
    [A_ALSO] = "SELECT j.value FROM tickets t, json_each(t.topics) j"
	       " WHERE t.day = ?2 AND t.site = ?1 AND t.outcome = 'served'"
	       " AND t.topics IS NOT NULL AND json_valid(t.topics) AND j.type = 'text'"
	       " AND j.key < 64 AND j.value <> t.category",
    [A_PUT] = "INSERT INTO day_aggs VALUES(?2, ?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
	      " ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    [A_LANGS] = "INSERT INTO day_counts SELECT ?2, ?1, 'lang', lang, count(*) FROM tickets"
		" WHERE day = ?2 AND site = ?1 GROUP BY lang",
    [A_REFS] = "INSERT INTO day_counts SELECT ?2, ?1, 'referral', coalesce(referred_to, ''),"
	       " count(*) FROM tickets WHERE day = ?2 AND site = ?1 AND outcome = 'served'"
	       " AND served_outcome = 'referred' GROUP BY coalesce(referred_to, '')",
    [A_STAFFED] = "INSERT INTO day_counts SELECT ?2, ?1, 'staffed', '',"
		  " sum((staffed_ms + 30000) / 60000) FROM desk_spans WHERE day = ?2"
		  " AND site = ?1 AND closed_seq IS NOT NULL HAVING count(*) > 0",
    [A_SPANS] = "INSERT INTO day_counts SELECT ?2, ?1, 'spans', '', count(*) FROM desk_spans"
		" WHERE day = ?2 AND site = ?1 AND closed_seq IS NOT NULL HAVING count(*) > 0",
    /* ?3 visits ?4 served of the (site, day), counted in C */
    [A_DEL_TOTALS] = "DELETE FROM day_totals WHERE day = ?2 AND site = ?1",
    [A_TOTALS] = "INSERT INTO day_totals SELECT ?2, ?1, ?3, ?4,"
		 " coalesce(sum(CASE WHEN kind = 'staffed' THEN n END), 0),"
		 " coalesce(sum(CASE WHEN kind = 'spans' THEN n END), 0) FROM day_counts"
		 " WHERE day = ?2 AND site = ?1 AND kind IN ('staffed', 'spans')"
		 " HAVING ?3 > 0 OR count(*) > 0",
    /* A month: ?1 site ?2 "YYYY-MM" */
    [A_DEL_MONTH_AGGS] = "DELETE FROM month_aggs WHERE month = ?2 AND site = ?1",
    [A_DEL_MONTH_COUNTS] = "DELETE FROM month_counts WHERE month = ?2 AND site = ?1",
    [A_MONTH_DAYS] = "SELECT category, visits, served, no_show, expired, cancelled, open, solved,"
		     " referred, follow_up, outcome_nr, first_yes, first_no, first_nr, also, wait,"
		     " service FROM day_aggs WHERE site = ?1 AND day BETWEEN ?2 || '-01'"
		     " AND ?2 || '-31'",
    [A_MONTH_PUT] = "INSERT INTO month_aggs VALUES(?2, ?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
		    " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    [A_MONTH_COUNTS] = "INSERT INTO month_counts SELECT ?2, ?1, kind, key, sum(n)"
		       " FROM day_counts WHERE site = ?1 AND day BETWEEN ?2 || '-01'"
		       " AND ?2 || '-31' GROUP BY kind, key",
    /* The day's kinds of help of all sites: the (site, day)'s rows are
     * taken out before its recount and put in after (reading every
     * site's rows of the day instead would cost a batch 700 sites' worth). */
    [A_CATS_SUB] = "UPDATE day_cats SET visits = visits - (SELECT a.visits FROM day_aggs a"
		   " WHERE a.day = ?2 AND a.site = ?1 AND a.category = day_cats.category)"
		   " WHERE day = ?2 AND category IN (SELECT category FROM day_aggs"
		   " WHERE day = ?2 AND site = ?1 AND visits > 0)",
    [A_CATS_ADD] = "INSERT INTO day_cats SELECT day, category, visits FROM day_aggs"
		   " WHERE day = ?2 AND site = ?1 AND visits > 0"
		   " ON CONFLICT(day, category) DO UPDATE SET visits = visits + excluded.visits",
    [A_CATS_ZERO] = "DELETE FROM day_cats WHERE day = ?2 AND visits = 0",
};

struct sq_agg {
	sqlite3 *db;
	sqlite3_stmt *s[A_COUNT];
	int full; /* the next flush counts every (site, day) from the tickets */
};

/* One category of one (site, day) while it is counted. */
typedef struct {
	char *category;
	long c[14]; /* visits .. also, in the order of day_aggs */
	hist wait, service;
} agg_row;

enum {
	C_VISITS,
	C_SERVED,
	C_NO_SHOW,
	C_EXPIRED,
	C_CANCELLED,
	C_OPEN,
	C_SOLVED,
	C_REFERRED,
	C_FOLLOW_UP,
	C_OUTCOME_NR,
	C_FIRST_YES,
	C_FIRST_NO,
	C_FIRST_NR,
	C_ALSO
};

typedef struct {
	agg_row *v;
	size_t n, cap;
	strmap idx;
} agg_day;

static void day_reset(agg_day *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].category);
	d->n = 0;
	strmap_free(&d->idx);
}

static agg_row *row_of(agg_day *d, const char *category)
{
	size_t i = strmap_get(&d->idx, category);
	if (i != (size_t)-1)
		return &d->v[i];
	if (d->n == d->cap) {
		size_t c = d->cap ? d->cap * 2 : 8;
		agg_row *p = realloc(d->v, c * sizeof *p);
		if (!p)
			return NULL;
		d->v = p;
		d->cap = c;
	}
	agg_row *r = &d->v[d->n];
	memset(r, 0, sizeof *r);
	r->category = strdup(category);
	if (!r->category || strmap_put(&d->idx, category, d->n)) {
		free(r->category);
		return NULL;
	}
	d->n++;
	return r;
}

sq_agg *sq_agg_open(sqlite3 *db, char *err, size_t errlen)
{
	sq_agg *a = calloc(1, sizeof *a);
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->db = db;
	char *msg = NULL;
	int rc = sqlite3_exec(db, agg_temp, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "the aggregates' notes: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		free(a);
		return NULL;
	}
	for (int i = 0; i < A_COUNT; i++)
		if (sq_prep(db, agg_sql[i], &a->s[i], err, errlen)) {
			sq_agg_close(a);
			return NULL;
		}
	return a;
}

void sq_agg_close(sq_agg *a)
{
	if (!a)
		return;
	for (int i = 0; i < A_COUNT; i++)
		sqlite3_finalize(a->s[i]);
	free(a);
}

static void bind_key(sqlite3_stmt *s, sqlite3_int64 site, const char *day)
{
	sqlite3_bind_int64(s, 1, site);
	sqlite3_bind_text(s, 2, day, -1, SQLITE_STATIC);
}

/* Counts the tickets of (site, day) into d. */
/* Adds (sign 1) or takes out (-1) what one ticket counts, from the row
 * of an A_TICKETS or A_DELTA query, to d. */
static int count_ticket(agg_day *d, sqlite3_stmt *s, int sign)
{
	agg_row *r = row_of(d, sq_col_text(s, 0));
	if (!r)
		return SQLITE_NOMEM;
	const char *outcome = sq_col_text(s, 1), *o = sq_col_text(s, 2);
	int first = sqlite3_column_int(s, 3);
	int64_t issued = sq_col_ms(s, 4), called = sq_col_ms(s, 5);
	int64_t last_called = sq_col_ms(s, 6), finished = sq_col_ms(s, 7);
	int served = !strcmp(outcome, "served");
	r->c[C_VISITS] += sign;
	if (served) {
		r->c[C_SERVED] += sign;
		r->c[C_SOLVED] += sign * !strcmp(o, "solved");
		r->c[C_REFERRED] += sign * !strcmp(o, "referred");
		r->c[C_FOLLOW_UP] += sign * !strcmp(o, "follow_up");
		r->c[C_OUTCOME_NR] += sign * !*o;
		r->c[C_FIRST_YES] += sign * (first == 1);
		r->c[C_FIRST_NO] += sign * (first == 0);
		r->c[C_FIRST_NR] += sign * (first < 0);
	} else {
		r->c[C_NO_SHOW] += sign * !strcmp(outcome, "no_show");
		r->c[C_EXPIRED] += sign * !strcmp(outcome, "expired");
		r->c[C_CANCELLED] += sign * !strcmp(outcome, "cancelled");
		r->c[C_OPEN] += sign * !*outcome;
	}
	/* A ticket taken on a site's unset clock has no issue time to count a
	 * wait from (docs/day.md). */
	void (*put)(hist *, int64_t) = sign > 0 ? hist_add_ms : hist_sub_ms;
	if (called >= 0 && clock_is_set(issued) && called >= issued)
		put(&r->wait, called - issued);
	if (served && last_called >= 0 && finished >= last_called)
		put(&r->service, finished - last_called);
	return SQLITE_OK;
}

/* Runs s for (site, day), each row through count (with the sign in
 * column sign_col, or 1 if it is -1). */
static int each_row(sqlite3_stmt *s, sqlite3_int64 site, const char *day, agg_day *d, int sign_col,
		    int (*count)(agg_day *, sqlite3_stmt *, int))
{
	bind_key(s, site, day);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int sign = sign_col < 0 ? 1 : (sqlite3_column_int(s, sign_col) > 0 ? 1 : -1);
		if ((rc = count(d, s, sign)) != SQLITE_OK)
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int count_also(agg_day *d, sqlite3_stmt *s, int sign)
{
	agg_row *r = row_of(d, sq_col_text(s, 0));
	if (!r)
		return SQLITE_NOMEM;
	r->c[C_ALSO] += sign;
	return SQLITE_OK;
}

/* A row held in day_aggs, as it is. */
static int count_held(agg_day *d, sqlite3_stmt *s, int sign)
{
	(void)sign;
	agg_row *r = row_of(d, sq_col_text(s, 0));
	if (!r)
		return SQLITE_NOMEM;
	for (int k = 0; k < 14; k++)
		r->c[k] += (long)sqlite3_column_int64(s, 1 + k);
	if (hist_merge_blob(&r->wait, sqlite3_column_blob(s, 15),
			    (size_t)sqlite3_column_bytes(s, 15)) ||
	    hist_merge_blob(&r->service, sqlite3_column_blob(s, 16),
			    (size_t)sqlite3_column_bytes(s, 16)))
		return SQLITE_CORRUPT;
	return SQLITE_OK;
}

/* The day rows of (site, day) into d: counted from its tickets (full), or
 * the rows held changed by the batch's changes of tickets (agg_delta: each
 * ticket's row before, taken out, and after, added), which costs the
 * changes, not the day's tickets. */
static int count_tickets(sq_agg *a, sqlite3_int64 site, const char *day, agg_day *d)
{
	if (a->full) {
		int rc = each_row(a->s[A_TICKETS], site, day, d, -1, count_ticket);
		return rc == SQLITE_OK ? each_row(a->s[A_ALSO], site, day, d, -1, count_also) : rc;
	}
	int rc = each_row(a->s[A_HELD], site, day, d, -1, count_held);
	if (rc == SQLITE_OK)
		rc = each_row(a->s[A_DELTA], site, day, d, 8, count_ticket);
	if (rc == SQLITE_OK)
		rc = each_row(a->s[A_DELTA_ALSO], site, day, d, 1, count_also);
	return rc;
}

/* Writes the rows of d through put (day_aggs or month_aggs) under (site, key). */
static int put_rows(sqlite3_stmt *put, sqlite3_int64 site, const char *key, const agg_day *d)
{
	int rc = SQLITE_OK;
	for (size_t i = 0; rc == SQLITE_OK && i < d->n; i++) {
		const agg_row *r = &d->v[i];
		if (!r->c[C_VISITS] && !r->c[C_ALSO])
			continue; /* its last ticket moved away: no row */
		unsigned char wait[HIST_BLOB_MAX], service[HIST_BLOB_MAX];
		size_t wl = hist_encode(&r->wait, wait), sl = hist_encode(&r->service, service);
		bind_key(put, site, key);
		sqlite3_bind_text(put, 3, r->category, -1, SQLITE_STATIC);
		for (int k = 0; k < 14; k++)
			sqlite3_bind_int64(put, 4 + k, r->c[k]);
		sqlite3_bind_blob(put, 18, wait, (int)wl, SQLITE_STATIC);
		sqlite3_bind_blob(put, 19, service, (int)sl, SQLITE_STATIC);
		rc = sq_step_done(put);
	}
	return rc;
}

/* The aggregate rows of (site, day), counted again. */
static int recount(sq_agg *a, sqlite3_int64 site, const char *day, agg_day *d)
{
	int rc = SQLITE_OK;
	if (rc == SQLITE_OK)
		rc = count_tickets(a, site, day, d);
	int del[] = {A_CATS_SUB, A_DEL_AGGS, a->full ? A_DEL_COUNTS : A_DEL_DESK_COUNTS};
	for (int i = 0; rc == SQLITE_OK && i < 3; i++) {
		bind_key(a->s[del[i]], site, day);
		rc = sq_step_done(a->s[del[i]]);
	}
	long visits = 0, served = 0;
	for (size_t i = 0; i < d->n; i++) {
		visits += d->v[i].c[C_VISITS];
		served += d->v[i].c[C_SERVED];
	}
	if (rc == SQLITE_OK)
		rc = put_rows(a->s[A_PUT], site, day, d);
	int counts[] = {A_CATS_ADD,
			A_CATS_ZERO,
			a->full ? A_LANGS : A_DELTA_LANGS,
			a->full ? A_REFS : A_DELTA_REFS,
			A_DELTA_ZERO,
			A_STAFFED,
			A_SPANS,
			A_DEL_TOTALS};
	for (int i = 0; rc == SQLITE_OK && i < 8; i++) {
		bind_key(a->s[counts[i]], site, day);
		rc = sq_step_done(a->s[counts[i]]);
	}
	if (rc == SQLITE_OK) {
		sqlite3_stmt *s = a->s[A_TOTALS];
		bind_key(s, site, day);
		sqlite3_bind_int64(s, 3, visits);
		sqlite3_bind_int64(s, 4, served);
		rc = sq_step_done(s);
	}
	day_reset(d);
	return rc;
}

/* The month rows of (site, month "YYYY-MM"), added up again from its days. */
static int recount_month(sq_agg *a, sqlite3_int64 site, const char *month, agg_day *d)
{
	int rc = SQLITE_OK;
	static const int del[] = {A_DEL_MONTH_AGGS, A_DEL_MONTH_COUNTS};
	for (int i = 0; rc == SQLITE_OK && i < 2; i++) {
		bind_key(a->s[del[i]], site, month);
		rc = sq_step_done(a->s[del[i]]);
	}
	sqlite3_stmt *s = a->s[A_MONTH_DAYS];
	bind_key(s, site, month);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		agg_row *r = row_of(d, sq_col_text(s, 0));
		if (!r) {
			rc = SQLITE_NOMEM;
			break;
		}
		for (int k = 0; k < 14; k++)
			r->c[k] += (long)sqlite3_column_int64(s, 1 + k);
		if (hist_merge_blob(&r->wait, sqlite3_column_blob(s, 15),
				    (size_t)sqlite3_column_bytes(s, 15)) ||
		    hist_merge_blob(&r->service, sqlite3_column_blob(s, 16),
				    (size_t)sqlite3_column_bytes(s, 16))) {
			rc = SQLITE_CORRUPT;
			break;
		}
		rc = SQLITE_OK;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	if (rc == SQLITE_OK)
		rc = put_rows(a->s[A_MONTH_PUT], site, month, d);
	if (rc == SQLITE_OK) {
		bind_key(a->s[A_MONTH_COUNTS], site, month);
		rc = sq_step_done(a->s[A_MONTH_COUNTS]);
	}
	day_reset(d);
	return rc;
}

typedef struct {
	sqlite3_int64 site;
	char day[16];
} touched_key;

int sq_agg_flush(sq_agg *a)
{
	/* The notes first: no write to the aggregates while their read is
	 * open (and the count's own reads never touch the notes). */
	typedef touched_key key;
	key *keys = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *s = a->s[A_TOUCHED];
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			size_t c = cap ? cap * 2 : 16;
			key *p = realloc(keys, c * sizeof *p);
			if (!p) {
				rc = SQLITE_NOMEM;
				break;
			}
			keys = p;
			cap = c;
		}
		keys[n].site = sqlite3_column_int64(s, 0);
		snprintf(keys[n].day, sizeof keys[n].day, "%s", sq_col_text(s, 1));
		n++;
	}
	sqlite3_reset(s);
	rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	agg_day d;
	memset(&d, 0, sizeof d);
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++)
		rc = recount(a, keys[i].site, keys[i].day, &d);
	/* Then each month touched, once: the notes come in (site, day)
	 * order, so a (site, month) repeats only next to itself. */
	char last[16] = "";
	sqlite3_int64 last_site = -1;
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		char month[8];
		snprintf(month, sizeof month, "%.7s", keys[i].day);
		if (keys[i].site == last_site && !strcmp(month, last))
			continue;
		last_site = keys[i].site;
		snprintf(last, sizeof last, "%s", month);
		rc = recount_month(a, keys[i].site, month, &d);
	}
	day_reset(&d);
	free(d.v);
	free(keys);
	if (rc == SQLITE_OK)
		rc = sq_step_done(a->s[A_FORGET]);
	if (rc == SQLITE_OK)
		rc = sq_step_done(a->s[A_DELTA_FORGET]);
	if (rc == SQLITE_OK)
		a->full = 0;
	return rc;
}

int sq_agg_touch_all(sq_agg *a)
{
	a->full = 1; /* until the flush: a rollback leaves nothing half done */
	return sqlite3_exec(
	    a->db,
	    "DELETE FROM day_aggs; DELETE FROM day_counts; DELETE FROM month_aggs;"
	    "DELETE FROM month_counts; DELETE FROM day_totals; DELETE FROM day_cats;"
	    "DELETE FROM agg_touched; DELETE FROM agg_delta;"
	    "INSERT OR IGNORE INTO agg_touched SELECT DISTINCT site, day FROM tickets;"
	    "INSERT OR IGNORE INTO agg_touched SELECT DISTINCT site, day FROM desk_spans;",
	    NULL, NULL, NULL);
}

int sq_agg_pause(sq_agg *a, int paused)
{
	return sqlite3_exec(a->db,
			    paused ? "UPDATE agg_mode SET on_ = 0" : "UPDATE agg_mode SET on_ = 1",
			    NULL, NULL, NULL);
}

/* --- reading ---------------------------------------------------------- */

/* ?1 from ?2 to ?3 site or NULL: the site as its id, looked up once.
 * Rows carry the site's id; its name comes from ps's table of sites. */
#define AGG_WHERE(col)                                                                             \
	" WHERE a." col " BETWEEN ?1 AND ?2 AND (?3 IS NULL OR a.site ="                           \
	" (SELECT id FROM sites WHERE name = ?3))"
#define AGG_COLS(col)                                                                              \
	"SELECT a.site, a.category, a.visits, a.served, a.no_show, a.expired, a.cancelled,"        \
	" a.open, a.solved, a.referred, a.follow_up, a.outcome_nr, a.first_yes, a.first_no,"       \
	" a.first_nr, a.also, a.wait, a.service"
static const char *const aggs_sql[2] = {
    AGG_COLS("day") " FROM day_aggs a" AGG_WHERE("day"),
    AGG_COLS("month") " FROM month_aggs a" AGG_WHERE("month"),
};
static const char *const counts_sql[2] = {
    "SELECT a.site, a.kind, a.key, a.n FROM day_counts a" AGG_WHERE("day"),
    "SELECT a.site, a.kind, a.key, a.n FROM month_counts a" AGG_WHERE("month"),
};

static void bind_period(sqlite3_stmt *s, const char *from, const char *to, const char *site)
{
	sqlite3_bind_text(s, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, to, -1, SQLITE_STATIC);
	if (site)
		sqlite3_bind_text(s, 3, site, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 3);
}

/* One sum of the period: a site (its place in ps's sites) and a key (a
 * category, or a count's "kind\x1fkey"; its sum in r.c[0]). */
typedef struct {
	size_t site;
	size_t next; /* the next sum of the same site, or (size_t)-1 */
	agg_row r;   /* r.category: the key */
} sum_entry;

/* The period's sums while they are added up, in the order first met (the
 * order the callback sees them). The sites are read once (id, name, in
 * id order); a row finds its site by binary search on its id and its sum
 * along the site's few keys: no key built and hashed per row. */
typedef struct {
	sum_entry *v;
	size_t n, cap;
	sqlite3_int64 *ids; /* [nsites], increasing */
	char **names;	    /* [nsites] */
	size_t *head;	    /* [nsites]: the site's first sum, or (size_t)-1 */
	size_t nsites;
	size_t last; /* the site found last (site_index) */
	size_t hint; /* the sum found last (sum_row) */
} period_sum;

static int load_sites(sqlite3 *db, period_sum *ps)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT id, name FROM sites ORDER BY id", -1, &s, NULL);
	size_t cap = 0;
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (ps->nsites == cap) {
			size_t c = cap ? cap * 2 : 64;
			sqlite3_int64 *i = realloc(ps->ids, c * sizeof *i);
			if (i)
				ps->ids = i;
			char **nm = realloc(ps->names, c * sizeof *nm);
			if (nm)
				ps->names = nm;
			size_t *h = realloc(ps->head, c * sizeof *h);
			if (h)
				ps->head = h;
			if (!i || !nm || !h) {
				rc = SQLITE_NOMEM;
				break;
			}
			cap = c;
		}
		char *name = strdup(sq_col_text(s, 1));
		if (!name) {
			rc = SQLITE_NOMEM;
			break;
		}
		ps->ids[ps->nsites] = sqlite3_column_int64(s, 0);
		ps->names[ps->nsites] = name;
		ps->head[ps->nsites] = (size_t)-1;
		ps->nsites++;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The sum of (site id, key), made (zero) if new; NULL if out of memory
 * or the site is not in the table (cannot be: read in one transaction). */
/* The place of site id in ps's sites, or (size_t)-1. Rows come in runs
 * of one site: the last one found is tried first. */
static size_t site_index(period_sum *ps, sqlite3_int64 id)
{
	if (ps->last < ps->nsites && ps->ids[ps->last] == id)
		return ps->last;
	size_t lo = 0, hi = ps->nsites;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (ps->ids[m] < id)
			lo = m + 1;
		else
			hi = m;
	}
	if (lo == ps->nsites || ps->ids[lo] != id)
		return (size_t)-1;
	return ps->last = lo;
}

static agg_row *sum_row(period_sum *ps, sqlite3_int64 id, const char *key)
{
	size_t lo = site_index(ps, id);
	if (lo == (size_t)-1)
		return NULL;
	/* Each piece reads in key order, and the first made the sums in that
	 * order: the row after the last one found is most often the next. */
	size_t h = ps->hint + 1;
	if (h < ps->n && ps->v[h].site == lo && !strcmp(ps->v[h].r.category, key)) {
		ps->hint = h;
		return &ps->v[h].r;
	}
	for (size_t i = ps->head[lo]; i != (size_t)-1; i = ps->v[i].next)
		if (!strcmp(ps->v[i].r.category, key)) {
			ps->hint = i;
			return &ps->v[i].r;
		}
	if (ps->n == ps->cap) {
		size_t c = ps->cap ? ps->cap * 2 : 64;
		sum_entry *p = realloc(ps->v, c * sizeof *p);
		if (!p)
			return NULL;
		ps->v = p;
		ps->cap = c;
	}
	sum_entry *e = &ps->v[ps->n];
	memset(e, 0, sizeof *e);
	if (!(e->r.category = strdup(key)))
		return NULL;
	e->site = lo;
	e->next = ps->head[lo];
	ps->head[lo] = ps->hint = ps->n++;
	return &e->r;
}

static int add_agg(period_sum *ps, sqlite3_stmt *s, int sign)
{
	agg_row *r = sum_row(ps, sqlite3_column_int64(s, 0), sq_col_text(s, 1));
	if (!r)
		return SQLITE_NOMEM;
	for (int k = 0; k < 14; k++)
		r->c[k] += sign * (long)sqlite3_column_int64(s, 2 + k);
	int (*merge)(hist *, const void *, size_t) = sign > 0 ? hist_merge_blob : hist_unmerge_blob;
	if (merge(&r->wait, sqlite3_column_blob(s, 16), (size_t)sqlite3_column_bytes(s, 16)) ||
	    merge(&r->service, sqlite3_column_blob(s, 17), (size_t)sqlite3_column_bytes(s, 17)))
		return SQLITE_CORRUPT;
	return SQLITE_OK;
}

/* Reads the sites, then the pieces of [from, to] through sql[piece is
 * months] (each statement prepared once) into ps with add(ps, row, sign),
 * in one read transaction. */
static int read_period(sqstore *st, const char *const sql[2], const char *from, const char *to,
		       const char *site, int (*add)(period_sum *, sqlite3_stmt *, int),
		       period_sum *ps)
{
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	days_piece p[DAYS_MAX_PIECES];
	int np = days_split(from, to, p);
	sqlite3_stmt *stmt[2] = {NULL, NULL};
	int rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = load_sites(db, ps);
	for (int i = 0; rc == SQLITE_OK && i < np; i++) {
		sqlite3_stmt **s = &stmt[p[i].months];
		if (*s)
			sqlite3_reset(*s);
		else if ((rc = sqlite3_prepare_v2(db, sql[p[i].months], -1, s, NULL)) != SQLITE_OK)
			break;
		bind_period(*s, p[i].from, p[i].to, site);
		while ((rc = sqlite3_step(*s)) == SQLITE_ROW)
			if ((rc = add(ps, *s, p[i].sign)) != SQLITE_OK)
				break;
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(stmt[0]);
	sqlite3_finalize(stmt[1]);
	if (rc != SQLITE_OK)
		log_error("reading the aggregates: %s", sqlite3_errmsg(db));
	sqlite3_exec(db, rc == SQLITE_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}

static void sum_free(period_sum *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->v[i].r.category);
	for (size_t i = 0; i < ps->nsites; i++)
		free(ps->names[i]);
	free(ps->v);
	free(ps->ids);
	free(ps->names);
	free(ps->head);
}

int sq_period_aggs(cstore *base, const char *from_day, const char *to_day, const char *site,
		   cstore_agg_cb cb, void *ctx)
{
	period_sum ps;
	memset(&ps, 0, sizeof ps);
	int status = read_period((sqstore *)base, aggs_sql, from_day, to_day, site, add_agg, &ps);
	for (size_t i = 0; status == CSTORE_OK && i < ps.n; i++) {
		agg_row *r = &ps.v[i].r;
		if (!r->c[C_VISITS] && !r->c[C_ALSO])
			continue; /* all taken out again */
		unsigned char wait[HIST_BLOB_MAX], service[HIST_BLOB_MAX];
		cstore_agg g = {
		    .site = ps.names[ps.v[i].site],
		    .category = r->category,
		    .visits = r->c[C_VISITS],
		    .served = r->c[C_SERVED],
		    .no_show = r->c[C_NO_SHOW],
		    .expired = r->c[C_EXPIRED],
		    .cancelled = r->c[C_CANCELLED],
		    .open = r->c[C_OPEN],
		    .solved = r->c[C_SOLVED],
		    .referred = r->c[C_REFERRED],
		    .follow_up = r->c[C_FOLLOW_UP],
		    .outcome_nr = r->c[C_OUTCOME_NR],
		    .first_yes = r->c[C_FIRST_YES],
		    .first_no = r->c[C_FIRST_NO],
		    .first_nr = r->c[C_FIRST_NR],
		    .also = r->c[C_ALSO],
		    .wait = wait,
		    .wait_len = hist_encode(&r->wait, wait),
		    .service = service,
		    .service_len = hist_encode(&r->service, service),
		};
		if (cb(ctx, &g))
			break;
	}
	sum_free(&ps);
	return status;
}

/* Counts: the sum's key is "kind\x1fkey", its sum in c[0]. */
static int add_count(period_sum *ps, sqlite3_stmt *s, int sign)
{
	char k[400];
	const char *kind = sq_col_text(s, 1), *key = sq_col_text(s, 2);
	size_t a = strlen(kind), b = strlen(key);
	if (a + b + 2 > sizeof k)
		return SQLITE_OK; /* cannot be: kinds and keys are short */
	memcpy(k, kind, a);
	k[a] = '\x1f';
	memcpy(k + a + 1, key, b + 1);
	agg_row *r = sum_row(ps, sqlite3_column_int64(s, 0), k);
	if (!r)
		return SQLITE_NOMEM;
	r->c[0] += sign * (long)sqlite3_column_int64(s, 3);
	return SQLITE_OK;
}

int sq_period_counts(cstore *base, const char *from_day, const char *to_day, const char *site,
		     cstore_count_cb cb, void *ctx)
{
	period_sum ps;
	memset(&ps, 0, sizeof ps);
	int status =
	    read_period((sqstore *)base, counts_sql, from_day, to_day, site, add_count, &ps);
	for (size_t i = 0; status == CSTORE_OK && i < ps.n; i++) {
		agg_row *r = &ps.v[i].r;
		if (!r->c[0])
			continue;
		char *a = strchr(r->category, '\x1f');
		assert(a);
		*a = '\0';
		cstore_count c = {ps.names[ps.v[i].site], r->category, a + 1, r->c[0]};
		int stop = cb(ctx, &c);
		*a = '\x1f';
		if (stop)
			break;
	}
	sum_free(&ps);
	return status;
}

int sq_day_totals(cstore *base, const char *from_day, const char *to_day, cstore_day_total_cb cb,
		  void *ctx)
{
	sqstore *st = (sqstore *)base;
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT s.name, a.day, a.visits, a.served, a.staffed, a.spans"
				    " FROM day_totals a JOIN sites s ON s.id = a.site"
				    " WHERE a.day BETWEEN ?1 AND ?2 ORDER BY a.day, a.site",
				    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		bind_period(s, from_day, to_day, NULL);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			cstore_day_total t = {sq_col_text(s, 0),
					      sq_col_text(s, 1),
					      (long)sqlite3_column_int64(s, 2),
					      (long)sqlite3_column_int64(s, 3),
					      (long)sqlite3_column_int64(s, 4),
					      (long)sqlite3_column_int64(s, 5)};
			if (cb(ctx, &t)) {
				rc = SQLITE_DONE;
				break;
			}
		}
	}
	if (rc != SQLITE_DONE)
		log_error("reading the day totals: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}

/* The first day of the month after the one of day (a valid label). */
static void next_month(const char *day, char out[DAY_LEN])
{
	int y = (int)strtol(day, NULL, 10), m = (int)strtol(day + 5, NULL, 10) + 1;
	if (m == 13) {
		y++;
		m = 1;
	}
	snprintf(out, DAY_LEN, "%04d-%02d-01", y % 10000, m);
}

/* The days of sq_month_totals before and after its whole months, from
 * day_totals in key order (day, site): added up per site of the month
 * (sums[site's place], 4 each) and given to cb per month in site order
 * when the month changes. The two ranges lie each in one month, or in
 * two when the period holds no whole month. */
static const char mt_days_sql[] = "SELECT day, site, visits, served, staffed, spans"
				  " FROM day_totals WHERE day BETWEEN ?1 AND ?2 ORDER BY day, site";

static int mt_flush(period_sum *sites, long *sums, const char *month, cstore_day_total_cb cb,
		    void *ctx, int *stop)
{
	for (size_t i = 0; i < sites->nsites; i++) {
		long *v = &sums[4 * i];
		if (!*stop && (v[0] || v[1] || v[2] || v[3])) {
			cstore_day_total t = {sites->names[i], month, v[0], v[1], v[2], v[3]};
			if (cb(ctx, &t))
				*stop = 1;
		}
		v[0] = v[1] = v[2] = v[3] = 0;
	}
	return *stop;
}

/* The days lo .. hi to cb; SQLITE_DONE when all went (or cb stopped:
 * then *stop), else the error. */
static int mt_days(sqlite3 *db, period_sum *sites, long *sums, const char *lo, const char *hi,
		   cstore_day_total_cb cb, void *ctx, int *stop)
{
	if (*stop || strcmp(lo, hi) > 0)
		return SQLITE_DONE;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, mt_days_sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(s, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, hi, -1, SQLITE_STATIC);
	char month[8] = "";
	while (!*stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *day = sq_col_text(s, 0);
		if (strncmp(day, month, 7)) {
			if (*month && mt_flush(sites, sums, month, cb, ctx, stop))
				break;
			snprintf(month, sizeof month, "%.7s", day);
		}
		size_t si = site_index(sites, sqlite3_column_int64(s, 1));
		if (si == (size_t)-1)
			continue; /* cannot be (one transaction); a join left it out */
		for (int k = 0; k < 4; k++)
			sums[4 * si + (size_t)k] += (long)sqlite3_column_int64(s, 2 + k);
	}
	if (rc == SQLITE_DONE && *month)
		mt_flush(sites, sums, month, cb, ctx, stop);
	sqlite3_finalize(s);
	return *stop ? SQLITE_DONE : rc;
}

/* A whole month's rows of one site, added up here from a plain read in
 * key order (month, site, ...): rows of month_aggs (visits, served) or of
 * month_counts (kind, n: staffed minutes and spans). */
typedef struct {
	sqlite3_stmt *s;
	int rc;	    /* of the last step: SQLITE_ROW while a row is in hand */
	int counts; /* month_counts */
	int have;   /* a sum in hand */
	char month[8];
	sqlite3_int64 site;
	long v[2]; /* visits, served; or staffed, spans */
} mt_sum;

/* The next (month, site) of g into its sum (have 0 at the end); the
 * step's status (SQLITE_ROW or SQLITE_DONE when well). */
static int mt_next(mt_sum *g)
{
	g->have = 0;
	if (g->rc != SQLITE_ROW)
		return g->rc;
	snprintf(g->month, sizeof g->month, "%s", sq_col_text(g->s, 0));
	g->site = sqlite3_column_int64(g->s, 1);
	g->v[0] = g->v[1] = 0;
	g->have = 1;
	do {
		if (!g->counts) {
			g->v[0] += (long)sqlite3_column_int64(g->s, 2);
			g->v[1] += (long)sqlite3_column_int64(g->s, 3);
		} else {
			g->v[strcmp(sq_col_text(g->s, 2), "staffed") ? 1 : 0] +=
			    (long)sqlite3_column_int64(g->s, 3);
		}
		g->rc = sqlite3_step(g->s);
	} while (g->rc == SQLITE_ROW && sqlite3_column_int64(g->s, 1) == g->site &&
		 !strcmp(sq_col_text(g->s, 0), g->month));
	return g->rc;
}

static int mt_sum_open(sqlite3 *db, mt_sum *g, const char *sql, const char *lo, const char *hi)
{
	int rc = sqlite3_prepare_v2(db, sql, -1, &g->s, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(g->s, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(g->s, 2, hi, -1, SQLITE_STATIC);
	g->rc = sqlite3_step(g->s);
	rc = mt_next(g);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* -1, 0, 1 as the (month, site) of a's sum is before, at, after b's; one
 * at its end is after every other. */
static int mt_cmp(const mt_sum *a, const mt_sum *b)
{
	if (!a->have || !b->have)
		return !a->have - !b->have;
	int m = strcmp(a->month, b->month);
	if (m)
		return m < 0 ? -1 : 1;
	return (a->site > b->site) - (a->site < b->site);
}

/* Whole months (m_lo .. m_hi, "YYYY-MM") from month_aggs (visits, served)
 * and month_counts (staffed, spans), two plain reads in their key order
 * (no sort, no grouping or join in SQL: summed here per (month, site),
 * the site's name from one read of the sites) merged by (month, site);
 * the days before them (from .. d_hi) and after them (d_lo .. to) from
 * day_totals (mt_days, summed here too); an empty range has its bounds
 * crossed. All in one read
 * transaction. (One statement of the three as a UNION ALL grouped by
 * month and site cost a year's dashboard of 700 sites most of its time:
 * every row through a temporary b-tree; the two grouped in SQL with a
 * join per row, a third of it.) */
int sq_month_totals(cstore *base, const char *from_day, const char *to_day,
		    cstore_day_total_cb cb, void *ctx)
{
	sqstore *st = (sqstore *)base;
	char m_lo[DAY_LEN] = "9", m_hi[DAY_LEN] = "0", d_hi[DAY_LEN], d_lo[DAY_LEN] = "9";
	snprintf(d_hi, sizeof d_hi, "%s", to_day);
	if (day_is_valid(from_day) && day_is_valid(to_day)) {
		long b = days_from_label(to_day);
		char first[DAY_LEN], after[DAY_LEN];
		/* the first whole month starts at first, the last ends before after */
		if (!strcmp(from_day + 8, "01"))
			snprintf(first, sizeof first, "%s", from_day);
		else
			next_month(from_day, first);
		next_month(to_day, after);
		long f = days_from_label(first), e = days_from_label(after) - 1;
		if (e != b)
			e = b - strtol(to_day + 8, NULL, 10); /* the end of the month before to's */
		if (f <= e) {
			char l[DAY_LEN];
			snprintf(m_lo, 8, "%s", first);
			days_to_label(e, l);
			snprintf(m_hi, 8, "%s", l);
			days_to_label(f - 1, d_hi);
			days_to_label(e + 1, d_lo);
		}
	}
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	mt_sum aggs = {0}, counts = {0};
	counts.counts = 1;
	period_sum sites;
	memset(&sites, 0, sizeof sites);
	long *sums = NULL;
	int stop = 0;
	int rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = load_sites(db, &sites);
	if (rc == SQLITE_OK && !(sums = calloc(4 * sites.nsites + 1, sizeof *sums)))
		rc = SQLITE_NOMEM;
	if (rc == SQLITE_OK)
		rc = mt_sum_open(db, &aggs,
				 "SELECT month, site, visits, served FROM month_aggs"
				 " WHERE month BETWEEN ?1 AND ?2 ORDER BY month, site",
				 m_lo, m_hi);
	if (rc == SQLITE_OK)
		rc = mt_sum_open(db, &counts,
				 "SELECT month, site, kind, n FROM month_counts"
				 " WHERE month BETWEEN ?1 AND ?2 AND kind IN ('spans', 'staffed')"
				 " ORDER BY month, site",
				 m_lo, m_hi);
	if (rc == SQLITE_OK)
		rc = mt_days(db, &sites, sums, from_day, d_hi, cb, ctx, &stop);
	while (rc == SQLITE_DONE && !stop && (aggs.have || counts.have)) {
		int k = mt_cmp(&aggs, &counts);
		mt_sum *g = k <= 0 ? &aggs : &counts;
		size_t si = site_index(&sites, g->site);
		cstore_day_total t = {
		    si == (size_t)-1 ? "" : sites.names[si], g->month, 0, 0, 0, 0};
		if (k <= 0) {
			t.visits = aggs.v[0];
			t.served = aggs.v[1];
		}
		if (k >= 0) {
			t.staffed_minutes = counts.v[0];
			t.spans = counts.v[1];
		}
		/* a site not in the table cannot be (one transaction); the
		 * join left it out */
		if (si != (size_t)-1 && (t.visits || t.served || t.staffed_minutes || t.spans) &&
		    cb(ctx, &t))
			stop = 1;
		int r;
		if (k <= 0 && (r = mt_next(&aggs)) != SQLITE_ROW && r != SQLITE_DONE)
			rc = r;
		if (k >= 0 && (r = mt_next(&counts)) != SQLITE_ROW && r != SQLITE_DONE)
			rc = r;
	}
	if (rc == SQLITE_DONE && !stop)
		rc = mt_days(db, &sites, sums, d_lo, to_day, cb, ctx, &stop);
	if (rc != SQLITE_DONE)
		log_error("reading the month totals: %s", sqlite3_errmsg(db));
	sqlite3_finalize(aggs.s);
	sqlite3_finalize(counts.s);
	free(sums);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sq_reader_put(st, db);
	sum_free(&sites);
	return sq_map_rc(rc);
}

/* All sites: day_cats. One site: its day_aggs rows (the index day_aggs_site
 * gives them by (site, day)). */
int sq_day_cats(cstore *base, const char *from_day, const char *to_day, const char *site,
		cstore_day_cat_cb cb, void *ctx)
{
	sqstore *st = (sqstore *)base;
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db,
				    site ? "SELECT day, category, visits FROM day_aggs"
					   " WHERE site = (SELECT id FROM sites WHERE name = ?3)"
					   " AND day BETWEEN ?1 AND ?2 ORDER BY day, category"
					 : "SELECT day, category, visits FROM day_cats"
					   " WHERE day BETWEEN ?1 AND ?2 ORDER BY day, category",
				    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		bind_period(s, from_day, to_day, site);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			if (cb(ctx, sq_col_text(s, 0), sq_col_text(s, 1),
			       (long)sqlite3_column_int64(s, 2))) {
				rc = SQLITE_DONE;
				break;
			}
	}
	if (rc != SQLITE_DONE)
		log_error("reading the day's kinds of help: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}
