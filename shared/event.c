/*
 * event — see event.h.
 */
#include "event.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "uuid.h"

/* The one name table, indexed by event_type. */
static const char *const type_names[EV_TYPE_COUNT] = {
    [EV_TICKET_ISSUED] = "ticket.issued",
    [EV_TICKET_CALLED] = "ticket.called",
    [EV_TICKET_RECALLED] = "ticket.recalled",
    [EV_TICKET_SERVED] = "ticket.served",
    [EV_TICKET_NO_SHOW] = "ticket.no_show",
    [EV_TICKET_CANCELLED] = "ticket.cancelled",
    [EV_TICKET_TRANSFERRED] = "ticket.transferred",
    [EV_TICKET_EXPIRED] = "ticket.expired",
    [EV_DESK_OPENED] = "desk.opened",
    [EV_DESK_CLOSED] = "desk.closed",
};

const char *event_type_name(event_type t)
{
	return (int)t >= 0 && t < EV_TYPE_COUNT ? type_names[t] : NULL;
}

int event_type_parse(const char *s)
{
	for (int t = 0; t < EV_TYPE_COUNT; t++)
		if (!strcmp(s, type_names[t]))
			return t;
	return -1;
}

int event_type_is_desk(event_type t)
{
	return t == EV_DESK_OPENED || t == EV_DESK_CLOSED;
}

int event_type_valid(const char *type)
{
	return event_type_parse(type) >= 0;
}

json_t *event_encode(const event *e)
{
	int t = e->type[0] ? event_type_parse(e->type) : (int)e->kind;
	if (t < 0 || t >= EV_TYPE_COUNT) /* never an enum value outside the enum */
		return NULL;
	const char *name = event_type_name((event_type)t);
	if (e->ncats < 0 || e->ncats > EVENT_MAX_CATS ||
	    (event_type_is_desk((event_type)t) && (e->desk < 1 || e->desk > 999)))
		return NULL;
	json_t *o = json_object();
	if (!o)
		return NULL;
	int bad = 0;
	bad |= json_object_set_new(o, "seq", json_integer(e->seq));
	bad |= json_object_set_new(o, "uuid", json_string(e->uuid));
	bad |= json_object_set_new(o, "type", json_string(name));
	bad |= json_object_set_new(o, "at", json_string(e->at));
	if (!event_type_is_desk((event_type)t)) {
		bad |= json_object_set_new(o, "ticket", json_string(e->ticket));
		bad |= json_object_set_new(o, "code", json_string(e->code));
		bad |= json_object_set_new(o, "category", json_string(e->category));
		if (e->from[0])
			bad |= json_object_set_new(o, "from", json_string(e->from));
		bad |= json_object_set_new(o, "lang", json_string(e->lang));
	}
	bad |= json_object_set_new(o, "desk", e->desk > 0 ? json_integer(e->desk) : json_null());
	if (!event_type_is_desk((event_type)t) && e->day[0])
		bad |= json_object_set_new(o, "day", json_string(e->day));
	if (t == EV_TICKET_SERVED) {
		json_t *topics = e->has_topics ? json_array() : json_null();
		for (int i = 0; topics && e->has_topics && i < e->ntopics && i < EVENT_MAX_CATS; i++)
			bad |= json_array_append_new(topics, json_string(e->topics[i]));
		bad |= json_object_set_new(o, "outcome",
					   e->outcome[0] ? json_string(e->outcome) : json_null());
		bad |= json_object_set_new(o, "referred_to", e->referred_to[0]
								 ? json_string(e->referred_to)
								 : json_null());
		bad |= json_object_set_new(o, "topics", topics);
		bad |= json_object_set_new(o, "first_visit",
					   e->first_visit == EV_ANSWER_NULL ? json_null()
					   : json_boolean(e->first_visit == EV_ANSWER_YES));
	}
	if (t == EV_DESK_OPENED) {
		json_t *cats = e->ncats ? json_array() : json_null();
		for (int i = 0; cats && i < e->ncats; i++)
			bad |= json_array_append_new(cats, json_string(e->cats[i]));
		bad |= json_object_set_new(o, "categories", cats);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A string v (the field called name) into dst[cap]: "" if v is NULL or
 * null and not required. */
static int str_value(const json_t *v, const char *name, char *dst, size_t cap, int required,
		     char *err, size_t errlen)
{
	dst[0] = '\0';
	if (!v || json_is_null(v)) {
		if (required) {
			snprintf(err, errlen, "%s: missing", name);
			return -1;
		}
		return 0;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s: must be a string", name);
		return -1;
	}
	size_t len = json_string_length(v);
	if (len == 0 && required) {
		snprintf(err, errlen, "%s: must not be empty", name);
		return -1;
	}
	if (len >= cap) {
		snprintf(err, errlen, "%s: longer than %zu bytes", name, cap - 1);
		return -1;
	}
	const char *s = json_string_value(v);
	if (memchr(s, '\0', len)) {
		snprintf(err, errlen, "%s: contains a NUL character", name);
		return -1;
	}
	memcpy(dst, s, len + 1);
	return 0;
}

static int get_str(const json_t *obj, const char *key, char *dst, size_t cap, int required,
		   char *err, size_t errlen)
{
	return str_value(json_object_get(obj, key), key, dst, cap, required, err, errlen);
}

/* desk: 1..999, or (if !required) null or absent for 0. */
static int get_desk(const json_t *obj, int required, int *desk, char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, "desk");
	*desk = 0;
	if (!v || json_is_null(v)) {
		if (required) {
			snprintf(err, errlen, "desk: missing");
			return -1;
		}
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 999) {
		snprintf(err, errlen, "desk: must be %san integer 1..999",
			 required ? "" : "null or ");
		return -1;
	}
	*desk = (int)json_integer_value(v);
	return 0;
}

/* desk.opened's categories: null or absent (every kind), or an array of
 * 1..EVENT_MAX_CATS non-empty strings. */
static int get_cats(const json_t *obj, event *e, char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, "categories");
	e->ncats = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v)) {
		snprintf(err, errlen, "categories: must be null or an array of category ids");
		return -1;
	}
	size_t n = json_array_size(v);
	if (n == 0) {
		snprintf(err, errlen, "categories: empty (null means every kind of help)");
		return -1;
	}
	if (n > EVENT_MAX_CATS) {
		snprintf(err, errlen, "categories: %zu, at most %d", n, EVENT_MAX_CATS);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char name[24];
		snprintf(name, sizeof name, "categories[%zu]", i);
		if (str_value(json_array_get(v, i), name, e->cats[i], sizeof e->cats[i], 1, err,
			      errlen))
			return -1;
	}
	e->ncats = (int)n;
	return 0;
}

/* ticket.served's outcome fields: each absent or null (not recorded), or
 * a value of its kind. */
static int get_outcome(const json_t *obj, event *e, char *err, size_t errlen)
{
	if (get_str(obj, "outcome", e->outcome, sizeof e->outcome, 0, err, errlen) ||
	    get_str(obj, "referred_to", e->referred_to, sizeof e->referred_to, 0, err, errlen))
		return -1;
	if (e->outcome[0] && strcmp(e->outcome, "solved") && strcmp(e->outcome, "referred") &&
	    strcmp(e->outcome, "follow_up")) {
		snprintf(err, errlen, "outcome: must be \"solved\", \"referred\", \"follow_up\" or null");
		return -1;
	}
	const json_t *fv = json_object_get(obj, "first_visit");
	if (fv && !json_is_null(fv) && !json_is_boolean(fv)) {
		snprintf(err, errlen, "first_visit: must be true, false or null");
		return -1;
	}
	e->first_visit = !fv || json_is_null(fv) ? EV_ANSWER_NULL
			 : json_is_true(fv)	   ? EV_ANSWER_YES
						   : EV_ANSWER_NO;
	const json_t *tv = json_object_get(obj, "topics");
	if (!tv || json_is_null(tv))
		return 0;
	if (!json_is_array(tv)) {
		snprintf(err, errlen, "topics: must be null or an array of category ids");
		return -1;
	}
	size_t n = json_array_size(tv);
	if (n > EVENT_MAX_CATS) {
		snprintf(err, errlen, "topics: %zu, at most %d", n, EVENT_MAX_CATS);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char name[24];
		snprintf(name, sizeof name, "topics[%zu]", i);
		if (str_value(json_array_get(tv, i), name, e->topics[i], sizeof e->topics[i], 1, err,
			      errlen))
			return -1;
	}
	e->has_topics = 1;
	e->ntopics = (int)n;
	return 0;
}

/* seq, uuid and type: what every event has, whatever its type. */
static int get_envelope(const json_t *obj, event *e, char *err, size_t errlen)
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
	    get_str(obj, "type", e->type, sizeof e->type, 1, err, errlen))
		return -1;
	if (!uuid_valid(e->uuid)) {
		snprintf(err, errlen, "uuid: not a UUID");
		return -1;
	}
	return 0;
}

int event_decode_envelope(const json_t *obj, event *e, char *err, size_t errlen)
{
	if (get_envelope(obj, e, err, errlen))
		return -1;
	int t = event_type_parse(e->type);
	e->kind = t < 0 ? EV_TYPE_COUNT : (event_type)t;
	char why[64];
	if (get_str(obj, "at", e->at, sizeof e->at, 1, why, sizeof why) ||
	    clock_parse_iso(e->at, &e->at_ms) != 0) {
		e->at[0] = '\0';
		e->at_ms = 0;
	}
	return 0;
}

/* "YYYY-MM-DD" with digits where digits go and a month and day in range. */
static int day_valid(const char *d)
{
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? d[i] != '-' : (d[i] < '0' || d[i] > '9'))
			return 0;
	int m = (d[5] - '0') * 10 + (d[6] - '0'), dd = (d[8] - '0') * 10 + (d[9] - '0');
	return d[10] == '\0' && m >= 1 && m <= 12 && dd >= 1 && dd <= 31;
}

int event_decode(const json_t *obj, event *e, char *err, size_t errlen)
{
	if (get_envelope(obj, e, err, errlen))
		return -1;
	int t = event_type_parse(e->type);
	if (t < 0) {
		snprintf(err, errlen, "type: unknown event type \"%s\"", e->type);
		return -1;
	}
	e->kind = (event_type)t;
	if (get_str(obj, "at", e->at, sizeof e->at, 1, err, errlen))
		return -1;
	if (clock_parse_iso(e->at, &e->at_ms) != 0) {
		snprintf(err, errlen, "at: not an RFC 3339 time");
		return -1;
	}
	if (event_type_is_desk(e->kind)) {
		if (get_desk(obj, 1, &e->desk, err, errlen))
			return -1;
		return e->kind == EV_DESK_OPENED ? get_cats(obj, e, err, errlen) : 0;
	}
	if (get_str(obj, "ticket", e->ticket, sizeof e->ticket, 1, err, errlen) ||
	    get_str(obj, "code", e->code, sizeof e->code, 1, err, errlen) ||
	    get_str(obj, "category", e->category, sizeof e->category, 1, err, errlen) ||
	    get_str(obj, "from", e->from, sizeof e->from, 0, err, errlen) ||
	    get_str(obj, "lang", e->lang, sizeof e->lang, 1, err, errlen))
		return -1;
	if (!uuid_valid(e->ticket)) {
		snprintf(err, errlen, "ticket: not a UUID");
		return -1;
	}
	if (get_str(obj, "day", e->day, sizeof e->day, 0, err, errlen))
		return -1;
	if (e->day[0] && !day_valid(e->day)) {
		snprintf(err, errlen, "day: must be a date \"YYYY-MM-DD\"");
		return -1;
	}
	if (e->kind == EV_TICKET_SERVED && get_outcome(obj, e, err, errlen))
		return -1;
	return get_desk(obj, 0, &e->desk, err, errlen);
}
