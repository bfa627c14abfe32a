/*
 * syncstate — see syncstate.h.
 */
#include "syncstate.h"

sync_view sync_state_of(const store_status_info *s, int sync_enabled, int64_t now_ms)
{
	sync_view v = {SYNC_STATE_OFF, 0, SYNC_FAULT_NONE, s->backlog};
	if (!sync_enabled)
		return v;
	if (s->heartbeat_ms <= 0) {
		v.state = SYNC_STATE_NEVER_RAN;
		return v;
	}
	int64_t every = s->heartbeat_every_ms;
	if (every <= 0 || now_ms - s->heartbeat_ms > 2 * every) {
		v.state = SYNC_STATE_NOT_RUNNING;
		v.since_ms = s->heartbeat_ms;
		return v;
	}
	if (s->fault != SYNC_FAULT_NONE || s->last_error[0]) {
		v.state = SYNC_STATE_OFFLINE;
		v.fault = s->fault != SYNC_FAULT_NONE ? s->fault : SYNC_FAULT_UNREACHABLE;
		/* a database from before failing_since_ms: the last success is
		 * the best bound there is */
		v.since_ms = s->failing_since_ms > 0 ? s->failing_since_ms : s->last_success_ms;
		return v;
	}
	v.state = s->backlog > 0 ? SYNC_STATE_SENDING : SYNC_STATE_UP_TO_DATE;
	v.since_ms = s->last_success_ms;
	return v;
}

const char *sync_state_name(sync_state st)
{
	switch (st) {
	case SYNC_STATE_OFF: return "off";
	case SYNC_STATE_NEVER_RAN: return "never-ran";
	case SYNC_STATE_NOT_RUNNING: return "not-running";
	case SYNC_STATE_OFFLINE: return "offline";
	case SYNC_STATE_SENDING: return "sending";
	case SYNC_STATE_UP_TO_DATE: return "up-to-date";
	}
	return "unknown";
}

const char *sync_fault_name(sync_fault f)
{
	switch (f) {
	case SYNC_FAULT_NONE: return "none";
	case SYNC_FAULT_UNREACHABLE: return "unreachable";
	case SYNC_FAULT_CERT: return "certificate";
	case SYNC_FAULT_SERVER: return "server";
	case SYNC_FAULT_TOKEN: return "token";
	case SYNC_FAULT_REFUSED: return "refused";
	case SYNC_FAULT_MISMATCH: return "mismatch";
	case SYNC_FAULT_LOCAL: return "local";
	}
	return "unknown";
}
