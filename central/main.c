/*
 * loket-central — the central office: receives every site's events over
 * HTTP, stores each exactly once (cstore), and serves the reports.
 *
 *   loket-central -c central.json          run in the foreground (systemd supervises)
 *   loket-central -c central.json --check-config
 *   loket-central -c central.json --rebuild-tickets
 *   loket-central -c central.json site add|list|rotate-token|disable|enable ...
 *
 * Start-up errors are fatal with a clear message and a sysexits status
 * (78 configuration, 74 database, 71 cannot listen); later ones are logged
 * and survived. SIGTERM and SIGINT finish the requests under way and exit
 * 0. Signals are taken with sigwait() in the main thread, blocked in every
 * other, so no handler runs at an arbitrary point.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "central.h"
#include "cconfig.h"
#include "cstore.h"
#include "ingest.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "sites.h"

#ifndef LOKET_VERSION
#define LOKET_VERSION "dev"
#endif

#define EX_USAGE  64
#define EX_OSERR  71
#define EX_IOERR  74
#define EX_CONFIG 78

static void usage(FILE *f)
{
	fprintf(f, "usage: loket-central [-c FILE] [--check-config | --rebuild-tickets]\n"
		   "       loket-central [-c FILE] site add ID NAME | list | rotate-token ID |\n"
		   "                               disable ID | enable ID\n"
		   "       loket-central --help | --version\n"
		   "\n"
		   "  -c FILE            the central configuration (default: $LOKET_CONFIG)\n"
		   "  --check-config     validate the configuration and exit (0 or 78)\n"
		   "  --rebuild-tickets  recompute every ticket's facts and the desks' staffed\n"
		   "                     time from the events, exit\n"
		   "  site ...           the sites (in the database): add one (prints its new\n"
		   "                     token once), list them, give one a new token (printed\n"
		   "                     once), disable or enable one; a running server sees\n"
		   "                     each change at once\n"
		   "\n"
		   "Serves POST /api/v1/sites/{site}/events and PUT /api/v1/sites/{site}/profile\n"
		   "(site tokens), the dashboard at /, /report, /report.xlsx,\n"
		   "/export/tickets.csv, /export/staffed.csv, GET /api/v1/sites/{site}/events\n"
		   "(admin token),\n"
		   "/healthz and /metrics. See docs/central.md.\n");
}

int main(int argc, char **argv)
{
	log_init(argv[0]);
	const char *path = getenv("LOKET_CONFIG");
	int check = 0, rebuild = 0, site_argc = 0;
	char **site_argv = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "site")) {
			site_argv = argv + i;
			site_argc = argc - i;
			break;
		} else if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strcmp(argv[i], "--check-config")) {
			check = 1;
		} else if (!strcmp(argv[i], "--rebuild-tickets")) {
			rebuild = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			printf("loket-central %s\n", LOKET_VERSION);
			return 0;
		} else {
			fprintf(stderr, "loket-central: unknown argument \"%s\"\n", argv[i]);
			usage(stderr);
			return EX_USAGE;
		}
	}

	/* Blocked from the start, so that every thread inherits the mask and a
	 * SIGHUP or SIGTERM while the configuration is read waits for sigwait
	 * below instead of killing the process. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	static cconf cfg;
	char err[8192];
	if (cconf_load(path, &cfg, err, sizeof err)) {
		fputs(err, stderr);
		return EX_CONFIG;
	}
	if (check) {
		printf("%s: ok (%d site%s)\n", cfg.path, cfg.nsites, cfg.nsites == 1 ? "" : "s");
		cconf_free(&cfg);
		return 0;
	}

	int status = 0;
	metrics *m = NULL;
	http_server *srv = NULL;
	sites *reg = NULL;
	cstore *st = cstore_open(cfg.database, cfg.busy_timeout_ms, &ingest_codec, err, sizeof err);
	if (!st) {
		log_error("%s", err);
		status = EX_IOERR;
		goto out;
	}
	if (sites_import(st, &cfg, !site_argv, err, sizeof err)) {
		log_error("%s", err);
		status = EX_IOERR;
		goto out;
	}
	if (site_argv) {
		status = sites_cli(st, site_argc, site_argv);
		goto out;
	}
	if (rebuild) {
		int rc = cstore_rebuild_tickets(st);
		if (rc == CSTORE_OK)
			log_info("tickets rebuilt from the events");
		status = rc == CSTORE_OK ? 0 : EX_IOERR;
		goto out;
	}
	if (auth_init()) {
		log_error("cannot draw a session key: no randomness from the kernel");
		status = EX_OSERR;
		goto out;
	}
	m = metrics_new(&cfg);
	if (!m) {
		log_error("out of memory");
		status = EX_OSERR;
		goto out;
	}
	reg = sites_new(st, err, sizeof err);
	if (!reg) {
		log_error("%s", err);
		status = EX_IOERR;
		goto out;
	}
	const sites_snap *snap = sites_take(reg);
	for (int i = 0; i < snap->n; i++) {
		cstore_site_info si;
		if (cstore_site_get(st, snap->v[i].id, &si) == CSTORE_OK)
			metrics_site_seed(m, i, si.acked_through, si.last_sync_ms, si.unread);
	}
	int nsites = snap->n;
	sites_drop(reg, snap);
	central app = {&cfg, st, m, reg};
	srv = http_start(&app, err, sizeof err);
	if (!srv) {
		log_error("%s", err);
		status = EX_OSERR;
		goto out;
	}
	log_info("listening on %s%s%s:%d (%s%d site%s, database %s)",
		 strchr(cfg.listen_host, ':') ? "[" : "", cfg.listen_host,
		 strchr(cfg.listen_host, ':') ? "]" : "", http_port(srv),
		 cfg.tls_cert ? "HTTPS, " : "", nsites, nsites == 1 ? "" : "s",
		 cconf_database_shown(&cfg, err, sizeof err));
	for (;;) {
		int sig = 0;
		if (sigwait(&sigs, &sig))
			continue;
		if (sig == SIGHUP) {
			log_info(
			    "SIGHUP: the configuration is read at start only; restart to reload");
			continue;
		}
		log_info("%s: finishing the requests under way, then stopping",
			 sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	}
out:
	http_stop(srv);
	sites_free(reg);
	metrics_free(m);
	cstore_close(st);
	cconf_free(&cfg);
	if (!status && !site_argv)
		log_info("stopped");
	return status;
}
