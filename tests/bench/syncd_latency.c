/*
 * syncd_latency — from a ticket's commit at the site to its event being
 * stored by the central office, with loket-syncd running between them.
 *
 *   syncd_latency SITE_CONFIG CENTRAL_URL ADMIN_TOKEN N
 *
 * N times, at random intervals of 100-400 ms (a help desk, not a flood):
 * store_take, then ask the central office's export every 2 ms whether the
 * event is there. Prints the median, p90 and max in milliseconds.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "store.h"

typedef struct {
	char buf[65536];
	size_t len;
} answer;

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	answer *a = arg;
	size_t n = size * nmemb;
	if (a->len + n >= sizeof a->buf)
		n = sizeof a->buf - 1 - a->len;
	memcpy(a->buf + a->len, p, n);
	a->len += n;
	a->buf[a->len] = '\0';
	return size * nmemb;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fputs("usage: syncd_latency SITE_CONFIG CENTRAL_URL ADMIN_TOKEN N\n", stderr);
		return 64;
	}
	char err[4096];
	config *cfg = config_load(argv[1], err, sizeof err);
	if (!cfg) {
		fputs(err, stderr);
		return 78;
	}
	int n = (int)strtol(argv[4], NULL, 10);
	if (n < 1 || n > 100000)
		return 64;
	store *st;
	if (store_open(cfg->database, cfg, &st, err, sizeof err) != STORE_OK) {
		fprintf(stderr, "syncd_latency: %s\n", err);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *c = curl_easy_init();
	char auth[1100];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", argv[3]);
	struct curl_slist *h = curl_slist_append(NULL, auth);
	answer a;
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
	double *lat = calloc((size_t)n, sizeof *lat);
	srand((unsigned)getpid());
	int rc = 0;
	for (int i = 0; i < n && !rc; i++) {
		usleep((useconds_t)(100000 + rand() % 300000));
		store_ticket t;
		if (store_take(st, cfg->categories[0].id, NULL, &t) != STORE_OK) {
			fprintf(stderr, "syncd_latency: take: %s\n", store_errmsg(st));
			rc = 1;
			break;
		}
		double t0 = now_ms();
		store_status_info info;
		store_status_get(st, &info);
		char url[2048], want[64];
		snprintf(url, sizeof url, "%s/api/v1/sites/%s/events?after=%lld", argv[2],
			 cfg->site_id, (long long)info.last_seq - 1);
		snprintf(want, sizeof want, "\"seq\":%lld,", (long long)info.last_seq);
		curl_easy_setopt(c, CURLOPT_URL, url);
		for (;;) {
			a.len = 0;
			a.buf[0] = '\0';
			if (curl_easy_perform(c) == CURLE_OK && strstr(a.buf, want))
				break;
			if (now_ms() - t0 > 10000) {
				fprintf(stderr, "syncd_latency: seq %lld not stored after 10 s\n",
					(long long)info.last_seq);
				rc = 1;
				break;
			}
			usleep(2000);
		}
		lat[i] = now_ms() - t0;
	}
	if (!rc) {
		qsort(lat, (size_t)n, sizeof *lat, cmp);
		printf("commit to central: median %.1f ms, p90 %.1f ms, max %.1f ms (%d tickets)\n",
		       lat[n / 2], lat[n * 9 / 10], lat[n - 1], n);
	}
	free(lat);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	store_close(st);
	config_free(cfg);
	return rc;
}
