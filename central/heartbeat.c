/*
 * heartbeat — POST /api/v1/sites/{site}/heartbeat (docs/protocol.md, "The
 * site's heartbeat"): a site's signs of life, every sync.heartbeat_seconds.
 *
 * The checks come in the order of api.c's (401 no or wrong token, 403 the
 * admin's token or a disabled site's, 404 not a site, 403 another site's
 * token, 415 not JSON, 413 over HEALTH_MAX_BYTES), then the body: 400
 * naming the first field that is wrong. A good one replaces the site's
 * last (cstore_health_put) with central's time of receipt and the site's
 * clock minus central's, and is answered 204. What it means is health.c's.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "central.h"
#include "clock.h"
#include "config.h"

#define HB_MAX_VIEWS  64
#define HB_MAX_STRING 4096

int route_heartbeat(const char *path, char *site, size_t cap)
{
	return route_site_suffix(path, "/heartbeat", site, cap);
}

/* The index of the sending site, or -1 with the error in rp. */
static int site_of(request *rq, reply *rp)
{
	return req_site_json_early(rq, rp, "/heartbeat", "heartbeat", HEALTH_MAX_BYTES);
}

int health_early(request *rq, reply *rp)
{
	return site_of(rq, rp) < 0;
}

/* What a field may be: bits of these. */
enum { T_NULL = 1, T_ABSENT = 2, T_STRING = 4, T_COUNT = 8, T_BOOL = 16, T_TIME = 32 };

/* 0 if o's key is one of want, else -1 with "key: must be ..." in err. */
static int field(const json_t *o, const char *path, const char *key, int want, char *err,
		 size_t errlen)
{
	const json_t *j = json_object_get(o, key);
	const char *what = NULL;
	if (!j) {
		if (!(want & T_ABSENT))
			what = "is missing";
	} else if (json_is_null(j)) {
		if (!(want & T_NULL))
			what = "must not be null";
	} else if (want & (T_STRING | T_TIME)) {
		int64_t ms;
		if (!json_is_string(j) || json_string_length(j) > HB_MAX_STRING)
			what = "must be a string (at most 4096 bytes)";
		else if ((want & T_TIME) && clock_parse_iso(json_string_value(j), &ms))
			what = "must be an RFC 3339 time";
	} else if (want & T_COUNT) {
		if (!json_is_integer(j) || json_integer_value(j) < 0)
			what = "must be a whole number, 0 or more";
	} else if (want & T_BOOL) {
		if (!json_is_boolean(j))
			what = "must be true or false";
	}
	if (!what)
		return 0;
	snprintf(err, errlen, "%s%s: %s", path, key, what);
	return -1;
}

/* 0 if root is a heartbeat, else -1 naming the field in err. */
static int check(const json_t *root, char *err, size_t errlen)
{
	if (!json_is_object(root)) {
		snprintf(err, errlen, "the heartbeat must be a JSON object");
		return -1;
	}
	const int opt_s = T_STRING | T_NULL | T_ABSENT, opt_n = T_COUNT | T_NULL | T_ABSENT;
	if (field(root, "", "software", opt_s, err, errlen) ||
	    field(root, "", "config_version", opt_s, err, errlen) ||
	    field(root, "", "config_refused", opt_s, err, errlen) ||
	    field(root, "", "backlog", T_COUNT, err, errlen) ||
	    field(root, "", "oldest_unsent_age_s", opt_n, err, errlen) ||
	    field(root, "", "disk_free_bytes", opt_n, err, errlen) ||
	    field(root, "", "disk_total_bytes", opt_n, err, errlen) ||
	    field(root, "", "last_error", opt_s, err, errlen) ||
	    field(root, "", "fault", opt_s, err, errlen) ||
	    field(root, "", "clock", T_TIME, err, errlen))
		return -1;
	const json_t *views = json_object_get(root, "views");
	if (views && !json_is_null(views)) {
		if (!json_is_array(views) || json_array_size(views) > HB_MAX_VIEWS) {
			snprintf(err, errlen, "views: must be an array of at most %d views",
				 HB_MAX_VIEWS);
			return -1;
		}
		for (size_t i = 0; i < json_array_size(views); i++) {
			const json_t *v = json_array_get(views, i);
			char p[32];
			snprintf(p, sizeof p, "views[%zu].", i);
			if (!json_is_object(v)) {
				snprintf(err, errlen, "views[%zu]: must be an object", i);
				return -1;
			}
			if (field(v, p, "name", T_STRING, err, errlen) ||
			    field(v, p, "alive", T_TIME | T_NULL | T_ABSENT, err, errlen) ||
			    field(v, p, "every_s", T_COUNT | T_ABSENT, err, errlen) ||
			    field(v, p, "running", T_BOOL, err, errlen) ||
			    field(v, p, "stopped", T_BOOL | T_ABSENT, err, errlen))
				return -1;
		}
	}
	/* the version a site runs is the office's ETag ("v7") or its own
	 * file's mark: short visible ASCII, nothing a page could mistake */
	const char *ver = json_string_value(json_object_get(root, "config_version"));
	for (size_t i = 0; ver && ver[i]; i++)
		if (i >= 128 || ver[i] <= ' ' || ver[i] > '~' || ver[i] == '<' || ver[i] == '>' ||
		    ver[i] == '&') {
			snprintf(err, errlen,
				 "config_version: must be at most 128 visible ASCII characters, "
				 "without <, > or &");
			return -1;
		}
	const json_t *sched = json_object_get(root, "schedule");
	if (sched && !json_is_null(sched)) {
		config *c = calloc(1, sizeof *c);
		char why[512] = "";
		int bad = !c || config_schedule_load(sched, c, why, sizeof why);
		free(c);
		if (bad) {
			/* "schedule: hours.mon[0]: must be ...\n..." -> its first line */
			why[strcspn(why, "\n")] = '\0';
			snprintf(err, errlen, "%s", why[0] ? why : "schedule: out of memory");
			return -1;
		}
	}
	const json_t *pr = json_object_get(root, "printer");
	if (pr && !json_is_null(pr)) {
		if (!json_is_object(pr)) {
			snprintf(err, errlen, "printer: must be an object");
			return -1;
		}
		if (field(pr, "printer.", "state", T_STRING, err, errlen) ||
		    field(pr, "printer.", "since", T_TIME | T_NULL | T_ABSENT, err, errlen))
			return -1;
	}
	return 0;
}

void health_post(request *rq, reply *rp)
{
	int si = site_of(rq, rp);
	if (si < 0)
		return;
	const char *id = rq->app->cfg->sites[si].id;
	json_error_t je;
	json_t *root = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		char msg[300];
		snprintf(msg, sizeof msg, "not JSON (line %d, column %d): %s", je.line, je.column,
			 je.text);
		reply_json_error(rp, 400, msg);
		return;
	}
	char err[300];
	if (check(root, err, sizeof err)) {
		json_decref(root);
		reply_json_error(rp, 400, err);
		reply_note(rp, "site=%s heartbeat refused: %s", id, err);
		return;
	}
	int64_t now = clock_now_ms(), site_ms = 0;
	clock_parse_iso(json_string_value(json_object_get(root, "clock")), &site_ms);
	json_decref(root);
	int st = cstore_health_put(rq->app->st, id, now, site_ms - now, rq->body, rq->body_len);
	if (st == CSTORE_OK) {
		rp->status = 204;
		reply_note(rp, "site=%s heartbeat clock_offset_ms=%lld", id,
			   (long long)(site_ms - now));
	} else if (st == CSTORE_BUSY || st == CSTORE_FULL) {
		reply_unavailable(rp, 5, "the central office cannot store now, try again");
	} else {
		reply_json_error(rp, 500, "the central office could not store the heartbeat");
	}
}
