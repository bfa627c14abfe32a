/*
 * Unit tests of a site's day: the day cycle (expiry at closing time and at
 * the first action of a later day), codes that name one open ticket
 * whatever the clock did, desks opening and closing, and honest waits.
 * The first three tests are the cases of issue 9 as they were seen with
 * loketctl: each failed before the day cycle existed.
 *
 * The site is open Mon-Fri 09:00-17:00 and Fri evening 18:00-24:00 plus
 * Sat 00:00-02:00, with day_change 04:00 (a site open past midnight).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "event.h"
#include "store.h"

typedef struct {
	char dir[64];
	char db[128];
	config *cfg;
	store *st;
} fixture;

static const char site_json[] =
    "{\"site\": {\"id\": \"day\", \"name\": \"Day\"}, \"database\": \"d.db\","
    " \"languages\": [\"nl\"], \"desks\": 3, \"day_change\": \"04:00\","
    " \"hours\": {\"mon\": [\"09:00-17:00\"], \"tue\": [\"09:00-17:00\"],"
    "   \"wed\": [\"09:00-17:00\"], \"thu\": [\"09:00-17:00\"],"
    "   \"fri\": [\"09:00-17:00\", \"18:00-24:00\"], \"sat\": [\"00:00-02:00\"]},"
    " \"kiosk\": {\"service_minutes\": 10},"
    " \"categories\": ["
    "  {\"id\": \"digital\", \"prefix\": \"A\", \"label\": {\"nl\": \"A\"}},"
    "  {\"id\": \"tax\", \"prefix\": \"B\", \"label\": {\"nl\": \"B\"}},"
    "  {\"id\": \"letters\", \"prefix\": \"C\", \"label\": {\"nl\": \"C\"}},"
    "  {\"id\": \"homework\", \"prefix\": \"D\", \"label\": {\"nl\": \"D\"}},"
    "  {\"id\": \"business\", \"prefix\": \"E\", \"label\": {\"nl\": \"E\"}},"
    "  {\"id\": \"other\", \"prefix\": \"F\", \"label\": {\"nl\": \"F\"}}]}";

/* Sets the clock to local time "YYYY-MM-DD HH:MM" (CET). */
static void at(const char *when)
{
	struct tm tm = {0};
	assert_non_null(strptime(when, "%Y-%m-%d %H:%M", &tm));
	tm.tm_isdst = -1;
	char ms[32];
	snprintf(ms, sizeof ms, "%lld", (long long)mktime(&tm) * 1000);
	setenv("LOKET_FAKE_NOW", ms, 1);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/loket-day-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	char path[128];
	snprintf(path, sizeof path, "%s/site.json", f->dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(site_json, fp);
	fclose(fp);
	char err[2048];
	f->cfg = config_load(path, err, sizeof err);
	if (!f->cfg)
		fail_msg("%s", err);
	snprintf(f->db, sizeof f->db, "%s/d.db", f->dir);
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	at("2026-11-30 09:00");
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

/* The event types of the outbox after seq `after`, space-separated;
 * checks that the seqs run on without a gap. */
typedef struct {
	char types[4096];
	int64_t expect;
} typelist;

static int add_type(void *arg, int64_t seq, const char *json, size_t len)
{
	typelist *l = arg;
	assert_int_equal(seq, l->expect);
	l->expect++;
	json_t *j = json_loadb(json, len, 0, NULL);
	assert_non_null(j);
	const char *type = json_string_value(json_object_get(j, "type"));
	assert_non_null(type);
	size_t used = strlen(l->types);
	snprintf(l->types + used, sizeof l->types - used, "%s%s", used ? " " : "", type);
	json_decref(j);
	return 0;
}

static const char *types_after(store *st, int64_t after, typelist *l)
{
	int64_t last;
	l->types[0] = '\0';
	l->expect = after + 1;
	assert_int_equal(store_events_after(st, after, 0, 0, add_type, l, &last), STORE_OK);
	return l->types;
}

static int64_t last_seq(store *st)
{
	store_status_info info;
	assert_int_equal(store_status_get(st, &info), STORE_OK);
	return info.last_seq;
}

/* Issue 9, case 1: yesterday's tickets do not come back. */
static void test_yesterday_does_not_come_back(void **state)
{
	fixture *f = *state;
	store_ticket t, y[3];
	at("2026-11-30 15:00");
	for (int i = 0; i < 3; i++)
		assert_int_equal(store_take(f->st, "digital", "nl", &y[i]), STORE_OK);
	assert_string_equal(y[2].code, "A003");
	/* Off overnight: the first action of the morning closes yesterday. */
	at("2026-12-01 09:05");
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_string_equal(t.code, "A001");
	assert_string_equal(t.day, "2026-12-01");
	assert_int_equal(t.ahead, 0);

	store_ticket list[8];
	int n;
	assert_int_equal(store_list_waiting(f->st, NULL, 0, list, 8, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].uuid, t.uuid);
	store_status_info info;
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	assert_int_equal(info.waiting, 1);
	assert_string_equal(info.day, "2026-12-01");

	store_ticket called;
	assert_int_equal(store_call_next(f->st, 1, NULL, 0, &called), STORE_OK);
	assert_string_equal(called.uuid, t.uuid); /* today's A001, not yesterday's */
	assert_int_equal(store_find(f->st, (store_ref){"A002", 0}, &called), STORE_OK);
	assert_int_equal(called.state, TICKET_EXPIRED);

	typelist l;
	assert_string_equal(
	    types_after(f->st, 0, &l),
	    "ticket.issued ticket.issued ticket.issued ticket.expired "
	    "ticket.expired ticket.expired ticket.issued desk.opened ticket.called");
	/* The expiries say when the day ended (Monday 17:00), not when the
	 * machine came back on. */
	assert_int_equal(store_find(f->st, (store_ref){"A003", 0}, &called), STORE_OK);
	at("2026-11-30 17:00");
	assert_int_equal(called.finished_ms, strtoll(getenv("LOKET_FAKE_NOW"), NULL, 10));
}

/* Issue 9, case 2: a kiosk that booted in 1970 and was corrected at noon.
 * The morning's residents keep their tickets, and no code names two. */
static void test_clock_corrected_codes_stay_unique(void **state)
{
	fixture *f = *state;
	store_ticket a1, a2, t;
	setenv("LOKET_FAKE_NOW", "28800000", 1); /* 1970-01-01 09:00 CET */
	assert_int_equal(store_take(f->st, "digital", "nl", &a1), STORE_OK);
	assert_int_equal(store_take(f->st, "digital", "nl", &a2), STORE_OK);
	assert_string_equal(a1.code, "A001");
	at("2026-12-01 12:00");
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_string_equal(t.code, "A003");

	store_ticket open[8];
	int n;
	assert_int_equal(store_list_open(f->st, open, 8, &n), STORE_OK);
	assert_int_equal(n, 3);
	for (int i = 0; i < n; i++) {
		assert_string_equal(open[i].day, "2026-12-01"); /* moved to the real day */
		/* How long the 1970 residents waited is not known; today's is. */
		assert_int_equal(open[i].issued_known, i == 2);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(open[i].code, open[j].code);
	}
	/* serve A001 and cancel A002 act on the 1970 residents. */
	assert_int_equal(store_call_next(f->st, 1, NULL, 0, &t), STORE_OK);
	assert_string_equal(t.uuid, a1.uuid);
	assert_int_equal(store_serve(f->st, (store_ref){"A001", 0}, &t), STORE_OK);
	assert_string_equal(t.uuid, a1.uuid);
	assert_int_equal(store_cancel(f->st, (store_ref){"A002", 0}, &t), STORE_OK);
	assert_string_equal(t.uuid, a2.uuid);
}

/* A desk left open on Monday, a Tuesday morning on an unset clock with a
 * resident called to that desk, the clock right at noon: the resident
 * stays at the desk, so the desk stays open (found by tests/sim). */
static void test_desk_kept_for_its_resident(void **state)
{
	fixture *f = *state;
	store_ticket t;
	at("2026-11-30 16:00");
	assert_int_equal(store_desk_open(f->st, 1, NULL, 0), STORE_OK);
	setenv("LOKET_FAKE_NOW", "28800000", 1); /* Tuesday, but the clock says 1970 */
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_int_equal(store_call_next(f->st, 1, NULL, 0, &t), STORE_OK);
	int64_t seq = last_seq(f->st);
	at("2026-12-01 12:00");
	int expired = -1;
	assert_int_equal(store_day_roll(f->st, &expired), STORE_OK);
	assert_int_equal(expired, 0);
	store_desk d[4];
	int n;
	assert_int_equal(store_desks_open(f->st, d, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	/* The desk stays open with its resident: no desk.closed while they
	 * are there (its Monday session runs on; a known limit). */
	typelist l;
	assert_string_equal(types_after(f->st, seq, &l), "");
	assert_int_equal(store_serve(f->st, (store_ref){NULL, 1}, &t), STORE_OK);
	/* Tuesday's closing time closes it. */
	at("2026-12-01 17:00");
	assert_int_equal(store_desks_open(f->st, d, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
}

/* A desk left open on Monday and opened again on Tuesday morning on an
 * unset clock, nobody at it at the correction: Monday's session closes at
 * Monday's closing and a new one opens (found in review: the staffed
 * hours ran through the night). */
static void test_desk_reopened_on_an_unset_clock(void **state)
{
	fixture *f = *state;
	at("2026-11-30 16:00");
	assert_int_equal(store_desk_open(f->st, 1, NULL, 0), STORE_OK);
	setenv("LOKET_FAKE_NOW", "28800000", 1);
	assert_int_equal(store_desk_open(f->st, 1, NULL, 0), STORE_OK);
	int64_t seq = last_seq(f->st);
	at("2026-12-01 12:00");
	int expired = -1;
	assert_int_equal(store_day_roll(f->st, &expired), STORE_OK);
	typelist l;
	assert_string_equal(types_after(f->st, seq, &l), "desk.closed desk.opened");
	store_desk d[4];
	int n;
	assert_int_equal(store_desks_open(f->st, d, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
}

/* The first thing of the morning fails ("nobody is waiting", once
 * yesterday's tickets are gone): the day's end it ran stays done. */
static void test_failed_action_keeps_the_day_end(void **state)
{
	fixture *f = *state;
	store_ticket t;
	at("2026-11-30 16:00");
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	int64_t seq = last_seq(f->st);
	at("2026-12-01 09:00");
	assert_int_equal(store_call_next(f->st, 1, NULL, 0, &t), STORE_EMPTY);
	typelist l;
	int64_t last;
	l.types[0] = '\0';
	l.expect = seq + 1;
	assert_int_equal(store_events_after(f->st, seq, 0, 0, add_type, &l, &last), STORE_OK);
	assert_string_equal(l.types, "ticket.expired");
}

/* Found in review: on an unset clock the display showed no call (calls
 * were filed under the ticket's day, the display looked at 1970's), and at
 * the correction yesterday's calls came back onto the display. */
static void test_display_on_an_unset_clock(void **state)
{
	fixture *f = *state;
	store_ticket t;
	store_call calls[8];
	int n;
	at("2026-11-30 10:00");
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_int_equal(store_call_next(f->st, 1, NULL, 0, &t), STORE_OK);
	assert_int_equal(store_serve(f->st, (store_ref){NULL, 1}, &t), STORE_OK);
	setenv("LOKET_FAKE_NOW", "28800000", 1); /* Tuesday on a 1970 clock */
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_int_equal(store_call_next(f->st, 2, NULL, 0, &t), STORE_OK);
	assert_int_equal(store_recent_calls(f->st, calls, 8, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(calls[0].code, t.code);
	at("2026-12-01 12:00");
	assert_int_equal(store_recent_calls(f->st, calls, 8, &n), STORE_OK);
	assert_int_equal(n, 1); /* this morning's call, not Monday's */
	assert_string_equal(calls[0].code, t.code);
}

/* Found in review: with day_change 04:00, a ticket at 04:30 on the night
 * summer time starts was put on the day before and expired at once. */
static void test_day_change_and_summer_time(void **state)
{
	fixture *f = *state;
	store_ticket t;
	at("2026-03-29 04:30"); /* a Sunday, CEST since 02:00 */
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_string_equal(t.day, "2026-03-29");
	at("2026-03-29 05:00");
	store_ticket open[4];
	int n;
	assert_int_equal(store_list_open(f->st, open, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
}

/* Found in review: a clock that ran ahead and was put back left its
 * tickets open for weeks. They move to today and end with it. */
static void test_clock_put_back(void **state)
{
	fixture *f = *state;
	store_ticket t;
	at("2026-12-10 10:00");
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	at("2026-12-01 10:00");
	store_ticket open[4];
	int n;
	assert_int_equal(store_list_open(f->st, open, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(open[0].day, "2026-12-01");
	assert_int_equal(open[0].issued_known, 0);
	at("2026-12-01 17:00");
	assert_int_equal(store_list_open(f->st, open, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
}

/* Found in review: visits that span an unset clock's correction measured
 * 56 years and made every wait absurd (and an int overflow). They are not
 * desk times. */
static void test_estimate_ignores_unset_clock_visits(void **state)
{
	fixture *f = *state;
	store_ticket t;
	setenv("LOKET_FAKE_NOW", "28800000", 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
		assert_int_equal(store_call_next(f->st, 1 + i, NULL, 0, &t), STORE_OK);
	}
	at("2026-12-01 12:00");
	for (int i = 0; i < 3; i++)
		assert_int_equal(store_serve(f->st, (store_ref){NULL, 1 + i}, &t), STORE_OK);
	assert_int_equal(store_desk_close(f->st, 2), STORE_OK);
	assert_int_equal(store_desk_close(f->st, 3), STORE_OK);
	/* A fresh handle: the estimate reads the desk times anew. */
	store_close(f->st);
	char err[512];
	assert_int_equal(store_open(f->db, f->cfg, &f->st, err, sizeof err), STORE_OK);
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_int_equal(t.est_wait_s, 600); /* kiosk.service_minutes, no history */
}

/* History left two open tickets with one code (a database from before the
 * day cycle): a code given at a desk is refused, naming both. */
static void test_ambiguous_code_is_refused(void **state)
{
	fixture *f = *state;
	store_ticket t;
	at("2026-12-01 10:00");
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db,
			 "INSERT INTO tickets(uuid, day, code, category, lang, state, "
			 "issued_ms, last_seq) SELECT '01937000-0000-7000-8000-"
			 "000000000009', day, code, category, lang, 0, issued_ms - 60000, "
			 "last_seq FROM tickets",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	int64_t before = last_seq(f->st);
	assert_int_equal(store_cancel(f->st, (store_ref){"A001", 0}, &t), STORE_AMBIGUOUS);
	assert_non_null(strstr(store_errmsg(f->st), "A001 names 2 open tickets"));
	assert_non_null(strstr(store_errmsg(f->st), "--desk"));
	assert_int_equal(last_seq(f->st), before); /* nothing done */
}

/* Issue 9, case 3: one ticket in each of six kinds of help, one desk that
 * takes all kinds: the sixth resident has five ahead. */
static void test_waits_follow_how_desks_call(void **state)
{
	fixture *f = *state;
	store_ticket t[6];
	at("2026-12-01 10:00");
	const char *kinds[6] = {"digital", "tax", "letters", "homework", "business", "other"};
	for (int i = 0; i < 6; i++) {
		assert_int_equal(store_take(f->st, kinds[i], "nl", &t[i]), STORE_OK);
		assert_int_equal(t[i].ahead, i);
		assert_int_equal(t[i].est_wait_s, STORE_WAIT_UNKNOWN); /* no desk is open */
	}
	assert_int_equal(store_desk_open(f->st, 1, NULL, 0), STORE_OK);
	store_ticket list[8];
	int n;
	assert_int_equal(store_list_waiting(f->st, NULL, 0, list, 8, &n), STORE_OK);
	assert_int_equal(n, 6);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(list[i].ahead, i);
		assert_int_equal(list[i].est_wait_s, i * 600); /* 10 minutes each */
	}
	/* A second desk that takes only tax: the tax resident goes now, the
	 * others still wait for desk 1 one after another. */
	const char *tax[] = {"tax"};
	assert_int_equal(store_desk_open(f->st, 2, tax, 1), STORE_OK);
	assert_int_equal(store_list_waiting(f->st, NULL, 0, list, 8, &n), STORE_OK);
	assert_int_equal(list[1].est_wait_s, 0);
	assert_int_equal(list[5].est_wait_s, 4 * 600);
	store_status_info info;
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	assert_int_equal(info.desks_open, 2);
	assert_int_equal(info.categories[0].est_wait_s, 5 * 600); /* a new digital */
	assert_int_equal(info.categories[1].est_wait_s, 600);	  /* a new tax */
	/* Desk 1 closes: nobody takes digital any more. */
	assert_int_equal(store_desk_close(f->st, 1), STORE_OK);
	assert_int_equal(store_list_waiting(f->st, NULL, 0, list, 8, &n), STORE_OK);
	assert_int_equal(list[0].est_wait_s, STORE_WAIT_UNKNOWN);
	assert_int_equal(list[1].est_wait_s, 0);
}

static void test_desks_open_and_close(void **state)
{
	fixture *f = *state;
	store_ticket t;
	at("2026-12-01 09:00");
	const char *bad[] = {"nonsense"};
	assert_int_equal(store_desk_open(f->st, 4, NULL, 0), STORE_INVALID);
	assert_int_equal(store_desk_open(f->st, 1, bad, 1), STORE_INVALID);
	assert_int_equal(store_desk_close(f->st, 1), STORE_CONFLICT); /* not open */
	assert_int_equal(store_desk_open(f->st, 1, NULL, 0), STORE_OK);
	assert_int_equal(store_desk_open(f->st, 1, NULL, 0), STORE_OK); /* no second event */
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_int_equal(store_call_next(f->st, 1, NULL, 0, &t), STORE_OK);
	assert_int_equal(store_desk_close(f->st, 1), STORE_CONFLICT); /* A001 is there */
	assert_non_null(strstr(store_errmsg(f->st), "A001 is still at desk 1"));
	assert_int_equal(store_serve(f->st, (store_ref){NULL, 1}, &t), STORE_OK);
	assert_int_equal(store_desk_close(f->st, 1), STORE_OK);
	/* A tax desk called without naming kinds stays a tax desk. */
	const char *tax[] = {"tax"};
	assert_int_equal(store_desk_open(f->st, 2, tax, 1), STORE_OK);
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_int_equal(store_take(f->st, "tax", "nl", &t), STORE_OK);
	assert_int_equal(store_call_next(f->st, 2, NULL, 0, &t), STORE_OK);
	assert_string_equal(t.code, "B001");
	assert_int_equal(store_serve(f->st, (store_ref){NULL, 2}, &t), STORE_OK);
	assert_int_equal(store_call_next(f->st, 2, NULL, 0, &t), STORE_EMPTY);
	assert_int_equal(store_desk_close(f->st, 2), STORE_OK);
	assert_int_equal(store_cancel(f->st, (store_ref){"A002", 0}, &t), STORE_OK);
	store_desk d[4];
	int n;
	assert_int_equal(store_desks_open(f->st, d, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
	typelist l;
	assert_string_equal(types_after(f->st, 0, &l),
			    "desk.opened ticket.issued ticket.called ticket.served desk.closed "
			    "desk.opened ticket.issued ticket.issued ticket.called ticket.served "
			    "desk.closed ticket.cancelled");
}

/* Closing time with residents waiting, one at a desk and desks still
 * open: the waiting expire at 17:00, the one at the desk is being helped
 * and stays with their desk until the day changes (04:00 here). A ticket
 * staff take after closing lasts until the day changes too. */
static void test_closing_time(void **state)
{
	fixture *f = *state;
	store_ticket t;
	at("2026-11-30 10:00");
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_int_equal(store_take(f->st, "tax", "nl", &t), STORE_OK);
	assert_int_equal(store_call_next(f->st, 2, NULL, 0, &t), STORE_OK);
	int64_t seq = last_seq(f->st);
	int expired = -1;
	at("2026-11-30 16:59");
	assert_int_equal(store_day_roll(f->st, &expired), STORE_OK);
	assert_int_equal(expired, 0);
	assert_int_equal(store_desk_open(f->st, 1, NULL, 0), STORE_OK);
	seq = last_seq(f->st);
	at("2026-11-30 17:00");
	assert_int_equal(store_day_roll(f->st, &expired), STORE_OK);
	assert_int_equal(expired, 1);
	typelist l;
	assert_string_equal(types_after(f->st, seq, &l), "ticket.expired desk.closed");
	store_status_info info;
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	assert_int_equal(info.waiting, 0);
	assert_int_equal(info.at_desks, 1);
	assert_int_equal(info.desks_open, 1); /* desk 2, with its resident */
	at("2026-11-30 17:10");
	assert_int_equal(store_serve(f->st, (store_ref){NULL, 2}, &t), STORE_OK);
	assert_int_equal(store_desk_close(f->st, 2), STORE_OK);
	assert_int_equal(store_status_get(f->st, &info), STORE_OK);
	assert_int_equal(info.waiting + info.at_desks + info.desks_open, 0);
	/* The display shows no call of a closed day the next morning. */
	at("2026-12-01 09:00");
	store_call calls[4];
	int n;
	assert_int_equal(store_recent_calls(f->st, calls, 4, &n), STORE_OK);
	assert_int_equal(n, 0);

	at("2026-12-01 17:05");
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	at("2026-12-01 23:00");
	assert_int_equal(store_day_roll(f->st, &expired), STORE_OK);
	assert_int_equal(expired, 0);
	at("2026-12-02 04:00"); /* day_change */
	assert_int_equal(store_day_roll(f->st, &expired), STORE_OK);
	assert_int_equal(expired, 1);
}

/* Friday evening runs past midnight: a ticket at 01:30 on Saturday belongs
 * to Friday's opening day, which ends when Saturday's 02:00 closing comes. */
static void test_open_past_midnight(void **state)
{
	fixture *f = *state;
	store_ticket t;
	at("2026-12-04 23:30");
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	at("2026-12-05 01:30");
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_string_equal(t.code, "A002");
	assert_string_equal(t.day, "2026-12-04");
	int expired = -1;
	at("2026-12-05 01:59");
	assert_int_equal(store_day_roll(f->st, &expired), STORE_OK);
	assert_int_equal(expired, 0);
	at("2026-12-05 02:00");
	assert_int_equal(store_day_roll(f->st, &expired), STORE_OK);
	assert_int_equal(expired, 2);
}

/* A site database of schema 1 (before the day cycle) opens and migrates:
 * its tickets keep their place, and yesterday's open ones expire. */
static void test_migrates_schema_1(void **state)
{
	fixture *f = *state;
	store_close(f->st);
	f->st = NULL;
	char path[160], err[512];
	snprintf(path, sizeof path, "%s/v1.db", f->dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(
		db,
		"PRAGMA journal_mode=WAL;"
		"CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
		"CREATE TABLE tickets(id INTEGER PRIMARY KEY, uuid TEXT NOT NULL, day TEXT NOT "
		"NULL, code TEXT NOT NULL, category TEXT NOT NULL, lang TEXT NOT NULL, state "
		"INTEGER NOT NULL CHECK (state BETWEEN 0 AND 4), desk INTEGER, issued_ms INTEGER "
		"NOT NULL, called_ms INTEGER, finished_ms INTEGER, recalls INTEGER NOT NULL "
		"DEFAULT 0, last_seq INTEGER NOT NULL);"
		"CREATE INDEX tickets_waiting ON tickets(state, category, id);"
		"CREATE TABLE counters(day TEXT NOT NULL, prefix TEXT NOT NULL, last INTEGER NOT "
		"NULL, PRIMARY KEY(day, prefix)) WITHOUT ROWID;"
		"CREATE TABLE outbox(seq INTEGER PRIMARY KEY, uuid TEXT NOT NULL, at_ms INTEGER "
		"NOT NULL, body TEXT NOT NULL);"
		"CREATE TABLE calls(id INTEGER PRIMARY KEY, code TEXT NOT NULL, category TEXT NOT "
		"NULL, desk INTEGER NOT NULL, at_ms INTEGER NOT NULL, recalled INTEGER NOT NULL);"
		"INSERT INTO meta VALUES ('site_id', 'day'), ('acked_through', 0);"
		"INSERT INTO tickets(uuid, day, code, category, lang, state, issued_ms, last_seq) "
		"VALUES ('01937000-0000-7000-8000-000000000001', '2026-11-30', 'A001', "
		"'digital', 'nl', 0, 1796032800000, 1);"
		"INSERT INTO counters VALUES ('2026-11-30', 'A', 1);"
		"INSERT INTO outbox VALUES (1, '01937000-0000-7000-8000-000000000002', "
		"1796032800000, '{\"seq\":1}');"
		"PRAGMA application_id=1280265044; PRAGMA user_version=1;",
		NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	at("2026-12-01 09:30");
	assert_int_equal(store_open(path, f->cfg, &f->st, err, sizeof err), STORE_OK);
	store_ticket t;
	assert_int_equal(store_take(f->st, "digital", "nl", &t), STORE_OK);
	assert_string_equal(t.code, "A001");
	typelist l;
	assert_string_equal(types_after(f->st, 1, &l), "ticket.expired ticket.issued");
}

/* The schedule a site sends in its heartbeat (config_schedule_json) reads
 * back (config_schedule_load) into the same answers of config_is_open, over
 * a whole week at every quarter hour, past midnight included; a wrong
 * schedule names its key. */
static void test_schedule_round_trip(void **state)
{
	fixture *f = *state;
	json_t *j = config_schedule_json(f->cfg);
	assert_non_null(j);
	config *c = calloc(1, sizeof *c);
	char err[512];
	assert_int_equal(config_schedule_load(j, c, err, sizeof err), 0);
	at("2026-11-30 00:00"); /* a Monday */
	int64_t t0 = strtoll(getenv("LOKET_FAKE_NOW"), NULL, 10);
	for (int64_t t = t0; t < t0 + 7 * 86400000LL; t += 15 * 60000) {
		int64_t n1, n2;
		assert_int_equal(config_is_open(f->cfg, t, &n1), config_is_open(c, t, &n2));
		assert_int_equal(n1, n2);
	}
	json_decref(j);
	j = json_loads("{\"hours\": {\"mon\": [\"17:00-09:00\"]}, \"closed_days\": [\"2026-02-30\"]}",
		       0, NULL);
	assert_int_equal(config_schedule_load(j, c, err, sizeof err), -1);
	assert_non_null(strstr(err, "hours.mon[0]"));
	assert_non_null(strstr(err, "closed_days[0]"));
	json_decref(j);
	j = json_loads("{\"hours\": {}, \"opening\": 1}", 0, NULL);
	assert_int_equal(config_schedule_load(j, c, err, sizeof err), -1);
	assert_non_null(strstr(err, "opening"));
	json_decref(j);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_yesterday_does_not_come_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clock_corrected_codes_stay_unique, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_desk_kept_for_its_resident, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_desk_reopened_on_an_unset_clock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_action_keeps_the_day_end, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_display_on_an_unset_clock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_day_change_and_summer_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clock_put_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_estimate_ignores_unset_clock_visits, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_ambiguous_code_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_waits_follow_how_desks_call, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_desks_open_and_close, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_closing_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_past_midnight, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migrates_schema_1, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_schedule_round_trip, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
