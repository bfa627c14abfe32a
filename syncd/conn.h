/*
 * conn — the one HTTP(S) connection to the central office (libcurl).
 *
 * One easy handle on one multi handle, reused for every POST, so the TCP
 * (and TLS) connection stays open between batches. The multi handle is
 * what the daemon's loop waits on (sync_conn_wait), together with its own
 * descriptors (signals, inotify): a transfer in flight never blocks the
 * loop, and SIGTERM aborts it at once.
 *
 * Certificates are always verified (sync.ca_file adds a private CA); no
 * redirects are followed; only http and https are spoken. A connection
 * that cannot be made in LOKET_SYNCD_CONNECT_S seconds (default 10), or
 * that moves no byte for LOKET_SYNCD_STALL_S seconds (default 30), fails.
 */
#ifndef LOKET_SYNCD_CONN_H
#define LOKET_SYNCD_CONN_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

typedef struct sync_conn sync_conn;

#define SYNC_ANSWER_MAX (512 * 1024) /* a longer answer is an error (a site's
					       configuration is the longest) */
#define SYNC_ETAG_MAX	128

/* What a request carries: a batch of events, the site's profile (PUT), or
 * its heartbeat (POST), each to its own URL under the site's. */
typedef enum { SYNC_REQ_EVENTS, SYNC_REQ_PROFILE, SYNC_REQ_HEARTBEAT, SYNC_REQ_CONFIG } sync_req;

typedef struct {
	long status;	    /* HTTP status, 0 when no answer came */
	long retry_after_s; /* -1 when absent */
	const char *body;   /* NUL-terminated, body_len bytes; owned by the conn,
			       valid until the next sync_conn_start */
	size_t body_len;
	char error[CURL_ERROR_SIZE + 64]; /* why no answer came ("" otherwise) */
	int tls;			  /* 1 if that was TLS: a certificate not trusted */
	sync_req kind;			  /* what the answer is to */
	char etag[SYNC_ETAG_MAX];	  /* the answer's ETag header, "" if none */
	int64_t bytes_up, bytes_down;	  /* headers and bodies, this request */
} sync_answer;

/* NULL on out of memory. */
sync_conn *sync_conn_new(void);
void sync_conn_free(sync_conn *c);

/* Points the connection at cfg's central office with token (copied).
 * Must not be called while a transfer is in flight. Returns 0, or -1 with
 * the reason in err. */
int sync_conn_configure(sync_conn *c, const config *cfg, const char *token, char *err,
			size_t errlen);

/* Starts POSTing body (len bytes, borrowed until the answer came or the
 * transfer was aborted). Returns 0, or -1 if libcurl refused. */
int sync_conn_start(sync_conn *c, const void *body, size_t len, int gzipped);

/* Starts a request of kind with body (JSON, len bytes, borrowed like a
 * batch, not gzipped): SYNC_REQ_PROFILE PUTs {sync.url}/api/v1/sites/
 * {site}/profile, SYNC_REQ_HEARTBEAT POSTs .../heartbeat. Its answer comes
 * from sync_conn_step with a->kind set. Returns 0, or -1. */
int sync_conn_send(sync_conn *c, sync_req kind, const void *body, size_t len);

/* Starts GETting the site's managed configuration,
 * {sync.url}/api/v1/sites/{site}/config, with If-None-Match: etag unless
 * etag is "". The answer (a->kind SYNC_REQ_CONFIG) carries a->etag.
 * Returns 0, or -1. */
int sync_conn_get_config(sync_conn *c, const char *etag);

/* 1 while a transfer is in flight. */
int sync_conn_busy(const sync_conn *c);

/* Waits at most timeout_ms for the transfer or one of extra[0..n); fills
 * their revents. Returns 0, or -1 on a libcurl error. */
int sync_conn_wait(sync_conn *c, struct curl_waitfd *extra, unsigned n, int timeout_ms);

/* Moves the transfer along. Returns 1 and fills a when it ended (answer or
 * failure), 0 while still in flight or idle. */
int sync_conn_step(sync_conn *c, sync_answer *a);

/* Drops a transfer in flight (its answer is never read). */
void sync_conn_abort(sync_conn *c);

/* The URL batches go to (for logs; holds no secret). */
const char *sync_conn_url(const sync_conn *c);

#endif
