/*
 * syncstate — what the sync status of a site database means for the
 * people at the site, as one state: the counter's sync line and `loketctl
 * status` say the same thing from the same rules (docs/syncd.md,
 * "What the site shows").
 *
 *   not running   syncd's heartbeat is older than twice its interval (or it
 *                 stopped cleanly, or never ran on this database): nothing
 *                 is being sent, whatever the last attempt said
 *   offline       syncd runs, and its last attempt failed: since when, and
 *                 why (sync_fault)
 *   sending       syncd runs, nothing failed, events wait to be sent
 *   up to date    syncd runs, nothing failed, nothing waits
 *
 * A pure function of the stored status and the time: no I/O.
 */
#ifndef LOKET_SYNCSTATE_H
#define LOKET_SYNCSTATE_H

#include <stdint.h>

#include "store.h"

typedef enum {
	SYNC_STATE_OFF,		/* the configuration has no "sync" section */
	SYNC_STATE_NEVER_RAN,	/* no heartbeat on this database, ever */
	SYNC_STATE_NOT_RUNNING, /* the heartbeat stopped (since: the last one) */
	SYNC_STATE_OFFLINE,	/* delivery fails (since: the first failure) */
	SYNC_STATE_SENDING,	/* delivering, backlog > 0 */
	SYNC_STATE_UP_TO_DATE,	/* nothing to send (since: the last success, or 0) */
} sync_state;

typedef struct {
	sync_state state;
	int64_t since_ms; /* wall clock, see above; 0 when unknown */
	sync_fault fault; /* SYNC_STATE_OFFLINE only */
	int64_t backlog;
} sync_view;

/* The state of s at wall-clock time now_ms; sync_enabled is the site
 * configuration's. A heartbeat dated more than twice its interval in the
 * future (a clock set back) counts as fresh only until syncd writes the
 * next one, which is within one interval: it is taken as it is. */
sync_view sync_state_of(const store_status_info *s, int sync_enabled, int64_t now_ms);

/* "not-running", "offline", ...: for logs and JSON. */
const char *sync_state_name(sync_state st);
const char *sync_fault_name(sync_fault f);

#endif
