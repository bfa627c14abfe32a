/*
 * http — see http.h.
 */
#include "http.h"

#include "central.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "conncap.h"
#include "guard.h"
#include "log.h"
#include "sites.h"

#define LOGIN_BODY_MAX 4096
/* A request's body must have arrived this many connection timeouts after
 * its headers (2 minutes by default). MHD's timeout only catches silence;
 * a client trickling a byte now and then would hold its thread forever. */
#define BODY_TIMEOUTS 4

struct http_server {
	struct MHD_Daemon *d;
	central *app;
	pthread_mutex_t cfg_mu; /* app->cfg: copied by each request, changed by http_reload */
	guard *g;
	conncap *cap; /* limits.per_ip_connections, trusted proxies let through */
	int64_t cap_logged_ms;
	int port;
};

typedef struct {
	request rq;
	reply rp;
	central app;		/* the server's, with cfg below */
	cconf cfg;		/* the server's, with the sites of snap */
	const sites_snap *snap; /* held until the request is done */
	cconf_site *scoped;	/* a viewer's sites of snap, if limited (cfg.sites) */
	buf body;
	size_t cap;
	int route;
	int answered;
	int64_t t0_us;
	char method[16];
	char path[200]; /* for the log: printable, cut */
} conn_state;

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* --- routing ------------------------------------------------------------ */

static int route_of(const char *path)
{
	char site[64];
	if (!route_site(path, site, sizeof site))
		return ROUTE_INGEST; /* or ROUTE_EVENTS: decided by the method */
	if (!route_profile(path, site, sizeof site))
		return ROUTE_PROFILE;
	if (!route_heartbeat(path, site, sizeof site))
		return ROUTE_HEARTBEAT;
	if (route_siteconf(path) || route_siteconf_page(path))
		return ROUTE_CONFIG;
	if (!strcmp(path, "/api/v1/enrol"))
		return ROUTE_ENROL;
	if (!strcmp(path, "/sites"))
		return ROUTE_SITES;
	if (!strcmp(path, "/people"))
		return ROUTE_PEOPLE;
	if (!strcmp(path, "/audit"))
		return ROUTE_AUDIT;
	if (!strcmp(path, "/"))
		return ROUTE_DASHBOARD;
	if (!strcmp(path, "/report") || !strcmp(path, "/report.xlsx"))
		return ROUTE_REPORT;
	if (!strcmp(path, "/export/tickets.csv") || !strcmp(path, "/export/staffed.csv"))
		return ROUTE_EXPORT;
	if (!strcmp(path, "/login") || !strcmp(path, "/logout"))
		return ROUTE_LOGIN;
	if (!strcmp(path, "/healthz"))
		return ROUTE_HEALTHZ;
	if (!strcmp(path, "/metrics"))
		return ROUTE_METRICS;
	return ROUTE_OTHER;
}

static void method_not_allowed(reply *rp, const char *allow)
{
	reply_text(rp, 405, "method not allowed (allowed: %s)", allow);
	reply_header(rp, "Allow", allow);
}

static void dispatch(conn_state *cs)
{
	request *rq = &cs->rq;
	reply *rp = &cs->rp;
	const char *m = rq->method;
	int get = !strcmp(m, "GET") || !strcmp(m, "HEAD"), post = !strcmp(m, "POST");
	if (rq->body_too_large) {
		char msg[96];
		snprintf(msg, sizeof msg, "body: larger than %zu bytes", cs->cap);
		reply_json_error(rp, 413, msg);
		return;
	}
	/* Who asks, but not on the sites' own routes (their token is checked
	 * there, without the database). A viewer limited to some sites gets a
	 * configuration holding only those: every handler then lists only
	 * them, and rows of others are dropped (req_sees_site). */
	if (cs->route != ROUTE_INGEST && cs->route != ROUTE_PROFILE &&
	    cs->route != ROUTE_HEARTBEAT) {
		req_identify(rq);
		if (rq->who.sites[0]) {
			cs->scoped = calloc((size_t)cs->snap->n + 1, sizeof *cs->scoped);
			if (!cs->scoped) {
				reply_unavailable(rp, 2, "out of memory");
				return;
			}
			cs->cfg.nsites = req_scope(rq, cs->snap->v, cs->snap->n, cs->scoped);
			cs->cfg.sites = cs->scoped;
		}
	}
	switch (cs->route) {
	case ROUTE_INGEST:
		if (post)
			api_ingest(rq, rp);
		else
			method_not_allowed(rp, "POST");
		break;
	case ROUTE_EVENTS: api_events(rq, rp); break;
	case ROUTE_PROFILE:
		if (!strcmp(m, "PUT"))
			profile_put(rq, rp);
		else
			method_not_allowed(rp, "PUT");
		break;
	case ROUTE_HEARTBEAT:
		if (post)
			health_post(rq, rp);
		else
			method_not_allowed(rp, "POST");
		break;
	case ROUTE_SITES:
		if (get)
			sites_page(rq, rp);
		else if (post)
			sites_page_post(rq, rp);
		else
			method_not_allowed(rp, "GET, HEAD, POST");
		break;
	case ROUTE_PEOPLE:
		if (get)
			people_page(rq, rp);
		else if (post)
			people_page_post(rq, rp);
		else
			method_not_allowed(rp, "GET, HEAD, POST");
		break;
	case ROUTE_AUDIT:
		if (get)
			audit_page(rq, rp);
		else
			method_not_allowed(rp, "GET, HEAD");
		break;
	case ROUTE_CONFIG:
		if (route_siteconf_page(rq->path))
			siteconf_page(rq, rp);
		else
			siteconf_api(rq, rp);
		break;
	case ROUTE_ENROL:
		if (post)
			enrol_post(rq, rp);
		else
			method_not_allowed(rp, "POST");
		break;
	case ROUTE_REPORT:
		if (get && !strcmp(rq->path, "/report.xlsx"))
			report_xlsx(rq, rp);
		else if (get)
			report_page(rq, rp);
		else
			method_not_allowed(rp, "GET, HEAD");
		break;
	case ROUTE_DASHBOARD:
		if (get)
			report_dashboard(rq, rp);
		else
			method_not_allowed(rp, "GET, HEAD");
		break;
	case ROUTE_EXPORT:
		if (get && !strcmp(rq->path, "/export/staffed.csv"))
			csv_staffed(rq, rp);
		else if (get)
			csv_export(rq, rp);
		else
			method_not_allowed(rp, "GET, HEAD");
		break;
	case ROUTE_LOGIN:
		if (!strcmp(rq->path, "/logout")) {
			if (post)
				web_logout(rq, rp);
			else
				method_not_allowed(rp, "POST");
		} else if (post)
			web_login(rq, rp);
		else if (get)
			web_login_form(rq, rp);
		else
			method_not_allowed(rp, "GET, HEAD, POST");
		break;
	case ROUTE_HEALTHZ:
		if (get)
			status_healthz(rq, rp);
		else
			method_not_allowed(rp, "GET, HEAD");
		break;
	case ROUTE_METRICS:
		if (get)
			status_metrics(rq, rp);
		else
			method_not_allowed(rp, "GET, HEAD");
		break;
	default: reply_text(rp, 404, "not found"); break;
	}
}

/* --- libmicrohttpd callbacks ---------------------------------------------- */

/* A streamed body (reply_stream) while MHD sends it: the piece in hand and
 * how much of it went out. Owned by the response from its creation. */
#define STREAM_BLOCK (64u << 10)
typedef struct {
	reply_stream s;
	buf piece;
	size_t off;
	int end;
} stream_state;

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	stream_state *ss = cls;
	(void)pos;
	while (ss->off == ss->piece.len) {
		if (ss->end)
			return MHD_CONTENT_READER_END_OF_STREAM;
		buf_reset(&ss->piece);
		ss->off = 0;
		int rc = ss->s.fill(ss->s.ctx, &ss->piece);
		if (rc < 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		ss->end = rc > 0;
	}
	size_t n = ss->piece.len - ss->off;
	if (n > max)
		n = max;
	memcpy(out, ss->piece.data + ss->off, n);
	ss->off += n;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	stream_state *ss = cls;
	ss->s.done(ss->s.ctx);
	buf_free(&ss->piece);
	free(ss);
}

/* The response of rp: its body, then what its stream makes (if any). */
static struct MHD_Response *response_of(reply *rp)
{
	if (!rp->stream.fill) {
		size_t len;
		char *data = buf_take(&rp->body, &len);
		struct MHD_Response *r = MHD_create_response_from_buffer(
		    len, data ? data : (char *)"",
		    data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
		if (!r)
			free(data);
		return r;
	}
	stream_state *ss = calloc(1, sizeof *ss);
	if (!ss)
		return NULL; /* reply_free ends the stream */
	ss->s = rp->stream;
	memset(&rp->stream, 0, sizeof rp->stream);
	ss->piece = rp->body; /* the first bytes: the handler's */
	buf_init(&rp->body, 0);
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK,
								   stream_read, ss, stream_free);
	if (!r)
		stream_free(ss);
	return r;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, conn_state *cs)
{
	reply *rp = &cs->rp;
	if (!rp->status)
		reply_text(rp, 500, "no answer"); /* a handler bug: say so, never hang */
	struct MHD_Response *r = response_of(rp);
	if (!r)
		return MHD_NO;
	if (rp->ctype)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rp->ctype);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	for (int i = 0; i < rp->nhdr; i++)
		MHD_add_response_header(r, rp->hname[i], rp->hvalue[i]);
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)rp->status, r);
	MHD_destroy_response(r);
	cs->answered = 1;
	return ok;
}

static void copy_printable(char *dst, size_t cap, const char *src)
{
	size_t i = 0;
	for (; src && *src && i + 1 < cap; src++)
		dst[i++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
	dst[i] = '\0';
}

static guard_conn *guarded(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	http_server *srv = cls;
	central *app = srv->app;
	conn_state *cs = *con_cls;
	if (!cs) {
		guard_headers(srv->g, guarded(c));
		cs = calloc(1, sizeof *cs);
		if (!cs)
			return MHD_NO;
		*con_cls = cs;
		cs->t0_us = now_us();
		reply_init(&cs->rp);
		copy_printable(cs->method, sizeof cs->method, method);
		copy_printable(cs->path, sizeof cs->path, url);
		cs->snap = sites_take(app->sites);
		pthread_mutex_lock(&srv->cfg_mu);
		cs->cfg = *app->cfg;
		pthread_mutex_unlock(&srv->cfg_mu);
		cs->cfg.sites = cs->snap->v;
		cs->cfg.nsites = cs->snap->n;
		cs->app = *app;
		cs->app.cfg = &cs->cfg;
		cs->rq.app = &cs->app;
		cs->rq.conn = c;
		cs->rq.method = method;
		cs->rq.path = url;
		cs->route = route_of(url);
		if (cs->route == ROUTE_INGEST && strcmp(method, "POST"))
			cs->route = ROUTE_EVENTS;
		cs->cap = cs->route == ROUTE_INGEST	 ? (size_t)cs->cfg.max_body_bytes
			  : cs->route == ROUTE_PROFILE	 ? (size_t)PROFILE_MAX_BYTES
			  : cs->route == ROUTE_HEARTBEAT ? (size_t)HEALTH_MAX_BYTES
			  : cs->route == ROUTE_CONFIG	 ? (size_t)SITECONF_BODY_MAX
			  : cs->route == ROUTE_LOGIN || cs->route == ROUTE_SITES ||
				  cs->route == ROUTE_PEOPLE || cs->route == ROUTE_ENROL
			      ? LOGIN_BODY_MAX
			      : 0;
		buf_init(&cs->body, cs->cap);
		/* Refuse before the body when the headers already tell. */
		if (cs->route == ROUTE_INGEST && api_ingest_early(&cs->rq, &cs->rp))
			return send_reply(c, cs);
		if (cs->route == ROUTE_PROFILE && !strcmp(method, "PUT") &&
		    profile_early(&cs->rq, &cs->rp))
			return send_reply(c, cs);
		if (cs->route == ROUTE_HEARTBEAT && !strcmp(method, "POST") &&
		    health_early(&cs->rq, &cs->rp))
			return send_reply(c, cs);
		/* a configuration's body (up to SITECONF_BODY_MAX) is only
		 * taken from an admin */
		if (cs->route == ROUTE_CONFIG && strcmp(method, "GET") && strcmp(method, "HEAD") &&
		    siteconf_early(&cs->rq, &cs->rp))
			return send_reply(c, cs);
		return MHD_YES;
	}
	if (*upload_size) {
		int64_t limit_s = (int64_t)app->cfg->connection_timeout_s * BODY_TIMEOUTS;
		if (now_us() - cs->t0_us > limit_s * 1000000) {
			reply_note(&cs->rp, "body still arriving after %lld s: cut off",
				   (long long)limit_s);
			return MHD_NO; /* closes the connection */
		}
		/* A body where none is expected is read and dropped. */
		if (cs->cap && !cs->answered && !cs->rq.body_too_large &&
		    buf_add(&cs->body, upload, *upload_size))
			cs->rq.body_too_large = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (cs->answered)
		return MHD_YES;
	cs->rq.body = cs->body.data ? cs->body.data : "";
	cs->rq.body_len = cs->body.len;
	dispatch(cs);
	return send_reply(c, cs);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	http_server *srv = cls;
	central *app = srv->app;
	guard_idle(srv->g, guarded(c));
	conn_state *cs = *con_cls;
	if (!cs)
		return;
	int64_t us = now_us() - cs->t0_us;
	int status = cs->answered ? cs->rp.status : 0;
	if (status)
		metrics_request(app->m, cs->route, status, us);
	const char *end = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK	  ? ""
			  : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? " (timed out)"
			  : toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT	  ? " (client went away)"
									  : " (aborted)";
	if (status >= 500)
		log_error("%s %s %d %.1fms %s%s", cs->method, cs->path, status, (double)us / 1000,
			  cs->rp.note, end);
	else if (status >= 400 || !status)
		log_warn("%s %s %d %.1fms %s%s", cs->method, cs->path, status, (double)us / 1000,
			 cs->rp.note, end);
	else
		log_info("%s %s %d %.1fms %s%s", cs->method, cs->path, status, (double)us / 1000,
			 cs->rp.note, end);
	/* a sign-in's or a new password's form: not left in freed memory */
	if ((cs->route == ROUTE_LOGIN || cs->route == ROUTE_PEOPLE) && cs->body.data)
		OPENSSL_cleanse(cs->body.data, cs->body.len);
	buf_free(&cs->body);
	reply_free(&cs->rp);
	sites_drop(app->sites, cs->snap);
	free(cs->scoped);
	free(cs);
	*con_cls = NULL;
}

/* Every connection is known to the guard from its opening to its close. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	http_server *srv = cls;
	const union MHD_ConnectionInfo *ai =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = ci ? guard_open(srv->g, ci->connect_fd) : NULL;
		if (ai)
			conncap_open(srv->cap, ai->client_addr);
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		guard_close(srv->g, *socket_context);
		*socket_context = NULL;
		if (ai)
			conncap_close(srv->cap, ai->client_addr);
	}
}

/* MHD's accept policy: the per-address cap (conncap.h) with the running
 * configuration's limit and trusted proxies; refusals are logged at most
 * once per CAP_LOG_MS, with their count. */
#define CAP_LOG_MS 10000
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	(void)addrlen;
	http_server *srv = cls;
	pthread_mutex_lock(&srv->cfg_mu);
	const cconf *c = srv->app->cfg;
	int ok = conncap_admit(srv->cap, addr, c->per_ip_connections, c->trusted, c->ntrusted);
	int limit = c->per_ip_connections;
	pthread_mutex_unlock(&srv->cfg_mu);
	int64_t now = clock_mono_ms();
	if (!ok && now - srv->cap_logged_ms >= CAP_LOG_MS) {
		char last[64];
		long n = conncap_refused(srv->cap, last, sizeof last);
		srv->cap_logged_ms = now;
		log_warn("http: %ld connection%s refused: more than limits.per_ip_connections "
			 "(%d) open from one address (the last: %s)",
			 n, n == 1 ? "" : "s", limit, last);
	}
	return ok ? MHD_YES : MHD_NO;
}

static void server_free(http_server *s)
{
	guard_free(s->g);
	conncap_free(s->cap);
	pthread_mutex_destroy(&s->cfg_mu);
	free(s);
}

/* MHD's own complaints come one per connection: under a flood of
 * connections (the per-address cap refusing thousands) they would fill the
 * disk. At most MHD_LOG_BURST lines per MHD_LOG_WINDOW_MS, then a count. */
#define MHD_LOG_BURST	  5
#define MHD_LOG_WINDOW_MS 10000
static pthread_mutex_t mhd_log_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t mhd_log_window;
static long mhd_log_lines, mhd_log_dropped;

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	int64_t now = now_us() / 1000;
	pthread_mutex_lock(&mhd_log_mu);
	if (now - mhd_log_window >= MHD_LOG_WINDOW_MS) {
		if (mhd_log_dropped)
			log_warn("http: %ld more messages like these in %d s, not logged",
				 mhd_log_dropped, MHD_LOG_WINDOW_MS / 1000);
		mhd_log_window = now;
		mhd_log_lines = mhd_log_dropped = 0;
	}
	int keep = mhd_log_lines < MHD_LOG_BURST;
	if (keep)
		mhd_log_lines++;
	else
		mhd_log_dropped++;
	pthread_mutex_unlock(&mhd_log_mu);
	if (!keep)
		return;
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_warn("http: %s", msg);
}

http_server *http_start(central *app, char *err, size_t errlen)
{
	const cconf *c = app->cfg;
	http_server *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->app = app;
	pthread_mutex_init(&s->cfg_mu, NULL);
	s->g = guard_new(c->header_timeout_s, c->max_connections);
	s->cap = conncap_new(c->max_connections);
	if (!s->g || !s->cap) {
		snprintf(err, errlen, "out of memory (or no thread) for the connection guard");
		server_free(s);
		return NULL;
	}
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;
	char port[8];
	snprintf(port, sizeof port, "%d", c->listen_port);
	int gai = getaddrinfo(c->listen_host, port, &hints, &ai);
	if (gai != 0) {
		/* Not a numeric address: a name such as "localhost". */
		hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
		gai = getaddrinfo(c->listen_host, port, &hints, &ai);
	}
	if (gai != 0 || !ai) {
		snprintf(err, errlen, "listen: cannot resolve \"%s\": %s", c->listen_host,
			 gai_strerror(gai));
		server_free(s);
		return NULL;
	}
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL | MHD_USE_ERROR_LOG;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* With "tls": HTTPS only (GnuTLS inside libmicrohttpd), else no TLS
	 * options at all (the array starts at its end). */
	struct MHD_OptionItem tls[] = {{MHD_OPTION_HTTPS_MEM_CERT, 0, c->tls_cert},
				       {MHD_OPTION_HTTPS_MEM_KEY, 0, c->tls_key},
				       {MHD_OPTION_END, 0, NULL}};
	if (c->tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen,
				 "tls: this libmicrohttpd was built without TLS support "
				 "(serve plain HTTP behind a TLS proxy instead)");
			freeaddrinfo(ai);
			server_free(s);
			return NULL;
		}
		flags |= MHD_USE_TLS;
	}
	s->d = MHD_start_daemon(flags, (uint16_t)c->listen_port, on_accept, s, on_request, s,
				MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
				ai->ai_addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->max_connections,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->connection_timeout_s,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
				MHD_OPTION_LISTEN_BACKLOG_SIZE, 512u, MHD_OPTION_ARRAY,
				c->tls_cert ? tls : tls + 2, MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!s->d) {
		snprintf(err, errlen, "cannot listen on %s:%d (in use, or not an address here?%s)",
			 c->listen_host, c->listen_port,
			 c->tls_cert ? " Or tls.cert_file and tls.key_file are not a certificate "
				       "and its private key"
				     : "");
		server_free(s);
		return NULL;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : c->listen_port;
	return s;
}

int http_port(const http_server *s)
{
	return s->port;
}

void http_reload(http_server *s, const cconf *next, char *restart, size_t cap)
{
	pthread_mutex_lock(&s->cfg_mu);
	/* the server's own configuration (main's), given as const to requests */
	cconf_reload((cconf *)s->app->cfg, next, restart, cap);
	pthread_mutex_unlock(&s->cfg_mu);
}

void http_stop(http_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	server_free(s);
}
