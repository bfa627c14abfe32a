/*
 * store_day — the day cycle and the desks.
 *
 * A ticket belongs to the opening day on which it was issued
 * (config_day_of: the local date, shifted by the site's day_change). The
 * day ends at its last closing time from `hours` (config_day_bounds); a
 * ticket or desk that came after that closing (a ticket taken by staff at
 * 17:05) lasts until the day changes. When the day has ended, its tickets
 * still waiting or at a desk get ticket.expired and its open desks
 * desk.closed, in one transaction with contiguous seqs. Nothing needs to
 * run at closing time: every action runs the cycle inside its own
 * transaction (store_begin_action) and every read first looks
 * (store_day_roll_if_due), so a machine that was off at closing time
 * closes the day at its first action or look the next morning.
 *
 * The clock may be unset (a board without a real-time clock boots in
 * 1970). Before STORE_CLOCK_FLOOR_MS nothing is expired: the store cannot
 * tell a night from a minute. Tickets and desks of such a time carry
 * clock_ok = 0, and tickets are numbered on the last day numbered with a
 * good clock (store_day_for_take: A036, A037 after yesterday's A035). The
 * first cycle with a good clock moves them to the real current day (the
 * residents of this morning are still in the room) and raises that day's
 * counters past their numbers: their codes were given once on the day
 * they were numbered on, and are given once on the day they now belong to.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store_int.h"

/* What the day's end does to a ticket or desk; at is when its day ended
 * (the closing time, not the morning the machine came back on: the
 * events say when the day ended, and staffed hours come from them). */
typedef struct {
	int64_t id;
	store_ticket t;
	int adopt; /* 1: move to today; 0: expire */
	int64_t at;
} roll_ticket;

typedef struct {
	int desk;
	int adopt;  /* 1: move to today; 0: close */
	int reopen; /* with adopt: its day's session ended, a new one began
		     * on an unset clock: close that one, open this one */
	int64_t at;
} roll_desk;

typedef struct {
	roll_ticket *tickets;
	int nt, capt;
	roll_desk desks[100];
	int nd;
	/* Desks with a ticket that stays open: they stay open too (a desk
	 * opened yesterday, a resident called there on an unset clock this
	 * morning and moved to today). */
	unsigned char keep[1000];
	char today[11];
} roll_plan;

int store_clock_trusted(int64_t now)
{
	return now >= STORE_CLOCK_FLOOR_MS;
}

void store_day_of(const store *st, int64_t now, char day[11])
{
	config_day_of(st->cfg, now, day, 11);
}

store_status store_day_for_take(store *st, int64_t now, char day[11])
{
	store_day_of(st, now, day);
	if (store_clock_trusted(now))
		return STORE_OK;
	char floor[11];
	store_day_of(st, STORE_CLOCK_FLOOR_MS, floor);
	sqlite3_stmt *s = store_q(st, Q_LAST_COUNTER_DAY);
	if (!s)
		return STORE_IO;
	sqlite3_bind_text(s, 1, floor, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_TEXT)
		snprintf(day, 11, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? STORE_OK : store_db_fail(st, rc, "reading the last day");
}

/* 1 if the day `day` has ended at now for something that began at
 * began_ms: its closing time has passed, or, for what began after it, the
 * change to the next day. A day that is not a date has ended. *end_ms is
 * when it ends. */
static int day_ended(store *st, const char *day, int64_t began_ms, int64_t now, int64_t *end_ms)
{
	if (strcmp(day, st->day_bounds.day) != 0) {
		int64_t close_ms, change_ms;
		if (config_day_bounds(st->cfg, day, &close_ms, &change_ms) != 0) {
			*end_ms = now;
			return 1;
		}
		snprintf(st->day_bounds.day, sizeof st->day_bounds.day, "%s", day);
		st->day_bounds.close_ms = close_ms;
		st->day_bounds.change_ms = change_ms;
	}
	*end_ms =
	    began_ms < st->day_bounds.close_ms ? st->day_bounds.close_ms : st->day_bounds.change_ms;
	return now >= *end_ms;
}

int store_day_only(const store *st, const char *day)
{
	return st->roll.valid && st->roll.trusted && !st->roll.other_days &&
	       !strcmp(st->roll.today, day);
}

void store_day_note_open(store *st, const char *day, int64_t began_ms)
{
	int64_t end = began_ms;
	if (day_ended(st, day, began_ms, began_ms, &end) || end < st->roll.until_ms)
		st->roll.until_ms = end;
}

static int plan_add(roll_plan *p, int64_t id, const store_ticket *t, int adopt, int64_t at)
{
	if (p->nt == p->capt) {
		int cap = p->capt ? p->capt * 2 : 16;
		roll_ticket *n = realloc(p->tickets, (size_t)cap * sizeof *n);
		if (!n)
			return -1;
		p->tickets = n;
		p->capt = cap;
	}
	p->tickets[p->nt++] = (roll_ticket){id, *t, adopt, at};
	return 0;
}

static int64_t data_version(store *st)
{
	sqlite3_stmt *s = store_q(st, Q_DATA_VERSION);
	int64_t v = -1;
	if (s && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	if (s)
		sqlite3_reset(s);
	return v;
}

/* What the cycle must do at now: nothing unless the clock is good. Reads
 * only; *work is the number of things to change. The answer "nothing
 * before T" is kept: every action runs this, and looking at every open
 * ticket per action would cost more than the ticket's own commit. Our own
 * commits cannot bring anything that ends before T (what they add begins
 * now); another connection's can, so data_version ends the shortcut. */
static store_status plan_roll(store *st, int64_t now, roll_plan *p, int *work)
{
	*work = 0;
	int trusted = store_clock_trusted(now);
	int64_t dv = data_version(st);
	store_day_of(st, now, p->today);
	/* The day must be the same too: a clock put back to an earlier day
	 * leaves tickets of a later one to move to today. */
	if (st->roll.valid && st->roll.trusted == trusted && now < st->roll.until_ms &&
	    dv == st->roll.data_version && (!trusted || !strcmp(p->today, st->roll.today)))
		return STORE_OK;
	st->roll.valid = 0;
	if (!trusted) {
		st->roll = (store_roll_cache){1, 0, INT64_MAX, dv, "", 1};
		return STORE_OK;
	}
	int64_t until = INT64_MAX, end;
	int other_days = 0;
	sqlite3_stmt *s = store_q(st, Q_OPEN_TICKETS);
	if (!s)
		return STORE_IO;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_ticket t;
		int64_t id;
		store_read_ticket(s, &t, &id);
		/* Not yet on a real day: taken on an unset clock, or on a day
		 * after today (a clock that ran ahead and was put back). */
		int adopt = sqlite3_column_int(s, 12) == 0 || strcmp(t.day, p->today) > 0;
		end = now;
		other_days |= strcmp(t.day, p->today) != 0;
		/* A resident at a desk at closing time is being helped: that
		 * ticket lasts until the day changes (as if taken after closing). */
		int64_t began = t.state == TICKET_CALLED ? INT64_MAX
				: t.issued_known	 ? t.issued_ms
							 : INT64_MIN; /* in opening hours */
		int stays = adopt || !day_ended(st, t.day, began, now, &end);
		if (stays && t.state == TICKET_CALLED && t.desk > 0 && t.desk < 1000)
			p->keep[t.desk] = 1;
		if (!adopt && stays) {
			until = end < until ? end : until;
			continue;
		}
		if (plan_add(p, id, &t, adopt, end < now ? end : now)) {
			sqlite3_reset(s);
			return store_fail(st, STORE_IO, "out of memory");
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, rc, "reading the open tickets");
	s = store_q(st, Q_DESKS);
	if (!s)
		return STORE_IO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int desk = sqlite3_column_int(s, 0);
		int64_t opened = sqlite3_column_int64(s, 1);
		const char *day = (const char *)sqlite3_column_text(s, 2);
		day = day ? day : "";
		int adopt = sqlite3_column_int(s, 3) == 0 || strcmp(day, p->today) > 0;
		end = now;
		/* Opened with a good clock, opened again on an unset one: the
		 * first session ended with its day, if that day is over. */
		int reopen = adopt && store_clock_trusted(opened) && strcmp(day, p->today) < 0 &&
			     day_ended(st, day, opened, now, &end);
		if (!adopt && !day_ended(st, day, opened, now, &end)) {
			until = end < until ? end : until;
			continue;
		}
		if (desk > 0 && desk < 1000 && p->keep[desk]) {
			/* It ended, but its resident did not: it stays open with
			 * them (moved to today if it was another day's); the
			 * ticket's end already bounds until. */
			if (!adopt && !strcmp(day, p->today))
				continue;
			/* No desk.closed while a resident is at the desk (the
			 * events would say the desk closed with them there). */
			reopen = 0;
			adopt = 1;
		}
		if (p->nd < (int)(sizeof p->desks / sizeof p->desks[0]))
			p->desks[p->nd++] = (roll_desk){desk, adopt, reopen, end < now ? end : now};
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, rc, "reading the desks");
	*work = p->nt + p->nd;
	if (*work == 0) {
		st->roll = (store_roll_cache){1, 1, until, dv, "", other_days};
		memcpy(st->roll.today, p->today, sizeof st->roll.today);
	}
	return STORE_OK;
}

/* "A012" -> prefix "A", 12. Returns -1 if code is not prefix + digits. */
static int split_code(const char *code, char *prefix, size_t cap, int64_t *number)
{
	size_t i = 0;
	while (code[i] >= 'A' && code[i] <= 'Z')
		i++;
	if (i == 0 || i >= cap || !code[i])
		return -1;
	char *end;
	long long n = strtoll(code + i, &end, 10);
	if (*end || n < 0)
		return -1;
	memcpy(prefix, code, i);
	prefix[i] = '\0';
	*number = n;
	return 0;
}

static store_status adopt_ticket(store *st, const roll_plan *p, const roll_ticket *r)
{
	sqlite3_stmt *s = store_q(st, Q_TICKET_ADOPT);
	if (!s)
		return STORE_IO;
	sqlite3_bind_int64(s, 1, r->id);
	sqlite3_bind_text(s, 2, p->today, -1, SQLITE_STATIC);
	int rc = store_step_done(s);
	char prefix[8];
	int64_t number;
	if (rc == SQLITE_OK && split_code(r->t.code, prefix, sizeof prefix, &number) == 0) {
		s = store_q(st, Q_COUNTER_RAISE);
		if (!s)
			return STORE_IO;
		sqlite3_bind_text(s, 1, p->today, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, prefix, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, number);
		rc = store_step_done(s);
	}
	if (rc == SQLITE_OK) {
		s = store_q(st, Q_CALLS_ADOPT);
		if (!s)
			return STORE_IO;
		sqlite3_bind_text(s, 1, p->today, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, STORE_CLOCK_FLOOR_MS);
		rc = store_step_done(s);
	}
	return rc == SQLITE_OK ? STORE_OK : store_db_fail(st, rc, "moving a ticket to today");
}

static store_status expire_ticket(store *st, roll_ticket *r)
{
	int64_t now = r->at;
	sqlite3_stmt *s = store_q(st, Q_TICKET_EXPIRE);
	if (!s)
		return STORE_IO;
	sqlite3_bind_int64(s, 1, r->id);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, st->next_seq);
	int rc = store_step_done(s);
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, "expiring a ticket");
	r->t.state = TICKET_EXPIRED;
	r->t.finished_ms = now;
	return store_append_ticket_event(st, &r->t, EV_TICKET_EXPIRED, NULL, NULL, now);
}

static store_status close_desk(store *st, int desk, int64_t at)
{
	sqlite3_stmt *s = store_q(st, Q_DESK_CLOSE);
	if (!s)
		return STORE_IO;
	sqlite3_bind_int(s, 1, desk);
	int rc = store_step_done(s);
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, "closing a desk");
	return store_append_desk_event(st, desk, EV_DESK_CLOSED, NULL, 0, at);
}

/* desk.closed at the end of its old session's day, desk.opened now with
 * the kinds it takes: the staffed hours do not run through the night. */
static store_status reopen_desk(store *st, int desk, int64_t closed_at, int64_t now)
{
	sqlite3_stmt *s = store_q(st, Q_DESK_GET);
	if (!s)
		return STORE_IO;
	sqlite3_bind_int(s, 1, desk);
	int rc = sqlite3_step(s);
	json_t *arr = NULL;
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_TEXT)
		arr = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(st, rc, "reading the desk");
	const char *cats[CONFIG_MAX_CATEGORIES];
	int n = 0;
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (n < CONFIG_MAX_CATEGORIES && json_is_string(v))
			cats[n++] = json_string_value(v);
	}
	store_status ss = store_append_desk_event(st, desk, EV_DESK_CLOSED, NULL, 0, closed_at);
	if (ss == STORE_OK)
		ss = store_append_desk_event(st, desk, EV_DESK_OPENED, cats, n, now);
	json_decref(arr);
	if (ss != STORE_OK)
		return ss;
	s = store_q(st, Q_DESK_REOPEN);
	if (!s)
		return STORE_IO;
	sqlite3_bind_int(s, 1, desk);
	sqlite3_bind_int64(s, 2, now);
	rc = store_step_done(s);
	return rc == SQLITE_OK ? STORE_OK : store_db_fail(st, rc, "opening the desk again");
}

static store_status adopt_desk(store *st, const roll_plan *p, int desk)
{
	sqlite3_stmt *s = store_q(st, Q_DESK_ADOPT);
	if (!s)
		return STORE_IO;
	sqlite3_bind_int(s, 1, desk);
	sqlite3_bind_text(s, 2, p->today, -1, SQLITE_STATIC);
	int rc = store_step_done(s);
	return rc == SQLITE_OK ? STORE_OK : store_db_fail(st, rc, "moving a desk to today");
}

store_status store_day_roll_locked(store *st, int64_t now, int *expired, int *changed)
{
	roll_plan p = {0};
	int work = 0, n = 0;
	store_status ss = plan_roll(st, now, &p, &work);
	/* Tickets first (a ticket at a desk expires before its desk closes),
	 * in order of issue. */
	for (int i = 0; ss == STORE_OK && i < p.nt; i++) {
		if (p.tickets[i].adopt) {
			ss = adopt_ticket(st, &p, &p.tickets[i]);
		} else {
			ss = expire_ticket(st, &p.tickets[i]);
			n++;
		}
	}
	for (int i = 0; ss == STORE_OK && i < p.nd; i++) {
		const roll_desk *d = &p.desks[i];
		if (d->adopt && d->reopen)
			ss = reopen_desk(st, d->desk, d->at, now);
		if (ss == STORE_OK)
			ss =
			    d->adopt ? adopt_desk(st, &p, d->desk) : close_desk(st, d->desk, d->at);
	}
	free(p.tickets);
	if (expired)
		*expired = ss == STORE_OK ? n : 0;
	*changed = ss == STORE_OK ? work : 0;
	return ss;
}

/* BEGIN IMMEDIATE and the seq of the transaction's first event. */
static store_status begin_seq(store *st)
{
	store_status ss = store_begin(st);
	if (ss != STORE_OK)
		return ss;
	int64_t last = 0;
	int rc = store_last_seq(st, &last);
	if (rc != SQLITE_OK) {
		ss = store_db_fail(st, rc, "reading the last seq");
		store_rollback(st);
		return ss;
	}
	st->next_seq = last + 1;
	return STORE_OK;
}

store_status store_begin_action(store *st, int64_t now, int *expired)
{
	store_status ss = begin_seq(st);
	if (ss != STORE_OK)
		return ss;
	int changed = 0;
	ss = store_day_roll_locked(st, now, expired, &changed);
	if (ss != STORE_OK) {
		store_rollback(st);
		return ss;
	}
	if (changed == 0)
		return STORE_OK;
	/* The day's end is its own transaction: an action that then fails
	 * ("nobody is waiting" the first thing in the morning) must not undo
	 * it. The lock is let go for a moment; what another process does in
	 * it is its own action, after the cycle. */
	ss = store_commit(st);
	return ss == STORE_OK ? begin_seq(st) : ss;
}

/* The day cycle at now in a transaction of its own, if it has anything
 * to do (a cheap look first). */
static store_status roll_at(store *st, int64_t now, int *expired)
{
	if (expired)
		*expired = 0;
	roll_plan p = {0};
	int work = 0;
	store_status ss = plan_roll(st, now, &p, &work);
	free(p.tickets);
	if (ss != STORE_OK || work == 0)
		return ss;
	ss = store_begin_action(st, now, expired); /* rolls, under the lock */
	return ss == STORE_OK ? store_commit(st) : ss;
}

store_status store_day_roll_if_due(store *st, int64_t now)
{
	/* A read goes on when the cycle cannot write now (another program
	 * holds the lock, a read-only or full disk): it shows what there is,
	 * and the next action or look closes the day. */
	store_status ss = roll_at(st, now, NULL);
	return ss == STORE_BUSY || ss == STORE_IO ? STORE_OK : ss;
}

store_status store_day_roll(store *st, int *expired)
{
	return roll_at(st, clock_now_ms(), expired);
}

/* --- desks ------------------------------------------------------------- */

static store_status desk_check(store *st, int desk)
{
	if (desk < 1 || desk > st->cfg->desks)
		return store_fail(st, STORE_INVALID, "desk %d does not exist (this site has %d)",
				  desk, st->cfg->desks);
	return STORE_OK;
}

store_status store_desk_open_locked(store *st, int desk, const char *const *cats, int ncats,
				    int keep_cats, int64_t now)
{
	sqlite3_stmt *s = store_q(st, Q_DESK_GET);
	if (!s)
		return STORE_IO;
	sqlite3_bind_int(s, 1, desk);
	int rc = sqlite3_step(s);
	int was_open = rc == SQLITE_ROW;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(st, rc, "reading the desk");
	char *list = NULL;
	if (ncats > 0) {
		json_t *arr = json_array();
		for (int i = 0; arr && i < ncats; i++)
			json_array_append_new(arr, json_string(cats[i]));
		list = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
		json_decref(arr);
		if (!list)
			return store_fail(st, STORE_IO, "out of memory");
	}
	char day[11];
	store_day_of(st, now, day);
	s = store_q(st, Q_DESK_OPEN);
	if (!s) {
		free(list);
		return STORE_IO;
	}
	sqlite3_bind_int(s, 1, desk);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_text(s, 3, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 4, store_clock_trusted(now));
	if (list)
		sqlite3_bind_text(s, 5, list, -1, free);
	sqlite3_bind_int(s, 6, keep_cats);
	rc = store_step_done(s);
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, "opening the desk");
	store_day_note_open(st, day, now);
	if (was_open)
		return STORE_OK;
	return store_append_desk_event(st, desk, EV_DESK_OPENED, cats, ncats, now);
}

store_status store_desk_open(store *st, int desk, const char *const *cats, int ncats)
{
	store_status ss = desk_check(st, desk);
	if (ss != STORE_OK)
		return ss;
	for (int i = 0; i < ncats; i++)
		if (config_category_index(st->cfg, cats[i]) < 0)
			return store_fail(st, STORE_INVALID, "unknown category \"%s\"", cats[i]);
	int64_t now = clock_now_ms();
	ss = store_begin_action(st, now, NULL);
	if (ss != STORE_OK)
		return ss;
	ss = store_desk_open_locked(st, desk, cats, ncats, 0, now);
	if (ss != STORE_OK) {
		store_rollback(st);
		return ss;
	}
	return store_commit(st);
}

store_status store_desk_close(store *st, int desk)
{
	store_status ss = desk_check(st, desk);
	if (ss != STORE_OK)
		return ss;
	int64_t now = clock_now_ms();
	ss = store_begin_action(st, now, NULL);
	if (ss != STORE_OK)
		return ss;
	sqlite3_stmt *s = store_q(st, Q_TICKET_AT_DESK);
	if (!s) {
		ss = STORE_IO;
		goto fail;
	}
	sqlite3_bind_int(s, 1, desk);
	int rc = sqlite3_step(s);
	char code[16] = "";
	if (rc == SQLITE_ROW)
		snprintf(code, sizeof code, "%s", (const char *)sqlite3_column_text(s, 2));
	sqlite3_reset(s);
	if (rc == SQLITE_ROW) {
		ss = store_fail(st, STORE_CONFLICT,
				"ticket %s is still at desk %d: mark it served or no-show first",
				code, desk);
		goto fail;
	}
	if (rc != SQLITE_DONE) {
		ss = store_db_fail(st, rc, "reading the desk");
		goto fail;
	}
	s = store_q(st, Q_DESK_GET);
	if (!s) {
		ss = STORE_IO;
		goto fail;
	}
	sqlite3_bind_int(s, 1, desk);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE) {
		ss = store_fail(st, STORE_CONFLICT, "desk %d is not open", desk);
		goto fail;
	}
	if (rc != SQLITE_ROW) {
		ss = store_db_fail(st, rc, "reading the desk");
		goto fail;
	}
	ss = close_desk(st, desk, now);
	if (ss != STORE_OK)
		goto fail;
	return store_commit(st);
fail:
	store_rollback(st);
	return ss;
}

/* Reads the open desks, in desk order; the caller holds a read or write
 * transaction or accepts a fresh snapshot. */
store_status store_desks_read(store *st, store_desk *out, int max, int *n)
{
	*n = 0;
	sqlite3_stmt *s = store_q(st, Q_DESKS);
	if (!s)
		return STORE_IO;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n >= max)
			continue;
		store_desk *d = &out[(*n)++];
		memset(d, 0, sizeof *d);
		d->desk = sqlite3_column_int(s, 0);
		d->opened_ms = sqlite3_column_int64(s, 1);
		const char *cats = (const char *)sqlite3_column_text(s, 4);
		json_t *arr = cats ? json_loads(cats, 0, NULL) : NULL;
		size_t i;
		json_t *v;
		json_array_foreach(arr, i, v)
		{
			if (d->ncats < CONFIG_MAX_CATEGORIES && json_is_string(v))
				snprintf(d->cats[d->ncats++], CONFIG_ID_LEN, "%s",
					 json_string_value(v));
		}
		json_decref(arr);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, rc, "reading the desks");
	return STORE_OK;
}

store_status store_desks_open(store *st, store_desk *out, int max, int *n)
{
	*n = 0;
	store_status ss = store_day_roll_if_due(st, clock_now_ms());
	return ss == STORE_OK ? store_desks_read(st, out, max, n) : ss;
}
