/*
 * loket-central — the central office: receives every site's events over
 * HTTP, stores each exactly once (cstore), and serves the reports.
 *
 *   loket-central -c central.json          run in the foreground (systemd supervises)
 *   loket-central -c central.json --check-config
 *   loket-central -c central.json --rebuild-tickets
 *   loket-central -c central.json --backup FILE
 *   loket-central -c central.json site add|list|rotate-token|disable|enable|enrol-code ...
 *   loket-central -c central.json user add|list|passwd|disable|enable|token|revoke-token ...
 *
 * Start-up errors are fatal with a clear message and a sysexits status
 * (78 configuration, 74 database, 71 cannot listen); later ones are logged
 * and survived. SIGTERM and SIGINT finish the requests under way and exit
 * 0. SIGHUP reads the configuration again (reload below). Signals are
 * taken with sigwait() in the main thread, blocked in every other, so no
 * handler runs at an arbitrary point.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "central.h"
#include "cconfig.h"
#include "cstore.h"
#include "ingest.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "people.h"
#include "sites.h"

#ifndef LOKET_VERSION
#define LOKET_VERSION "dev"
#endif

#define EX_USAGE  64
#define EX_OSERR  71
#define EX_CANTCREAT 73
#define EX_IOERR  74
#define EX_CONFIG 78

static void usage(FILE *f)
{
	fprintf(f, "usage: loket-central [-c FILE] [--check-config | --rebuild-tickets |\n"
		   "                                --backup FILE]\n"
		   "       loket-central [-c FILE] site add ID NAME | list | rotate-token ID |\n"
		   "                               disable ID | enable ID | enrol-code ID\n"
		   "       loket-central [-c FILE] user add NAME --role ROLE [--sites A,B] |\n"
		   "                               list | passwd NAME | disable NAME |\n"
		   "                               enable NAME | token NAME |\n"
		   "                               revoke-token NAME\n"
		   "       loket-central --help | --version\n"
		   "\n"
		   "  -c FILE            the central configuration (default: $LOKET_CONFIG)\n"
		   "  --check-config     validate the configuration and exit (0 or 78)\n"
		   "  --rebuild-tickets  recompute every ticket's facts and the desks' staffed\n"
		   "                     time from the events, exit\n"
		   "  --backup FILE      copy the database (SQLite) into the new FILE while the\n"
		   "                     server runs, check the copy, exit (0, or 73 if FILE\n"
		   "                     exists, 74 if the copy failed)\n"
		   "  site ...           the sites (in the database): add one (prints its new\n"
		   "                     token once), list them, give one a new token (printed\n"
		   "                     once), disable or enable one, make a one-time code\n"
		   "                     (24 h) that sets up a new box (loket-syncd --enrol);\n"
		   "                     a running server sees each change at once\n"
		   "  user ...           the accounts (in the database): add one, list them,\n"
		   "                     set a password (read from stdin), disable or enable\n"
		   "                     one, make an API token (printed once) or revoke its\n"
		   "                     tokens; ROLE is admin or viewer\n"
		   "\n"
		   "Serves POST /api/v1/sites/{site}/events and PUT /api/v1/sites/{site}/profile\n"
		   "(site tokens), the dashboard at /, /report, /report.xlsx,\n"
		   "/export/tickets.csv, /export/staffed.csv, GET /api/v1/sites/{site}/events\n"
		   "(admin), /sites, /people and /audit (admins),\n"
		   "/healthz and /metrics. See docs/central.md.\n");
}

/* SIGHUP: reads the file again; what may change while running counts
 * from the next request on (cconf_reload), what needs a restart is said; a
 * file that fails the checks changes nothing and is said, key by key. */
static void reload(http_server *srv, const char *path)
{
	static cconf next;
	char err[8192], restart[512];
	if (cconf_load(path, &next, err, sizeof err)) {
		log_error("SIGHUP: %s is not taken, the configuration running stays:", path);
		for (char *line = err, *nl; *line; line = nl + 1) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			log_error("SIGHUP: %s", line);
			if (!nl)
				break;
		}
		return;
	}
	http_reload(srv, &next, restart, sizeof restart);
	cconf_free(&next);
	log_info("SIGHUP: %s reloaded (tokens, cookie_secure, body and batch limits)", path);
	if (restart[0])
		log_warn("SIGHUP: %s changed: that takes a restart; until then the old value holds",
			 restart);
}

int main(int argc, char **argv)
{
	log_init(argv[0]);
	const char *path = getenv("LOKET_CONFIG");
	int check = 0, rebuild = 0, site_argc = 0;
	char **site_argv = NULL;
	const char *backup = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "site") || !strcmp(argv[i], "user")) {
			site_argv = argv + i;
			site_argc = argc - i;
			break;
		} else if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strcmp(argv[i], "--check-config")) {
			check = 1;
		} else if (!strcmp(argv[i], "--rebuild-tickets")) {
			rebuild = 1;
		} else if (!strcmp(argv[i], "--backup") && i + 1 < argc) {
			backup = argv[++i];
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
	if (people_init(err, sizeof err)) {
		log_error("%s", err);
		status = EX_CONFIG;
		goto out;
	}
	if (site_argv) {
		status = !strcmp(site_argv[0], "user") ? people_cli(st, site_argc, site_argv)
						       : sites_cli(st, site_argc, site_argv);
		goto out;
	}
	if (backup) {
		int64_t n = 0;
		int rc = cstore_backup(st, backup, &n, err, sizeof err);
		if (rc == CSTORE_OK)
			log_info("%s backed up into %s (%lld events), checked", cfg.database,
				 backup, (long long)n);
		else
			log_error("backup: %s", err);
		status = rc == CSTORE_OK ? 0 : rc == CSTORE_CONFLICT ? EX_CANTCREAT : EX_IOERR;
		goto out;
	}
	if (rebuild) {
		int rc = cstore_rebuild_tickets(st);
		if (rc == CSTORE_OK)
			log_info("tickets rebuilt from the events");
		status = rc == CSTORE_OK ? 0 : EX_IOERR;
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
			reload(srv, cfg.path);
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
