/*
 * sites_cli — `loket-central -c FILE site ...`, the sites from the command
 * line (sites.h): add, list, rotate-token, disable, enable, enrol-code. A
 * new token or enrolment code is printed once on stdout (nothing else is),
 * so a script can take it:
 *
 *   token=$(loket-central -c central.json site add paddepoel "WIJS Paddepoel")
 *   code=$(loket-central -c central.json site enrol-code paddepoel)
 *
 * A running loket-central sees each change from its next request on. Each
 * change is written to the audit log as "command line (USER)".
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "enrol.h"
#include "sites.h"

#define EX_USAGE   64
#define EX_DATAERR 65
#define EX_IOERR   74

static int usage(void)
{
	fprintf(stderr, "usage: loket-central -c FILE site add ID NAME\n"
			"       loket-central -c FILE site list\n"
			"       loket-central -c FILE site rotate-token ID\n"
			"       loket-central -c FILE site disable ID\n"
			"       loket-central -c FILE site enable ID\n"
			"       loket-central -c FILE site enrol-code ID\n");
	return EX_USAGE;
}

static void when(char *out, size_t n, int64_t ms)
{
	if (!ms) {
		snprintf(out, n, "never");
		return;
	}
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static int print_site(void *ctx, const cstore_site_rec *r)
{
	(void)ctx;
	char seen[32];
	when(seen, sizeof seen, r->last_seen_ms);
	printf("%-31s  %-8s  %-19s  %s\n", r->id, r->enabled ? "enabled" : "disabled", seen,
	       r->name);
	return 0;
}

static int status_of(int rc)
{
	return rc == CSTORE_OK								? 0
	       : rc == SITES_INVALID || rc == CSTORE_NOT_FOUND || rc == CSTORE_CONFLICT ? EX_DATAERR
											: EX_IOERR;
}

int sites_cli(cstore *st, int argc, char **argv)
{
	char err[300], token[SITES_TOKEN_LEN];
	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	int rc;
	if (!strcmp(cmd, "list") && argc == 2) {
		printf("%-31s  %-8s  %-19s  %s\n", "ID", "STATE", "LAST SEEN", "NAME");
		rc = cstore_sites(st, print_site, NULL);
		if (rc != CSTORE_OK)
			fprintf(stderr, "loket-central: cannot read the sites\n");
		return rc == CSTORE_OK ? 0 : EX_IOERR;
	}
	if (!strcmp(cmd, "add") && argc == 4) {
		rc = sites_add(st, argv[2], argv[3], token, err, sizeof err);
		if (rc == CSTORE_OK) {
			printf("%s\n", token);
			fprintf(stderr,
				"site %s added; its token is above, shown this once (only its "
				"SHA-256 is kept)\n",
				argv[2]);
		}
	} else if (!strcmp(cmd, "rotate-token") && argc == 3) {
		rc = sites_rotate(st, argv[2], token, err, sizeof err);
		if (rc == CSTORE_OK) {
			printf("%s\n", token);
			fprintf(stderr,
				"site %s: new token above, shown this once; the old one no longer "
				"works\n",
				argv[2]);
		}
	} else if ((!strcmp(cmd, "disable") || !strcmp(cmd, "enable")) && argc == 3) {
		rc = sites_enable(st, argv[2], !strcmp(cmd, "enable"), err, sizeof err);
		if (rc == CSTORE_OK)
			fprintf(stderr, "site %s %s\n", argv[2],
				!strcmp(cmd, "enable")
				    ? "enabled"
				    : "disabled: its token is refused (403); its "
				      "events stay in the reports");
	} else if (!strcmp(cmd, "enrol-code") && argc == 3) {
		char code[ENROL_CODE_LEN], until[32];
		int64_t expires = 0;
		rc = enrol_code_new(st, argv[2], code, &expires, err, sizeof err);
		if (rc == CSTORE_OK) {
			when(until, sizeof until, expires);
			printf("%s\n", code);
			fprintf(
			    stderr,
			    "site %s: enrolment code above, good once until %s; on the new box: "
			    "loket-syncd -c /etc/loket/site.json --enrol URL CODE\n",
			    argv[2], until);
		}
	} else {
		return usage();
	}
	if (rc != CSTORE_OK) {
		fprintf(stderr, "loket-central: %s\n", err);
	} else {
		char actor[AUDIT_ACTOR_LEN];
		audit_cli_actor(actor);
		audit_note(st, actor,
			   !strcmp(cmd, "add")		  ? "site.add"
			   : !strcmp(cmd, "rotate-token") ? "site.rotate-token"
			   : !strcmp(cmd, "enable")	  ? "site.enable"
			   : !strcmp(cmd, "enrol-code")	  ? "site.enrol-code"
							  : "site.disable",
			   "%s", argv[2]);
	}
	return status_of(rc);
}
