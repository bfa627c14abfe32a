/*
 * daemon — loket-syncd's loop: pushes the site's outbox to the central
 * office, exactly once as far as the central office can tell.
 *
 * The protocol (docs/protocol.md, "Delivery"):
 *
 *   POST {sync.url}/api/v1/sites/{site}/events
 *   Authorization: Bearer <token>, Content-Type: application/json,
 *   Content-Encoding: gzip, body {"events":[...]} in seq order
 *   200 {"acked_through":N}   the central office holds every seq <= N
 *   409 {"acked_through":N}   it holds only up to N (restored from a backup):
 *                             resend from N+1
 *
 * What "synced" means: the store's acked_through is N only after the
 * central office answered 200 (or 409) naming N. It is written after the
 * answer, so a kill -9 at any moment can only make us send a batch again,
 * never skip one; the central office stores each (site, seq) once and
 * acknowledges duplicates, so sending again is harmless. Nothing is purged
 * before it is acknowledged (store_purge keeps every seq > acked_through).
 *
 * The loop (one, like OpenBSD's daemons): signal handlers set flags and
 * write a byte to a self-pipe; the loop waits in curl_multi_wait on the
 * HTTP transfer (if one is in flight), the self-pipe and an inotify watch
 * on the database's folder, with a timeout from the next timer:
 *
 *   next_at    the next look at the outbox: now while there is a backlog,
 *              the backoff after a failure, IDLE_MS when there is nothing
 *              to send (a fallback: inotify usually wakes us first)
 *   purge_at   hourly store_purge (and after a backlog drained)
 *   profile_at the site's profile (profile.h): PUT at start and after a
 *              reload that changed it, before the next batch; a failure
 *              backs off on its own counter and never holds up events; a
 *              central office without the endpoint (404, 405: an older
 *              version) is told once and not asked again
 *   config     at start and with every heartbeat: GET the office's part of
 *              the configuration (If-None-Match: the version applied);
 *              a new one is merged into the site file (siteconf.h), then
 *              syncd reloads and the running kiosk views get SIGHUP; one
 *              that fails the checks is refused, the old one kept, and
 *              the refusal goes into the store (the heartbeat reports it)
 *   beat_at    the heartbeat (sync.heartbeat_seconds): the store says when
 *              syncd last ran its loop, so the counter can tell "not
 *              running" from "idle"; a clean stop writes one with interval
 *              0. --once writes none: it is not a service that runs. Each
 *              beat also POSTs the site's health to the central office
 *              (health.h) when nothing else is in flight; a failed one is
 *              not retried (the next beat says it again), an office without
 *              the endpoint (404, 405) or that refuses the token is not
 *              asked again until a reload.
 *
 * Retry policy: see policy.h (the table) and docs/syncd.md. A failure of
 * the network or the central office (no answer, 408, 5xx) backs off with
 * full jitter up to sync.backoff_max_seconds; 429 and 503 wait at least
 * their Retry-After; a refusal (401, 403, 400, ...) is not retried blindly:
 * it is shown in the status for staff, logged as an error, and tried again
 * only after sync.backoff_max_seconds or at once on SIGHUP (after someone
 * fixed the token or the configuration). A central office that claims to
 * hold events this site never wrote is refused the same way: believing it
 * would mark future events as delivered.
 */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "policy.h"
#include "health.h"
#include "profile.h"
#include "siteconf.h"
#include "svc.h"

#define IDLE_MS_INOTIFY	  2000 /* fallback look when inotify watches */
#define IDLE_MS_POLL	  500  /* without inotify: poll the data version */
#define POKE_MS		  1000 /* after file activity, look again for this long, */
#define POKE_STEP_MS	  25   /* after 1, 2, 4, ... ms, then every 25 ms */
#define PURGE_EVERY_MS	  (3600 * 1000)
#define PURGE_MIN_MS	  (300 * 1000) /* at most this often after a drain */
#define ONCE_MAX_FAILURES 6
#define ONCE_CAP_MS	  5000
/* zlib level 4: on batches of 500 events about 45 bytes per event (level 6:
 * 43, level 1: 49) for 2/3 of level 6's CPU; measured in tests/bench/syncd.sh. */
#define GZIP_LEVEL 4
/* How often the office is asked for the site's configuration, in
 * heartbeats (15 s by default: a minute, or five without one). */
#define CONFIG_EVERY_BEATS 4
#define CONFIG_IDLE_BEATS  20

volatile sig_atomic_t syncd_got_term, syncd_got_hup;
static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGHUP)
		syncd_got_hup = 1;
	else
		syncd_got_term = 1;
	if (sig_pipe[1] >= 0) {
		ssize_t w = write(sig_pipe[1], "x", 1);
		(void)w;
	}
	errno = saved;
}

static int64_t cap_ms(const syncd *d)
{
	int64_t cap = (int64_t)d->cfg->sync.backoff_max_s * 1000;
	if (d->once && cap > ONCE_CAP_MS)
		cap = ONCE_CAP_MS;
	return cap;
}

/* Builds the profile of the current configuration; marks it to be sent if
 * it is new or changed, or always when force (a reload: the token or the
 * central office may be new). */
static void profile_update(syncd *d, int force)
{
	char ver[SYNC_ETAG_MAX] = "", seen[SYNC_ETAG_MAX], refused[8];
	if (d->st)
		store_config_state_get(d->st, ver, sizeof ver, seen, sizeof seen, refused,
				       sizeof refused);
	char *p = sync_profile_json(d->cfg, ver);
	if (!p) {
		log_warn("cannot build the site's profile (out of memory)");
		return;
	}
	if (!force && d->profile && !strcmp(d->profile, p) && !d->profile_pending) {
		free(p);
		return;
	}
	free(d->profile);
	d->profile = p;
	d->profile_pending = 1;
	d->profile_failures = 0;
	d->profile_at = clock_mono_ms();
}

/* Text for the store and the heartbeat: valid UTF-8 (an invalid byte
 * becomes '?', a sequence cut at the end goes), no control characters.
 * Words quoted from the office's answers are cut on byte boundaries. */
static void clean_text(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t i = 0;
	while (p[i]) {
		unsigned char c = p[i];
		int n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
				   : (c & 0xf8) == 0xf0 ? 4 : 0;
		int ok = n > 0;
		for (int k = 1; ok && k < n; k++)
			ok = (p[i + k] & 0xc0) == 0x80;
		if (!ok && n > 1) {
			int k = 1;
			while (k < n && p[i + k] && (p[i + k] & 0xc0) == 0x80)
				k++;
			if (!p[i + k]) { /* a sequence cut at the end */
				p[i] = '\0';
				return;
			}
		}
		if (!ok || (n == 1 && c < 0x20)) {
			p[i++] = '?';
			continue;
		}
		i += (size_t)n;
	}
}

static void watch_db(syncd *d)
{
	if (d->inotify_fd < 0)
		return;
	/* Re-created on reload: the database may have moved. */
	close(d->inotify_fd);
	d->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->inotify_fd < 0)
		return;
	char dir[CONFIG_PATH_LEN];
	snprintf(dir, sizeof dir, "%s", d->cfg->database);
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : dir;
	snprintf(d->db_base, sizeof d->db_base, "%s", base);
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	/* A commit writes the -wal file; a checkpoint the database. */
	if (inotify_add_watch(d->inotify_fd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
		log_warn("cannot watch %s (%s): polling the database every %d ms instead", dir,
			 strerror(errno), IDLE_MS_POLL);
		close(d->inotify_fd);
		d->inotify_fd = -1;
	}
}

void syncd_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int syncd_init(syncd *d)
{
	/* Signals that came before the pipe are in their flags already. */
	if (pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		log_error("pipe: %s", strerror(errno));
		return SYNCD_EX_SOFTWARE;
	}

	if (getrandom(&d->rng, sizeof d->rng, GRND_NONBLOCK) != sizeof d->rng)
		d->rng = (uint64_t)clock_now_ms() ^ ((uint64_t)getpid() << 32);
	d->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	watch_db(d);
	d->batch_limit = d->naive ? 1 : d->cfg->sync.batch_events;
	d->started = clock_mono_ms();
	d->next_at = d->started;
	d->purge_at = d->started + 60 * 1000;
	d->dv = -1;
	if (!d->once)
		profile_update(d, 1);
	return SYNCD_EX_OK;
}

void syncd_fini(syncd *d)
{
	if (d->inotify_fd >= 0)
		close(d->inotify_fd);
	d->inotify_fd = -1;
	for (int i = 0; i < 2; i++) {
		if (sig_pipe[i] >= 0)
			close(sig_pipe[i]);
		sig_pipe[i] = -1;
	}
	sync_conn_free(d->conn);
	d->conn = NULL;
	sync_batch_free(&d->batch);
	sync_batch_free(&d->next);
	free(d->profile);
	d->profile = NULL;
	free(d->beat);
	d->beat = NULL;
	if (d->st)
		store_close(d->st);
	d->st = NULL;
	config_free(d->cfg);
	d->cfg = NULL;
	explicit_bzero(d->token, sizeof d->token);
}

/* Reads acked_through from the store (start-up and reload). */
static int load_acked(syncd *d)
{
	store_status_info info;
	store_status ss = store_status_get(d->st, &info);
	if (ss != STORE_OK) {
		log_error("reading the sync state of %s: %s", d->cfg->database,
			  store_errmsg(d->st));
		return -1;
	}
	d->acked = info.acked_through;
	log_info("%s: %lld events, central office holds through %lld, backlog %lld",
		 d->cfg->database, (long long)info.last_seq, (long long)info.acked_through,
		 (long long)info.backlog);
	return 0;
}

static void status_failed(syncd *d, sync_fault fault, const char *msg)
{
	char clean[512];
	snprintf(clean, sizeof clean, "%s", msg);
	clean_text(clean);
	store_status ss = store_sync_failed(d->st, clock_now_ms(), fault, clean);
	if (ss != STORE_OK)
		log_warn("cannot record the sync status: %s", store_errmsg(d->st));
}

/* A transient failure: back off (with Retry-After when given). */
static void failed(syncd *d, sync_fault fault, const char *what, long retry_after_s)
{
	d->failures++;
	int64_t delay = retry_after_s >= 0
			    ? sync_retry_after_ms(retry_after_s, d->failures, cap_ms(d), &d->rng)
			    : sync_backoff_ms(d->failures, cap_ms(d), &d->rng);
	d->next_at = clock_mono_ms() + delay;
	char msg[256];
	snprintf(msg, sizeof msg, "%s", what);
	/* The first failure is news; the rest are the same story. */
	log_msg(d->failures == 1 ? LOG_WARN : LOG_INFO, "%s; attempt %d, next in %.1f s", what,
		d->failures, (double)delay / 1000.0);
	status_failed(d, fault, msg);
}

/* The central office refuses, or says something we must not believe: no
 * blind retries. Staff see msg in the status. */
static void refused(syncd *d, sync_fault fault, const char *msg, int exit_status)
{
	d->failures++;
	d->refused = 1;
	d->refused_exit = exit_status;
	int64_t delay = (int64_t)d->cfg->sync.backoff_max_s * 1000;
	d->next_at = clock_mono_ms() + delay;
	log_error("%s; not retrying for %d s (or send SIGHUP after fixing it)", msg,
		  d->cfg->sync.backoff_max_s);
	status_failed(d, fault, msg);
}

static void progressed(syncd *d)
{
	/* A transfer may be in flight already (launch_next). */
	if (d->failures || d->refused)
		log_info("the central office takes events again (after %d failed attempts)",
			 d->failures);
	d->failures = 0;
	d->refused = 0;
	/* Refused for the token (2), the heartbeat, the configuration and the
	 * profile go again once events do (a site enabled again, a token
	 * fixed); an office without them (1) is not asked again. */
	if (d->beat_off == 2)
		d->beat_off = 0;
	if (d->config_off == 2)
		d->config_off = 0;
	if (d->profile_refused) {
		d->profile_refused = 0;
		profile_update(d, 1);
	}
	/* A batch halved after 413 grows back slowly. */
	if (!d->naive && d->batch_limit < d->cfg->sync.batch_events) {
		d->batch_limit *= 2;
		if (d->batch_limit > d->cfg->sync.batch_events)
			d->batch_limit = d->cfg->sync.batch_events;
	}
	d->next_at = clock_mono_ms();
}

static int start_batch(syncd *d, int64_t now);

/* While the central office works on d->batch, read and compress the
 * batch after it (the loop calls this with a transfer in flight). */
static void prepare_next(syncd *d)
{
	if (d->naive || d->next_ready)
		return;
	d->next_ready = -1; /* tried: do not try again for this transfer */
	if (sync_batch_fill(&d->next, d->st, d->batch.last, d->batch_limit,
			    (size_t)d->cfg->sync.batch_bytes) == STORE_OK &&
	    d->next.n > 0 && !d->next.gap && !sync_batch_gzip(&d->next, GZIP_LEVEL))
		d->next_ready = 1;
}

/* The central office took exactly the batch in flight: send the prepared
 * one at once, before recording the answer (a kill between the two only
 * means sending a batch again). Returns 1 if a transfer started. */
static int launch_next(syncd *d, int64_t through)
{
	if (d->next_ready != 1 || d->next.first != through + 1)
		return 0;
	sync_batch t = d->batch;
	d->batch = d->next;
	d->next = t;
	d->next_ready = 0;
	return start_batch(d, clock_mono_ms()) == 0;
}

static void on_ok(syncd *d, const sync_answer *a)
{
	int64_t n;
	if (sync_answer_parse(a->body, a->body_len, &n)) {
		failed(d, SYNC_FAULT_SERVER, "the central office answered 200 without acked_through", -1);
		return;
	}
	int64_t first = d->batch.first, last = d->batch.last;
	int count = d->batch.n;
	/* No progress is no success: nothing to record, and the status must
	 * not say the last sync worked. */
	if (n <= d->acked) {
		char msg[160];
		snprintf(msg, sizeof msg,
			 "the central office answered 200 but holds only through %lld (sent "
			 "%lld..%lld)",
			 (long long)n, (long long)first, (long long)last);
		failed(d, SYNC_FAULT_MISMATCH, msg, -1);
		return;
	}
	if (n == last)
		launch_next(d, n);
	store_status ss = store_sync_acked(d->st, n, clock_now_ms());
	if (ss == STORE_INVALID) {
		char msg[256];
		snprintf(msg, sizeof msg,
			 "the central office claims to hold seq %lld, beyond this site's events "
			 "(wrong central office or a replaced site database?)",
			 (long long)n);
		refused(d, SYNC_FAULT_MISMATCH, msg, SYNCD_EX_PROTOCOL);
		return;
	}
	if (ss != STORE_OK) {
		/* The central office has the batch; we will send it again and
		 * it will acknowledge it again. */
		log_error("cannot record acked_through %lld: %s", (long long)n,
			  store_errmsg(d->st));
		failed(d, SYNC_FAULT_LOCAL, "cannot write the site database", -1);
		return;
	}
	d->stat_events += n - d->acked;
	d->sent_since_idle += (int)(n - d->acked);
	log_debug("delivered %lld..%lld (%d events) in %lld ms", (long long)first, (long long)n,
		  count, (long long)(clock_mono_ms() - d->sent_at));
	d->acked = n;
	progressed(d);
}

static void on_gap(syncd *d, const sync_answer *a)
{
	int64_t n;
	char msg[256];
	if (sync_answer_parse(a->body, a->body_len, &n)) {
		failed(d, SYNC_FAULT_SERVER, "the central office answered 409 without acked_through", -1);
		return;
	}
	if (n > d->acked) {
		/* It holds more than we knew (an answer lost before we could
		 * record it): take it, if it is not beyond our events. */
		on_ok(d, a);
		return;
	}
	if (n == d->acked) {
		snprintf(msg, sizeof msg,
			 "the central office answered 409 (holds through %lld) to a batch "
			 "starting at %lld",
			 (long long)n, (long long)d->batch.first);
		failed(d, SYNC_FAULT_MISMATCH, msg, -1);
		return;
	}
	int64_t oldest = 0;
	if (store_oldest_seq(d->st, &oldest) != STORE_OK) {
		failed(d, SYNC_FAULT_LOCAL, "cannot read the outbox", -1);
		return;
	}
	if (oldest > n + 1) {
		snprintf(msg, sizeof msg,
			 "EVENTS LOST: the central office holds only through seq %lld, but this "
			 "site purged events up to %lld after they were acknowledged; "
			 "they cannot be sent again",
			 (long long)n, (long long)oldest - 1);
		refused(d, SYNC_FAULT_MISMATCH, msg, SYNCD_EX_PROTOCOL);
		return;
	}
	store_status ss = store_sync_reset(d->st, n);
	if (ss != STORE_OK) {
		snprintf(msg, sizeof msg,
			 "cannot record the central office's acked_through %lld: %s", (long long)n,
			 store_errmsg(d->st));
		if (ss == STORE_INVALID)
			refused(d, SYNC_FAULT_MISMATCH, msg, SYNCD_EX_PROTOCOL);
		else
			failed(d, SYNC_FAULT_LOCAL, msg, -1);
		return;
	}
	log_warn("the central office holds only through seq %lld (restored from a backup?); "
		 "sending %lld..%lld again",
		 (long long)n, (long long)n + 1, (long long)d->acked);
	d->acked = n;
	d->failures = 0;
	d->refused = 0;
	d->next_at = clock_mono_ms();
}

/* SIGHUP to each running kiosk view (the store's views), if its pid is
 * still a loket-kiosk (not a pid reused by something else). */
static void reload_views(syncd *d)
{
	store_view v[32];
	int n = 0;
	if (store_views(d->st, v, 32, &n) != STORE_OK)
		return;
	for (int i = 0; i < n; i++) {
		if (v[i].every_ms <= 0 || v[i].pid <= 1)
			continue;
		char path[64], comm[64] = "";
		snprintf(path, sizeof path, "/proc/%d/comm", v[i].pid);
		FILE *f = fopen(path, "r");
		if (f) {
			if (!fgets(comm, sizeof comm, f))
				comm[0] = '\0';
			fclose(f);
		}
		if (strncmp(comm, "loket-kiosk", 11))
			continue;
		if (kill(v[i].pid, SIGHUP) == 0)
			log_info("asked the %s view (pid %d) to reload", v[i].name, v[i].pid);
		else
			log_warn("cannot ask the %s view (pid %d) to reload: %s", v[i].name,
				 v[i].pid, strerror(errno));
	}
}

static void on_config(syncd *d, const sync_answer *a)
{
	long st = a->status;
	d->config_wait = st == 404 ? CONFIG_IDLE_BEATS : CONFIG_EVERY_BEATS;
	if (st == 304 || st == 404)
		return; /* the same, or the office manages none */
	if (st == 405 || st == 501 || st == 401 || st == 403) {
		int token = st == 401 || st == 403;
		log_warn("the central office gives no configuration to this site (HTTP %ld%s); not "
			 "asked again until %s",
			 st, token ? ": the token or the site refused" : ": an older version?",
			 token ? "events go through again, or a reload" : "a reload");
		d->config_off = token ? 2 : 1;
		d->off_at = clock_mono_ms();
		return;
	}
	if (st != 200) {
		if (st == 0)
			log_debug("no configuration from the office: %s", a->error);
		return; /* asked again with a later heartbeat */
	}
	char err[4096];
	int r = siteconf_apply(d->cfg_path, a->body, a->body_len, err, sizeof err);
	if (r == SITECONF_IO) {
		/* this box's fault (a full disk, a read-only folder): the same
		 * version is fetched again, nothing is refused */
		log_error("the office's configuration %s cannot be written here: %s", a->etag, err);
		return;
	}
	char first[300];
	snprintf(first, sizeof first, "%.*s", (int)strcspn(err, "\n"), err);
	if (r < 0) {
		for (char *line = err, *nl; *line; line = nl + 1) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			log_error("the office's configuration %s is refused: %s", a->etag, line);
			if (!nl)
				break;
		}
		char why[400];
		snprintf(why, sizeof why, "version %s: %s", a->etag[0] ? a->etag : "?", first);
		clean_text(why);
		/* its version is remembered, the one applied stays: not fetched
		 * again until it changes */
		if (store_config_state_set(d->st, NULL, a->etag, why) != STORE_OK)
			log_warn("cannot record the refusal: %s", store_errmsg(d->st));
		return;
	}
	if (store_config_state_set(d->st, a->etag, a->etag, "") != STORE_OK)
		log_warn("cannot record the configuration's version: %s", store_errmsg(d->st));
	if (r == 0)
		return;
	log_info("applied the office's configuration %s to %s", a->etag, d->cfg_path);
	reload_views(d);
	syncd_got_hup = 1; /* and itself, at the top of the loop */
}

static void on_heartbeat(syncd *d, const sync_answer *a)
{
	free(d->beat);
	d->beat = NULL;
	long st = a->status;
	if (st == 200 || st == 204)
		return;
	if (st == 404 || st == 405 || st == 501 || st == 401 || st == 403) {
		int token = st == 401 || st == 403;
		log_warn("the central office takes no heartbeat from this site (HTTP %ld%s); not "
			 "sent again until %s",
			 st, token ? ": the token or the site refused" : ": an older version?",
			 token ? "events go through again, or a reload" : "a reload");
		d->beat_off = token ? 2 : 1;
		d->off_at = clock_mono_ms();
		return;
	}
	log_debug("heartbeat not delivered (%s); the next one follows",
		  st ? sync_status_words(st) : a->error);
}

static void on_profile(syncd *d, const sync_answer *a)
{
	long st = a->status;
	if (st == 200 || st == 204) {
		log_info("the central office has the site's profile");
		d->profile_pending = 0;
		return;
	}
	if (st == 404 || st == 405 || st == 501) {
		log_warn("the central office takes no profile (HTTP %ld: an older version?): it "
			 "shows this site's kinds of help by id",
			 st);
		d->profile_pending = 0;
		return;
	}
	if (st == 401 || st == 403) {
		/* the events' refusal says so to staff; after a SIGHUP (a new
		 * token) the profile goes again */
		log_warn("the central office refuses the site's profile (HTTP %ld): the token", st);
		d->profile_pending = 0;
		d->profile_refused = 1; /* sent again once events go through */
		return;
	}
	if (st == 400 || st == 413 || st == 422) {
		log_error("the central office refuses the site's profile (HTTP %ld) %.*s; events go on",
			  st, (int)(a->body_len > 160 ? 160 : a->body_len), a->body);
		d->profile_pending = 0; /* the same text would be refused again */
		return;
	}
	d->profile_failures++;
	int64_t delay = sync_backoff_ms(d->profile_failures, cap_ms(d), &d->rng);
	d->profile_at = clock_mono_ms() + delay;
	log_msg(d->profile_failures == 1 ? LOG_WARN : LOG_INFO,
		"the site's profile was not delivered (%s); next try in %.1f s",
		st ? sync_status_words(st) : a->error, (double)delay / 1000.0);
}

static void on_answer(syncd *d, const sync_answer *a)
{
	char msg[384];
	if (a->kind == SYNC_REQ_CONFIG) {
		d->next_ready = 0;
		on_config(d, a);
		return;
	}
	if (a->kind == SYNC_REQ_HEARTBEAT) {
		d->next_ready = 0;
		on_heartbeat(d, a);
		return;
	}
	if (a->kind == SYNC_REQ_PROFILE) {
		d->next_ready = 0; /* read while the profile went: start afresh */
		on_profile(d, a);
		return;
	}
	int ready = d->next_ready;
	d->next_ready = 0;
	if (a->status == 200 && ready == 1)
		d->next_ready = 1; /* on_ok may send it */
	d->stat_requests++;
	d->stat_bytes_up += a->bytes_up;
	d->stat_bytes_down += a->bytes_down;
	if (a->status == 0) {
		snprintf(msg, sizeof msg, "cannot reach the central office: %s", a->error);
		failed(d, a->tls ? SYNC_FAULT_CERT : SYNC_FAULT_UNREACHABLE, msg, -1);
		return;
	}
	switch (sync_classify(a->status)) {
	case SYNC_OK: on_ok(d, a); return;
	case SYNC_GAP: on_gap(d, a); return;
	case SYNC_SHRINK:
		if (d->batch.n > 1) {
			d->batch_limit = d->batch.n / 2;
			log_warn("the central office finds %d events (%zu bytes) too large (413); "
				 "sending %d at a time",
				 d->batch.n, d->batch.json_len, d->batch_limit);
			d->next_at = clock_mono_ms();
			return;
		}
		snprintf(msg, sizeof msg,
			 "the central office refuses event %lld as too large (413)",
			 (long long)d->batch.first);
		refused(d, SYNC_FAULT_REFUSED, msg, SYNCD_EX_PROTOCOL);
		return;
	case SYNC_RETRY:
	case SYNC_RETRY_AFTER:
		snprintf(msg, sizeof msg, "central office: %s (HTTP %ld)",
			 sync_status_words(a->status), a->status);
		failed(d, SYNC_FAULT_SERVER, msg, a->retry_after_s);
		return;
	case SYNC_REFUSED:
		/* The body may explain (central's words, capped by the log line). */
		snprintf(msg, sizeof msg, "central office refused: %s (HTTP %ld) %.*s",
			 sync_status_words(a->status), a->status,
			 (int)(a->body_len > 120 ? 120 : a->body_len), a->body);
		refused(d, a->status == 401 || a->status == 403 ? SYNC_FAULT_TOKEN : SYNC_FAULT_REFUSED, msg,
			a->status == 401 || a->status == 403 ? SYNCD_EX_NOPERM : SYNCD_EX_PROTOCOL);
		return;
	}
}

static void maybe_purge(syncd *d, int64_t now, int after_drain)
{
	if (now < d->purge_at && !(after_drain && now - d->last_purge >= PURGE_MIN_MS))
		return;
	int64_t n = 0;
	if (store_purge(d->st, d->cfg->retention_days, &n) != STORE_OK)
		log_warn("purge: %s", store_errmsg(d->st));
	else if (n > 0)
		log_info("purged %lld acknowledged events older than %d days", (long long)n,
			 d->cfg->retention_days);
	d->last_purge = now;
	d->purge_at = now + PURGE_EVERY_MS;
}

/* Looks at the outbox and starts a transfer if there is something to
 * send. Returns 1 when there was nothing to send (idle), 0 otherwise. */
static int look(syncd *d)
{
	int64_t now = clock_mono_ms();
	int64_t dv = store_data_version(d->st);
	if (d->idle && dv == d->dv) {
		/* Nothing committed since the last look. */
		int64_t step = (int64_t)1 << (d->poke_n < 5 ? d->poke_n : 5);
		d->poke_n++;
		d->next_at =
		    now + (now < d->poke_until	? (step < POKE_STEP_MS ? step : POKE_STEP_MS)
			   : d->inotify_fd >= 0 ? IDLE_MS_INOTIFY
						: IDLE_MS_POLL);
		return 1;
	}
	store_status ss = sync_batch_fill(&d->batch, d->st, d->acked, d->batch_limit,
					  (size_t)d->cfg->sync.batch_bytes);
	if (ss != STORE_OK) {
		char msg[300];
		snprintf(msg, sizeof msg, "cannot read the outbox: %s", store_errmsg(d->st));
		failed(d, SYNC_FAULT_LOCAL, msg, -1);
		return 0;
	}
	if (d->batch.n == 0) {
		if (!d->idle && d->sent_since_idle > 0)
			log_info("backlog drained: the central office holds through seq %lld",
				 (long long)d->acked);
		d->idle = 1;
		d->dv = dv;
		/* Nothing to send is no failure: after a failed read of the
		 * outbox, --once must end (the central office holds it all) and
		 * inotify must wake us again. */
		d->failures = 0;
		maybe_purge(d, now, d->sent_since_idle > 0);
		d->sent_since_idle = 0;
		d->next_at = now + (d->inotify_fd >= 0 ? IDLE_MS_INOTIFY : IDLE_MS_POLL);
		return 1;
	}
	d->idle = 0;
	if (d->batch.first != d->acked + 1) {
		char msg[256];
		snprintf(msg, sizeof msg,
			 "EVENTS LOST: the central office needs seq %lld.., but this site's "
			 "outbox starts at %lld (purged)",
			 (long long)d->acked + 1, (long long)d->batch.first);
		refused(d, SYNC_FAULT_MISMATCH, msg, SYNCD_EX_PROTOCOL);
		return 0;
	}
	start_batch(d, now);
	return 0;
}

/* Compresses (unless naive) and sends d->batch. Returns 0, or -1 after
 * recording the failure. */
static int start_batch(syncd *d, int64_t now)
{
	const void *body = d->batch.json;
	size_t len = d->batch.json_len;
	if (!d->naive) {
		if (!d->batch.gz_len && sync_batch_gzip(&d->batch, GZIP_LEVEL)) {
			failed(d, SYNC_FAULT_LOCAL, "gzip failed (out of memory?)", -1);
			return -1;
		}
		body = d->batch.gz;
		len = d->batch.gz_len;
	}
	if (sync_conn_start(d->conn, body, len, !d->naive)) {
		failed(d, SYNC_FAULT_LOCAL, "libcurl refused to start a transfer", -1);
		return -1;
	}
	d->stat_json_bytes += (int64_t)d->batch.json_len;
	d->sent_at = now;
	d->next_ready = 0;
	return 0;
}

/* Reads what inotify has; 1 if any of it is about our database. */
static int drain_inotify(syncd *d)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int ours = 0;
	size_t blen = strlen(d->db_base);
	for (;;) {
		ssize_t n = read(d->inotify_fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			if (ev->len && !strncmp(ev->name, d->db_base, blen))
				ours = 1;
			p += sizeof *ev + ev->len;
		}
	}
	return ours;
}

static void drain_pipe(void)
{
	char buf[64];
	while (read(sig_pipe[0], buf, sizeof buf) > 0)
		;
}

static void log_totals(const syncd *d)
{
	double s = (double)(clock_mono_ms() - d->started) / 1000.0;
	log_info("sent %lld events in %lld requests in %.3f s: %lld bytes up, %lld down, "
		 "%lld bytes of event JSON",
		 (long long)d->stat_events, (long long)d->stat_requests, s,
		 (long long)d->stat_bytes_up, (long long)d->stat_bytes_down,
		 (long long)d->stat_json_bytes);
}

/* The heartbeat: one small write transaction. Our own write wakes the
 * inotify watch; what it queued is drained here and one look replaces
 * the second of quick looks that file activity would start (a commit by a
 * kiosk in that moment changes the data version, which that look sees). */
static void heartbeat(syncd *d, int stopping)
{
	int64_t every = (int64_t)d->cfg->sync.heartbeat_s * 1000;
	d->beat_at = clock_mono_ms() + every;
	/* refused for the token: asked again after backoff_max_seconds too, so
	 * an idle site (no events to succeed with) is not silent for good */
	if ((d->beat_off == 2 || d->config_off == 2) &&
	    clock_mono_ms() - d->off_at >= (int64_t)d->cfg->sync.backoff_max_s * 1000) {
		d->beat_off = d->beat_off == 2 ? 0 : d->beat_off;
		d->config_off = d->config_off == 2 ? 0 : d->config_off;
	}
	if (!stopping && !d->beat_off)
		d->beat_due = 1;
	/* the configuration: every CONFIG_EVERY_BEATS beats while the office
	 * manages it (a 304 is cheap, but 700 sites add up), every
	 * CONFIG_IDLE_BEATS while it manages none (404) */
	if (!stopping && !d->config_off && d->config_wait-- <= 0)
		d->config_due = 1;
	if (store_sync_heartbeat(d->st, clock_now_ms(), stopping ? 0 : every) != STORE_OK) {
		log_warn("cannot write the sync heartbeat: %s", store_errmsg(d->st));
		return;
	}
	if (d->inotify_fd >= 0 && !stopping) {
		drain_inotify(d);
		if (d->idle && !d->failures && !d->refused && d->next_at > clock_mono_ms())
			d->next_at = clock_mono_ms();
	}
}

int syncd_run(syncd *d)
{
	if (load_acked(d))
		return SYNCD_EX_IOERR;
	log_info("sending to %s%s", sync_conn_url(d->conn),
		 d->naive ? " (naive: one event per request, no gzip)" : "");
	if (!d->once)
		svc_ready(sync_conn_url(d->conn));
	int rc = SYNCD_EX_OK;
	for (;;) {
		/* systemd's watchdog (svc.h): a loop that hangs stops pinging */
		int64_t wd = svc_watchdog_tick(clock_mono_ms());
		if (syncd_got_term) {
			svc_stopping();
			if (sync_conn_busy(d->conn))
				log_info("stopping: dropping the batch in flight (it will be sent "
					 "again)");
			sync_conn_abort(d->conn);
			log_info("stopping (signal)");
			if (!d->once)
				heartbeat(d, 1);
			break;
		}
		if (syncd_got_hup) {
			syncd_got_hup = 0;
			syncd_reload(d);
			if (load_acked(d))
				log_error("keeping acked_through %lld", (long long)d->acked);
		}
		sync_answer a;
		if (sync_conn_step(d->conn, &a))
			on_answer(d, &a);
		else if (sync_conn_busy(d->conn))
			prepare_next(d);
		int64_t now = clock_mono_ms();
		if (!d->once && now >= d->beat_at)
			heartbeat(d, 0);
		if (!sync_conn_busy(d->conn)) {
			if (d->once && d->refused) {
				rc = d->refused_exit;
				break;
			}
			if (d->once && d->failures >= ONCE_MAX_FAILURES) {
				log_error("giving up after %d failed attempts (--once)",
					  d->failures);
				rc = SYNCD_EX_TEMPFAIL;
				break;
			}
			if (d->beat_due && !d->once) {
				d->beat_due = 0;
				char err[256];
				free(d->beat);
				d->beat = sync_health_json(d->cfg, d->st, clock_now_ms(), err, sizeof err);
				if (!d->beat)
					log_warn("no heartbeat: %s", err);
				else if (sync_conn_send(d->conn, SYNC_REQ_HEARTBEAT, d->beat,
							strlen(d->beat)) == 0)
					continue;
			}
			if (d->config_due && !d->once) {
				d->config_due = 0;
				char ver[SYNC_ETAG_MAX] = "", seen[SYNC_ETAG_MAX] = "", refused[8];
				store_config_state_get(d->st, ver, sizeof ver, seen, sizeof seen,
						       refused, sizeof refused);
				if (sync_conn_get_config(d->conn, seen) == 0)
					continue;
			}
			if (d->profile_pending && now >= d->profile_at && !d->once) {
				if (sync_conn_send(d->conn, SYNC_REQ_PROFILE, d->profile,
						   strlen(d->profile))) {
					log_warn("libcurl refused to start the profile's PUT");
					d->profile_pending = 0;
				}
				continue;
			}
			if (now >= d->next_at && look(d) && d->once && !d->failures)
				break; /* drained */
		}
		int timeout = 1000;
		if (!sync_conn_busy(d->conn)) {
			int64_t due = d->once || d->next_at < d->beat_at ? d->next_at : d->beat_at;
			if (d->profile_pending && !d->once && d->profile_at < due)
				due = d->profile_at;
			int64_t t = due - clock_mono_ms();
			timeout = t < 0 ? 0 : t > INT_MAX ? INT_MAX : (int)t;
		}
		if (wd >= 0 && wd < timeout)
			timeout = (int)wd;
		struct curl_waitfd fds[2] = {{sig_pipe[0], CURL_WAIT_POLLIN, 0},
					     {d->inotify_fd, CURL_WAIT_POLLIN, 0}};
		if (sync_conn_wait(d->conn, fds, d->inotify_fd >= 0 ? 2 : 1, timeout)) {
			log_error("curl_multi_wait failed");
			rc = SYNCD_EX_SOFTWARE;
			break;
		}
		if (fds[0].revents)
			drain_pipe();
		if (d->inotify_fd >= 0 && fds[1].revents && drain_inotify(d) && d->idle &&
		    !d->failures && !d->refused) {
			/* Something wrote the database: look soon, and keep
			 * looking for a moment (the commit may not be visible
			 * yet when the first write of the WAL wakes us). */
			now = clock_mono_ms();
			d->poke_until = now + POKE_MS;
			d->poke_n = 0;
			if (d->next_at > now)
				d->next_at = now;
		}
	}
	log_totals(d);
	return rc;
}

void syncd_reload(syncd *d)
{
	char err[4096];
	log_info("SIGHUP: reloading %s", d->cfg_path);
	config *cfg = config_load(d->cfg_path, err, sizeof err);
	if (!cfg) {
		/* One log line per problem, then keep going as before. */
		for (char *line = err, *nl; *line; line = nl + 1) {
			nl = strchr(line, '\n');
			if (!nl) {
				log_error("reload: %s", line);
				break;
			}
			*nl = '\0';
			log_error("reload: %s", line);
		}
		log_error("reload failed: keeping the old configuration");
		return;
	}
	if (!cfg->sync.enabled) {
		log_error("reload: %s has no \"sync\" section: keeping the old configuration",
			  d->cfg_path);
		config_free(cfg);
		return;
	}
	char token[SYNC_TOKEN_MAX];
	if (sync_token_read(cfg->sync.token_file, token, err, sizeof err)) {
		log_error("reload: %s: keeping the old configuration", err);
		config_free(cfg);
		return;
	}
	store *st = d->st;
	if (strcmp(cfg->database, d->cfg->database)) {
		if (store_open(cfg->database, cfg, &st, err, sizeof err) != STORE_OK) {
			log_error("reload: %s: keeping the old configuration", err);
			explicit_bzero(token, sizeof token);
			config_free(cfg);
			return;
		}
	}
	sync_conn_abort(d->conn);
	if (sync_conn_configure(d->conn, cfg, token, err, sizeof err)) {
		log_error("reload: %s: keeping the old configuration", err);
		if (st != d->st)
			store_close(st);
		explicit_bzero(token, sizeof token);
		config_free(cfg);
		/* Put the old settings back on the connection. */
		if (sync_conn_configure(d->conn, d->cfg, d->token, err, sizeof err))
			log_error("cannot restore the old connection settings: %s", err);
		return;
	}
	if (st != d->st) {
		store_close(d->st);
		d->st = st;
	} else {
		store_set_config(d->st, cfg);
	}
	config_free(d->cfg);
	d->cfg = cfg;
	memcpy(d->token, token, sizeof d->token);
	explicit_bzero(token, sizeof token);
	watch_db(d);
	/* Someone may have fixed what was refused: try again now. */
	d->failures = 0;
	d->refused = 0;
	d->idle = 0;
	d->batch_limit = d->naive ? 1 : cfg->sync.batch_events;
	d->next_at = clock_mono_ms();
	if (!d->once)
		profile_update(d, 1);
	d->beat_off = 0;
	d->config_off = 0;
	log_info("reloaded %s", d->cfg_path);
}
