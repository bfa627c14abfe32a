/*
 * storeworker — drives the site store from a test, one process per worker.
 *
 *   storeworker CONFIG mix SEED       random take/next/serve forever; after
 *                                     each committed action prints
 *                                     "<ticket uuid> <event type>"
 *   storeworker CONFIG take N         N tickets, prints each code
 *   storeworker CONFIG call DESK N    up to N times: call next to DESK and
 *                                     serve it; prints each code called
 *
 * Lines are written with one write(2) each, after the store returned OK,
 * so a line on stdout means "this was committed" even if we are killed a
 * moment later. Exits 0, or 1 on a store error other than "nobody waits".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "store.h"

static void say(const char *a, const char *b)
{
	char line[128];
	int n = snprintf(line, sizeof line, "%s%s%s\n", a, b ? " " : "", b ? b : "");
	if (n > 0 && write(STDOUT_FILENO, line, (size_t)n) != n)
		exit(1);
}

static long num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 0) {
		fprintf(stderr, "storeworker: bad number \"%s\"\n", s);
		exit(64);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fputs("usage: storeworker CONFIG mix SEED | take N | call DESK N\n", stderr);
		return 64;
	}
	char err[4096];
	config *cfg = config_load(argv[1], err, sizeof err);
	if (!cfg) {
		fputs(err, stderr);
		return 78;
	}
	store *st;
	if (store_open(cfg->database, cfg, &st, err, sizeof err) != STORE_OK) {
		fprintf(stderr, "storeworker: %s\n", err);
		return 1;
	}
	store_ticket t;
	store_status s;
	int rc = 0;
	if (!strcmp(argv[2], "mix")) {
		srand((unsigned)num(argv[3]));
		for (;;) {
			int r = rand() % 10;
			int desk = 1 + rand() % cfg->desks;
			if (r < 5) {
				const char *cat = cfg->categories[rand() % cfg->ncategories].id;
				if ((s = store_take(st, cat, NULL, &t)) == STORE_OK)
					say(t.uuid, "ticket.issued");
			} else if (r < 8) {
				if ((s = store_call_next(st, desk, NULL, 0, &t)) == STORE_OK)
					say(t.uuid, "ticket.called");
			} else {
				if ((s = store_serve(st, (store_ref){NULL, desk}, &t)) == STORE_OK)
					say(t.uuid, "ticket.served");
			}
			if (s != STORE_OK && s != STORE_EMPTY && s != STORE_CONFLICT &&
			    s != STORE_NOTFOUND) {
				fprintf(stderr, "storeworker: %s\n", store_errmsg(st));
				rc = 1;
				break;
			}
		}
	} else if (!strcmp(argv[2], "take")) {
		long n = num(argv[3]);
		for (long i = 0; i < n; i++) {
			const char *cat = cfg->categories[i % cfg->ncategories].id;
			if ((s = store_take(st, cat, NULL, &t)) != STORE_OK) {
				fprintf(stderr, "storeworker: take: %s\n", store_errmsg(st));
				rc = 1;
				break;
			}
			say(t.code, NULL);
		}
	} else if (!strcmp(argv[2], "call") && argc == 5) {
		int desk = (int)num(argv[3]);
		long n = num(argv[4]);
		for (long i = 0; i < n; i++) {
			s = store_call_next(st, desk, NULL, 0, &t);
			if (s == STORE_EMPTY) {
				usleep(1000);
				continue;
			}
			if (s != STORE_OK) {
				fprintf(stderr, "storeworker: call: %s\n", store_errmsg(st));
				rc = 1;
				break;
			}
			say(t.uuid, t.code);
			if ((s = store_serve(st, (store_ref){NULL, desk}, &t)) != STORE_OK) {
				fprintf(stderr, "storeworker: serve: %s\n", store_errmsg(st));
				rc = 1;
				break;
			}
		}
	} else {
		fprintf(stderr, "storeworker: unknown mode \"%s\"\n", argv[2]);
		rc = 64;
	}
	store_close(st);
	config_free(cfg);
	return rc;
}
