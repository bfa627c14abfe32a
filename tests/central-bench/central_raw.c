/*
 * central_raw — the raw insert rate of loket-central's store: the same
 * cstore_ingest() the server calls, with batches decoded before the clock
 * starts, no HTTP. make bench prints the server's ingest rate next to it.
 *
 *   central_raw DB NSITES BATCH EVENTS
 *
 * Prints "events/s N".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cstore.h"
#include "ingest.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: central_raw DB NSITES BATCH EVENTS\n");
		return 64;
	}
	int nsites = (int)strtol(argv[2], NULL, 10), batch = (int)strtol(argv[3], NULL, 10);
	long events = strtol(argv[4], NULL, 10);
	if (nsites < 1 || nsites > 1000 || batch < 1 || events < batch)
		return 64;
	int nb = (int)(events / batch);
	char err[512];
	cstore *st = cstore_open(argv[1], 5000, &ingest_codec, err, sizeof err);
	if (!st) {
		fprintf(stderr, "%s\n", err);
		return 74;
	}
	char **bodies = calloc((size_t)nb, sizeof *bodies);
	ingest_batch *bs = calloc((size_t)nb, sizeof *bs);
	ingest_limits lim = {64u << 20, 100000};
	for (int k = 0; k < nb; k++) {
		int site = k % nsites;
		long long first = (long long)(k / nsites) * batch + 1;
		size_t cap = (size_t)batch * 320 + 64, n = 0;
		bodies[k] = malloc(cap);
		n += (size_t)snprintf(bodies[k] + n, cap - n, "{\"events\":[");
		for (int i = 0; i < batch; i++) {
			long long seq = first + i;
			n += (size_t)snprintf(
			    bodies[k] + n, cap - n,
			    "%s{\"seq\":%lld,\"uuid\":\"01937000-%04x-7000-8000-%012llx\","
			    "\"type\":\"ticket.issued\",\"at\":\"2026-11-22T10:15:03.123+01:00\","
			    "\"ticket\":\"01937000-%04x-7000-9000-%012llx\",\"code\":\"A%03lld\","
			    "\"category\":\"digital\",\"lang\":\"nl\",\"desk\":null}",
			    i ? "," : "", seq, site, seq, site, seq, seq % 1000);
		}
		n += (size_t)snprintf(bodies[k] + n, cap - n, "]}");
		if (ingest_decode(bodies[k], n, 0, &lim, &bs[k], err, sizeof err)) {
			fprintf(stderr, "decode: %s\n", err);
			return 1;
		}
	}
	double t0 = now_s();
	long stored = 0;
	for (int k = 0; k < nb; k++) {
		char site[16];
		snprintf(site, sizeof site, "s%03d", k % nsites);
		cstore_ingest_result r;
		cstore_batch sb = ingest_store_batch(&bs[k]);
		int rc = cstore_ingest(st, site, &sb, 0, &r);
		if (rc != CSTORE_OK) {
			fprintf(stderr, "ingest %s: %d %s\n", site, rc, r.why);
			return 1;
		}
		stored += (long)r.stored;
	}
	double el = now_s() - t0;
	printf("events/s %.0f\n", stored / el);
	for (int k = 0; k < nb; k++) {
		ingest_batch_free(&bs[k]);
		free(bodies[k]);
	}
	free(bs);
	free(bodies);
	cstore_close(st);
	return 0;
}
