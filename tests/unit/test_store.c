/*
 * Unit tests of the site store: codes, days, the outbox, state changes,
 * retention and the sync state. Each test works on a fresh database in a
 * temporary folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "event.h"
#include "store.h"
#include "syncstate.h"

typedef struct {
	char dir[64];
	char db[128];
	config *cfg;
	store *st;
} fixture;

static const char site_json[] =
    "{\"site\": {\"id\": \"test\", \"name\": \"Test\"}, \"database\": \"t.db\","
    " \"languages\": [\"nl\", \"en\"], \"desks\": 3,"
    " \"categories\": ["
    "  {\"id\": \"digital\", \"prefix\": \"A\", \"label\": {\"nl\": \"D\", \"en\": \"D\"}},"
    "  {\"id\": \"tax\", \"prefix\": \"B\", \"label\": {\"nl\": \"B\", \"en\": \"T\"}},"
    "  {\"id\": \"letters\", \"prefix\": \"C\", \"label\": {\"nl\": \"C\", \"en\": \"C\"}},"
    "  {\"id\": \"homework\", \"prefix\": \"D\", \"label\": {\"nl\": \"D\", \"en\": \"D\"}},"
    "  {\"id\": \"business\", \"prefix\": \"E\", \"label\": {\"nl\": \"E\", \"en\": \"E\"}},"
    "  {\"id\": \"other\", \"prefix\": \"F\", \"label\": {\"nl\": \"F\", \"en\": \"F\"}}]}";

/* 2026-11-22 12:00 local (CET) and the next day. */
#define DAY1 "1795345200000"
#define DAY2 "1795431600000"

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/loket-unit-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	char path[128];
	snprintf(path, sizeof path, "%s/site.json", f->dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(site_json, fp);
	fclose(fp);
	char err[2048];
	f->cfg = config_load(path, err, sizeof err);
	assert_non_null(f->cfg);
	snprintf(f->db, sizeof f->db, "%s/t.db", f->dir);
	assert_string_equal(f->cfg->database, f->db);
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	setenv("LOKET_FAKE_NOW", DAY1, 1);
	assert_int_equal(store_open(f->db, f->cfg, &f->st, err, sizeof err), STORE_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	store_close(f->st);
	config_free(f->cfg);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	unsetenv("LOKET_FAKE_NOW");
	free(f);
	return 0;
}

typedef struct {
	int n;
	int64_t seqs[256];
	char types[256][24];
	char codes[256][16];
} collected;

static int collect(void *arg, int64_t seq, const char *json, size_t len)
{
	collected *c = arg;
	json_error_t je;
	json_t *j = json_loadb(json, len, 0, &je);
	assert_non_null(j);
	event e;
	char err[256];
	assert_int_equal(event_decode(j, &e, err, sizeof err), 0);
	assert_int_equal(e.seq, seq);
	if (c->n < 256) {
		c->seqs[c->n] = seq;
		snprintf(c->types[c->n], sizeof c->types[0], "%s", e.type);
		snprintf(c->codes[c->n], sizeof c->codes[0], "%s", e.code);
		c->n++;
	}
	json_decref(j);
	return 0;
}

static void events(fixture *f, collected *c)
{
	int64_t last;
	memset(c, 0, sizeof *c);
	assert_int_equal(store_events_after(f->st, 0, 0, 0, collect, c, &last), STORE_OK);
	for (int i = 0; i < c->n; i++)
		assert_int_equal(c->seqs[i], i + 1); /* no gaps */
}

static void test_codes_per_category_and_day(void **state)
{
	fixture *f = *state;
	store_ticket t;
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_string_equal(t.code, "A001");
	assert_int_equal(t.ahead, 0);
	assert_int_equal(store_take(f->st, "digital", "en", &t), STORE_OK);
	assert_string_equal(t.code, "A002");
	assert_int_equal(t.ahead, 1);
	/* No desk is open: the wait is unknown, not made up. */
	assert_int_equal(t.est_wait_s, STORE_WAIT_UNKNOWN);
	assert_int_equal(store_take(f->st, "tax", NULL, &t), STORE_OK);
	assert_string_equal(t.code, "B001");
	assert_string_equal(t.lang, "nl");

	/* Day 2: day 1's three open tickets expire first, then A001 again. */
	setenv("LOKET_FAKE_NOW", DAY2, 1);
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_string_equal(t.code, "A001");
	/* The clock jumps back into day 1: numbering continues, no reuse. */
	setenv("LOKET_FAKE_NOW", DAY1, 1);
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_string_equal(t.code, "A003");

	/* And across a reopen. */
	store_close(f->st);
	char err[512];
	assert_int_equal(store_open(f->db, f->cfg, &f->st, err, sizeof err), STORE_OK);
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_string_equal(t.code, "A004");

	collected c;
	events(f, &c);
	assert_int_equal(c.n, 9);
	for (int i = 0; i < c.n; i++)
		assert_string_equal(c.types[i],
				    i >= 3 && i < 6 ? "ticket.expired" : "ticket.issued");
}

static void test_bad_arguments_change_nothing(void **state)
{
	fixture *f = *state;
	store_ticket t;
	assert_int_equal(store_take(f->st, "nope", "nl", &t), STORE_INVALID);
	assert_int_equal(store_take(f->st, "digital", "xx", &t), STORE_INVALID);
	assert_int_equal(store_call_next(f->st, 1, NULL, 0, &t), STORE_EMPTY);
	assert_int_equal(store_call_next(f->st, 4, NULL, 0, &t), STORE_INVALID);
	assert_int_equal(store_serve(f->st, (store_ref){"A001", 0}, &t), STORE_NOTFOUND);
	assert_int_equal(store_serve(f->st, (store_ref){NULL, 1}, &t), STORE_NOTFOUND);
	collected c;
	events(f, &c);
	assert_int_equal(c.n, 0);
}

static void test_call_order_filter_and_lifecycle(void **state)
{
	fixture *f = *state;
	store_ticket t;
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK); /* A001 */
	assert_int_equal(store_take(f->st, "tax", "en", &t), STORE_OK);	    /* B001 */
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK); /* A002 */

	const char *only_tax[] = {"tax"};
	assert_int_equal(store_call_next(f->st, 2, only_tax, 1, &t), STORE_OK);
	assert_string_equal(t.code, "B001");
	assert_int_equal(t.desk, 2);
	assert_int_equal(store_call_next(f->st, 2, only_tax, 1, &t), STORE_CONFLICT);
	assert_int_equal(store_call_next(f->st, 1, NULL, 0, &t), STORE_OK);
	assert_string_equal(t.code, "A001"); /* waiting longest */

	assert_int_equal(store_recall(f->st, (store_ref){NULL, 1}, &t), STORE_OK);
	assert_int_equal(t.recalls, 1);
	assert_int_equal(store_serve(f->st, (store_ref){NULL, 1}, &t), STORE_OK);
	assert_int_equal(t.state, TICKET_SERVED);
	assert_int_equal(store_serve(f->st, (store_ref){"A001", 0}, &t), STORE_CONFLICT);
	assert_int_equal(store_no_show(f->st, (store_ref){"B001", 0}, &t), STORE_OK);
	assert_int_equal(store_cancel(f->st, (store_ref){"B001", 0}, &t), STORE_CONFLICT);

	/* Transfer: A002 moves to tax, keeps its code and its place. */
	assert_int_equal(store_take(f->st, "tax", "nl", &t), STORE_OK); /* B002 */
	assert_int_equal(store_transfer(f->st, (store_ref){"A002", 0}, "tax", &t), STORE_OK);
	assert_string_equal(t.category, "tax");
	assert_int_equal(t.ahead, 0);
	assert_int_equal(store_transfer(f->st, (store_ref){"A002", 0}, "tax", &t), STORE_INVALID);
	assert_int_equal(store_call_next(f->st, 3, only_tax, 1, &t), STORE_OK);
	assert_string_equal(t.code, "A002");
	assert_int_equal(store_cancel(f->st, (store_ref){NULL, 3}, &t), STORE_OK);

	/* The display: each ticket once, at its newest call (A001's recall);
	 * A002, cancelled, is no longer shown. Announced: all four calls. */
	store_call calls[8];
	int n;
	assert_int_equal(store_recent_calls(f->st, calls, 8, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(calls[0].code, "A001");
	assert_int_equal(calls[0].desk, 1);
	assert_int_equal(calls[0].recalled, 1);
	assert_string_equal(calls[1].code, "B001");
	assert_int_equal(store_calls_after(f->st, 0, calls, 8, &n), STORE_OK);
	assert_int_equal(n, 4);
	const char *said[] = {"B001", "A001", "A001", "A002"};
	for (int i = 0; i < 4; i++) {
		assert_string_equal(calls[i].code, said[i]);
		assert_true(i == 0 || calls[i].id > calls[i - 1].id);
	}
	assert_int_equal(calls[2].recalled, 1);
	assert_int_equal(calls[3].desk, 3);
	/* each call says its ticket's language, for the announcement */
	assert_string_equal(calls[0].lang, "en");
	assert_string_equal(calls[1].lang, "nl");
	int64_t last;
	assert_int_equal(store_last_call_id(f->st, &last), STORE_OK);
	assert_true(last == calls[3].id);
	assert_int_equal(store_calls_after(f->st, calls[1].id, calls, 1, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(calls[0].recalled, 1);

	collected c;
	events(f, &c);
	/* A desk's first call opens it. */
	static const char *want[] = {"ticket.issued",  "ticket.issued",	  "ticket.issued",
				     "desk.opened",    "ticket.called",	  "desk.opened",
				     "ticket.called",  "ticket.recalled", "ticket.served",
				     "ticket.no_show", "ticket.issued",	  "ticket.transferred",
				     "desk.opened",    "ticket.called",	  "ticket.cancelled"};
	assert_int_equal(c.n, 15);
	for (int i = 0; i < 15; i++)
		assert_string_equal(c.types[i], want[i]);

	store_status_info info;
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	assert_int_equal(info.waiting, 1);
	assert_int_equal(info.served_today, 1);
	assert_int_equal(info.desks_open, 3);
	assert_int_equal(info.last_seq, 15);
	assert_int_equal(info.backlog, 15);
}

/* The display shows the truth: a recall moves its ticket to the front
 * without a second row; a transferred ticket leaves it until it is called
 * again; an expired or cancelled one leaves it. */
static void test_display_calls(void **state)
{
	fixture *f = *state;
	store_ticket t;
	for (int i = 0; i < 5; i++)
		assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	int64_t start;
	assert_int_equal(store_last_call_id(f->st, &start), STORE_OK);
	assert_int_equal(store_call_next(f->st, 1, NULL, 0, &t), STORE_OK); /* A001 */
	assert_int_equal(store_call_next(f->st, 2, NULL, 0, &t), STORE_OK); /* A002 */
	assert_int_equal(store_call_next(f->st, 3, NULL, 0, &t), STORE_OK); /* A003 */
	assert_int_equal(store_recall(f->st, (store_ref){"A001", 0}, &t), STORE_OK);
	store_call calls[8];
	int n;
	assert_int_equal(store_recent_calls(f->st, calls, 8, &n), STORE_OK);
	assert_int_equal(n, 3);
	assert_string_equal(calls[0].code, "A001");
	assert_string_equal(calls[1].code, "A003");
	assert_string_equal(calls[2].code, "A002");
	/* A003 goes to another kind of help: off the display, and back when
	 * a desk calls it again */
	assert_int_equal(store_transfer(f->st, (store_ref){"A003", 0}, "tax", &t), STORE_OK);
	assert_int_equal(store_recent_calls(f->st, calls, 8, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(calls[0].code, "A001");
	assert_string_equal(calls[1].code, "A002");
	assert_int_equal(store_cancel(f->st, (store_ref){"A001", 0}, &t), STORE_OK);
	assert_int_equal(store_recent_calls(f->st, calls, 8, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(calls[0].code, "A002");
	const char *tax[] = {"tax"};
	assert_int_equal(store_call_next(f->st, 1, tax, 1, &t), STORE_OK);
	assert_string_equal(t.code, "A003");
	assert_int_equal(store_recent_calls(f->st, calls, 8, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(calls[0].code, "A003");
	assert_int_equal(calls[0].desk, 1);
	/* announced: every call and recall since the start, in order */
	assert_int_equal(store_calls_after(f->st, start, calls, 8, &n), STORE_OK);
	assert_int_equal(n, 5);
	const char *said[] = {"A001", "A002", "A003", "A001", "A003"};
	for (int i = 0; i < 5; i++)
		assert_string_equal(calls[i].code, said[i]);
}

static void test_sync_state_and_purge(void **state)
{
	fixture *f = *state;
	store_ticket t;
	for (int i = 0; i < 5; i++)
		assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	/* A central office claiming more than we have is refused. */
	assert_int_equal(store_sync_acked(f->st, 6, 1), STORE_INVALID);
	assert_int_equal(store_sync_acked(f->st, 3, 1), STORE_OK);
	assert_int_equal(store_sync_acked(f->st, 2, 1), STORE_OK); /* never backwards */
	store_status_info info;
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	assert_int_equal(info.acked_through, 3);
	assert_int_equal(info.backlog, 2);

	/* Purging "now" with 0 days removes only acknowledged events. */
	setenv("LOKET_FAKE_NOW", DAY2, 1);
	int64_t purged = 0;
	assert_int_equal(store_purge(f->st, 0, &purged), STORE_OK);
	assert_int_equal(purged, 3);
	int64_t oldest;
	assert_int_equal(store_oldest_seq(f->st, &oldest), STORE_OK);
	assert_int_equal(oldest, 4);
	collected c;
	int64_t last;
	memset(&c, 0, sizeof c);
	assert_int_equal(store_events_after(f->st, 0, 0, 0, collect, &c, &last), STORE_OK);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.seqs[0], 4);

	/* seq keeps counting after a purge (day 1's five tickets expire
	 * first: seqs 6..10, the new ticket 11). */
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	assert_int_equal(info.last_seq, 11);

	/* A central office restored from backup: it holds only through 1. */
	assert_int_equal(store_sync_reset(f->st, 1), STORE_OK);
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	assert_int_equal(info.acked_through, 1);
	assert_int_equal(store_sync_failed(f->st, 5, SYNC_FAULT_SERVER, "central said 503"),
			 STORE_OK);
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	assert_string_equal(info.last_error, "central said 503");
	assert_int_equal(info.last_attempt_ms, 5);
	assert_int_equal(info.fault, SYNC_FAULT_SERVER);
	assert_int_equal(info.failing_since_ms, 5);
	/* a second failure keeps the first one's time, and says its own kind */
	assert_int_equal(store_sync_failed(f->st, 9, SYNC_FAULT_UNREACHABLE, "no route"), STORE_OK);
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	assert_int_equal(info.failing_since_ms, 5);
	assert_int_equal(info.fault, SYNC_FAULT_UNREACHABLE);
	assert_int_equal(store_sync_failed(f->st, 9, (sync_fault)99, "?"), STORE_INVALID);
	/* a success clears both */
	assert_int_equal(store_sync_acked(f->st, 2, 12), STORE_OK);
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	assert_int_equal(info.failing_since_ms, 0);
	assert_int_equal(info.fault, SYNC_FAULT_NONE);
	assert_string_equal(info.last_error, "");
}

/* The sync line's states, from the stored status and the time. */
static void test_sync_state(void **state)
{
	fixture *f = *state;
	store_status_info info;
	int64_t t0 = 1790000000000; /* 2026 */
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	assert_int_equal(sync_state_of(&info, 0, t0).state, SYNC_STATE_OFF);
	assert_int_equal(sync_state_of(&info, 1, t0).state, SYNC_STATE_NEVER_RAN);

	assert_int_equal(store_sync_heartbeat(f->st, t0, 15000), STORE_OK);
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	sync_view v = sync_state_of(&info, 1, t0 + 30000);
	assert_int_equal(v.state, SYNC_STATE_UP_TO_DATE);
	/* twice the interval and a moment: syncd is gone */
	v = sync_state_of(&info, 1, t0 + 30001);
	assert_int_equal(v.state, SYNC_STATE_NOT_RUNNING);
	assert_true(v.since_ms == t0);

	store_ticket t;
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	assert_int_equal(sync_state_of(&info, 1, t0 + 1000).state, SYNC_STATE_SENDING);

	assert_int_equal(store_sync_failed(f->st, t0 + 2000, SYNC_FAULT_TOKEN, "401"), STORE_OK);
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	v = sync_state_of(&info, 1, t0 + 3000);
	assert_int_equal(v.state, SYNC_STATE_OFFLINE);
	assert_int_equal(v.fault, SYNC_FAULT_TOKEN);
	assert_true(v.since_ms == t0 + 2000);
	assert_int_equal(v.backlog, 1);
	/* not running wins over the last error: nobody is trying */
	assert_int_equal(sync_state_of(&info, 1, t0 + 60000).state, SYNC_STATE_NOT_RUNNING);

	/* a clean stop says so at once */
	assert_int_equal(store_sync_heartbeat(f->st, t0 + 4000, 0), STORE_OK);
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	assert_int_equal(sync_state_of(&info, 1, t0 + 4001).state, SYNC_STATE_NOT_RUNNING);
	assert_string_equal(sync_state_name(SYNC_STATE_NOT_RUNNING), "not-running");

	/* the kiosk views' signs of life, and the oldest unsent event's time */
	assert_int_equal(store_view_alive(f->st, "counter:2", t0, 15000, 42), STORE_OK);
	assert_int_equal(store_view_alive(f->st, "display", t0, 15000, 43), STORE_OK);
	assert_int_equal(store_view_alive(f->st, "counter:2", t0 + 15000, 0, 42), STORE_OK);
	assert_int_equal(store_view_alive(f->st, "", t0, 1, 1), STORE_INVALID);
	store_view views[4];
	int nv;
	assert_int_equal(store_views(f->st, views, 4, &nv), STORE_OK);
	assert_int_equal(nv, 2);
	assert_string_equal(views[0].name, "counter:2");
	assert_true(views[0].alive_ms == t0 + 15000);
	assert_int_equal(views[0].every_ms, 0);
	assert_int_equal(views[1].pid, 43);
	int64_t at;
	assert_int_equal(store_event_time(f->st, 1, &at), STORE_OK);
	assert_true(at > 0);
	assert_int_equal(store_event_time(f->st, 999, &at), STORE_OK);
	assert_true(at == 0);
	assert_string_equal(sync_fault_name(SYNC_FAULT_TOKEN), "token");
}

/* A day's counter outlives a purge of that day's tickets: a kiosk whose
 * clock jumps back to a purged day still never repeats a code. */
static void test_purge_keeps_day_counters(void **state)
{
	fixture *f = *state;
	store_ticket t;
	store_ref ref = {NULL, 1};
	for (int i = 0; i < 2; i++) {
		assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
		assert_int_equal(store_call_next(f->st, 1, NULL, 0, &t), STORE_OK);
		assert_int_equal(store_serve(f->st, ref, &t), STORE_OK);
	}
	store_status_info info;
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	assert_int_equal(store_sync_acked(f->st, info.last_seq, 1), STORE_OK);
	setenv("LOKET_FAKE_NOW", DAY2, 1);
	int64_t purged = 0;
	assert_int_equal(store_purge(f->st, 0, &purged), STORE_OK);
	assert_true(purged >= 5);
	setenv("LOKET_FAKE_NOW", DAY1, 1);
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_string_equal(t.code, "A003");
}

static void test_batch_limits(void **state)
{
	fixture *f = *state;
	store_ticket t;
	for (int i = 0; i < 10; i++)
		assert_int_equal(store_take(f->st, "tax", "nl", &t), STORE_OK);
	collected c = {0};
	int64_t last;
	assert_int_equal(store_events_after(f->st, 2, 3, 0, collect, &c, &last), STORE_OK);
	assert_int_equal(c.n, 3);
	assert_int_equal(last, 5);
	memset(&c, 0, sizeof c);
	/* A byte limit smaller than one event still yields one event. */
	assert_int_equal(store_events_after(f->st, 0, 100, 10, collect, &c, &last), STORE_OK);
	assert_int_equal(c.n, 1);
	assert_int_equal(last, 1);
}

static void test_foreign_files_untouched(void **state)
{
	fixture *f = *state;
	char path[160], err[512];
	store *st2 = NULL;
	snprintf(path, sizeof path, "%s/notes.db", f->dir);
	FILE *fp = fopen(path, "w");
	fputs("these are not the tickets you are looking for\n", fp);
	fclose(fp);
	struct stat before, after;
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(store_open(path, f->cfg, &st2, err, sizeof err), STORE_CORRUPT);
	assert_null(st2);
	assert_non_null(strstr(err, "not a database"));
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_size, after.st_size);

	/* A database of another site is refused by name. */
	config other = *f->cfg;
	snprintf(other.site_id, sizeof other.site_id, "elsewhere");
	assert_int_equal(store_open(f->db, &other, &st2, err, sizeof err), STORE_INVALID);
	assert_non_null(strstr(err, "belongs to site \"test\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_codes_per_category_and_day, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_arguments_change_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_call_order_filter_and_lifecycle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_display_calls, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sync_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sync_state_and_purge, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_purge_keeps_day_counters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batch_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreign_files_untouched, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
