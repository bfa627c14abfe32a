/*
 * req — see req.h.
 */
#include "req.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"

/* --- the request ---------------------------------------------------------- */


const char *req_header(const request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *req_arg(const request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *auth_bearer_of(const request *rq, size_t *len)
{
	return auth_bearer(req_header(rq, MHD_HTTP_HEADER_AUTHORIZATION), len);
}

void req_identify(request *rq)
{
	people_who *w = &rq->who;
	memset(w, 0, sizeof *w);
	size_t len = 0;
	const char *tok = auth_bearer_of(rq, &len);
	if (tok) {
		int who = auth_who(rq->app->cfg, tok, len);
		if (who == AUTH_ADMIN) {
			w->kind = PEOPLE_ADMIN_TOKEN;
			w->admin = 1;
			snprintf(w->name, sizeof w->name, "admin token");
		} else if (who == AUTH_NOBODY) {
			people_api_token(rq->app->st, tok, len, w);
		}
		return; /* a Bearer header that is nobody's: no cookie tried */
	}
	char v[AUTH_COOKIE_LEN + 8];
	if (!auth_cookie_get(req_header(rq, MHD_HTTP_HEADER_COOKIE), AUTH_COOKIE, v, sizeof v))
		people_session(rq->app->st, v,
			       rq->app->cfg->has_admin_token ? rq->app->cfg->admin_sha256 : NULL,
			       w);
}

int req_is_admin(const request *rq)
{
	return rq->who.kind != PEOPLE_NOBODY && rq->who.admin;
}

int req_is_signed_in(const request *rq)
{
	return rq->who.kind != PEOPLE_NOBODY;
}

const char *req_actor(const request *rq)
{
	return rq->who.kind != PEOPLE_NOBODY ? rq->who.name : "nobody";
}

int req_sees_site(const request *rq, const char *id)
{
	return people_sees_site(rq->who.sites, id);
}

int req_scope(const request *rq, const cconf_site *all, int n, cconf_site *out)
{
	int k = 0;
	for (int i = 0; i < n; i++)
		if (req_sees_site(rq, all[i].id))
			out[k++] = all[i];
	return k;
}

int req_gate(const request *rq, reply *rp, int need_admin)
{
	if (req_is_signed_in(rq) && (!need_admin || req_is_admin(rq)))
		return 1;
	if (req_is_signed_in(rq)) {
		reply_text(rp, 403, "this needs an admin");
		reply_note(rp, "%s is not an admin", req_actor(rq));
	} else if (req_header(rq, MHD_HTTP_HEADER_AUTHORIZATION)) {
		reply_text(rp, 401, "send Authorization: Bearer <admin token or API token>");
		reply_header(rp, "WWW-Authenticate", "Bearer realm=\"loket\"");
	} else {
		reply_text(rp, 303, "sign in first");
		reply_header(rp, "Location",
			     !strcmp(req_lang(rq), "en") ? "/login?lang=en" : "/login");
	}
	return 0;
}

int req_same_origin(const request *rq)
{
	const char *sfs = req_header(rq, "Sec-Fetch-Site");
	if (sfs && strcasecmp(sfs, "same-origin") && strcasecmp(sfs, "none"))
		return 0;
	const char *origin = req_header(rq, "Origin"), *host = req_header(rq, "Host");
	if (!origin || !strcmp(origin, "null"))
		return !origin;
	const char *p = strstr(origin, "://");
	return host && p && !strcasecmp(p + 3, host);
}

/* The X-Forwarded-For lines of a request, in order (at most PROXY_MAX*2:
 * more than that many proxies is no honest chain; the first are dropped,
 * as the walk reads from the right). */
typedef struct {
	const char *v[PROXY_MAX * 2];
	int n;
} xff_lines;

static enum MHD_Result on_header(void *ctx, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	(void)kind;
	xff_lines *x = ctx;
	if (key && value && !strcasecmp(key, "X-Forwarded-For")) {
		if (x->n == (int)(sizeof x->v / sizeof x->v[0])) {
			memmove(x->v, x->v + 1, sizeof x->v - sizeof x->v[0]);
			x->n--;
		}
		x->v[x->n++] = value;
	}
	return MHD_YES;
}

void req_peer(const request *rq, char *out, size_t cap)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	char peer[PROXY_ADDR] = "?";
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, peer,
			  sizeof peer);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  peer, sizeof peer);
	const cconf *c = rq->app->cfg;
	xff_lines x = {.n = 0};
	if (c->ntrusted)
		MHD_get_connection_values(rq->conn, MHD_HEADER_KIND, on_header, &x);
	proxy_client(c->trusted, c->ntrusted, peer, x.v, x.n, out, cap);
}

int req_may_read_metrics(const request *rq)
{
	size_t len = 0;
	const char *tok = auth_bearer_of(rq, &len);
	if (tok && auth_is_metrics(rq->app->cfg, tok, len))
		return 1;
	return req_is_admin(rq);
}

const char *req_lang(const request *rq)
{
	const char *l = req_arg(rq, "lang");
	return l && !strcmp(l, "en") ? "en" : "nl";
}

/* Decodes application/x-www-form-urlencoded value name of body into out. */
int req_form_value(const char *body, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = body;
	while (p && *p) {
		const char *end = strchr(p, '&');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > nl && !strncmp(p, name, nl) && p[nl] == '=') {
			size_t o = 0;
			for (size_t i = nl + 1; i < len; i++) {
				char ch = p[i];
				if (ch == '+') {
					ch = ' ';
				} else if (ch == '%' && i + 2 < len) {
					char hex[3] = {p[i + 1], p[i + 2], 0};
					char *e;
					long v = strtol(hex, &e, 16);
					if (*e || v == 0)
						return -1;
					ch = (char)v;
					i += 2;
				}
				if (o + 1 >= cap)
					return -1;
				out[o++] = ch;
			}
			out[o] = '\0';
			return 0;
		}
		p = end ? end + 1 : NULL;
	}
	return -1;
}

#define SITES_PREFIX "/api/v1/sites/"

int route_site_suffix(const char *path, const char *suffix, char *site, size_t cap)
{
	size_t pl = strlen(SITES_PREFIX), xl = strlen(suffix), n = strlen(path);
	if (n <= pl + xl || strncmp(path, SITES_PREFIX, pl) || strcmp(path + n - xl, suffix))
		return -1;
	size_t sl = n - pl - xl;
	if (sl >= cap)
		sl = cap - 1; /* cut: no site id is that long, so it stays unknown */
	memcpy(site, path + pl, sl);
	site[sl] = '\0';
	return 0;
}

int route_site(const char *path, char *site, size_t cap)
{
	return route_site_suffix(path, "/events", site, cap);
}

/* The index of the site the route path names, or -1 (not the route, not an
 * id, not a site). */
static int routed_site(const request *rq, const char *suffix)
{
	char id[CCONF_ID_LEN + 2];
	if (route_site_suffix(rq->path, suffix, id, sizeof id) || !cconf_valid_id(id))
		return -1;
	const cconf *c = rq->app->cfg;
	for (int i = 0; i < c->nsites; i++)
		if (!strcmp(c->sites[i].id, id))
			return i;
	return -1;
}

int req_site_json_early(request *rq, reply *rp, const char *suffix, const char *what,
			size_t max_bytes)
{
	size_t len = 0;
	const char *tok = auth_bearer_of(rq, &len);
	int who = tok ? auth_who(rq->app->cfg, tok, len) : AUTH_NOBODY;
	if (who == AUTH_NOBODY) {
		reply_json_error(rp, 401,
				 tok ? "wrong token"
				     : "no token: send Authorization: Bearer <site token>");
		reply_header(rp, "WWW-Authenticate", "Bearer realm=\"loket\"");
		return -1;
	}
	if (who == AUTH_ADMIN) {
		char msg[160];
		snprintf(msg, sizeof msg, "the admin token cannot send a %s: use the site's token",
			 what);
		reply_json_error(rp, 403, msg);
		return -1;
	}
	if (rq->app->cfg->sites[who].disabled) {
		reply_json_error(rp, 403, "this site is disabled");
		return -1;
	}
	int site = routed_site(rq, suffix);
	if (site < 0) {
		reply_json_error(rp, 404, "unknown site");
		return -1;
	}
	if (site != who) {
		reply_json_error(rp, 403, "this token belongs to another site");
		return -1;
	}
	const char *ct = req_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
	while (ct && *ct == ' ')
		ct++;
	if (!ct || strncasecmp(ct, "application/json", 16) ||
	    (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
		reply_json_error(rp, 415, "Content-Type must be application/json");
		return -1;
	}
	const char *cl = req_header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > max_bytes) {
		char msg[80];
		snprintf(msg, sizeof msg, "body: larger than %zu bytes", max_bytes);
		reply_json_error(rp, 413, msg);
		return -1;
	}
	return site;
}

/* --- the reply ------------------------------------------------------------ */

void reply_init(reply *rp)
{
	memset(rp, 0, sizeof *rp);
	buf_init(&rp->body, 256u << 20);
}

void reply_free(reply *rp)
{
	buf_free(&rp->body);
	if (rp->stream.done)
		rp->stream.done(rp->stream.ctx);
	memset(&rp->stream, 0, sizeof rp->stream);
}

void reply_header(reply *rp, const char *name, const char *value)
{
	if (rp->nhdr >= REPLY_MAX_HEADERS)
		return;
	snprintf(rp->hname[rp->nhdr], sizeof rp->hname[0], "%s", name);
	snprintf(rp->hvalue[rp->nhdr], sizeof rp->hvalue[0], "%s", value);
	rp->nhdr++;
}

void reply_note(reply *rp, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rp->note, sizeof rp->note, fmt, ap);
	va_end(ap);
}

void reply_text(reply *rp, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	buf_reset(&rp->body);
	rp->status = status;
	rp->ctype = "text/plain; charset=utf-8";
	if (buf_adds(&rp->body, msg) || buf_adds(&rp->body, "\n"))
		buf_reset(&rp->body);
}

void reply_json_error(reply *rp, int status, const char *msg)
{
	buf_reset(&rp->body);
	rp->status = status;
	rp->ctype = "application/json";
	json_t *o = json_pack("{s:s}", "error", msg);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (!s || buf_adds(&rp->body, s) || buf_adds(&rp->body, "\n"))
		buf_reset(&rp->body);
	free(s);
	json_decref(o);
	if (!rp->note[0])
		reply_note(rp, "%s", msg);
}

void reply_unavailable(reply *rp, int retry_after_s, const char *why)
{
	char ra[16];
	snprintf(ra, sizeof ra, "%d", retry_after_s);
	reply_json_error(rp, 503, why);
	reply_header(rp, "Retry-After", ra);
}
