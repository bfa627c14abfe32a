/*
 * profile — what a site says about itself: PUT /api/v1/sites/{site}/profile
 * (loket-syncd sends it at start and whenever it changes). The central
 * office learns from it the site's name, languages, and the labels of its
 * kinds of help (categories) and referral destinations, in every language,
 * so that no label is ever written into central's code.
 *
 *   {"name":"WIJS Paddepoel","languages":["nl","en"],
 *    "categories":[{"id":"digital","prefix":"A","icon":"phone",
 *                   "labels":{"nl":"Telefoon...","en":"Phone..."}}],
 *    "referrals":[{"id":"wij","labels":{"nl":"WIJ-team","en":"WIJ team"}}],
 *    "config_version":null,"software":"0.1.0"}
 *
 * Answers, in the order checked (the same as for events, api.c):
 *   401 no token or nobody's; 403 the admin token or another site's;
 *   404 not a configured site; 415 not application/json; 413 over
 *   PROFILE_MAX_BYTES; 400 {"error":"<field>: <what is wrong>"} naming the
 *   first field that is wrong; 503 busy; 204 stored.
 * A profile replaces the site's previous one (the time received is kept);
 * labels are kept per (site, kind, id): an id the new profile no longer
 * names keeps its last labels for the reports of the days it was used
 * (cstore_profile_put). A profile never touches events or tickets.
 *
 * What a valid profile is: profile_check.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "central.h"
#include "clock.h"
#include "log.h"
#include "profile_check.h"


int route_profile(const char *path, char *site, size_t cap)
{
	return route_site_suffix(path, "/profile", site, cap);
}

/* The index of the sending site, or -1 with the error in rp. */
static int site_of(request *rq, reply *rp)
{
	return req_site_json_early(rq, rp, "/profile", "profile", PROFILE_MAX_BYTES);
}

int profile_early(request *rq, reply *rp)
{
	return site_of(rq, rp) < 0;
}

void profile_put(request *rq, reply *rp)
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
	cstore_label *lv = NULL;
	size_t ln = 0;
	char *languages = NULL, err[300];
	int rc = profile_check(root, &lv, &ln, &languages, err, sizeof err);
	if (rc) {
		json_decref(root);
		reply_json_error(rp, rc == -2 ? 503 : 400, err);
		reply_note(rp, "site=%s profile refused: %s", id, err);
		return;
	}
	int st = cstore_profile_put(rq->app->st, id,
				    json_string_value(json_object_get(root, "name")), languages,
				    rq->body, rq->body_len, lv, ln, clock_now_ms());
	if (st == CSTORE_OK) {
		rp->status = 204;
		reply_note(rp, "site=%s profile stored (%zu labels)", id, ln);
	} else if (st == CSTORE_BUSY || st == CSTORE_FULL) {
		reply_unavailable(rp, 5, "the central office cannot store now, try again");
	} else {
		reply_json_error(rp, 500, "the central office could not store the profile");
	}
	free(lv);
	free(languages);
	json_decref(root);
}
