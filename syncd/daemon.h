/*
 * daemon — loket-syncd's state and its one loop (see daemon.c for the
 * design: the protocol, what "synced" means, the retry policy).
 *
 * main.c parses the command line, loads the configuration and the token,
 * opens the store and hands a filled syncd to syncd_run.
 */
#ifndef LOKET_SYNCD_DAEMON_H
#define LOKET_SYNCD_DAEMON_H

#include <signal.h>
#include <stdint.h>

#include "batch.h"
#include "config.h"
#include "conn.h"
#include "store.h"
#include "token.h"

/* sysexits.h, named where the daemon uses them. */
#define SYNCD_EX_OK	  0
#define SYNCD_EX_USAGE	  64
#define SYNCD_EX_SOFTWARE 70
#define SYNCD_EX_CANTCREAT 73 /* --enrol: a file cannot be written */
#define SYNCD_EX_IOERR	  74
#define SYNCD_EX_TEMPFAIL 75 /* --once: the central office stayed unreachable */
#define SYNCD_EX_PROTOCOL 76 /* --once: the central office refused or lied */
#define SYNCD_EX_NOPERM	  77 /* token file readable by others; 401/403 */
#define SYNCD_EX_CONFIG	  78

typedef struct {
	const char *cfg_path;
	config *cfg;
	store *st;
	sync_conn *conn;
	char token[SYNC_TOKEN_MAX];
	sync_batch batch; /* the batch in flight (or last sent) */
	sync_batch next;  /* the one after it, read and compressed while the
			     central office works on `batch` */
	int next_ready;
	int once;  /* drain and exit */
	int naive; /* benchmark baseline: one event per request, no gzip */

	int64_t acked;	  /* acked_through as last read or written */
	int batch_limit;  /* events per batch; halved on 413, grows back */
	int failures;	  /* attempts in a row that made no progress */
	int refused;	  /* the central office refused (4xx): slow retries */
	int refused_exit; /* --once: exit status for the refusal */
	int idle;	  /* the last look found nothing to send */
	int sent_since_idle;
	int64_t next_at;    /* monotonic ms of the next look at the outbox */
	int64_t poke_until; /* after file activity, look often until then */
	int poke_n;	    /* looks since the last file activity */
	int64_t dv;	    /* store_data_version at the last look */
	int64_t purge_at;   /* monotonic ms of the next purge */
	int64_t beat_at;    /* monotonic ms of the next heartbeat (not with --once) */
	char *profile;	    /* the site's profile as sent (profile.h), or NULL */
	int profile_pending;	/* 1 until the central office has this profile */
	int profile_failures;	/* PUTs in a row that failed (its own backoff) */
	int profile_refused;	/* refused for the token: sent again with events */
	int64_t profile_at;	/* monotonic ms of the next PUT while pending */
	int beat_due;		/* 1: the central office's heartbeat waits to go */
	int beat_off;		/* 1: it takes none (older version); 2: refused our token */
	char *beat;		/* the heartbeat in flight (health.h) */
	int config_due;		/* 1: ask the office for the configuration */
	int config_off;		/* 1: an older office; 2: it refused our token */
	int config_wait;	/* heartbeats until the next ask */
	int64_t off_at;		/* monotonic ms a heartbeat or ask was refused for the token */
	int64_t last_purge;
	int64_t sent_at; /* monotonic ms the transfer in flight started */
	uint64_t rng;

	int inotify_fd; /* -1 without inotify: poll the data version instead */
	char db_base[256];

	/* Totals, logged at exit (and used by the benchmark). */
	int64_t stat_events, stat_requests, stat_bytes_up, stat_bytes_down, stat_json_bytes;
	int64_t started;
} syncd;

/* Set by the signal handlers; the loop acts on them. */
extern volatile sig_atomic_t syncd_got_term, syncd_got_hup;

/* Installs the signal handlers (they only set the flags above). main calls
 * it first: a SIGHUP's default action ends the process, and systemd counts
 * that as a clean exit, so a reload during start-up would stop syncd for
 * good. Taken early, it is a reload (or a stop) once the loop runs. */
void syncd_signals(void);

/* Prepares the signal pipe, inotify and the first look. Returns 0 or an
 * exit status. */
int syncd_init(syncd *d);

/* The loop. Returns the exit status: 0 after SIGTERM (or, with --once,
 * once the backlog is drained). */
int syncd_run(syncd *d);

/* Releases everything syncd_init and main acquired. */
void syncd_fini(syncd *d);

/* Loads cfg_path again (SIGHUP): on any problem keeps the old
 * configuration and logs why. */
void syncd_reload(syncd *d);

#endif
