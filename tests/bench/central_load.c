/*
 * central_load — an HTTP load client for loket-central's ingest (make bench).
 *
 *   central_load URL[,URL...] NSITES BATCH SECONDS [INTERVAL_MS]
 *
 * One thread per site ("s000", "s001", ... with token "bench-token-sNNN"),
 * each on its own kept-alive connection, posting batches of BATCH events in
 * seq order: back to back (INTERVAL_MS 0, for throughput) or one batch per
 * interval, spread evenly (for latency at a given offered load). Bodies
 * are built before
 * the clock starts. Several URLs (nodes on one database, at most
 * MAX_NODES): a site's batches go to each in turn (a connection to each),
 * so consecutive batches of a site land on different nodes. Prints one
 * line:
 *
 *   events/s 61234 batches 735 p50_ms 3.1 p99_ms 9.8 errors 0
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SITES   1000
#define MAX_BATCHES 4000
#define MAX_NODES   8

typedef struct {
	int idx;
	char url[MAX_NODES][256];
	char auth[128];
	long long events, errors;
	int nlat;
	double *lat_ms;
	char **bodies;
	size_t *lens;
	int nbodies;
} worker;

static char *bases[MAX_NODES];
static int nbases, batch, seconds, interval_ms, nworkers;
static volatile int go;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t sink(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

static char *make_body(int site, long long first, size_t *len)
{
	size_t cap = (size_t)batch * 320 + 64, n = 0;
	char *b = malloc(cap);
	if (!b)
		return NULL;
	n += (size_t)snprintf(b + n, cap - n, "{\"events\":[");
	for (int i = 0; i < batch; i++) {
		long long seq = first + i;
		n += (size_t)snprintf(
		    b + n, cap - n,
		    "%s{\"seq\":%lld,\"uuid\":\"01937000-%04x-7000-8000-%012llx\",\"type\":"
		    "\"ticket.issued\","
		    "\"at\":\"2026-11-22T10:15:03.123+01:00\",\"ticket\":\"01937000-%04x-7000-9000-"
		    "%012llx\","
		    "\"code\":\"A%03lld\",\"category\":\"digital\",\"lang\":\"nl\",\"desk\":null}",
		    i ? "," : "", seq, site, seq, site, seq, seq % 1000);
	}
	n += (size_t)snprintf(b + n, cap - n, "]}");
	*len = n;
	return b;
}

static void *run(void *arg)
{
	worker *w = arg;
	CURL *cs[MAX_NODES];
	struct curl_slist *h = NULL;
	h = curl_slist_append(h, w->auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	for (int u = 0; u < nbases; u++) {
		cs[u] = curl_easy_init();
		curl_easy_setopt(cs[u], CURLOPT_URL, w->url[u]);
		curl_easy_setopt(cs[u], CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(cs[u], CURLOPT_WRITEFUNCTION, sink);
		curl_easy_setopt(cs[u], CURLOPT_TIMEOUT, 60L);
	}
	while (!go)
		usleep(1000);
	/* Paced senders start spread over one interval, as real sites would. */
	double end = now_s() + seconds,
	       next = now_s() + (interval_ms ? interval_ms / 1000.0 * w->idx / nworkers : 0);
	for (int k = 0; k < w->nbodies && now_s() < end; k++) {
		if (interval_ms) {
			double t = now_s();
			if (next > t)
				usleep((useconds_t)((next - t) * 1e6));
			next += interval_ms / 1000.0;
		}
		CURL *c = cs[(k + w->idx) % nbases];
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, w->bodies[k]);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)w->lens[k]);
		double t0 = now_s();
		CURLcode rc = curl_easy_perform(c);
		long code = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (rc != CURLE_OK || code != 200) {
			w->errors++;
			if (w->errors < 3)
				fprintf(stderr, "site %d: %s %ld\n", w->idx, curl_easy_strerror(rc),
					code);
			break;
		}
		w->lat_ms[w->nlat++] = (now_s() - t0) * 1000;
		w->events += batch;
	}
	curl_slist_free_all(h);
	for (int u = 0; u < nbases; u++)
		curl_easy_cleanup(cs[u]);
	return NULL;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr,
			"usage: central_load URL[,URL...] NSITES BATCH SECONDS [INTERVAL_MS]\n");
		return 64;
	}
	for (char *u = argv[1]; u && nbases < MAX_NODES;) {
		char *comma = strchr(u, ',');
		if (comma)
			*comma++ = '\0';
		bases[nbases++] = u;
		u = comma;
	}
	int nsites = (int)strtol(argv[2], NULL, 10);
	nworkers = nsites;
	batch = (int)strtol(argv[3], NULL, 10);
	seconds = (int)strtol(argv[4], NULL, 10);
	interval_ms = argc > 5 ? (int)strtol(argv[5], NULL, 10) : 0;
	if (nbases < 1 || nsites < 1 || nsites > MAX_SITES || batch < 1 || seconds < 1)
		return 64;
	curl_global_init(CURL_GLOBAL_ALL);
	/* Enough batches for the run: back to back, a generous guess of 400
	 * batches/s overall; paced, what the interval allows. */
	int per = interval_ms ? seconds * 1000 / interval_ms + 2 : 400 * seconds / nsites + 50;
	if (per > MAX_BATCHES)
		per = MAX_BATCHES;
	worker *ws = calloc((size_t)nsites, sizeof *ws);
	pthread_t *th = calloc((size_t)nsites, sizeof *th);
	for (int i = 0; i < nsites; i++) {
		worker *w = &ws[i];
		w->idx = i;
		for (int u = 0; u < nbases; u++)
			snprintf(w->url[u], sizeof w->url[u], "%s/api/v1/sites/s%03d/events",
				 bases[u], i);
		snprintf(w->auth, sizeof w->auth, "Authorization: Bearer bench-token-s%03d", i);
		w->bodies = calloc((size_t)per, sizeof *w->bodies);
		w->lens = calloc((size_t)per, sizeof *w->lens);
		w->lat_ms = calloc((size_t)per, sizeof *w->lat_ms);
		for (int k = 0; k < per; k++)
			w->bodies[k] = make_body(i, (long long)k * batch + 1, &w->lens[k]);
		w->nbodies = per;
		pthread_create(&th[i], NULL, run, w);
	}
	double t0 = now_s();
	go = 1;
	long long events = 0, errors = 0;
	int nlat = 0;
	for (int i = 0; i < nsites; i++) {
		pthread_join(th[i], NULL);
		events += ws[i].events;
		errors += ws[i].errors;
		nlat += ws[i].nlat;
	}
	double el = now_s() - t0;
	double *all = calloc((size_t)nlat + 1, sizeof *all);
	int k = 0;
	for (int i = 0; i < nsites; i++)
		for (int j = 0; j < ws[i].nlat; j++)
			all[k++] = ws[i].lat_ms[j];
	qsort(all, (size_t)nlat, sizeof *all, cmpd);
	double p50 = nlat ? all[(nlat * 50 + 99) / 100 - 1] : 0;
	double p99 = nlat ? all[(nlat * 99 + 99) / 100 - 1] : 0;
	printf("events/s %.0f batches %d p50_ms %.1f p99_ms %.1f errors %lld\n", events / el, nlat,
	       p50, p99, errors);
	for (int i = 0; i < nsites; i++) {
		for (int j = 0; j < ws[i].nbodies; j++)
			free(ws[i].bodies[j]);
		free(ws[i].bodies);
		free(ws[i].lens);
		free(ws[i].lat_ms);
	}
	free(all);
	free(ws);
	free(th);
	curl_global_cleanup();
	return errors ? 1 : 0;
}
