/*
 * siteconf_api — the HTTP side of the managed configuration and of
 * enrolment (docs/central.md, "Managed configuration"); the logic is
 * siteconf.c's and enrol.c's.
 *
 *   GET  /api/v1/sites/{site}/config            the site's token (or the
 *        admin): 200 + ETag "\"vN\"" with the latest version's JSON, 304 when
 *        If-None-Match names that ETag, 404 when central manages none
 *   PUT  /api/v1/sites/{site}/config            admin: the managed part as
 *        JSON -> 200 {"version": N}, 400 {"error": "config:L:C: key: ..."}
 *        (every problem, one per line), 404 no such site, 413 too large
 *   GET  /api/v1/sites/{site}/config/versions   admin: newest first
 *   POST /api/v1/sites/{site}/config/rollback   admin: {"version": N} ->
 *        200 {"version": M}, M a new version equal to N
 *   PUT  /api/v1/templates/{name}               admin: a partial config
 *   GET  /api/v1/templates/{name}               admin
 *   POST /api/v1/templates/{name}/apply         admin: {"sites": [...]} ->
 *        200 {"template", "sites": [{"site", "version"}]}, or 400/404 with
 *        each site's "error" and nothing applied (all or nothing: a
 *        template is meant to make sites alike, and a half-applied one
 *        leaves a network nobody can describe; fix the site named and apply
 *        again)
 *   POST /api/v1/enrol                          no token: {"code": "..."} ->
 *        200 {"site", "token", "config"}; 403 unknown code, 410 used or
 *        expired (loket-syncd exits 77 on both), 429 after ENROL_TRIES
 *        wrong codes from one address in ENROL_WINDOW_S
 * The admin is req_is_admin's (the admin token or a session); the author
 * of a change is req_actor's.
 */
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "auth.h"
#include "central.h"
#include "clock.h"
#include "enrol.h"
#include "log.h"
#include "siteconf.h"

#define TEMPLATES_PREFIX "/api/v1/templates/"
#define APPLY_MAX_SITES	 CCONF_MAX_SITES

/* Answers with o (taken) as JSON. */
static void reply_json(reply *rp, int status, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	buf_reset(&rp->body);
	if (!s || buf_adds(&rp->body, s) || buf_adds(&rp->body, "\n")) {
		free(s);
		reply_json_error(rp, 500, "out of memory");
		return;
	}
	free(s);
	rp->status = status;
	rp->ctype = "application/json";
}

static void store_error(reply *rp, int rc, const char *err)
{
	if (rc == CSTORE_BUSY || rc == CSTORE_FULL)
		reply_unavailable(rp, 5, err);
	else
		reply_json_error(rp,
				 rc == SITECONF_INVALID	  ? 400
				 : rc == CSTORE_NOT_FOUND ? 404
				 : rc == CSTORE_CONFLICT  ? 409
							  : 500,
				 err);
}

/* 1 if the admin asks; else answers 401 or 403 and returns 0. */
static int admin_or_answer(request *rq, reply *rp)
{
	if (req_is_admin(rq))
		return 1;
	size_t len = 0;
	const char *tok = auth_bearer_of(rq, &len);
	if (tok && auth_who(rq->app->cfg, tok, len) >= 0) {
		reply_json_error(rp, 403, "only the admin may do this, not a site's token");
		return 0;
	}
	if (req_is_signed_in(rq)) {
		reply_json_error(rp, 403, "this needs an admin");
		reply_note(rp, "%s is not an admin", req_actor(rq));
		return 0;
	}
	reply_json_error(rp, 401, "send Authorization: Bearer <admin token>");
	reply_header(rp, "WWW-Authenticate", "Bearer realm=\"loket\"");
	return 0;
}

int siteconf_early(request *rq, reply *rp)
{
	req_identify(rq);
	if (route_siteconf_page(rq->path))
		return !req_gate(rq, rp, 1);
	return !admin_or_answer(rq, rp);
}

/* The site the path names before suffix, if registered: its index, or -1
 * with 404 answered. */
static int named_site(request *rq, reply *rp, const char *suffix)
{
	char id[CCONF_ID_LEN + 2];
	if (!route_site_suffix(rq->path, suffix, id, sizeof id) && cconf_valid_id(id)) {
		const cconf *c = rq->app->cfg;
		for (int i = 0; i < c->nsites; i++)
			if (!strcmp(c->sites[i].id, id))
				return i;
	}
	reply_json_error(rp, 404, "unknown site");
	return -1;
}

static int json_body(request *rq, reply *rp, size_t max, json_t **out)
{
	const char *ct = req_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
	while (ct && *ct == ' ')
		ct++;
	if (!ct || strncasecmp(ct, "application/json", 16)) {
		reply_json_error(rp, 415, "Content-Type must be application/json");
		return -1;
	}
	if (rq->body_len > max) {
		char msg[80];
		snprintf(msg, sizeof msg, "body: larger than %zu bytes", max);
		reply_json_error(rp, 413, msg);
		return -1;
	}
	if (!out)
		return 0;
	json_error_t je;
	*out = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(*out)) {
		char msg[300];
		snprintf(msg, sizeof msg, "not a JSON object (line %d, column %d): %s", je.line,
			 je.column, *out ? "another type" : je.text);
		json_decref(*out);
		reply_json_error(rp, 400, msg);
		return -1;
	}
	return 0;
}

/* --- a site's configuration ---------------------------------------------- */

static void config_get(request *rq, reply *rp)
{
	size_t len = 0;
	const char *tok = auth_bearer_of(rq, &len);
	int who = tok ? auth_who(rq->app->cfg, tok, len) : AUTH_NOBODY;
	if (who == AUTH_NOBODY && !req_is_admin(rq)) {
		reply_json_error(
		    rp, 401, tok ? "wrong token" : "no token: send Authorization: Bearer <token>");
		reply_header(rp, "WWW-Authenticate", "Bearer realm=\"loket\"");
		return;
	}
	if (who >= 0 && rq->app->cfg->sites[who].disabled) {
		reply_json_error(rp, 403, "this site is disabled");
		return;
	}
	int si = named_site(rq, rp, "/config");
	if (si < 0)
		return;
	if (who >= 0 && who != si) {
		reply_json_error(rp, 403, "this token belongs to another site");
		return;
	}
	const char *id = rq->app->cfg->sites[si].id;
	int64_t version = 0;
	char *text = NULL, etag[SITECONF_ETAG_LEN];
	size_t tlen = 0;
	int rc = siteconf_latest(rq->app->st, id, &version, &text, &tlen, etag);
	if (rc == CSTORE_NOT_FOUND) {
		reply_json_error(rp, 404, "central manages no configuration for this site");
		return;
	}
	if (rc != CSTORE_OK) {
		store_error(rp, rc, "the configuration cannot be read now");
		return;
	}
	reply_header(rp, "ETag", etag);
	const char *inm = req_header(rq, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm && strstr(inm, etag)) {
		rp->status = 304;
		reply_note(rp, "site=%s config %s not modified", id, etag);
	} else if (buf_add(&rp->body, text, tlen)) {
		reply_json_error(rp, 500, "out of memory");
	} else {
		rp->status = 200;
		rp->ctype = "application/json";
		reply_note(rp, "site=%s config %s sent", id, etag);
	}
	free(text);
}

static void config_put(request *rq, reply *rp)
{
	if (!admin_or_answer(rq, rp))
		return;
	int si = named_site(rq, rp, "/config");
	if (si < 0 || json_body(rq, rp, SITECONF_MAX_BYTES, NULL))
		return;
	const char *id = rq->app->cfg->sites[si].id;
	char err[4096];
	int64_t version = 0;
	int rc = siteconf_save(rq->app->st, id, rq->body, rq->body_len, req_actor(rq), &version,
			       err, sizeof err);
	if (rc != CSTORE_OK) {
		store_error(rp, rc, err);
		reply_note(rp, "site=%s config refused: %.200s", id, err);
		return;
	}
	reply_json(rp, 200, json_pack("{s:I}", "version", (json_int_t)version));
	reply_note(rp, "site=%s config v%lld saved by %s", id, (long long)version, req_actor(rq));
}

static int on_version(void *ctx, const cstore_conf *c)
{
	char at[CLOCK_ISO_LEN];
	clock_format_iso(c->created_ms, at, sizeof at);
	json_array_append_new(ctx,
			      json_pack("{s:I, s:s, s:s, s:s}", "version", (json_int_t)c->version,
					"author", c->author, "at", at, "note", c->note));
	return 0;
}

static void config_versions(request *rq, reply *rp)
{
	if (!admin_or_answer(rq, rp))
		return;
	int si = named_site(rq, rp, "/config/versions");
	if (si < 0)
		return;
	const char *id = rq->app->cfg->sites[si].id;
	json_t *list = json_array();
	int rc = list ? cstore_conf_versions(rq->app->st, id, on_version, list) : CSTORE_ERROR;
	if (rc != CSTORE_OK) {
		json_decref(list);
		store_error(rp, rc, "the versions cannot be read now");
		return;
	}
	reply_json(rp, 200, json_pack("{s:s, s:o}", "site", id, "versions", list));
}

static void config_rollback(request *rq, reply *rp)
{
	if (!admin_or_answer(rq, rp))
		return;
	int si = named_site(rq, rp, "/config/rollback");
	json_t *body = NULL;
	if (si < 0 || json_body(rq, rp, 4096, &body))
		return;
	const char *id = rq->app->cfg->sites[si].id;
	json_t *v = json_object_get(body, "version");
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		json_decref(body);
		reply_json_error(rp, 400, "version: must be a version's number, 1 or more");
		return;
	}
	char err[300];
	int64_t to = (int64_t)json_integer_value(v), now = 0;
	json_decref(body);
	int rc = siteconf_rollback(rq->app->st, id, to, req_actor(rq), &now, err, sizeof err);
	if (rc != CSTORE_OK) {
		store_error(rp, rc, err);
		return;
	}
	reply_json(rp, 200, json_pack("{s:I}", "version", (json_int_t)now));
	reply_note(rp, "site=%s config v%lld = v%lld by %s", id, (long long)now, (long long)to,
		   req_actor(rq));
}

/* --- templates ------------------------------------------------------------- */

/* The template name of /api/v1/templates/{name}SUFFIX into name: 0 or -1. */
static int template_name(const char *path, const char *suffix, char *name, size_t cap)
{
	size_t pl = strlen(TEMPLATES_PREFIX), xl = strlen(suffix), n = strlen(path);
	if (n <= pl + xl || strncmp(path, TEMPLATES_PREFIX, pl) || strcmp(path + n - xl, suffix) ||
	    n - pl - xl >= cap)
		return -1;
	memcpy(name, path + pl, n - pl - xl);
	name[n - pl - xl] = '\0';
	return strchr(name, '/') ? -1 : 0;
}

static int on_template(void *ctx, const cstore_template *t)
{
	reply *rp = ctx;
	if (buf_add(&rp->body, t->body, t->len))
		return 1;
	rp->status = 200;
	rp->ctype = "application/json";
	return 1;
}

static void template_one(request *rq, reply *rp, const char *name)
{
	if (!strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD")) {
		int rc = cstore_template_get(rq->app->st, name, on_template, rp);
		if (rc == CSTORE_NOT_FOUND)
			reply_json_error(rp, 404, "no such template");
		else if (rc != CSTORE_OK || !rp->status)
			store_error(rp, rc == CSTORE_OK ? CSTORE_ERROR : rc,
				    "the template cannot be read now");
		return;
	}
	if (strcmp(rq->method, "PUT")) {
		reply_text(rp, 405, "method not allowed (allowed: GET, HEAD, PUT)");
		reply_header(rp, "Allow", "GET, HEAD, PUT");
		return;
	}
	if (json_body(rq, rp, SITECONF_MAX_BYTES, NULL))
		return;
	char err[512];
	int rc = siteconf_template_save(rq->app->st, name, rq->body, rq->body_len, req_actor(rq),
					err, sizeof err);
	if (rc != CSTORE_OK) {
		store_error(rp, rc, err);
		return;
	}
	reply_json(rp, 200, json_pack("{s:s}", "template", name));
	reply_note(rp, "template %s saved by %s", name, req_actor(rq));
}

static void template_apply(request *rq, reply *rp, const char *name)
{
	json_t *body = NULL;
	if (strcmp(rq->method, "POST")) {
		reply_text(rp, 405, "method not allowed (allowed: POST)");
		reply_header(rp, "Allow", "POST");
		return;
	}
	if (json_body(rq, rp, 64u << 10, &body))
		return;
	json_t *list = json_object_get(body, "sites");
	size_t n = json_array_size(list);
	if (!json_is_array(list) || n == 0 || n > APPLY_MAX_SITES) {
		json_decref(body);
		reply_json_error(rp, 400, "sites: must be an array of 1 or more site ids");
		return;
	}
	const char **ids = calloc(n, sizeof *ids);
	siteconf_applied *res = calloc(n, sizeof *res);
	if (!ids || !res) {
		free(ids);
		free(res);
		json_decref(body);
		reply_json_error(rp, 500, "out of memory");
		return;
	}
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		ids[i] = json_string_value(json_array_get(list, i));
		bad |= !ids[i] || !cconf_valid_id(ids[i]);
	}
	char err[300];
	int rc = bad ? SITECONF_INVALID
		     : siteconf_template_apply(rq->app->st, name, ids, n, req_actor(rq), res, err,
					       sizeof err);
	if (bad) {
		reply_json_error(rp, 400, "sites: each must be a site id");
	} else if (rc == CSTORE_OK || rc == SITECONF_INVALID ||
		   (rc == CSTORE_NOT_FOUND && res[0].site[0])) {
		json_t *out = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(
			    out, rc == CSTORE_OK
				     ? json_pack("{s:s, s:I}", "site", res[i].site, "version",
						 (json_int_t)res[i].version)
				     : json_pack("{s:s, s:s?}", "site", res[i].site, "error",
						 res[i].status == CSTORE_OK ? NULL : res[i].err));
		if (rc == CSTORE_OK)
			reply_json(rp, 200,
				   json_pack("{s:s, s:o}", "template", name, "sites", out));
		else
			reply_json(rp, rc == SITECONF_INVALID ? 400 : 404,
				   json_pack("{s:s, s:o}", "error", err, "sites", out));
		reply_note(rp, "template %s applied to %zu sites by %s: %s", name, n, req_actor(rq),
			   rc == CSTORE_OK ? "ok" : err);
	} else {
		store_error(rp, rc, err);
	}
	free(ids);
	free(res);
	json_decref(body);
}

void siteconf_api(request *rq, reply *rp)
{
	const char *m = rq->method;
	int get = !strcmp(m, "GET") || !strcmp(m, "HEAD");
	char name[SITECONF_NAME_LEN + 2], site[CCONF_ID_LEN + 2];
	if (!template_name(rq->path, "/apply", name, sizeof name)) {
		if (admin_or_answer(rq, rp))
			template_apply(rq, rp, name);
	} else if (!template_name(rq->path, "", name, sizeof name)) {
		if (admin_or_answer(rq, rp))
			template_one(rq, rp, name);
	} else if (!route_site_suffix(rq->path, "/config/versions", site, sizeof site)) {
		if (get)
			config_versions(rq, rp);
		else {
			reply_text(rp, 405, "method not allowed (allowed: GET, HEAD)");
			reply_header(rp, "Allow", "GET, HEAD");
		}
	} else if (!route_site_suffix(rq->path, "/config/rollback", site, sizeof site)) {
		if (!strcmp(m, "POST"))
			config_rollback(rq, rp);
		else {
			reply_text(rp, 405, "method not allowed (allowed: POST)");
			reply_header(rp, "Allow", "POST");
		}
	} else if (get) {
		config_get(rq, rp);
	} else if (!strcmp(m, "PUT")) {
		config_put(rq, rp);
	} else {
		reply_text(rp, 405, "method not allowed (allowed: GET, HEAD, PUT)");
		reply_header(rp, "Allow", "GET, HEAD, PUT");
	}
}

int route_siteconf(const char *path)
{
	char site[CCONF_ID_LEN + 2];
	return !strncmp(path, TEMPLATES_PREFIX, strlen(TEMPLATES_PREFIX)) ||
	       !route_site_suffix(path, "/config", site, sizeof site) ||
	       !route_site_suffix(path, "/config/versions", site, sizeof site) ||
	       !route_site_suffix(path, "/config/rollback", site, sizeof site);
}

/* --- enrolment ------------------------------------------------------------ */

/* The site's configuration as enrol_use reads it, parsed for the answer. */
static int on_enrol_conf(void *ctx, const cstore_conf *c)
{
	*(json_t **)ctx = json_loadb(c->body, c->len, 0, NULL);
	return 0;
}

void enrol_post(request *rq, reply *rp)
{
	char addr[64];
	req_peer(rq, addr, sizeof addr);
	int64_t now = clock_now_ms();
	if (!enrol_allowed(addr, now)) {
		char ra[16];
		snprintf(ra, sizeof ra, "%d", ENROL_WINDOW_S);
		reply_json_error(rp, 429,
				 "too many wrong codes from this address: try again later");
		reply_header(rp, "Retry-After", ra);
		return;
	}
	json_error_t je;
	json_t *body = json_loadb(rq->body, rq->body_len, 0, &je);
	const char *code = json_string_value(json_object_get(body, "code"));
	if (!code) {
		json_decref(body);
		reply_json_error(rp, 400, "send {\"code\": \"...\"}, the code from the office");
		return;
	}
	char site[CCONF_ID_LEN], token[SITES_TOKEN_LEN];
	int why = 0;
	json_t *conf = NULL;
	int rc = enrol_use(rq->app->st, code, site, sizeof site, token, &why, on_enrol_conf, &conf);
	json_decref(body);
	if (rc == CSTORE_NOT_FOUND) {
		enrol_failed(addr, now);
		reply_json_error(
		    rp, why == CSTORE_ENROL_UNKNOWN ? 403 : 410,
		    why == CSTORE_ENROL_USED
			? "this code was used already: ask the office for a new one"
		    : why == CSTORE_ENROL_EXPIRED
			? "this code is older than 24 hours: ask the office for a new one"
			: "unknown code: check it, or ask the office for a new one");
		reply_note(rp, "enrolment refused from %s (%s)", addr,
			   why == CSTORE_ENROL_USED	 ? "used"
			   : why == CSTORE_ENROL_EXPIRED ? "expired"
							 : "unknown");
		return;
	}
	if (rc != CSTORE_OK) {
		store_error(rp, rc, "the central office cannot enrol now, try again");
		return;
	}
	if (!conf) {
		/* stored checked, so only memory can fail here */
		OPENSSL_cleanse(token, sizeof token);
		reply_json_error(rp, 500, "out of memory: the code is used, ask the office for a new one");
		log_error("enrolment of %s: its configuration could not be sent (out of memory)", site);
		return;
	}
	reply_json(rp, 200,
		   json_pack("{s:s, s:s, s:o}", "site", site, "token", token, "config", conf));
	OPENSSL_cleanse(token, sizeof token);
	reply_note(rp, "site=%s enrolled from %s: new token", site, addr);
	audit_note(rq->app->st, "enrolment", "site.enrol", "%s from %s: a new token", site, addr);
}
