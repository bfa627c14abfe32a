/*
 * store_take — issuing a ticket is one durable commit: how close is
 * store_take to a bare SQLite commit with the same settings?
 *
 *   store_take DIR [N]
 *
 * The queue is kept at a help desk's length: when BENCH_QUEUE residents
 * wait in a category, a desk calls and serves one (not timed).
 *
 * Runs, in one process and on the same disk: N bare commits (WAL,
 * synchronous=FULL, one small row per BEGIN IMMEDIATE ... COMMIT), then N
 * store_take calls, interleaved in rounds of 500 so that both see the same
 * disk weather. Prints the median and p99 of each and their ratio.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "store.h"

/* Tickets waiting per category at most, as at a busy desk. */
#define BENCH_QUEUE 10

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double pct(double *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	int i = (int)(p * (n - 1) + 0.5);
	return v[i];
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: store_take DIR [N]\n", stderr);
		return 64;
	}
	int n = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 10000;
	if (n < 500)
		n = 500;
	char path[512], err[4096];
	snprintf(path, sizeof path, "%s/site.json", argv[1]);
	config *cfg = config_load(path, err, sizeof err);
	if (!cfg) {
		fputs(err, stderr);
		return 78;
	}
	store *st;
	if (store_open(cfg->database, cfg, &st, err, sizeof err) != STORE_OK) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	sqlite3 *db;
	snprintf(path, sizeof path, "%s/bare.db", argv[1]);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(
		db,
		"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		"CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, uuid TEXT, body TEXT)",
		NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "bare: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	sqlite3_stmt *ins;
	sqlite3_prepare_v2(db, "INSERT INTO t(uuid, body) VALUES (?1, ?2)", -1, &ins, NULL);
	double *bare = calloc((size_t)n, sizeof *bare), *take = calloc((size_t)n, sizeof *take);
	const char *body = "{\"seq\":1,\"uuid\":\"019378a2-0000-7000-8000-000000000000\","
			   "\"type\":\"ticket.issued\",\"code\":\"A001\"}";
	for (int done = 0; done < n; done += 500) {
		for (int i = done; i < done + 500 && i < n; i++) {
			double t0 = now_us();
			sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
			sqlite3_bind_text(ins, 1, "019378a2-0000-7000-8000-000000000000", -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(ins, 2, body, -1, SQLITE_STATIC);
			sqlite3_step(ins);
			sqlite3_reset(ins);
			if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
				fprintf(stderr, "bare: %s\n", sqlite3_errmsg(db));
				return 1;
			}
			bare[i] = now_us() - t0;
		}
		for (int i = done; i < done + 500 && i < n; i++) {
			store_ticket t;
			double t0 = now_us();
			if (store_take(st, cfg->categories[i % cfg->ncategories].id, NULL, &t) !=
			    STORE_OK) {
				fprintf(stderr, "take: %s\n", store_errmsg(st));
				return 1;
			}
			take[i] = now_us() - t0;
			/* A desk keeps the queue at a help desk's length (untimed). */
			if (t.ahead >= BENCH_QUEUE &&
			    store_call_next(st, 1, NULL, 0, &t) == STORE_OK)
				store_serve(st, (store_ref){NULL, 1}, &t);
		}
	}
	double bm = pct(bare, n, 0.5), b99 = pct(bare, n, 0.99);
	double tm = pct(take, n, 0.5), t99 = pct(take, n, 0.99);
	printf(
	    "store_take over %d tickets (WAL, synchronous=FULL, queue kept at <= %d a category),\n"
	    "same run, same disk:\n",
	    n, BENCH_QUEUE);
	printf("  bare SQLite commit   median %7.1f us   p99 %7.1f us\n", bm, b99);
	printf("  store_take           median %7.1f us   p99 %7.1f us\n", tm, t99);
	printf("  ratio take/bare      median %7.2fx     p99 %7.2fx   (goal: within 1.5x)\n",
	       tm / bm, t99 / b99);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	store_close(st);
	config_free(cfg);
	free(bare);
	free(take);
	return 0;
}
