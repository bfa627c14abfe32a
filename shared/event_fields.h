/*
 * event_fields — one event's fields and the vocabulary of its types, with
 * nothing of the wire format: what a store keeps of an event. event.h adds
 * the JSON encoding and decoding (jansson), docs/protocol.md the meaning of
 * every field. A reader of stored events (central's store, a PostgreSQL
 * back end) includes this alone.
 */
#ifndef LOKET_EVENT_FIELDS_H
#define LOKET_EVENT_FIELDS_H

#include <stddef.h>
#include <stdint.h>

/* The one vocabulary of event types; event_type_name gives each its wire
 * name. New types go before EV_TYPE_COUNT (the wire names, not these
 * numbers, are what is stored and sent). */
typedef enum {
	EV_TICKET_ISSUED,
	EV_TICKET_CALLED,
	EV_TICKET_RECALLED,
	EV_TICKET_SERVED,
	EV_TICKET_NO_SHOW,
	EV_TICKET_CANCELLED,
	EV_TICKET_TRANSFERRED,
	EV_TICKET_EXPIRED, /* its opening day ended while it was still open */
	EV_DESK_OPENED,	   /* a desk starts working */
	EV_DESK_CLOSED,	   /* a desk stops working */
	EV_TYPE_COUNT
} event_type;

/* A yes/no question that may have been skipped; zero is "not recorded". */
typedef enum { EV_ANSWER_NULL = 0, EV_ANSWER_YES = 1, EV_ANSWER_NO = 2 } event_answer;

/* Room for a type string, also an unknown one from a newer site. */
#define EVENT_TYPE_LEN 64
#define EVENT_MAX_CATS 32 /* categories of a desk.opened */
#define EVENT_CAT_LEN  32 /* a category id and its NUL */

typedef struct {
	int64_t seq; /* >= 1 */
	char uuid[37];
	event_type kind;	   /* set by event_decode */
	char type[EVENT_TYPE_LEN]; /* its wire name, also set by event_decode */
	char at[40];
	int64_t at_ms; /* parsed from at */
	/* Ticket events only ("" in desk events): */
	char ticket[37];
	char code[16];
	char category[EVENT_CAT_LEN];
	char from[EVENT_CAT_LEN]; /* transferred only, else "" */
	char lang[8];
	/* Optional: the opening day the ticket belongs to ("YYYY-MM-DD"), as
	 * the site decided it; "" when absent. It can differ from the date of
	 * "at": a site open past midnight, or a ticket taken while the site's
	 * clock was unset and later moved to the real day. */
	char day[11];
	int desk; /* 0 = null; always 1..999 in desk events */
	/* desk.opened only: the kinds of help the desk takes, 0 = every kind. */
	int ncats;
	char cats[EVENT_MAX_CATS][EVENT_CAT_LEN];
	/* ticket.served only: how the visit ended, as the student recorded it.
	 * A zeroed event records nothing: every field is "not recorded" (null
	 * on the wire, also what a site from before these fields means). */
	char outcome[16];		 /* "solved", "referred", "follow_up"; "" null */
	char referred_to[EVENT_CAT_LEN]; /* an id of the site's referrals; "" null */
	int has_topics;			 /* 0: topics null; 1: topics[0..ntopics) */
	int ntopics;
	char topics[EVENT_MAX_CATS][EVENT_CAT_LEN]; /* further kinds of help dealt with */
	event_answer first_visit;
} event;

/* "ticket.issued", ..., "ticket.expired", "desk.opened", "desk.closed";
 * NULL for a value outside the enum. */
const char *event_type_name(event_type t);

/* The type named s (its wire name), or -1 if s names none. */
int event_type_parse(const char *s);

/* 1 for desk.opened and desk.closed, else 0. */
int event_type_is_desk(event_type t);

/* 1 if type is the wire name of a known type, else 0. */
int event_type_valid(const char *type);

#endif
