/*
 * loketctl — the site store from the command line (README.md, docs/day.md).
 *
 *   loketctl -c site.json take digital [--lang ar]     prints "A001"
 *   loketctl -c site.json next --desk 1 [--category digital,tax]
 *   loketctl -c site.json serve|no-show|recall|cancel [CODE | --desk N]
 *   loketctl -c site.json transfer CATEGORY [CODE | --desk N]
 *   loketctl -c site.json desk open|close N [--category C,...]
 *   loketctl -c site.json list | status | events [--after SEQ] | purge [--days N]
 *   loketctl -c site.json check-config
 *
 * Output is for people by default and JSON with --json. Every command is
 * one store call: one transaction, one event. Exit statuses follow
 * sysexits.h: 0 done, 1 nobody waiting, 64 usage, 65 bad data (unknown
 * category or ticket, a ticket in the wrong state, a damaged database),
 * 74 I/O (disk full, read-only), 75 busy (locked too long: try again),
 * 78 configuration.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "store.h"
#include "syncstate.h"

#define MAX_LIST 10000

typedef struct {
	const char *config_path;
	int json;
	const char *lang;
	int desk;
	const char *categories;
	const char *outcome, *referred_to, *topics, *first_visit; /* serve only */
	int64_t after;
	int days;
	int have_days;
} options;

static void usage(FILE *f)
{
	fputs("usage: loketctl [-c FILE] [--json] COMMAND [ARGS]\n"
	      "\n"
	      "  take CATEGORY [--lang L]           issue a ticket, print its code\n"
	      "  next --desk N [--category C,...]   call the next waiting ticket to desk N\n"
	      "  recall   [CODE | --desk N]         call the ticket at a desk again\n"
	      "  serve    [CODE | --desk N]         the resident was helped; how it ended:\n"
	      "           [--outcome solved|referred|follow_up] [--referred-to ID]\n"
	      "           [--topics C,...] [--first-visit yes|no]   (each optional)\n"
	      "  no-show  [CODE | --desk N]         the resident did not come\n"
	      "  cancel   [CODE | --desk N]         withdraw a waiting or called ticket\n"
	      "  transfer CATEGORY [CODE | --desk N]  move a ticket to another kind of help\n"
	      "  desk open N [--category C,...]     desk N starts working (the kinds it takes)\n"
	      "  desk close N                       desk N stops working\n"
	      "  list                               who waits, longest first\n"
	      "  status                             waiting per category, estimates, sync\n"
	      "  events [--after SEQ]               the outbox as JSON lines\n"
	      "  purge [--days N]                   delete acknowledged events older than N days\n"
	      "  check-config                       validate the configuration and exit\n"
	      "\n"
	      "options:\n"
	      "  -c, --config FILE   site configuration (default: $LOKET_CONFIG)\n"
	      "      --json          machine-readable output\n"
	      "  -h, --help          this text\n"
	      "  -V, --version       the version\n"
	      "\n"
	      "exit: 0 ok, 1 nobody waiting, 64 usage, 65 bad data, 74 I/O error,\n"
	      "      75 database busy (try again), 78 configuration error\n",
	      f);
}

static int parse_int64(const char *s, int64_t lo, int64_t hi, int64_t *out);

static int exit_for(store_status s)
{
	switch (s) {
	case STORE_OK: return EX_OK;
	case STORE_EMPTY: return 1;
	case STORE_NOTFOUND:
	case STORE_CONFLICT:
	case STORE_AMBIGUOUS:
	case STORE_INVALID:
	case STORE_CORRUPT: return EX_DATAERR;
	case STORE_BUSY: return EX_TEMPFAIL;
	case STORE_IO: return EX_IOERR;
	}
	return EX_SOFTWARE;
}

static int store_error(store *st, store_status s)
{
	fprintf(stderr, "loketctl: %s\n",
		store_errmsg(st)[0] ? store_errmsg(st) : store_status_str(s));
	return exit_for(s);
}

/* A wait for scripts: seconds, or null when no open desk takes the kind. */
static json_t *wait_json(int s)
{
	return s == STORE_WAIT_UNKNOWN ? json_null() : json_integer(s);
}

static json_t *ticket_json(const store_ticket *t)
{
	char issued[CLOCK_ISO_LEN];
	clock_format_iso(t->issued_ms, issued, sizeof issued);
	/* A ticket taken on an unset clock has no issue time to show. */
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:i, s:o}", "code", t->code,
			 "uuid", t->uuid, "category", t->category, "lang", t->lang, "state",
			 store_ticket_state_name(t->state), "desk",
			 t->desk ? json_integer(t->desk) : json_null(), "issued",
			 t->issued_known ? json_string(issued) : json_null(), "day", t->day,
			 "ahead", t->ahead, "est_wait_s", wait_json(t->est_wait_s));
}

static void print_json(json_t *j)
{
	if (!j) {
		fputs("loketctl: out of memory\n", stderr);
		return;
	}
	char *s = json_dumps(j, JSON_COMPACT);
	if (s)
		puts(s);
	free(s);
	json_decref(j);
}

/* Splits "a,b,c" into at most max pointers into buf (modified in place). */
static int split_list(char *buf, const char **out, int max)
{
	int n = 0;
	char *p = buf;
	while (p && *p && n < max) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (*p)
			out[n++] = p;
		p = comma ? comma + 1 : NULL;
	}
	return n;
}

static void format_wait(int s, char *buf, size_t len)
{
	if (s == STORE_WAIT_UNKNOWN)
		snprintf(buf, len, "no desk");
	else if (s < 60)
		snprintf(buf, len, "%s", s <= 0 ? "now" : "<1 min");
	else if (s < 3600)
		snprintf(buf, len, "%d min", (s + 59) / 60);
	else
		snprintf(buf, len, "%dh%02d", s / 3600, (s % 3600) / 60);
}

static int cmd_take(store *st, const options *o, int argc, char **argv)
{
	if (argc != 1) {
		fputs("loketctl: take needs exactly one CATEGORY\n", stderr);
		return EX_USAGE;
	}
	store_ticket t;
	store_status s = store_take(st, argv[0], o->lang, &t);
	if (s != STORE_OK)
		return store_error(st, s);
	if (o->json)
		print_json(ticket_json(&t));
	else
		puts(t.code);
	return EX_OK;
}

static int cmd_next(store *st, const options *o, int argc)
{
	if (argc != 0 || o->desk <= 0) {
		fputs("loketctl: next needs --desk N (and no other arguments)\n", stderr);
		return EX_USAGE;
	}
	const char *cats[CONFIG_MAX_CATEGORIES];
	int ncats = 0;
	char *buf = NULL;
	if (o->categories) {
		buf = strdup(o->categories);
		if (!buf)
			return EX_OSERR;
		ncats = split_list(buf, cats, CONFIG_MAX_CATEGORIES);
	}
	store_ticket t;
	store_status s = store_call_next(st, o->desk, cats, ncats, &t);
	free(buf);
	if (s != STORE_OK)
		return store_error(st, s);
	if (o->json)
		print_json(ticket_json(&t));
	else
		puts(t.code);
	return EX_OK;
}

/* serve's --outcome, --referred-to, --topics, --first-visit into *out;
 * 1 if any was given, 0 if none, -1 after a message (usage). The store
 * checks the values against the configuration. */
static int outcome_of(const options *o, store_outcome *out)
{
	memset(out, 0, sizeof *out);
	if (!o->outcome && !o->referred_to && !o->topics && !o->first_visit)
		return 0;
	if (o->outcome)
		snprintf(out->outcome, sizeof out->outcome, "%s", o->outcome);
	if (o->referred_to) {
		snprintf(out->referred_to, sizeof out->referred_to, "%s", o->referred_to);
		if (!o->outcome)
			snprintf(out->outcome, sizeof out->outcome, "referred");
	}
	if (o->topics) {
		char *buf = strdup(o->topics);
		if (!buf)
			return -1;
		const char *ids[EVENT_MAX_CATS + 1];
		int n = split_list(buf, ids, EVENT_MAX_CATS + 1);
		out->has_topics = 1;
		for (int i = 0; i < n && i < EVENT_MAX_CATS; i++)
			snprintf(out->topics[out->ntopics++], sizeof out->topics[0], "%s", ids[i]);
		free(buf);
		if (n > EVENT_MAX_CATS) {
			fprintf(stderr, "loketctl: --topics takes at most %d kinds of help\n",
				EVENT_MAX_CATS);
			return -1;
		}
	}
	if (o->first_visit) {
		if (!strcmp(o->first_visit, "yes"))
			out->first_visit = EV_ANSWER_YES;
		else if (!strcmp(o->first_visit, "no"))
			out->first_visit = EV_ANSWER_NO;
		else {
			fprintf(stderr, "loketctl: --first-visit takes yes or no, not \"%s\" (leave it "
					"out when nobody knows)\n",
				o->first_visit);
			return -1;
		}
	}
	return 1;
}

static int cmd_act(store *st, const options *o, const char *cmd, int argc, char **argv)
{
	int transfer = !strcmp(cmd, "transfer");
	const char *category = NULL;
	if (transfer) {
		if (argc < 1) {
			fputs("loketctl: transfer needs a CATEGORY\n", stderr);
			return EX_USAGE;
		}
		category = argv[0];
		argc--;
		argv++;
	}
	store_ref ref = {NULL, o->desk};
	if (argc == 1 && o->desk <= 0)
		ref.code = argv[0];
	else if (argc != 0 || o->desk <= 0) {
		fprintf(stderr, "loketctl: %s needs a ticket CODE or --desk N (one of them)\n",
			cmd);
		return EX_USAGE;
	}
	store_outcome oc;
	int has_outcome = outcome_of(o, &oc);
	if (has_outcome < 0)
		return EX_USAGE;
	if (has_outcome && strcmp(cmd, "serve")) {
		fprintf(stderr, "loketctl: --outcome, --referred-to, --topics and --first-visit go "
				"with serve only\n");
		return EX_USAGE;
	}
	store_ticket t;
	store_status s;
	if (transfer)
		s = store_transfer(st, ref, category, &t);
	else if (!strcmp(cmd, "recall"))
		s = store_recall(st, ref, &t);
	else if (!strcmp(cmd, "serve"))
		s = store_serve_outcome(st, ref, &oc, &t);
	else if (!strcmp(cmd, "no-show"))
		s = store_no_show(st, ref, &t);
	else
		s = store_cancel(st, ref, &t);
	if (s != STORE_OK)
		return store_error(st, s);
	if (o->json)
		print_json(ticket_json(&t));
	else
		puts(t.code);
	return EX_OK;
}

static int cmd_desk(store *st, const options *o, int argc, char **argv)
{
	int64_t n = 0;
	if (argc != 2 || (strcmp(argv[0], "open") && strcmp(argv[0], "close")) ||
	    parse_int64(argv[1], 1, 999, &n)) {
		fputs("loketctl: desk needs \"open N\" or \"close N\"\n", stderr);
		return EX_USAGE;
	}
	const char *cats[CONFIG_MAX_CATEGORIES];
	int ncats = 0;
	char *buf = NULL;
	if (o->categories) {
		if (argv[0][0] == 'c') {
			fputs("loketctl: desk close takes no --category\n", stderr);
			return EX_USAGE;
		}
		buf = strdup(o->categories);
		if (!buf)
			return EX_OSERR;
		ncats = split_list(buf, cats, CONFIG_MAX_CATEGORIES);
	}
	store_status s = argv[0][0] == 'o' ? store_desk_open(st, (int)n, cats, ncats)
					   : store_desk_close(st, (int)n);
	free(buf);
	if (s != STORE_OK)
		return store_error(st, s);
	if (o->json)
		print_json(json_pack("{s:i, s:b}", "desk", (int)n, "open", argv[0][0] == 'o'));
	else
		printf("desk %d %s\n", (int)n, argv[0][0] == 'o' ? "open" : "closed");
	return EX_OK;
}

static const char *label_of(const config *cfg, const char *category)
{
	int ci = config_category_index(cfg, category);
	return ci >= 0 ? cfg->categories[ci].label[0] : category;
}

static int cmd_list(store *st, const config *cfg, const options *o)
{
	store_ticket *t = calloc(MAX_LIST, sizeof *t);
	if (!t)
		return EX_OSERR;
	int n = 0;
	store_status s = store_list_waiting(st, NULL, 0, t, MAX_LIST, &n);
	if (s != STORE_OK) {
		free(t);
		return store_error(st, s);
	}
	int64_t now = clock_now_ms();
	if (o->json) {
		json_t *arr = json_array();
		for (int i = 0; arr && i < n; i++)
			json_array_append_new(arr, ticket_json(&t[i]));
		print_json(arr);
	} else if (n == 0) {
		puts("nobody is waiting");
	} else {
		printf("%-6s %-12s %-8s %-8s %s\n", "CODE", "CATEGORY", "WAITING", "AHEAD", "EST.");
		for (int i = 0; i < n; i++) {
			char waited[32], est[32];
			int64_t w = now - t[i].issued_ms;
			if (t[i].issued_known)
				format_wait(w > 0 ? (int)(w / 1000) : 0, waited, sizeof waited);
			else
				snprintf(waited, sizeof waited, "?"); /* an unset clock */
			format_wait(t[i].est_wait_s, est, sizeof est);
			printf("%-6s %-12s %-8s %-8d %s\n", t[i].code, t[i].category, waited,
			       t[i].ahead, est);
		}
	}
	free(t);
	(void)cfg;
	return EX_OK;
}

static void format_when(int64_t ms, char *buf, size_t len)
{
	if (ms <= 0)
		snprintf(buf, len, "never");
	else
		clock_format_iso(ms, buf, len);
}

static int cmd_status(store *st, const config *cfg, const options *o)
{
	store_status_info info;
	store_status s = store_status_get(st, &info);
	if (s != STORE_OK)
		return store_error(st, s);
	char attempt[CLOCK_ISO_LEN], success[CLOCK_ISO_LEN], since[CLOCK_ISO_LEN];
	format_when(info.last_attempt_ms, attempt, sizeof attempt);
	format_when(info.last_success_ms, success, sizeof success);
	sync_view sv = sync_state_of(&info, cfg->sync.enabled, clock_now_ms());
	format_when(sv.since_ms, since, sizeof since);
	if (o->json) {
		json_t *cats = json_array();
		for (int i = 0; cats && i < info.ncategories; i++)
			json_array_append_new(
			    cats, json_pack("{s:s, s:i, s:o, s:i}", "category",
					    info.categories[i].category, "waiting",
					    info.categories[i].waiting, "est_wait_s",
					    wait_json(info.categories[i].est_wait_s),
					    "served_today", info.categories[i].served_today));
		print_json(json_pack(
		    "{s:s, s:s, s:i, s:i, s:i, s:i, s:o, s:{s:s, s:o, s:s, s:I, s:I, s:I, s:o, s:o, "
		    "s:s}}",
		    "site",
		    cfg->site_id, "day", info.day, "waiting", info.waiting, "at_desks",
		    info.at_desks, "desks_open", info.desks_open, "served_today", info.served_today,
		    "categories", cats, "sync", "state", sync_state_name(sv.state), "since",
		    sv.since_ms ? json_string(since) : json_null(), "fault", sync_fault_name(sv.fault),
		    "last_seq", (json_int_t)info.last_seq,
		    "acked_through", (json_int_t)info.acked_through, "backlog",
		    (json_int_t)info.backlog, "last_attempt",
		    info.last_attempt_ms ? json_string(attempt) : json_null(), "last_success",
		    info.last_success_ms ? json_string(success) : json_null(), "last_error",
		    info.last_error));
		return EX_OK;
	}
	printf("%s (%s), %s: %d waiting, %d at a desk, %d served today\n", cfg->site_name,
	       cfg->site_id, info.day, info.waiting, info.at_desks, info.served_today);
	if (info.desks_open == 0)
		puts("no desk is open: waits are unknown until a desk opens");
	else
		printf("%d desk%s open\n", info.desks_open, info.desks_open == 1 ? "" : "s");
	for (int i = 0; i < info.ncategories; i++) {
		char est[32];
		format_wait(info.categories[i].est_wait_s, est, sizeof est);
		printf("  %-10s %-32s %3d waiting  est. %-8s %3d served today\n",
		       info.categories[i].category, label_of(cfg, info.categories[i].category),
		       info.categories[i].waiting, est, info.categories[i].served_today);
	}
	if (sv.state == SYNC_STATE_OFFLINE)
		printf("sync: offline since %s (%s)\n", since, sync_fault_name(sv.fault));
	else if (sv.state == SYNC_STATE_NOT_RUNNING)
		printf("sync: loket-syncd is not running (last sign of life %s)\n", since);
	else
		printf("sync: %s\n", sync_state_name(sv.state));
	printf("      %lld events, central office holds through %lld, backlog %lld\n",
	       (long long)info.last_seq, (long long)info.acked_through, (long long)info.backlog);
	printf("      last attempt %s, last success %s\n", attempt, success);
	if (info.last_error[0])
		printf("      last error: %s\n", info.last_error);
	return EX_OK;
}

static int print_event(void *arg, int64_t seq, const char *json, size_t len)
{
	(void)seq;
	(void)arg;
	fwrite(json, 1, len, stdout);
	fputc('\n', stdout);
	return ferror(stdout) ? 1 : 0;
}

static int cmd_events(store *st, const options *o)
{
	int64_t after = o->after, last = 0;
	for (;;) {
		store_status s = store_events_after(st, after, 1000, 0, print_event, NULL, &last);
		if (s != STORE_OK)
			return store_error(st, s);
		if (ferror(stdout)) {
			fprintf(stderr, "loketctl: writing events: %s\n", strerror(errno));
			return EX_IOERR;
		}
		if (last == after)
			break;
		after = last;
	}
	return EX_OK;
}

static int cmd_purge(store *st, const config *cfg, const options *o)
{
	int64_t n = 0;
	store_status s = store_purge(st, o->have_days ? o->days : cfg->retention_days, &n);
	if (s != STORE_OK)
		return store_error(st, s);
	if (o->json)
		print_json(json_pack("{s:I}", "purged", (json_int_t)n));
	else
		printf("purged %lld acknowledged events\n", (long long)n);
	return EX_OK;
}

static int parse_int64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"lang", required_argument, NULL, 'l'},
	    {"desk", required_argument, NULL, 'd'},
	    {"category", required_argument, NULL, 'C'},
	    {"after", required_argument, NULL, 'a'},
	    {"days", required_argument, NULL, 'D'},
	    {"outcome", required_argument, NULL, 'O'},
	    {"referred-to", required_argument, NULL, 'R'},
	    {"topics", required_argument, NULL, 'T'},
	    {"first-visit", required_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"check-config", no_argument, NULL, 'k'},
	    {NULL, 0, NULL, 0},
	};
	options o = {0};
	int check_only = 0, opt;
	int64_t v;
	log_init(argv[0]);
	while ((opt = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': o.config_path = optarg; break;
		case 'j': o.json = 1; break;
		case 'l': o.lang = optarg; break;
		case 'C': o.categories = optarg; break;
		case 'O': o.outcome = optarg; break;
		case 'R': o.referred_to = optarg; break;
		case 'T': o.topics = optarg; break;
		case 'F': o.first_visit = optarg; break;
		case 'k': check_only = 1; break;
		case 'd':
			if (parse_int64(optarg, 1, 999, &v)) {
				fprintf(stderr,
					"loketctl: --desk needs a number 1..999, not \"%s\"\n",
					optarg);
				return EX_USAGE;
			}
			o.desk = (int)v;
			break;
		case 'a':
			if (parse_int64(optarg, 0, INT64_MAX, &v)) {
				fprintf(stderr, "loketctl: --after needs a seq >= 0, not \"%s\"\n",
					optarg);
				return EX_USAGE;
			}
			o.after = v;
			break;
		case 'D':
			if (parse_int64(optarg, 0, 3650, &v)) {
				fprintf(stderr,
					"loketctl: --days needs a number 0..3650, not \"%s\"\n",
					optarg);
				return EX_USAGE;
			}
			o.days = (int)v;
			o.have_days = 1;
			break;
		case 'h': usage(stdout); return EX_OK;
		case 'V': printf("loketctl %s\n", LOKET_VERSION); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	}
	const char *cmd = optind < argc ? argv[optind] : NULL;
	if (!cmd && !check_only) {
		usage(stderr);
		return EX_USAGE;
	}
	if (cmd && !strcmp(cmd, "check-config"))
		check_only = 1;
	static const char *const known[] = {"take",   "next",	      "recall", "serve",  "no-show",
					    "cancel", "transfer",     "list",	"status", "events",
					    "purge",  "check-config", "desk",	NULL};
	int found = 0;
	for (const char *const *k = known; cmd && *k; k++)
		found |= !strcmp(*k, cmd);
	if (cmd && !found) {
		fprintf(stderr, "loketctl: unknown command \"%s\" (see loketctl --help)\n", cmd);
		return EX_USAGE;
	}

	char err[8192];
	config *cfg = config_load(config_path_from(o.config_path), err, sizeof err);
	if (!cfg) {
		fputs(err, stderr);
		return EX_CONFIG;
	}
	if (check_only) {
		if (!o.json)
			printf("%s: ok (site %s, %d categories, %d languages)\n", cfg->path,
			       cfg->site_id, cfg->ncategories, cfg->nlangs);
		config_free(cfg);
		return EX_OK;
	}
	store *st = NULL;
	store_status s = store_open(cfg->database, cfg, &st, err, sizeof err);
	if (s != STORE_OK) {
		fprintf(stderr, "loketctl: %s\n", err);
		config_free(cfg);
		return s == STORE_CORRUPT ? EX_DATAERR : exit_for(s);
	}
	int nargs = argc - optind - 1;
	char **args = argv + optind + 1;
	int rc;
	if (!strcmp(cmd, "take"))
		rc = cmd_take(st, &o, nargs, args);
	else if (!strcmp(cmd, "next"))
		rc = cmd_next(st, &o, nargs);
	else if (!strcmp(cmd, "desk"))
		rc = cmd_desk(st, &o, nargs, args);
	else if (!strcmp(cmd, "list") || !strcmp(cmd, "status") || !strcmp(cmd, "events") ||
		 !strcmp(cmd, "purge")) {
		if (nargs != 0) {
			fprintf(stderr, "loketctl: %s takes no arguments\n", cmd);
			rc = EX_USAGE;
		} else if (cmd[0] == 'l')
			rc = cmd_list(st, cfg, &o);
		else if (cmd[0] == 's')
			rc = cmd_status(st, cfg, &o);
		else if (cmd[0] == 'e')
			rc = cmd_events(st, &o);
		else
			rc = cmd_purge(st, cfg, &o);
	} else
		rc = cmd_act(st, &o, cmd, nargs, args);
	store_close(st);
	config_free(cfg);
	if (fflush(stdout) != 0 && rc == EX_OK) {
		fprintf(stderr, "loketctl: writing output: %s\n", strerror(errno));
		rc = EX_IOERR;
	}
	return rc;
}
