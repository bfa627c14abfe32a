/*
 * loket-syncd — pushes the site's outbox to the central office.
 *
 *   loket-syncd -c site.json [--once] [--check-config]
 *   loket-syncd -c site.json --enrol URL CODE     (a new site box, enrol.c)
 *
 * Start-up errors are fatal with a clear message and a sysexits status
 * (78 configuration, 77 token file readable by others, 74 database);
 * everything after start-up is logged and survived. Foreground only:
 * systemd (docs/systemd/loket-syncd.service) supervises. The loop, the
 * protocol and the retry policy are described in daemon.c.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "daemon.h"
#include "enrol.h"
#include "log.h"

/* How long a locked store is tried again at start. */
#define SYNCD_OPEN_WAIT_MS 60000

static void usage(FILE *f)
{
	fputs("usage: loket-syncd -c FILE [--once] [--check-config]\n"
	      "       loket-syncd -c FILE --enrol URL CODE\n"
	      "Sends the site's outbox to the central office (sync.url in FILE).\n"
	      "  -c, --config FILE  the site configuration (default: $LOKET_CONFIG)\n"
	      "  --once             send the backlog, then exit: 0 when the central office\n"
	      "                     holds every event, 75 if it stayed unreachable,\n"
	      "                     76 if it refused a batch, 77 if it refused the token\n"
	      "  --check-config     check FILE and the token file, then exit\n"
	      "  --naive            benchmark baseline: one event per request, no gzip\n"
	      "  --enrol URL CODE   a new site box: fetch the token and the configuration\n"
	      "                     with the office's one-time CODE, write them, exit (77: the\n"
	      "                     code is wrong, used or expired)\n"
	      "  --help, --version\n"
	      "Signals: SIGTERM/SIGINT stop at once, SIGHUP reloads FILE and the token.\n"
	      "Environment: LOKET_LOG=debug|info|warn|error, LOKET_SYNCD_CONNECT_S (10),\n"
	      "LOKET_SYNCD_STALL_S (30): connect and no-progress timeouts in seconds.\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
					     {"once", no_argument, NULL, 'o'},
					     {"check-config", no_argument, NULL, 'k'},
					     {"naive", no_argument, NULL, 'n'},
					     {"enrol", no_argument, NULL, 'e'},
					     {"help", no_argument, NULL, 'h'},
					     {"version", no_argument, NULL, 'V'},
					     {NULL, 0, NULL, 0}};
	const char *arg = NULL;
	int check = 0, enrol = 0, c;
	syncd d;
	memset(&d, 0, sizeof d);
	d.inotify_fd = -1;
	log_init(argv[0]);
	syncd_signals();
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': arg = optarg; break;
		case 'o': d.once = 1; break;
		case 'k': check = 1; break;
		case 'n': d.naive = 1; break;
		case 'e': enrol = 1; break;
		case 'h': usage(stdout); return SYNCD_EX_OK;
		case 'V': printf("loket-syncd %s\n", LOKET_VERSION); return SYNCD_EX_OK;
		default: usage(stderr); return SYNCD_EX_USAGE;
		}
	}
	if (enrol) {
		const char *p = config_path_from(arg);
		if (!p || argc - optind != 2) {
			fputs("loket-syncd: --enrol needs -c FILE, the office's URL and the CODE\n",
			      stderr);
			return SYNCD_EX_USAGE;
		}
		return syncd_enrol(p, argv[optind], argv[optind + 1]);
	}
	if (optind < argc) {
		fprintf(stderr, "loket-syncd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return SYNCD_EX_USAGE;
	}
	d.cfg_path = config_path_from(arg);
	if (!d.cfg_path) {
		fputs("loket-syncd: no configuration: give -c FILE or set LOKET_CONFIG\n", stderr);
		return SYNCD_EX_USAGE;
	}

	char err[4096];
	d.cfg = config_load(d.cfg_path, err, sizeof err);
	if (!d.cfg) {
		fputs(err, stderr);
		return SYNCD_EX_CONFIG;
	}
	int rc;
	if (!d.cfg->sync.enabled) {
		fprintf(stderr, "%s: no \"sync\" section: there is no central office to send to\n",
			d.cfg_path);
		rc = SYNCD_EX_CONFIG;
		goto out;
	}
	rc = sync_token_read(d.cfg->sync.token_file, d.token, err, sizeof err);
	if (rc) {
		fprintf(stderr, "loket-syncd: %s\n", err);
		goto out;
	}
	if (check) {
		printf("%s: ok\n", d.cfg_path);
		goto out;
	}

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("libcurl failed to initialise");
		rc = SYNCD_EX_SOFTWARE;
		goto out;
	}
	/* A store another program holds locked (a kiosk in the middle of a
	 * long write, or writing a new store's schema) is tried again each
	 * second for up to a minute: that is no reason to exit (it would cost
	 * a restart by systemd). Some of the locks SQLite reports at once,
	 * without its busy timeout, hence the pause. */
	store_status ss;
	int64_t give_up = clock_mono_ms() + SYNCD_OPEN_WAIT_MS;
	for (int tries = 1;; tries++) {
		ss = store_open(d.cfg->database, d.cfg, &d.st, err, sizeof err);
		if (ss != STORE_BUSY || clock_mono_ms() >= give_up)
			break;
		if (tries == 1)
			log_warn("%s: trying again each second for up to %d s", err,
				 SYNCD_OPEN_WAIT_MS / 1000);
		struct timespec pause = {1, 0};
		nanosleep(&pause, NULL);
	}
	if (ss != STORE_OK) {
		log_error("%s", err);
		rc = SYNCD_EX_IOERR;
		goto out_curl;
	}
	d.conn = sync_conn_new();
	if (!d.conn) {
		log_error("out of memory");
		rc = SYNCD_EX_SOFTWARE;
		goto out_curl;
	}
	if (sync_conn_configure(d.conn, d.cfg, d.token, err, sizeof err)) {
		log_error("%s", err);
		rc = SYNCD_EX_CONFIG;
		goto out_curl;
	}
	rc = syncd_init(&d);
	if (rc == SYNCD_EX_OK)
		rc = syncd_run(&d);
out_curl:
	syncd_fini(&d);
	curl_global_cleanup();
	return rc;
out:
	syncd_fini(&d);
	return rc;
}
