/*
 * cstore_sqlite_people — the SQLite back end's people (cstore.h: accounts,
 * sessions, API tokens, the audit log).
 *
 * Tables (created at open if missing; no other table is touched, and
 * meta's schema version is not theirs to change):
 *
 *   accounts(id INTEGER PRIMARY KEY, name TEXT UNIQUE, role, sites, pw_hash,
 *           enabled, created_ms, updated_ms)
 *   sessions(sha256 BLOB PRIMARY KEY, account (NULL: the admin token's),
 *           admin_sha256 (the admin token's digest, for those), created_ms,
 *           last_used_ms, expires_ms), index on account
 *   api_tokens(sha256 BLOB PRIMARY KEY, account NOT NULL, created_ms),
 *           index on account
 *   audit(id INTEGER PRIMARY KEY, at_ms, actor, action, detail): appended
 *           only; id orders it
 *
 * Transactions: every write runs on the writer connection under wlock in
 * one BEGIN IMMEDIATE ... COMMIT, so a new password and the end of the
 * account's sessions, or a disabling and the end of its sessions, happen
 * together or not at all. Reads take a pooled reader (WAL).
 */
#include <stdio.h>
#include <string.h>

#include "cstore_sqlite.h"
#include "log.h"

static const char people_schema[] =
    "BEGIN IMMEDIATE;"
    "CREATE TABLE IF NOT EXISTS accounts("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,"
    " sites TEXT NOT NULL DEFAULT '', pw_hash TEXT NOT NULL,"
    " enabled INTEGER NOT NULL DEFAULT 1, created_ms INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sessions("
    " sha256 BLOB PRIMARY KEY, account INTEGER REFERENCES accounts(id),"
    " admin_sha256 BLOB, created_ms INTEGER NOT NULL, last_used_ms INTEGER NOT NULL,"
    " expires_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS sessions_account ON sessions(account);"
    "CREATE TABLE IF NOT EXISTS api_tokens("
    " sha256 BLOB PRIMARY KEY, account INTEGER NOT NULL REFERENCES accounts(id),"
    " created_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS api_tokens_account ON api_tokens(account);"
    "CREATE TABLE IF NOT EXISTS audit("
    " id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, detail TEXT NOT NULL);"
    "COMMIT;";

#define ACCOUNT_COLS                                                                               \
	"a.id, a.name, a.role, a.sites, a.pw_hash, a.enabled, a.created_ms, a.updated_ms,"         \
	" (SELECT count(*) FROM api_tokens t WHERE t.account = a.id)"

int sq_people_schema(sqstore *st, char *err, size_t errlen)
{
	char *msg = NULL;
	pthread_mutex_lock(&st->wlock);
	int rc = sqlite3_exec(st->w, people_schema, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot create the tables of people: %s", st->path,
			 msg ? msg : sqlite3_errmsg(st->w));
		if (!sqlite3_get_autocommit(st->w))
			sqlite3_exec(st->w, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_free(msg);
	pthread_mutex_unlock(&st->wlock);
	return rc == SQLITE_OK ? 0 : -1;
}

/* The account of row s (columns as ACCOUNT_COLS from column 0). */
static cstore_account account_of(sqlite3_stmt *s)
{
	return (cstore_account){sqlite3_column_int64(s, 0), sq_col_text(s, 1), sq_col_text(s, 2),
				sq_col_text(s, 3),	    sq_col_text(s, 4), sqlite3_column_int(s, 5),
				sqlite3_column_int64(s, 6), sqlite3_column_int64(s, 7),
				sqlite3_column_int(s, 8)};
}

/* --- writing: one transaction of up to three statements ------------------- */

/* The values a write binds, by position: ?1 text a, ?2 text b, ?3 text c,
 * ?4 text d, ?5 blob sha (32 bytes), ?6, ?7 and ?8 integers, ?9 blob sha2
 * (32 bytes). NULL text and blobs stay unbound (NULL). */
typedef struct {
	const char *a, *b, *c, *d;
	const unsigned char *sha;
	int64_t i6, i7, i8;
	const unsigned char *sha2;
} binds;

static void bind_all(sqlite3_stmt *s, const binds *v)
{
	const char *t[4] = {v->a, v->b, v->c, v->d};
	for (int i = 0; i < 4; i++)
		if (t[i] && sqlite3_bind_parameter_count(s) > i)
			sqlite3_bind_text(s, i + 1, t[i], -1, SQLITE_STATIC);
	int n = sqlite3_bind_parameter_count(s);
	if (v->sha && n >= 5)
		sqlite3_bind_blob(s, 5, v->sha, 32, SQLITE_STATIC);
	if (n >= 6)
		sqlite3_bind_int64(s, 6, v->i6);
	if (n >= 7)
		sqlite3_bind_int64(s, 7, v->i7);
	if (n >= 8)
		sqlite3_bind_int64(s, 8, v->i8);
	if (v->sha2 && n >= 9)
		sqlite3_bind_blob(s, 9, v->sha2, 32, SQLITE_STATIC);
}

/* Runs sql[0..n) (NULL entries skipped) in one transaction on the writer.
 * *changed: the rows the first statement changed. A statement that is a
 * SELECT giving one integer (the guard) stops the transaction with
 * SQLITE_CONSTRAINT when that integer is non-zero. */
static int write_tx(sqstore *st, const char *const *sql, int n, const binds *v, int *changed)
{
	pthread_mutex_lock(&st->wlock);
	*changed = 0;
	int rc = sq_step_done(st->begin);
	for (int i = 0; rc == SQLITE_OK && i < n; i++) {
		if (!sql[i])
			continue;
		sqlite3_stmt *s = NULL;
		rc = sqlite3_prepare_v2(st->w, sql[i], -1, &s, NULL);
		if (rc == SQLITE_OK) {
			bind_all(s, v);
			rc = sqlite3_step(s);
			if (rc == SQLITE_ROW) /* a guard */
				rc = sqlite3_column_int64(s, 0) ? SQLITE_CONSTRAINT : SQLITE_OK;
			else if (rc == SQLITE_DONE)
				rc = SQLITE_OK;
			if (rc == SQLITE_OK && i == 0)
				*changed = sqlite3_changes(st->w);
		}
		sqlite3_finalize(s);
	}
	if (rc == SQLITE_OK)
		rc = sq_step_done(st->commit);
	if (rc != SQLITE_OK) {
		if ((rc & 0xff) != SQLITE_CONSTRAINT)
			log_error("people: %s", sqlite3_errmsg(st->w));
		sq_step_done(st->rollback);
	}
	pthread_mutex_unlock(&st->wlock);
	return rc;
}

/* Like write_tx, but NOT_FOUND when the first statement changed nothing. */
static int write_found(sqstore *st, const char *const *sql, int n, const binds *v)
{
	int changed = 0;
	int rc = write_tx(st, sql, n, v, &changed);
	if (rc == SQLITE_OK && !changed)
		return CSTORE_NOT_FOUND;
	return sq_map_rc(rc);
}

int sq_people_account_add(cstore *base_, const char *name, const char *role, const char *sites,
			  const char *pw_hash, int64_t now_ms)
{
	static const char *const sql[] = {
	    "INSERT INTO accounts(name, role, sites, pw_hash, created_ms, updated_ms)"
	    " VALUES(?1, ?2, ?3, ?4, ?6, ?6)"};
	binds v = {name, role, sites, pw_hash, NULL, now_ms, 0, 0, NULL};
	int changed = 0;
	return sq_map_rc(write_tx((sqstore *)base_, sql, 1, &v, &changed));
}

int sq_people_account_password(cstore *base_, const char *name, const char *pw_hash,
			       int64_t now_ms)
{
	static const char *const sql[] = {
	    "UPDATE accounts SET pw_hash = ?4, updated_ms = ?6 WHERE name = ?1",
	    "DELETE FROM sessions WHERE account = (SELECT id FROM accounts WHERE name = ?1)"};
	binds v = {name, NULL, NULL, pw_hash, NULL, now_ms, 0, 0, NULL};
	return write_found((sqstore *)base_, sql, 2, &v);
}

int sq_people_account_enable(cstore *base_, const char *name, int enabled, int64_t now_ms)
{
	static const char *const sql[] = {
	    "UPDATE accounts SET enabled = ?7, updated_ms = ?6 WHERE name = ?1",
	    "DELETE FROM sessions WHERE ?7 = 0 AND"
	    " account = (SELECT id FROM accounts WHERE name = ?1)"};
	binds v = {name, NULL, NULL, NULL, NULL, now_ms, enabled ? 1 : 0, 0, NULL};
	return write_found((sqstore *)base_, sql, 2, &v);
}

int sq_people_session_add(cstore *base_, const unsigned char sha[32], int64_t account,
			  const unsigned char *admin_sha256, int64_t now_ms, int64_t expires_ms)
{
	/* Expired sessions are swept here: sign-ins are rare, and a browser
	 * that never signs out leaves its row behind. */
	static const char *const sql[] = {
	    "INSERT INTO sessions(sha256, account, admin_sha256, created_ms, last_used_ms,"
	    " expires_ms) VALUES(?5, nullif(?7, 0), ?9, ?6, ?6, ?8)",
	    "DELETE FROM sessions WHERE expires_ms <= ?6"};
	binds v = {NULL, NULL, NULL, NULL, sha, now_ms, account, expires_ms, admin_sha256};
	int changed = 0;
	return sq_map_rc(write_tx((sqstore *)base_, sql, 2, &v, &changed));
}

int sq_people_session_touch(cstore *base_, const unsigned char sha[32], int64_t now_ms)
{
	static const char *const sql[] = {"UPDATE sessions SET last_used_ms = ?6 WHERE sha256 = ?5"};
	binds v = {NULL, NULL, NULL, NULL, sha, now_ms, 0, 0, NULL};
	int changed = 0;
	return sq_map_rc(write_tx((sqstore *)base_, sql, 1, &v, &changed));
}

int sq_people_session_end(cstore *base_, const unsigned char sha[32])
{
	static const char *const sql[] = {"DELETE FROM sessions WHERE sha256 = ?5"};
	binds v = {NULL, NULL, NULL, NULL, sha, 0, 0, 0, NULL};
	int changed = 0;
	return sq_map_rc(write_tx((sqstore *)base_, sql, 1, &v, &changed));
}

int sq_people_token_add(cstore *base_, const char *name, const unsigned char sha[32], int max,
			int64_t now_ms)
{
	/* The guard (a SELECT) stops at max tokens; the insert finds the
	 * account by name and inserts nothing when there is none. */
	static const char *const sql[] = {
	    "INSERT INTO api_tokens(sha256, account, created_ms)"
	    " SELECT ?5, id, ?6 FROM accounts WHERE name = ?1",
	    "SELECT count(*) > ?7 FROM api_tokens"
	    " WHERE account = (SELECT id FROM accounts WHERE name = ?1)"};
	binds v = {name, NULL, NULL, NULL, sha, now_ms, max, 0, NULL};
	return write_found((sqstore *)base_, sql, 2, &v);
}

int sq_people_tokens_revoke(cstore *base_, const char *name, int *revoked)
{
	static const char *const sql[] = {
	    "DELETE FROM api_tokens WHERE account = (SELECT id FROM accounts WHERE name = ?1)"};
	binds v = {name, NULL, NULL, NULL, NULL, 0, 0, 0, NULL};
	*revoked = 0;
	return sq_map_rc(write_tx((sqstore *)base_, sql, 1, &v, revoked));
}

int sq_people_audit_add(cstore *base_, int64_t at_ms, const char *actor, const char *action,
			const char *detail)
{
	static const char *const sql[] = {
	    "INSERT INTO audit(at_ms, actor, action, detail) VALUES(?6, ?1, ?2, ?3)"};
	binds v = {actor, action, detail, NULL, NULL, at_ms, 0, 0, NULL};
	int changed = 0;
	return sq_map_rc(write_tx((sqstore *)base_, sql, 1, &v, &changed));
}

/* --- reading -------------------------------------------------------------- */

typedef int (*row_fn)(sqlite3_stmt *s, void *cb, void *ctx);

/* Runs sql on a reader with v bound; each row to fn until it returns
 * non-zero. NOT_FOUND if want_one and there was no row. */
static int read_rows(sqstore *st, const char *sql, const binds *v, int want_one, row_fn fn,
		     void *cb, void *ctx)
{
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return CSTORE_ERROR;
	sqlite3_stmt *s = NULL;
	int rows = 0;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		bind_all(s, v);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			rows++;
			if (fn(s, cb, ctx)) {
				rc = SQLITE_DONE;
				break;
			}
		}
	}
	if (rc != SQLITE_DONE)
		log_error("people: reading: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	if (rc == SQLITE_DONE && want_one && !rows)
		return CSTORE_NOT_FOUND;
	return sq_map_rc(rc);
}

static int account_row(sqlite3_stmt *s, void *cb, void *ctx)
{
	cstore_account a = account_of(s);
	return ((cstore_account_cb)cb)(ctx, &a);
}

int sq_people_account_get(cstore *base_, const char *name, cstore_account_cb cb, void *ctx)
{
	binds v = {name, NULL, NULL, NULL, NULL, 0, 0, 0, NULL};
	return read_rows((sqstore *)base_, "SELECT " ACCOUNT_COLS " FROM accounts a WHERE a.name = ?1",
			 &v, 1, account_row, (void *)cb, ctx);
}

int sq_people_accounts(cstore *base_, cstore_account_cb cb, void *ctx)
{
	binds v = {0};
	return read_rows((sqstore *)base_, "SELECT " ACCOUNT_COLS " FROM accounts a ORDER BY a.name",
			 &v, 0, account_row, (void *)cb, ctx);
}

int sq_people_token_get(cstore *base_, const unsigned char sha[32], cstore_account_cb cb,
			void *ctx)
{
	binds v = {NULL, NULL, NULL, NULL, sha, 0, 0, 0, NULL};
	return read_rows((sqstore *)base_,
			 "SELECT " ACCOUNT_COLS " FROM api_tokens k JOIN accounts a ON a.id = k.account"
			 " WHERE k.sha256 = ?5",
			 &v, 1, account_row, (void *)cb, ctx);
}

static int session_row(sqlite3_stmt *s, void *cb, void *ctx)
{
	cstore_account a = account_of(s);
	cstore_session se = {sqlite3_column_int64(s, 9), sqlite3_column_int64(s, 10),
			     sqlite3_column_int64(s, 11),
			     sqlite3_column_type(s, 0) == SQLITE_NULL ? NULL : &a,
			     sqlite3_column_bytes(s, 12) == 32 ? sqlite3_column_blob(s, 12) : NULL};
	return ((cstore_session_cb)cb)(ctx, &se);
}

int sq_people_session_get(cstore *base_, const unsigned char sha[32], cstore_session_cb cb,
			  void *ctx)
{
	binds v = {NULL, NULL, NULL, NULL, sha, 0, 0, 0, NULL};
	return read_rows((sqstore *)base_,
			 "SELECT " ACCOUNT_COLS ", s.created_ms, s.last_used_ms, s.expires_ms,"
			 " s.admin_sha256"
			 " FROM sessions s LEFT JOIN accounts a ON a.id = s.account"
			 " WHERE s.sha256 = ?5",
			 &v, 1, session_row, (void *)cb, ctx);
}

static int audit_row(sqlite3_stmt *s, void *cb, void *ctx)
{
	cstore_audit_rec r = {sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
			      sq_col_text(s, 2), sq_col_text(s, 3), sq_col_text(s, 4)};
	return ((cstore_audit_cb)cb)(ctx, &r);
}

int sq_people_audit(cstore *base_, int64_t before, int limit, cstore_audit_cb cb, void *ctx)
{
	binds v = {NULL, NULL, NULL, NULL, NULL, before > 0 ? before : INT64_MAX, limit, 0, NULL};
	return read_rows((sqstore *)base_,
			 "SELECT id, at_ms, actor, action, detail FROM audit WHERE id < ?6"
			 " ORDER BY id DESC LIMIT ?7",
			 &v, 0, audit_row, (void *)cb, ctx);
}
