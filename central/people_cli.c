/*
 * people_cli — `loket-central -c FILE user ...`, the accounts from the
 * command line (people.h): add, list, passwd, disable, enable, token,
 * revoke-token. The first admin comes from here:
 *
 *   printf '%s\n' "$password" | loket-central -c central.json user add anna --role admin
 *
 * A password is one line read from stdin (without echo on a terminal),
 * never an argument: arguments are visible to every user of the machine
 * (ps) and stay in shell histories. A new API token is printed once on
 * stdout, nothing else is. Each change is written to the audit log as
 * "command line (USER)". Exit status as `site`: 0, 64 usage, 65 a bad
 * name, password or site list, no such account or a taken name, 74 the
 * database.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "people.h"

#define EX_USAGE   64
#define EX_DATAERR 65
#define EX_IOERR   74

static int usage(void)
{
	fprintf(stderr,
		"usage: loket-central -c FILE user add NAME --role admin|viewer [--sites A,B]\n"
		"       loket-central -c FILE user list\n"
		"       loket-central -c FILE user passwd NAME\n"
		"       loket-central -c FILE user disable NAME\n"
		"       loket-central -c FILE user enable NAME\n"
		"       loket-central -c FILE user token NAME\n"
		"       loket-central -c FILE user revoke-token NAME\n"
		"(add and passwd read the password, one line, from stdin)\n");
	return EX_USAGE;
}

/* The terminal as it was before the prompt, for a signal that ends the
 * program while echo is off. */
static struct termios saved_tty;

static void restore_and_die(int sig)
{
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty); /* async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One line of stdin into pw (without its newline): 0, or -1 with a message
 * said. On a terminal, asks without echo; Ctrl-C (or Ctrl-\, or a kill)
 * at the prompt ends the program with the terminal's echo back on. */
static int read_password(char pw[PEOPLE_PW_MAX + 2])
{
	static const int sigs[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};
	struct termios quiet;
	struct sigaction on_sig = {.sa_handler = restore_and_die}, was[4];
	sigset_t mask, old_mask;
	int tty = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &saved_tty);
	if (tty) {
		/* main blocked these for its sigwait: the prompt takes them */
		sigemptyset(&mask);
		for (int i = 0; i < 4; i++) {
			sigaction(sigs[i], &on_sig, &was[i]);
			sigaddset(&mask, sigs[i]);
		}
		pthread_sigmask(SIG_UNBLOCK, &mask, &old_mask);
		fprintf(stderr, "password: ");
		quiet = saved_tty;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *got = fgets(pw, PEOPLE_PW_MAX + 2, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
		pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
		for (int i = 0; i < 4; i++)
			sigaction(sigs[i], &was[i], NULL);
		fprintf(stderr, "\n");
	}
	if (!got) {
		fprintf(stderr, "loket-central: no password on stdin (one line)\n");
		return -1;
	}
	size_t n = strlen(pw);
	if (n && pw[n - 1] == '\n')
		pw[--n] = '\0';
	else if (n > PEOPLE_PW_MAX) {
		fprintf(stderr, "loket-central: a password may have at most %d bytes\n",
			PEOPLE_PW_MAX);
		return -1;
	}
	if (n && pw[n - 1] == '\r')
		pw[--n] = '\0';
	return 0;
}

static void when(char *out, size_t n, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M", &tm);
}

static int print_account(void *ctx, const cstore_account *a)
{
	(void)ctx;
	char made[32];
	when(made, sizeof made, a->created_ms);
	printf("%-24s  %-6s  %-8s  %-16s  %6d  %s\n", a->name, a->role,
	       a->enabled ? "enabled" : "disabled", made, a->tokens,
	       a->sites[0] ? a->sites : "(all)");
	return 0;
}

static int status_of(int rc)
{
	return rc == CSTORE_OK ? 0
	       : rc == PEOPLE_INVALID || rc == CSTORE_NOT_FOUND || rc == CSTORE_CONFLICT
		   ? EX_DATAERR
		   : EX_IOERR;
}

/* add NAME --role R [--sites A,B], options in any order; the role and the
 * site list as stored into detail, for the audit log. */
static int add(cstore *st, int argc, char **argv, char *detail, size_t detlen, char *err,
	       size_t errlen)
{
	const char *role = NULL, *sites = NULL;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--role") && i + 1 < argc) {
			role = argv[++i];
		} else if (!strcmp(argv[i], "--sites") && i + 1 < argc) {
			sites = argv[++i];
		} else if (!strncmp(argv[i], "--pass", 6)) {
			fprintf(stderr,
				"loket-central: the password is read from stdin (one line), "
				"never taken from the command line\n");
			return EX_USAGE;
		} else {
			fprintf(stderr, "loket-central: user add: unknown argument \"%s\"\n",
				argv[i]);
			return usage();
		}
	}
	if (!role) {
		fprintf(stderr, "loket-central: user add: --role admin or --role viewer\n");
		return usage();
	}
	char pw[PEOPLE_PW_MAX + 2];
	if (read_password(pw))
		return EX_DATAERR;
	char kept[PEOPLE_SITES_LEN];
	int rc = people_add(st, argv[2], role, sites, pw, kept, err, errlen);
	explicit_bzero(pw, sizeof pw);
	if (rc == CSTORE_OK) {
		fprintf(stderr, "%s added (%s%s%s)\n", argv[2], role, kept[0] ? ", sites " : "",
			kept);
		snprintf(detail, detlen, "role %s%s%s", role, kept[0] ? " sites " : "", kept);
	}
	return rc;
}

int people_cli(cstore *st, int argc, char **argv)
{
	char err[300], token[AUTH_SECRET_LEN], detail[PEOPLE_SITES_LEN + 64];
	if (argc < 2)
		return usage();
	const char *cmd = argv[1], *action = NULL;
	int rc;
	detail[0] = '\0';
	if (!strcmp(cmd, "list") && argc == 2) {
		printf("%-24s  %-6s  %-8s  %-16s  %6s  %s\n", "NAME", "ROLE", "STATE", "CREATED",
		       "TOKENS", "SITES");
		rc = cstore_accounts(st, print_account, NULL);
		if (rc != CSTORE_OK)
			fprintf(stderr, "loket-central: cannot read the accounts\n");
		return rc == CSTORE_OK ? 0 : EX_IOERR;
	}
	if (argc < 3)
		return usage();
	const char *name = argv[2];
	if (!strcmp(cmd, "add") && argc >= 3) {
		rc = add(st, argc, argv, detail, sizeof detail, err, sizeof err);
		if (rc == EX_USAGE || rc == EX_DATAERR)
			return rc;
		action = "user.add";
	} else if (!strcmp(cmd, "passwd") && argc == 3) {
		char pw[PEOPLE_PW_MAX + 2];
		if (read_password(pw))
			return EX_DATAERR;
		rc = people_passwd(st, name, pw, err, sizeof err);
		explicit_bzero(pw, sizeof pw);
		action = "user.passwd";
		if (rc == CSTORE_OK)
			fprintf(stderr, "%s: new password; the account's sessions have ended\n",
				name);
	} else if ((!strcmp(cmd, "disable") || !strcmp(cmd, "enable")) && argc == 3) {
		int on = !strcmp(cmd, "enable");
		rc = people_enable(st, name, on, err, sizeof err);
		action = on ? "user.enable" : "user.disable";
		if (rc == CSTORE_OK)
			fprintf(stderr, "%s %s\n", name,
				on ? "enabled"
				   : "disabled: cannot sign in, sessions ended, API "
				     "tokens refused");
	} else if (!strcmp(cmd, "token") && argc == 3) {
		rc = people_token_new(st, name, token, err, sizeof err);
		action = "user.token";
		if (rc == CSTORE_OK) {
			printf("%s\n", token);
			fprintf(stderr,
				"%s: new API token above, shown this once (only its SHA-256 is "
				"kept); send it as Authorization: Bearer\n",
				name);
		}
		explicit_bzero(token, sizeof token);
	} else if (!strcmp(cmd, "revoke-token") && argc == 3) {
		int n = 0;
		rc = people_token_revoke(st, name, &n, err, sizeof err);
		action = "user.revoke-token";
		snprintf(detail, sizeof detail, "%d revoked", n);
		if (rc == CSTORE_OK)
			fprintf(stderr, "%s: %d API token%s revoked\n", name, n, n == 1 ? "" : "s");
	} else {
		return usage();
	}
	if (rc != CSTORE_OK) {
		fprintf(stderr, "loket-central: %s\n", err);
	} else {
		char actor[AUDIT_ACTOR_LEN];
		audit_cli_actor(actor);
		audit_note(st, actor, action, "%s%s%s", name, detail[0] ? ": " : "", detail);
	}
	return status_of(rc);
}
