/*
 * cstore_sqlite_agg — the per-day aggregates of the SQLite back end
 * (cstore.h: cstore_day_aggs, cstore_day_counts).
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
 * Both keyed by day first, so a period reads only its own rows, in key
 * order. Every row is a function of the tickets and desk_spans rows of
 * its (site, day), and nothing else.
 *
 * How they stay equal to that function: the writer connection holds a
 * temporary table agg_touched(site, day) and temporary triggers on
 * tickets and desk_spans that note the (site, day) of every row inserted,
 * deleted or updated, before and after the change (a ticket an event
 * moves to another day touches both days). Before its commit, a
 * transaction that changed tickets (an ingest, a rebuild, a migration)
 * calls sq_agg_flush: for each (site, day) noted, its aggregate rows are
 * deleted and counted again from the tickets and desk spans of that
 * (site, day) through their day indexes, then the notes are cleared. So
 * the aggregates change in the same transaction as the facts they count,
 * a rollback undoes both, and a batch costs the tickets of the days it
 * touched (a site's batch touches one day or two), never a subtraction
 * that could drift. Counting a day again was measured cheaper than
 * needing the row before and after each change: a day of a site holds a
 * few hundred tickets.
 *
 * For PostgreSQL (cstore_pg.c): the same tables (bytea for the blobs), the
 * touched set as a temporary table filled by row triggers, or by the
 * statements themselves (RETURNING old and new day); the counting below is
 * portable SQL except json_each (json_array_elements_text there).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cstore_sqlite.h"
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
    " n INTEGER NOT NULL, PRIMARY KEY(day, site, kind, key)) WITHOUT ROWID;";

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
static const char agg_temp[] =
    "CREATE TEMP TABLE IF NOT EXISTS agg_touched(site INTEGER NOT NULL, day TEXT NOT NULL,"
    " PRIMARY KEY(site, day)) WITHOUT ROWID;" AGG_TRIGGERS("tickets") AGG_TRIGGERS("desk_spans");

/* The statements of a flush, ?1 site ?2 day. */
enum {
	A_TOUCHED,
	A_FORGET,
	A_DEL_AGGS,
	A_DEL_COUNTS,
	A_TICKETS,
	A_ALSO,
	A_PUT,
	A_LANGS,
	A_REFS,
	A_STAFFED,
	A_SPANS,
	A_COUNT
};

static const char *const agg_sql[A_COUNT] = {
    [A_TOUCHED] = "SELECT site, day FROM agg_touched",
    [A_FORGET] = "DELETE FROM agg_touched",
    [A_DEL_AGGS] = "DELETE FROM day_aggs WHERE day = ?2 AND site = ?1",
    [A_DEL_COUNTS] = "DELETE FROM day_counts WHERE day = ?2 AND site = ?1",
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
};

struct sq_agg {
	sqlite3 *db;
	sqlite3_stmt *s[A_COUNT];
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
static int count_tickets(sq_agg *a, sqlite3_int64 site, const char *day, agg_day *d)
{
	sqlite3_stmt *s = a->s[A_TICKETS];
	bind_key(s, site, day);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		agg_row *r = row_of(d, sq_col_text(s, 0));
		if (!r) {
			rc = SQLITE_NOMEM;
			break;
		}
		const char *outcome = sq_col_text(s, 1), *o = sq_col_text(s, 2);
		int first = sqlite3_column_int(s, 3);
		int64_t issued = sq_col_ms(s, 4), called = sq_col_ms(s, 5);
		int64_t last_called = sq_col_ms(s, 6), finished = sq_col_ms(s, 7);
		int served = !strcmp(outcome, "served");
		r->c[C_VISITS]++;
		if (served) {
			r->c[C_SERVED]++;
			r->c[C_SOLVED] += !strcmp(o, "solved");
			r->c[C_REFERRED] += !strcmp(o, "referred");
			r->c[C_FOLLOW_UP] += !strcmp(o, "follow_up");
			r->c[C_OUTCOME_NR] += !*o;
			r->c[C_FIRST_YES] += first == 1;
			r->c[C_FIRST_NO] += first == 0;
			r->c[C_FIRST_NR] += first < 0;
		} else {
			r->c[C_NO_SHOW] += !strcmp(outcome, "no_show");
			r->c[C_EXPIRED] += !strcmp(outcome, "expired");
			r->c[C_CANCELLED] += !strcmp(outcome, "cancelled");
			r->c[C_OPEN] += !*outcome;
		}
		/* A ticket taken on a site's unset clock has no issue time to
		 * count a wait from (docs/day.md). */
		if (called >= 0 && clock_is_set(issued) && called >= issued)
			hist_add_ms(&r->wait, called - issued);
		if (served && last_called >= 0 && finished >= last_called)
			hist_add_ms(&r->service, finished - last_called);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return rc;
	s = a->s[A_ALSO];
	bind_key(s, site, day);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		agg_row *r = row_of(d, sq_col_text(s, 0));
		if (!r) {
			rc = SQLITE_NOMEM;
			break;
		}
		r->c[C_ALSO]++;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The aggregate rows of (site, day), counted again. */
static int recount(sq_agg *a, sqlite3_int64 site, const char *day, agg_day *d)
{
	int rc = SQLITE_OK;
	static const int del[] = {A_DEL_AGGS, A_DEL_COUNTS};
	for (int i = 0; rc == SQLITE_OK && i < 2; i++) {
		bind_key(a->s[del[i]], site, day);
		rc = sq_step_done(a->s[del[i]]);
	}
	if (rc == SQLITE_OK)
		rc = count_tickets(a, site, day, d);
	sqlite3_stmt *put = a->s[A_PUT];
	for (size_t i = 0; rc == SQLITE_OK && i < d->n; i++) {
		agg_row *r = &d->v[i];
		unsigned char wait[HIST_BLOB_MAX], service[HIST_BLOB_MAX];
		size_t wl = hist_encode(&r->wait, wait), sl = hist_encode(&r->service, service);
		bind_key(put, site, day);
		sqlite3_bind_text(put, 3, r->category, -1, SQLITE_STATIC);
		for (int k = 0; k < 14; k++)
			sqlite3_bind_int64(put, 4 + k, r->c[k]);
		sqlite3_bind_blob(put, 18, wait, (int)wl, SQLITE_STATIC);
		sqlite3_bind_blob(put, 19, service, (int)sl, SQLITE_STATIC);
		rc = sq_step_done(put);
	}
	static const int counts[] = {A_LANGS, A_REFS, A_STAFFED, A_SPANS};
	for (int i = 0; rc == SQLITE_OK && i < 4; i++) {
		bind_key(a->s[counts[i]], site, day);
		rc = sq_step_done(a->s[counts[i]]);
	}
	day_reset(d);
	return rc;
}

int sq_agg_flush(sq_agg *a)
{
	/* The notes first: no write to the aggregates while their read is
	 * open (and the count's own reads never touch the notes). */
	typedef struct {
		sqlite3_int64 site;
		char day[16];
	} key;
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
	day_reset(&d);
	free(d.v);
	free(keys);
	if (rc == SQLITE_OK)
		rc = sq_step_done(a->s[A_FORGET]);
	return rc;
}

int sq_agg_touch_all(sq_agg *a)
{
	return sqlite3_exec(
	    a->db,
	    "DELETE FROM day_aggs; DELETE FROM day_counts; DELETE FROM agg_touched;"
	    "INSERT OR IGNORE INTO agg_touched SELECT DISTINCT site, day FROM tickets;"
	    "INSERT OR IGNORE INTO agg_touched SELECT DISTINCT site, day"
	    " FROM desk_spans;",
	    NULL, NULL, NULL);
}

/* --- reading ---------------------------------------------------------- */

/* ?1 from ?2 to ?3 site or NULL: the site as its id, looked up once. */
#define AGG_WHERE                                                                                  \
	" WHERE a.day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR a.site ="                               \
	" (SELECT id FROM sites WHERE name = ?3)) ORDER BY a.day, a.site"

static void bind_period(sqlite3_stmt *s, const char *from, const char *to, const char *site)
{
	sqlite3_bind_text(s, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, to, -1, SQLITE_STATIC);
	if (site)
		sqlite3_bind_text(s, 3, site, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 3);
}

int sq_day_aggs(cstore *base, const char *from_day, const char *to_day, const char *site,
		cstore_day_agg_cb cb, void *ctx)
{
	sqstore *st = (sqstore *)base;
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT s.name, a.day, a.category, a.visits, a.served,"
				    " a.no_show, a.expired, a.cancelled, a.open, a.solved,"
				    " a.referred, a.follow_up, a.outcome_nr, a.first_yes,"
				    " a.first_no, a.first_nr, a.also, a.wait, a.service"
				    " FROM day_aggs a JOIN sites s ON s.id = a.site" AGG_WHERE
				    ", a.category",
				    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		bind_period(s, from_day, to_day, site);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			long c[14];
			for (int k = 0; k < 14; k++)
				c[k] = (long)sqlite3_column_int64(s, 3 + k);
			cstore_day_agg r = {
			    .site = sq_col_text(s, 0),
			    .day = sq_col_text(s, 1),
			    .category = sq_col_text(s, 2),
			    .visits = c[C_VISITS],
			    .served = c[C_SERVED],
			    .no_show = c[C_NO_SHOW],
			    .expired = c[C_EXPIRED],
			    .cancelled = c[C_CANCELLED],
			    .open = c[C_OPEN],
			    .solved = c[C_SOLVED],
			    .referred = c[C_REFERRED],
			    .follow_up = c[C_FOLLOW_UP],
			    .outcome_nr = c[C_OUTCOME_NR],
			    .first_yes = c[C_FIRST_YES],
			    .first_no = c[C_FIRST_NO],
			    .first_nr = c[C_FIRST_NR],
			    .also = c[C_ALSO],
			    .wait = sqlite3_column_blob(s, 17),
			    .wait_len = (size_t)sqlite3_column_bytes(s, 17),
			    .service = sqlite3_column_blob(s, 18),
			    .service_len = (size_t)sqlite3_column_bytes(s, 18),
			};
			if (cb(ctx, &r)) {
				rc = SQLITE_DONE;
				break;
			}
		}
	}
	if (rc != SQLITE_DONE)
		log_error("reading the day aggregates: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}

int sq_day_counts(cstore *base, const char *from_day, const char *to_day, const char *site,
		  cstore_day_count_cb cb, void *ctx)
{
	sqstore *st = (sqstore *)base;
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT s.name, a.day, a.kind, a.key, a.n"
				    " FROM day_counts a JOIN sites s ON s.id = a.site" AGG_WHERE
				    ", a.kind, a.key",
				    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		bind_period(s, from_day, to_day, site);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			cstore_day_count c = {sq_col_text(s, 0), sq_col_text(s, 1),
					      sq_col_text(s, 2), sq_col_text(s, 3),
					      sqlite3_column_int64(s, 4)};
			if (cb(ctx, &c)) {
				rc = SQLITE_DONE;
				break;
			}
		}
	}
	if (rc != SQLITE_DONE)
		log_error("reading the day counts: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}
