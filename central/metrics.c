/*
 * metrics — see metrics.h.
 */
#include "metrics.h"

#include <stdlib.h>
#include <string.h>

static const int statuses[] = {200, 303, 400, 401, 403, 404, 405, 409, 413,
			       414, 415, 422, 429, 431, 500, 503, 0 /* other */};
#define NSTATUS (sizeof statuses / sizeof statuses[0])

/* Latency buckets, in microseconds (exposed in seconds). */
static const int64_t bounds_us[] = {1000,   2500,   5000,   10000,   25000,   50000,
				    100000, 250000, 500000, 1000000, 2500000, 10000000};
#define NBUCKET (sizeof bounds_us / sizeof bounds_us[0])

static const char *const route_names[ROUTE_N] = {
    "ingest",  "events", "dashboard", "export", "login",  "healthz", "metrics",
    "profile", "report", "heartbeat", "sites",	"people", "audit",   "config", "enrol", "other"};

typedef struct {
	uint64_t stored, duplicates, batches;
	int64_t acked, last_ms, unread;
} site_counts;

struct metrics {
	const cconf *cfg;
	uint64_t requests[ROUTE_N][NSTATUS];
	uint64_t buckets[ROUTE_N][NBUCKET + 1]; /* not cumulative; the last is +Inf */
	uint64_t sum_us[ROUTE_N], count[ROUTE_N];
	site_counts *sites;
};

#define ADD(p, v) __atomic_add_fetch(&(p), (v), __ATOMIC_RELAXED)
#define GET(p)	  __atomic_load_n(&(p), __ATOMIC_RELAXED)
#define SET(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELAXED)

const char *metrics_route_name(int route)
{
	return route >= 0 && route < ROUTE_N ? route_names[route] : "other";
}

metrics *metrics_new(const cconf *c)
{
	metrics *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->cfg = c;
	/* Room for every site there may be: sites are added while running,
	 * each at the next index (sites.h). */
	m->sites = calloc((size_t)CCONF_MAX_SITES + 1, sizeof *m->sites);
	if (!m->sites) {
		free(m);
		return NULL;
	}
	return m;
}

void metrics_free(metrics *m)
{
	if (!m)
		return;
	free(m->sites);
	free(m);
}

void metrics_request(metrics *m, int route, int status, int64_t micros)
{
	if (route < 0 || route >= ROUTE_N)
		route = ROUTE_OTHER;
	size_t s = 0;
	while (s < NSTATUS - 1 && statuses[s] != status)
		s++;
	ADD(m->requests[route][s], 1);
	size_t b = 0;
	while (b < NBUCKET && micros > bounds_us[b])
		b++;
	ADD(m->buckets[route][b], 1);
	ADD(m->sum_us[route], (uint64_t)(micros > 0 ? micros : 0));
	ADD(m->count[route], 1);
}

void metrics_batch(metrics *m, int site, size_t stored, size_t duplicates, size_t unread,
		   int64_t acked, int64_t now_ms)
{
	if (site < 0 || site >= CCONF_MAX_SITES)
		return;
	site_counts *s = &m->sites[site];
	ADD(s->stored, stored);
	ADD(s->duplicates, duplicates);
	ADD(s->batches, 1);
	ADD(s->unread, (int64_t)unread);
	SET(s->acked, acked);
	SET(s->last_ms, now_ms);
}

void metrics_site_seed(metrics *m, int site, int64_t acked, int64_t last_ms, int64_t unread)
{
	if (site < 0 || site >= CCONF_MAX_SITES)
		return;
	SET(m->sites[site].acked, acked);
	SET(m->sites[site].last_ms, last_ms);
	SET(m->sites[site].unread, unread);
}

int metrics_render(metrics *m, const cconf *c, buf *o)
{
	int bad = 0;
	bad |= buf_adds(o, "# HELP loket_central_events_stored_total Events stored (new).\n"
			   "# TYPE loket_central_events_stored_total counter\n");
	for (int i = 0; i < c->nsites; i++)
		bad |= buf_printf(o, "loket_central_events_stored_total{site=\"%s\"} %llu\n",
				  c->sites[i].id, (unsigned long long)GET(m->sites[i].stored));
	bad |= buf_adds(o, "# HELP loket_central_events_duplicate_total Events received again "
			   "and acknowledged without storing.\n"
			   "# TYPE loket_central_events_duplicate_total counter\n");
	for (int i = 0; i < c->nsites; i++)
		bad |= buf_printf(o, "loket_central_events_duplicate_total{site=\"%s\"} %llu\n",
				  c->sites[i].id, (unsigned long long)GET(m->sites[i].duplicates));
	bad |= buf_adds(o, "# HELP loket_central_events_unread Events held that this version "
			   "cannot read (a type unknown here), kept as they came.\n"
			   "# TYPE loket_central_events_unread gauge\n");
	for (int i = 0; i < c->nsites; i++)
		bad |= buf_printf(o, "loket_central_events_unread{site=\"%s\"} %lld\n",
				  c->sites[i].id, (long long)GET(m->sites[i].unread));
	bad |= buf_adds(o, "# HELP loket_central_batches_total Batches stored.\n"
			   "# TYPE loket_central_batches_total counter\n");
	for (int i = 0; i < c->nsites; i++)
		bad |= buf_printf(o, "loket_central_batches_total{site=\"%s\"} %llu\n",
				  c->sites[i].id, (unsigned long long)GET(m->sites[i].batches));
	bad |=
	    buf_adds(o, "# HELP loket_central_site_acked_through Highest seq held without gaps.\n"
			"# TYPE loket_central_site_acked_through gauge\n");
	for (int i = 0; i < c->nsites; i++)
		bad |= buf_printf(o, "loket_central_site_acked_through{site=\"%s\"} %lld\n",
				  c->sites[i].id, (long long)GET(m->sites[i].acked));
	bad |= buf_adds(o, "# HELP loket_central_site_last_seen_seconds Unix time of the site's "
			   "last stored batch (0: never).\n"
			   "# TYPE loket_central_site_last_seen_seconds gauge\n");
	for (int i = 0; i < c->nsites; i++) {
		int64_t ms = GET(m->sites[i].last_ms);
		bad |=
		    buf_printf(o, "loket_central_site_last_seen_seconds{site=\"%s\"} %lld.%03lld\n",
			       c->sites[i].id, (long long)(ms / 1000), (long long)(ms % 1000));
	}
	bad |= buf_adds(o, "# HELP loket_central_requests_total Requests answered, by route and "
			   "status.\n# TYPE loket_central_requests_total counter\n");
	for (int r = 0; r < ROUTE_N; r++)
		for (size_t s = 0; s < NSTATUS; s++) {
			uint64_t v = GET(m->requests[r][s]);
			if (!v)
				continue;
			if (statuses[s])
				bad |=
				    buf_printf(o,
					       "loket_central_requests_total{route=\"%s\","
					       "status=\"%d\"} %llu\n",
					       route_names[r], statuses[s], (unsigned long long)v);
			else
				bad |= buf_printf(o,
						  "loket_central_requests_total{route=\"%s\","
						  "status=\"other\"} %llu\n",
						  route_names[r], (unsigned long long)v);
		}
	bad |= buf_adds(o, "# HELP loket_central_request_duration_seconds Time to answer a "
			   "request.\n# TYPE loket_central_request_duration_seconds histogram\n");
	for (int r = 0; r < ROUTE_N; r++) {
		uint64_t cum = 0, n = GET(m->count[r]);
		if (!n)
			continue;
		for (size_t b = 0; b <= NBUCKET; b++) {
			cum += GET(m->buckets[r][b]);
			if (b < NBUCKET)
				bad |= buf_printf(o,
						  "loket_central_request_duration_seconds_bucket{"
						  "route=\"%s\",le=\"%g\"} %llu\n",
						  route_names[r], (double)bounds_us[b] / 1e6,
						  (unsigned long long)cum);
			else
				bad |= buf_printf(o,
						  "loket_central_request_duration_seconds_bucket{"
						  "route=\"%s\",le=\"+Inf\"} %llu\n",
						  route_names[r], (unsigned long long)cum);
		}
		uint64_t sum = GET(m->sum_us[r]);
		bad |= buf_printf(o,
				  "loket_central_request_duration_seconds_sum{route=\"%s\"} "
				  "%llu.%06llu\n",
				  route_names[r], (unsigned long long)(sum / 1000000),
				  (unsigned long long)(sum % 1000000));
		bad |= buf_printf(
		    o, "loket_central_request_duration_seconds_count{route=\"%s\"} %llu\n",
		    route_names[r], (unsigned long long)n);
	}
	return bad ? -1 : 0;
}
