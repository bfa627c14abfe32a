/*
 * event — the wire format of one outbox event (DESIGN.md, "The event"):
 *
 *   {"seq":42,"uuid":"019378a2-...","type":"ticket.issued",
 *    "at":"2026-11-22T10:15:03.123+01:00","ticket":"<ticket uuid>",
 *    "code":"A012","category":"digital","lang":"nl","desk":null}
 *
 * ticket.transferred adds "from": the category the ticket left. Receivers
 * ignore fields they do not know (event_decode keeps nothing of them; a
 * receiver that must keep the content verbatim keeps the JSON text).
 *
 * The site store encodes events once, at commit time, and stores that text:
 * the bytes synced are the bytes committed.
 */
#ifndef LOKET_EVENT_H
#define LOKET_EVENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define EVENT_TYPE_LEN 24

typedef struct {
	int64_t seq; /* >= 1 */
	char uuid[37];
	char type[EVENT_TYPE_LEN];
	char at[40];
	int64_t at_ms; /* parsed from at */
	char ticket[37];
	char code[16];
	char category[32];
	char from[32]; /* transferred only, else "" */
	char lang[8];
	int desk; /* 0 = null */
} event;

/* 1 if type is one of the seven known types. */
int event_type_valid(const char *type);

/* The event as a JSON object (new reference, NULL on out of memory). */
json_t *event_encode(const event *e);

/* Validates obj and fills e. On error returns -1 and writes the reason,
 * naming the field ("seq: must be an integer >= 1"), to err. Strings must
 * be valid UTF-8 (jansson guarantees that for parsed text) and within the
 * field's length; unknown fields are ignored. */
int event_decode(const json_t *obj, event *e, char *err, size_t errlen);

#endif
