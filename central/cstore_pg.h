/*
 * cstore_pg.h — inside the PostgreSQL back end (not for the rest of
 * central/): its store and the tools its files share, as cstore_sqlite.h
 * is for SQLite. cstore_pg.c holds the events, tickets, desk spans,
 * profiles, sites and health; a further file of this back end (one domain
 * each) includes this header, adds its tables as a new migration (the list
 * in cstore_pg.c) and runs its statements through pg_tx and pg_read.
 *
 * A call takes a connection of the pool (pg_conn_get), runs its statements
 * (pg_run) and gives the connection back (pg_conn_put). Parameters are
 * always passed apart from the SQL (pgparams): no statement is ever built
 * from input.
 */
#ifndef CENTRAL_CSTORE_PG_H
#define CENTRAL_CSTORE_PG_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdint.h>

#include "cstore_backend.h"

#define PG_POOL	 8  /* idle connections kept */
#define PG_CONNS 16 /* connections open at most (per process) */

/* Besides the CSTORE_* statuses, inside the back end only: */
enum {
	PGX_RETRY = -1, /* serialization failure or deadlock: run the transaction again */
	PGX_LOST = -2,	/* the connection is gone (server restarted): a new one */
};

typedef struct {
	PGconn *conn;
	int lost;      /* the connection failed: closed, not pooled, when put back */
	int discard;   /* closed when put back (a cancel was sent on it) */
	char err[200]; /* the last error of a statement, for logs and answers */
} pgconn;

typedef struct pgstore pgstore;
struct pgstore {
	cstore base; /* first: a cstore * is a pgstore * here */
	char *uri;   /* never logged: it may hold a password */
	const cstore_codec *codec;
	int busy_ms;
	pthread_mutex_t lock; /* the pool */
	pthread_cond_t freed; /* a connection was put back or closed */
	pgconn *pool[PG_POOL];
	int npool;
	int nopen; /* open: in the pool or in use */
};

/* A statement: its parameters' types, one letter each (i bigint, n integer,
 * t text, b boolean, y bytea), and its SQL. A statement with a name is
 * prepared on each connection once (the hot ones of ingest); the others
 * are sent with their parameters each time. */
typedef struct {
	const char *name;
	const char *types;
	const char *sql;
} pgsql;

/* Parameters of one statement, in order. Text is sent as it is (text
 * format if NUL-terminated, else binary with its length); numbers in
 * decimal. Valid as long as the values pointed to. */
#define PG_PARAMS 16
typedef struct {
	int n;
	const char *v[PG_PARAMS];
	int len[PG_PARAMS];
	int fmt[PG_PARAMS];
	char num[PG_PARAMS][24];
} pgparams;

void pg_p_null(pgparams *p);
void pg_p_text(pgparams *p, const char *s);		 /* NUL-terminated */
void pg_p_bytes(pgparams *p, const void *b, size_t len); /* text or bytea of len bytes */
void pg_p_int(pgparams *p, int64_t x);
void pg_p_text_or_null(pgparams *p, const char *s); /* SQL NULL if "" */

/* A connection of the pool, or a new one (at most PG_CONNS open, else
 * waiting up to busy_timeout_ms): NULL (then *status is CSTORE_BUSY: the
 * server cannot be reached now, or all are in use) if none. Back with put:
 * a lost one is closed, with every idle one (they went with it). */
pgconn *pg_conn_get(pgstore *st, int *status);
void pg_conn_put(pgstore *st, pgconn *c);

/* Runs q with p on c: its result (free with PQclear), or NULL with
 * *status set (a CSTORE_* or PGX_* status; logged unless a lost
 * connection, a busy lock or a unique violation, which callers expect). */
PGresult *pg_run(pgconn *c, const pgsql *q, const pgparams *p, int *status);
/* pg_run for a statement whose rows are not needed: CSTORE_OK or the
 * status; *changed (if not NULL) the rows it changed. */
int pg_do(pgconn *c, const pgsql *q, const pgparams *p, int64_t *changed);

/* Runs body in one transaction on a connection of the pool: committed if
 * it returns CSTORE_OK, else rolled back and its status returned. Run
 * again (a bounded number of times) after a serialization failure, a
 * deadlock or a connection lost before the commit; CSTORE_BUSY when that
 * does not end. body must expect to run more than once. */
typedef int (*pg_body)(pgstore *st, pgconn *c, void *arg);
int pg_tx(pgstore *st, pg_body body, void *arg);

/* Runs the read q with p, calling row for each row (a result of one row)
 * as it comes (constant memory); stops early (cancelling the query) when
 * row returns non-zero. CSTORE_OK or the status. */
typedef int (*pg_row_cb)(void *ctx, const PGresult *r);
int pg_read(pgstore *st, const pgsql *q, const pgparams *p, pg_row_cb row, void *ctx);

/* Column i of row 0 as text ("" for NULL), as a number (0 for NULL), as
 * unix ms (-1 for NULL). */
const char *pg_col_text(const PGresult *r, int i);
int64_t pg_col_int(const PGresult *r, int i);
int64_t pg_col_ms(const PGresult *r, int i);

/* Every write transaction ends with this: meta's version counts commits
 * (cstore_version). */
int pg_version_bump(pgconn *c);

#endif
