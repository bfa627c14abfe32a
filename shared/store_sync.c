/*
 * store_sync — the outbox as loket-syncd reads it, the sync state it
 * records (what the central office acknowledged, the last attempt and
 * error, since when delivery fails, syncd's heartbeat), and the purge of
 * what was acknowledged long ago.
 *
 * acked_through only moves forward, except through store_sync_reset (the
 * central office lost data and says so with a 409). Nothing with seq >
 * acked_through is ever deleted, and the newest outbox row is always kept:
 * max(seq) is where the next seq comes from.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "store_int.h"

store_status store_events_after(store *st, int64_t after, int max_events, size_t max_bytes,
				store_event_fn fn, void *arg, int64_t *last)
{
	*last = after;
	sqlite3_stmt *s = store_q(st, Q_EVENTS_AFTER);
	if (!s)
		return STORE_IO;
	int rc;
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int(s, 2, max_events > 0 ? max_events : -1);
	size_t bytes = 0;
	int count = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(s, 0);
		const char *body = (const char *)sqlite3_column_text(s, 1);
		size_t len = (size_t)sqlite3_column_bytes(s, 1);
		if (count > 0 && max_bytes > 0 && bytes + len > max_bytes)
			break;
		if (fn(arg, seq, body, len))
			break;
		*last = seq;
		bytes += len;
		count++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(st, rc, "reading the outbox");
	return STORE_OK;
}

store_status store_oldest_seq(store *st, int64_t *seq)
{
	*seq = 0;
	sqlite3_stmt *s = store_q(st, Q_OLDEST_SEQ);
	if (!s)
		return STORE_IO;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_reset(s);
	return rc == SQLITE_OK ? STORE_OK : store_db_fail(st, rc, "reading the outbox");
}

static store_status set_acked(store *st, int64_t through, int64_t at_ms, int allow_back)
{
	store_status ss = store_begin(st);
	if (ss != STORE_OK)
		return ss;
	int64_t last = 0, acked = 0;
	int rc = store_last_seq(st, &last);
	if (rc == SQLITE_OK)
		rc = store_meta_get_int(st, "acked_through", &acked);
	if (rc != SQLITE_OK) {
		ss = store_db_fail(st, rc, "reading the sync state");
		goto fail;
	}
	/* A central office that claims events we never wrote is wrong (or not
	 * ours): believing it would mark future events as delivered. */
	if (through < 0 || through > last) {
		ss = store_fail(
		    st, STORE_INVALID,
		    "the central office acknowledged seq %lld, but this site has only %lld events",
		    (long long)through, (long long)last);
		goto fail;
	}
	if (through > acked || (allow_back && through != acked))
		rc = store_meta_set_int(st, "acked_through", through);
	if (rc == SQLITE_OK && at_ms) {
		rc = store_meta_set_int(st, "last_success_ms", at_ms);
		if (rc == SQLITE_OK)
			rc = store_meta_set_int(st, "last_attempt_ms", at_ms);
		if (rc == SQLITE_OK)
			rc = store_meta_set_text(st, "last_error", "");
		if (rc == SQLITE_OK)
			rc = store_meta_set_int(st, "failing_since_ms", 0);
		if (rc == SQLITE_OK)
			rc = store_meta_set_int(st, "last_fault", SYNC_FAULT_NONE);
	}
	if (rc != SQLITE_OK) {
		ss = store_db_fail(st, rc, "writing the sync state");
		goto fail;
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return ss;
}

store_status store_sync_acked(store *st, int64_t through, int64_t at_ms)
{
	return set_acked(st, through, at_ms, 0);
}

store_status store_sync_reset(store *st, int64_t through)
{
	return set_acked(st, through, 0, 1);
}

store_status store_sync_failed(store *st, int64_t at_ms, sync_fault fault, const char *message)
{
	if ((int)fault < 0 || fault > SYNC_FAULT_MAX)
		return store_fail(st, STORE_INVALID, "unknown sync fault %d", (int)fault);
	store_status ss = store_begin(st);
	if (ss != STORE_OK)
		return ss;
	int64_t since = 0;
	int rc = store_meta_get_int(st, "failing_since_ms", &since);
	if (rc == SQLITE_OK && since == 0)
		rc = store_meta_set_int(st, "failing_since_ms", at_ms);
	if (rc == SQLITE_OK)
		rc = store_meta_set_int(st, "last_attempt_ms", at_ms);
	if (rc == SQLITE_OK)
		rc = store_meta_set_int(st, "last_fault", fault);
	if (rc == SQLITE_OK)
		rc = store_meta_set_text(st, "last_error", message ? message : "");
	if (rc != SQLITE_OK) {
		ss = store_db_fail(st, rc, "writing the sync state");
		store_rollback(st);
		return ss;
	}
	return store_commit(st);
}

store_status store_sync_heartbeat(store *st, int64_t at_ms, int64_t every_ms)
{
	store_status ss = store_begin(st);
	if (ss != STORE_OK)
		return ss;
	int rc = store_meta_set_int(st, "heartbeat_ms", at_ms);
	if (rc == SQLITE_OK)
		rc = store_meta_set_int(st, "heartbeat_every_ms", every_ms > 0 ? every_ms : 0);
	if (rc != SQLITE_OK) {
		ss = store_db_fail(st, rc, "writing the sync heartbeat");
		store_rollback(st);
		return ss;
	}
	return store_commit(st);
}

store_status store_event_time(store *st, int64_t seq, int64_t *at_ms)
{
	*at_ms = 0;
	sqlite3_stmt *s = store_q(st, Q_OUTBOX_AT);
	if (!s)
		return STORE_IO;
	sqlite3_bind_int64(s, 1, seq);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*at_ms = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK
						     : store_db_fail(st, rc, "reading the outbox");
}

store_status store_config_state_set(store *st, const char *applied, const char *seen,
				    const char *refused)
{
	store_status ss = store_begin(st);
	if (ss != STORE_OK)
		return ss;
	int rc = SQLITE_OK;
	if (applied)
		rc = store_meta_set_text(st, "config_version", applied);
	if (rc == SQLITE_OK && seen)
		rc = store_meta_set_text(st, "config_seen", seen);
	if (rc == SQLITE_OK && refused)
		rc = store_meta_set_text(st, "config_refused", refused);
	if (rc != SQLITE_OK) {
		ss = store_db_fail(st, rc, "writing the configuration's version");
		store_rollback(st);
		return ss;
	}
	return store_commit(st);
}

store_status store_config_state_get(store *st, char *applied, size_t an, char *seen, size_t sn,
				    char *refused, size_t rn)
{
	int rc = store_meta_get_text(st, "config_version", applied, an);
	if (rc == SQLITE_OK)
		rc = store_meta_get_text(st, "config_seen", seen, sn);
	if (rc == SQLITE_OK)
		rc = store_meta_get_text(st, "config_refused", refused, rn);
	return rc == SQLITE_OK ? STORE_OK : store_db_fail(st, rc, "reading the configuration's version");
}

store_status store_printer_state_set(store *st, const char *state, int64_t at_ms)
{
	store_status ss = store_begin(st);
	if (ss != STORE_OK)
		return ss;
	int rc = store_meta_set_text(st, "printer_state", state ? state : "");
	if (rc == SQLITE_OK)
		rc = store_meta_set_int(st, "printer_at", at_ms);
	if (rc != SQLITE_OK) {
		ss = store_db_fail(st, rc, "writing the printer's state");
		store_rollback(st);
		return ss;
	}
	return store_commit(st);
}

store_status store_printer_state_get(store *st, char *state, size_t n, int64_t *at_ms)
{
	int rc = store_meta_get_text(st, "printer_state", state, n);
	if (rc == SQLITE_OK)
		rc = store_meta_get_int(st, "printer_at", at_ms);
	return rc == SQLITE_OK ? STORE_OK : store_db_fail(st, rc, "reading the printer's state");
}

store_status store_view_alive(store *st, const char *name, int64_t at_ms, int64_t every_ms,
			      int pid)
{
	if (!name || !name[0] || strlen(name) >= STORE_VIEW_NAME)
		return store_fail(st, STORE_INVALID, "a view's name is 1..%d bytes",
				  STORE_VIEW_NAME - 1);
	store_status ss = store_begin(st);
	if (ss != STORE_OK)
		return ss;
	sqlite3_stmt *s = store_q(st, Q_VIEW_ALIVE);
	int rc = s ? SQLITE_OK : SQLITE_ERROR;
	if (s) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, at_ms);
		sqlite3_bind_int64(s, 3, every_ms > 0 ? every_ms : 0);
		sqlite3_bind_int(s, 4, pid);
		rc = store_step_done(s);
	}
	if (rc != SQLITE_OK) {
		ss = store_db_fail(st, rc, "writing a view's sign of life");
		store_rollback(st);
		return ss;
	}
	return store_commit(st);
}

store_status store_views(store *st, store_view *out, int max, int *n)
{
	*n = 0;
	sqlite3_stmt *s = store_q(st, Q_VIEWS);
	if (!s)
		return STORE_IO;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < max) {
		store_view *v = &out[(*n)++];
		snprintf(v->name, sizeof v->name, "%s", (const char *)sqlite3_column_text(s, 0));
		v->alive_ms = sqlite3_column_int64(s, 1);
		v->every_ms = sqlite3_column_int64(s, 2);
		v->pid = sqlite3_column_int(s, 3);
	}
	if (*n >= max && rc == SQLITE_ROW)
		rc = SQLITE_DONE;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? STORE_OK : store_db_fail(st, rc, "reading the views");
}

store_status store_purge(store *st, int days, int64_t *purged)
{
	*purged = 0;
	if (days < 0)
		return store_fail(st, STORE_INVALID, "days must not be negative");
	int64_t cutoff = clock_now_ms() - (int64_t)days * 86400000;
	store_status ss = store_begin(st);
	if (ss != STORE_OK)
		return ss;
	int64_t acked = 0;
	int rc = store_meta_get_int(st, "acked_through", &acked);
	sqlite3_stmt *s = rc == SQLITE_OK ? store_q(st, Q_PURGE_OUTBOX) : NULL;
	if (s) {
		sqlite3_bind_int64(s, 1, acked);
		sqlite3_bind_int64(s, 2, cutoff);
		rc = store_step_done(s);
		*purged = sqlite3_changes64(st->db);
	} else if (rc == SQLITE_OK) {
		rc = SQLITE_ERROR;
	}
	s = rc == SQLITE_OK ? store_q(st, Q_PURGE_TICKETS) : NULL;
	if (s) {
		sqlite3_bind_int64(s, 1, acked);
		sqlite3_bind_int64(s, 2, cutoff);
		rc = store_step_done(s);
	} else if (rc == SQLITE_OK) {
		rc = SQLITE_ERROR;
	}
	/* counters are kept: a row per prefix and day (a few thousand a year)
	 * is what makes a code unique on a day the clock may jump back to. */
	if (rc != SQLITE_OK) {
		ss = store_db_fail(st, rc, "purging");
		store_rollback(st);
		*purged = 0;
		return ss;
	}
	return store_commit(st);
}
