/*
 * http — the libmicrohttpd server: connections, limits, bodies, routing,
 * one log line and one metrics sample per request.
 *
 * Threading: one thread per connection (at most limits.max_connections,
 * limits.per_ip_connections from one address), so a handler may block on
 * the database without stalling other sites. Idle connections close after
 * limits.connection_timeout_s, a request's headers must be in within
 * limits.header_timeout_s of the connection's opening or the previous answer
 * (guard.c: a slowloris trickling a byte now and then), and a body still
 * arriving 4 connection timeouts after its request's headers is cut off;
 * a request's URL and headers must
 * fit the per-connection memory limit (HTTP_CONN_MEMORY), or MHD answers
 * 414/431 itself.
 *
 * Sites: each request sees the sites of the database as they were when it
 * came (a snapshot of sites.h, held until it is answered, put into the
 * request's copy of the configuration), so a site added, disabled or given
 * a new token counts from the next request on, without a restart.
 *
 * Bodies are read here into a buffer capped at the route's limit (the
 * ingest's max_body_bytes, 256 KiB for a profile, 64 KiB for a heartbeat,
 * 4 KiB for the login, /sites and /people forms and an enrolment,
 * SITECONF_BODY_MAX for a site's managed configuration and its page,
 * nothing elsewhere);
 * no PostProcessor. A body that passes the cap is read to its end and
 * dropped, and the request answered 413.
 */
#ifndef CENTRAL_HTTP_H
#define CENTRAL_HTTP_H

#include "req.h"

#define HTTP_CONN_MEMORY (64 * 1024)

typedef struct http_server http_server;

/* Starts listening. NULL with a message in err on failure. */
http_server *http_start(central *app, char *err, size_t errlen);
/* The port bound (useful with "listen": "127.0.0.1:0"). */
int http_port(const http_server *s);
/* Applies a reloaded configuration (cconf_reload: what may change while
 * running) to the server's, between requests: each request copies the
 * configuration at its start under the same lock, so it sees the old one
 * or the new one whole. restart gets the keys that need a restart. */
void http_reload(http_server *s, const cconf *next, char *restart, size_t cap);
/* Stops accepting, finishes the requests under way, frees. */
void http_stop(http_server *s);

#endif
