/*
 * cstore_pg_aggkeep — the per-day aggregates of the PostgreSQL back end,
 * kept up to date in the transaction that changes the tickets (issue 14):
 * their tables (schema 3 of cstore_pg.c), the notes that say what a
 * transaction changed, and the flush that applies them. The reads are
 * cstore_pg_agg.c's.
 *
 * Tables: those of cstore_sqlite_agg.c (read its header), with the same
 * rows, bytea for the histograms (hist.h's stored form) and COLLATE "C"
 * text: day_aggs, day_counts, month_aggs, month_counts, day_totals,
 * day_cats; and month_totals, PostgreSQL's own (schema 5, read why
 * there). Every day row is a function of the tickets and desk_spans
 * rows of its (site, day); a month row ("YYYY-MM") the sum of its site's
 * day rows of the days from "YYYY-MM-01" to "YYYY-MM-31", as SQLite's
 * (BETWEEN); a day_cats row the sum of the day's day_aggs visits.
 *
 * Notes: a batch (cstore_pg.c, ingest) holds its site's row lock, so
 * nothing else changes that site's tickets while it runs; it notes the
 * tickets its events name as they are before its facts (sign -1) and as
 * they are after (1), each in one statement (an index lookup per ticket of
 * the batch), and the (site, day) of every desk span its seqs opened or
 * closed (sign 0): the three statements are sent in the batch's own
 * pipeline (pg_agg_notes_send, pg_agg_spans_send, by cstore_pg.c's
 * put_batch: the first before its savepoint and facts, the others after
 * them), so they cost no round trip of their own. A ticket no fact changed
 * is noted twice the same: the two cancel. The notes go in
 * pg_temp.agg_notes, a temporary table of each connection (made at
 * connect, pg_agg_session), ON COMMIT DELETE ROWS: private to its
 * transaction (no lock, no WAL, nothing another node sees or waits for),
 * empty again at the commit, gone with a rollback. (Row triggers noting
 * each change, the first way, cost a PL/pgSQL call and two inserts per
 * ticket row written; the two ways measured about the same on the bench,
 * and this one needs no trigger, function or session setting in the
 * schema.) The array of tickets is a text[] parameter, not text cast in
 * SQL: a cast is evaluated again for every row a scan compares, which made
 * a batch cost the whole table. Tickets changed by anything but a batch
 * (psql) are not noted: run --rebuild-tickets after.
 *
 * Flush (pg_agg_flush, called by a batch before its commit): the day and
 * month rows held for the (site, day)s and (site, month)s with changed
 * tickets are read, the notes' changes applied to them in C with hist.h
 * (exact integer counts: no drift; a ticket that moved day is taken out of
 * one and added to the other), and written back (DELETE, then COPY: a row
 * no ticket counts any more goes); lang and referral counts and day_cats
 * take the notes' sums as deltas (INSERT … ON CONFLICT DO UPDATE, then the
 * rows come to 0 deleted); the desk counts (staffed, spans) of a (site,
 * day) whose spans changed are counted again from its few spans, and its
 * month's from its day rows; day_totals of every (site, day) noted follows
 * from its new rows, and month_totals of every (site, month) from its new
 * month rows. Its statements (and the notes') are prepared on each
 * connection of the pool (conn_open, by pg_agg_statement): sent as text,
 * each was parsed and planned again at every batch, and pg_stat_statements
 * (track_planning) on the bench put that planning at about 4 ms a batch of
 * 500 events, as much as running them. The writes that need no answer go
 * in pipelines (the two DELETEs; the twelve of the counts), so a flush is
 * seven round trips: the count, the three reads, the DELETEs, the two
 * COPYs, the counts (one when nothing was noted); before, a batch's
 * aggregates were fifteen. The migration's connection has nothing
 * prepared: count_all flushes by the statements' SQL (pg_agg_flush(c, 0)).
 * Its cost follows the batch's changes plus the rows held of the days and
 * months it touched, never the day's other tickets (counting the touched
 * days again from the tickets was quadratic for SQLite: read its header).
 *
 * Two nodes at once: a batch holds its site's row (FOR UPDATE) for its
 * whole transaction, so the rows of a (site, …) change one batch at a
 * time. day_cats rows are shared by all sites of a day: a flush changes
 * them in one statement whose rows come in (day, category) order, so two
 * flushes take those row locks in the same order and wait for each other
 * instead of deadlocking (a deadlock or serialization failure would still
 * run the batch again: pg_tx). The wait lasts from a flush to its commit.
 *
 * Counting everything (pg_agg_count_all: --rebuild-tickets, and the update
 * of a schema 2 database): the tables are emptied and each (site, month)
 * of the tickets and desk spans is put in the notes from the tickets
 * (sign 1) and flushed, one at a time, so memory follows a site's month.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "cstore_pg.h"
#include "hist.h"
#include "log.h"

#define AGG_COLS                                                                                   \
	" visits bigint NOT NULL, served bigint NOT NULL, no_show bigint NOT NULL,"                \
	" expired bigint NOT NULL, cancelled bigint NOT NULL, open bigint NOT NULL,"               \
	" solved bigint NOT NULL, referred bigint NOT NULL, follow_up bigint NOT NULL,"            \
	" outcome_nr bigint NOT NULL, first_yes bigint NOT NULL, first_no bigint NOT NULL,"        \
	" first_nr bigint NOT NULL, also bigint NOT NULL, wait bytea NOT NULL,"                    \
	" service bytea NOT NULL,"
#define NOTE_COLS                                                                                  \
	"category, outcome, served_outcome, first_visit, issued_ms, called_ms, last_called_ms,"    \
	" finished_ms, topics, lang, referred_to"
/* The rows of month_totals of the (month, site)s of keys (a subquery):
 * sums of their month rows, as SQLite's sq_month_totals adds them up;
 * none of all zeros. */
#define MONTH_TOTALS(keys)                                                                         \
	"SELECT * FROM (SELECT k.month, k.site,"                                                   \
	" (SELECT coalesce(sum(a.visits), 0) FROM month_aggs a WHERE a.month = k.month"            \
	" AND a.site = k.site) AS visits,"                                                         \
	" (SELECT coalesce(sum(a.served), 0) FROM month_aggs a WHERE a.month = k.month"            \
	" AND a.site = k.site),"                                                                   \
	" (SELECT coalesce(sum(c.n), 0) FROM month_counts c WHERE c.month = k.month"               \
	" AND c.site = k.site AND c.kind = 'staffed'),"                                            \
	" (SELECT coalesce(sum(c.n), 0) FROM month_counts c WHERE c.month = k.month"               \
	" AND c.site = k.site AND c.kind = 'spans') AS spans"                                      \
	" FROM " keys " k) x WHERE x.visits > 0 OR x.spans > 0"

/* clang-format off */
const char pg_agg_schema[] =
    "CREATE TABLE day_aggs(day text COLLATE \"C\" NOT NULL, site bigint NOT NULL,"
    " category text COLLATE \"C\" NOT NULL," AGG_COLS " PRIMARY KEY(day, site, category));"
    "CREATE TABLE day_counts(day text COLLATE \"C\" NOT NULL, site bigint NOT NULL,"
    " kind text COLLATE \"C\" NOT NULL, key text COLLATE \"C\" NOT NULL, n bigint NOT NULL,"
    " PRIMARY KEY(day, site, kind, key));"
    "CREATE INDEX day_counts_site ON day_counts(site, day);"
    "CREATE TABLE month_aggs(month text COLLATE \"C\" NOT NULL, site bigint NOT NULL,"
    " category text COLLATE \"C\" NOT NULL," AGG_COLS " PRIMARY KEY(month, site, category));"
    "CREATE TABLE month_counts(month text COLLATE \"C\" NOT NULL, site bigint NOT NULL,"
    " kind text COLLATE \"C\" NOT NULL, key text COLLATE \"C\" NOT NULL, n bigint NOT NULL,"
    " PRIMARY KEY(month, site, kind, key));"
    "CREATE TABLE day_totals(day text COLLATE \"C\" NOT NULL, site bigint NOT NULL,"
    " visits bigint NOT NULL, served bigint NOT NULL, staffed bigint NOT NULL,"
    " spans bigint NOT NULL, PRIMARY KEY(day, site));"
    "CREATE TABLE day_cats(day text COLLATE \"C\" NOT NULL, category text COLLATE \"C\" NOT NULL,"
    " visits bigint NOT NULL, PRIMARY KEY(day, category));";

/* Schema 5, for the reads (cstore_pg_agg.c's header says what they cost):
 * - month_totals, per (month, site) what day_totals is per (day, site),
 *   so that the months of a long period are one narrow row a site
 *   (cstore_month_totals): summing month_aggs and month_counts there read
 *   about 8 rows a site and month (67,000 for a year's dashboard of 700
 *   sites). Filled from the month rows held.
 * - day_aggs' and month_aggs' counts again in one column, "counts": the 14
 *   of them as 8-byte big-endian integers (int8send), in cstore_agg's
 *   order, visits .. also. PostgreSQL computes it as it writes a row (a
 *   generated column: the flush and the checks keep to the 14), and
 *   cstore_period_aggs reads it, not the 14: sending a row's numbers one
 *   by one cost as much again as reading the row (measured: a year of 700
 *   sites' month rows, 140 ms sent as columns, 75 ms as one bytea).
 *   Adding it rewrites both tables once (27 s for five years of 700 sites
 *   here).
 * - day_aggs_site (site, day), as SQLite's: one site's days (a viewer's
 *   chart, cstore_day_cats with a site). */
#define PACKED_COUNTS                                                                              \
	" bytea GENERATED ALWAYS AS (int8send(visits) || int8send(served) || int8send(no_show)"    \
	" || int8send(expired) || int8send(cancelled) || int8send(open) || int8send(solved)"       \
	" || int8send(referred) || int8send(follow_up) || int8send(outcome_nr)"                    \
	" || int8send(first_yes) || int8send(first_no) || int8send(first_nr) || int8send(also))"   \
	" STORED"
const char pg_agg_schema_5[] =
    "CREATE INDEX day_aggs_site ON day_aggs(site, day);"
    "ALTER TABLE day_aggs ADD COLUMN counts" PACKED_COUNTS ";"
    "ALTER TABLE month_aggs ADD COLUMN counts" PACKED_COUNTS ";"
    "CREATE TABLE month_totals(month text COLLATE \"C\" NOT NULL, site bigint NOT NULL,"
    " visits bigint NOT NULL, served bigint NOT NULL, staffed bigint NOT NULL,"
    " spans bigint NOT NULL, PRIMARY KEY(month, site));"
    "INSERT INTO month_totals " MONTH_TOTALS(
	"(SELECT month, site FROM month_aggs UNION SELECT month, site FROM month_counts)") ";";
/* clang-format on */

int pg_agg_session(PGconn *conn)
{
	PGresult *r = PQexec(
	    conn, "CREATE TEMP TABLE IF NOT EXISTS agg_notes(site bigint NOT NULL,"
		  " day text COLLATE \"C\" NOT NULL, sign integer NOT NULL,"
		  " category text COLLATE \"C\", outcome text, served_outcome text,"
		  " first_visit integer, issued_ms bigint, called_ms bigint, last_called_ms bigint,"
		  " finished_ms bigint, topics text, lang text COLLATE \"C\","
		  " referred_to text COLLATE \"C\") ON COMMIT DELETE ROWS");
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	return ok ? 0 : -1;
}

/* --- the flush ------------------------------------------------------------- */

/* (site, day) and (site, month) noted with changed tickets. */
#define DAYS_CHANGED   "(SELECT DISTINCT day, site FROM pg_temp.agg_notes WHERE sign <> 0)"
#define IN_MONTH(d, m) d " BETWEEN " m " || '-01' AND " m " || '-31'"
#define MONTHS_CHANGED                                                                             \
	"(SELECT DISTINCT left(day, 7) AS month, site FROM pg_temp.agg_notes WHERE sign <> 0"      \
	" AND " IN_MONTH("day", "left(day, 7)") ")"
#define ROW_COLS                                                                                   \
	" a.category, a.visits, a.served, a.no_show, a.expired, a.cancelled, a.open, a.solved,"    \
	" a.referred, a.follow_up, a.outcome_nr, a.first_yes, a.first_no, a.first_nr, a.also,"     \
	" encode(a.wait, 'hex'), encode(a.service, 'hex')"

/* The rows held: 0 month (0 day, 1 month), 1 site, 2 day or month, then
 * ROW_COLS. */
static const pgsql q_held = {
    "agg_held", "",
    "SELECT 0, a.site, a.day," ROW_COLS " FROM day_aggs a JOIN " DAYS_CHANGED
    " k ON a.day = k.day AND a.site = k.site UNION ALL SELECT 1, a.site, a.month," ROW_COLS
    " FROM month_aggs a JOIN " MONTHS_CHANGED " k ON a.month = k.month AND a.site = k.site"};

/* The changes of tickets: 0 site 1 day 2 sign, then as pg_agg_count_ticket. */
static const pgsql q_notes = {
    "agg_notes", "",
    "SELECT site, day, sign, category, coalesce(outcome, ''), coalesce(served_outcome, ''),"
    " coalesce(first_visit, -1), coalesce(issued_ms, -1), coalesce(called_ms, -1),"
    " coalesce(last_called_ms, -1), coalesce(finished_ms, -1) FROM pg_temp.agg_notes"
    " WHERE sign <> 0"};

/* Topics: the first 64 entries that are strings, other than the ticket's
 * own category (as cstore_sqlite_agg.c's json_each). 0 site 1 day 2
 * category 3 sign. */
static const pgsql q_also = {
    "agg_also", "",
    "SELECT n.site, n.day, e.v #>> '{}', n.sign FROM pg_temp.agg_notes n,"
    " json_array_elements(CASE WHEN json_typeof(n.topics::json) = 'array'"
    " THEN n.topics::json ELSE '[]'::json END) WITH ORDINALITY AS e(v, i)"
    " WHERE n.sign <> 0 AND n.outcome = 'served' AND n.topics IS NOT NULL AND e.i <= 64"
    " AND json_typeof(e.v) = 'string' AND e.v #>> '{}' <> n.category"};

static const pgsql q_forget_rows[] = {{"agg_forget_days", "",
				       "DELETE FROM day_aggs a USING " DAYS_CHANGED
				       " k WHERE a.day = k.day AND a.site = k.site"},
				      {"agg_forget_months", "",
				       "DELETE FROM month_aggs a USING " MONTHS_CHANGED " k"
				       " WHERE a.month = k.month AND a.site = k.site"}};

#define SPAN_DAYS "(SELECT DISTINCT day, site FROM pg_temp.agg_notes WHERE sign = 0)"
#define SPAN_MONTHS                                                                                \
	"(SELECT DISTINCT left(day, 7) AS month, site FROM pg_temp.agg_notes WHERE sign = 0)"
#define LANG_REF(key, cond)                                                                        \
	"SELECT " key                                                                              \
	", site, 'lang', lang, sum(sign) FROM pg_temp.agg_notes WHERE sign <> 0" cond              \
	" GROUP BY " key ", site, lang UNION ALL SELECT " key ", site, 'referral',"                \
	" coalesce(referred_to, ''), sum(sign) FROM pg_temp.agg_notes WHERE sign <> 0" cond        \
	" AND outcome = 'served' AND served_outcome = 'referred'"                                  \
	" GROUP BY " key ", site, coalesce(referred_to, '')"

/* Every (site, month) noted, spans' too. */
#define MONTHS_NOTED "(SELECT DISTINCT left(day, 7) AS month, site FROM pg_temp.agg_notes)"

/* After the rows are written: the counts, day_totals, day_cats and
 * month_totals, one statement each (prepared apart, sent in one
 * pipeline). */
/* clang-format off */
static const pgsql q_counts[] = {
    /* languages and referrals: the notes' sums added */
    {"agg_count_0", "",
    "INSERT INTO day_counts " LANG_REF("day", "")
    " ON CONFLICT (day, site, kind, key) DO UPDATE SET n = day_counts.n + excluded.n"},
    {"agg_count_1", "",
    "DELETE FROM day_counts c USING " DAYS_CHANGED " k WHERE c.day = k.day"
    " AND c.site = k.site AND c.kind IN ('lang', 'referral') AND c.n = 0"},
    {"agg_count_2", "",
    "INSERT INTO month_counts "
    LANG_REF("left(day, 7)", " AND " IN_MONTH("day", "left(day, 7)"))
    " ON CONFLICT (month, site, kind, key) DO UPDATE SET n = month_counts.n + excluded.n"},
    {"agg_count_3", "",
    "DELETE FROM month_counts c USING " MONTHS_CHANGED " k WHERE c.month = k.month"
    " AND c.site = k.site AND c.kind IN ('lang', 'referral') AND c.n = 0"},
    /* staffed and spans of the (site, day)s whose spans changed, counted
     * again from their spans, and their months from their days */
    {"agg_count_4", "",
    "DELETE FROM day_counts c USING " SPAN_DAYS " k WHERE c.day = k.day AND c.site = k.site"
    " AND c.kind IN ('staffed', 'spans')"},
    {"agg_count_5", "",
    "INSERT INTO day_counts SELECT d.day, d.site, 'staffed', '',"
    " sum((d.staffed_ms + 30000) / 60000) FROM desk_spans d JOIN " SPAN_DAYS " k"
    " ON d.day = k.day AND d.site = k.site WHERE d.closed_seq IS NOT NULL GROUP BY d.day, d.site"
    " UNION ALL SELECT d.day, d.site, 'spans', '', count(*) FROM desk_spans d JOIN " SPAN_DAYS
    " k ON d.day = k.day AND d.site = k.site WHERE d.closed_seq IS NOT NULL"
    " GROUP BY d.day, d.site"},
    {"agg_count_6", "",
    "DELETE FROM month_counts c USING " SPAN_MONTHS " k WHERE c.month = k.month"
    " AND c.site = k.site AND c.kind IN ('staffed', 'spans')"},
    {"agg_count_7", "",
    "INSERT INTO month_counts SELECT k.month, k.site, c.kind, '', sum(c.n) FROM day_counts c"
    " JOIN " SPAN_MONTHS " k ON c.site = k.site AND " IN_MONTH("c.day", "k.month")
    " WHERE c.kind IN ('staffed', 'spans') GROUP BY k.month, k.site, c.kind"},
    /* day_totals of every (site, day) noted, from its new rows */
    {"agg_count_8", "",
    "DELETE FROM day_totals t USING (SELECT DISTINCT day, site FROM pg_temp.agg_notes) k"
    " WHERE t.day = k.day AND t.site = k.site"},
    {"agg_count_9", "",
    "INSERT INTO day_totals SELECT * FROM (SELECT k.day, k.site,"
    " (SELECT coalesce(sum(a.visits), 0) FROM day_aggs a WHERE a.day = k.day"
    " AND a.site = k.site) AS visits,"
    " (SELECT coalesce(sum(a.served), 0) FROM day_aggs a WHERE a.day = k.day"
    " AND a.site = k.site),"
    " (SELECT coalesce(sum(c.n), 0) FROM day_counts c WHERE c.day = k.day AND c.site = k.site"
    " AND c.kind = 'staffed'),"
    " (SELECT coalesce(sum(c.n), 0) FROM day_counts c WHERE c.day = k.day AND c.site = k.site"
    " AND c.kind = 'spans') AS spans"
    " FROM (SELECT DISTINCT day, site FROM pg_temp.agg_notes) k) x"
    " WHERE x.visits > 0 OR x.spans > 0"},
    /* the kinds of help of the day, all sites: the notes' sums added, the
     * rows locked in (day, category) order (see the header) */
    {"agg_count_10", "",
    "INSERT INTO day_cats SELECT day, category, sum(sign) FROM pg_temp.agg_notes"
    " WHERE sign <> 0 GROUP BY day, category HAVING sum(sign) <> 0 ORDER BY day, category"
    " ON CONFLICT (day, category) DO UPDATE SET visits = day_cats.visits + excluded.visits"},
    {"agg_count_11", "",
    "DELETE FROM day_cats c USING (SELECT DISTINCT day, category FROM pg_temp.agg_notes"
    " WHERE sign <> 0) k WHERE c.day = k.day AND c.category = k.category AND c.visits = 0"},
    /* month_totals of every (site, month) noted, from its new month rows
     * (after those of month_counts above) */
    {"agg_count_12", "",
    "DELETE FROM month_totals t USING " MONTHS_NOTED " k"
    " WHERE t.month = k.month AND t.site = k.site"},
    {"agg_count_13", "",
    "INSERT INTO month_totals " MONTH_TOTALS(MONTHS_NOTED)},
};
/* clang-format on */

enum { C_VISITS, C_SERVED, C_ALSO = 13 };

/* hex (as encode(…, 'hex')) into out (cap bytes): its length, or -1. */
static long unhex(const char *hex, unsigned char *out, size_t cap)
{
	size_t n = strlen(hex);
	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char ch = hex[2 * i + (size_t)k];
			int d = ch >= '0' && ch <= '9'	 ? ch - '0'
				: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
							 : -1;
			if (d < 0)
				return -1;
			v = v * 16 + (unsigned)d;
		}
		out[i] = (unsigned char)v;
	}
	return (long)(n / 2);
}

int pg_agg_add_row(pg_agg_row *a, const PGresult *r, int row, int col, int sign)
{
	for (int k = 0; k < 14; k++)
		a->c[k] += sign * strtol(PQgetvalue(r, row, col + k), NULL, 10);
	int (*merge)(hist *, const void *, size_t) = sign > 0 ? hist_merge_blob : hist_unmerge_blob;
	unsigned char b[HIST_BLOB_MAX];
	for (int k = 0; k < 2; k++) {
		long n = unhex(PQgetvalue(r, row, col + 14 + k), b, sizeof b);
		if (n < 0 || merge(k ? &a->service : &a->wait, b, (size_t)n))
			return CSTORE_ERROR;
	}
	return CSTORE_OK;
}

/* Adds (sign 1) or takes out (-1) what one ticket counts, from row i of a
 * q_notes result, to a (as count_ticket of cstore_sqlite_agg.c). */
static void count_ticket(pg_agg_row *a, const PGresult *r, int i, int sign)
{
	const char *outcome = PQgetvalue(r, i, 4), *o = PQgetvalue(r, i, 5);
	long first = strtol(PQgetvalue(r, i, 6), NULL, 10);
	int64_t issued = strtoll(PQgetvalue(r, i, 7), NULL, 10);
	int64_t called = strtoll(PQgetvalue(r, i, 8), NULL, 10);
	int64_t last_called = strtoll(PQgetvalue(r, i, 9), NULL, 10);
	int64_t finished = strtoll(PQgetvalue(r, i, 10), NULL, 10);
	int served = !strcmp(outcome, "served");
	long *c = a->c;
	c[C_VISITS] += sign;
	if (served) {
		c[1] += sign;
		c[6] += sign * !strcmp(o, "solved");
		c[7] += sign * !strcmp(o, "referred");
		c[8] += sign * !strcmp(o, "follow_up");
		c[9] += sign * !*o;
		c[10] += sign * (first == 1);
		c[11] += sign * (first == 0);
		c[12] += sign * (first < 0);
	} else {
		c[2] += sign * !strcmp(outcome, "no_show");
		c[3] += sign * !strcmp(outcome, "expired");
		c[4] += sign * !strcmp(outcome, "cancelled");
		c[5] += sign * !*outcome;
	}
	void (*put)(hist *, int64_t) = sign > 0 ? hist_add_ms : hist_sub_ms;
	if (called >= 0 && clock_is_set(issued) && called >= issued)
		put(&a->wait, called - issued);
	if (served && last_called >= 0 && finished >= last_called)
		put(&a->service, finished - last_called);
}

/* The rows of the flush: "0|1 \x1f site \x1f day or month \x1f category". */
static pg_agg_row *row_at(pg_agg_rows *rows, int month, const char *site, const char *when,
			  const char *category)
{
	char k[600];
	if (snprintf(k, sizeof k, "%d\x1f%s\x1f%s\x1f%s", month, site, when, category) >=
	    (int)sizeof k)
		return NULL; /* cannot be: ids, days and categories are short */
	return pg_agg_row_of(rows, k);
}

/* The month a day counts in ("YYYY-MM" into m), or 0 if none (a day label
 * outside "YYYY-MM-01" .. "YYYY-MM-31", as SQLite's BETWEEN). */
static int month_of(const char *day, char m[8])
{
	char lo[16], hi[16];
	snprintf(m, 8, "%.7s", day);
	snprintf(lo, sizeof lo, "%s-01", m);
	snprintf(hi, sizeof hi, "%s-31", m);
	return strcmp(day, lo) >= 0 && strcmp(day, hi) <= 0;
}

/* COPY text: s[0..n), \, tab, newline and carriage return escaped. */
static int copy_text(buf *b, const char *s, size_t n)
{
	int rc = 0;
	for (const char *end = s + n; s < end && !rc; s++) {
		const char *e = *s == '\\'   ? "\\\\"
				: *s == '\t' ? "\\t"
				: *s == '\n' ? "\\n"
				: *s == '\r' ? "\\r"
					     : NULL;
		rc = e ? buf_adds(b, e) : buf_add(b, s, 1);
	}
	return rc;
}

static int copy_hist(buf *b, const hist *h)
{
	unsigned char blob[HIST_BLOB_MAX];
	size_t n = hist_encode(h, blob);
	int rc = buf_adds(b, "\\\\x");
	for (size_t i = 0; !rc && i < n; i++)
		rc = buf_printf(b, "%02x", blob[i]);
	return rc;
}

/* Sends the rows of rows (month 0: day_aggs, 1: month_aggs) by COPY. */
static int copy_rows(pgconn *c, const pg_agg_rows *rows, int month)
{
	buf b;
	buf_init(&b, (size_t)1 << 30);
	int rc = 0;
	size_t n = 0;
	for (size_t i = 0; !rc && i < rows->n; i++) {
		const pg_agg_row *a = &rows->v[i];
		if ((a->key[0] == '1') != month || (!a->c[C_VISITS] && !a->c[C_ALSO]))
			continue; /* its last ticket moved away: no row */
		const char *site = a->key + 2, *when = strchr(site, '\x1f') + 1;
		const char *category = strchr(when, '\x1f') + 1;
		rc = copy_text(&b, when, (size_t)(category - 1 - when)) ||
		     buf_printf(&b, "\t%.*s\t", (int)(when - 1 - site), site) ||
		     copy_text(&b, category, strlen(category));
		for (int k = 0; !rc && k < 14; k++)
			rc = buf_printf(&b, "\t%ld", a->c[k]);
		rc = rc || buf_adds(&b, "\t") || copy_hist(&b, &a->wait) || buf_adds(&b, "\t") ||
		     copy_hist(&b, &a->service) || buf_adds(&b, "\n");
		n++;
	}
	if (rc) {
		buf_free(&b);
		return CSTORE_ERROR;
	}
	if (!n) {
		buf_free(&b);
		return CSTORE_OK;
	}
	PGresult *r =
	    PQexec(c->conn, month ? "COPY month_aggs FROM STDIN" : "COPY day_aggs FROM STDIN");
	int status = CSTORE_OK;
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		status = pg_failed(c, r, "COPY of the aggregates");
		PQclear(r);
		buf_free(&b);
		return status;
	}
	PQclear(r);
	if (PQputCopyData(c->conn, b.data, (int)b.len) != 1 || PQputCopyEnd(c->conn, NULL) != 1)
		status = pg_failed(c, NULL, "COPY of the aggregates");
	while ((r = PQgetResult(c->conn))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && status == CSTORE_OK)
			status = pg_failed(c, r, "COPY of the aggregates");
		PQclear(r);
	}
	buf_free(&b);
	return status;
}

/* q, by its name if prepared (a connection of the pool: conn_open), else
 * its SQL (the migration's connection). */
static pgsql as(const pgsql *q, int prepared)
{
	pgsql v = *q;
	if (!prepared)
		v.name = NULL;
	return v;
}

static PGresult *query(pgconn *c, const pgsql *q, int prepared, int *status)
{
	pgsql v = as(q, prepared);
	return pg_run(c, &v, NULL, status);
}

/* The statements q[0..n) (no parameters, no rows wanted) sent at once in
 * a pipeline, one sync: one round trip. CSTORE_OK or the first failure's
 * status (the rest of the pipeline is then aborted: the transaction is). */
static int pipeline(pgconn *c, const pgsql *q, size_t n, int prepared)
{
	PGconn *conn = c->conn;
	if (!PQenterPipelineMode(conn))
		return pg_failed(c, NULL, "entering pipeline mode");
	int status = CSTORE_OK;
	size_t sent = 0;
	for (; sent < n; sent++) {
		int ok = prepared
			     ? PQsendQueryPrepared(conn, q[sent].name, 0, NULL, NULL, NULL, 0)
			     : PQsendQueryParams(conn, q[sent].sql, 0, NULL, NULL, NULL, NULL, 0);
		if (!ok)
			break;
	}
	if (sent < n || !PQpipelineSync(conn)) {
		c->lost = 1; /* the pipeline's state is unknown: not pooled again */
		return pg_failed(c, NULL, "the aggregates' pipeline");
	}
	for (size_t k = 0; k <= n; k++) {
		PGresult *r = PQgetResult(conn);
		if (!r) {
			c->lost = 1;
			return pg_failed(c, NULL, "the aggregates' pipeline");
		}
		ExecStatusType t = PQresultStatus(r);
		if (k == n) { /* the sync's own */
			if (t != PGRES_PIPELINE_SYNC) {
				c->lost = 1;
				if (status == CSTORE_OK)
					status = pg_failed(c, r, "the aggregates' pipeline sync");
			}
			PQclear(r);
			break;
		}
		if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK && t != PGRES_PIPELINE_ABORTED &&
		    status == CSTORE_OK)
			status = pg_failed(c, r, q[k].name);
		PQclear(r);
		if ((r = PQgetResult(conn))) { /* each statement's results end with NULL */
			PQclear(r);
			c->lost = 1;
			return CSTORE_ERROR;
		}
	}
	if (!c->lost && !PQexitPipelineMode(conn)) {
		c->lost = 1;
		if (status == CSTORE_OK)
			status = pg_failed(c, NULL, "leaving pipeline mode");
	}
	return status;
}

/* Applies the notes' changes of tickets to the day and month rows. */
static int apply_notes(pgconn *c, pg_agg_rows *rows, int prepared)
{
	int status;
	PGresult *r = query(c, &q_held, prepared, &status);
	for (int i = 0; r && status == CSTORE_OK && i < PQntuples(r); i++) {
		pg_agg_row *a = row_at(rows, PQgetvalue(r, i, 0)[0] == '1', PQgetvalue(r, i, 1),
				       PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
		status = a ? pg_agg_add_row(a, r, i, 4, 1) : CSTORE_ERROR;
	}
	PQclear(r);
	if (status == CSTORE_OK && (r = query(c, &q_notes, prepared, &status))) {
		for (int i = 0; status == CSTORE_OK && i < PQntuples(r); i++) {
			const char *site = PQgetvalue(r, i, 0), *day = PQgetvalue(r, i, 1);
			int sign = strtol(PQgetvalue(r, i, 2), NULL, 10) > 0 ? 1 : -1;
			char m[8];
			int in_month = month_of(day, m);
			/* one row at a time: a new row may move the others */
			for (int k = 0; status == CSTORE_OK && k <= in_month; k++) {
				pg_agg_row *a =
				    row_at(rows, k, site, k ? m : day, PQgetvalue(r, i, 3));
				if (a)
					count_ticket(a, r, i, sign);
				else
					status = CSTORE_ERROR;
			}
		}
		PQclear(r);
	}
	if (status == CSTORE_OK && (r = query(c, &q_also, prepared, &status))) {
		for (int i = 0; status == CSTORE_OK && i < PQntuples(r); i++) {
			const char *site = PQgetvalue(r, i, 0), *day = PQgetvalue(r, i, 1);
			const char *category = PQgetvalue(r, i, 2);
			int sign = strtol(PQgetvalue(r, i, 3), NULL, 10) > 0 ? 1 : -1;
			char m[8];
			int in_month = month_of(day, m);
			for (int k = 0; status == CSTORE_OK && k <= in_month; k++) {
				pg_agg_row *a = row_at(rows, k, site, k ? m : day, category);
				if (a)
					a->c[C_ALSO] += sign;
				else
					status = CSTORE_ERROR;
			}
		}
		PQclear(r);
	}
	return status;
}

static const pgsql q_any = {
    "agg_any", "", "SELECT count(*) FILTER (WHERE sign <> 0), count(*) FROM pg_temp.agg_notes"};

int pg_agg_flush(pgconn *c, int prepared)
{
	/* Nothing noted (a batch resent): nothing to do. */
	int status;
	PGresult *r = query(c, &q_any, prepared, &status);
	if (!r)
		return status;
	int tickets = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
	int any = strcmp(PQgetvalue(r, 0, 1), "0") != 0;
	PQclear(r);
	pg_agg_rows rows;
	memset(&rows, 0, sizeof rows);
	if (tickets) {
		status = apply_notes(c, &rows, prepared);
		if (status == CSTORE_OK)
			status = pipeline(c, q_forget_rows, 2, prepared);
		if (status == CSTORE_OK)
			status = copy_rows(c, &rows, 0);
		if (status == CSTORE_OK)
			status = copy_rows(c, &rows, 1);
		pg_agg_rows_free(&rows);
	}
	if (status == CSTORE_OK && any)
		status = pipeline(c, q_counts, sizeof q_counts / sizeof q_counts[0], prepared);
	return status;
}

/* --- a batch ------------------------------------------------------------------ */

/* $1 site, $2 the batch's tickets (a text array), $3 the sign. One
 * lookup of the primary key per ticket, whatever the planner's statistics
 * say (a subquery with LIMIT is not flattened): "ticket = ANY($2)" was
 * planned, before the table's first ANALYZE, as a scan of every ticket of
 * the site, filtered. */
static const pgsql q_note_tickets = {
    "agg_note_tickets", "ian",
    "INSERT INTO pg_temp.agg_notes SELECT t.* FROM (SELECT DISTINCT unnest($2) AS ticket) k,"
    " LATERAL (SELECT site, day, $3, " NOTE_COLS " FROM tickets WHERE site = $1"
    " AND ticket = k.ticket LIMIT 1) t"};
/* $1 site, $2 .. $3 the batch's seqs: the spans it opened or closed. */
static const pgsql q_note_spans = {
    "agg_note_spans", "iii",
    "INSERT INTO pg_temp.agg_notes(site, day, sign) SELECT DISTINCT site, day, 0"
    " FROM desk_spans WHERE site = $1 AND (opened_seq BETWEEN $2 AND $3"
    " OR closed_seq BETWEEN $2 AND $3)"};

/* The flush's and the notes' statements, prepared on each connection of
 * the pool (conn_open): a flush's dozen statements were planned again at
 * every batch, which cost about as much as running them. */
const pgsql *pg_agg_statement(size_t i)
{
	static const pgsql *const all[] = {&q_any,	    &q_held,	       &q_notes,
					   &q_also,	    &q_forget_rows[0], &q_forget_rows[1],
					   &q_note_tickets, &q_note_spans};
	const size_t nall = sizeof all / sizeof all[0];
	const size_t ncounts = sizeof q_counts / sizeof q_counts[0];
	return i < nall ? all[i] : i < nall + ncounts ? &q_counts[i - nall] : NULL;
}

int pg_agg_batch_tickets(const cstore_batch *b, size_t from, char **out)
{
	buf a;
	buf_init(&a, (size_t)1 << 30);
	int rc = buf_adds(&a, "{");
	for (size_t i = from; !rc && i < b->n; i++) {
		const char *t = b->ev[i].e.ticket;
		if (!t[0] || b->ev[i].unread[0])
			continue; /* no ticket, or no fact */
		rc = buf_adds(&a, a.len > 1 ? ",\"" : "\"");
		for (; !rc && *t; t++)
			rc =
			    (*t == '"' || *t == '\\' ? buf_adds(&a, "\\") : 0) || buf_add(&a, t, 1);
		rc = rc || buf_adds(&a, "\"");
	}
	rc = rc || buf_adds(&a, "}");
	if (rc) {
		buf_free(&a);
		*out = NULL;
		return CSTORE_ERROR;
	}
	size_t len;
	*out = buf_take(&a, &len);
	return CSTORE_OK;
}

void pg_agg_notes_send(pg_send_fn send, void *ctx, int64_t site, const char *tickets, int sign)
{
	pgparams p = {0};
	pg_p_int(&p, site);
	pg_p_text(&p, tickets);
	pg_p_int(&p, sign);
	send(ctx, &q_note_tickets, &p, -1);
}

void pg_agg_spans_send(pg_send_fn send, void *ctx, int64_t site, int64_t from_seq, int64_t to_seq)
{
	pgparams p = {0};
	pg_p_int(&p, site);
	pg_p_int(&p, from_seq);
	pg_p_int(&p, to_seq);
	send(ctx, &q_note_spans, &p, -1);
}

/* --- counting everything ------------------------------------------------------- */

static const pgsql q_chunks = {NULL, "",
			       "SELECT site, left(day, 7) FROM tickets UNION SELECT site,"
			       " left(day, 7) FROM desk_spans ORDER BY 1, 2"};
static const pgsql q_fill = {NULL, "it",
			     "INSERT INTO pg_temp.agg_notes SELECT site, day, 1, " NOTE_COLS
			     " FROM tickets"
			     " WHERE site = $1 AND left(day, 7) = $2"};
static const pgsql q_fill_spans = {
    NULL, "it",
    "INSERT INTO pg_temp.agg_notes(site, day, sign) SELECT DISTINCT site, day, 0"
    " FROM desk_spans WHERE site = $1 AND left(day, 7) = $2"};

int pg_agg_count_all(pgconn *c, int64_t *chunks)
{
	*chunks = 0;
	int status = pg_exec(c, "DELETE FROM day_aggs; DELETE FROM day_counts;"
				"DELETE FROM month_aggs; DELETE FROM month_counts;"
				"DELETE FROM day_totals; DELETE FROM day_cats;"
				"DELETE FROM month_totals;"
				"DELETE FROM pg_temp.agg_notes");
	PGresult *r = status == CSTORE_OK ? pg_run(c, &q_chunks, NULL, &status) : NULL;
	for (int i = 0; r && status == CSTORE_OK && i < PQntuples(r); i++) {
		pgparams p = {0};
		pg_p_text(&p, PQgetvalue(r, i, 0));
		pg_p_text(&p, PQgetvalue(r, i, 1));
		status = pg_do(c, &q_fill, &p, NULL);
		if (status == CSTORE_OK)
			status = pg_do(c, &q_fill_spans, &p, NULL);
		if (status == CSTORE_OK)
			status = pg_agg_flush(c, 0);
		if (status == CSTORE_OK)
			status = pg_exec(c, "DELETE FROM pg_temp.agg_notes");
		++*chunks;
	}
	PQclear(r);
	return status;
}
