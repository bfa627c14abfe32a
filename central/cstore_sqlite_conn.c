/*
 * cstore_sqlite_conn — the SQLite back end's connections and the small
 * tools every file of it uses (cstore_sqlite.h): opening a connection with
 * the store's pragmas, preparing, the pool of reader connections, a step
 * that expects no row, reading columns and binding text, and SQLite's
 * result as a CSTORE_* status. It knows no table: the domains' files
 * (cstore_sqlite.c and its siblings) stand above it.
 */
#include <pthread.h>
#include <stdio.h>

#include "cstore_sqlite.h"
#include "log.h"

int sq_map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW: return CSTORE_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return CSTORE_BUSY;
	case SQLITE_FULL: return CSTORE_FULL;
	case SQLITE_CONSTRAINT: return CSTORE_CONFLICT;
	default: return CSTORE_ERROR;
	}
}

sqlite3 *sq_open_conn(const char *path, int busy_ms, int create, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(path, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open the database: %s", path,
			 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, busy_ms);
	char *msg = NULL;
	rc = sqlite3_exec(db,
			  "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			  "PRAGMA foreign_keys=ON; PRAGMA cache_size=-16000;",
			  NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

int sq_prep(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err, size_t errlen)
{
	int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot prepare a statement: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

sqlite3 *sq_reader_get(sqstore *st)
{
	sqlite3 *db = NULL;
	pthread_mutex_lock(&st->rlock);
	if (st->nreaders > 0)
		db = st->readers[--st->nreaders];
	pthread_mutex_unlock(&st->rlock);
	if (db)
		return db;
	char err[256];
	db = sq_open_conn(st->path, st->busy_ms, 0, err, sizeof err);
	if (!db)
		log_error("%s", err);
	else
		sqlite3_exec(db, "PRAGMA query_only=1", NULL, NULL, NULL);
	return db;
}

void sq_reader_put(sqstore *st, sqlite3 *db)
{
	pthread_mutex_lock(&st->rlock);
	if (st->nreaders < READERS) {
		st->readers[st->nreaders++] = db;
		db = NULL;
	}
	pthread_mutex_unlock(&st->rlock);
	sqlite3_close(db);
}

int sq_step_done(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

const char *sq_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? (const char *)t : "";
}

void sq_bind_text_or_null(sqlite3_stmt *s, int i, const char *text)
{
	if (text[0])
		sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

int64_t sq_col_ms(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, i);
}
