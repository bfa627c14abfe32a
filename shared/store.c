/*
 * store — the site database. The only module that writes SQL for it.
 *
 * Schema (PRAGMA user_version = 1, application_id = 0x4c4f4b54 "LOKT"):
 *
 *   meta(key PRIMARY KEY, value)
 *       site_id          the site this database belongs to (never changes)
 *       acked_through    the central office holds every seq <= this
 *       last_attempt_ms, last_success_ms, last_error   sync status
 *   tickets(id INTEGER PRIMARY KEY, uuid, day, code, category, lang,
 *           state, desk, issued_ms, called_ms, finished_ms, recalls, last_seq)
 *       id is the order of issue: "waiting longest" means lowest id, never
 *       a wall-clock comparison (a kiosk may boot with a wrong date).
 *   counters(day, prefix, last)  the daily number per code prefix. A day's
 *       counter only grows and is never purged, so a code is never given
 *       twice on a day, also after a restart or when the clock jumps back
 *       into a day already used, however long ago.
 *   outbox(seq INTEGER PRIMARY KEY, uuid, at_ms, body)
 *       body is the event's JSON as committed: what syncd sends, byte for byte.
 *       The newest seq is max(seq); store_purge always keeps the newest row.
 *
 *   Each index is a page written per commit (a 4 KiB WAL frame), and the
 *   goal is that a ticket costs little more than a bare commit. So: no
 *   UNIQUE index on the UUIDs (74 random bits; a collision is not a real
 *   risk), no index on codes: counters makes them unique by construction, in the
 *   same transaction, and a lookup by code walks back from the newest
 *   ticket (a code named at a desk is almost always today's),
 *   no sequence counter row (max(seq) is free).
 *   calls(id INTEGER PRIMARY KEY, code, category, desk, at_ms, recalled)
 *       the last calls for the "now serving" display, trimmed to 64 rows.
 *
 * Transaction rules:
 *   - Every write is BEGIN IMMEDIATE ... COMMIT: the write lock is taken
 *     before anything is read, so the read-decide-write of "call next" or
 *     "take a number" cannot interleave with another process's. Waiting for
 *     the lock is bounded by the busy timeout (STORE_BUSY after it).
 *   - A ticket action = update the ticket + append one outbox event with
 *     seq = max(seq) + 1, in that one transaction.
 *   - journal_mode=WAL, synchronous=FULL: COMMIT returns after fsync, so a
 *     ticket shown is a ticket kept through a power cut.
 *   - On any failure the transaction is rolled back: nothing half-written.
 *   - Nothing with seq > acked_through is ever deleted (store_purge).
 */
#include "store.h"

#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "event.h"
#include "uuid.h"

#define STORE_APP_ID	      0x4c4f4b54
#define STORE_SCHEMA_VERSION  1
#define STORE_BUSY_MS	      5000
#define STORE_CALLS_KEPT      64
#define STORE_ESTIMATE_TTL_MS 30000

enum {
	Q_META_GET,
	Q_LAST_SEQ,
	Q_META_SET,
	Q_COUNTER,
	Q_TICKET_INSERT,
	Q_TICKET_BY_ID,
	Q_TICKET_BY_CODE,
	Q_TICKET_AT_DESK,
	Q_TICKET_UPDATE,
	Q_NEXT_WAITING,
	Q_AHEAD,
	Q_OUTBOX_INSERT,
	Q_CALL_INSERT,
	Q_CALL_TRIM,
	Q_SERVICE_TIMES,
	Q_SERVICE_TIMES_ALL,
	Q_ACTIVE_DESKS,
	Q_COUNT
};

static const char *const queries[Q_COUNT] = {
    [Q_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [Q_LAST_SEQ] = "SELECT coalesce(max(seq), 0) FROM outbox",
    [Q_META_SET] = "INSERT INTO meta(key, value) VALUES (?1, ?2) "
		   "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [Q_COUNTER] = "INSERT INTO counters(day, prefix, last) VALUES (?1, ?2, 1) "
		  "ON CONFLICT(day, prefix) DO UPDATE SET last = last + 1 RETURNING last",
    [Q_TICKET_INSERT] = "INSERT INTO tickets(uuid, day, code, category, lang, state, desk, "
			"issued_ms, last_seq) VALUES (?1, ?2, ?3, ?4, ?5, 0, NULL, ?6, ?7)",
    [Q_TICKET_BY_ID] = "SELECT id, uuid, code, category, lang, state, desk, issued_ms, "
		       "called_ms, finished_ms, recalls FROM tickets WHERE id = ?1",
    [Q_TICKET_BY_CODE] = "SELECT id, uuid, code, category, lang, state, desk, issued_ms, "
			 "called_ms, finished_ms, recalls FROM tickets WHERE code = ?1 "
			 "ORDER BY id DESC LIMIT 1",
    [Q_TICKET_AT_DESK] = "SELECT id, uuid, code, category, lang, state, desk, issued_ms, "
			 "called_ms, finished_ms, recalls FROM tickets "
			 "WHERE state = 1 AND desk = ?1 ORDER BY id DESC LIMIT 1",
    [Q_TICKET_UPDATE] = "UPDATE tickets SET category = ?2, state = ?3, desk = ?4, called_ms = ?5, "
			"finished_ms = ?6, recalls = ?7, last_seq = ?8 WHERE id = ?1",
    [Q_NEXT_WAITING] = "SELECT id FROM tickets WHERE state = 0 AND (?1 IS NULL OR category IN "
		       "(SELECT value FROM json_each(?1))) ORDER BY id LIMIT 1",
    [Q_AHEAD] = "SELECT count(*) FROM tickets WHERE state = 0 AND category = ?1 AND id < ?2",
    [Q_OUTBOX_INSERT] = "INSERT INTO outbox(seq, uuid, at_ms, body) VALUES (?1, ?2, ?3, ?4)",
    [Q_CALL_INSERT] = "INSERT INTO calls(code, category, desk, at_ms, recalled) "
		      "VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_CALL_TRIM] = "DELETE FROM calls WHERE id <= (SELECT max(id) FROM calls) - ?1",
    [Q_SERVICE_TIMES] = "SELECT finished_ms - called_ms FROM tickets INDEXED BY tickets_waiting "
			"WHERE state = 2 AND category = ?1 AND finished_ms >= called_ms "
			"ORDER BY id DESC LIMIT 25",
    /* Only the last 1000 tickets: a bounded scan, no index to keep up. */
    [Q_SERVICE_TIMES_ALL] = "SELECT finished_ms - called_ms FROM tickets WHERE id > "
			    "(SELECT max(id) - 1000 FROM tickets) AND state = 2 AND "
			    "finished_ms >= called_ms ORDER BY id DESC LIMIT 25",
    /* The calls table holds the last 64 calls: cheap, and enough to see
     * which desks are working now. */
    [Q_ACTIVE_DESKS] = "SELECT count(DISTINCT desk) FROM calls WHERE at_ms >= ?1",
};

static const char schema_v1[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
    "CREATE TABLE tickets("
    "  id INTEGER PRIMARY KEY,"
    "  uuid TEXT NOT NULL,"
    "  day TEXT NOT NULL,"
    "  code TEXT NOT NULL,"
    "  category TEXT NOT NULL,"
    "  lang TEXT NOT NULL,"
    "  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 4),"
    "  desk INTEGER,"
    "  issued_ms INTEGER NOT NULL,"
    "  called_ms INTEGER,"
    "  finished_ms INTEGER,"
    "  recalls INTEGER NOT NULL DEFAULT 0,"
    "  last_seq INTEGER NOT NULL);"
    "CREATE INDEX tickets_waiting ON tickets(state, category, id);"
    "CREATE TABLE counters(day TEXT NOT NULL, prefix TEXT NOT NULL, last INTEGER NOT NULL,"
    "  PRIMARY KEY(day, prefix)) WITHOUT ROWID;"
    "CREATE TABLE outbox(seq INTEGER PRIMARY KEY, uuid TEXT NOT NULL,"
    "  at_ms INTEGER NOT NULL, body TEXT NOT NULL);"
    "CREATE TABLE calls(id INTEGER PRIMARY KEY, code TEXT NOT NULL, category TEXT NOT NULL,"
    "  desk INTEGER NOT NULL, at_ms INTEGER NOT NULL, recalled INTEGER NOT NULL);";

struct store {
	sqlite3 *db;
	const config *cfg;
	sqlite3_stmt *q[Q_COUNT];
	int64_t own_commits;
	sqlite3_stmt *tx_begin, *tx_commit, *tx_rollback;
	/* Cached inputs of the wait estimate (see estimate_wait_s). */
	int est_valid, est_desks;
	int64_t est_at_ms;
	int64_t est_service_ms[CONFIG_MAX_CATEGORIES];
	char err[512];
};

static const char *const ticket_state_names[] = {"waiting", "called", "served", "no_show",
						 "cancelled"};

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
static store_status db_fail(store *st, int rc, const char *what)
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
	if ((rc & 0xff) == SQLITE_FULL)
		why = "the disk is full";
	else if ((rc & 0xff) == SQLITE_READONLY)
		why = "the database is read-only";
	snprintf(st->err, sizeof st->err, "%s: %s", what, why);
	return map_rc(rc);
}

static store_status fail(store *st, store_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static store_status fail(store *st, store_status s, const char *fmt, ...)
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

static sqlite3_stmt *q(store *st, int which)
{
	sqlite3_stmt *s = st->q[which];
	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		return s;
	}
	if (sqlite3_prepare_v3(st->db, queries[which], -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) !=
	    SQLITE_OK) {
		db_fail(st, sqlite3_errcode(st->db), "prepare");
		return NULL;
	}
	st->q[which] = s;
	return s;
}

/* Runs a statement that returns no rows (or ignores them). */
static int step_done(sqlite3_stmt *s)
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

static store_status begin(store *st)
{
	int rc = tx(st, &st->tx_begin, "BEGIN IMMEDIATE");
	if (rc != SQLITE_OK)
		return db_fail(st, rc, "begin");
	return STORE_OK;
}

static void rollback(store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		tx(st, &st->tx_rollback, "ROLLBACK");
}

static store_status commit(store *st)
{
	int rc = tx(st, &st->tx_commit, "COMMIT");
	if (rc != SQLITE_OK) {
		store_status s = db_fail(st, rc, "commit");
		rollback(st);
		return s;
	}
	st->own_commits++;
	return STORE_OK;
}

static int meta_get_int(store *st, const char *key, int64_t *out)
{
	sqlite3_stmt *s = q(st, Q_META_GET);
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
static int last_seq(store *st, int64_t *out)
{
	sqlite3_stmt *s = q(st, Q_LAST_SEQ);
	if (!s)
		return SQLITE_ERROR;
	int rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int meta_get_text(store *st, const char *key, char *buf, size_t cap)
{
	sqlite3_stmt *s = q(st, Q_META_GET);
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

static int meta_set_int(store *st, const char *key, int64_t v)
{
	sqlite3_stmt *s = q(st, Q_META_SET);
	if (!s)
		return SQLITE_ERROR;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, v);
	return step_done(s);
}

static int meta_set_text(store *st, const char *key, const char *v)
{
	sqlite3_stmt *s = q(st, Q_META_SET);
	if (!s)
		return SQLITE_ERROR;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, v, -1, SQLITE_TRANSIENT);
	return step_done(s);
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
		return db_fail(st, rc, "reading the database");
	if (app != STORE_APP_ID && (app != 0 || tables != 0))
		return fail(st, STORE_CORRUPT, "this SQLite file is not a loket site database");
	if (ver > STORE_SCHEMA_VERSION)
		return fail(st, STORE_CORRUPT,
			    "the database has schema version %lld, newer than this program's %d",
			    (long long)ver, STORE_SCHEMA_VERSION);

	rc = exec(st, "PRAGMA journal_mode=WAL");
	if (rc != SQLITE_OK)
		return db_fail(st, rc, "setting WAL mode");
	if (ver == STORE_SCHEMA_VERSION)
		return STORE_OK;

	store_status ss = begin(st);
	if (ss != STORE_OK)
		return ss;
	/* Another process may have migrated while we waited for the lock. */
	int64_t now_ver = 0;
	s = NULL;
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		now_ver = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (now_ver == 0) {
		char sql[128];
		rc = exec(st, schema_v1);
		snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d",
			 STORE_APP_ID, STORE_SCHEMA_VERSION);
		if (rc == SQLITE_OK)
			rc = exec(st, sql);
		if (rc == SQLITE_OK)
			rc = meta_set_text(st, "site_id", st->cfg->site_id);
		if (rc == SQLITE_OK)
			rc = meta_set_int(st, "acked_through", 0);
		if (rc != SQLITE_OK) {
			ss = db_fail(st, rc, "creating the schema");
			rollback(st);
			return ss;
		}
	}
	/* Later schema versions: if (now_ver < 2) { ALTER ...; user_version=2 } */
	return commit(st);
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
		ss = fail(st, STORE_IO, "not a regular file");
		goto out;
	}
	int rc = sqlite3_open_v2(
	    path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		ss = db_fail(st, rc, "opening");
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	/* Connection settings first (they write nothing), so the schema's
	 * own creation is as durable as every later commit. */
	rc = exec(st, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON");
	if (rc != SQLITE_OK) {
		ss = db_fail(st, rc, "setting pragmas");
		goto out;
	}
	ss = migrate(st);
	if (ss != STORE_OK)
		goto out;
	char site[CONFIG_ID_LEN + 1];
	rc = meta_get_text(st, "site_id", site, sizeof site);
	if (rc != SQLITE_OK) {
		ss = db_fail(st, rc, "reading the site id");
		goto out;
	}
	if (strcmp(site, cfg->site_id)) {
		ss = fail(st, STORE_INVALID,
			  "the database belongs to site \"%s\", the configuration is for \"%s\"",
			  site, cfg->site_id);
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
	sqlite3_close_v2(st->db);
	free(st);
}

void store_set_config(store *st, const config *cfg)
{
	st->cfg = cfg;
	st->est_valid = 0;
}

int64_t store_data_version(store *st)
{
	sqlite3_stmt *s = NULL;
	int64_t v = 0;
	if (sqlite3_prepare_v2(st->db, "PRAGMA data_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	/* data_version moves on other connections' commits, own_commits on ours. */
	return v + st->own_commits;
}

/* --- tickets ----------------------------------------------------------- */

static void read_ticket(sqlite3_stmt *s, store_ticket *t, int64_t *id)
{
	memset(t, 0, sizeof *t);
	*id = sqlite3_column_int64(s, 0);
	snprintf(t->uuid, sizeof t->uuid, "%s", (const char *)sqlite3_column_text(s, 1));
	snprintf(t->code, sizeof t->code, "%s", (const char *)sqlite3_column_text(s, 2));
	snprintf(t->category, sizeof t->category, "%s", (const char *)sqlite3_column_text(s, 3));
	snprintf(t->lang, sizeof t->lang, "%s", (const char *)sqlite3_column_text(s, 4));
	t->state = (ticket_state)sqlite3_column_int(s, 5);
	t->desk = sqlite3_column_int(s, 6);
	t->issued_ms = sqlite3_column_int64(s, 7);
	t->called_ms = sqlite3_column_int64(s, 8);
	t->finished_ms = sqlite3_column_int64(s, 9);
	t->recalls = sqlite3_column_int(s, 10);
}

/* Loads the ticket named by ref. STORE_NOTFOUND if there is none. */
static store_status load_ref(store *st, store_ref ref, store_ticket *t, int64_t *id)
{
	sqlite3_stmt *s;
	if (ref.code) {
		s = q(st, Q_TICKET_BY_CODE);
		if (!s)
			return STORE_IO;
		sqlite3_bind_text(s, 1, ref.code, -1, SQLITE_STATIC);
	} else {
		if (ref.desk < 1 || ref.desk > st->cfg->desks)
			return fail(st, STORE_INVALID, "desk %d does not exist (this site has %d)",
				    ref.desk, st->cfg->desks);
		s = q(st, Q_TICKET_AT_DESK);
		if (!s)
			return STORE_IO;
		sqlite3_bind_int(s, 1, ref.desk);
	}
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		read_ticket(s, t, id);
		sqlite3_reset(s);
		return STORE_OK;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, rc, "finding the ticket");
	if (ref.code)
		return fail(st, STORE_NOTFOUND, "there is no ticket %s", ref.code);
	return fail(st, STORE_NOTFOUND, "there is no ticket at desk %d", ref.desk);
}

static store_status load_id(store *st, int64_t id, store_ticket *t)
{
	sqlite3_stmt *s = q(st, Q_TICKET_BY_ID);
	if (!s)
		return STORE_IO;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	int64_t dummy;
	if (rc == SQLITE_ROW)
		read_ticket(s, t, &dummy);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return fail(st, STORE_NOTFOUND, "ticket vanished");
	return db_fail(st, rc, "reading the ticket");
}

/* Appends the event for t (after its change) to the outbox, inside the
 * caller's transaction. type is the event type without "ticket.". */
static store_status append_event(store *st, const store_ticket *t, const char *type,
				 const char *from, int64_t now)
{
	int64_t last = 0;
	int rc = last_seq(st, &last);
	if (rc != SQLITE_OK)
		return db_fail(st, rc, "reading last_seq");
	event e = {0};
	e.seq = last + 1;
	if (uuid_v7(e.uuid) != 0)
		return fail(st, STORE_IO, "no random numbers from the kernel: %s", strerror(errno));
	snprintf(e.type, sizeof e.type, "ticket.%s", type);
	clock_format_iso(now, e.at, sizeof e.at);
	memcpy(e.ticket, t->uuid, sizeof e.ticket);
	snprintf(e.code, sizeof e.code, "%s", t->code);
	snprintf(e.category, sizeof e.category, "%s", t->category);
	snprintf(e.from, sizeof e.from, "%s", from ? from : "");
	snprintf(e.lang, sizeof e.lang, "%s", t->lang);
	e.desk = t->desk;
	json_t *j = event_encode(&e);
	char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!body)
		return fail(st, STORE_IO, "out of memory encoding an event");
	sqlite3_stmt *s = q(st, Q_OUTBOX_INSERT);
	if (!s) {
		free(body);
		return STORE_IO;
	}
	sqlite3_bind_int64(s, 1, e.seq);
	sqlite3_bind_text(s, 2, e.uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_text(s, 4, body, -1, free);
	rc = step_done(s);
	if (rc != SQLITE_OK)
		return db_fail(st, rc, "writing the event");
	return STORE_OK;
}

static int median_ms(store *st, const char *category, int64_t *out)
{
	int64_t v[25];
	int n = 0;
	sqlite3_stmt *s = q(st, category ? Q_SERVICE_TIMES : Q_SERVICE_TIMES_ALL);
	if (!s)
		return 0;
	if (category)
		sqlite3_bind_text(s, 1, category, -1, SQLITE_STATIC);
	while (n < 25 && sqlite3_step(s) == SQLITE_ROW)
		v[n++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (n < 3)
		return 0;
	for (int i = 1; i < n; i++) /* insertion sort: at most 25 values */
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			int64_t x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	*out = v[n / 2];
	return 1;
}

/* Estimated wait for someone with `ahead` tickets before them in category:
 * the median of the site's recent service times (of this category when
 * there are enough, else of all), shared over the desks active in the last
 * two hours. A guess for residents, never used for ordering. */
static int estimate_wait_s(store *st, const char *category, int ahead, int64_t now)
{
	if (ahead <= 0)
		return 0;
	int ci = config_category_index(st->cfg, category);
	if (ci < 0)
		return 0;
	/* The inputs change slowly; recompute them at most every half minute
	 * (a monotonic clock: the wall clock may jump) and not per ticket. */
	int64_t mono = clock_mono_ms();
	if (!st->est_valid || mono - st->est_at_ms > STORE_ESTIMATE_TTL_MS) {
		int64_t all = (int64_t)st->cfg->kiosk.service_minutes * 60000;
		median_ms(st, NULL, &all);
		for (int i = 0; i < st->cfg->ncategories; i++) {
			st->est_service_ms[i] = all;
			median_ms(st, st->cfg->categories[i].id, &st->est_service_ms[i]);
		}
		st->est_desks = 1;
		sqlite3_stmt *s = q(st, Q_ACTIVE_DESKS);
		if (s) {
			sqlite3_bind_int64(s, 1, now - 2 * 3600 * 1000);
			if (sqlite3_step(s) == SQLITE_ROW)
				st->est_desks = sqlite3_column_int(s, 0);
			sqlite3_reset(s);
		}
		if (st->est_desks < 1)
			st->est_desks = 1;
		st->est_at_ms = mono;
		st->est_valid = 1;
	}
	int64_t med = st->est_service_ms[ci];
	if (med < 60000)
		med = 60000;
	int64_t est = (int64_t)ahead * med / st->est_desks / 1000;
	return est > 24 * 3600 ? 24 * 3600 : (int)est;
}

static int count_ahead(store *st, const char *category, int64_t id)
{
	int n = 0;
	sqlite3_stmt *s = q(st, Q_AHEAD);
	if (!s)
		return 0;
	sqlite3_bind_text(s, 1, category, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return n;
}

store_status store_take(store *st, const char *category, const char *lang, store_ticket *t)
{
	int ci = config_category_index(st->cfg, category);
	if (ci < 0)
		return fail(st, STORE_INVALID, "unknown category \"%s\"", category);
	if (!lang || !*lang)
		lang = st->cfg->langs[0];
	if (config_lang_index(st->cfg, lang) < 0)
		return fail(st, STORE_INVALID, "unknown language \"%s\"", lang);

	int64_t now = clock_now_ms();
	char day[CLOCK_DAY_LEN];
	clock_local_day(now, day, sizeof day);
	memset(t, 0, sizeof *t);
	if (uuid_v7(t->uuid) != 0)
		return fail(st, STORE_IO, "no random numbers from the kernel: %s", strerror(errno));

	store_status ss = begin(st);
	if (ss != STORE_OK)
		return ss;
	const char *prefix = st->cfg->categories[ci].prefix;
	sqlite3_stmt *s = q(st, Q_COUNTER);
	int rc = SQLITE_ERROR;
	int64_t number = 0;
	if (s) {
		sqlite3_bind_text(s, 1, day, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, prefix, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			number = sqlite3_column_int64(s, 0);
			rc = step_done(s);
		}
		sqlite3_reset(s);
	}
	if (rc != SQLITE_OK) {
		ss = db_fail(st, rc, "numbering the ticket");
		goto fail;
	}
	snprintf(t->code, sizeof t->code, "%s%03lld", prefix, (long long)number);
	snprintf(t->category, sizeof t->category, "%s", category);
	snprintf(t->lang, sizeof t->lang, "%s", lang);
	t->state = TICKET_WAITING;
	t->issued_ms = now;

	int64_t last = 0;
	rc = last_seq(st, &last);
	s = rc == SQLITE_OK ? q(st, Q_TICKET_INSERT) : NULL;
	if (!s) {
		ss = db_fail(st, rc == SQLITE_OK ? SQLITE_ERROR : rc, "adding the ticket");
		goto fail;
	}
	sqlite3_bind_text(s, 1, t->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, day, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, t->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, t->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, t->lang, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, now);
	sqlite3_bind_int64(s, 7, last + 1);
	rc = step_done(s);
	if (rc != SQLITE_OK) {
		ss = db_fail(st, rc, "adding the ticket");
		goto fail;
	}
	int64_t id = sqlite3_last_insert_rowid(st->db);
	ss = append_event(st, t, "issued", NULL, now);
	if (ss != STORE_OK)
		goto fail;
	t->ahead = count_ahead(st, category, id);
	ss = commit(st);
	/* A guess for the resident, made after the commit so it does not
	 * hold the write lock. */
	if (ss == STORE_OK)
		t->est_wait_s = estimate_wait_s(st, category, t->ahead, now);
	return ss;
fail:
	rollback(st);
	return ss;
}

static int write_ticket(store *st, int64_t id, const store_ticket *t, int64_t seq)
{
	sqlite3_stmt *s = q(st, Q_TICKET_UPDATE);
	if (!s)
		return SQLITE_ERROR;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, t->category, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, (int)t->state);
	if (t->desk > 0)
		sqlite3_bind_int(s, 4, t->desk);
	if (t->called_ms)
		sqlite3_bind_int64(s, 5, t->called_ms);
	if (t->finished_ms)
		sqlite3_bind_int64(s, 6, t->finished_ms);
	sqlite3_bind_int(s, 7, t->recalls);
	sqlite3_bind_int64(s, 8, seq);
	return step_done(s);
}

static int remember_call(store *st, const store_ticket *t, int recalled, int64_t now)
{
	sqlite3_stmt *s = q(st, Q_CALL_INSERT);
	if (!s)
		return SQLITE_ERROR;
	sqlite3_bind_text(s, 1, t->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, t->category, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, t->desk);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int(s, 5, recalled);
	int rc = step_done(s);
	if (rc != SQLITE_OK)
		return rc;
	s = q(st, Q_CALL_TRIM);
	if (!s)
		return SQLITE_ERROR;
	sqlite3_bind_int(s, 1, STORE_CALLS_KEPT);
	return step_done(s);
}

/* Writes t (already changed in memory) and its event, inside a transaction. */
static store_status save_change(store *st, int64_t id, const store_ticket *t, const char *type,
				const char *from, int64_t now)
{
	int64_t last = 0;
	int rc = last_seq(st, &last);
	if (rc == SQLITE_OK)
		rc = write_ticket(st, id, t, last + 1);
	if (rc != SQLITE_OK)
		return db_fail(st, rc, "updating the ticket");
	store_status ss = append_event(st, t, type, from, now);
	if (ss != STORE_OK)
		return ss;
	if (!strcmp(type, "called") || !strcmp(type, "recalled")) {
		rc = remember_call(st, t, type[0] == 'r', now);
		if (rc != SQLITE_OK)
			return db_fail(st, rc, "recording the call");
	}
	return STORE_OK;
}

store_status store_call_next(store *st, int desk, const char *const *cats, int ncats,
			     store_ticket *t)
{
	if (desk < 1 || desk > st->cfg->desks)
		return fail(st, STORE_INVALID, "desk %d does not exist (this site has %d)", desk,
			    st->cfg->desks);
	char *filter = NULL;
	if (ncats > 0) {
		json_t *arr = json_array();
		for (int i = 0; arr && i < ncats; i++) {
			if (config_category_index(st->cfg, cats[i]) < 0) {
				json_decref(arr);
				return fail(st, STORE_INVALID, "unknown category \"%s\"", cats[i]);
			}
			json_array_append_new(arr, json_string(cats[i]));
		}
		filter = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
		json_decref(arr);
		if (!filter)
			return fail(st, STORE_IO, "out of memory");
	}
	int64_t now = clock_now_ms();
	store_status ss = begin(st);
	if (ss != STORE_OK)
		goto out;
	int64_t id;
	ss = load_ref(st, (store_ref){NULL, desk}, t, &id);
	if (ss == STORE_OK) {
		ss = fail(st, STORE_CONFLICT,
			  "ticket %s is still at desk %d: mark it served or no-show first", t->code,
			  desk);
		goto fail;
	}
	if (ss != STORE_NOTFOUND)
		goto fail;
	sqlite3_stmt *s = q(st, Q_NEXT_WAITING);
	if (!s) {
		ss = STORE_IO;
		goto fail;
	}
	if (filter)
		sqlite3_bind_text(s, 1, filter, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc == SQLITE_DONE) {
		ss = fail(st, STORE_EMPTY, "nobody is waiting");
		goto fail;
	}
	if (rc != SQLITE_ROW) {
		ss = db_fail(st, rc, "finding the next ticket");
		goto fail;
	}
	ss = load_id(st, id, t);
	if (ss != STORE_OK)
		goto fail;
	t->state = TICKET_CALLED;
	t->desk = desk;
	t->called_ms = now;
	ss = save_change(st, id, t, "called", NULL, now);
	if (ss != STORE_OK)
		goto fail;
	ss = commit(st);
	goto out;
fail:
	rollback(st);
out:
	free(filter);
	return ss;
}

typedef enum { ACT_RECALL, ACT_SERVE, ACT_NO_SHOW, ACT_CANCEL, ACT_TRANSFER } action;

static store_status act(store *st, store_ref ref, action a, const char *category, store_ticket *t)
{
	static const char *const types[] = {"recalled", "served", "no_show", "cancelled",
					    "transferred"};
	if (a == ACT_TRANSFER && config_category_index(st->cfg, category) < 0)
		return fail(st, STORE_INVALID, "unknown category \"%s\"", category);
	int64_t now = clock_now_ms();
	store_status ss = begin(st);
	if (ss != STORE_OK)
		return ss;
	int64_t id;
	ss = load_ref(st, ref, t, &id);
	if (ss != STORE_OK)
		goto fail;
	int at_desk = t->state == TICKET_CALLED, waiting = t->state == TICKET_WAITING;
	char from[32] = "";
	switch (a) {
	case ACT_RECALL:
	case ACT_SERVE:
	case ACT_NO_SHOW:
		if (!at_desk) {
			ss = fail(st, STORE_CONFLICT, "ticket %s is %s, not at a desk", t->code,
				  ticket_state_names[t->state]);
			goto fail;
		}
		if (a == ACT_RECALL) {
			t->recalls++;
			t->called_ms = now;
		} else {
			t->state = a == ACT_SERVE ? TICKET_SERVED : TICKET_NO_SHOW;
			t->finished_ms = now;
		}
		break;
	case ACT_CANCEL:
	case ACT_TRANSFER:
		if (!at_desk && !waiting) {
			ss = fail(st, STORE_CONFLICT, "ticket %s is already %s", t->code,
				  ticket_state_names[t->state]);
			goto fail;
		}
		if (a == ACT_CANCEL) {
			t->state = TICKET_CANCELLED;
			t->finished_ms = now;
			break;
		}
		if (!strcmp(t->category, category)) {
			ss = fail(st, STORE_INVALID, "ticket %s is already in \"%s\"", t->code,
				  category);
			goto fail;
		}
		memcpy(from, t->category, sizeof from);
		snprintf(t->category, sizeof t->category, "%s", category);
		t->state = TICKET_WAITING;
		t->desk = 0;
		t->called_ms = 0;
		break;
	}
	ss = save_change(st, id, t, types[a], a == ACT_TRANSFER ? from : NULL, now);
	if (ss != STORE_OK)
		goto fail;
	if (a == ACT_TRANSFER) {
		t->ahead = count_ahead(st, t->category, id);
		t->est_wait_s = estimate_wait_s(st, t->category, t->ahead, now);
	}
	return commit(st);
fail:
	rollback(st);
	return ss;
}

store_status store_recall(store *st, store_ref ref, store_ticket *t)
{
	return act(st, ref, ACT_RECALL, NULL, t);
}
store_status store_serve(store *st, store_ref ref, store_ticket *t)
{
	return act(st, ref, ACT_SERVE, NULL, t);
}
store_status store_no_show(store *st, store_ref ref, store_ticket *t)
{
	return act(st, ref, ACT_NO_SHOW, NULL, t);
}
store_status store_cancel(store *st, store_ref ref, store_ticket *t)
{
	return act(st, ref, ACT_CANCEL, NULL, t);
}
store_status store_transfer(store *st, store_ref ref, const char *category, store_ticket *t)
{
	return act(st, ref, ACT_TRANSFER, category, t);
}

store_status store_find(store *st, store_ref ref, store_ticket *t)
{
	int64_t id;
	store_status ss = load_ref(st, ref, t, &id);
	if (ss == STORE_OK && t->state == TICKET_WAITING) {
		t->ahead = count_ahead(st, t->category, id);
		t->est_wait_s = estimate_wait_s(st, t->category, t->ahead, clock_now_ms());
	}
	return ss;
}

/* --- reading ----------------------------------------------------------- */

store_status store_list_waiting(store *st, const char *const *cats, int ncats, store_ticket *out,
				int max, int *n)
{
	*n = 0;
	sqlite3_stmt *s = NULL;
	int rc =
	    sqlite3_prepare_v2(st->db,
			       "SELECT id, uuid, code, category, lang, state, desk, issued_ms, "
			       "called_ms, finished_ms, recalls FROM tickets WHERE state = 0 "
			       "ORDER BY id",
			       -1, &s, NULL);
	if (rc != SQLITE_OK)
		return db_fail(st, rc, "listing");
	int64_t now = clock_now_ms();
	int per_cat[CONFIG_MAX_CATEGORIES] = {0};
	while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id;
		store_ticket t;
		read_ticket(s, &t, &id);
		int ci = config_category_index(st->cfg, t.category);
		int ahead = ci >= 0 ? per_cat[ci]++ : 0;
		int wanted = ncats <= 0;
		for (int i = 0; i < ncats; i++)
			if (!strcmp(cats[i], t.category))
				wanted = 1;
		if (!wanted)
			continue;
		t.ahead = ahead;
		out[(*n)++] = t;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, rc, "listing");
	for (int i = 0; i < *n; i++)
		out[i].est_wait_s = estimate_wait_s(st, out[i].category, out[i].ahead, now);
	return STORE_OK;
}

store_status store_recent_calls(store *st, store_call *out, int max, int *n)
{
	*n = 0;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db,
				    "SELECT code, category, desk, at_ms, recalled FROM calls "
				    "ORDER BY id DESC LIMIT ?1",
				    -1, &s, NULL);
	if (rc != SQLITE_OK)
		return db_fail(st, rc, "reading calls");
	sqlite3_bind_int(s, 1, max);
	while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_call *c = &out[(*n)++];
		snprintf(c->code, sizeof c->code, "%s", (const char *)sqlite3_column_text(s, 0));
		snprintf(c->category, sizeof c->category, "%s",
			 (const char *)sqlite3_column_text(s, 1));
		c->desk = sqlite3_column_int(s, 2);
		c->called_ms = sqlite3_column_int64(s, 3);
		c->recalled = sqlite3_column_int(s, 4);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, rc, "reading calls");
	return STORE_OK;
}

store_status store_status_get(store *st, store_status_info *info)
{
	memset(info, 0, sizeof *info);
	int64_t now = clock_now_ms();
	char day[CLOCK_DAY_LEN];
	clock_local_day(now, day, sizeof day);
	/* One read transaction, so the numbers agree with each other. */
	int rc = exec(st, "BEGIN");
	if (rc != SQLITE_OK)
		return db_fail(st, rc, "status");
	info->ncategories = st->cfg->ncategories;
	for (int i = 0; i < st->cfg->ncategories; i++)
		snprintf(info->categories[i].category, sizeof info->categories[i].category, "%s",
			 st->cfg->categories[i].id);
	sqlite3_stmt *s = NULL;
	rc = sqlite3_prepare_v2(st->db,
				"SELECT category, sum(state = 0), sum(state = 1), "
				"sum(state = 2 AND day = ?1) FROM tickets "
				"WHERE state <= 1 OR day = ?1 GROUP BY category",
				-1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, day, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			int w = sqlite3_column_int(s, 1), c = sqlite3_column_int(s, 2),
			    sv = sqlite3_column_int(s, 3);
			info->waiting += w;
			info->at_desks += c;
			info->served_today += sv;
			int ci =
			    config_category_index(st->cfg, (const char *)sqlite3_column_text(s, 0));
			if (ci >= 0) {
				info->categories[ci].waiting = w;
				info->categories[ci].served_today = sv;
			}
		}
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_OK)
		rc = last_seq(st, &info->last_seq);
	if (rc == SQLITE_OK)
		rc = meta_get_int(st, "acked_through", &info->acked_through);
	if (rc == SQLITE_OK)
		rc = meta_get_int(st, "last_attempt_ms", &info->last_attempt_ms);
	if (rc == SQLITE_OK)
		rc = meta_get_int(st, "last_success_ms", &info->last_success_ms);
	if (rc == SQLITE_OK)
		rc = meta_get_text(st, "last_error", info->last_error, sizeof info->last_error);
	for (int i = 0; rc == SQLITE_OK && i < info->ncategories; i++)
		info->categories[i].est_wait_s = estimate_wait_s(st, info->categories[i].category,
								 info->categories[i].waiting, now);
	exec(st, "COMMIT");
	if (rc != SQLITE_OK)
		return db_fail(st, rc, "status");
	info->backlog = info->last_seq - info->acked_through;
	return STORE_OK;
}

/* --- outbox and sync --------------------------------------------------- */

store_status store_events_after(store *st, int64_t after, int max_events, size_t max_bytes,
				store_event_fn fn, void *arg, int64_t *last)
{
	*last = after;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	    st->db, "SELECT seq, body FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2", -1, &s,
	    NULL);
	if (rc != SQLITE_OK)
		return db_fail(st, rc, "reading the outbox");
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int(s, 2, max_events > 0 ? max_events : -1);
	size_t bytes = 0;
	int count = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(s, 0);
		const char *body = (const char *)sqlite3_column_text(s, 1);
		size_t len = (size_t)sqlite3_column_bytes(s, 1);
		if (count > 0 && max_bytes > 0 && bytes + len > max_bytes)
			break;
		if (fn(arg, seq, body, len))
			break;
		*last = seq;
		bytes += len;
		count++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, rc, "reading the outbox");
	return STORE_OK;
}

store_status store_oldest_seq(store *st, int64_t *seq)
{
	sqlite3_stmt *s = NULL;
	*seq = 0;
	int rc = sqlite3_prepare_v2(st->db, "SELECT min(seq) FROM outbox", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*seq = sqlite3_column_int64(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_OK ? STORE_OK : db_fail(st, rc, "reading the outbox");
}

static store_status set_acked(store *st, int64_t through, int64_t at_ms, int allow_back)
{
	store_status ss = begin(st);
	if (ss != STORE_OK)
		return ss;
	int64_t last = 0, acked = 0;
	int rc = last_seq(st, &last);
	if (rc == SQLITE_OK)
		rc = meta_get_int(st, "acked_through", &acked);
	if (rc != SQLITE_OK) {
		ss = db_fail(st, rc, "reading the sync state");
		goto fail;
	}
	/* A central office that claims events we never wrote is wrong (or not
	 * ours): believing it would mark future events as delivered. */
	if (through < 0 || through > last) {
		ss = fail(
		    st, STORE_INVALID,
		    "the central office acknowledged seq %lld, but this site has only %lld events",
		    (long long)through, (long long)last);
		goto fail;
	}
	if (through > acked || (allow_back && through != acked))
		rc = meta_set_int(st, "acked_through", through);
	if (rc == SQLITE_OK && at_ms) {
		rc = meta_set_int(st, "last_success_ms", at_ms);
		if (rc == SQLITE_OK)
			rc = meta_set_int(st, "last_attempt_ms", at_ms);
		if (rc == SQLITE_OK)
			rc = meta_set_text(st, "last_error", "");
	}
	if (rc != SQLITE_OK) {
		ss = db_fail(st, rc, "writing the sync state");
		goto fail;
	}
	return commit(st);
fail:
	rollback(st);
	return ss;
}

store_status store_sync_acked(store *st, int64_t through, int64_t at_ms)
{
	return set_acked(st, through, at_ms, 0);
}

store_status store_sync_reset(store *st, int64_t through)
{
	return set_acked(st, through, 0, 1);
}

store_status store_sync_failed(store *st, int64_t at_ms, const char *message)
{
	store_status ss = begin(st);
	if (ss != STORE_OK)
		return ss;
	int rc = meta_set_int(st, "last_attempt_ms", at_ms);
	if (rc == SQLITE_OK)
		rc = meta_set_text(st, "last_error", message ? message : "");
	if (rc != SQLITE_OK) {
		ss = db_fail(st, rc, "writing the sync state");
		rollback(st);
		return ss;
	}
	return commit(st);
}

store_status store_purge(store *st, int days, int64_t *purged)
{
	*purged = 0;
	if (days < 0)
		return fail(st, STORE_INVALID, "days must not be negative");
	int64_t cutoff = clock_now_ms() - (int64_t)days * 86400000;
	store_status ss = begin(st);
	if (ss != STORE_OK)
		return ss;
	int64_t acked = 0;
	int rc = meta_get_int(st, "acked_through", &acked);
	sqlite3_stmt *s = NULL;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->db,
					"DELETE FROM outbox WHERE seq <= ?1 AND at_ms < ?2 AND "
					"seq < (SELECT max(seq) FROM outbox)",
					-1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, acked);
		sqlite3_bind_int64(s, 2, cutoff);
		rc = step_done(s);
		*purged = sqlite3_changes64(st->db);
	}
	sqlite3_finalize(s);
	s = NULL;
	/* A finished ticket goes once its last event is acknowledged and old. */
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->db,
					"DELETE FROM tickets WHERE state >= 2 AND last_seq <= ?1 "
					"AND issued_ms < ?2",
					-1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, acked);
		sqlite3_bind_int64(s, 2, cutoff);
		rc = step_done(s);
	}
	/* counters are kept: a row per prefix and day (a few thousand a year)
	 * is what makes a code unique on a day the clock may jump back to. */
	sqlite3_finalize(s);
	if (rc != SQLITE_OK) {
		ss = db_fail(st, rc, "purging");
		rollback(st);
		*purged = 0;
		return ss;
	}
	return commit(st);
}
