/*
 * metrics — counters for /metrics (Prometheus text format 0.0.4), kept in
 * memory with atomic adds, so recording costs no lock on the hot path.
 * They start at zero with each process (Prometheus handles restarts),
 * except each site's acked_through, last sync and unread events, seeded
 * from the store.
 */
#ifndef CENTRAL_METRICS_H
#define CENTRAL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cconfig.h"

enum {
	ROUTE_INGEST,
	ROUTE_EVENTS,
	ROUTE_DASHBOARD,
	ROUTE_EXPORT,
	ROUTE_LOGIN,
	ROUTE_HEALTHZ,
	ROUTE_METRICS,
	ROUTE_PROFILE,
	ROUTE_REPORT,
	ROUTE_HEARTBEAT,
	ROUTE_SITES,
	ROUTE_PEOPLE,
	ROUTE_AUDIT,
	ROUTE_CONFIG, /* a site's managed configuration, templates, its page */
	ROUTE_ENROL,
	ROUTE_OTHER,
	ROUTE_N
};

typedef struct metrics metrics;

metrics *metrics_new(const cconf *c);
void metrics_free(metrics *m);

/* One answered request: its route, status and time taken. */
void metrics_request(metrics *m, int route, int status, int64_t micros);

/* A batch of site (index in the configuration) was stored: stored new
 * events, unread of them kept unread (a type unknown here). */
void metrics_batch(metrics *m, int site, size_t stored, size_t duplicates, size_t unread,
		   int64_t acked, int64_t now_ms);
void metrics_site_seed(metrics *m, int site, int64_t acked, int64_t last_ms, int64_t unread);

/* Appends the text exposition. */
int metrics_render(metrics *m, const cconf *c, buf *out);

const char *metrics_route_name(int route);

#endif
