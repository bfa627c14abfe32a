/*
 * cstore_sqlite_conf — the SQLite back end's part of the sites' managed
 * configuration (cstore.h, "the sites' managed configuration"): versions,
 * templates and enrolment codes.
 *
 * Tables (created at open, CREATE TABLE IF NOT EXISTS; the schema version
 * of cstore_sqlite.c does not change for them, an older database simply
 * gains them):
 *
 *   site_config(site REFERENCES sites(id), version, author, created_ms,
 *           note, body, PRIMARY KEY(site, version)): every version ever
 *           saved; a new one takes max(version) + 1 of its site inside the
 *           writing transaction, so two saves at once get two numbers
 *   config_templates(name PRIMARY KEY, body, author, updated_ms)
 *   enrol_codes(code_sha256 PRIMARY KEY, site REFERENCES sites(id),
 *           created_ms, expires_ms, used_ms): used_ms NULL until used
 *
 * Transactions: every write is one BEGIN IMMEDIATE ... COMMIT on the
 * writer (st->w under st->wlock). Using an enrolment code marks it used,
 * replaces the site's token digest and counts up meta's sites_version (as
 * every change of the sites does, cstore_sqlite.c's sites_bump) in one
 * transaction: a code is never used without its token, nor twice.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cstore_sqlite.h"
#include "log.h"

static const char conf_schema[] =
    "CREATE TABLE IF NOT EXISTS site_config("
    " site INTEGER NOT NULL REFERENCES sites(id), version INTEGER NOT NULL,"
    " author TEXT NOT NULL, created_ms INTEGER NOT NULL, note TEXT NOT NULL DEFAULT '',"
    " body TEXT NOT NULL, PRIMARY KEY(site, version));"
    "CREATE TABLE IF NOT EXISTS config_templates("
    " name TEXT PRIMARY KEY, body TEXT NOT NULL, author TEXT NOT NULL,"
    " updated_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS enrol_codes("
    " code_sha256 BLOB PRIMARY KEY, site INTEGER NOT NULL REFERENCES sites(id),"
    " created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, used_ms INTEGER);";

int sq_conf_schema(sqstore *st, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc = sqlite3_exec(st->w, conf_schema, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		snprintf(err, errlen, "%s: the configuration tables: %s", st->path,
			 msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return rc == SQLITE_OK ? 0 : -1;
}

/* Ends the transaction begun on st->w: commit if rc is SQLITE_OK, else roll
 * back (logging what with the error). Returns rc (or the commit's error). */
static int finish(sqstore *st, int rc, const char *what)
{
	if (rc == SQLITE_OK)
		rc = sq_step_done(st->commit);
	if (rc != SQLITE_OK) {
		if (rc != SQLITE_CONSTRAINT && (rc & 0xff) != SQLITE_BUSY)
			log_error("%s: %s", what, sqlite3_errmsg(st->w));
		if (sqlite3_get_autocommit(st->w) == 0)
			sq_step_done(st->rollback);
	}
	return rc;
}

int sq_conf_put(cstore *base_, const cstore_conf_new *v, size_t n, const char *author,
		const char *note, int64_t now_ms, int64_t *version)
{
	sqstore *st = (sqstore *)base_;
	sqlite3_stmt *s = NULL;
	int missing = 0, moved = 0;
	pthread_mutex_lock(&st->wlock);
	int rc = sq_step_done(st->begin);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
		    st->w,
		    "INSERT INTO site_config(site, version, author, created_ms, note, body)"
		    " SELECT s.id, coalesce((SELECT max(version) FROM site_config c"
		    " WHERE c.site = s.id), 0) + 1, ?2, ?3, ?4, ?5 FROM sites s"
		    " WHERE s.name = ?1 AND s.reg IS NOT NULL RETURNING version",
		    -1, &s, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_bind_text(s, 1, v[i].site, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, author, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, now_ms);
		sqlite3_bind_text(s, 4, note ? note : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, v[i].body, (int)v[i].len, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			version[i] = sqlite3_column_int64(s, 0);
			/* made from an older version than the latest: refused */
			moved = v[i].base && version[i] != v[i].base + 1;
			rc = sqlite3_step(s);
		} else if (rc == SQLITE_DONE) {
			missing = 1; /* no such site: roll all of it back */
		}
		sqlite3_reset(s);
		rc = rc == SQLITE_DONE && !missing && !moved ? SQLITE_OK : rc;
		if (moved)
			break;
	}
	sqlite3_finalize(s);
	if (missing || moved)
		sq_step_done(st->rollback); /* nothing stored */
	else
		rc = finish(st, rc, "storing a site's configuration");
	pthread_mutex_unlock(&st->wlock);
	return missing ? CSTORE_NOT_FOUND : moved ? CSTORE_CONFLICT : sq_map_rc(rc);
}

/* Runs s (bound already) on db and hands each row (site, version, author,
 * created_ms, note, body) to cb until it returns non-zero; *rows counts. */
static int conf_rows(sqlite3_stmt *s, cstore_conf_cb cb, void *ctx, int *rows)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		cstore_conf c = {sq_col_text(s, 0),
				 sqlite3_column_int64(s, 1),
				 sq_col_text(s, 2),
				 sqlite3_column_int64(s, 3),
				 sq_col_text(s, 4),
				 sq_col_text(s, 5),
				 (size_t)sqlite3_column_bytes(s, 5)};
		(*rows)++;
		if (cb(ctx, &c))
			return SQLITE_DONE;
	}
	return rc;
}

static int conf_read(sqstore *st, const char *sql, const char *site, int64_t version,
		     cstore_conf_cb cb, void *ctx, int *rows)
{
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return SQLITE_ERROR;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, site, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, version);
		rc = conf_rows(s, cb, ctx, rows);
	}
	if (rc != SQLITE_DONE)
		log_error("reading the configuration of %s: %s", site, sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return rc;
}

int sq_conf_get(cstore *base_, const char *site, int64_t version, cstore_conf_cb cb, void *ctx)
{
	int rows = 0;
	int rc = conf_read((sqstore *)base_,
			   "SELECT s.name, c.version, c.author, c.created_ms, c.note, c.body"
			   " FROM site_config c JOIN sites s ON s.id = c.site WHERE s.name = ?1"
			   " AND (?2 = 0 OR c.version = ?2) ORDER BY c.version DESC LIMIT 1",
			   site, version, cb, ctx, &rows);
	if (rc == SQLITE_DONE && rows == 0)
		return CSTORE_NOT_FOUND;
	return sq_map_rc(rc);
}

int sq_conf_versions(cstore *base_, const char *site, cstore_conf_cb cb, void *ctx)
{
	int rows = 0;
	return sq_map_rc(conf_read((sqstore *)base_,
				   "SELECT s.name, c.version, c.author, c.created_ms, c.note, ''"
				   " FROM site_config c JOIN sites s ON s.id = c.site"
				   " WHERE s.name = ?1 AND ?2 = 0 ORDER BY c.version DESC",
				   site, 0, cb, ctx, &rows));
}

int sq_conf_template_put(cstore *base_, const char *name, const char *body, size_t len,
			 const char *author, int64_t now_ms)
{
	sqstore *st = (sqstore *)base_;
	sqlite3_stmt *s = NULL;
	pthread_mutex_lock(&st->wlock);
	int rc = sq_step_done(st->begin);
	if (rc == SQLITE_OK)
		rc =
		    sqlite3_prepare_v2(st->w,
				       "INSERT OR REPLACE INTO config_templates(name, body, author,"
				       " updated_ms) VALUES(?1, ?2, ?3, ?4)",
				       -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, body, (int)len, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, author, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, now_ms);
		rc = sq_step_done(s);
	}
	sqlite3_finalize(s);
	rc = finish(st, rc, "storing a template");
	pthread_mutex_unlock(&st->wlock);
	return sq_map_rc(rc);
}

static int template_read(sqstore *st, const char *name, cstore_template_cb cb, void *ctx, int *rows)
{
	sqlite3 *db = sq_reader_get(st);
	if (!db)
		return SQLITE_ERROR;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT name, author, updated_ms, body FROM config_templates"
				    " WHERE ?1 IS NULL OR name = ?1 ORDER BY name",
				    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		if (name)
			sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			cstore_template t = {sq_col_text(s, 0), sq_col_text(s, 1),
					     sqlite3_column_int64(s, 2), sq_col_text(s, 3),
					     (size_t)sqlite3_column_bytes(s, 3)};
			(*rows)++;
			if (cb(ctx, &t)) {
				rc = SQLITE_DONE;
				break;
			}
		}
	}
	if (rc != SQLITE_DONE)
		log_error("reading the templates: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sq_reader_put(st, db);
	return rc;
}

int sq_conf_template_get(cstore *base_, const char *name, cstore_template_cb cb, void *ctx)
{
	int rows = 0;
	int rc = template_read((sqstore *)base_, name, cb, ctx, &rows);
	if (rc == SQLITE_DONE && rows == 0)
		return CSTORE_NOT_FOUND;
	return sq_map_rc(rc);
}

int sq_conf_templates(cstore *base_, cstore_template_cb cb, void *ctx)
{
	int rows = 0;
	return sq_map_rc(template_read((sqstore *)base_, NULL, cb, ctx, &rows));
}

int sq_conf_enrol_code_put(cstore *base_, const char *site, const unsigned char code_sha[32],
			   int64_t now_ms, int64_t expires_ms)
{
	sqstore *st = (sqstore *)base_;
	sqlite3_stmt *s = NULL;
	int changes = 0;
	pthread_mutex_lock(&st->wlock);
	int rc = sq_step_done(st->begin);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->w,
					"INSERT INTO enrol_codes(code_sha256, site, created_ms,"
					" expires_ms) SELECT ?2, id, ?3, ?4 FROM sites"
					" WHERE name = ?1 AND reg IS NOT NULL",
					-1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, site, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s, 2, code_sha, 32, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, now_ms);
		sqlite3_bind_int64(s, 4, expires_ms);
		rc = sq_step_done(s);
		changes = sqlite3_changes(st->w);
	}
	sqlite3_finalize(s);
	rc = finish(st, rc, "storing an enrolment code");
	pthread_mutex_unlock(&st->wlock);
	if (rc == SQLITE_OK && !changes)
		return CSTORE_NOT_FOUND;
	return sq_map_rc(rc);
}

int sq_conf_enrol_use(cstore *base_, const unsigned char code_sha[32],
		      const unsigned char token_sha[32], int64_t now_ms, char *site, size_t cap,
		      int *why, cstore_conf_cb cb, void *ctx)
{
	sqstore *st = (sqstore *)base_;
	sqlite3_stmt *find = NULL, *use = NULL, *tok = NULL;
	*why = 0;
	pthread_mutex_lock(&st->wlock);
	int rc = sq_step_done(st->begin);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->w,
					"SELECT s.id, s.name, c.expires_ms, c.used_ms, s.enabled"
					" FROM enrol_codes c JOIN sites s ON s.id = c.site"
					" WHERE c.code_sha256 = ?1",
					-1, &find, NULL);
	sqlite3_int64 sid = 0;
	if (rc == SQLITE_OK) {
		sqlite3_bind_blob(find, 1, code_sha, 32, SQLITE_STATIC);
		rc = sqlite3_step(find);
		if (rc == SQLITE_ROW) {
			sid = sqlite3_column_int64(find, 0);
			snprintf(site, cap, "%s", sq_col_text(find, 1));
			*why = sqlite3_column_type(find, 3) != SQLITE_NULL ? CSTORE_ENROL_USED
			       : sqlite3_column_int64(find, 2) <= now_ms   ? CSTORE_ENROL_EXPIRED
			       : !sqlite3_column_int(find, 4)		   ? CSTORE_ENROL_UNKNOWN
									   : 0;
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			*why = CSTORE_ENROL_UNKNOWN;
			rc = SQLITE_OK;
		}
	}
	/* the configuration the new box will run on, read in this transaction:
	 * if it cannot be read, the code stays good */
	sqlite3_stmt *cs = NULL;
	char *body = NULL, *author = NULL, *note = NULL;
	cstore_conf conf = {0};
	if (rc == SQLITE_OK && !*why)
		rc = sqlite3_prepare_v2(st->w,
					"SELECT version, author, created_ms, note, body FROM site_config"
					" WHERE site = ?1 ORDER BY version DESC LIMIT 1",
					-1, &cs, NULL);
	if (rc == SQLITE_OK && !*why) {
		sqlite3_bind_int64(cs, 1, sid);
		rc = sqlite3_step(cs);
		if (rc == SQLITE_ROW) {
			conf.site = site;
			conf.version = sqlite3_column_int64(cs, 0);
			conf.created_ms = sqlite3_column_int64(cs, 2);
			conf.len = (size_t)sqlite3_column_bytes(cs, 4);
			author = strdup(sq_col_text(cs, 1));
			note = strdup(sq_col_text(cs, 3));
			body = malloc(conf.len + 1);
			if (!author || !note || !body) {
				rc = SQLITE_NOMEM;
			} else {
				memcpy(body, sqlite3_column_text(cs, 4), conf.len);
				body[conf.len] = '\0';
				rc = SQLITE_OK;
			}
		} else if (rc == SQLITE_DONE) {
			*why = CSTORE_ENROL_UNKNOWN; /* no configuration: no good code */
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(cs);
	if (rc == SQLITE_OK && !*why)
		rc = sqlite3_prepare_v2(
		    st->w, "UPDATE enrol_codes SET used_ms = ?2 WHERE code_sha256 = ?1", -1, &use,
		    NULL);
	if (rc == SQLITE_OK && !*why) {
		sqlite3_bind_blob(use, 1, code_sha, 32, SQLITE_STATIC);
		sqlite3_bind_int64(use, 2, now_ms);
		rc = sq_step_done(use);
	}
	if (rc == SQLITE_OK && !*why)
		rc = sqlite3_prepare_v2(st->w,
					"UPDATE sites SET token_sha256 = ?2, updated_ms = ?3"
					" WHERE id = ?1",
					-1, &tok, NULL);
	if (rc == SQLITE_OK && !*why) {
		sqlite3_bind_int64(tok, 1, sid);
		sqlite3_bind_blob(tok, 2, token_sha, 32, SQLITE_STATIC);
		sqlite3_bind_int64(tok, 3, now_ms);
		rc = sq_step_done(tok);
	}
	/* the same count as cstore_sqlite.c's sites_bump: the running server
	 * reads the sites again and takes the new token */
	if (rc == SQLITE_OK && !*why)
		rc = sqlite3_exec(st->w,
				  "INSERT INTO meta VALUES('sites_version', '1') ON CONFLICT(key)"
				  " DO UPDATE SET value = CAST(value AS INTEGER) + 1",
				  NULL, NULL, NULL);
	sqlite3_finalize(find);
	sqlite3_finalize(use);
	sqlite3_finalize(tok);
	if (rc == SQLITE_OK && *why) {
		sq_step_done(st->rollback); /* nothing was written */
		site[0] = '\0';
	} else {
		rc = finish(st, rc, "using an enrolment code");
	}
	pthread_mutex_unlock(&st->wlock);
	if (rc == SQLITE_OK && !*why) {
		conf.author = author;
		conf.note = note;
		conf.body = body;
		cb(ctx, &conf);
	}
	free(body);
	free(author);
	free(note);
	if (rc == SQLITE_OK && *why)
		return CSTORE_NOT_FOUND;
	return sq_map_rc(rc);
}
