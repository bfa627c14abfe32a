/*
 * cstore_sqlite.h — inside the SQLite back end (not for the rest of
 * central/): its store and the small tools its files share
 * (cstore_sqlite_conn.c). cstore_sqlite.c holds the events, tickets, desk
 * spans, profiles, sites and health, opens the store and gives the table
 * of functions; a
 * further file of this back end (one domain each) includes this header,
 * creates its own tables at open (CREATE TABLE IF NOT EXISTS, called from
 * cstore_sqlite_open) and writes on st->w holding st->wlock.
 */
#ifndef CENTRAL_CSTORE_SQLITE_H
#define CENTRAL_CSTORE_SQLITE_H

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "cstore_backend.h"

#define READERS 8

typedef struct sq_agg sq_agg;

typedef struct sqstore sqstore;
struct sqstore {
	cstore base; /* first: a cstore * is a sqstore * here */
	char *path;
	const cstore_codec *codec; /* reads events' texts (rebuild, migration) */
	int busy_ms;
	pthread_mutex_t wlock; /* the writer connection and its statements */
	sqlite3 *w;
	sqlite3_stmt *begin, *commit, *rollback, *site_get, *site_add, *site_set, *ev_get, *ev_put,
	    *ev_by_uuid;
	sqlite3_stmt *fx[EV_TYPE_COUNT]; /* the fact per event type, as fact_sql */
	sq_agg *agg;			 /* the per-day aggregates on w (cstore_sqlite_agg.c) */
	pthread_mutex_t vlock;		 /* the watch connection */
	sqlite3 *watch;			 /* only asks PRAGMA data_version */
	pthread_mutex_t rlock;		 /* the reader pool */
	sqlite3 *readers[READERS];
	int nreaders;
};

/* SQLite's result as a CSTORE_* status. */
int sq_map_rc(int rc);
/* A connection to path (created if create), with the pragmas of the store. */
sqlite3 *sq_open_conn(const char *path, int busy_ms, int create, char *err, size_t errlen);
int sq_prep(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err, size_t errlen);
/* A reader connection from the pool (NULL if none could be opened), and
 * back to the pool. */
sqlite3 *sq_reader_get(sqstore *st);
void sq_reader_put(sqstore *st, sqlite3 *db);
/* Steps s once expecting no row, resets it: SQLITE_OK or the error. */
int sq_step_done(sqlite3_stmt *s);
/* Column i as text, "" for NULL; as unix ms, -1 for NULL. */
const char *sq_col_text(sqlite3_stmt *s, int i);
int64_t sq_col_ms(sqlite3_stmt *s, int i);

/* cstore_backup (cstore_sqlite_backup.c). */
int sq_backup(cstore *st, const char *dest, int64_t *events, char *err, size_t errlen);
/* Binds text (not NULL), or SQL NULL if it is "". */
void sq_bind_text_or_null(sqlite3_stmt *s, int i, const char *text);

/* The people's tables (cstore_sqlite_people.c): created at open if need be
 * (0, or -1 with the reason in err), and the functions of cstore.h's
 * accounts, sessions, API tokens and audit log. */
int sq_people_schema(sqstore *st, char *err, size_t errlen);
int sq_people_account_add(cstore *st, const char *name, const char *role, const char *sites,
			  const char *pw_hash, int64_t now_ms);
int sq_people_account_get(cstore *st, const char *name, cstore_account_cb cb, void *ctx);
int sq_people_accounts(cstore *st, cstore_account_cb cb, void *ctx);
int sq_people_account_password(cstore *st, const char *name, const char *pw_hash,
			       int64_t now_ms);
int sq_people_account_enable(cstore *st, const char *name, int enabled, int64_t now_ms);
int sq_people_session_add(cstore *st, const unsigned char sha[32], int64_t account,
			  const unsigned char *admin_sha256, int64_t now_ms, int64_t expires_ms);
int sq_people_session_get(cstore *st, const unsigned char sha[32], cstore_session_cb cb,
			  void *ctx);
int sq_people_session_touch(cstore *st, const unsigned char sha[32], int64_t now_ms);
int sq_people_session_end(cstore *st, const unsigned char sha[32]);
int sq_people_token_add(cstore *st, const char *name, const unsigned char sha[32], int max,
			int64_t now_ms);
int sq_people_tokens_revoke(cstore *st, const char *name, int *revoked);
int sq_people_token_get(cstore *st, const unsigned char sha[32], cstore_account_cb cb,
			void *ctx);
int sq_people_audit_add(cstore *st, int64_t at_ms, const char *actor, const char *action,
			const char *detail);
int sq_people_audit(cstore *st, int64_t before, int limit, cstore_audit_cb cb, void *ctx);

/* The site configuration's domain (cstore_sqlite_conf.c): its tables,
 * created at open on st->w, and the functions of cstore_ops. */
int sq_conf_schema(sqstore *st, char *err, size_t errlen);
int sq_conf_put(cstore *st, const cstore_conf_new *v, size_t n, const char *author,
		const char *note, int64_t now_ms, int64_t *version);
int sq_conf_get(cstore *st, const char *site, int64_t version, cstore_conf_cb cb, void *ctx);
int sq_conf_versions(cstore *st, const char *site, cstore_conf_cb cb, void *ctx);
int sq_conf_template_put(cstore *st, const char *name, const char *body, size_t len,
			 const char *author, int64_t now_ms);
int sq_conf_template_get(cstore *st, const char *name, cstore_template_cb cb, void *ctx);
int sq_conf_templates(cstore *st, cstore_template_cb cb, void *ctx);
int sq_conf_enrol_code_put(cstore *st, const char *site, const unsigned char code_sha[32],
			   int64_t now_ms, int64_t expires_ms);
int sq_conf_enrol_use(cstore *st, const unsigned char code_sha[32],
		      const unsigned char token_sha[32], int64_t now_ms, char *site, size_t cap,
		      int *why, cstore_conf_cb cb, void *ctx);

/* The per-day aggregates (cstore_sqlite_agg.c, which tells the scheme). */
extern const char sq_agg_schema[];
/* The aggregates' statements on db, and the temporary table and triggers
 * that note which (site, day) a change of tickets or desk_spans touched:
 * NULL on failure, with the reason in err. */
sq_agg *sq_agg_open(sqlite3 *db, char *err, size_t errlen);
void sq_agg_close(sq_agg *a);
/* Recomputes the aggregates of every (site, day) touched since the last
 * flush from tickets and desk_spans, and forgets them: inside the
 * caller's transaction (a rollback undoes both). */
int sq_agg_flush(sq_agg *a);
/* Empties the aggregates and marks every (site, day) of tickets and
 * desk_spans touched: a flush then builds them all (rebuild, migration). */
int sq_agg_touch_all(sq_agg *a);
/* While paused (a rebuild, which counts everything again after), changes
 * of tickets note no changes for a flush. Inside the caller's
 * transaction: a rollback ends the pause. */
int sq_agg_pause(sq_agg *a, int paused);
int sq_period_aggs(cstore *base, const char *from_day, const char *to_day, const char *site,
		   cstore_agg_cb cb, void *ctx);
int sq_period_counts(cstore *base, const char *from_day, const char *to_day, const char *site,
		     cstore_count_cb cb, void *ctx);
int sq_day_totals(cstore *base, const char *from_day, const char *to_day, cstore_day_total_cb cb,
		  void *ctx);
int sq_month_totals(cstore *base, const char *from_day, const char *to_day,
		    cstore_day_total_cb cb, void *ctx);
int sq_day_cats(cstore *base, const char *from_day, const char *to_day, const char *site,
		cstore_day_cat_cb cb, void *ctx);

#endif
