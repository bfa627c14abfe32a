/*
 * event — see event.h.
 */
#include "event.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "uuid.h"

static const char *const event_types[] = {
    "ticket.issued",  "ticket.called",	  "ticket.recalled",	"ticket.served",
    "ticket.no_show", "ticket.cancelled", "ticket.transferred",
};

int event_type_valid(const char *type)
{
	for (size_t i = 0; i < sizeof event_types / sizeof event_types[0]; i++)
		if (!strcmp(type, event_types[i]))
			return 1;
	return 0;
}

json_t *event_encode(const event *e)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	int bad = 0;
	bad |= json_object_set_new(o, "seq", json_integer(e->seq));
	bad |= json_object_set_new(o, "uuid", json_string(e->uuid));
	bad |= json_object_set_new(o, "type", json_string(e->type));
	bad |= json_object_set_new(o, "at", json_string(e->at));
	bad |= json_object_set_new(o, "ticket", json_string(e->ticket));
	bad |= json_object_set_new(o, "code", json_string(e->code));
	bad |= json_object_set_new(o, "category", json_string(e->category));
	if (e->from[0])
		bad |= json_object_set_new(o, "from", json_string(e->from));
	bad |= json_object_set_new(o, "lang", json_string(e->lang));
	bad |= json_object_set_new(o, "desk", e->desk > 0 ? json_integer(e->desk) : json_null());
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int get_str(const json_t *obj, const char *key, char *dst, size_t cap, int required,
		   char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);
	dst[0] = '\0';
	if (!v || json_is_null(v)) {
		if (required) {
			snprintf(err, errlen, "%s: missing", key);
			return -1;
		}
		return 0;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s: must be a string", key);
		return -1;
	}
	size_t len = json_string_length(v);
	if (len == 0 && required) {
		snprintf(err, errlen, "%s: must not be empty", key);
		return -1;
	}
	if (len >= cap) {
		snprintf(err, errlen, "%s: longer than %zu bytes", key, cap - 1);
		return -1;
	}
	const char *s = json_string_value(v);
	if (memchr(s, '\0', len)) {
		snprintf(err, errlen, "%s: contains a NUL character", key);
		return -1;
	}
	memcpy(dst, s, len + 1);
	return 0;
}

int event_decode(const json_t *obj, event *e, char *err, size_t errlen)
{
	memset(e, 0, sizeof *e);
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "event: must be an object");
		return -1;
	}
	const json_t *seq = json_object_get(obj, "seq");
	if (!json_is_integer(seq) || json_integer_value(seq) < 1) {
		snprintf(err, errlen, "seq: must be an integer >= 1");
		return -1;
	}
	e->seq = json_integer_value(seq);
	if (get_str(obj, "uuid", e->uuid, sizeof e->uuid, 1, err, errlen) ||
	    get_str(obj, "type", e->type, sizeof e->type, 1, err, errlen) ||
	    get_str(obj, "at", e->at, sizeof e->at, 1, err, errlen) ||
	    get_str(obj, "ticket", e->ticket, sizeof e->ticket, 1, err, errlen) ||
	    get_str(obj, "code", e->code, sizeof e->code, 1, err, errlen) ||
	    get_str(obj, "category", e->category, sizeof e->category, 1, err, errlen) ||
	    get_str(obj, "from", e->from, sizeof e->from, 0, err, errlen) ||
	    get_str(obj, "lang", e->lang, sizeof e->lang, 1, err, errlen))
		return -1;
	if (!uuid_valid(e->uuid)) {
		snprintf(err, errlen, "uuid: not a UUID");
		return -1;
	}
	if (!uuid_valid(e->ticket)) {
		snprintf(err, errlen, "ticket: not a UUID");
		return -1;
	}
	if (!event_type_valid(e->type)) {
		snprintf(err, errlen, "type: unknown event type \"%s\"", e->type);
		return -1;
	}
	if (clock_parse_iso(e->at, &e->at_ms) != 0) {
		snprintf(err, errlen, "at: not an RFC 3339 time");
		return -1;
	}
	const json_t *desk = json_object_get(obj, "desk");
	if (desk && !json_is_null(desk)) {
		if (!json_is_integer(desk) || json_integer_value(desk) < 1 ||
		    json_integer_value(desk) > 999) {
			snprintf(err, errlen, "desk: must be null or an integer 1..999");
			return -1;
		}
		e->desk = (int)json_integer_value(desk);
	}
	return 0;
}
