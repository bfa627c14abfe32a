/*
 * syncd_ticketer — a busy help desk for the sync tests: commits N outbox
 * events (take, call next, serve, now and then a transfer or a no-show),
 * at most RATE per second (0: as fast as the store goes).
 *
 *   syncd_ticketer CONFIG N RATE SEED
 *
 * Runs beside loket-syncd, from another process, like the kiosk. Exits 0
 * after N events, or after the action under way at SIGTERM/SIGINT (so a
 * test can make tickets until a moment it chooses); 1 on a store error
 * other than "busy" (retried).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "store.h"

static long num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 0) {
		fprintf(stderr, "syncd_ticketer: bad number \"%s\"\n", s);
		exit(64);
	}
	return v;
}

static volatile sig_atomic_t stop;
static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t rng;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fputs("usage: syncd_ticketer CONFIG N RATE SEED\n", stderr);
		return 64;
	}
	char err[4096];
	config *cfg = config_load(argv[1], err, sizeof err);
	if (!cfg) {
		fputs(err, stderr);
		return 78;
	}
	long n = num(argv[2]), rate = num(argv[3]);
	rng = (uint64_t)num(argv[4]) * 2654435761u + 1;
	store *st;
	if (store_open(cfg->database, cfg, &st, err, sizeof err) != STORE_OK) {
		fprintf(stderr, "syncd_ticketer: %s\n", err);
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_stop,
			       .sa_flags = SA_RESTART}; /* a sleep still ends */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	int rc = 0;
	int64_t t0 = clock_mono_ms();
	for (long done = 0; done < n && !stop;) {
		store_ticket t;
		store_status s;
		int desk = 1 + (int)rnd((unsigned)cfg->desks);
		unsigned r = rnd(100);
		if (r < 45)
			s = store_take(st, cfg->categories[rnd((unsigned)cfg->ncategories)].id,
				       cfg->langs[rnd((unsigned)cfg->nlangs)], &t);
		else if (r < 75)
			s = store_call_next(st, desk, NULL, 0, &t);
		else if (r < 93)
			s = store_serve(st, (store_ref){NULL, desk}, &t);
		else if (r < 97)
			s = store_no_show(st, (store_ref){NULL, desk}, &t);
		else
			s = store_transfer(st, (store_ref){NULL, desk},
					   cfg->categories[rnd((unsigned)cfg->ncategories)].id, &t);
		if (s == STORE_OK) {
			done++;
			if (rate > 0) {
				int64_t due = t0 + done * 1000 / rate, now = clock_mono_ms();
				if (due > now)
					usleep((useconds_t)(due - now) * 1000);
			}
		} else if (s != STORE_EMPTY && s != STORE_CONFLICT && s != STORE_NOTFOUND &&
			   s != STORE_INVALID && s != STORE_BUSY) {
			fprintf(stderr, "syncd_ticketer: %s\n", store_errmsg(st));
			rc = 1;
			break;
		}
	}
	store_close(st);
	config_free(cfg);
	return rc;
}
