/*
 * event — the wire format of one outbox event (docs/protocol.md;
 * docs/protocol.md lists every type and field).
 *
 * Every event has the envelope seq, uuid, type and at. Ticket events
 * ("ticket.*") add the ticket's fields:
 *
 *   {"seq":42,"uuid":"019378a2-...","type":"ticket.issued",
 *    "at":"2026-11-22T10:15:03.123+01:00","ticket":"<ticket uuid>",
 *    "code":"A012","category":"digital","lang":"nl","desk":null}
 *
 * ticket.transferred adds "from": the category the ticket left.
 * ticket.served adds how the visit ended (each null when not recorded):
 * "outcome" ("solved", "referred", "follow_up"), "referred_to" (an id of
 * the site's referrals), "topics" (ids of further kinds of help dealt with,
 * possibly []) and "first_visit" (true or false). Desk events
 * ("desk.*") carry no ticket fields, only the desk (1..999), and
 * desk.opened the kinds of help the desk takes ("categories": null for
 * every kind, else an array of category ids):
 *
 *   {"seq":43,"uuid":"...","type":"desk.opened","at":"...","desk":2,
 *    "categories":["digital","tax"]}
 *   {"seq":44,"uuid":"...","type":"desk.closed","at":"...","desk":2}
 *
 * Receivers ignore fields they do not know (event_decode keeps nothing of
 * them; a receiver that must keep the content verbatim keeps the JSON text).
 *
 * The site store encodes events once, at commit time, and stores that text:
 * the bytes synced are the bytes committed.
 */
#ifndef LOKET_EVENT_H
#define LOKET_EVENT_H

#include <jansson.h>
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

/* The event as a JSON object (new reference): the envelope, then the
 * fields of its type, in the order shown above. The type is e->type when
 * that is not empty (it must then be a known name), else e->kind. NULL on
 * out of memory, an unknown type, a desk event without a desk 1..999, or
 * ncats outside 0..EVENT_MAX_CATS. */
json_t *event_encode(const event *e);

/* Validates obj and fills e (kind and type both). On error returns -1 and
 * writes the reason, naming the field ("seq: must be an integer >= 1",
 * "desk: missing", "categories[2]: must be a string"), to err. Ticket
 * events need their ticket fields; desk events need desk (1..999), and
 * desk.opened's categories are null, absent, or an array of 1..32 strings
 * of 1..31 bytes. ticket.served's outcome fields may be absent (a site
 * from before them) or null; present, outcome is one of the three words,
 * referred_to and each topic 1..31 bytes, topics at most 32, first_visit a
 * boolean. Strings must be valid UTF-8 (jansson guarantees that for
 * parsed text) and within the field's length; unknown fields are ignored.
 * An unknown type is an error ("type: unknown event type \"x.y\""). */
int event_decode(const json_t *obj, event *e, char *err, size_t errlen);

/* Only the envelope, for a receiver that keeps what it cannot interpret
 * (an event of a type from a newer site): seq (>= 1), uuid (a UUID) and
 * type (a non-empty string, known or not). Fills e->seq, uuid and type;
 * kind is the type, or EV_TYPE_COUNT when the name is unknown; at and
 * at_ms when "at" is an RFC 3339 time, else "" and 0. Nothing else is
 * read. Returns 0, or -1 with the reason in err as event_decode words it. */
int event_decode_envelope(const json_t *obj, event *e, char *err, size_t errlen);

#endif
