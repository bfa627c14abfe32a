/*
 * store_read — what the screens and loketctl show: the waiting list, the
 * open tickets, the calls for the display, the status. Each read first
 * runs the day cycle if it is due (so a morning starts empty even before
 * anyone acts), then reads in one read transaction, so the numbers agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store_int.h"

/* Reads the open tickets (state <= called, or waiting only) in order of
 * issue, up to max. */
static store_status read_open(store *st, int waiting_only, store_ticket *out, int64_t *ids, int max,
			      int *n)
{
	*n = 0;
	sqlite3_stmt *s = store_q(st, Q_OPEN_TICKETS);
	if (!s)
		return STORE_IO;
	int rc = SQLITE_DONE;
	while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_ticket t;
		int64_t id;
		store_read_ticket(s, &t, &id);
		if (waiting_only && t.state != TICKET_WAITING)
			continue;
		if (ids)
			ids[*n] = id;
		out[(*n)++] = t;
	}
	if (*n >= max)
		rc = SQLITE_DONE;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? STORE_OK : store_db_fail(st, rc, "listing");
}

store_status store_list_open(store *st, store_ticket *out, int max, int *n)
{
	*n = 0;
	store_status ss = store_day_roll_if_due(st, clock_now_ms());
	if (ss != STORE_OK)
		return ss;
	return read_open(st, 0, out, NULL, max, n);
}

store_status store_list_waiting(store *st, const char *const *cats, int ncats, store_ticket *out,
				int max, int *n)
{
	*n = 0;
	int64_t now = clock_now_ms();
	store_status ss = store_day_roll_if_due(st, now);
	if (ss != STORE_OK)
		return ss;
	ss = store_begin_read(st);
	if (ss != STORE_OK)
		return ss;
	store_est *est = NULL;
	int nest = 0;
	ss = store_estimate_run(st, now, &est, &nest, NULL);
	/* The estimate covers every waiting ticket, in order of issue; the
	 * list is those of them wanted, and no more than max. */
	sqlite3_stmt *s = ss == STORE_OK ? store_q(st, Q_OPEN_TICKETS) : NULL;
	int rc = SQLITE_DONE, e = 0;
	if (s) {
		while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
			store_ticket t;
			int64_t id;
			store_read_ticket(s, &t, &id);
			if (t.state != TICKET_WAITING)
				continue;
			while (e < nest && est[e].id < id)
				e++;
			int wanted = ncats <= 0;
			for (int i = 0; i < ncats; i++)
				if (!strcmp(cats[i], t.category))
					wanted = 1;
			if (!wanted)
				continue;
			t.ahead = e < nest && est[e].id == id ? est[e].ahead : 0;
			t.est_wait_s =
			    e < nest && est[e].id == id ? est[e].est_s : STORE_WAIT_UNKNOWN;
			out[(*n)++] = t;
		}
		if (rc == SQLITE_ROW)
			rc = SQLITE_DONE;
		sqlite3_reset(s);
	}
	free(est);
	store_end_read(st);
	if (ss != STORE_OK)
		return ss;
	return rc == SQLITE_DONE ? STORE_OK : store_db_fail(st, rc, "listing");
}

/* Reads call rows (id, code, category, desk, at_ms, recalled) of s, bound
 * by the caller, up to max. */
static store_status read_calls(store *st, sqlite3_stmt *s, store_call *out, int max, int *n)
{
	int rc = SQLITE_DONE;
	while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_call *c = &out[(*n)++];
		c->id = sqlite3_column_int64(s, 0);
		snprintf(c->code, sizeof c->code, "%s", (const char *)sqlite3_column_text(s, 1));
		snprintf(c->category, sizeof c->category, "%s",
			 (const char *)sqlite3_column_text(s, 2));
		c->desk = sqlite3_column_int(s, 3);
		c->called_ms = sqlite3_column_int64(s, 4);
		c->recalled = sqlite3_column_int(s, 5);
		const unsigned char *lang = sqlite3_column_text(s, 6); /* NULL: a call from
									  before schema 3 */
		snprintf(c->lang, sizeof c->lang, "%s", lang ? (const char *)lang : "");
	}
	if (*n >= max)
		rc = SQLITE_DONE;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? STORE_OK : store_db_fail(st, rc, "reading calls");
}

store_status store_recent_calls(store *st, store_call *out, int max, int *n)
{
	*n = 0;
	int64_t now = clock_now_ms();
	store_status ss = store_day_roll_if_due(st, now);
	if (ss != STORE_OK)
		return ss;
	char day[11];
	store_day_of(st, now, day);
	sqlite3_stmt *s = store_q(st, Q_RECENT_CALLS);
	if (!s)
		return STORE_IO;
	sqlite3_bind_int(s, 1, max);
	sqlite3_bind_text(s, 2, day, -1, SQLITE_STATIC);
	return read_calls(st, s, out, max, n);
}

store_status store_calls_after(store *st, int64_t after_id, store_call *out, int max, int *n)
{
	*n = 0;
	int64_t now = clock_now_ms();
	store_status ss = store_day_roll_if_due(st, now);
	if (ss != STORE_OK)
		return ss;
	char day[11];
	store_day_of(st, now, day);
	sqlite3_stmt *s = store_q(st, Q_CALLS_AFTER);
	if (!s)
		return STORE_IO;
	sqlite3_bind_int64(s, 1, after_id);
	sqlite3_bind_text(s, 2, day, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, max);
	return read_calls(st, s, out, max, n);
}

store_status store_last_call_id(store *st, int64_t *id)
{
	*id = 0;
	sqlite3_stmt *s = store_q(st, Q_LAST_CALL_ID);
	if (!s)
		return STORE_IO;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? STORE_OK : store_db_fail(st, rc, "reading calls");
}

store_status store_status_get(store *st, store_status_info *info)
{
	memset(info, 0, sizeof *info);
	int64_t now = clock_now_ms();
	store_status ss = store_day_roll_if_due(st, now);
	if (ss != STORE_OK)
		return ss;
	store_day_of(st, now, info->day);
	ss = store_begin_read(st);
	if (ss != STORE_OK)
		return ss;
	info->ncategories = st->cfg->ncategories;
	for (int i = 0; i < st->cfg->ncategories; i++)
		snprintf(info->categories[i].category, sizeof info->categories[i].category, "%s",
			 st->cfg->categories[i].id);
	sqlite3_stmt *s = store_q(st, Q_STATUS_COUNTS);
	int rc = SQLITE_ERROR;
	if (s) {
		sqlite3_bind_text(s, 1, info->day, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			int w = sqlite3_column_int(s, 1), c = sqlite3_column_int(s, 2),
			    sv = sqlite3_column_int(s, 3);
			info->waiting += w;
			info->at_desks += c;
			info->served_today += sv;
			int ci =
			    config_category_index(st->cfg, (const char *)sqlite3_column_text(s, 0));
			if (ci >= 0) {
				info->categories[ci].waiting = w;
				info->categories[ci].served_today = sv;
			}
		}
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_reset(s);
	}
	if (rc == SQLITE_OK)
		rc = store_last_seq(st, &info->last_seq);
	if (rc == SQLITE_OK)
		rc = store_meta_get_int(st, "acked_through", &info->acked_through);
	if (rc == SQLITE_OK)
		rc = store_meta_get_int(st, "last_attempt_ms", &info->last_attempt_ms);
	if (rc == SQLITE_OK)
		rc = store_meta_get_text(st, "last_error", info->last_error,
					 sizeof info->last_error);
	if (rc == SQLITE_OK)
		rc = store_meta_get_int(st, "last_success_ms", &info->last_success_ms);
	if (rc == SQLITE_OK)
		rc = store_meta_get_int(st, "failing_since_ms", &info->failing_since_ms);
	int64_t fault = 0;
	if (rc == SQLITE_OK)
		rc = store_meta_get_int(st, "last_fault", &fault);
	/* a database written by an older syncd: an error without a kind */
	if (fault < 0 || fault > SYNC_FAULT_MAX || (fault == 0 && info->last_error[0]))
		fault = SYNC_FAULT_UNREACHABLE;
	info->fault = (sync_fault)fault;
	if (rc == SQLITE_OK)
		rc = store_meta_get_int(st, "heartbeat_ms", &info->heartbeat_ms);
	if (rc == SQLITE_OK)
		rc = store_meta_get_int(st, "heartbeat_every_ms", &info->heartbeat_every_ms);
	if (rc == SQLITE_OK) {
		store_desk *desks = malloc(100 * sizeof *desks);
		ss = desks ? store_desks_read(st, desks, 100, &info->desks_open)
			   : store_fail(st, STORE_IO, "out of memory");
		free(desks);
	}
	if (rc == SQLITE_OK && ss == STORE_OK) {
		store_est per_cat[CONFIG_MAX_CATEGORIES];
		store_est *rows = NULL;
		int n = 0;
		ss = store_estimate_run(st, now, &rows, &n, per_cat);
		free(rows);
		for (int i = 0; ss == STORE_OK && i < info->ncategories; i++)
			info->categories[i].est_wait_s = per_cat[i].est_s;
	}
	store_end_read(st);
	if (rc != SQLITE_OK)
		return store_db_fail(st, rc, "status");
	if (ss != STORE_OK)
		return ss;
	info->backlog = info->last_seq - info->acked_through;
	return STORE_OK;
}
