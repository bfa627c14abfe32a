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

#include "event_fields.h"

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
