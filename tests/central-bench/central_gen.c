/*
 * central_gen — a central database of SITES sites x DAYS days of ordinary
 * help-desk days, written straight through the store (cstore_ingest, the
 * call the server makes for a batch), for tests/bench/central-scale.sh.
 *
 *   central_gen DB SITES DAYS TICKETS
 *
 * Sites are s0001 .. (register them by starting loket-central with a
 * configuration naming them). Days end today (the machine's local date),
 * so the dashboard's periods hold them. A batch holds several days of one
 * site (about 4,000 events; all sites for those days, then the next
 * days). Each day: desks 1 and 2 opened at 08:45 and closed at 17:15, TICKETS tickets issued
 * from 09:00 on in one of six kinds of help and five languages, each
 * called 0..45 minutes later and then served 3..25 minutes after that (how
 * it ended: solved, referred, follow-up or not recorded; first visit yes,
 * no or not recorded; now and then another kind of help as a topic), or,
 * one in twelve, a no-show. A day's first six tickets are of six different
 * kinds (so a day of few tickets still has its aggregate rows of each
 * kind it can). A fixed seed: the same arguments give the same
 * database. Prints "events N tickets M seconds S events/s R", and on
 * stderr how far it got after each round of batches (all sites).
 */
#include <stdarg.h>
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

static unsigned long long rng_state = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

typedef struct {
	char *p;
	size_t n, cap;
	int first;
} out;

static void add(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(out *o, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int k = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
		va_end(ap);
		if (k >= 0 && (size_t)k < o->cap - o->n) {
			o->n += (size_t)k;
			return;
		}
		size_t cap = o->cap * 2 + (size_t)(k > 0 ? k : 0);
		char *p = realloc(o->p, cap);
		if (!p) {
			fprintf(stderr, "out of memory\n");
			exit(71);
		}
		o->p = p;
		o->cap = cap;
	}
}

/* One event of site si: the envelope, then rest (its own fields). */
static void put_event(out *o, int si, long long seq, const char *type, const char *day, int minute,
		      const char *rest)
{
	add(o,
	    "%s{\"seq\":%lld,\"uuid\":\"01938000-%04x-7000-8000-%012llx\",\"type\":\"%s\","
	    "\"at\":\"%sT%02d:%02d:%02d.000+01:00\"%s}",
	    o->first ? "" : ",", seq, si, seq, type, day, minute / 60, minute % 60, (int)(seq % 60),
	    rest);
	o->first = 0;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: central_gen DB SITES DAYS TICKETS\n");
		return 64;
	}
	int nsites = (int)strtol(argv[2], NULL, 10), ndays = (int)strtol(argv[3], NULL, 10);
	int tickets = (int)strtol(argv[4], NULL, 10);
	if (nsites < 1 || nsites > 9999 || ndays < 1 || ndays > 3660 || tickets < 1 ||
	    tickets > 400)
		return 64;
	static const char *const cats[] = {"digital", "tax", "letters", "housing", "money", "work"};
	static const char *const langs[] = {"nl", "nl", "nl", "en", "ar", "tr", "pl"};
	static const char *const ends[] = {"\"solved\"", "\"solved\"", "\"referred\"",
					   "\"follow_up\"", "null"};
	char err[512];
	cstore *st = cstore_open(argv[1], 60000, &ingest_codec, err, sizeof err);
	if (!st) {
		fprintf(stderr, "%s\n", err);
		return 74;
	}
	long long *seq = calloc((size_t)nsites, sizeof *seq);
	out o = {malloc(1 << 16), 0, 1 << 16, 1};
	if (!seq || !o.p)
		return 71;
	ingest_limits lim = {64u << 20, 100000};
	time_t today = time(NULL);
	long long events = 0, ntickets = 0;
	double t0 = now_s();
	/* Several days of a site per batch (about 4,000 events): one commit,
	 * one fsync, for each. */
	int per = 4000 / (3 * tickets + 4);
	if (per < 1)
		per = 1;
	for (int d0 = ndays - 1; d0 >= 0; d0 -= per) {
		for (int si = 0; si < nsites; si++) {
			o.n = 0;
			o.first = 1;
			add(&o, "{\"events\":[");
			long long s0 = seq[si];
			long long *q = &seq[si];
			for (int d = d0; d > d0 - per && d >= 0; d--) {
				time_t t = today - (time_t)d * 86400;
				struct tm tm;
				localtime_r(&t, &tm);
				char day[16];
				strftime(day, sizeof day, "%Y-%m-%d", &tm);
				char rest[512];
				for (int desk = 1; desk <= 2; desk++) {
					snprintf(rest, sizeof rest,
						 ",\"desk\":%d,\"categories\":null", desk);
					put_event(&o, si, ++*q, "desk.opened", day, 8 * 60 + 45,
						  rest);
				}
				/* The day's first six tickets in six different
				 * kinds of help (from a random one on), the
				 * rest at random: a day of few tickets still
				 * has as many kinds (aggregate rows) as it can. */
				int first = (int)rnd(6);
				for (int k = 0; k < tickets; k++) {
					int issued = 9 * 60 + k * 6 + (int)rnd(6);
					int called = issued + (int)rnd(46),
					    ended = called + 3 + (int)rnd(23);
					if (ended > 23 * 60 + 59)
						ended = 23 * 60 + 59;
					if (called > ended)
						called = ended;
					const char *cat = cats[k < 6 ? (first + k) % 6 : (int)rnd(6)],
						   *lang = langs[rnd(7)];
					int desk = 1 + (int)rnd(2);
					unsigned long long tk = (unsigned long long)(d * 1000 + k);
					char id[160];
					snprintf(id, sizeof id,
						 ",\"ticket\":\"01938000-%04x-7000-9000-%012llx\","
						 "\"code\":\"%c%03d\",\"category\":\"%s\",\"lang\":"
						 "\"%s\"",
						 si, tk, 'A' + (int)(cat[0] % 8), k % 1000, cat,
						 lang);
					snprintf(rest, sizeof rest, "%s,\"desk\":null", id);
					put_event(&o, si, ++*q, "ticket.issued", day, issued, rest);
					snprintf(rest, sizeof rest, "%s,\"desk\":%d", id, desk);
					put_event(&o, si, ++*q, "ticket.called", day, called, rest);
					if (rnd(12) == 0) {
						put_event(&o, si, ++*q, "ticket.no_show", day,
							  called + 2, rest);
					} else {
						const char *end = ends[rnd(5)];
						int fv = (int)rnd(3);
						snprintf(rest, sizeof rest,
							 "%s,\"desk\":%d,\"outcome\":%s,\"referred_"
							 "to\":%s,"
							 "\"topics\":%s,\"first_visit\":%s",
							 id, desk, end,
							 !strcmp(end, "\"referred\"") ? "\"wij\""
										      : "null",
							 rnd(5) ? "[]" : "[\"money\"]",
							 fv == 0   ? "true"
							 : fv == 1 ? "false"
								   : "null");
						put_event(&o, si, ++*q, "ticket.served", day, ended,
							  rest);
					}
					ntickets++;
				}
				for (int desk = 1; desk <= 2; desk++) {
					snprintf(rest, sizeof rest, ",\"desk\":%d", desk);
					put_event(&o, si, ++*q, "desk.closed", day, 17 * 60 + 15,
						  rest);
				}
			}
			add(&o, "]}");
			ingest_batch b;
			if (ingest_decode(o.p, o.n, 0, &lim, &b, err, sizeof err)) {
				fprintf(stderr, "decode: %s\n", err);
				return 1;
			}
			char site[16];
			snprintf(site, sizeof site, "s%04d", si + 1);
			cstore_ingest_result r;
			cstore_batch sb = ingest_store_batch(&b);
			int rc = cstore_ingest(st, site, &sb, (int64_t)today * 1000, &r);
			ingest_batch_free(&b);
			if (rc != CSTORE_OK) {
				fprintf(stderr, "ingest %s: %d %s\n", site, rc, r.why);
				return 1;
			}
			events += *q - s0;
		}
		double el = now_s() - t0;
		fprintf(stderr, "%d of %d days: %lld events, %.0f s, %.0f events/s\n",
			ndays - (d0 - per + 1 > 0 ? d0 - per + 1 : 0), ndays, events, el,
			(double)events / el);
	}
	double el = now_s() - t0;
	printf("events %lld tickets %lld seconds %.1f events/s %.0f\n", events, ntickets, el,
	       (double)events / el);
	free(seq);
	free(o.p);
	cstore_close(st);
	return 0;
}
