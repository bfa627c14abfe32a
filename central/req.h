/*
 * req — one request as the handlers see it and the reply they fill in: the
 * request's accessors (headers, query arguments, who is asking, the
 * language, the site named in the path) and the reply's builders. The
 * handlers depend on this module and on nothing of http.c; http.c fills a
 * request from libmicrohttpd, routes it to a handler (central.h) and sends
 * the reply.
 */
#ifndef CENTRAL_REQ_H
#define CENTRAL_REQ_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cconfig.h"
#include "cstore.h"
#include "metrics.h"
#include "people.h"

struct sites;

/* The server's state, as every request sees it. cfg's sites are those of
 * the database when the request came (http.c puts a snapshot of sites.h
 * there for each request), not the configuration file's. */
typedef struct {
	const cconf *cfg;
	cstore *st;
	metrics *m;
	struct sites *sites;
} central;

#define REPLY_MAX_HEADERS 6

/* A body made while it is sent, for an answer too large to hold (an
 * export of a year): http.c sends the reply's body first, then calls
 * fill(ctx, out) whenever the client can take more, each call appending a
 * bounded piece to out (emptied before): 0 to be called again, 1 at the
 * end (out may hold the last piece), -1 on an error (logged by fill; the
 * status and headers are gone already, so the connection is cut and the
 * client sees a transfer that did not finish). done(ctx) frees ctx once,
 * whether the body was sent or not. fill never sees a socket; it runs on
 * the connection's thread, after the handler has returned, so ctx must
 * hold (or own) everything it needs. */
typedef struct {
	int (*fill)(void *ctx, buf *out);
	void (*done)(void *ctx);
	void *ctx;
} reply_stream;

typedef struct {
	int status; /* 0 until a handler answered */
	const char *ctype;
	buf body;
	reply_stream stream; /* fill NULL: body is the whole answer */
	int nhdr;
	char hname[REPLY_MAX_HEADERS][32];
	char hvalue[REPLY_MAX_HEADERS][256];
	char note[320]; /* what the log line adds: "site=x events=500 new=500" */
} reply;

typedef struct {
	central *app;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	const char *body; /* the whole body (POST), NUL-terminated; "" if none */
	size_t body_len;
	int body_too_large;
	people_who who; /* who is asking (req_identify); nobody until then */
} request;

/* Request details (NULL if absent). Valid during the handler. */
const char *req_header(const request *rq, const char *name);
const char *req_arg(const request *rq, const char *name);

void reply_init(reply *rp);
void reply_free(reply *rp);
void reply_header(reply *rp, const char *name, const char *value);
/* text/plain; charset=utf-8 from a format. */
void reply_text(reply *rp, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* {"error": msg} as application/json; msg also goes into the log note. */
void reply_json_error(reply *rp, int status, const char *msg);
/* 503 with Retry-After, for a busy or full database. */
void reply_unavailable(reply *rp, int retry_after_s, const char *why);
void reply_note(reply *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Finds out who is asking, once, before the handler (http.c, for every
 * route but the sites' own): "Authorization: Bearer" with the admin token
 * or an account's API token, else the session cookie (people.h). A site's
 * token is nobody here. */
void req_identify(request *rq);
/* An admin (the admin token, or an account with the role admin)? 1 or 0. */
int req_is_admin(const request *rq);
/* Anybody signed in (an admin or a viewer)? 1 or 0. */
int req_is_signed_in(const request *rq);
/* Who is asking, as the record of a change names them (a configuration's
 * author, the audit log): the account's name, or "admin token". */
const char *req_actor(const request *rq);
/* 1 if the reader may see site id's rows: every site for an admin, a
 * viewer's own list else. The request's configuration (rq->app->cfg) holds
 * only these sites already (req_scope); rows that name a site come from
 * the store unfiltered and pass through this. */
int req_sees_site(const request *rq, const char *id);
/* The sites of all[0..n) the reader may see, copied to out (room for n):
 * their count. */
int req_scope(const request *rq, const cconf_site *all, int n, cconf_site *out);
/* The gate of a page for people: 1 if the reader may go on (signed in,
 * and an admin if need_admin); else 0 with the answer in rp: 401 for a
 * wrong Authorization header, a redirect to /login for a browser without
 * a session, 403 for a viewer where an admin is needed. */
int req_gate(const request *rq, reply *rp, int need_admin);
/* A form's POST from one of our own pages? (the Origin is this server's and
 * Sec-Fetch-Site is not cross-site): 1 or 0. The session cookie is
 * SameSite=Strict besides. */
int req_same_origin(const request *rq);
/* The client's address as text (for the sign-in's counts), "?" if unknown:
 * the connection's peer, or behind a trusted proxy the address its
 * X-Forwarded-For names (proxy.h). */
void req_peer(const request *rq, char *out, size_t cap);
/* The metrics token or the admin? 1 or 0. */
int req_may_read_metrics(const request *rq);
/* The token of the Authorization: Bearer header, or NULL. */
const char *auth_bearer_of(const request *rq, size_t *len);

/* Decodes value name of an application/x-www-form-urlencoded body into
 * out (NUL-terminated): 0, or -1 if absent, too long or holding a NUL. */
int req_form_value(const char *body, const char *name, char *out, size_t cap);

/* The dashboard's language: "nl" (default) or "en". */
const char *req_lang(const request *rq);

/* The site part of /api/v1/sites/{site}/events, or NULL if path is not that
 * route; copies the raw segment (maybe invalid) into site. */
int route_site(const char *path, char *site, size_t cap);
/* The same for /api/v1/sites/{site}SUFFIX ("/profile", "/heartbeat"). */
int route_site_suffix(const char *path, const char *suffix, char *site, size_t cap);

/* The checks before a site's JSON body to .../{site}SUFFIX is read (the
 * profile's PUT, the heartbeat's POST): the site's own bearer token (401;
 * 403 for the admin token, a disabled site or another site's token), a
 * site the path names (404), Content-Type application/json (415), a
 * Content-Length within max_bytes (413). what names the body in the
 * admin's 403 ("profile"). Returns the site's index, or -1 with the error
 * in rp. */
int req_site_json_early(request *rq, reply *rp, const char *suffix, const char *what,
			size_t max_bytes);

#endif
