/*
 * cstore_sqlite — the SQLite implementation of cstore.h.
 *
 * Schema (version 6; meta('schema') holds the version):
 *
 *   sites(id INTEGER PRIMARY KEY, name TEXT UNIQUE, acked_through, events, last_sync_ms,
 *           title, token_sha256 (unique), enabled, created_ms, updated_ms, reg):
 *           name is the site's id; a row with reg (its place in the order
 *           of registration, unique) is a registered site, with its
 *           display name (title) and token digest; a row without one only
 *           holds the events of a site an older configuration knew
 *           (schema 5 added the registration columns)
 *   site_health(site, received_ms, offset_ms, body): the latest heartbeat
 *           of each site as sent, when central got it and the site's clock
 *           minus central's
 *   events(site, seq, uuid UNIQUE, type, at, at_ms, ticket, code, category,
 *          from_category, lang, desk, body, received_ms, unread,
 *          PRIMARY KEY(site, seq)), partial indexes on desk events and on
 *          unread ones
 *   tickets(site, ticket, code, day, category, first_category, lang,
 *           issued_at, issued_ms, called_at, called_ms, last_called_ms,
 *           finished_at, finished_ms, outcome, desk, calls, transfers,
 *           served_outcome, referred_to, topics, first_visit,
 *           PRIMARY KEY(site, ticket)), index on day
 *   profiles(site PRIMARY KEY, name, languages (JSON array), body,
 *           received_ms): the last profile each site PUT (profile.c)
 *   labels(site, kind ('category' | 'referral'), id, lang, label,
 *           received_ms, PRIMARY KEY(site, kind, id, lang)): the last
 *           label seen per site, kind, id and language. A profile replaces
 *           the labels of the ids it names and leaves the others, so a
 *           kind of help a site has removed keeps its last label in the
 *           reports of the days it was used.
 *   desk_spans(site, desk, day, opened_seq, opened_at, opened_ms, closed_seq,
 *           closed_at, closed_ms, staffed_ms, PRIMARY KEY(site, opened_seq)),
 *           a unique index on (site, desk) of the open ones (closed_seq
 *           NULL: at most one per desk), an index on day
 *   day_aggs, day_counts, month_aggs, month_counts, day_totals, day_cats:
 *           the aggregates of the tickets and desk spans per day and per
 *           month, kept in the transaction that changes those
 *           (cstore_sqlite_agg.c tells how); schema 6 added them, and the
 *           update to 6 counts them once from the tickets and desk spans
 *
 * In events, ticket, code, category and lang are NULL for desk events (and
 * from_category for all but transfers, desk when there is none). Schema 1
 * had them NOT NULL; cstore_open copies a schema 1 table into the new
 * shape once, in one transaction (migrate_1_2); schema 2 lacked desk_spans,
 * which the update to 3 derives from the desk events held, with the code
 * ingest uses (derive); schema 3 lacked the served outcome columns and
 * the profiles: the update to 4 adds the columns and derives every ticket
 * and desk span again from the events held (the outcome fields are read
 * from the stored bodies). An event of a type this version does not know has
 * only its envelope parsed (at too, when it is a time), the rest NULL, and
 * unread = why; the rebuild reads such events again (reread) and fills them
 * in when it can. No other update of an event row exists, and body is
 * never changed.
 *
 * Transactions: one writer connection behind a mutex; each batch is one
 * BEGIN IMMEDIATE ... COMMIT that inserts its new events, updates their
 * tickets and the site row. Nothing is visible until the commit, and any
 * failure rolls all of it back. Readers take a connection from a small pool
 * (WAL: they see the last commit and never block the writer).
 *
 * Durability: WAL with synchronous=FULL, as at the sites: an acknowledged
 * event is on disk before the 200 leaves.
 *
 * Ticket facts, per event type (the same code serves ingest and rebuild):
 *   issued       code, day (the event's "day", the opening day the site
 *                put it on, else the first 10 characters of "at": the
 *                site's local date), category, first_category, lang,
 *                issued_*; any later ticket event that names a day moves
 *                the ticket there (a ticket taken on an unset clock)
 *   called       called_* (first call only), last_called_ms, desk, calls+1
 *   recalled     desk
 *   served       finished_*, outcome, desk, and how the visit ended:
 *                served_outcome, referred_to, topics (a JSON array of
 *                ids), first_visit (1, 0), each NULL when not recorded
 *   no_show      finished_*, outcome, desk
 *   cancelled, expired   finished_*, outcome, desk if the event names one
 *   transferred  category, transfers+1, desk cleared
 *   unread events   none
 * Wait = first call - issue; service = end - last call (served only).
 *
 * Desk spans (staffed time), per site and desk in seq order (never by
 * "at"), by the same code at ingest and rebuild:
 *   desk.opened  a new span (day: the first 10 characters of "at"), unless
 *                the desk already has an open one: then nothing (the desk
 *                has been open since that first opening)
 *   desk.closed  closes the desk's open span: staffed_ms = closed - opened,
 *                0 if the clock went back, at most 24 h; nothing if the
 *                desk has no open span
 * A span still open has staffed_ms NULL and counts nothing until closed.
 */
#include "cstore_sqlite.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* The schema this code writes; cstore_open brings older ones up to it. */
#define SCHEMA_VERSION 6

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS sites("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " acked_through INTEGER NOT NULL DEFAULT 0, events INTEGER NOT NULL DEFAULT 0,"
    " last_sync_ms INTEGER NOT NULL DEFAULT 0, title TEXT, token_sha256 BLOB,"
    " enabled INTEGER NOT NULL DEFAULT 1, created_ms INTEGER, updated_ms INTEGER, reg INTEGER);"
    "CREATE UNIQUE INDEX IF NOT EXISTS sites_token ON sites(token_sha256)"
    " WHERE token_sha256 IS NOT NULL;"
    "CREATE UNIQUE INDEX IF NOT EXISTS sites_reg ON sites(reg) WHERE reg IS NOT NULL;"
    "CREATE TABLE IF NOT EXISTS site_health("
    " site INTEGER PRIMARY KEY REFERENCES sites(id), received_ms INTEGER NOT NULL,"
    " offset_ms INTEGER, body TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS events("
    " site INTEGER NOT NULL REFERENCES sites(id), seq INTEGER NOT NULL,"
    " uuid TEXT NOT NULL UNIQUE, type TEXT NOT NULL, at TEXT, at_ms INTEGER,"
    " ticket TEXT, code TEXT, category TEXT, from_category TEXT, lang TEXT, desk INTEGER,"
    " body TEXT NOT NULL, received_ms INTEGER NOT NULL, unread TEXT,"
    " PRIMARY KEY(site, seq));"
    "CREATE INDEX IF NOT EXISTS events_desk ON events(site, seq)"
    " WHERE type IN ('desk.opened', 'desk.closed');"
    "CREATE INDEX IF NOT EXISTS events_unread ON events(site) WHERE unread IS NOT NULL;"
    "CREATE TABLE IF NOT EXISTS tickets("
    " site INTEGER NOT NULL, ticket TEXT NOT NULL, code TEXT NOT NULL DEFAULT '',"
    " day TEXT NOT NULL DEFAULT '', category TEXT NOT NULL DEFAULT '',"
    " first_category TEXT NOT NULL DEFAULT '', lang TEXT NOT NULL DEFAULT '',"
    " issued_at TEXT, issued_ms INTEGER, called_at TEXT, called_ms INTEGER,"
    " last_called_ms INTEGER, finished_at TEXT, finished_ms INTEGER, outcome TEXT,"
    " desk INTEGER, calls INTEGER NOT NULL DEFAULT 0, transfers INTEGER NOT NULL DEFAULT 0,"
    " served_outcome TEXT, referred_to TEXT, topics TEXT, first_visit INTEGER,"
    " PRIMARY KEY(site, ticket));"
    "CREATE TABLE IF NOT EXISTS profiles("
    " site INTEGER PRIMARY KEY REFERENCES sites(id), name TEXT NOT NULL,"
    " languages TEXT NOT NULL, body TEXT NOT NULL, received_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS labels("
    " site INTEGER NOT NULL REFERENCES sites(id), kind TEXT NOT NULL, id TEXT NOT NULL,"
    " lang TEXT NOT NULL, label TEXT NOT NULL, received_ms INTEGER NOT NULL,"
    " PRIMARY KEY(site, kind, id, lang));"
    "CREATE INDEX IF NOT EXISTS tickets_day ON tickets(day, site);"
    "CREATE TABLE IF NOT EXISTS desk_spans("
    " site INTEGER NOT NULL, desk INTEGER NOT NULL, day TEXT NOT NULL,"
    " opened_seq INTEGER NOT NULL, opened_at TEXT NOT NULL, opened_ms INTEGER NOT NULL,"
    " closed_seq INTEGER, closed_at TEXT, closed_ms INTEGER, staffed_ms INTEGER,"
    " PRIMARY KEY(site, opened_seq));"
    "CREATE UNIQUE INDEX IF NOT EXISTS desk_spans_open ON desk_spans(site, desk)"
    " WHERE closed_seq IS NULL;"
    "CREATE INDEX IF NOT EXISTS desk_spans_day ON desk_spans(day, site);";

/* A span counts at most this long: a clock that jumped forward between the
 * opening and the closing (or a desk opened on an unset 1970 clock) is not
 * weeks of staffing. The sites close every desk at their day's end. */
#define SPAN_MAX_MS "86400000"

/* Schema 1 -> 2: events without a ticket (desk events) or not understood
 * (unread) have NULL where schema 1 said NOT NULL. SQLite cannot drop a
 * NOT NULL in place, so the table is copied (its rows, bodies and all,
 * unchanged) and the copy takes its name; schema then adds the indexes. */
static const char migrate_1_2[] =
    "CREATE TABLE events_2("
    " site INTEGER NOT NULL REFERENCES sites(id), seq INTEGER NOT NULL,"
    " uuid TEXT NOT NULL UNIQUE, type TEXT NOT NULL, at TEXT, at_ms INTEGER,"
    " ticket TEXT, code TEXT, category TEXT, from_category TEXT, lang TEXT, desk INTEGER,"
    " body TEXT NOT NULL, received_ms INTEGER NOT NULL, unread TEXT,"
    " PRIMARY KEY(site, seq));"
    "INSERT INTO events_2(site, seq, uuid, type, at, at_ms, ticket, code, category,"
    " from_category, lang, desk, body, received_ms)"
    " SELECT site, seq, uuid, type, at, at_ms, ticket, code, category, from_category, lang,"
    " desk, body, received_ms FROM events ORDER BY site, seq;"
    "UPDATE events_2 SET ticket = NULL, code = NULL, category = NULL, lang = NULL"
    " WHERE type LIKE 'desk.%';"
    "DROP TABLE events;"
    "ALTER TABLE events_2 RENAME TO events;";

/* The fact each event type derives (fact_apply binds the parameters).
 * Ticket events upsert their ticket: ?1 site ?2 ticket ?3 code ?4 day (the
 * event's "day", else the date of "at") ?5 category ?6 lang ?7 at ?8 at_ms
 * ?9 desk (NULL if none) ?10 1 when the event names its day. Desk events
 * open or close a desk span: ?1 site ?2 desk ?3 seq ?4 day ?5 at ?6 at_ms. */
/* A ticket event that names its opening day ("day", ?10 = 1) moves the
 * ticket there: the site moved a ticket taken on an unset clock to the real
 * day, and its later events say so. */
#define TK_DAY	  ", day = CASE WHEN ?10 THEN ?4 ELSE day END"
#define TK_INSERT "INSERT INTO tickets(site, ticket, code, day, category, first_category, lang"
#define TK_VALUES "VALUES(?1, ?2, ?3, ?4, ?5, ?5, ?6"
#define TK_FINISH(outcome)                                                                         \
	TK_INSERT ", finished_at, finished_ms, outcome, desk) " TK_VALUES ", ?7, ?8, '" outcome    \
		  "', ?9) ON CONFLICT(site, ticket) DO UPDATE"                                     \
		  " SET finished_at = ?7, finished_ms = ?8, outcome = '" outcome "',"              \
		  " desk = coalesce(?9, desk)" TK_DAY
static const char *const fact_sql[EV_TYPE_COUNT] = {
    [EV_TICKET_ISSUED] = TK_INSERT
    ", issued_at, issued_ms) " TK_VALUES ", ?7, ?8) ON CONFLICT(site, ticket) DO UPDATE"
    " SET code = ?3, day = ?4, category = ?5, first_category = ?5, lang = ?6,"
    " issued_at = ?7, issued_ms = ?8",
    [EV_TICKET_CALLED] =
	TK_INSERT ", called_at, called_ms, last_called_ms, desk, calls) " TK_VALUES
		  ", ?7, ?8, ?8, ?9, 1) ON CONFLICT(site, ticket) DO UPDATE"
		  " SET called_at = coalesce(called_at, ?7), called_ms = coalesce(called_ms, ?8),"
		  " last_called_ms = ?8, desk = ?9, calls = calls + 1, category = ?5" TK_DAY,
    [EV_TICKET_RECALLED] = TK_INSERT
    ", desk) " TK_VALUES ", ?9) ON CONFLICT(site, ticket) DO UPDATE SET desk = ?9" TK_DAY,
    /* ?11 served_outcome ?12 referred_to ?13 topics ?14 first_visit */
    [EV_TICKET_SERVED] =
	TK_INSERT ", finished_at, finished_ms, outcome, desk, served_outcome, referred_to, topics,"
		  " first_visit) " TK_VALUES
		  ", ?7, ?8, 'served', ?9, ?11, ?12, ?13, ?14) ON CONFLICT(site, ticket) DO UPDATE"
		  " SET finished_at = ?7, finished_ms = ?8, outcome = 'served', desk = ?9,"
		  " served_outcome = ?11, referred_to = ?12, topics = ?13, first_visit = ?14" TK_DAY,
    [EV_TICKET_NO_SHOW] =
	TK_INSERT ", finished_at, finished_ms, outcome, desk) " TK_VALUES
		  ", ?7, ?8, 'no_show', ?9) ON CONFLICT(site, ticket) DO UPDATE"
		  " SET finished_at = ?7, finished_ms = ?8, outcome = 'no_show', desk = ?9" TK_DAY,
    [EV_TICKET_CANCELLED] = TK_FINISH("cancelled"),
    [EV_TICKET_TRANSFERRED] =
	TK_INSERT ", transfers) " TK_VALUES ", 1) ON CONFLICT(site, ticket) DO UPDATE"
		  " SET category = ?5, transfers = transfers + 1, desk = NULL" TK_DAY,
    [EV_TICKET_EXPIRED] = TK_FINISH("expired"),
    /* A second opening of an open desk changes nothing. */
    [EV_DESK_OPENED] = "INSERT INTO desk_spans(site, desk, day, opened_seq, opened_at, opened_ms)"
		       " SELECT ?1, ?2, ?4, ?3, ?5, ?6 WHERE NOT EXISTS(SELECT 1 FROM desk_spans"
		       " WHERE site = ?1 AND desk = ?2 AND closed_seq IS NULL)",
    /* A closing without an open span changes nothing. */
    [EV_DESK_CLOSED] = "UPDATE desk_spans SET closed_seq = ?3, closed_at = ?5, closed_ms = ?6,"
		       " staffed_ms = max(0, min(?6 - opened_ms, " SPAN_MAX_MS "))"
		       " WHERE site = ?1 AND desk = ?2 AND closed_seq IS NULL",
};

static int facts_prepare(sqlite3 *db, sqlite3_stmt *fx[EV_TYPE_COUNT], char *err, size_t errlen);
static void facts_finalize(sqlite3_stmt *fx[EV_TYPE_COUNT]);
static int derive(const cstore_codec *codec, sqlite3 *db, sqlite3_stmt *const fx[EV_TYPE_COUNT],
		  int desks_only, int64_t *n);

/* Adds column name to table unless it is there already. */
static int add_column(sqlite3 *db, const char *table, const char *name, const char *type,
		      char **msg)
{
	char sql[200];
	sqlite3_stmt *s = NULL;
	snprintf(sql, sizeof sql, "SELECT 1 FROM pragma_table_info('%s') WHERE name = '%s'", table,
		 name);
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	int have = rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	if (rc != SQLITE_OK || have)
		return rc;
	snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s %s", table, name, type);
	return sqlite3_exec(db, sql, NULL, NULL, msg);
}

/* Creates the schema in a new database, or brings an older one up to
 * SCHEMA_VERSION, in one transaction (another process opening the same
 * file at once waits, then finds it done). A database from a newer
 * loket-central is refused rather than misread. */
static int schema_update(const cstore_codec *codec, sqlite3 *db, const char *path, sq_agg **agg,
			 char *err, size_t errlen)
{
	char *msg = NULL;
	sqlite3_stmt *s = NULL;
	int version = 0;
	int rc = sqlite3_exec(db,
			      "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS meta("
			      " key TEXT PRIMARY KEY, value TEXT NOT NULL);",
			      NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db,
					"SELECT CAST(value AS INTEGER) FROM meta"
					" WHERE key = 'schema'",
					-1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			version = sqlite3_column_int(s, 0);
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_OK && version > SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "%s: written by a newer loket-central (schema %d, this one knows %d)",
			 path, version, SCHEMA_VERSION);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (rc == SQLITE_OK && version == 1) {
		log_info("%s: schema 1 -> 2: events may lack ticket fields (desk events)", path);
		rc = sqlite3_exec(db, migrate_1_2, NULL, NULL, &msg);
	}
	static const char *const new_cols[][2] = {{"served_outcome", "TEXT"},
						  {"referred_to", "TEXT"},
						  {"topics", "TEXT"},
						  {"first_visit", "INTEGER"}};
	for (size_t i = 0; rc == SQLITE_OK && version >= 1 && version < 4 && i < 4; i++)
		rc = add_column(db, "tickets", new_cols[i][0], new_cols[i][1], &msg);
	/* Schema 4 -> 5: the sites themselves (name, token digest, enabled),
	 * registered in order (reg), and their latest heartbeat. */
	static const char *const site_cols[][2] = {
	    {"title", "TEXT"},	     {"token_sha256", "BLOB"},	{"enabled", "INTEGER NOT NULL DEFAULT 1"},
	    {"created_ms", "INTEGER"}, {"updated_ms", "INTEGER"}, {"reg", "INTEGER"}};
	for (size_t i = 0; rc == SQLITE_OK && version >= 1 && version < 5 && i < 6; i++)
		rc = add_column(db, "sites", site_cols[i][0], site_cols[i][1], &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, schema, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sq_agg_schema, NULL, NULL, &msg);
	/* From here on, every change of tickets and desk_spans on db notes
	 * its (site, day) for the aggregates. */
	if (rc == SQLITE_OK && !(*agg = sq_agg_open(db, err, errlen))) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (rc == SQLITE_OK && version >= 1 && version < 4) {
		/* Schema 2 -> 3 -> 4: desk_spans and the served outcome columns,
		 * derived from the events held by the code ingest uses. */
		sqlite3_stmt *fx[EV_TYPE_COUNT] = {0};
		int64_t n = 0;
		rc = sqlite3_exec(db, "DELETE FROM tickets; DELETE FROM desk_spans", NULL, NULL,
				  NULL);
		if (rc == SQLITE_OK && facts_prepare(db, fx, err, errlen) == 0)
			rc = derive(codec, db, fx, 0, &n);
		else
			rc = SQLITE_ERROR;
		facts_finalize(fx);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen,
				 "%s: schema %d -> 4: cannot derive the tickets and desk spans: %s",
				 path, version, sqlite3_errmsg(db));
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		log_info("%s: schema %d -> 4: tickets (with how each visit ended) and desk spans "
			 "derived from %lld events",
			 path, version, (long long)n);
	}
	/* Schema 5 -> 6: the per-day aggregates, counted once from the
	 * tickets and desk spans held. */
	if (rc == SQLITE_OK && version >= 1 && version < 6) {
		rc = sq_agg_touch_all(*agg);
		if (rc == SQLITE_OK)
			rc = sq_agg_flush(*agg);
		if (rc == SQLITE_OK)
			log_info("%s: schema %d -> 6: per-day aggregates counted from the tickets",
				 path, version);
	}
	if (rc == SQLITE_OK && version != SCHEMA_VERSION) {
		char set[96];
		snprintf(set, sizeof set, "INSERT OR REPLACE INTO meta VALUES('schema', '%d')",
			 SCHEMA_VERSION);
		rc = sqlite3_exec(db, set, NULL, NULL, &msg);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot create the schema: %s", path,
			 msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		if (!sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* The database holds every site's events: readable by the server's user
 * only. Created 0600 before SQLite opens it (SQLite gives its -wal and -shm
 * files the database's mode); an older one, created 0644, is tightened,
 * and so are its -wal and -shm if they are there. */
static int own_files(const char *path, char *err, size_t errlen)
{
	if (path[0] == ':' || !strncmp(path, "file:", 5))
		return 0; /* in memory, or a URI: nothing of ours to create */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open or create: %s", path, strerror(errno));
		return -1;
	}
	struct stat sb;
	if (!fstat(fd, &sb) && (sb.st_mode & 077)) {
		if (fchmod(fd, 0600))
			log_warn("%s: mode %03o, cannot make it 0600: %s", path,
				 (unsigned)(sb.st_mode & 0777), strerror(errno));
		else
			log_info("%s: mode %03o made 0600 (only loket-central reads it)", path,
				 (unsigned)(sb.st_mode & 0777));
	}
	close(fd);
	static const char *const side[] = {"-wal", "-shm"};
	for (int i = 0; i < 2; i++) {
		char p[4096];
		if (snprintf(p, sizeof p, "%s%s", path, side[i]) >= (int)sizeof p)
			continue;
		if (!stat(p, &sb) && (sb.st_mode & 077))
			(void)chmod(p, 0600);
	}
	return 0;
}

static void sq_close(cstore *base_);
static const cstore_ops sq_ops;

cstore *cstore_sqlite_open(const char *path, int busy_timeout_ms, const cstore_codec *codec,
			   char *err, size_t errlen)
{
	if (own_files(path, err, errlen))
		return NULL;
	sqstore *st = calloc(1, sizeof *st);
	if (!st || !(st->path = strdup(path))) {
		snprintf(err, errlen, "out of memory");
		free(st);
		return NULL;
	}
	st->base.ops = &sq_ops;
	st->busy_ms = busy_timeout_ms;
	st->codec = codec;
	pthread_mutex_init(&st->wlock, NULL);
	pthread_mutex_init(&st->rlock, NULL);
	pthread_mutex_init(&st->vlock, NULL);
	st->w = sq_open_conn(path, busy_timeout_ms, 1, err, errlen);
	if (!st->w)
		goto fail;
	/* The aggregates' notes (cstore_sqlite_agg.c) are temporary tables
	 * written with every ticket: in memory, not in a temporary file. */
	if (sqlite3_exec(st->w, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL) != SQLITE_OK)
		log_warn("%s: temporary tables stay on disk: %s", path, sqlite3_errmsg(st->w));
	if (schema_update(st->codec, st->w, path, &st->agg, err, errlen))
		goto fail;
	st->watch = sq_open_conn(path, busy_timeout_ms, 0, err, errlen);
	if (!st->watch)
		goto fail;
	if (sq_prep(st->w, "BEGIN IMMEDIATE", &st->begin, err, errlen) ||
	    sq_prep(st->w, "COMMIT", &st->commit, err, errlen) ||
	    sq_prep(st->w, "ROLLBACK", &st->rollback, err, errlen) ||
	    sq_prep(st->w, "SELECT id, acked_through FROM sites WHERE name = ?1", &st->site_get,
		    err, errlen) ||
	    sq_prep(st->w, "INSERT INTO sites(name) VALUES(?1)", &st->site_add, err, errlen) ||
	    sq_prep(st->w,
		    "UPDATE sites SET acked_through = ?2, events = events + ?3, last_sync_ms = ?4"
		    " WHERE id = ?1",
		    &st->site_set, err, errlen) ||
	    sq_prep(st->w, "SELECT body FROM events WHERE site = ?1 AND seq = ?2", &st->ev_get, err,
		    errlen) ||
	    sq_prep(st->w,
		    "INSERT INTO events(site, seq, uuid, type, at, at_ms, ticket, code, category,"
		    " from_category, lang, desk, body, received_ms, unread)"
		    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
		    &st->ev_put, err, errlen) ||
	    sq_prep(st->w,
		    "SELECT s.name, e.seq FROM events e JOIN sites s ON s.id = e.site"
		    " WHERE e.uuid = ?1",
		    &st->ev_by_uuid, err, errlen))
		goto fail;
	if (facts_prepare(st->w, st->fx, err, errlen))
		goto fail;
	if (sq_people_schema(st, err, errlen) || sq_conf_schema(st, err, errlen))
		goto fail;
	return &st->base;
fail:
	sq_close(&st->base);
	return NULL;
}

static void sq_close(cstore *base_)
{
	sqstore *st = (sqstore *)base_;
	if (!st)
		return;
	sqlite3_stmt *all[] = {st->begin,    st->commit, st->rollback, st->site_get,  st->site_add,
			       st->site_set, st->ev_get, st->ev_put,   st->ev_by_uuid};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		sqlite3_finalize(all[i]);
	facts_finalize(st->fx);
	sq_agg_close(st->agg);
	sqlite3_close(st->w);
	sqlite3_close(st->watch);
	pthread_mutex_destroy(&st->vlock);
	for (int i = 0; i < st->nreaders; i++)
		sqlite3_close(st->readers[i]);
	pthread_mutex_destroy(&st->wlock);
	pthread_mutex_destroy(&st->rlock);
	free(st->path);
	free(st);
}

/* --- writing ---------------------------------------------------------- */

static int facts_prepare(sqlite3 *db, sqlite3_stmt *fx[EV_TYPE_COUNT], char *err, size_t errlen)
{
	for (int t = 0; t < EV_TYPE_COUNT; t++)
		if (fact_sql[t] && sq_prep(db, fact_sql[t], &fx[t], err, errlen))
			return -1;
	return 0;
}

static void facts_finalize(sqlite3_stmt *fx[EV_TYPE_COUNT])
{
	for (int t = 0; t < EV_TYPE_COUNT; t++) {
		sqlite3_finalize(fx[t]);
		fx[t] = NULL;
	}
}

/* The fact event e of site id derives: its ticket's, or its desk span's.
 * Events of one site must come in seq order. */
static int fact_apply(const cstore_codec *codec, sqlite3_stmt *const fx[EV_TYPE_COUNT],
		      sqlite3_int64 site, const event *e)
{
	assert((int)e->kind >= 0 && e->kind < EV_TYPE_COUNT);
	sqlite3_stmt *s = fx[e->kind];
	if (!s)
		return SQLITE_OK;
	sqlite3_bind_int64(s, 1, site);
	if (event_type_is_desk(e->kind)) {
		sqlite3_bind_int(s, 2, e->desk);
		sqlite3_bind_int64(s, 3, e->seq);
		sqlite3_bind_text(s, 4, e->at, 10, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, e->at, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 6, e->at_ms);
		return sq_step_done(s);
	}
	sqlite3_bind_text(s, 2, e->ticket, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, e->code, -1, SQLITE_STATIC);
	if (e->day[0])
		sqlite3_bind_text(s, 4, e->day, -1, SQLITE_STATIC);
	else
		sqlite3_bind_text(s, 4, e->at, 10, SQLITE_STATIC);
	sqlite3_bind_int(s, 10, e->day[0] != '\0');
	sqlite3_bind_text(s, 5, e->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, e->lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, e->at, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, e->at_ms);
	if (e->desk > 0)
		sqlite3_bind_int(s, 9, e->desk);
	else
		sqlite3_bind_null(s, 9);
	char *topics = NULL;
	if (e->kind == EV_TICKET_SERVED) {
		sq_bind_text_or_null(s, 11, e->outcome);
		sq_bind_text_or_null(s, 12, e->referred_to);
		if (e->has_topics) {
			topics = codec->topics_json(e);
			if (!topics)
				return SQLITE_NOMEM;
			sqlite3_bind_text(s, 13, topics, -1, SQLITE_STATIC);
		} else {
			sqlite3_bind_null(s, 13);
		}
		if (e->first_visit == EV_ANSWER_NULL)
			sqlite3_bind_null(s, 14);
		else
			sqlite3_bind_int(s, 14, e->first_visit == EV_ANSWER_YES);
	}
	int rc = sq_step_done(s);
	free(topics);
	return rc;
}

static int site_id(sqstore *st, const char *site, sqlite3_int64 *id, int64_t *acked)
{
	sqlite3_bind_text(st->site_get, 1, site, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st->site_get);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st->site_get, 0);
		*acked = sqlite3_column_int64(st->site_get, 1);
		sqlite3_reset(st->site_get);
		return SQLITE_OK;
	}
	sqlite3_reset(st->site_get);
	if (rc != SQLITE_DONE)
		return rc;
	sqlite3_bind_text(st->site_add, 1, site, -1, SQLITE_STATIC);
	rc = sq_step_done(st->site_add);
	*id = sqlite3_last_insert_rowid(st->w);
	*acked = 0;
	return rc;
}

/* s's parameter i: text, or NULL for "" (a field the event lacks). */

/* The parsed fields of e from parameter i on: at, at_ms, ticket, code,
 * category, from_category, lang, desk (8 of them), NULL where e has none. */
static void bind_fields(sqlite3_stmt *s, int i, const event *e)
{
	sq_bind_text_or_null(s, i, e->at);
	if (e->at[0])
		sqlite3_bind_int64(s, i + 1, e->at_ms);
	else
		sqlite3_bind_null(s, i + 1);
	sq_bind_text_or_null(s, i + 2, e->ticket);
	sq_bind_text_or_null(s, i + 3, e->code);
	sq_bind_text_or_null(s, i + 4, e->category);
	sq_bind_text_or_null(s, i + 5, e->from);
	sq_bind_text_or_null(s, i + 6, e->lang);
	if (e->desk > 0)
		sqlite3_bind_int(s, i + 7, e->desk);
	else
		sqlite3_bind_null(s, i + 7);
}

static int event_put(sqstore *st, sqlite3_int64 site, const cstore_event *ev, int64_t now_ms)
{
	const event *e = &ev->e;
	sqlite3_stmt *s = st->ev_put;
	sqlite3_bind_int64(s, 1, site);
	sqlite3_bind_int64(s, 2, e->seq);
	sqlite3_bind_text(s, 3, e->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, e->type, -1, SQLITE_STATIC);
	bind_fields(s, 5, e);
	sqlite3_bind_text(s, 13, ev->text, (int)ev->len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 14, now_ms);
	sq_bind_text_or_null(s, 15, ev->unread);
	return sq_step_done(s);
}

/* Explains a UNIQUE failure on the event's uuid. */
static void uuid_conflict(sqstore *st, const event *e, cstore_ingest_result *r)
{
	sqlite3_bind_text(st->ev_by_uuid, 1, e->uuid, -1, SQLITE_STATIC);
	if (sqlite3_step(st->ev_by_uuid) == SQLITE_ROW) {
		/* The answer goes to the sender: it must not learn another
		 * site's name or seq. The log (the office's) says which. */
		log_error("uuid %s of seq %lld is already held as seq %lld of %s", e->uuid,
			  (long long)e->seq, (long long)sqlite3_column_int64(st->ev_by_uuid, 1),
			  (const char *)sqlite3_column_text(st->ev_by_uuid, 0));
		snprintf(r->why, sizeof r->why,
			 "seq %lld: uuid %s is already used by another event", (long long)e->seq,
			 e->uuid);
	} else
		snprintf(r->why, sizeof r->why, "seq %lld: refused by a constraint",
			 (long long)e->seq);
	sqlite3_reset(st->ev_by_uuid);
}

static int sq_ingest(cstore *base_, const char *site, const cstore_batch *b, int64_t now_ms,
		     cstore_ingest_result *r)
{
	sqstore *st = (sqstore *)base_;
	memset(r, 0, sizeof *r);
	int status = CSTORE_OK;
	pthread_mutex_lock(&st->wlock);
	int rc = sq_step_done(st->begin);
	if (rc != SQLITE_OK) {
		status = sq_map_rc(rc);
		snprintf(r->why, sizeof r->why, "begin: %s", sqlite3_errstr(rc));
		goto unlock;
	}
	sqlite3_int64 sid = 0;
	int64_t acked = 0;
	rc = site_id(st, site, &sid, &acked);
	if (rc != SQLITE_OK)
		goto fail;
	r->acked_through = acked;
	if (b->n == 0 || b->ev[0].e.seq > acked + 1) {
		status = CSTORE_GAP;
		goto rollback;
	}
	for (size_t i = 0; i < b->n; i++) {
		const cstore_event *ev = &b->ev[i];
		if (ev->e.seq <= acked) {
			sqlite3_bind_int64(st->ev_get, 1, sid);
			sqlite3_bind_int64(st->ev_get, 2, ev->e.seq);
			rc = sqlite3_step(st->ev_get);
			int same =
			    rc == SQLITE_ROW &&
			    b->same(b->ctx, i, (const char *)sqlite3_column_text(st->ev_get, 0),
				    (size_t)sqlite3_column_bytes(st->ev_get, 0));
			sqlite3_reset(st->ev_get);
			if (rc != SQLITE_ROW && rc != SQLITE_DONE)
				goto fail;
			if (!same) {
				status = CSTORE_CONFLICT;
				r->conflict_seq = ev->e.seq;
				snprintf(r->why, sizeof r->why,
					 "seq %lld: differs from the event already held",
					 (long long)ev->e.seq);
				goto rollback;
			}
			r->duplicates++;
			continue;
		}
		rc = event_put(st, sid, ev, now_ms);
		if ((rc & 0xff) == SQLITE_CONSTRAINT) {
			status = CSTORE_CONFLICT;
			r->conflict_seq = ev->e.seq;
			uuid_conflict(st, &ev->e, r);
			goto rollback;
		}
		if (rc != SQLITE_OK)
			goto fail;
		if (ev->unread[0]) {
			r->unread++; /* kept as it came; no fact until a version reads it */
		} else {
			rc = fact_apply(st->codec, st->fx, sid, &ev->e);
			if (rc != SQLITE_OK)
				goto fail;
		}
		r->stored++;
	}
	/* The aggregates of the days this batch touched, in its transaction. */
	rc = sq_agg_flush(st->agg);
	if (rc != SQLITE_OK)
		goto fail;
	int64_t last = b->ev[b->n - 1].e.seq;
	int64_t now_acked = last > acked ? last : acked;
	sqlite3_bind_int64(st->site_set, 1, sid);
	sqlite3_bind_int64(st->site_set, 2, now_acked);
	sqlite3_bind_int64(st->site_set, 3, (sqlite3_int64)r->stored);
	sqlite3_bind_int64(st->site_set, 4, now_ms);
	rc = sq_step_done(st->site_set);
	if (rc != SQLITE_OK)
		goto fail;
	rc = sq_step_done(st->commit);
	if (rc != SQLITE_OK)
		goto fail;
	r->acked_through = now_acked;
	goto unlock;
fail:
	status = sq_map_rc(rc);
	if (status == CSTORE_OK || status == CSTORE_CONFLICT)
		status = CSTORE_ERROR;
	snprintf(r->why, sizeof r->why, "%s", sqlite3_errmsg(st->w));
	r->stored = r->duplicates = 0;
rollback:
	if (sqlite3_get_autocommit(st->w) == 0)
		sq_step_done(st->rollback);
	r->stored = r->unread = 0;
unlock:
	pthread_mutex_unlock(&st->wlock);
	return status;
}

/* Unread events that this version reads (a type it has learnt since):
 * their parsed columns filled and unread cleared, so the rebuild derives
 * their facts; the rest stay unread. Inside the caller's transaction. */
static int reread(sqstore *st, int64_t *nread, int64_t *nstill)
{
	sqlite3_stmt *s = NULL, *get = NULL, *set = NULL;
	sqlite3_int64 *rows = NULL;
	size_t n = 0, cap = 0;
	*nread = *nstill = 0;
	/* The rows first: no update while a read of the same table is open. */
	int rc = sqlite3_prepare_v2(st->w, "SELECT rowid FROM events WHERE unread IS NOT NULL", -1,
				    &s, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			size_t c = cap ? cap * 2 : 64;
			sqlite3_int64 *p = realloc(rows, c * sizeof *p);
			if (!p) {
				rc = SQLITE_NOMEM;
				break;
			}
			rows = p;
			cap = c;
		}
		rows[n++] = sqlite3_column_int64(s, 0);
		rc = SQLITE_OK;
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->w, "SELECT body FROM events WHERE rowid = ?1", -1, &get,
					NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->w,
					"UPDATE events SET at = ?2, at_ms = ?3, ticket = ?4,"
					" code = ?5, category = ?6, from_category = ?7, lang = ?8,"
					" desk = ?9, unread = NULL WHERE rowid = ?1",
					-1, &set, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_bind_int64(get, 1, rows[i]);
		rc = sqlite3_step(get);
		event e;
		char why[CSTORE_WHY_LEN];
		int read_now = rc == SQLITE_ROW &&
			       !st->codec->decode((const char *)sqlite3_column_blob(get, 0),
						  (size_t)sqlite3_column_bytes(get, 0), &e, why,
						  sizeof why);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = SQLITE_OK;
		sqlite3_reset(get);
		if (rc == SQLITE_OK && read_now) {
			sqlite3_bind_int64(set, 1, rows[i]);
			bind_fields(set, 2, &e);
			rc = sq_step_done(set);
			++*nread;
		} else if (rc == SQLITE_OK) {
			++*nstill;
		}
	}
	sqlite3_finalize(s);
	sqlite3_finalize(get);
	sqlite3_finalize(set);
	free(rows);
	return rc;
}

/* The facts of the events held (those read; only desk events if
 * desks_only), site by site in seq order, through fact_apply as at ingest.
 * Inside the caller's transaction, on tables the caller emptied. */
static int derive(const cstore_codec *codec, sqlite3 *db, sqlite3_stmt *const fx[EV_TYPE_COUNT],
		  int desks_only, int64_t *n)
{
	sqlite3_stmt *s = NULL;
	*n = 0;
	/* Only desk events: through their partial index (events_desk). */
	int rc = sqlite3_prepare_v2(
	    db,
	    desks_only ? "SELECT site, seq, type, at, at_ms, ticket, code, category, lang, desk,"
			 " NULL FROM events WHERE type IN ('desk.opened', 'desk.closed')"
			 " AND unread IS NULL ORDER BY site, seq"
		       : "SELECT site, seq, type, at, at_ms, ticket, code, category, lang, desk,"
			 " json_extract(body, '$.day'), CASE WHEN type = 'ticket.served' THEN body"
			 " END FROM events WHERE unread IS NULL ORDER BY site, seq",
	    -1, &s, NULL);
	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int t = event_type_parse(sq_col_text(s, 2));
		if (t < 0)
			continue; /* cannot be (unknown types are unread): no fact */
		event e;
		memset(&e, 0, sizeof e);
		e.kind = (event_type)t;
		e.seq = sqlite3_column_int64(s, 1);
		snprintf(e.at, sizeof e.at, "%s", sq_col_text(s, 3));
		e.at_ms = sqlite3_column_int64(s, 4);
		snprintf(e.ticket, sizeof e.ticket, "%s", sq_col_text(s, 5));
		snprintf(e.code, sizeof e.code, "%s", sq_col_text(s, 6));
		snprintf(e.category, sizeof e.category, "%s", sq_col_text(s, 7));
		snprintf(e.lang, sizeof e.lang, "%s", sq_col_text(s, 8));
		e.desk = sqlite3_column_int(s, 9);
		/* The day a ticket event names (checked at ingest). */
		if (sqlite3_column_type(s, 10) == SQLITE_TEXT && sqlite3_column_bytes(s, 10) == 10)
			snprintf(e.day, sizeof e.day, "%s", sq_col_text(s, 10));
		/* How a visit ended: from the served event's body, as ingest read it. */
		if (!desks_only && e.kind == EV_TICKET_SERVED &&
		    sqlite3_column_type(s, 11) == SQLITE_TEXT) {
			event full;
			char why[CSTORE_WHY_LEN];
			if (!codec->decode((const char *)sqlite3_column_text(s, 11),
					   (size_t)sqlite3_column_bytes(s, 11), &full, why, sizeof why)) {
				snprintf(e.outcome, sizeof e.outcome, "%s", full.outcome);
				snprintf(e.referred_to, sizeof e.referred_to, "%s", full.referred_to);
				e.has_topics = full.has_topics;
				e.ntopics = full.ntopics;
				memcpy(e.topics, full.topics, sizeof e.topics);
				e.first_visit = full.first_visit;
			}
		}
		int r2 = fact_apply(codec, fx, sqlite3_column_int64(s, 0), &e);
		if (r2 != SQLITE_OK) {
			rc = r2;
			break;
		}
		++*n;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int sq_rebuild_tickets(cstore *base_)
{
	sqstore *st = (sqstore *)base_;
	int status = CSTORE_OK;
	int64_t nread = 0, nstill = 0, nfacts = 0;
	pthread_mutex_lock(&st->wlock);
	int rc = sq_step_done(st->begin);
	if (rc != SQLITE_OK)
		goto out;
	rc = reread(st, &nread, &nstill);
	if (rc != SQLITE_OK)
		goto out;
	rc = sq_agg_pause(st->agg, 1); /* all is counted again below */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->w, "DELETE FROM tickets; DELETE FROM desk_spans", NULL, NULL,
				  NULL);
	if (rc != SQLITE_OK)
		goto out;
	rc = derive(st->codec, st->w, st->fx, 0, &nfacts);
	if (rc == SQLITE_OK)
		rc = sq_agg_pause(st->agg, 0);
	if (rc == SQLITE_OK)
		rc = sq_agg_touch_all(st->agg);
	if (rc == SQLITE_OK)
		rc = sq_agg_flush(st->agg);
	if (rc == SQLITE_OK)
		rc = sq_step_done(st->commit);
out:
	if (rc != SQLITE_OK) {
		status = sq_map_rc(rc);
		if (status == CSTORE_OK || status == CSTORE_CONFLICT)
			status = CSTORE_ERROR;
		log_error("rebuilding tickets, desk spans and aggregates: %s",
			  sqlite3_errmsg(st->w));
		if (sqlite3_get_autocommit(st->w) == 0)
			sq_step_done(st->rollback);
	} else if (nread || nstill) {
		log_info("unread events: %lld read now, %lld still unread", (long long)nread,
			 (long long)nstill);
	}
	pthread_mutex_unlock(&st->wlock);
	return status;
}

/* --- reading ---------------------------------------------------------- */

static int sq_site_get(cstore *base_, const char *site, cstore_site_info *out)
{
	sqstore *st = (sqstore *)base_;
	memset(out, 0, sizeof *out);
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	    db,
	    "SELECT acked_through, events, last_sync_ms, (SELECT count(*) FROM events e"
	    " WHERE e.site = sites.id AND e.unread IS NOT NULL) FROM sites WHERE name = ?1",
	    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, site, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			out->acked_through = sqlite3_column_int64(s, 0);
			out->events = sqlite3_column_int64(s, 1);
			out->last_sync_ms = sqlite3_column_int64(s, 2);
			out->unread = sqlite3_column_int64(s, 3);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}

static int sq_events(cstore *base_, const char *site, int64_t after, int64_t limit,
		     cstore_event_cb cb, void *ctx)
{
	sqstore *st = (sqstore *)base_;
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	sqlite3_stmt *s = NULL;
	int rc =
	    sqlite3_prepare_v2(db,
			       "SELECT e.seq, e.body FROM events e JOIN sites s ON s.id = e.site"
			       " WHERE s.name = ?1 AND e.seq > ?2 ORDER BY e.seq LIMIT ?3",
			       -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, site, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, after);
		sqlite3_bind_int64(s, 3, limit);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			if (cb(ctx, sqlite3_column_int64(s, 0),
			       (const char *)sqlite3_column_text(s, 1),
			       (size_t)sqlite3_column_bytes(s, 1))) {
				rc = SQLITE_DONE;
				break;
			}
	}
	if (rc != SQLITE_DONE)
		log_error("reading events: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}

#define TICKET_COLS                                                                                \
	"SELECT s.name, t.ticket, t.code, t.day, t.category, t.first_category, t.lang,"            \
	" coalesce(t.outcome, ''), t.issued_at, t.called_at, t.finished_at, t.issued_ms,"          \
	" t.called_ms, t.last_called_ms, t.finished_ms, coalesce(t.desk, 0), t.calls,"             \
	" t.transfers, t.served_outcome, t.referred_to, t.topics, coalesce(t.first_visit, -1)"
#define TICKET_FROM " FROM tickets t JOIN sites s ON s.id = t.site"

/* The ticket of the row s of a TICKET_COLS query (valid until s moves). */
static cstore_ticket ticket_of(sqlite3_stmt *s)
{
	return (cstore_ticket){
	    .site = sq_col_text(s, 0),
	    .ticket = sq_col_text(s, 1),
	    .code = sq_col_text(s, 2),
	    .day = sq_col_text(s, 3),
	    .category = sq_col_text(s, 4),
	    .first_category = sq_col_text(s, 5),
	    .lang = sq_col_text(s, 6),
	    .outcome = sq_col_text(s, 7),
	    .issued_at = sq_col_text(s, 8),
	    .called_at = sq_col_text(s, 9),
	    .finished_at = sq_col_text(s, 10),
	    .issued_ms = sq_col_ms(s, 11),
	    .called_ms = sq_col_ms(s, 12),
	    .last_called_ms = sq_col_ms(s, 13),
	    .finished_ms = sq_col_ms(s, 14),
	    .desk = sqlite3_column_int(s, 15),
	    .calls = sqlite3_column_int(s, 16),
	    .transfers = sqlite3_column_int(s, 17),
	    .served_outcome = sq_col_text(s, 18),
	    .referred_to = sq_col_text(s, 19),
	    .topics = sq_col_text(s, 20),
	    .first_visit = sqlite3_column_int(s, 21),
	};
}

static int sq_tickets(cstore *base_, const char *from_day, const char *to_day, const char *site,
		      cstore_ticket_cb cb, void *ctx)
{
	sqstore *st = (sqstore *)base_;
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db,
				    TICKET_COLS TICKET_FROM
				    " WHERE t.day BETWEEN ?1 AND ?2"
				    " AND (?3 IS NULL OR s.name = ?3)"
				    " ORDER BY s.name, t.day, t.issued_ms, t.code",
				    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, from_day, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, to_day, -1, SQLITE_STATIC);
		if (site)
			sqlite3_bind_text(s, 3, site, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, 3);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			cstore_ticket t = ticket_of(s);
			if (cb(ctx, &t)) {
				rc = SQLITE_DONE;
				break;
			}
		}
	}
	if (rc != SQLITE_DONE)
		log_error("reading tickets: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}

/* The page after the cursor: the day index gives (day, site) in order from
 * the cursor's (day, site) on (a range, not a scan of what came before);
 * within one (day, site) the few hundred rows are sorted by issue time,
 * code and ticket, and those up to the cursor skipped. */
static int sq_tickets_page(cstore *base_, const char *from_day, const char *to_day,
			   const char *site, cstore_ticket_cursor *cur, size_t limit,
			   cstore_ticket_cb cb, void *ctx, size_t *n)
{
	sqstore *st = (sqstore *)base_;
	*n = 0;
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	    db,
	    TICKET_COLS ", t.site, coalesce(t.issued_ms, -1)" TICKET_FROM " WHERE t.day <= ?2"
			" AND (?3 IS NULL OR t.site = (SELECT id FROM sites WHERE name = ?3))"
			" AND (t.day, t.site) >= (?5, ?6) AND (t.day, t.site,"
			" coalesce(t.issued_ms, -1), t.code, t.ticket) > (?5, ?6, ?7, ?8, ?9)"
			" ORDER BY t.day, t.site, coalesce(t.issued_ms, -1), t.code, t.ticket"
			" LIMIT ?10",
	    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 2, to_day, -1, SQLITE_STATIC);
		if (site)
			sqlite3_bind_text(s, 3, site, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, 3);
		/* Not started: from the first day, before every site (ids
		 * start at 1). One range, no OR: the index takes it. */
		sqlite3_bind_text(s, 5, cur->started ? cur->day : from_day, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 6, cur->started ? cur->site : -1);
		sqlite3_bind_int64(s, 7, cur->issued_ms);
		sqlite3_bind_text(s, 8, cur->code, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 9, cur->ticket, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 10, (sqlite3_int64)limit);
		cstore_ticket_cursor next = *cur;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			cstore_ticket t = ticket_of(s);
			next.started = 1;
			snprintf(next.day, sizeof next.day, "%s", t.day);
			next.site = sqlite3_column_int64(s, 22);
			next.issued_ms = sqlite3_column_int64(s, 23);
			/* Defensive: ingest checked these lengths; a key cut short
			 * would give the same rows again and again. */
			if (strlen(t.code) >= sizeof next.code ||
			    strlen(t.ticket) >= sizeof next.ticket ||
			    strlen(t.day) >= sizeof next.day) {
				rc = SQLITE_CORRUPT;
				break;
			}
			snprintf(next.code, sizeof next.code, "%s", t.code);
			snprintf(next.ticket, sizeof next.ticket, "%s", t.ticket);
			++*n;
			if (cb(ctx, &t)) {
				rc = SQLITE_DONE;
				break;
			}
		}
		*cur = next;
	}
	if (rc != SQLITE_DONE)
		log_error("reading tickets: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}

static int sq_site_names(cstore *base_, cstore_name_cb cb, void *ctx)
{
	sqstore *st = (sqstore *)base_;
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT name FROM sites ORDER BY name", -1, &s, NULL);
	if (rc == SQLITE_OK)
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			if (cb(ctx, sq_col_text(s, 0))) {
				rc = SQLITE_DONE;
				break;
			}
	if (rc != SQLITE_DONE)
		log_error("reading the sites' names: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}

static int sq_desk_spans(cstore *base_, const char *from_day, const char *to_day, const char *site,
			 cstore_span_cb cb, void *ctx)
{
	sqstore *st = (sqstore *)base_;
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	sqlite3_stmt *s = NULL;
	/* One site: through its key (site, opened_seq), its spans of every day
	 * (a few thousand in years), not the period's index of every site. */
#define SPANS_SQL(where)                                                                           \
	"SELECT s.name, d.day, d.desk, d.opened_seq, d.opened_at, coalesce(d.closed_seq, 0),"      \
	" coalesce(d.closed_at, ''), coalesce(d.staffed_ms, -1),"                                  \
	" coalesce((d.staffed_ms + 30000) / 60000, -1)"                                            \
	" FROM desk_spans d JOIN sites s ON s.id = d.site WHERE " where                            \
	" ORDER BY s.name, d.day, d.desk, d.opened_seq"
	int rc = sqlite3_prepare_v2(db,
				    site ? SPANS_SQL("s.name = ?3 AND d.site = s.id"
						     " AND +d.day BETWEEN ?1 AND ?2")
					 : SPANS_SQL("d.day BETWEEN ?1 AND ?2"),
				    -1, &s, NULL);
#undef SPANS_SQL
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, from_day, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, to_day, -1, SQLITE_STATIC);
		if (site)
			sqlite3_bind_text(s, 3, site, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			cstore_desk_span d = {
			    .site = sq_col_text(s, 0),
			    .day = sq_col_text(s, 1),
			    .desk = sqlite3_column_int(s, 2),
			    .opened_seq = sqlite3_column_int64(s, 3),
			    .opened_at = sq_col_text(s, 4),
			    .closed_seq = sqlite3_column_int64(s, 5),
			    .closed_at = sq_col_text(s, 6),
			    .staffed_ms = sqlite3_column_int64(s, 7),
			    .minutes = sqlite3_column_int64(s, 8),
			};
			if (cb(ctx, &d)) {
				rc = SQLITE_DONE;
				break;
			}
		}
	}
	if (rc != SQLITE_DONE)
		log_error("reading desk spans: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}

/* --- profiles ------------------------------------------------------------- */

static int sq_profile_put(cstore *base_, const char *site, const char *name, const char *languages,
			  const char *body, size_t len, const cstore_label *labels, size_t nlabels,
			  int64_t now_ms)
{
	sqstore *st = (sqstore *)base_;
	sqlite3_stmt *put = NULL, *del = NULL, *lab = NULL;
	pthread_mutex_lock(&st->wlock);
	int rc = sq_step_done(st->begin);
	sqlite3_int64 sid = 0;
	int64_t acked = 0;
	if (rc == SQLITE_OK)
		rc = site_id(st, site, &sid, &acked);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->w,
					"INSERT OR REPLACE INTO profiles(site, name, languages, body,"
					" received_ms) VALUES(?1, ?2, ?3, ?4, ?5)",
					-1, &put, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->w,
					"DELETE FROM labels WHERE site = ?1 AND kind = ?2 AND id = ?3",
					-1, &del, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->w,
					"INSERT OR REPLACE INTO labels(site, kind, id, lang, label,"
					" received_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
					-1, &lab, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(put, 1, sid);
		sqlite3_bind_text(put, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(put, 3, languages, -1, SQLITE_STATIC);
		sqlite3_bind_text(put, 4, body, (int)len, SQLITE_STATIC);
		sqlite3_bind_int64(put, 5, now_ms);
		rc = sq_step_done(put);
	}
	/* First forget the labels of every id named, then write the new ones
	 * (a language dropped from an id's labels is dropped here too). */
	for (size_t i = 0; rc == SQLITE_OK && i < nlabels; i++) {
		sqlite3_bind_int64(del, 1, sid);
		sqlite3_bind_text(del, 2, labels[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(del, 3, labels[i].id, -1, SQLITE_STATIC);
		rc = sq_step_done(del);
	}
	for (size_t i = 0; rc == SQLITE_OK && i < nlabels; i++) {
		if (!labels[i].lang)
			continue; /* an id without labels: its old ones are gone */
		sqlite3_bind_int64(lab, 1, sid);
		sqlite3_bind_text(lab, 2, labels[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(lab, 3, labels[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_text(lab, 4, labels[i].lang, -1, SQLITE_STATIC);
		sqlite3_bind_text(lab, 5, labels[i].label, -1, SQLITE_STATIC);
		sqlite3_bind_int64(lab, 6, now_ms);
		rc = sq_step_done(lab);
	}
	if (rc == SQLITE_OK)
		rc = sq_step_done(st->commit);
	if (rc != SQLITE_OK) {
		log_error("storing the profile of %s: %s", site, sqlite3_errmsg(st->w));
		if (sqlite3_get_autocommit(st->w) == 0)
			sq_step_done(st->rollback);
	}
	sqlite3_finalize(put);
	sqlite3_finalize(del);
	sqlite3_finalize(lab);
	pthread_mutex_unlock(&st->wlock);
	int status = sq_map_rc(rc);
	return status == CSTORE_CONFLICT ? CSTORE_ERROR : status;
}

static int sq_profiles(cstore *base_, cstore_profile_cb cb, void *ctx)
{
	sqstore *st = (sqstore *)base_;
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT s.name, p.name, p.languages, p.received_ms FROM profiles p"
				    " JOIN sites s ON s.id = p.site ORDER BY s.name",
				    -1, &s, NULL);
	if (rc == SQLITE_OK)
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			cstore_profile p = {sq_col_text(s, 0), sq_col_text(s, 1), sq_col_text(s, 2),
					    sqlite3_column_int64(s, 3)};
			if (cb(ctx, &p)) {
				rc = SQLITE_DONE;
				break;
			}
		}
	if (rc != SQLITE_DONE)
		log_error("reading profiles: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}

static int sq_labels(cstore *base_, cstore_label_cb cb, void *ctx)
{
	sqstore *st = (sqstore *)base_;
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT s.name, l.kind, l.id, l.lang, l.label FROM labels l"
				    " JOIN sites s ON s.id = l.site ORDER BY s.name, l.kind, l.id",
				    -1, &s, NULL);
	if (rc == SQLITE_OK)
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			cstore_label l = {sq_col_text(s, 1), sq_col_text(s, 2), sq_col_text(s, 3),
					  sq_col_text(s, 4)};
			if (cb(ctx, sq_col_text(s, 0), &l)) {
				rc = SQLITE_DONE;
				break;
			}
		}
	if (rc != SQLITE_DONE)
		log_error("reading labels: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}

static int sq_ping(cstore *base_)
{
	sqstore *st = (sqstore *)base_;
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	int rc = sqlite3_exec(db, "SELECT count(*) FROM sites", NULL, NULL, NULL);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}

/* --- the sites themselves and their heartbeats --------------------------- */

static int sq_version(cstore *base_, int64_t *version)
{
	sqstore *st = (sqstore *)base_;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->vlock);
	int rc = sqlite3_prepare_v2(st->watch, "PRAGMA data_version", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		*version = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->vlock);
	return sq_map_rc(rc);
}

static int sq_sites_version(cstore *base_, int64_t *version)
{
	sqstore *st = (sqstore *)base_;
	*version = 0;
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT CAST(value AS INTEGER) FROM meta"
				    " WHERE key = 'sites_version'",
				    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			*version = sqlite3_column_int64(s, 0);
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}

static int sq_sites(cstore *base_, cstore_site_cb cb, void *ctx)
{
	sqstore *st = (sqstore *)base_;
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	    db,
	    "SELECT s.name, s.title, s.token_sha256, s.enabled, s.created_ms, s.updated_ms,"
	    " max(s.last_sync_ms, coalesce(h.received_ms, 0)) FROM sites s"
	    " LEFT JOIN site_health h ON h.site = s.id WHERE s.reg IS NOT NULL ORDER BY s.reg",
	    -1, &s, NULL);
	if (rc == SQLITE_OK)
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (sqlite3_column_bytes(s, 2) != 32)
				continue;
			cstore_site_rec r = {sq_col_text(s, 0),		 sq_col_text(s, 1),
					     sqlite3_column_blob(s, 2),	 sqlite3_column_int(s, 3),
					     sqlite3_column_int64(s, 4), sqlite3_column_int64(s, 5),
					     sqlite3_column_int64(s, 6)};
			if (cb(ctx, &r)) {
				rc = SQLITE_DONE;
				break;
			}
		}
	if (rc != SQLITE_DONE)
		log_error("reading the sites: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}

/* One statement on the writer, in its own transaction; *changes gets the
 * rows it changed. */
static int write_one(sqstore *st, const char *sql, const char *id, const char *name,
		     const unsigned char *sha, int64_t n, int64_t now_ms, int *changes)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->w, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
		if (name)
			sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
		if (sha)
			sqlite3_bind_blob(s, 3, sha, 32, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, n);
		sqlite3_bind_int64(s, 5, now_ms);
		rc = sqlite3_step(s);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		*changes += sqlite3_changes(st->w);
	}
	sqlite3_finalize(s);
	return rc;
}

/* Every change of the sites counts up meta's sites_version, in the same
 * transaction, so a reader can tell a change of the sites from the many
 * other commits (batches, heartbeats) cheaply (cstore_sites_version). */
static int sites_bump(sqstore *st)
{
	return sqlite3_exec(st->w,
			    "INSERT INTO meta VALUES('sites_version', '1') ON CONFLICT(key)"
			    " DO UPDATE SET value = CAST(value AS INTEGER) + 1",
			    NULL, NULL, NULL);
}

/* Registers id (a row may exist from events of an earlier configuration). */
static int site_register(sqstore *st, const char *id, const char *name, const unsigned char *sha,
			 int64_t now_ms, int *changes)
{
	int n = 0;
	int rc = write_one(st, "INSERT OR IGNORE INTO sites(name) VALUES(?1)", id, NULL, NULL, 0,
			   now_ms, &n);
	if (rc == SQLITE_OK)
		rc = write_one(st,
			       "UPDATE sites SET title = ?2, token_sha256 = ?3, enabled = 1,"
			       " created_ms = ?5, updated_ms = ?5,"
			       " reg = (SELECT coalesce(max(reg), 0) + 1 FROM sites)"
			       " WHERE name = ?1 AND reg IS NULL AND ?4 = 0",
			       id, name, sha, 0, now_ms, changes);
	return rc;
}

static int sq_site_add(cstore *base_, const char *id, const char *name, const unsigned char sha[32],
		       int64_t now_ms)
{
	sqstore *st = (sqstore *)base_;
	pthread_mutex_lock(&st->wlock);
	int changes = 0;
	int rc = sq_step_done(st->begin);
	if (rc == SQLITE_OK)
		rc = site_register(st, id, name, sha, now_ms, &changes);
	if (rc == SQLITE_OK && changes == 0)
		rc = SQLITE_CONSTRAINT; /* registered already */
	if (rc == SQLITE_OK)
		rc = sites_bump(st);
	if (rc == SQLITE_OK)
		rc = sq_step_done(st->commit);
	if (rc != SQLITE_OK)
		sq_step_done(st->rollback);
	pthread_mutex_unlock(&st->wlock);
	return sq_map_rc(rc);
}

static int site_update(sqstore *st, const char *sql, const char *id, const unsigned char *sha,
		       int64_t n, int64_t now_ms)
{
	pthread_mutex_lock(&st->wlock);
	int changes = 0;
	int rc = sq_step_done(st->begin);
	if (rc == SQLITE_OK)
		rc = write_one(st, sql, id, NULL, sha, n, now_ms, &changes);
	if (rc == SQLITE_OK && changes)
		rc = sites_bump(st);
	if (rc == SQLITE_OK)
		rc = sq_step_done(st->commit);
	if (rc != SQLITE_OK)
		sq_step_done(st->rollback);
	pthread_mutex_unlock(&st->wlock);
	if (rc == SQLITE_OK && changes == 0)
		return CSTORE_NOT_FOUND;
	return sq_map_rc(rc);
}

static int sq_site_token(cstore *base_, const char *id, const unsigned char sha[32], int64_t now_ms)
{
	sqstore *st = (sqstore *)base_;
	return site_update(st,
			   "UPDATE sites SET token_sha256 = ?3, updated_ms = ?5"
			   " WHERE name = ?1 AND reg IS NOT NULL AND ?4 = 0",
			   id, sha, 0, now_ms);
}

static int sq_site_enable(cstore *base_, const char *id, int enabled, int64_t now_ms)
{
	sqstore *st = (sqstore *)base_;
	return site_update(st,
			   "UPDATE sites SET enabled = ?4, updated_ms = ?5"
			   " WHERE name = ?1 AND reg IS NOT NULL",
			   id, NULL, enabled ? 1 : 0, now_ms);
}

static int sq_sites_import(cstore *base_, const cstore_site_new *v, size_t n, int64_t now_ms,
			   int *done, size_t *imported)
{
	sqstore *st = (sqstore *)base_;
	*done = 0;
	*imported = 0;
	pthread_mutex_lock(&st->wlock);
	sqlite3_stmt *s = NULL;
	int rc = sq_step_done(st->begin);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->w, "SELECT 1 FROM meta WHERE key = 'sites_imported'", -1,
					&s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		*done = rc == SQLITE_ROW;
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(s);
	for (size_t i = 0; rc == SQLITE_OK && !*done && i < n; i++) {
		int changes = 0;
		rc = site_register(st, v[i].id, v[i].name, v[i].token_sha256, now_ms, &changes);
		if (rc == SQLITE_CONSTRAINT) /* a token already another site's: not imported */
			rc = SQLITE_OK;
		*imported += (size_t)(changes > 0);
	}
	if (rc == SQLITE_OK && !*done)
		rc = sqlite3_exec(st->w, "INSERT INTO meta VALUES('sites_imported', '1')", NULL, NULL,
				  NULL);
	if (rc == SQLITE_OK && !*done)
		rc = sites_bump(st);
	if (rc == SQLITE_OK)
		rc = sq_step_done(st->commit);
	if (rc != SQLITE_OK) {
		log_error("importing the sites: %s", sqlite3_errmsg(st->w));
		sq_step_done(st->rollback);
	}
	pthread_mutex_unlock(&st->wlock);
	return sq_map_rc(rc);
}

static int sq_health_put(cstore *base_, const char *site, int64_t received_ms, int64_t offset_ms,
			 const char *body, size_t len)
{
	sqstore *st = (sqstore *)base_;
	pthread_mutex_lock(&st->wlock);
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->w,
				    "INSERT OR REPLACE INTO site_health(site, received_ms, offset_ms,"
				    " body) SELECT id, ?2, ?3, ?4 FROM sites WHERE name = ?1",
				    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, site, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, received_ms);
		sqlite3_bind_int64(s, 3, offset_ms);
		sqlite3_bind_text(s, 4, body, (int)len, SQLITE_STATIC);
		rc = sqlite3_step(s);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->wlock);
	return sq_map_rc(rc);
}

static int sq_health_each(cstore *base_, cstore_health_cb cb, void *ctx)
{
	sqstore *st = (sqstore *)base_;
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	    db,
	    "SELECT s.name, h.received_ms, h.offset_ms, h.body, s.last_sync_ms,"
	    " (SELECT count(*) FROM events e WHERE e.site = s.id AND e.unread IS NOT NULL),"
	    " s.acked_through, s.events"
	    " FROM sites s LEFT JOIN site_health h ON h.site = s.id"
	    " WHERE s.reg IS NOT NULL ORDER BY s.reg",
	    -1, &s, NULL);
	if (rc == SQLITE_OK)
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			cstore_health h = {sq_col_text(s, 0),
					   sqlite3_column_int64(s, 1),
					   sqlite3_column_int64(s, 2),
					   sq_col_text(s, 3),
					   (size_t)sqlite3_column_bytes(s, 3),
					   sqlite3_column_int64(s, 4),
					   sqlite3_column_int64(s, 5),
					   sqlite3_column_int64(s, 6),
					   sqlite3_column_int64(s, 7)};
			if (cb(ctx, &h)) {
				rc = SQLITE_DONE;
				break;
			}
		}
	if (rc != SQLITE_DONE)
		log_error("reading the sites' health: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return sq_map_rc(rc);
}

static const cstore_ops sq_ops = {
    .close = sq_close,
    .ingest = sq_ingest,
    .site_get = sq_site_get,
    .events = sq_events,
    .tickets = sq_tickets,
    .tickets_page = sq_tickets_page,
    .desk_spans = sq_desk_spans,
    .period_aggs = sq_period_aggs,
    .period_counts = sq_period_counts,
    .day_totals = sq_day_totals,
    .day_cats = sq_day_cats,
    .month_totals = sq_month_totals,
    .site_names = sq_site_names,
    .rebuild_tickets = sq_rebuild_tickets,
    .profile_put = sq_profile_put,
    .profiles = sq_profiles,
    .labels = sq_labels,
    .ping = sq_ping,
    .backup = sq_backup,
    .sites = sq_sites,
    .site_add = sq_site_add,
    .site_token = sq_site_token,
    .site_enable = sq_site_enable,
    .sites_import = sq_sites_import,
    .version = sq_version,
    .sites_version = sq_sites_version,
    .health_put = sq_health_put,
    .health_each = sq_health_each,
    .account_add = sq_people_account_add,
    .account_get = sq_people_account_get,
    .accounts = sq_people_accounts,
    .account_password = sq_people_account_password,
    .account_enable = sq_people_account_enable,
    .session_add = sq_people_session_add,
    .session_get = sq_people_session_get,
    .session_touch = sq_people_session_touch,
    .session_end = sq_people_session_end,
    .token_add = sq_people_token_add,
    .tokens_revoke = sq_people_tokens_revoke,
    .token_get = sq_people_token_get,
    .audit_add = sq_people_audit_add,
    .audit = sq_people_audit,
    .conf_put = sq_conf_put,
    .conf_get = sq_conf_get,
    .conf_versions = sq_conf_versions,
    .template_put = sq_conf_template_put,
    .template_get = sq_conf_template_get,
    .templates = sq_conf_templates,
    .enrol_code_put = sq_conf_enrol_code_put,
    .enrol_use = sq_conf_enrol_use,
};
