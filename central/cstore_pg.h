/*
 * cstore_pg.h — inside the PostgreSQL back end (not for the rest of
 * central/): its store and the tools its files share, as cstore_sqlite.h
 * is for SQLite. cstore_pg.c holds the events, tickets, desk spans,
 * profiles, sites and health; a further file of this back end (one domain
 * each) includes this header, adds its tables as a new migration (the list
 * in cstore_pg.c) and runs its statements through pg_tx and pg_read:
 * cstore_pg_people.c (accounts, sessions, API tokens, the audit log) and
 * cstore_pg_conf.c (the sites' managed configuration), both schema 2;
 * cstore_pg_aggkeep.c (the per-day aggregates kept at ingest), schema 3,
 * and cstore_pg_agg.c (the reports' reads of them) no tables.
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
#include "hist.h"
#include "strmap.h"

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
 * t text, b boolean, y bytea, a text[] sent as its text '{"…",…}'; I, N,
 * T arrays of bigint, integer, text, sent in binary), and its SQL. A
 * statement with a name is prepared on each connection once (the hot ones
 * of ingest); the others are sent with their parameters each time. */
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
	int binary_result; /* pg_read: the rows in binary (pg_bin_int, pg_bin_bytes) */
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
/* Column i of row 0 of a binary result (pgparams.binary_result): an
 * integer column (smallint, integer or bigint; 0 for NULL); any column's
 * bytes and their length (text too: it is NUL-terminated; "" and 0 for
 * NULL). A read of many rows spends less on both ends in binary: no
 * number printed by the server and parsed again here, no bytea in hex. */
int64_t pg_bin_int(const PGresult *r, int i);
/* The n-byte (2, 4 or 8) big-endian two's complement integer at b. */
int64_t pg_be_int(const unsigned char *b, int n);
const unsigned char *pg_bin_bytes(const PGresult *r, int i, size_t *len);
/* The columns of a ticket read (tickets t joined with sites s), in the
 * order pg_ticket_of takes them, and that row as a cstore_ticket (strings
 * valid while r is). */
#define PG_TICKET_COLUMNS                                                                          \
	"s.name, t.ticket, t.code, t.day, t.category, t.first_category, t.lang,"                   \
	" coalesce(t.outcome, ''), t.issued_at, t.called_at, t.finished_at, t.issued_ms,"          \
	" t.called_ms, t.last_called_ms, t.finished_ms, coalesce(t.desk, 0), t.calls,"             \
	" t.transfers, t.served_outcome, t.referred_to, t.topics, coalesce(t.first_visit, -1)"
cstore_ticket pg_ticket_of(const PGresult *r);

/* Column i of row 0, a bytea read as encode(…, 'hex'), into out: 0, or
 * -1 if it is not 32 bytes (NULL included). */
int pg_col_sha256(const PGresult *r, int i, unsigned char out[32]);

/* Every write transaction ends with this: meta's version counts commits
 * (cstore_version). */
int pg_version_bump(pgconn *c);

/* Every change of the sites: taken first (an advisory lock, so changes of
 * the sites run one at a time), and counted last (meta's sites_version,
 * then pg_version_bump). */
int pg_sites_lock(pgconn *c);
int pg_sites_bump(pgconn *c);

/* The set-based writes of a batch (cstore_pg_batch.c). Each statement
 * goes through send (cstore_pg.c's pipeline) with the count of rows it
 * must change (-1: any); p's memory is freed once send returns.
 * pg_events_put: the events ev[from..n) of b, one statement: without
 * skip_held a UUID or seq held fails it (23505, the transaction aborted:
 * the caller rolls back to a savepoint); with skip_held each held one is
 * skipped, the count comes short, and pg_ev_missing ($1 site, $2 the
 * seqs) finds the first seq not inserted. pg_ticket_facts_put:
 * the facts of the readable ticket events ev[from..n), in a few
 * statements. CSTORE_OK, or CSTORE_ERROR (memory). pg_batch_statement(i):
 * the i-th statement to prepare on each connection, NULL after the last. */
typedef void (*pg_send_fn)(void *ctx, const pgsql *q, const pgparams *p, long rows);
int pg_events_put(pg_send_fn send, void *ctx, int64_t sid, const cstore_batch *b, size_t from,
		  int64_t now_ms, int skip_held);
int pg_ticket_facts_put(const cstore_codec *codec, pg_send_fn send, void *ctx, int64_t sid,
			const cstore_batch *b, size_t from);
extern const pgsql pg_ev_missing;
const pgsql *pg_batch_statement(size_t i);

/* The tables of schema 2, one string each (run in the migration 1 -> 2). */
extern const char pg_people_schema[];
extern const char pg_conf_schema[];

/* The functions of cstore_ops these files give (cstore.h says what each
 * does). */
int pg_account_add(cstore *base_, const char *name, const char *role, const char *sites,
		   const char *pw_hash, int64_t now_ms);
int pg_account_get(cstore *base_, const char *name, cstore_account_cb cb, void *ctx);
int pg_accounts(cstore *base_, cstore_account_cb cb, void *ctx);
int pg_account_password(cstore *base_, const char *name, const char *pw_hash, int64_t now_ms);
int pg_account_enable(cstore *base_, const char *name, int enabled, int64_t now_ms);
int pg_session_add(cstore *base_, const unsigned char sha[32], int64_t account,
		   const unsigned char *admin_sha256, int64_t now_ms, int64_t expires_ms);
int pg_session_get(cstore *base_, const unsigned char sha[32], cstore_session_cb cb, void *ctx);
int pg_session_touch(cstore *base_, const unsigned char sha[32], int64_t now_ms);
int pg_session_end(cstore *base_, const unsigned char sha[32]);
int pg_token_add(cstore *base_, const char *name, const unsigned char sha[32], int max,
		 int64_t now_ms);
int pg_tokens_revoke(cstore *base_, const char *name, int *revoked);
int pg_token_get(cstore *base_, const unsigned char sha[32], cstore_account_cb cb, void *ctx);
int pg_audit_add(cstore *base_, int64_t at_ms, const char *actor, const char *action,
		 const char *detail);
int pg_audit(cstore *base_, int64_t before, int limit, cstore_audit_cb cb, void *ctx);

int pg_conf_put(cstore *base_, const cstore_conf_new *v, size_t n, const char *author,
		const char *note, int64_t now_ms, int64_t *version);
int pg_conf_get(cstore *base_, const char *site, int64_t version, cstore_conf_cb cb, void *ctx);
int pg_conf_versions(cstore *base_, const char *site, cstore_conf_cb cb, void *ctx);
int pg_template_put(cstore *base_, const char *name, const char *body, size_t len,
		    const char *author, int64_t now_ms);
int pg_template_get(cstore *base_, const char *name, cstore_template_cb cb, void *ctx);
int pg_templates(cstore *base_, cstore_template_cb cb, void *ctx);
int pg_enrol_code_put(cstore *base_, const char *site, const unsigned char code_sha[32],
		      int64_t now_ms, int64_t expires_ms);
int pg_enrol_use(cstore *base_, const unsigned char code_sha[32], const unsigned char token_sha[32],
		 int64_t now_ms, char *site, size_t cap, int *why, cstore_conf_cb cb, void *ctx);

/* The per-day aggregates (cstore_pg_aggkeep.c): their tables (the
 * migration 2 -> 3); the notes' temporary table of a new connection (0,
 * or -1). A batch: its tickets from ev[from] on as a text array (malloc'd
 * into *out); notes_send, in the batch's pipeline (put_batch) before its
 * facts (sign -1) and after them (1), notes those tickets as they are;
 * spans_send, after the facts, the desk spans of seqs from_seq .. to_seq;
 * then pg_agg_flush applies the notes to the aggregates (prepared: by the
 * statements pg_agg_statement(0, 1, …) prepared on the connection, else by
 * their SQL). count_all: every aggregate counted again from the tickets
 * and desk spans, *chunks the (site, month)s counted. CSTORE_OK or the
 * status. */
extern const char pg_agg_schema[];
extern const char pg_agg_schema_5[];
int pg_agg_session(PGconn *conn);
int pg_agg_batch_tickets(const cstore_batch *b, size_t from, char **out);
void pg_agg_notes_send(pg_send_fn send, void *ctx, int64_t site, const char *tickets, int sign);
void pg_agg_spans_send(pg_send_fn send, void *ctx, int64_t site, int64_t from_seq, int64_t to_seq);
int pg_agg_flush(pgconn *c, int prepared);
const pgsql *pg_agg_statement(size_t i);
int pg_agg_count_all(pgconn *c, int64_t *chunks);

/* Aggregate rows while they are added up, by a key string (cstore_pg_agg.c):
 * c[14] the counts of cstore_agg, visits .. also. row_of: the row of key,
 * new (zero) if none; NULL if out of memory; it may move the others. */
typedef struct {
	char *key;
	long c[14];
	hist wait, service;
} pg_agg_row;
typedef struct {
	pg_agg_row *v;
	size_t n, cap;
	strmap idx;
} pg_agg_rows;
pg_agg_row *pg_agg_row_of(pg_agg_rows *s, const char *key);
void pg_agg_rows_free(pg_agg_rows *s);
/* Adds (sign 1) or takes out (-1) the 14 counts at columns col.. of row
 * row of r and the two histograms after them (encode(…, 'hex')):
 * CSTORE_OK, or CSTORE_ERROR if a histogram is malformed. */
int pg_agg_add_row(pg_agg_row *a, const PGresult *r, int row, int col, int sign);

/* Runs sql (statements without parameters, ';' between them):
 * CSTORE_OK or the status. pg_failed: the status of a failed result r
 * (NULL: the connection's error), the error kept in c->err and logged. */
int pg_exec(pgconn *c, const char *sql);
int pg_failed(pgconn *c, const PGresult *r, const char *what);

/* The reports' reads (cstore_pg_agg.c): the tickets' page, and the
 * aggregates from their tables. */
int pg_tickets_page(cstore *base_, const char *from_day, const char *to_day, const char *site,
		    cstore_ticket_cursor *cur, size_t limit, cstore_ticket_cb cb, void *ctx,
		    size_t *n);
int pg_period_aggs(cstore *base_, const char *from_day, const char *to_day, const char *site,
		   cstore_agg_cb cb, void *ctx);
int pg_period_counts(cstore *base_, const char *from_day, const char *to_day, const char *site,
		     cstore_count_cb cb, void *ctx);
int pg_day_totals(cstore *base_, const char *from_day, const char *to_day, cstore_day_total_cb cb,
		  void *ctx);
int pg_month_totals(cstore *base_, const char *from_day, const char *to_day,
		    cstore_day_total_cb cb, void *ctx);
int pg_site_names(cstore *base_, cstore_name_cb cb, void *ctx);
int pg_day_cats(cstore *base_, const char *from_day, const char *to_day, const char *site,
		cstore_day_cat_cb cb, void *ctx);

#endif
