/*
 * store — the site database: tickets, the outbox of events, the sync state.
 *
 * The only module that speaks SQL to a site database; everyone else speaks
 * in the domain (take, call next, serve). See store.c for the schema and
 * the transaction rules. In short:
 *
 *  - every state change of a ticket is ONE transaction that updates the
 *    ticket row and appends exactly one outbox event with the next seq
 *    (1, 2, 3, ... without gaps) and a fresh UUID v7;
 *  - when a function returns STORE_OK the change is durable (WAL with
 *    synchronous=FULL); on any other status nothing changed;
 *  - several processes may open one database at once: write transactions
 *    are BEGIN IMMEDIATE, so two desks calling "next" get different tickets
 *    and two kiosks taking tickets get different codes.
 *
 * A store handle is used by one thread at a time.
 */
#ifndef LOKET_STORE_H
#define LOKET_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "event.h"

typedef struct store store;

typedef enum {
	STORE_OK = 0,
	STORE_EMPTY,	 /* nobody waits (call next) */
	STORE_NOTFOUND,	 /* no such ticket, or no ticket at that desk */
	STORE_CONFLICT,	 /* the ticket is not in a state that allows this */
	STORE_INVALID,	 /* bad argument: unknown category, desk out of range */
	STORE_BUSY,	 /* the database stayed locked past the busy timeout */
	STORE_IO,	 /* disk full, read-only, I/O error: nothing was written */
	STORE_CORRUPT,	 /* not a loket database, or damaged */
	STORE_AMBIGUOUS, /* a code names several open tickets (old history): the
			  * message names them; act on --desk instead */
} store_status;

typedef enum {
	TICKET_WAITING,
	TICKET_CALLED, /* at a desk (called or recalled) */
	TICKET_SERVED,
	TICKET_NO_SHOW,
	TICKET_CANCELLED,
	TICKET_EXPIRED, /* its opening day ended while it was still open */
	TICKET_STATE_COUNT
} ticket_state;

/* "waiting", "called", "served", "no_show", "cancelled", "expired". */
const char *store_ticket_state_name(ticket_state s);

/* est_wait_s when no open desk takes the ticket's kind of help: the screens
 * say so instead of inventing a time. */
#define STORE_WAIT_UNKNOWN (-1)

typedef struct {
	char uuid[37];
	char code[16];	   /* "A012": category prefix and the daily number */
	char category[32]; /* category id (changes on transfer) */
	char lang[8];
	ticket_state state;
	int desk;	   /* 0 when not at a desk */
	int64_t issued_ms; /* wall clock, a label only */
	int64_t called_ms; /* 0 if never called */
	int64_t finished_ms;
	int recalls;
	char day[11];	  /* the opening day it belongs to, "YYYY-MM-DD" */
	int issued_known; /* 0: taken while the clock was unset: issued_ms is
			   * that clock's reading, not a time to count from */
	/* Filled for a waiting ticket by store_take, store_transfer, store_find
	 * and store_list_waiting (see store_estimate.c): */
	int ahead;	/* tickets the open desks will call before this one */
	int est_wait_s; /* estimated wait in seconds, or STORE_WAIT_UNKNOWN */
} store_ticket;

/* A desk that is working now (desk.opened and no desk.closed since). */
typedef struct {
	int desk;
	int64_t opened_ms;
	int ncats; /* 0: it takes every kind of help */
	char cats[CONFIG_MAX_CATEGORIES][CONFIG_ID_LEN];
} store_desk;

/* How a visit ended, as the student recorded it (ticket.served's fields,
 * docs/protocol.md). Zeroed, nothing is recorded: skipping never records a
 * default that would bias the figures. */
typedef struct {
	char outcome[16];		 /* "", "solved", "referred", "follow_up" */
	char referred_to[EVENT_CAT_LEN]; /* a referral id, with "referred" only */
	int has_topics;			 /* 0: not asked; 1: topics[0..ntopics) */
	int ntopics;
	char topics[EVENT_MAX_CATS][EVENT_CAT_LEN]; /* other kinds of help dealt with */
	event_answer first_visit;
} store_outcome;

/* Which ticket an action is about: a code or the ticket at a desk (code
 * NULL). A code names the one open ticket with it; when none is open, the
 * most recent ticket with it (so "serve A001" twice says it was served);
 * when history left several open with it, STORE_AMBIGUOUS naming them. */
typedef struct {
	const char *code;
	int desk;
} store_ref;

typedef struct {
	char category[32];
	int waiting;
	int est_wait_s; /* for a ticket taken now, or STORE_WAIT_UNKNOWN */
	int served_today;
} store_category_status;

/* Why the last delivery failed, in words staff can act on (the counter
 * says each as a translated sentence; last_error keeps the details for the
 * log). Stored as its number: never renumber, only add. */
typedef enum {
	SYNC_FAULT_NONE = 0,
	SYNC_FAULT_UNREACHABLE = 1, /* no answer: network, name, timeout */
	SYNC_FAULT_CERT = 2,	    /* TLS: the office's certificate is not trusted */
	SYNC_FAULT_SERVER = 3,	    /* the office answered with a failure (5xx, 429) */
	SYNC_FAULT_TOKEN = 4,	    /* 401 or 403: this site's token is refused */
	SYNC_FAULT_REFUSED = 5,	    /* the office refused the events (400, 413, 422) */
	SYNC_FAULT_MISMATCH = 6,    /* site and office disagree on what was sent */
	SYNC_FAULT_LOCAL = 7,	    /* this machine: its database, memory */
} sync_fault;
#define SYNC_FAULT_MAX SYNC_FAULT_LOCAL

typedef struct {
	int waiting;  /* all categories */
	int at_desks; /* tickets called and not finished */
	int served_today;
	int desks_open; /* desks working now */
	char day[11];	/* the opening day the store is on */
	int ncategories;
	store_category_status categories[CONFIG_MAX_CATEGORIES];
	int64_t last_seq;	 /* newest event in the outbox (0 if none) */
	int64_t acked_through;	 /* central office holds every seq <= this */
	int64_t backlog;	 /* last_seq - acked_through */
	int64_t last_attempt_ms; /* 0 = never */
	int64_t last_success_ms; /* 0 = never */
	char last_error[256];	 /* "" after a success */
	int64_t failing_since_ms; /* first failure since the last success; 0 = none */
	sync_fault fault;	  /* the last failure's kind; SYNC_FAULT_NONE after a success */
	int64_t heartbeat_ms;	  /* syncd's last sign of life (wall clock); 0 = never */
	int64_t heartbeat_every_ms; /* how often it writes one; 0 = it stopped cleanly */
} store_status_info;

typedef struct {
	int64_t id; /* order of commit: a later call has a higher id */
	char code[16];
	char category[32];
	int desk;
	int64_t called_ms;
	int recalled; /* 1 if this call was a recall */
	char lang[8]; /* the ticket's language; "" for a call from before schema 3 */
} store_call;

/* Opens (creating if needed) the database at path and migrates its schema.
 * cfg supplies the categories and must outlive the handle. On error returns
 * the status, *out is NULL and err holds the reason; the file is left as it
 * was (a file that is not a loket database is never written to). */
store_status store_open(const char *path, const config *cfg, store **out, char *err, size_t errlen);
void store_close(store *st);

/* Replace the configuration (after a reload). cfg must outlive the handle. */
void store_set_config(store *st, const config *cfg);

/* The last error's message, for logs and screens ("database or disk is full"). */
const char *store_errmsg(const store *st);

/* Human words for a status: "nobody is waiting", "the disk is full", ... */
const char *store_status_str(store_status s);

/* Issue a ticket in category (an id of the config) for a resident speaking
 * lang. Fills t (code, ahead, est_wait_s, ...). */
store_status store_take(store *st, const char *category, const char *lang, store_ticket *t);

/* Call the ticket waiting longest at desk (1..cfg->desks), limited to the
 * given categories when ncats > 0. A ticket still at that desk is left as
 * it is (staff finish it first): STORE_CONFLICT. STORE_EMPTY when nobody waits. */
store_status store_call_next(store *st, int desk, const char *const *cats, int ncats,
			     store_ticket *t);

store_status store_recall(store *st, store_ref ref, store_ticket *t);
store_status store_serve(store *st, store_ref ref, store_ticket *t);
/* Served, with how the visit ended (store_outcome; NULL or zeroed records
 * nothing). STORE_INVALID, naming it, for an outcome the site does not
 * know: a word, a referral or a kind of help not in the configuration. */
store_status store_serve_outcome(store *st, store_ref ref, const store_outcome *o,
				 store_ticket *t);
store_status store_no_show(store *st, store_ref ref, store_ticket *t);
/* Cancel a waiting or called ticket (the resident left, a mistake). */
store_status store_cancel(store *st, store_ref ref, store_ticket *t);
/* Move a waiting or called ticket to another category; it waits there again
 * with its code and its original place (by time of issue). */
store_status store_transfer(store *st, store_ref ref, const char *category, store_ticket *t);

/* --- desks and the day (store_day.c) ------------------------------------
 *
 * A desk is open from desk.opened to desk.closed. Calling the next ticket
 * at a closed desk opens it (with the kinds of help it asked for), so a
 * desk that works is always an open desk. Opening an open desk again only
 * updates the kinds it takes (no event); closing a closed desk is
 * STORE_CONFLICT. A desk with a ticket still at it cannot close. */
store_status store_desk_open(store *st, int desk, const char *const *cats, int ncats);
store_status store_desk_close(store *st, int desk);
store_status store_desks_open(store *st, store_desk *out, int max, int *n);

/* The day cycle: when an opening day has ended (its last closing time
 * from `hours`, or the next day's change, see docs), every ticket of it
 * still open gets ticket.expired and every open desk desk.closed, in one
 * transaction. Every action and every read runs this first, so calling it
 * is only needed by a screen that must change at closing time with nobody
 * touching anything. *expired (may be NULL) is the number of tickets
 * closed. */
store_status store_day_roll(store *st, int *expired);

/* Every open ticket (waiting or at a desk), in order of issue. */
store_status store_list_open(store *st, store_ticket *out, int max, int *n);

/* Look up a ticket without changing it. */
store_status store_find(store *st, store_ref ref, store_ticket *t);

/* The waiting tickets, longest waiting first, at most max of them (limited
 * to categories when ncats > 0). *n is how many were written. */
store_status store_list_waiting(store *st, const char *const *cats, int ncats, store_ticket *out,
				int max, int *n);

/* What the display shows: the most recent calls of the current opening
 * day, newest first, each ticket once at its newest call (a recall moves
 * it to the front), leaving out tickets that wait again (transferred),
 * were cancelled or expired. */
store_status store_recent_calls(store *st, store_call *out, int max, int *n);

/* What the display announces: every call and recall of the current
 * opening day with an id above after_id, in commit (id) order, at most
 * max. The 64 newest calls are kept, so a reader further behind misses
 * the older ones. */
store_status store_calls_after(store *st, int64_t after_id, store_call *out, int max, int *n);

/* The id of the newest call of any day (0 if none): where a display that
 * starts begins announcing. */
store_status store_last_call_id(store *st, int64_t *id);

store_status store_status_get(store *st, store_status_info *info);

/* A counter that changes whenever another connection committed to the
 * database (SQLite's PRAGMA data_version plus our own commits): poll it
 * cheaply to know when to redraw or to send. */
int64_t store_data_version(store *st);

/* --- the outbox, for loket-syncd and `loketctl events` --------------- */

/* Calls fn for each event with seq > after in seq order, with the event's
 * JSON (one line, no newline) as it was written at commit time, until
 * max_events events or max_bytes bytes of JSON (at least one event) or fn
 * returns non-zero. *last is the last seq passed to fn (after if none). */
typedef int (*store_event_fn)(void *arg, int64_t seq, const char *json, size_t len);
store_status store_events_after(store *st, int64_t after, int max_events, size_t max_bytes,
				store_event_fn fn, void *arg, int64_t *last);

/* The oldest seq still in the outbox (0 if empty): after a purge, a central
 * office that asks for older events cannot get them from here. */
store_status store_oldest_seq(store *st, int64_t *seq);

/* Record the central office's answer: it holds every event <= through.
 * acked_through never moves backwards except through store_sync_reset. */
store_status store_sync_acked(store *st, int64_t through, int64_t at_ms);

/* The central office lost events (409 after a restore): it holds only up
 * to through, which may be lower than what it acknowledged before. */
store_status store_sync_reset(store *st, int64_t through);

/* Record a failed attempt of kind fault (message "" clears the error).
 * The first failure after a success starts failing_since_ms. */
store_status store_sync_failed(store *st, int64_t at_ms, sync_fault fault, const char *message);

/* syncd's sign of life, written every every_ms while it runs and with
 * every_ms 0 when it stops cleanly: readers call it "not running" when the
 * heartbeat is older than twice every_ms (sync_state_of). */
store_status store_sync_heartbeat(store *st, int64_t at_ms, int64_t every_ms);

/* The time (at_ms, the site's wall clock when committed) of event seq, or
 * 0 if the outbox does not hold it: the age of the oldest unsent event is
 * that of seq acked_through + 1. */
store_status store_event_time(store *st, int64_t seq, int64_t *at_ms);

/* The office's configuration at this site: the version applied (its ETag;
 * "" none: the site runs on its own file), the newest version seen (what
 * If-None-Match asks with: an applied or a refused one), and why the
 * newest was refused ("" when it was not). Buffers of n bytes; a NULL
 * argument to _set leaves that value as it is. */
store_status store_config_state_set(store *st, const char *applied, const char *seen,
				    const char *refused);
store_status store_config_state_get(store *st, char *applied, size_t an, char *seen, size_t sn,
				    char *refused, size_t rn);

/* The ticket printer's state as the kiosk last found it ("ok",
 * "offline: ...", "no paper"; "" no printer) and when (wall clock). */
store_status store_printer_state_set(store *st, const char *state, int64_t at_ms);
store_status store_printer_state_get(store *st, char *state, size_t n, int64_t *at_ms);

/* --- the kiosk views' signs of life -------------------------------------- */

#define STORE_VIEW_NAME 32

typedef struct {
	char name[STORE_VIEW_NAME]; /* "ticket", "counter:2", "display", "combined" */
	int64_t alive_ms;	    /* wall clock of the last sign */
	int64_t every_ms;	    /* how often it writes one; 0: it stopped cleanly */
	int pid;
} store_view;

/* A view says it runs (every_ms while running, 0 when it stops). */
store_status store_view_alive(store *st, const char *name, int64_t at_ms, int64_t every_ms,
			      int pid);

/* Every view that ever wrote a sign, by name; at most max. */
store_status store_views(store *st, store_view *out, int max, int *n);

/* Delete acknowledged events (and finished tickets whose every event is
 * acknowledged) older than days. Never touches an unacknowledged event.
 * *purged is the number of events deleted. */
store_status store_purge(store *st, int days, int64_t *purged);

#endif
