/*
 * store_ticket — the ticket actions: take, call next, recall, serve,
 * no-show, cancel, transfer, and finding the ticket a code or desk names.
 *
 * Each action is one transaction (store_begin_action: the lock, the seq,
 * the day cycle) that changes one ticket row and appends its one event.
 * Codes: a ticket's code is its category's prefix and the day's next
 * number from counters; a number that an open ticket still carries (one
 * kept from a morning on an unset clock, say) is skipped, so a code names
 * at most one open ticket. A code given at a desk resolves among the open
 * tickets first (store_load_ref).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store_int.h"
#include "uuid.h"

/* Numbers a day may skip because an open ticket holds them: bounded, as a
 * day never has this many tickets open. */
#define STORE_CODE_TRIES 10000

/* --- finding a ticket -------------------------------------------------- */

static store_status desk_in_range(store *st, int desk)
{
	if (desk < 1 || desk > st->cfg->desks)
		return store_fail(st, STORE_INVALID, "desk %d does not exist (this site has %d)",
				  desk, st->cfg->desks);
	return STORE_OK;
}

/* Reads the one ticket row s finds into t and *id: STORE_NOTFOUND (no
 * message) when there is none. */
static store_status step_ticket(store *st, sqlite3_stmt *s, store_ticket *t, int64_t *id)
{
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		store_read_ticket(s, t, id);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOTFOUND : store_db_fail(st, rc, "reading the ticket");
}

/* The open tickets with code: one is the answer, several are refused with
 * their names, none falls back to the most recent ticket with the code. */
static store_status load_code(store *st, const char *code, store_ticket *t, int64_t *id)
{
	sqlite3_stmt *s = store_q(st, Q_TICKETS_OPEN_BY_CODE);
	if (!s)
		return STORE_IO;
	sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
	int n = 0, rc;
	char names[400] = "";
	size_t used = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_ticket c;
		int64_t cid;
		store_read_ticket(s, &c, &cid);
		if (n++ == 0) {
			*t = c;
			*id = cid;
		}
		char issued[CLOCK_ISO_LEN];
		clock_format_iso(c.issued_ms, issued, sizeof issued);
		issued[16] = '\0'; /* "2026-12-01T09:05" */
		char one[128];
		if (c.state == TICKET_CALLED)
			snprintf(one, sizeof one, "%s%s issued %s, at desk %d", n > 1 ? "; " : "",
				 c.code, issued, c.desk);
		else
			snprintf(one, sizeof one, "%s%s issued %s, waiting", n > 1 ? "; " : "",
				 c.code, issued);
		if (used + strlen(one) < sizeof names) {
			memcpy(names + used, one, strlen(one) + 1);
			used += strlen(one);
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, rc, "finding the ticket");
	if (n == 1)
		return STORE_OK;
	if (n > 1)
		return store_fail(
		    st, STORE_AMBIGUOUS,
		    "%s names %d open tickets (%s): act on the desk instead (--desk N)", code, n,
		    names);
	s = store_q(st, Q_TICKET_BY_CODE);
	if (!s)
		return STORE_IO;
	sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
	store_status ss = step_ticket(st, s, t, id);
	if (ss == STORE_NOTFOUND)
		return store_fail(st, STORE_NOTFOUND, "there is no ticket %s", code);
	return ss;
}

/* Loads the ticket named by ref. STORE_NOTFOUND if there is none. */
static store_status load_ref(store *st, store_ref ref, store_ticket *t, int64_t *id)
{
	if (ref.code)
		return load_code(st, ref.code, t, id);
	store_status ss = desk_in_range(st, ref.desk);
	if (ss != STORE_OK)
		return ss;
	sqlite3_stmt *s = store_q(st, Q_TICKET_AT_DESK);
	if (!s)
		return STORE_IO;
	sqlite3_bind_int(s, 1, ref.desk);
	ss = step_ticket(st, s, t, id);
	if (ss == STORE_NOTFOUND)
		return store_fail(st, STORE_NOTFOUND, "there is no ticket at desk %d", ref.desk);
	return ss;
}

static store_status load_id(store *st, int64_t id, store_ticket *t)
{
	sqlite3_stmt *s = store_q(st, Q_TICKET_BY_ID);
	if (!s)
		return STORE_IO;
	sqlite3_bind_int64(s, 1, id);
	int64_t same;
	store_status ss = step_ticket(st, s, t, &same);
	return ss == STORE_NOTFOUND ? store_fail(st, ss, "ticket vanished") : ss;
}

/* --- take -------------------------------------------------------------- */

/* The day's next number for prefix that no open ticket carries. */
static store_status next_number(store *st, const char *day, const char *prefix, char *code,
				size_t cap)
{
	for (int tries = 0; tries < STORE_CODE_TRIES; tries++) {
		sqlite3_stmt *s = store_q(st, Q_COUNTER);
		if (!s)
			return STORE_IO;
		sqlite3_bind_text(s, 1, day, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, prefix, -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		int64_t number = 0;
		if (rc == SQLITE_ROW) {
			number = sqlite3_column_int64(s, 0);
			rc = store_step_done(s);
		}
		sqlite3_reset(s);
		if (rc != SQLITE_OK)
			return store_db_fail(st, rc, "numbering the ticket");
		snprintf(code, cap, "%s%03lld", prefix, (long long)number);
		if (store_day_only(st, day))
			return STORE_OK; /* the usual day: no open ticket can hold it */
		s = store_q(st, Q_CODE_OPEN);
		if (!s)
			return STORE_IO;
		sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc == SQLITE_DONE)
			return STORE_OK;
		if (rc != SQLITE_ROW)
			return store_db_fail(st, rc, "numbering the ticket");
	}
	return store_fail(st, STORE_CONFLICT, "every number of prefix %s is held by an open ticket",
			  prefix);
}

store_status store_take(store *st, const char *category, const char *lang, store_ticket *t)
{
	int ci = config_category_index(st->cfg, category);
	if (ci < 0)
		return store_fail(st, STORE_INVALID, "unknown category \"%s\"", category);
	if (!lang || !*lang)
		lang = st->cfg->langs[0];
	if (config_lang_index(st->cfg, lang) < 0)
		return store_fail(st, STORE_INVALID, "unknown language \"%s\"", lang);

	int64_t now = clock_now_ms();
	memset(t, 0, sizeof *t);
	if (uuid_v7(t->uuid) != 0)
		return store_fail(st, STORE_IO, "no random numbers from the kernel: %s",
				  strerror(errno));

	store_status ss = store_begin_action(st, now, NULL);
	if (ss != STORE_OK)
		return ss;
	ss = store_day_for_take(st, now, t->day);
	if (ss != STORE_OK)
		goto fail;
	ss = next_number(st, t->day, st->cfg->categories[ci].prefix, t->code, sizeof t->code);
	if (ss != STORE_OK)
		goto fail;
	snprintf(t->category, sizeof t->category, "%s", category);
	snprintf(t->lang, sizeof t->lang, "%s", lang);
	t->state = TICKET_WAITING;
	t->issued_ms = now;
	t->issued_known = store_clock_trusted(now); /* as store_read_ticket says it */

	sqlite3_stmt *s = store_q(st, Q_TICKET_INSERT);
	if (!s) {
		ss = STORE_IO;
		goto fail;
	}
	sqlite3_bind_text(s, 1, t->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, t->day, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, t->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, t->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, t->lang, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, now);
	sqlite3_bind_int64(s, 7, st->next_seq);
	sqlite3_bind_int(s, 8, store_clock_trusted(now));
	int rc = store_step_done(s);
	if (rc != SQLITE_OK) {
		ss = store_db_fail(st, rc, "adding the ticket");
		goto fail;
	}
	int64_t id = sqlite3_last_insert_rowid(st->db);
	store_day_note_open(st, t->day, now);
	ss = store_append_ticket_event(st, t, EV_TICKET_ISSUED, NULL, NULL, now);
	if (ss != STORE_OK)
		goto fail;
	/* A guess for the resident, made inside the transaction: its reads
	 * then start no read transaction of their own, which costs more than
	 * the microseconds the lock is held longer. A failed guess is no
	 * failed ticket. */
	if (store_estimate_ticket(st, id, now, t) != STORE_OK) {
		t->ahead = 0;
		t->est_wait_s = STORE_WAIT_UNKNOWN;
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return ss;
}

/* --- changes of a ticket ------------------------------------------------ */

static int write_ticket(store *st, int64_t id, const store_ticket *t, int64_t seq)
{
	sqlite3_stmt *s = store_q(st, Q_TICKET_UPDATE);
	if (!s)
		return SQLITE_ERROR;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, t->category, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, (int)t->state);
	if (t->desk > 0)
		sqlite3_bind_int(s, 4, t->desk);
	if (t->called_ms)
		sqlite3_bind_int64(s, 5, t->called_ms);
	if (t->finished_ms)
		sqlite3_bind_int64(s, 6, t->finished_ms);
	sqlite3_bind_int(s, 7, t->recalls);
	sqlite3_bind_int64(s, 8, seq);
	return store_step_done(s);
}

static int remember_call(store *st, int64_t id, const store_ticket *t, int recalled, int64_t now)
{
	sqlite3_stmt *s = store_q(st, Q_CALL_INSERT);
	if (!s)
		return SQLITE_ERROR;
	sqlite3_bind_text(s, 1, t->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, t->category, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, t->desk);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int(s, 5, recalled);
	/* The display shows the calls of the day it is on (store_day_of
	 * now): on an unset clock too, the room must hear the call. */
	char day[11];
	store_day_of(st, now, day);
	sqlite3_bind_text(s, 6, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 7, id);
	int rc = store_step_done(s);
	if (rc != SQLITE_OK)
		return rc;
	s = store_q(st, Q_CALL_TRIM);
	if (!s)
		return SQLITE_ERROR;
	sqlite3_bind_int(s, 1, STORE_CALLS_KEPT);
	return store_step_done(s);
}

/* Writes t (already changed in memory) and its event, inside a transaction. */
static store_status save_change(store *st, int64_t id, const store_ticket *t, event_type kind,
				const char *from, const store_outcome *o, int64_t now)
{
	int rc = write_ticket(st, id, t, st->next_seq);
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, "updating the ticket");
	store_status ss = store_append_ticket_event(st, t, kind, from, o, now);
	if (ss != STORE_OK)
		return ss;
	if (kind == EV_TICKET_CALLED || kind == EV_TICKET_RECALLED) {
		rc = remember_call(st, id, t, kind == EV_TICKET_RECALLED, now);
		if (rc != SQLITE_OK)
			return store_db_fail(st, rc, "recording the call");
	}
	return STORE_OK;
}

/* cats as the JSON array the queries take (NULL for none); *out is freed
 * by the caller. */
static store_status cats_json(store *st, const char *const *cats, int ncats, char **out)
{
	*out = NULL;
	if (ncats <= 0)
		return STORE_OK;
	json_t *arr = json_array();
	for (int i = 0; arr && i < ncats; i++) {
		if (config_category_index(st->cfg, cats[i]) < 0) {
			json_decref(arr);
			return store_fail(st, STORE_INVALID, "unknown category \"%s\"", cats[i]);
		}
		json_array_append_new(arr, json_string(cats[i]));
	}
	*out = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
	json_decref(arr);
	return *out ? STORE_OK : store_fail(st, STORE_IO, "out of memory");
}

store_status store_call_next(store *st, int desk, const char *const *cats, int ncats,
			     store_ticket *t)
{
	store_status ss = desk_in_range(st, desk);
	if (ss != STORE_OK)
		return ss;
	char *filter = NULL;
	ss = cats_json(st, cats, ncats, &filter);
	if (ss != STORE_OK)
		return ss;
	int64_t now = clock_now_ms();
	ss = store_begin_action(st, now, NULL);
	if (ss != STORE_OK)
		goto out;
	int64_t id;
	ss = load_ref(st, (store_ref){NULL, desk}, t, &id);
	if (ss == STORE_OK) {
		ss = store_fail(st, STORE_CONFLICT,
				"ticket %s is still at desk %d: mark it served or no-show first",
				t->code, desk);
		goto fail;
	}
	if (ss != STORE_NOTFOUND)
		goto fail;
	/* Without kinds of help named, an open desk calls the kinds it was
	 * opened for (a tax desk stays a tax desk). */
	if (!filter) {
		sqlite3_stmt *d = store_q(st, Q_DESK_GET);
		if (!d) {
			ss = STORE_IO;
			goto fail;
		}
		sqlite3_bind_int(d, 1, desk);
		int drc = sqlite3_step(d);
		int oom = 0;
		if (drc == SQLITE_ROW && sqlite3_column_type(d, 0) == SQLITE_TEXT)
			oom = !(filter = strdup((const char *)sqlite3_column_text(d, 0)));
		sqlite3_reset(d);
		if (oom) {
			ss = store_fail(st, STORE_IO, "out of memory");
			goto fail;
		}
		if (drc != SQLITE_ROW && drc != SQLITE_DONE) {
			ss = store_db_fail(st, drc, "reading the desk");
			goto fail;
		}
	}
	sqlite3_stmt *s = store_q(st, Q_NEXT_WAITING);
	if (!s) {
		ss = STORE_IO;
		goto fail;
	}
	if (filter)
		sqlite3_bind_text(s, 1, filter, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc == SQLITE_DONE) {
		ss = store_fail(st, STORE_EMPTY, "nobody is waiting");
		goto fail;
	}
	if (rc != SQLITE_ROW) {
		ss = store_db_fail(st, rc, "finding the next ticket");
		goto fail;
	}
	/* A desk that calls is working: open it (or note the kinds it takes). */
	ss = store_desk_open_locked(st, desk, cats, ncats, ncats == 0, now);
	if (ss != STORE_OK)
		goto fail;
	ss = load_id(st, id, t);
	if (ss != STORE_OK)
		goto fail;
	t->state = TICKET_CALLED;
	t->desk = desk;
	t->called_ms = now;
	ss = save_change(st, id, t, EV_TICKET_CALLED, NULL, NULL, now);
	if (ss != STORE_OK)
		goto fail;
	ss = store_commit(st);
	goto out;
fail:
	store_rollback(st);
out:
	free(filter);
	return ss;
}

typedef enum { ACT_RECALL, ACT_SERVE, ACT_NO_SHOW, ACT_CANCEL, ACT_TRANSFER, ACT_COUNT } action;

static const event_type action_events[ACT_COUNT] = {
    [ACT_RECALL] = EV_TICKET_RECALLED,	    [ACT_SERVE] = EV_TICKET_SERVED,
    [ACT_NO_SHOW] = EV_TICKET_NO_SHOW,	    [ACT_CANCEL] = EV_TICKET_CANCELLED,
    [ACT_TRANSFER] = EV_TICKET_TRANSFERRED,
};

/* An outcome names only what the site knows: one of the three words, a
 * referral of the configuration (and only with "referred"), kinds of help
 * of the configuration, each once. */
static store_status outcome_valid(store *st, const store_outcome *o)
{
	if (!o)
		return STORE_OK;
	if (o->outcome[0] && strcmp(o->outcome, "solved") && strcmp(o->outcome, "referred") &&
	    strcmp(o->outcome, "follow_up"))
		return store_fail(st, STORE_INVALID,
				  "outcome \"%s\": must be solved, referred or follow_up", o->outcome);
	if (o->referred_to[0] && strcmp(o->outcome, "referred"))
		return store_fail(st, STORE_INVALID, "a referral (\"%s\") goes with outcome referred",
				  o->referred_to);
	if (o->referred_to[0] && config_referral_index(st->cfg, o->referred_to) < 0)
		return store_fail(st, STORE_INVALID, "unknown referral \"%s\"", o->referred_to);
	if (o->ntopics < 0 || o->ntopics > EVENT_MAX_CATS || (!o->has_topics && o->ntopics))
		return store_fail(st, STORE_INVALID, "topics: at most %d", EVENT_MAX_CATS);
	for (int i = 0; i < o->ntopics; i++) {
		if (config_category_index(st->cfg, o->topics[i]) < 0)
			return store_fail(st, STORE_INVALID, "unknown kind of help \"%s\" in topics",
					  o->topics[i]);
		for (int k = 0; k < i; k++)
			if (!strcmp(o->topics[k], o->topics[i]))
				return store_fail(st, STORE_INVALID, "\"%s\" is twice in topics",
						  o->topics[i]);
	}
	if (o->first_visit != EV_ANSWER_NULL && o->first_visit != EV_ANSWER_YES &&
	    o->first_visit != EV_ANSWER_NO)
		return store_fail(st, STORE_INVALID, "first_visit: not an answer");
	return STORE_OK;
}

static store_status act(store *st, store_ref ref, action a, const char *category,
			const store_outcome *o, store_ticket *t)
{
	if (a == ACT_TRANSFER && config_category_index(st->cfg, category) < 0)
		return store_fail(st, STORE_INVALID, "unknown category \"%s\"", category);
	store_status vs = outcome_valid(st, o);
	if (vs != STORE_OK)
		return vs;
	int64_t now = clock_now_ms();
	store_status ss = store_begin_action(st, now, NULL);
	if (ss != STORE_OK)
		return ss;
	int64_t id;
	ss = load_ref(st, ref, t, &id);
	if (ss != STORE_OK)
		goto fail;
	int at_desk = t->state == TICKET_CALLED, waiting = t->state == TICKET_WAITING;
	char from[32] = "";
	switch (a) {
	case ACT_RECALL:
	case ACT_SERVE:
	case ACT_NO_SHOW:
		if (!at_desk) {
			ss = store_fail(st, STORE_CONFLICT, "ticket %s is %s, not at a desk",
					t->code, store_ticket_state_name(t->state));
			goto fail;
		}
		if (a == ACT_RECALL) {
			t->recalls++;
			t->called_ms = now;
		} else {
			t->state = a == ACT_SERVE ? TICKET_SERVED : TICKET_NO_SHOW;
			t->finished_ms = now;
		}
		break;
	case ACT_CANCEL:
	case ACT_TRANSFER:
		if (!at_desk && !waiting) {
			ss = store_fail(st, STORE_CONFLICT, "ticket %s is already %s", t->code,
					store_ticket_state_name(t->state));
			goto fail;
		}
		if (a == ACT_CANCEL) {
			t->state = TICKET_CANCELLED;
			t->finished_ms = now;
			break;
		}
		if (!strcmp(t->category, category)) {
			ss = store_fail(st, STORE_INVALID, "ticket %s is already in \"%s\"",
					t->code, category);
			goto fail;
		}
		memcpy(from, t->category, sizeof from);
		snprintf(t->category, sizeof t->category, "%s", category);
		t->state = TICKET_WAITING;
		t->desk = 0;
		t->called_ms = 0;
		break;
	case ACT_COUNT: abort(); /* not an action: a bug of the caller above */
	}
	ss = save_change(st, id, t, action_events[a], a == ACT_TRANSFER ? from : NULL, o, now);
	if (ss != STORE_OK)
		goto fail;
	if (a == ACT_TRANSFER && store_estimate_ticket(st, id, now, t) != STORE_OK)
		t->est_wait_s = STORE_WAIT_UNKNOWN;
	return store_commit(st);
fail:
	store_rollback(st);
	return ss;
}

store_status store_recall(store *st, store_ref ref, store_ticket *t)
{
	return act(st, ref, ACT_RECALL, NULL, NULL, t);
}
store_status store_serve(store *st, store_ref ref, store_ticket *t)
{
	return act(st, ref, ACT_SERVE, NULL, NULL, t);
}
store_status store_serve_outcome(store *st, store_ref ref, const store_outcome *o,
				 store_ticket *t)
{
	return act(st, ref, ACT_SERVE, NULL, o, t);
}
store_status store_no_show(store *st, store_ref ref, store_ticket *t)
{
	return act(st, ref, ACT_NO_SHOW, NULL, NULL, t);
}
store_status store_cancel(store *st, store_ref ref, store_ticket *t)
{
	return act(st, ref, ACT_CANCEL, NULL, NULL, t);
}
store_status store_transfer(store *st, store_ref ref, const char *category, store_ticket *t)
{
	return act(st, ref, ACT_TRANSFER, category, NULL, t);
}

store_status store_find(store *st, store_ref ref, store_ticket *t)
{
	int64_t now = clock_now_ms(), id;
	store_status ss = store_day_roll_if_due(st, now);
	if (ss != STORE_OK)
		return ss;
	ss = load_ref(st, ref, t, &id);
	if (ss == STORE_OK && t->state == TICKET_WAITING)
		ss = store_estimate_ticket(st, id, now, t);
	return ss;
}
