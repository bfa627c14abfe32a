/*
 * Unit tests of libloket's small parts: the clock's formats, UUIDs, the
 * JSON position finder, hashing, opening hours and the event format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "event.h"
#include "hash.h"
#include "jsonpos.h"
#include "uuid.h"

static void test_clock_roundtrip(void **state)
{
	(void)state;
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	char buf[CLOCK_ISO_LEN];
	int64_t ms = 1795345203123; /* 2026-11-22 12:00:03.123 CET */
	clock_format_iso(ms, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-22T12:00:03.123+01:00");
	int64_t back = 0;
	assert_int_equal(clock_parse_iso(buf, &back), 0);
	assert_int_equal(back, ms);
	assert_int_equal(clock_parse_iso("2026-11-22T11:00:03.123Z", &back), 0);
	assert_int_equal(back, ms);
	assert_int_equal(clock_parse_iso("2026-07-01T12:00:00+02:00", &back), 0);
	clock_format_iso(back, buf, sizeof buf);
	assert_string_equal(buf, "2026-07-01T12:00:00.000+02:00"); /* summer time */
	static const char *bad[] = {"",
				    "2026-11-22",
				    "2026-13-01T00:00:00Z",
				    "2026-11-22T25:00:00Z",
				    "2026-11-22T10:00:00",
				    "2026-11-22T10:00:00+1:00",
				    "2026-11-22T10:00:00.Z",
				    "2026-11-22T10:00:00Zjunk"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(clock_parse_iso(bad[i], &back), -1);
	clock_local_day(ms, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-22");
	clock_local_day(1795388400000, buf, sizeof buf); /* 23:00 UTC = 00:00 CET next day */
	assert_string_equal(buf, "2026-11-23");
}

static void test_uuid_v7(void **state)
{
	(void)state;
	char a[UUID_STR_LEN], b[UUID_STR_LEN];
	assert_int_equal(uuid_v7(a), 0);
	assert_int_equal(uuid_v7(b), 0);
	assert_true(uuid_valid(a));
	assert_string_not_equal(a, b);
	assert_int_equal(a[14], '7');					  /* version */
	assert_non_null(strchr("89ab", a[19]));				  /* variant */
	assert_false(uuid_valid("019378a2-0000-7000-8000-00000000000"));  /* short */
	assert_false(uuid_valid("019378a2x0000-7000-8000-000000000000")); /* dash */
	assert_false(uuid_valid("019378a2-0000-7000-8000-00000000000g"));
}

static void test_jsonpos(void **state)
{
	(void)state;
	const char *t = "{\n  \"a\": 1,\n  \"list\": [ {\"x\": \"]\\\"\"}, {\"x\": 2, \"y\": "
			"{\"z\": [1, 2]}} ]\n}";
	int line, col;
	assert_int_equal(jsonpos_find(t, strlen(t), "a", &line, &col), 0);
	assert_int_equal(line, 2);
	assert_int_equal(col, 3);
	assert_int_equal(jsonpos_find(t, strlen(t), "list[1].y.z", &line, &col), 0);
	assert_int_equal(line, 3);
	assert_int_equal(col, 42);
	assert_int_equal(jsonpos_find(t, strlen(t), "list[1].y.z[1]", &line, &col), 0);
	assert_int_equal(col, 51);
	assert_int_equal(jsonpos_find(t, strlen(t), "list[2]", &line, &col), -1);
	assert_int_equal(jsonpos_find(t, strlen(t), "nope", &line, &col), -1);
	/* Garbage and truncation never read past the end. */
	assert_int_equal(jsonpos_find("{\"a\": [1, 2", 11, "a[5]", &line, &col), -1);
	assert_int_equal(jsonpos_find("{\"a", 3, "a", &line, &col), -1);
	assert_int_equal(jsonpos_find("", 0, "a", &line, &col), -1);
}

static void test_hash(void **state)
{
	(void)state;
	char hex[HASH_HEX_LEN];
	assert_int_equal(hash_sha256_hex("1234", 4, hex), 0);
	assert_string_equal(hex,
			    "03ac674216f3e15c761ee1a5e255f067953623c8b388b4459e13f978d7c846f4");
	assert_true(hash_secret_matches("1234", 4, hex));
	assert_true(hash_secret_matches(
	    "1234", 4, "03AC674216F3E15C761EE1A5E255F067953623C8B388B4459E13F978D7C846F4"));
	assert_false(hash_secret_matches("1235", 4, hex));
	assert_false(hash_secret_matches("1234", 4, "03ac"));
	assert_false(hash_hex_valid("zz"));
}

static void test_opening_hours(void **state)
{
	(void)state;
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	const char *path = "/tmp/loket-hours-test.json";
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"site\": {\"id\": \"t\", \"name\": \"T\"}, \"database\": \"t.db\", \"languages\": "
	      "[\"nl\"],"
	      " \"categories\": [{\"id\": \"a\", \"prefix\": \"A\", \"label\": {\"nl\": \"A\"}}],"
	      " \"hours\": {\"mon\": [\"09:00-12:00\", \"13:00-17:00\"], \"fri\": "
	      "[\"10:00-11:00\"]}}",
	      f);
	fclose(f);
	char err[1024];
	config *cfg = config_load(path, err, sizeof err);
	assert_non_null(cfg);
	int64_t next;
	/* Monday 2026-11-23 10:00 CET = 09:00 UTC: open. */
	int64_t mon10 = 1795424400000;
	assert_true(config_is_open(cfg, mon10, &next));
	/* 12:30: lunch, opens again at 13:00. */
	assert_false(config_is_open(cfg, mon10 + 150 * 60000, &next));
	assert_int_equal(next, mon10 + 180 * 60000);
	/* 17:30: next is Friday 10:00. */
	assert_false(config_is_open(cfg, mon10 + 450 * 60000, &next));
	assert_int_equal(next, mon10 + 4 * 86400000LL);
	config_free(cfg);

	/* A closed day (a holiday) closes a day its hours would open, and the
	 * next opening skips it: Monday 23 and Friday 27 closed, so from
	 * Monday 10:00 the next opening is Monday 30 at 09:00. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"site\": {\"id\": \"t\", \"name\": \"T\"}, \"database\": \"t.db\", \"languages\": "
	      "[\"nl\"],"
	      " \"categories\": [{\"id\": \"a\", \"prefix\": \"A\", \"label\": {\"nl\": \"A\"}}],"
	      " \"hours\": {\"mon\": [\"09:00-12:00\", \"13:00-17:00\"], \"fri\": "
	      "[\"10:00-11:00\"]}, \"closed_days\": [\"2026-11-23\", \"2026-11-27\"]}",
	      f);
	fclose(f);
	cfg = config_load(path, err, sizeof err);
	assert_non_null(cfg);
	assert_false(config_is_open(cfg, mon10, &next));
	assert_int_equal(next, mon10 + 7 * 86400000LL - 60 * 60000);
	assert_true(config_is_open(cfg, mon10 + 7 * 86400000LL, &next));
	config_free(cfg);
	remove(path);
}

/* The office's part of a site file: the same checks, the key named, local
 * keys refused as such. */
static void test_config_managed(void **state)
{
	(void)state;
	char err[2048];
	const char *good = "{\"site\": {\"name\": \"T\"}, \"languages\": [\"nl\", \"en\"],"
			   " \"categories\": [{\"id\": \"a\", \"prefix\": \"A\","
			   " \"label\": {\"nl\": \"A\", \"en\": \"A\"}}], \"desks\": 2}";
	assert_int_equal(config_check_managed("office", good, strlen(good), err, sizeof err), 0);
	assert_string_equal(err, "");
	const char *nolabel = "{\"languages\": [\"nl\", \"en\"],\n \"categories\": [{\"id\": "
			      "\"a\", \"prefix\": \"A\", \"label\": {\"nl\": \"A\"}}]}";
	assert_int_equal(config_check_managed("office", nolabel, strlen(nolabel), err, sizeof err),
			 -1);
	assert_non_null(strstr(err, "office:2:"));
	assert_non_null(strstr(err, "categories[0].label: no label for language \"en\""));
	const char *local =
	    "{\"languages\": [\"nl\"], \"categories\": [{\"id\": \"a\", "
	    "\"prefix\": \"A\", \"label\": {\"nl\": \"A\"}}], \"database\": \"x.db\","
	    " \"site\": {\"id\": \"x\", \"name\": \"X\"}}";
	assert_int_equal(config_check_managed("office", local, strlen(local), err, sizeof err), -1);
	assert_non_null(strstr(err, "database: stays local"));
	assert_non_null(strstr(err, "site.id: stays local"));
	assert_int_equal(config_check_managed("office", "[1]", 3, err, sizeof err), -1);
	assert_int_equal(config_check_managed("office", "{", 1, err, sizeof err), -1);
}

/* --- the event format ------------------------------------------------------ */

/* text decoded, re-encoded and compared with text (key order kept). */
static void roundtrip(const char *text, event *e)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	assert_non_null(j);
	char err[200] = "";
	if (event_decode(j, e, err, sizeof err)) {
		print_error("decoding %s: %s\n", text, err);
		fail();
	}
	json_t *back = event_encode(e);
	assert_non_null(back);
	char *s = json_dumps(back, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(s, text);
	free(s);
	json_decref(back);
	json_decref(j);
}

/* The error event_decode gives for text, which must fail. */
static const char *decode_error(const char *text)
{
	static char err[200];
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	assert_non_null(j);
	event e;
	err[0] = '\0';
	assert_int_equal(event_decode(j, &e, err, sizeof err), -1);
	json_decref(j);
	return err;
}

static void test_event_types(void **state)
{
	(void)state;
	for (int t = 0; t < EV_TYPE_COUNT; t++) {
		const char *n = event_type_name((event_type)t);
		assert_non_null(n);
		assert_int_equal(event_type_parse(n), t);
		assert_true(event_type_valid(n));
		assert_int_equal(event_type_is_desk((event_type)t), !strncmp(n, "desk.", 5));
	}
	assert_string_equal(event_type_name(EV_TICKET_ISSUED), "ticket.issued");
	assert_string_equal(event_type_name(EV_TICKET_EXPIRED), "ticket.expired");
	assert_string_equal(event_type_name(EV_DESK_OPENED), "desk.opened");
	assert_string_equal(event_type_name(EV_DESK_CLOSED), "desk.closed");
	assert_null(event_type_name(EV_TYPE_COUNT));
	assert_int_equal(event_type_parse("ticket.exploded"), -1);
	assert_int_equal(event_type_parse(""), -1);
	assert_int_equal(event_type_parse("desk"), -1);
	assert_false(event_type_valid("Ticket.issued"));
	assert_true(event_type_is_desk(EV_DESK_CLOSED));
	assert_false(event_type_is_desk(EV_TICKET_EXPIRED));
}

#define ENV(seq, type)                                                                             \
	"{\"seq\":" #seq ",\"uuid\":\"01937000-0000-7000-8000-000000000001\",\"type\":\"" type     \
	"\",\"at\":\"2026-11-22T17:00:00.000+01:00\""
#define TICKET                                                                                     \
	",\"ticket\":\"01937000-0000-7000-9000-000000000001\",\"code\":\"A001\",\"category\":"     \
	"\"digital\",\"lang\":\"nl\""

static void test_event_roundtrip(void **state)
{
	(void)state;
	event e;
	roundtrip(ENV(1, "ticket.issued") TICKET ",\"desk\":null}", &e);
	assert_int_equal(e.kind, EV_TICKET_ISSUED);
	roundtrip(
	    ENV(2,
		"ticket.transferred") ",\"ticket\":\"01937000-0000-7000-9000-000000000001\","
				      "\"code\":\"A001\",\"category\":\"tax\",\"from\":\"digital\","
				      "\"lang\":\"nl\",\"desk\":null}",
	    &e);
	assert_string_equal(e.from, "digital");
	/* ticket.expired: the ticket's fields, and the desk it was at or null. */
	roundtrip(ENV(3, "ticket.expired") TICKET ",\"desk\":null}", &e);
	assert_int_equal(e.kind, EV_TICKET_EXPIRED);
	assert_string_equal(e.type, "ticket.expired");
	assert_int_equal(e.desk, 0);
	roundtrip(ENV(4, "ticket.expired") TICKET ",\"desk\":3}", &e);
	assert_int_equal(e.desk, 3);
	assert_string_equal(e.code, "A001");
	assert_int_equal(e.at_ms, 1795363200000);
	/* The opening day a ticket event may name ("day"), after "desk". */
	roundtrip(ENV(6, "ticket.served") TICKET ",\"desk\":3,\"day\":\"2026-11-21\",\"outcome\":null,"
				       "\"referred_to\":null,\"topics\":null,\"first_visit\":null}",
		  &e);
	assert_int_equal(e.first_visit, EV_ANSWER_NULL);
	assert_int_equal(e.has_topics, 0);
	assert_string_equal(e.day, "2026-11-21");
	/* how the visit ended, every field recorded */
	roundtrip(ENV(6, "ticket.served") TICKET ",\"desk\":3,\"day\":\"2026-11-21\",\"outcome\":"
				       "\"referred\",\"referred_to\":\"wij\",\"topics\":[\"tax\","
				       "\"letters\"],\"first_visit\":false}",
		  &e);
	assert_string_equal(e.outcome, "referred");
	assert_string_equal(e.referred_to, "wij");
	assert_int_equal(e.ntopics, 2);
	assert_string_equal(e.topics[1], "letters");
	assert_int_equal(e.first_visit, EV_ANSWER_NO);
	roundtrip(ENV(6, "ticket.served") TICKET ",\"desk\":3,\"outcome\":\"solved\","
				       "\"referred_to\":null,\"topics\":[],\"first_visit\":true}",
		  &e);
	assert_int_equal(e.has_topics, 1);
	assert_int_equal(e.ntopics, 0);
	/* a site from before the outcome fields: nothing recorded */
	event old;
	json_t *jo = json_loads(ENV(6, "ticket.served") TICKET ",\"desk\":3}", 0, NULL);
	char oerr[200];
	assert_int_equal(event_decode(jo, &old, oerr, sizeof oerr), 0);
	json_decref(jo);
	assert_string_equal(old.outcome, "");
	assert_int_equal(old.first_visit, EV_ANSWER_NULL);
	/* desk.opened with the kinds of help it takes, and for every kind. */
	roundtrip(ENV(5, "desk.opened") ",\"desk\":2,\"categories\":[\"digital\",\"tax\"]}", &e);
	assert_int_equal(e.kind, EV_DESK_OPENED);
	assert_int_equal(e.desk, 2);
	assert_int_equal(e.ncats, 2);
	assert_string_equal(e.cats[0], "digital");
	assert_string_equal(e.cats[1], "tax");
	assert_string_equal(e.ticket, "");
	assert_string_equal(e.code, "");
	roundtrip(ENV(6, "desk.opened") ",\"desk\":999,\"categories\":null}", &e);
	assert_int_equal(e.ncats, 0);
	assert_int_equal(e.desk, 999);
	roundtrip(ENV(7, "desk.closed") ",\"desk\":2}", &e);
	assert_int_equal(e.kind, EV_DESK_CLOSED);
	assert_int_equal(e.desk, 2);
	/* Absent categories mean every kind; ticket fields on a desk event and
	 * unknown fields are ignored. */
	json_t *j = json_loads(ENV(8, "desk.opened") TICKET ",\"desk\":1,\"note\":[1]}", 0, NULL);
	char err[200];
	assert_int_equal(event_decode(j, &e, err, sizeof err), 0);
	assert_int_equal(e.ncats, 0);
	assert_string_equal(e.ticket, "");
	json_decref(j);
	/* 32 categories of 31 bytes: the limits. */
	char big[2048];
	int n =
	    snprintf(big, sizeof big, "%s", ENV(9, "desk.opened") ",\"desk\":1,\"categories\":[");
	for (int i = 0; i < EVENT_MAX_CATS; i++)
		n += snprintf(big + n, sizeof big - (size_t)n, "%s\"%030d%c\"", i ? "," : "", i,
			      'x');
	snprintf(big + n, sizeof big - (size_t)n, "]}");
	roundtrip(big, &e);
	assert_int_equal(e.ncats, EVENT_MAX_CATS);
	assert_int_equal(strlen(e.cats[31]), 31);
}

static void test_event_encode(void **state)
{
	(void)state;
	/* The encoder takes the kind when the type string is empty... */
	event e;
	memset(&e, 0, sizeof e);
	e.seq = 7;
	snprintf(e.uuid, sizeof e.uuid, "01937000-0000-7000-8000-000000000007");
	snprintf(e.at, sizeof e.at, "2026-11-22T09:00:00.000+01:00");
	e.kind = EV_DESK_CLOSED;
	e.desk = 4;
	json_t *j = event_encode(&e);
	assert_non_null(j);
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(s, "{\"seq\":7,\"uuid\":\"01937000-0000-7000-8000-000000000007\","
			       "\"type\":\"desk.closed\",\"at\":\"2026-11-22T09:00:00.000+01:00\","
			       "\"desk\":4}");
	free(s);
	json_decref(j);
	/* ...and the string when it is set (as the site store has always done). */
	e.kind = EV_TICKET_ISSUED;
	snprintf(e.type, sizeof e.type, "desk.opened");
	j = event_encode(&e);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "type")), "desk.opened");
	assert_true(json_is_null(json_object_get(j, "categories")));
	assert_null(json_object_get(j, "ticket"));
	json_decref(j);
	/* Nothing the decoder would refuse. */
	snprintf(e.type, sizeof e.type, "ticket.exploded");
	assert_null(event_encode(&e));
	e.type[0] = '\0';
	e.kind = EV_TYPE_COUNT;
	assert_null(event_encode(&e));
	e.kind = EV_DESK_OPENED;
	e.desk = 0;
	assert_null(event_encode(&e));
	e.desk = 1;
	e.ncats = EVENT_MAX_CATS + 1;
	assert_null(event_encode(&e));
}

static void test_event_bad(void **state)
{
	(void)state;
	/* Desk events: desk missing, null, 0, too high, not an integer. */
	assert_string_equal(decode_error(ENV(1, "desk.closed") "}"), "desk: missing");
	assert_string_equal(decode_error(ENV(1, "desk.opened") ",\"categories\":null}"),
			    "desk: missing");
	assert_string_equal(decode_error(ENV(1, "desk.closed") ",\"desk\":null}"), "desk: missing");
	assert_string_equal(decode_error(ENV(1, "desk.closed") ",\"desk\":0}"),
			    "desk: must be an integer 1..999");
	assert_string_equal(decode_error(ENV(1, "desk.opened") ",\"desk\":1000}"),
			    "desk: must be an integer 1..999");
	assert_string_equal(decode_error(ENV(1, "desk.closed") ",\"desk\":\"2\"}"),
			    "desk: must be an integer 1..999");
	/* categories: not an array, empty, too many, not strings, too long. */
	assert_string_equal(
	    decode_error(ENV(1, "desk.opened") ",\"desk\":1,\"categories\":\"tax\"}"),
	    "categories: must be null or an array of category ids");
	assert_string_equal(decode_error(ENV(1, "desk.opened") ",\"desk\":1,\"categories\":{}}"),
			    "categories: must be null or an array of category ids");
	assert_string_equal(decode_error(ENV(1, "desk.opened") ",\"desk\":1,\"categories\":[]}"),
			    "categories: empty (null means every kind of help)");
	assert_string_equal(
	    decode_error(ENV(1, "desk.opened") ",\"desk\":1,\"categories\":[\"tax\",3]}"),
	    "categories[1]: must be a string");
	assert_string_equal(
	    decode_error(ENV(1, "desk.opened") ",\"desk\":1,\"categories\":[\"\"]}"),
	    "categories[0]: must not be empty");
	assert_string_equal(
	    decode_error(ENV(1, "desk.opened") ",\"desk\":1,\"categories\":["
					       "\"0123456789012345678901234567890123\"]}"),
	    "categories[0]: longer than 31 bytes");
	char big[1024];
	int n =
	    snprintf(big, sizeof big, "%s", ENV(1, "desk.opened") ",\"desk\":1,\"categories\":[");
	for (int i = 0; i <= EVENT_MAX_CATS; i++)
		n += snprintf(big + n, sizeof big - (size_t)n, "%s\"c%d\"", i ? "," : "", i);
	snprintf(big + n, sizeof big - (size_t)n, "]}");
	assert_string_equal(decode_error(big), "categories: 33, at most 32");
	/* Ticket events still need their ticket fields, expired included. */
	assert_string_equal(decode_error(ENV(1, "ticket.expired") ",\"desk\":null}"),
			    "ticket: missing");
	assert_string_equal(decode_error(ENV(1, "ticket.expired") TICKET ",\"desk\":0}"),
			    "desk: must be null or an integer 1..999");
	/* A day that is not a date. */
	assert_string_equal(decode_error(ENV(1, "ticket.served") TICKET ",\"outcome\":\"done\"}"),
			    "outcome: must be \"solved\", \"referred\", \"follow_up\" or null");
	assert_string_equal(decode_error(ENV(1, "ticket.served") TICKET ",\"first_visit\":\"yes\"}"),
			    "first_visit: must be true, false or null");
	assert_string_equal(decode_error(ENV(1, "ticket.served") TICKET ",\"topics\":[1]}"),
			    "topics[0]: must be a string");
	assert_string_equal(decode_error(ENV(1, "ticket.served") TICKET ",\"day\":\"2026-13-01\"}"),
			    "day: must be a date \"YYYY-MM-DD\"");
	assert_string_equal(decode_error(ENV(1, "ticket.served") TICKET ",\"day\":\"1 dec\"}"),
			    "day: must be a date \"YYYY-MM-DD\"");
	assert_string_equal(decode_error(ENV(1, "ticket.served") TICKET ",\"day\":7}"),
			    "day: must be a string");
	/* The envelope. */
	assert_string_equal(decode_error(ENV(1, "ticket.exploded") TICKET "}"),
			    "type: unknown event type \"ticket.exploded\"");
	assert_string_equal(decode_error(ENV(0, "desk.closed") ",\"desk\":1}"),
			    "seq: must be an integer >= 1");
	assert_string_equal(
	    decode_error("{\"seq\":1,\"uuid\":\"01937000-0000-7000-8000-000000000001\","
			 "\"type\":\"desk.closed\",\"at\":\"noon\",\"desk\":1}"),
	    "at: not an RFC 3339 time");
}

static void test_event_envelope(void **state)
{
	(void)state;
	event e;
	char err[200] = "";
	/* A type from a newer site: the envelope is read, the rest is not. */
	json_t *j = json_loads(ENV(5, "ticket.reopened") TICKET ",\"desk\":1}", 0, NULL);
	assert_int_equal(event_decode(j, &e, err, sizeof err), -1);
	assert_string_equal(err, "type: unknown event type \"ticket.reopened\"");
	assert_int_equal(event_decode_envelope(j, &e, err, sizeof err), 0);
	assert_int_equal(e.seq, 5);
	assert_string_equal(e.uuid, "01937000-0000-7000-8000-000000000001");
	assert_string_equal(e.type, "ticket.reopened");
	assert_int_equal(e.kind, EV_TYPE_COUNT);
	assert_int_equal(e.at_ms, 1795363200000);
	assert_string_equal(e.ticket, "");
	assert_int_equal(e.desk, 0);
	json_decref(j);
	/* No time, or one that is not a time: still an envelope. */
	j = json_loads("{\"seq\":1,\"uuid\":\"01937000-0000-7000-8000-000000000001\","
		       "\"type\":\"kiosk.rebooted\",\"at\":\"yesterday\"}",
		       0, NULL);
	assert_int_equal(event_decode_envelope(j, &e, err, sizeof err), 0);
	assert_string_equal(e.at, "");
	assert_int_equal(e.at_ms, 0);
	json_decref(j);
	/* A known type gets its kind (nothing else is checked). */
	j = json_loads(ENV(2, "desk.closed") "}", 0, NULL);
	assert_int_equal(event_decode_envelope(j, &e, err, sizeof err), 0);
	assert_int_equal(e.kind, EV_DESK_CLOSED);
	json_decref(j);
	/* What is no envelope. */
	static const char *const bad[][2] = {
	    {"[]", "event: must be an object"},
	    {"{\"uuid\":\"01937000-0000-7000-8000-000000000001\",\"type\":\"x\"}",
	     "seq: must be an integer >= 1"},
	    {"{\"seq\":1,\"type\":\"x\"}", "uuid: missing"},
	    {"{\"seq\":1,\"uuid\":\"nope\",\"type\":\"x\"}", "uuid: not a UUID"},
	    {"{\"seq\":1,\"uuid\":\"01937000-0000-7000-8000-000000000001\"}", "type: missing"},
	    {"{\"seq\":1,\"uuid\":\"01937000-0000-7000-8000-000000000001\",\"type\":7}",
	     "type: must be a string"},
	    {"{\"seq\":1,\"uuid\":\"01937000-0000-7000-8000-000000000001\",\"type\":\"\"}",
	     "type: must not be empty"},
	    {"{\"seq\":1,\"uuid\":\"01937000-0000-7000-8000-000000000001\",\"type\":"
	     "\"a123456789b123456789c123456789d123456789e123456789f123456789g123\"}",
	     "type: longer than 63 bytes"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		j = json_loads(bad[i][0], 0, NULL);
		assert_non_null(j);
		err[0] = '\0';
		assert_int_equal(event_decode_envelope(j, &e, err, sizeof err), -1);
		assert_string_equal(err, bad[i][1]);
		json_decref(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clock_roundtrip), cmocka_unit_test(test_uuid_v7),
	    cmocka_unit_test(test_jsonpos),	    cmocka_unit_test(test_hash),
	    cmocka_unit_test(test_opening_hours),   cmocka_unit_test(test_event_types),
	    cmocka_unit_test(test_event_roundtrip), cmocka_unit_test(test_event_encode),
	    cmocka_unit_test(test_event_bad),	    cmocka_unit_test(test_event_envelope),
	    cmocka_unit_test(test_config_managed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
