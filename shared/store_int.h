/*
 * store_int — what the store's files share and nobody else sees.
 *
 * The store is one module in six files, one job each, all behind store.h:
 *
 *   store.c           the connection, the schema and its migrations, the
 *                     query table, transactions, errors, the meta table
 *   store_ticket.c    ticket actions: take, call next, recall, serve, ...
 *   store_day.c       the day cycle (expiry at the day's end) and desks
 *   store_estimate.c  the wait estimate (who is ahead, how long)
 *   store_read.c      reads for screens: waiting list, calls, status
 *   store_sync.c      the outbox, the sync state and the purge
 *
 * Calls go one way: store_ticket.c and store_read.c call store_estimate.c,
 * which calls store_day.c, which calls store.c; store_sync.c calls only
 * store.c, and store.c calls none of them.
 * Every SQL text lives in the query table of store.c.
 */
#ifndef LOKET_STORE_INT_H
#define LOKET_STORE_INT_H

#include <sqlite3.h>

#include "clock.h"
#include "event.h"
#include "store.h"

#define STORE_CALLS_KEPT      64
#define STORE_ESTIMATE_TTL_MS 30000
/* Before this the clock is unset (clock.h): tickets then belong to no
 * known day until the clock is right (store_day.c). */
#define STORE_CLOCK_FLOOR_MS CLOCK_SET_MIN_MS

enum {
	Q_META_GET,
	Q_LAST_SEQ,
	Q_META_SET,
	Q_COUNTER,
	Q_COUNTER_RAISE,
	Q_LAST_COUNTER_DAY,
	Q_CODE_OPEN,
	Q_TICKET_INSERT,
	Q_TICKET_BY_ID,
	Q_TICKET_BY_CODE,
	Q_TICKETS_OPEN_BY_CODE,
	Q_TICKET_AT_DESK,
	Q_TICKET_UPDATE,
	Q_TICKET_EXPIRE,
	Q_TICKET_ADOPT,
	Q_CALLS_ADOPT,
	Q_NEXT_WAITING,
	Q_OPEN_TICKETS,
	Q_WAITING,
	Q_AT_DESKS,
	Q_OUTBOX_INSERT,
	Q_CALL_INSERT,
	Q_CALL_TRIM,
	Q_RECENT_CALLS,
	Q_CALLS_AFTER,
	Q_LAST_CALL_ID,
	Q_SERVICE_TIMES,
	Q_SERVICE_TIMES_ALL,
	Q_DESKS,
	Q_DESK_GET,
	Q_DESK_OPEN,
	Q_DESK_CLOSE,
	Q_DESK_ADOPT,
	Q_DESK_REOPEN,
	Q_STATUS_COUNTS,
	Q_EVENTS_AFTER,
	Q_OLDEST_SEQ,
	Q_PURGE_OUTBOX,
	Q_PURGE_TICKETS,
	Q_DATA_VERSION,
	Q_VIEW_ALIVE,
	Q_VIEWS,
	Q_OUTBOX_AT,
	Q_COUNT
};

/* Inputs of the wait estimate that change slowly (store_estimate.c). */
typedef struct {
	int valid;
	int64_t at_mono_ms;
	int64_t service_ms[CONFIG_MAX_CATEGORIES]; /* mean desk time per ticket */
} store_est_cache;

/* What the last look of the day cycle found (store_day.c). */
typedef struct {
	int valid, trusted;
	int64_t until_ms, data_version;
	char today[11]; /* the opening day of that look */
	int other_days; /* an open ticket of another day was seen */
} store_roll_cache;

struct store {
	sqlite3 *db;
	const config *cfg;
	sqlite3_stmt *q[Q_COUNT];
	int64_t own_commits;
	sqlite3_stmt *tx_begin, *tx_commit, *tx_rollback, *tx_read;
	/* Inside an action's transaction: the seq the next event gets. Read
	 * once, by store_begin_action, and moved on by store_append_event. */
	int64_t next_seq;
	store_est_cache est;
	/* What the last look of the day cycle found (store_day.c): nothing
	 * can end before until_ms, unless another connection committed since
	 * (data_version) or the clock's trust changed. */
	store_roll_cache roll;
	/* The bounds of the last opening day asked about (store_day.c). */
	struct {
		char day[11];
		int64_t close_ms, change_ms;
	} day_bounds;
	char err[512];
};

/* --- store.c ---------------------------------------------------------- */

store_status store_db_fail(store *st, int rc, const char *what);
store_status store_fail(store *st, store_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The prepared statement for a query of the table, reset and unbound;
 * NULL (with the error recorded) if it cannot be prepared. */
sqlite3_stmt *store_q(store *st, int which);
int store_step_done(sqlite3_stmt *s);
store_status store_begin(store *st);
store_status store_commit(store *st);
void store_rollback(store *st);
/* A read transaction, so that several reads agree with each other. */
store_status store_begin_read(store *st);
void store_end_read(store *st);
int store_last_seq(store *st, int64_t *out);
int store_meta_get_int(store *st, const char *key, int64_t *out);
int store_meta_get_text(store *st, const char *key, char *buf, size_t cap);
int store_meta_set_int(store *st, const char *key, int64_t v);
int store_meta_set_text(store *st, const char *key, const char *v);
/* Fills t from a row of the ticket columns (TICKET_COLS) and *id. */
void store_read_ticket(sqlite3_stmt *s, store_ticket *t, int64_t *id);
/* Appends the ticket event kind for t (after its change) with seq
 * st->next_seq, inside the caller's transaction. from: transfers only;
 * o: ticket.served only (NULL records nothing). */
store_status store_append_ticket_event(store *st, const store_ticket *t, event_type kind,
				       const char *from, const store_outcome *o, int64_t now);
/* The same for a desk event; cats/ncats for desk.opened only. */
store_status store_append_desk_event(store *st, int desk, event_type kind, const char *const *cats,
				     int ncats, int64_t now);

/* --- store_day.c ------------------------------------------------------ */

/* BEGIN IMMEDIATE, read the next seq once, then run the day cycle for now
 * (*expired, may be NULL: tickets it closed). When the cycle changed
 * something it is committed on its own and a new transaction begun, so a
 * failing action cannot undo it. On error nothing is open. */
store_status store_begin_action(store *st, int64_t now, int *expired);
/* 1 if the wall clock at now can be believed (not a board in 1970). */
int store_clock_trusted(int64_t now);
/* The opening day now belongs to ("YYYY-MM-DD"). */
void store_day_of(const store *st, int64_t now, char day[11]);
/* The day a ticket taken now is numbered on and belongs to: the opening
 * day, or with an unset clock the last day tickets were numbered on with a
 * good one (so its codes continue that day's, and moving the ticket to the
 * real day later cannot repeat a code of either). */
store_status store_day_for_take(store *st, int64_t now, char day[11]);
/* The day cycle inside the caller's write transaction (see store.h);
 * *changed: tickets and desks it expired, closed or moved to today. */
store_status store_day_roll_locked(store *st, int64_t now, int *expired, int *changed);
/* The day cycle before a read: a cheap look, and a write transaction
 * only when something must close. */
store_status store_day_roll_if_due(store *st, int64_t now);
/* The open desks, in desk order, as they are (no day cycle first). */
store_status store_desks_read(store *st, store_desk *out, int max, int *n);
/* 1 if every open ticket is known to be of `day` (the last look of the
 * day cycle said so and nothing changed since): a code numbered on that
 * day's counter then cannot be the code of an open ticket. */
int store_day_only(const store *st, const char *day);
/* Something of `day` began at began_ms (a ticket taken, a desk opened by
 * this connection): the day cycle's shortcut must look again by its end. */
void store_day_note_open(store *st, const char *day, int64_t began_ms);
/* Opens desk inside the caller's transaction if it is closed (desk.opened
 * with cats), else sets the kinds of help it takes to cats, or, with
 * keep_cats, leaves them as they are. */
store_status store_desk_open_locked(store *st, int desk, const char *const *cats, int ncats,
				    int keep_cats, int64_t now);

/* --- store_estimate.c ------------------------------------------------- */

/* One waiting ticket as the estimate sees it. */
typedef struct {
	int64_t id;
	int ahead; /* tickets the open desks call before it */
	int est_s; /* seconds until a desk calls it, or STORE_WAIT_UNKNOWN */
} store_est;

/* Simulates how the open desks will call the waiting tickets (see
 * store_estimate.c). On STORE_OK *out holds *n entries, one per waiting
 * ticket in order of issue (the caller frees it), and per_cat (may be NULL,
 * indexed like cfg->categories) the estimate for a ticket of each category
 * taken now. Runs in the caller's read or write transaction, if any. */
store_status store_estimate_run(store *st, int64_t now, store_est **out, int *n,
				store_est *per_cat);
/* The estimate for the waiting ticket with row id into t (0/unknown if it
 * is not waiting). */
store_status store_estimate_ticket(store *st, int64_t id, int64_t now, store_ticket *t);

#endif
