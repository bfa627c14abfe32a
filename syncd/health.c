/*
 * health — see health.h.
 */
#include "health.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "clock.h"
#include "syncstate.h"

#ifndef LOKET_VERSION
#define LOKET_VERSION "0"
#endif

#define HEALTH_MAX_VIEWS 32

static json_t *iso(int64_t ms)
{
	char buf[CLOCK_ISO_LEN];
	if (ms <= 0)
		return json_null();
	clock_format_iso(ms, buf, sizeof buf);
	return json_string(buf);
}

/* The folder of the database (statvfs wants an existing path). */
static void folder_of(const char *path, char *out, size_t n)
{
	snprintf(out, n, "%s", path);
	char *slash = strrchr(out, '/');
	if (!slash)
		snprintf(out, n, ".");
	else if (slash == out)
		out[1] = '\0';
	else
		*slash = '\0';
}

char *sync_health_json(const config *cfg, store *st, int64_t now_ms, char *err, size_t errlen)
{
	store_status_info info;
	store_view views[HEALTH_MAX_VIEWS];
	int nviews = 0;
	int64_t oldest_ms = 0;
	if (store_status_get(st, &info) != STORE_OK ||
	    (info.backlog > 0 && store_event_time(st, info.acked_through + 1, &oldest_ms) != STORE_OK) ||
	    store_views(st, views, HEALTH_MAX_VIEWS, &nviews) != STORE_OK) {
		snprintf(err, errlen, "%s", store_errmsg(st));
		return NULL;
	}
	json_t *vs = json_array();
	for (int i = 0; vs && i < nviews; i++) {
		const store_view *v = &views[i];
		/* running: a sign within twice its interval; 0: stopped cleanly */
		int running = v->every_ms > 0 && now_ms - v->alive_ms <= 2 * v->every_ms;
		json_array_append_new(vs, json_pack("{s:s, s:o, s:I, s:b, s:b}", "name", v->name,
						    "alive", iso(v->alive_ms), "every_s",
						    (json_int_t)(v->every_ms / 1000), "running",
						    running, "stopped", v->every_ms == 0));
	}
	char ver[160] = "", seen[160], refused[512] = "";
	if (store_config_state_get(st, ver, sizeof ver, seen, sizeof seen, refused,
				   sizeof refused) != STORE_OK)
		ver[0] = refused[0] = '\0';
	char pstate[64] = "";
	int64_t pat = 0;
	if (store_printer_state_get(st, pstate, sizeof pstate, &pat) != STORE_OK)
		pstate[0] = '\0';
	char dir[CONFIG_PATH_LEN];
	folder_of(cfg->database, dir, sizeof dir);
	struct statvfs fs;
	int have_fs = statvfs(dir, &fs) == 0;
	json_int_t free_b = have_fs ? (json_int_t)fs.f_bavail * (json_int_t)fs.f_frsize : -1;
	json_int_t total_b = have_fs ? (json_int_t)fs.f_blocks * (json_int_t)fs.f_frsize : -1;
	json_t *h = json_pack(
	    "{s:s, s:s*, s:s*, s:I, s:o, s:o, s:o, s:o, s:s*, s:s*, s:o}", "software", LOKET_VERSION,
	    "config_version", ver[0] ? ver : NULL, "config_refused", refused[0] ? refused : NULL,
	    "backlog", (json_int_t)info.backlog, "oldest_unsent_age_s",
	    oldest_ms > 0 ? json_integer((now_ms - oldest_ms) / 1000) : json_null(),
	    "disk_free_bytes", have_fs ? json_integer(free_b) : json_null(), "disk_total_bytes",
	    have_fs ? json_integer(total_b) : json_null(), "views", vs ? vs : json_array(),
	    "last_error", info.last_error[0] ? info.last_error : NULL, "fault",
	    info.fault != SYNC_FAULT_NONE ? sync_fault_name(info.fault) : NULL, "clock",
	    iso(now_ms));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* the ticket printer, when the site has one: "ok", "offline", "no paper" */
	if (pstate[0])
		json_object_set_new(h, "printer",
				    json_pack("{s:s, s:o}", "state", pstate, "since", iso(pat)));
	/* when the site means to be open, so the office can tell closed from
	 * down while it hears nothing (absent: always open) */
	json_t *sched = config_schedule_json(cfg);
	if (sched && (cfg->has_hours || cfg->nclosed))
		json_object_set_new(h, "schedule", sched);
	else
		json_decref(sched);
	char *s = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(h);
	if (!s)
		snprintf(err, errlen, "out of memory");
	return s;
}
