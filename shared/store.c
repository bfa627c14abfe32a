/*
 * store — the site database: the connection, the schema, transactions.
 * The only module that writes SQL for a site database; its files are listed
 * in store_int.h, and every SQL text is in the query table below.
 *
 * Schema (PRAGMA user_version = 4, application_id = 0x4c4f4b54 "LOKT"):
 *
 *   meta(key PRIMARY KEY, value)
 *       site_id          the site this database belongs to (never changes)
 *       acked_through    the central office holds every seq <= this
 *       last_attempt_ms, last_success_ms, last_error   sync status
 *       failing_since_ms, last_fault   since when, and why, delivery fails
 *       heartbeat_ms, heartbeat_every_ms   syncd's sign of life
 *   tickets(id INTEGER PRIMARY KEY, uuid, day, code, category, lang,
 *           state, desk, issued_ms, called_ms, finished_ms, recalls,
 *           last_seq, clock_ok)
 *       id is the order of issue: "waiting longest" means lowest id, never
 *       a wall-clock comparison (a kiosk may boot with a wrong date).
 *       day is the opening day the ticket belongs to (config_day_of);
 *       state 0 waiting, 1 at a desk, 2 served, 3 no-show, 4 cancelled,
 *       5 expired. clock_ok is 1 for a ticket taken with the clock set,
 *       0 for one taken while it was unset (before STORE_CLOCK_FLOOR_MS):
 *       its day is a guess until the first action with a good clock moves
 *       it to the real day instead of expiring it (store_day.c), which
 *       makes it 2: its day is known, its issued_ms (the unset clock's
 *       reading) is still not a time anyone waited from.
 *   counters(day, prefix, last)  the daily number per code prefix. A day's
 *       counter only grows and is never purged, so a code is never given
 *       twice on a day, also after a restart or when the clock jumps back
 *       into a day already used, however long ago.
 *   outbox(seq INTEGER PRIMARY KEY, uuid, at_ms, body)
 *       body is the event's JSON as committed: what syncd sends, byte for byte.
 *       The newest seq is max(seq); store_purge always keeps the newest row.
 *   calls(id INTEGER PRIMARY KEY, code, category, desk, at_ms, recalled, day,
 *         ticket)
 *       the last calls for the "now serving" display, trimmed to 64 rows;
 *       the display shows those of the current opening day. id is the
 *       order of commit (the newest row is never trimmed, so an id is
 *       never given twice): the display announces each call after the
 *       last id it announced. ticket is the row id of the called ticket
 *       (NULL in rows from schema 2): the display shows a ticket once, at
 *       its newest call, and not once it was transferred, cancelled or
 *       expired.
 *   desks(desk INTEGER PRIMARY KEY, opened_ms, day, clock_ok, cats)
 *       the desks working now (a row from desk.opened to desk.closed);
 *       cats is a JSON array of the kinds of help it takes, NULL for all.
 *   views(name PRIMARY KEY, alive_ms, every_ms, pid)
 *       each kiosk view's sign of life ("counter:2", "display"), written
 *       every every_ms while it runs, every_ms 0 when it stopped cleanly:
 *       syncd reports them to the central office ("kiosk not running").
 *
 *   Each index is a page written per commit (a 4 KiB WAL frame), and the
 *   goal is that a ticket costs little more than a bare commit. So: no
 *   UNIQUE index on the UUIDs (74 random bits; a collision is not a real
 *   risk), no index on codes: counters make them unique on a day by
 *   construction, and a code is also checked against the open tickets
 *   (few, found through the state index) before it is given, so no two
 *   open tickets ever share a code whatever the clock did. No sequence
 *   counter row (max(seq) is free).
 *
 * Transaction rules:
 *   - Every write is BEGIN IMMEDIATE ... COMMIT: the write lock is taken
 *     before anything is read, so the read-decide-write of "call next" or
 *     "take a number" cannot interleave with another process's. Waiting for
 *     the lock is bounded by the busy timeout (STORE_BUSY after it).
 *   - An action begins with store_begin_action: the lock, then the seq of
 *     its first event read once (max(seq) + 1), then the day cycle (which,
 *     when it closed anything, is committed as a transaction of its own).
 *     Each event the action appends takes the next seq from there: one
 *     read, no gaps.
 *   - A ticket action = update the ticket + append one outbox event, in
 *     that one transaction (after the day cycle's events, if any, and a
 *     desk.opened when a call opens a desk).
 *   - journal_mode=WAL, synchronous=FULL: COMMIT returns after fsync, so a
 *     ticket shown is a ticket kept through a power cut.
 *   - On any failure the transaction is rolled back: nothing half-written.
 *   - Nothing with seq > acked_through is ever deleted (store_purge).
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "store_int.h"
#include "uuid.h"

#define STORE_APP_ID	     0x4c4f4b54
#define STORE_SCHEMA_VERSION 4
#define STORE_BUSY_MS	     5000

#define TICKET_COLS                                                                                \
	"id, uuid, code, category, lang, state, desk, issued_ms, called_ms, finished_ms, "         \
	"recalls, day, clock_ok"

static const char *const queries[Q_COUNT] = {
    [Q_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [Q_LAST_SEQ] = "SELECT coalesce(max(seq), 0) FROM outbox",
    [Q_META_SET] = "INSERT INTO meta(key, value) VALUES (?1, ?2) "
		   "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [Q_COUNTER] = "INSERT INTO counters(day, prefix, last) VALUES (?1, ?2, 1) "
		  "ON CONFLICT(day, prefix) DO UPDATE SET last = last + 1 RETURNING last",
    [Q_COUNTER_RAISE] = "INSERT INTO counters(day, prefix, last) VALUES (?1, ?2, ?3) "
			"ON CONFLICT(day, prefix) DO UPDATE SET last = max(last, excluded.last)",
    [Q_LAST_COUNTER_DAY] = "SELECT max(day) FROM counters WHERE day >= ?1",
    [Q_CODE_OPEN] = "SELECT 1 FROM tickets WHERE state IN (0, 1) AND code = ?1 LIMIT 1",
    [Q_TICKET_INSERT] = "INSERT INTO tickets(uuid, day, code, category, lang, state, desk, "
			"issued_ms, last_seq, clock_ok) VALUES (?1, ?2, ?3, ?4, ?5, 0, NULL, ?6, "
			"?7, ?8)",
    [Q_TICKET_BY_ID] = "SELECT " TICKET_COLS " FROM tickets WHERE id = ?1",
    [Q_TICKET_BY_CODE] = "SELECT " TICKET_COLS " FROM tickets WHERE code = ?1 "
			 "ORDER BY id DESC LIMIT 1",
    [Q_TICKETS_OPEN_BY_CODE] = "SELECT " TICKET_COLS " FROM tickets WHERE state IN (0, 1) "
			       "AND code = ?1 ORDER BY id",
    [Q_TICKET_AT_DESK] = "SELECT " TICKET_COLS " FROM tickets "
			 "WHERE state = 1 AND desk = ?1 ORDER BY id DESC LIMIT 1",
    [Q_TICKET_UPDATE] = "UPDATE tickets SET category = ?2, state = ?3, desk = ?4, called_ms = ?5, "
			"finished_ms = ?6, recalls = ?7, last_seq = ?8 WHERE id = ?1",
    [Q_TICKET_EXPIRE] = "UPDATE tickets SET state = 5, finished_ms = ?2, last_seq = ?3 "
			"WHERE id = ?1",
    [Q_TICKET_ADOPT] = "UPDATE tickets SET day = ?2, clock_ok = 2 WHERE id = ?1",
    /* Calls made on an unset clock go to the real day with their tickets
     * (and only those: yesterday's calls stay yesterday's). */
    [Q_CALLS_ADOPT] = "UPDATE calls SET day = ?1 WHERE at_ms < ?2",
    [Q_NEXT_WAITING] = "SELECT id FROM tickets WHERE state = 0 AND (?1 IS NULL OR category IN "
		       "(SELECT value FROM json_each(?1))) ORDER BY id LIMIT 1",
    [Q_OPEN_TICKETS] = "SELECT " TICKET_COLS " FROM tickets WHERE state IN (0, 1) "
		       "ORDER BY id",
    /* In the index's order; store_estimate.c sorts by id. */
    [Q_WAITING] = "SELECT id, category FROM tickets WHERE state = 0",
    [Q_AT_DESKS] = "SELECT desk, category, called_ms FROM tickets WHERE state = 1",
    [Q_OUTBOX_INSERT] = "INSERT INTO outbox(seq, uuid, at_ms, body) VALUES (?1, ?2, ?3, ?4)",
    [Q_CALL_INSERT] = "INSERT INTO calls(code, category, desk, at_ms, recalled, day, ticket) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_CALL_TRIM] = "DELETE FROM calls WHERE id <= (SELECT max(id) FROM calls) - ?1",
    /* Each ticket once, at its newest call (a code is one ticket on a
     * day); none that waits again (transferred), was cancelled or expired. */
    [Q_RECENT_CALLS] = "SELECT c.id, c.code, c.category, c.desk, c.at_ms, c.recalled, t.lang "
		       "FROM calls c "
		       "LEFT JOIN tickets t ON t.id = c.ticket WHERE c.day = ?2 AND c.id = "
		       "(SELECT max(id) FROM calls WHERE day = c.day AND code = c.code) AND "
		       "(t.state IS NULL OR t.state NOT IN (0, 4, 5)) ORDER BY c.id DESC LIMIT ?1",
    [Q_CALLS_AFTER] = "SELECT c.id, c.code, c.category, c.desk, c.at_ms, c.recalled, t.lang "
		      "FROM calls c LEFT JOIN tickets t ON t.id = c.ticket "
		      "WHERE c.id > ?1 AND c.day = ?2 ORDER BY c.id LIMIT ?3",
    [Q_LAST_CALL_ID] = "SELECT coalesce(max(id), 0) FROM calls",
/* How long a desk spends on a ticket it called (served or no-show),
 * among the last 1000 tickets (a bounded scan, no index to keep up):
 * from its call to the desk's next call, when that came within five
 * minutes of the finish (the student's pause between residents is
 * desk time too), else to its finish (nobody was waiting, a break). */
#define DESK_TIMES                                                                                 \
	"WITH c AS (SELECT id, category, state, called_ms, finished_ms, lead(called_ms) "          \
	"OVER (PARTITION BY desk ORDER BY called_ms) AS nxt FROM tickets WHERE id > "              \
	"(SELECT max(id) - 1000 FROM tickets) AND desk IS NOT NULL AND called_ms IS NOT "          \
	"NULL) SELECT CASE WHEN nxt >= finished_ms AND nxt <= finished_ms + 300000 THEN nxt "      \
	"- called_ms ELSE finished_ms - called_ms END FROM c WHERE state IN (2, 3) AND "           \
	"finished_ms >= called_ms AND finished_ms - called_ms <= 14400000 AND called_ms >= "       \
	"1767225600000 "
    [Q_SERVICE_TIMES] = DESK_TIMES "AND category = ?1 ORDER BY id DESC LIMIT 25",
    [Q_SERVICE_TIMES_ALL] = DESK_TIMES "ORDER BY id DESC LIMIT 50",
    [Q_DESKS] = "SELECT desk, opened_ms, day, clock_ok, cats FROM desks ORDER BY desk",
    [Q_DESK_GET] = "SELECT cats FROM desks WHERE desk = ?1",
    [Q_DESK_OPEN] = "INSERT INTO desks(desk, opened_ms, day, clock_ok, cats) "
		    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(desk) DO UPDATE SET cats = CASE WHEN "
		    "?6 THEN cats ELSE excluded.cats END, "
		    "clock_ok = min(clock_ok, excluded.clock_ok)",
    [Q_DESK_CLOSE] = "DELETE FROM desks WHERE desk = ?1",
    [Q_DESK_ADOPT] = "UPDATE desks SET day = ?2, clock_ok = 1 WHERE desk = ?1",
    [Q_DESK_REOPEN] = "UPDATE desks SET opened_ms = ?2 WHERE desk = ?1",
    [Q_STATUS_COUNTS] = "SELECT category, sum(state = 0), sum(state = 1), "
			"sum(state = 2 AND day = ?1) FROM tickets "
			"WHERE state IN (0, 1) OR day = ?1 GROUP BY category",
    [Q_EVENTS_AFTER] = "SELECT seq, body FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    [Q_OLDEST_SEQ] = "SELECT min(seq) FROM outbox",
    [Q_PURGE_OUTBOX] = "DELETE FROM outbox WHERE seq <= ?1 AND at_ms < ?2 AND "
		       "seq < (SELECT max(seq) FROM outbox)",
    /* A finished ticket goes once its last event is acknowledged and old. */
    [Q_PURGE_TICKETS] = "DELETE FROM tickets WHERE state >= 2 AND last_seq <= ?1 "
			"AND issued_ms < ?2",
    [Q_DATA_VERSION] = "PRAGMA data_version",
    [Q_VIEW_ALIVE] = "INSERT INTO views(name, alive_ms, every_ms, pid) VALUES (?1, ?2, ?3, ?4) "
		     "ON CONFLICT(name) DO UPDATE SET alive_ms = ?2, every_ms = ?3, pid = ?4",
    [Q_VIEWS] = "SELECT name, alive_ms, every_ms, pid FROM views ORDER BY name",
    [Q_OUTBOX_AT] = "SELECT at_ms FROM outbox WHERE seq = ?1",
};

static const char schema_v4[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
    "CREATE TABLE tickets("
    "  id INTEGER PRIMARY KEY,"
    "  uuid TEXT NOT NULL,"
    "  day TEXT NOT NULL,"
    "  code TEXT NOT NULL,"
    "  category TEXT NOT NULL,"
    "  lang TEXT NOT NULL,"
    "  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 5),"
    "  desk INTEGER,"
    "  issued_ms INTEGER NOT NULL,"
    "  called_ms INTEGER,"
    "  finished_ms INTEGER,"
    "  recalls INTEGER NOT NULL DEFAULT 0,"
    "  last_seq INTEGER NOT NULL,"
    "  clock_ok INTEGER NOT NULL DEFAULT 1);"
    "CREATE INDEX tickets_waiting ON tickets(state, category, id);"
    "CREATE TABLE counters(day TEXT NOT NULL, prefix TEXT NOT NULL, last INTEGER NOT NULL,"
    "  PRIMARY KEY(day, prefix)) WITHOUT ROWID;"
    "CREATE TABLE outbox(seq INTEGER PRIMARY KEY, uuid TEXT NOT NULL,"
    "  at_ms INTEGER NOT NULL, body TEXT NOT NULL);"
    "CREATE TABLE calls(id INTEGER PRIMARY KEY, code TEXT NOT NULL, category TEXT NOT NULL,"
    "  desk INTEGER NOT NULL, at_ms INTEGER NOT NULL, recalled INTEGER NOT NULL,"
    "  day TEXT NOT NULL DEFAULT '', ticket INTEGER);"
    "CREATE TABLE desks(desk INTEGER PRIMARY KEY, opened_ms INTEGER NOT NULL,"
    "  day TEXT NOT NULL, clock_ok INTEGER NOT NULL, cats TEXT);"
    "CREATE TABLE views(name TEXT PRIMARY KEY, alive_ms INTEGER NOT NULL,"
    "  every_ms INTEGER NOT NULL, pid INTEGER NOT NULL) WITHOUT ROWID;";

/* Version 1 had no expired state (a CHECK constraint SQLite cannot alter:
 * the table is copied), no clock_ok, no day on calls and no desks. */
static const char migrate_v1_v2[] =
    "CREATE TABLE tickets2("
    "  id INTEGER PRIMARY KEY, uuid TEXT NOT NULL, day TEXT NOT NULL, code TEXT NOT NULL,"
    "  category TEXT NOT NULL, lang TEXT NOT NULL,"
    "  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 5), desk INTEGER,"
    "  issued_ms INTEGER NOT NULL, called_ms INTEGER, finished_ms INTEGER,"
    "  recalls INTEGER NOT NULL DEFAULT 0, last_seq INTEGER NOT NULL,"
    "  clock_ok INTEGER NOT NULL DEFAULT 1);"
    "INSERT INTO tickets2 SELECT id, uuid, day, code, category, lang, state, desk, issued_ms,"
    "  called_ms, finished_ms, recalls, last_seq, 1 FROM tickets;"
    "DROP TABLE tickets;"
    "ALTER TABLE tickets2 RENAME TO tickets;"
    "CREATE INDEX tickets_waiting ON tickets(state, category, id);"
    "ALTER TABLE calls ADD COLUMN day TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE desks(desk INTEGER PRIMARY KEY, opened_ms INTEGER NOT NULL,"
    "  day TEXT NOT NULL, clock_ok INTEGER NOT NULL, cats TEXT);";

/* Version 2 did not know which ticket a call was of. */
static const char migrate_v2_v3[] = "ALTER TABLE calls ADD COLUMN ticket INTEGER;";

/* Version 3 had no signs of life of the kiosk views. */
static const char migrate_v3_v4[] =
    "CREATE TABLE views(name TEXT PRIMARY KEY, alive_ms INTEGER NOT NULL,"
    "  every_ms INTEGER NOT NULL, pid INTEGER NOT NULL) WITHOUT ROWID;";

static const char *const ticket_state_names[TICKET_STATE_COUNT] = {
    [TICKET_WAITING] = "waiting", [TICKET_CALLED] = "called",	    [TICKET_SERVED] = "served",
    [TICKET_NO_SHOW] = "no_show", [TICKET_CANCELLED] = "cancelled", [TICKET_EXPIRED] = "expired",
};

const char *store_ticket_state_name(ticket_state s)
{
	return (unsigned)s < TICKET_STATE_COUNT ? ticket_state_names[s] : "?";
}

const char *store_status_str(store_status s)
{
	switch (s) {
	case STORE_OK: return "ok";
	case STORE_EMPTY: return "nobody is waiting";
	case STORE_NOTFOUND: return "no such ticket";
	case STORE_CONFLICT: return "the ticket is not in a state that allows this";
	case STORE_INVALID: return "invalid argument";
	case STORE_BUSY: return "the database is busy";
	case STORE_IO: return "the database cannot be written";
	case STORE_CORRUPT: return "the database is damaged or not a loket database";
	case STORE_AMBIGUOUS: return "the code names several open tickets";
	}
	return "unknown status";
}

static store_status map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW: return STORE_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return STORE_BUSY;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_FORMAT: return STORE_CORRUPT;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE: return STORE_INVALID;
	default: return STORE_IO; /* FULL, IOERR, READONLY, CANTOPEN, PERM, NOMEM, ... */
	}
}

/* Records the database's own error for rc and returns the matching status. */
store_status store_db_fail(store *st, int rc, const char *what)
{
	const char *why = st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
	int sys = st->db ? sqlite3_system_errno(st->db) : 0;
	if ((rc & 0xff) == SQLITE_FULL || sys == ENOSPC || sys == EDQUOT) {
		why = "the disk is full";
		rc = SQLITE_FULL;
	} else if (sys == EROFS) {
		why = "the disk is read-only";
		rc = SQLITE_READONLY;
	}
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		why = "another loket program kept the database locked for 5 s; try again";
	if ((rc & 0xff) == SQLITE_FULL)
		why = "the disk is full";
	else if ((rc & 0xff) == SQLITE_READONLY)
		why = "the database is read-only";
	snprintf(st->err, sizeof st->err, "%s: %s", what, why);
	return map_rc(rc);
}

store_status store_fail(store *st, store_status s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->err, sizeof st->err, fmt, ap);
	va_end(ap);
	return s;
}

const char *store_errmsg(const store *st)
{
	return st->err;
}

sqlite3_stmt *store_q(store *st, int which)
{
	sqlite3_stmt *s = st->q[which];
	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		return s;
	}
	if (sqlite3_prepare_v3(st->db, queries[which], -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) !=
	    SQLITE_OK) {
		store_db_fail(st, sqlite3_errcode(st->db), "prepare");
		return NULL;
	}
	st->q[which] = s;
	return s;
}

/* Runs a statement that returns no rows (or ignores them). */
int store_step_done(sqlite3_stmt *s)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int exec(store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL);
}

/* Runs one of the prepared transaction statements (prepared on first use). */
static int tx(store *st, sqlite3_stmt **slot, const char *sql)
{
	if (!*slot) {
		int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
		if (rc != SQLITE_OK)
			return rc;
	}
	int rc = sqlite3_step(*slot);
	sqlite3_reset(*slot);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

store_status store_begin(store *st)
{
	int rc = tx(st, &st->tx_begin, "BEGIN IMMEDIATE");
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, "begin");
	return STORE_OK;
}

store_status store_begin_read(store *st)
{
	int rc = tx(st, &st->tx_read, "BEGIN");
	return rc == SQLITE_OK ? STORE_OK : store_db_fail(st, rc, "begin");
}

void store_end_read(store *st)
{
	store_rollback(st);
}

void store_rollback(store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		tx(st, &st->tx_rollback, "ROLLBACK");
}

store_status store_commit(store *st)
{
	int rc = tx(st, &st->tx_commit, "COMMIT");
	if (rc != SQLITE_OK) {
		store_status s = store_db_fail(st, rc, "commit");
		store_rollback(st);
		return s;
	}
	st->own_commits++;
	return STORE_OK;
}

int store_meta_get_int(store *st, const char *key, int64_t *out)
{
	sqlite3_stmt *s = store_q(st, Q_META_GET);
	if (!s)
		return SQLITE_ERROR;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The newest seq handed out: the outbox's last row, which store_purge
 * never deletes, so it survives purges without a counter to write. */
int store_last_seq(store *st, int64_t *out)
{
	sqlite3_stmt *s = store_q(st, Q_LAST_SEQ);
	if (!s)
		return SQLITE_ERROR;
	int rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

int store_meta_get_text(store *st, const char *key, char *buf, size_t cap)
{
	sqlite3_stmt *s = store_q(st, Q_META_GET);
	if (!s)
		return SQLITE_ERROR;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	buf[0] = '\0';
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_TEXT)
		snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int store_meta_set_int(store *st, const char *key, int64_t v)
{
	sqlite3_stmt *s = store_q(st, Q_META_SET);
	if (!s)
		return SQLITE_ERROR;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, v);
	return store_step_done(s);
}

int store_meta_set_text(store *st, const char *key, const char *v)
{
	sqlite3_stmt *s = store_q(st, Q_META_SET);
	if (!s)
		return SQLITE_ERROR;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, v, -1, SQLITE_TRANSIENT);
	return store_step_done(s);
}

/* Encodes e, writes it with seq st->next_seq and moves next_seq on. */
static store_status append(store *st, event *e, int64_t now)
{
	e->seq = st->next_seq;
	if (uuid_v7(e->uuid) != 0)
		return store_fail(st, STORE_IO, "no random numbers from the kernel: %s",
				  strerror(errno));
	snprintf(e->type, sizeof e->type, "%s", event_type_name(e->kind));
	clock_format_iso(now, e->at, sizeof e->at);
	json_t *j = event_encode(e);
	char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!body)
		return store_fail(st, STORE_IO, "out of memory encoding an event");
	sqlite3_stmt *s = store_q(st, Q_OUTBOX_INSERT);
	if (!s) {
		free(body);
		return STORE_IO;
	}
	sqlite3_bind_int64(s, 1, e->seq);
	sqlite3_bind_text(s, 2, e->uuid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_text(s, 4, body, -1, free);
	int rc = store_step_done(s);
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, "writing the event");
	st->next_seq++;
	return STORE_OK;
}

store_status store_append_ticket_event(store *st, const store_ticket *t, event_type kind,
				       const char *from, const store_outcome *o, int64_t now)
{
	event e = {0};
	if (o && kind == EV_TICKET_SERVED) {
		snprintf(e.outcome, sizeof e.outcome, "%s", o->outcome);
		snprintf(e.referred_to, sizeof e.referred_to, "%s", o->referred_to);
		e.has_topics = o->has_topics;
		e.ntopics = o->ntopics;
		memcpy(e.topics, o->topics, sizeof e.topics);
		e.first_visit = o->first_visit;
	}
	e.kind = kind;
	memcpy(e.ticket, t->uuid, sizeof e.ticket);
	snprintf(e.code, sizeof e.code, "%s", t->code);
	snprintf(e.category, sizeof e.category, "%s", t->category);
	snprintf(e.from, sizeof e.from, "%s", from ? from : "");
	snprintf(e.lang, sizeof e.lang, "%s", t->lang);
	snprintf(e.day, sizeof e.day, "%s", t->day);
	e.desk = t->desk;
	return append(st, &e, now);
}

store_status store_append_desk_event(store *st, int desk, event_type kind, const char *const *cats,
				     int ncats, int64_t now)
{
	event e = {0};
	e.kind = kind;
	e.desk = desk;
	for (int i = 0; i < ncats && i < (int)(sizeof e.cats / sizeof e.cats[0]); i++)
		snprintf(e.cats[e.ncats++], sizeof e.cats[0], "%s", cats[i]);
	return append(st, &e, now);
}

void store_read_ticket(sqlite3_stmt *s, store_ticket *t, int64_t *id)
{
	memset(t, 0, sizeof *t);
	*id = sqlite3_column_int64(s, 0);
	snprintf(t->uuid, sizeof t->uuid, "%s", (const char *)sqlite3_column_text(s, 1));
	snprintf(t->code, sizeof t->code, "%s", (const char *)sqlite3_column_text(s, 2));
	snprintf(t->category, sizeof t->category, "%s", (const char *)sqlite3_column_text(s, 3));
	snprintf(t->lang, sizeof t->lang, "%s", (const char *)sqlite3_column_text(s, 4));
	int state = sqlite3_column_int(s, 5);
	/* The CHECK constraint keeps it in range; a damaged file is not a bug
	 * of ours, so no assert: it reads as expired (closed). */
	t->state = state >= 0 && state < TICKET_STATE_COUNT ? (ticket_state)state : TICKET_EXPIRED;
	t->desk = sqlite3_column_int(s, 6);
	t->issued_ms = sqlite3_column_int64(s, 7);
	t->called_ms = sqlite3_column_int64(s, 8);
	t->finished_ms = sqlite3_column_int64(s, 9);
	t->recalls = sqlite3_column_int(s, 10);
	snprintf(t->day, sizeof t->day, "%s", (const char *)sqlite3_column_text(s, 11));
	t->issued_known = sqlite3_column_int(s, 12) == 1;
}
/* --- opening --------------------------------------------------------- */

static store_status migrate(store *st)
{
	int64_t ver = 0, app = 0, tables = 0;
	sqlite3_stmt *s = NULL;
	int rc;
	/* Read before writing anything: a file that is not SQLite fails here
	 * (SQLITE_NOTADB) and is left exactly as it was. */
	rc = sqlite3_prepare_v2(st->db,
				"SELECT (SELECT user_version FROM pragma_user_version),"
				" (SELECT application_id FROM pragma_application_id),"
				" (SELECT count(*) FROM sqlite_schema)",
				-1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		ver = sqlite3_column_int64(s, 0);
		app = sqlite3_column_int64(s, 1);
		tables = sqlite3_column_int64(s, 2);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, "reading the database");
	if (app != STORE_APP_ID && (app != 0 || tables != 0))
		return store_fail(st, STORE_CORRUPT,
				  "this SQLite file is not a loket site database");
	if (ver > STORE_SCHEMA_VERSION)
		return store_fail(
		    st, STORE_CORRUPT,
		    "the database has schema version %lld, newer than this program's %d",
		    (long long)ver, STORE_SCHEMA_VERSION);

	rc = exec(st, "PRAGMA journal_mode=WAL");
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, "setting WAL mode");
	if (ver == STORE_SCHEMA_VERSION)
		return STORE_OK;

	store_status ss = store_begin(st);
	if (ss != STORE_OK)
		return ss;
	/* Another process may have migrated while we waited for the lock. */
	int64_t now_ver = 0;
	s = NULL;
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		now_ver = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	char sql[128];
	snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d", STORE_APP_ID,
		 STORE_SCHEMA_VERSION);
	rc = SQLITE_OK;
	if (now_ver == 0) {
		rc = exec(st, schema_v4);
		if (rc == SQLITE_OK)
			rc = store_meta_set_text(st, "site_id", st->cfg->site_id);
		if (rc == SQLITE_OK)
			rc = store_meta_set_int(st, "acked_through", 0);
	} else if (now_ver >= 1 && now_ver <= 3) {
		rc = now_ver == 1 ? exec(st, migrate_v1_v2) : SQLITE_OK;
		if (rc == SQLITE_OK && now_ver <= 2)
			rc = exec(st, migrate_v2_v3);
		if (rc == SQLITE_OK)
			rc = exec(st, migrate_v3_v4);
	}
	if (rc == SQLITE_OK && now_ver < STORE_SCHEMA_VERSION)
		rc = exec(st, sql);
	if (rc != SQLITE_OK) {
		ss =
		    store_db_fail(st, rc, now_ver ? "migrating the schema" : "creating the schema");
		store_rollback(st);
		return ss;
	}
	return store_commit(st);
}

store_status store_open(const char *path, const config *cfg, store **out, char *err, size_t errlen)
{
	*out = NULL;
	store *st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, errlen, "%s: out of memory", path);
		return STORE_IO;
	}
	st->cfg = cfg;
	store_status ss;
	struct stat sb;
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		ss = store_fail(st, STORE_IO, "not a regular file");
		goto out;
	}
	/* A new database is created 0640, in the group of its folder (the
	 * site's group: its other programs may read it, nobody else); SQLite
	 * gives the -wal and -shm files the same mode and owner. The group is
	 * set only where the process may (a member of it, or root). */
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd >= 0) {
		char dir[4096] = ".";
		const char *slash = strrchr(path, '/');
		if (slash == path)
			snprintf(dir, sizeof dir, "/");
		else if (slash)
			snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
		struct stat ds;
		if (stat(dir, &ds) == 0 && ds.st_gid != getegid())
			(void)!fchown(fd, (uid_t)-1, ds.st_gid);
		close(fd);
	}
	int rc = sqlite3_open_v2(
	    path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		ss = store_db_fail(st, rc, "opening");
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	/* Connection settings first (they write nothing), so the schema's
	 * own creation is as durable as every later commit. */
	rc = exec(st, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON");
	if (rc != SQLITE_OK) {
		ss = store_db_fail(st, rc, "setting pragmas");
		goto out;
	}
	ss = migrate(st);
	if (ss != STORE_OK)
		goto out;
	char site[CONFIG_ID_LEN + 1];
	rc = store_meta_get_text(st, "site_id", site, sizeof site);
	if (rc != SQLITE_OK) {
		ss = store_db_fail(st, rc, "reading the site id");
		goto out;
	}
	if (strcmp(site, cfg->site_id)) {
		ss = store_fail(
		    st, STORE_INVALID,
		    "the database belongs to site \"%s\", the configuration is for \"%s\"", site,
		    cfg->site_id);
		goto out;
	}
	*out = st;
	return STORE_OK;
out:
	snprintf(err, errlen, "%s: %s", path, st->err);
	store_close(st);
	return ss;
}

void store_close(store *st)
{
	if (!st)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(st->q[i]);
	sqlite3_finalize(st->tx_begin);
	sqlite3_finalize(st->tx_commit);
	sqlite3_finalize(st->tx_rollback);
	sqlite3_finalize(st->tx_read);
	sqlite3_close_v2(st->db);
	free(st);
}

void store_set_config(store *st, const config *cfg)
{
	st->cfg = cfg;
	st->est.valid = 0;
	st->day_bounds.day[0] = '\0';
}

int64_t store_data_version(store *st)
{
	int64_t v = 0;
	sqlite3_stmt *s = store_q(st, Q_DATA_VERSION);
	if (s && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	if (s)
		sqlite3_reset(s);
	/* data_version moves on other connections' commits, own_commits on ours. */
	return v + st->own_commits;
}
