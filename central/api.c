/*
 * api — the sync protocol's server half (docs/protocol.md, "Delivery"):
 *
 *   POST /api/v1/sites/{site}/events      site token   store a batch
 *   GET  /api/v1/sites/{site}/events      an admin     the events as JSON lines
 *
 * The order of the checks decides what a stranger can learn:
 *   1. no token, or a token that is nobody's        401 (whatever the path)
 *   2. the admin token on POST                        403
 *      a disabled site's token                        403 "this site is disabled"
 *   3. {site} not a configured site (or not an id)    404
 *   4. a site token for another site                  403
 *   5. Content-Type not application/json              415 (also an unknown Content-Encoding)
 *   6. Content-Length over max_body_bytes             413 (before reading the body)
 *   7. the body: malformed 400, too large 413 (on the wire or inflated)
 *   8. the store: 200 / 409 gap / 422 conflict / 503 busy or disk full
 * So without a valid token nothing tells which sites exist.
 *
 * 422 for a conflict (same seq or UUID, other content): the sender must not
 * take it for "resend from N+1" (409) nor for a retryable error; a person
 * has to look. The central office never overwrites what it holds.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "central.h"
#include "clock.h"
#include "ingest.h"
#include "log.h"

#define EVENTS_LIMIT_DEFAULT 10000
#define EVENTS_LIMIT_MAX     100000

/* The site index the path names, or -1 (unknown or not an id). */
static int path_site(const request *rq)
{
	char id[CCONF_ID_LEN + 2];
	if (route_site(rq->path, id, sizeof id) || !cconf_valid_id(id))
		return -1;
	const cconf *c = rq->app->cfg;
	for (int i = 0; i < c->nsites; i++)
		if (!strcmp(c->sites[i].id, id))
			return i;
	return -1;
}

static int who_is_asking(const request *rq)
{
	size_t len = 0;
	const char *tok = auth_bearer_of(rq, &len);
	return tok ? auth_who(rq->app->cfg, tok, len) : AUTH_NOBODY;
}

static void unauthorized(reply *rp, const char *why)
{
	reply_json_error(rp, 401, why);
	reply_header(rp, "WWW-Authenticate", "Bearer realm=\"loket\"");
}

/* "application/json", maybe with parameters ("; charset=utf-8"). */
static int is_json(const char *ct)
{
	if (!ct)
		return 0;
	while (*ct == ' ')
		ct++;
	if (strncasecmp(ct, "application/json", 16))
		return 0;
	ct += 16;
	while (*ct == ' ')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* 0 identity, 1 gzip, -1 something we do not speak. */
static int encoding_of(const char *ce)
{
	if (!ce || !*ce || !strcasecmp(ce, "identity"))
		return 0;
	if (!strcasecmp(ce, "gzip") || !strcasecmp(ce, "x-gzip"))
		return 1;
	return -1;
}

int api_ingest_early(request *rq, reply *rp)
{
	const cconf *c = rq->app->cfg;
	int who = who_is_asking(rq);
	if (who == AUTH_NOBODY) {
		unauthorized(rp, req_header(rq, MHD_HTTP_HEADER_AUTHORIZATION)
				     ? "wrong token"
				     : "no token: send Authorization: Bearer <site token>");
		return 1;
	}
	if (who == AUTH_ADMIN) {
		reply_json_error(rp, 403,
				 "the admin token cannot send events: use the site's token");
		return 1;
	}
	if (c->sites[who].disabled) {
		reply_json_error(rp, 403, "this site is disabled");
		reply_note(rp, "site=%s disabled", c->sites[who].id);
		return 1;
	}
	int site = path_site(rq);
	if (site < 0) {
		reply_json_error(rp, 404, "unknown site");
		return 1;
	}
	if (site != who) {
		reply_json_error(rp, 403, "this token belongs to another site");
		reply_note(rp, "token of %s used for %s", c->sites[who].id, c->sites[site].id);
		return 1;
	}
	if (!is_json(req_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE))) {
		reply_json_error(rp, 415, "Content-Type must be application/json");
		return 1;
	}
	if (encoding_of(req_header(rq, MHD_HTTP_HEADER_CONTENT_ENCODING)) < 0) {
		reply_json_error(rp, 415, "Content-Encoding must be gzip or none");
		return 1;
	}
	const char *cl = req_header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(cl, &end, 10);
		if (errno || end == cl || n > (unsigned long long)c->max_body_bytes) {
			char msg[96];
			snprintf(msg, sizeof msg, "body: larger than %ld bytes", c->max_body_bytes);
			reply_json_error(rp, 413, msg);
			return 1;
		}
	}
	return 0;
}

/* At most INGEST_SLOTS batches are decoded and stored at once. Each may
 * inflate to limits.max_inflated_bytes and become a jansson tree several
 * times that size; without a bound, every open connection of a site with a
 * valid token could hold one (gigabytes). The store takes one writer at a
 * time anyway, so the bound costs no throughput. */
#define INGEST_SLOTS 8
static pthread_mutex_t slots_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slots_cv = PTHREAD_COND_INITIALIZER;
static int slots_used;

static void slot_take(void)
{
	pthread_mutex_lock(&slots_mu);
	while (slots_used >= INGEST_SLOTS)
		pthread_cond_wait(&slots_cv, &slots_mu);
	slots_used++;
	pthread_mutex_unlock(&slots_mu);
}

static void slot_give(void)
{
	pthread_mutex_lock(&slots_mu);
	slots_used--;
	pthread_cond_signal(&slots_cv);
	pthread_mutex_unlock(&slots_mu);
}

/* Events kept unread are acknowledged (the site must not stall) but
 * someone should upgrade this office: say so once per batch. */
static void unread_warning(const char *site, const ingest_batch *b, size_t unread)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->ev[i].unread[0]) {
			log_warn("site %s: %zu new event%s kept unread (this version cannot read "
				 "them; upgrade, then --rebuild-tickets), such as seq %lld: %s",
				 site, unread, unread == 1 ? "" : "s", (long long)b->ev[i].e.seq,
				 b->ev[i].unread);
			return;
		}
}

/* One batch, decoded and stored while holding an ingest slot. */
static void ingest_in_slot(request *rq, reply *rp)
{
	central *app = rq->app;
	const cconf *c = app->cfg;
	int site = path_site(rq);
	const char *id = c->sites[site].id;
	int gzip = encoding_of(req_header(rq, MHD_HTTP_HEADER_CONTENT_ENCODING));
	ingest_limits lim = {(size_t)c->max_inflated_bytes, (size_t)c->max_batch_events};
	ingest_batch b;
	char err[300];
	int rc = ingest_decode(rq->body, rq->body_len, gzip, &lim, &b, err, sizeof err);
	if (rc) {
		reply_json_error(rp, rc, err);
		reply_note(rp, "site=%s %s", id, err);
		return;
	}
	int64_t now = clock_now_ms();
	cstore_ingest_result r;
	cstore_batch sb = ingest_store_batch(&b);
	int st = cstore_ingest(app->st, id, &sb, now, &r);
	char ok[64];
	snprintf(ok, sizeof ok, "{\"acked_through\":%lld}\n", (long long)r.acked_through);
	switch (st) {
	case CSTORE_OK:
		rp->status = 200;
		rp->ctype = "application/json";
		buf_adds(&rp->body, ok);
		metrics_batch(app->m, site, r.stored, r.duplicates, r.unread, r.acked_through, now);
		reply_note(rp, "site=%s events=%zu new=%zu dup=%zu unread=%zu acked_through=%lld",
			   id, b.n, r.stored, r.duplicates, r.unread, (long long)r.acked_through);
		if (r.unread)
			unread_warning(id, &b, r.unread);
		break;
	case CSTORE_GAP:
		rp->status = 409;
		rp->ctype = "application/json";
		buf_adds(&rp->body, ok);
		reply_note(rp, "site=%s gap: batch starts at %lld, acked_through=%lld", id,
			   (long long)b.ev[0].e.seq, (long long)r.acked_through);
		break;
	case CSTORE_CONFLICT: {
		/* Loud: a site rewrote history, or two sites share an id. */
		log_error("site %s: CONFLICT, refused and kept what is held: %s", id, r.why);
		json_t *o =
		    json_pack("{s:s,s:I,s:I}", "error", r.why, "seq", (json_int_t)r.conflict_seq,
			      "acked_through", (json_int_t)r.acked_through);
		char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
		rp->status = 422;
		rp->ctype = "application/json";
		if (s)
			buf_adds(&rp->body, s);
		free(s);
		json_decref(o);
		reply_note(rp, "site=%s conflict: %s", id, r.why);
		break;
	}
	case CSTORE_BUSY:
		reply_unavailable(rp, 2, "the database is busy, try again");
		reply_note(rp, "site=%s database busy: %s", id, r.why);
		break;
	case CSTORE_FULL:
		log_error("the central database's disk is full: events of %s refused", id);
		reply_unavailable(rp, 60, "the central office cannot store now, try later");
		reply_note(rp, "site=%s disk full", id);
		break;
	default:
		reply_json_error(rp, 500, "the central office could not store the batch");
		reply_note(rp, "site=%s store error: %s", id, r.why);
		break;
	}
	ingest_batch_free(&b);
}

void api_ingest(request *rq, reply *rp)
{
	if (api_ingest_early(rq, rp))
		return;
	slot_take();
	ingest_in_slot(rq, rp);
	slot_give();
}

static int parse_count(const char *s, long long lo, long long hi, long long *out)
{
	if (!s)
		return 0;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

typedef struct {
	buf *out;
	int full;
	long long lines;
} lines_ctx;

/* Whole lines only: a line that does not fit ends the page early, and the
 * reader asks again with after= the last seq it got. */
static int add_line(void *ctx, int64_t seq, const char *text, size_t len)
{
	(void)seq;
	lines_ctx *l = ctx;
	size_t before = l->out->len;
	if (buf_add(l->out, text, len) || buf_add(l->out, "\n", 1)) {
		l->out->len = before;
		if (l->out->data)
			l->out->data[before] = '\0';
		l->full = 1;
		return 1;
	}
	l->lines++;
	return 0;
}

void api_events(request *rq, reply *rp)
{
	if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD")) {
		reply_json_error(rp, 405, "use GET or POST");
		reply_header(rp, "Allow", "GET, HEAD, POST");
		return;
	}
	/* A viewer, or a site with its own token: known, but not allowed. */
	if (!req_is_signed_in(rq) && who_is_asking(rq) < 0) {
		unauthorized(rp,
			     "send Authorization: Bearer <admin token or an admin's API token>");
		return;
	}
	if (!req_is_admin(rq)) {
		reply_json_error(rp, 403, "reading events needs an admin");
		return;
	}
	int site = path_site(rq);
	if (site < 0) {
		reply_json_error(rp, 404, "unknown site");
		return;
	}
	long long after = 0, limit = EVENTS_LIMIT_DEFAULT;
	if (parse_count(req_arg(rq, "after"), 0, INT64_MAX, &after)) {
		reply_json_error(rp, 400, "after: must be a whole number >= 0");
		return;
	}
	if (parse_count(req_arg(rq, "limit"), 1, EVENTS_LIMIT_MAX, &limit)) {
		reply_json_error(rp, 400, "limit: must be a whole number 1..100000");
		return;
	}
	const char *id = rq->app->cfg->sites[site].id;
	lines_ctx l = {&rp->body, 0, 0};
	int st = cstore_events(rq->app->st, id, after, limit, add_line, &l);
	if (l.full && l.lines == 0) {
		reply_json_error(rp, 500, "one event is larger than an answer may be");
		return;
	}
	if (l.full)
		st = CSTORE_OK; /* a shorter page: the reader goes on from its last seq */
	if (st == CSTORE_BUSY) {
		reply_unavailable(rp, 2, "the database is busy, try again");
		return;
	}
	if (st != CSTORE_OK) {
		reply_json_error(rp, 500, "the central office could not read its events");
		return;
	}
	rp->status = 200;
	rp->ctype = "application/x-ndjson; charset=utf-8";
	reply_note(rp, "site=%s after=%lld", id, after);
}
