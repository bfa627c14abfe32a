/*
 * cconfig — the central office's JSON configuration (central.json),
 * validated completely before the server acts on it:
 *
 *   {
 *     "listen": "127.0.0.1:8080",
 *     "database": "central.db",
 *     "admin_token_sha256": "<64 hex>",                 optional: an admin without an
 *                                                          account (scripts, the sign-in
 *                                                          form); without it, only
 *                                                          accounts (people.h)
 *     "sites": [ { "id": "paddepoel", "name": "WIJS Paddepoel", "token_sha256": "<64 hex>" } ],
 *                                                          optional: imported into the
 *                                                          database once (sites.c), then
 *                                                          not read
 *     "limits": { "max_body_bytes": 1048576, ... },      optional
 *     "cookie_secure": false,                             optional
 *     "metrics_token_sha256": "<64 hex>",                 optional: scrapes /metrics
 *     "tls": { "cert_file": "central.crt", "key_file": "central.key" }   optional
 *   }
 *
 * Every problem is reported, one per line, as "file:line:col: key: message"
 * (exit status 78, EX_CONFIG); unknown keys are errors. A relative database
 * path is taken from the configuration file's folder; a libpq URI
 * ("postgresql://…") names a PostgreSQL database instead. Only SHA-256 digests
 * of tokens are held: the file is no secret worth stealing.
 */
#ifndef CENTRAL_CCONFIG_H
#define CENTRAL_CCONFIG_H

#include <stddef.h>

#include "proxy.h"

#define CCONF_ID_LEN	32  /* site ids: [a-z0-9_-]{1,31} */
#define CCONF_TEXT_LEN	256 /* site names, UTF-8 */
#define CCONF_PATH_LEN	1024
#define CCONF_MAX_SITES 1000

typedef struct {
	char id[CCONF_ID_LEN];
	char name[CCONF_TEXT_LEN];
	unsigned char token_sha256[32];
	int disabled; /* the database says so (sites.c); a file's site never is */
} cconf_site;

typedef struct {
	char path[CCONF_PATH_LEN]; /* the file it came from */
	char listen_host[256];	   /* "127.0.0.1", "::1", "0.0.0.0" */
	int listen_port;	   /* 0 = any free port (tests read it from the log) */
	char database[CCONF_PATH_LEN];
	int has_admin_token;		 /* "admin_token_sha256" given */
	unsigned char admin_sha256[32];	 /* its digest (zero without) */
	int has_metrics_token;		 /* "metrics_token_sha256" given */
	unsigned char metrics_sha256[32]; /* its digest: /metrics only */
	int nsites;
	cconf_site *sites; /* nsites entries */

	/* "limits": each optional. */
	long max_body_bytes;	  /* on the wire (maybe gzip); default 1 MiB */
	long max_inflated_bytes;  /* after gunzip; default 8 MiB */
	int max_batch_events;	  /* default 10000 */
	int max_connections;	  /* default 512 */
	int per_ip_connections;	  /* default 64; 0 = no limit */
	int connection_timeout_s; /* idle connections are closed; default 30 */
	int header_timeout_s;	  /* a request's headers must be in by then; default 10 */
	int busy_timeout_ms;	  /* then 503 + Retry-After; default 5000 */

	int cookie_secure; /* set Secure on the session cookie (behind HTTPS) */

	/* "trusted_proxies": the load balancers and proxies whose
	 * X-Forwarded-For names the client (proxy.h); none by default. */
	proxy_net trusted[PROXY_MAX];
	int ntrusted;

	/* "tls": optional. With it the server speaks HTTPS only, with this
	 * certificate (chain) and private key, read at load (PEM text, NUL-
	 * terminated; NULL without "tls"). The key is wiped by cconf_free. */
	char tls_cert_file[CCONF_PATH_LEN], tls_key_file[CCONF_PATH_LEN];
	char *tls_cert, *tls_key;
} cconf;

/* Reads and validates path into *c (and reads the TLS files it names).
 * Returns 0, or -1 with every problem written to err (lines ending in
 * '\n'). On success the caller owns c->sites, c->tls_cert and c->tls_key
 * (cconf_free). */
int cconf_load(const char *path, cconf *c, char *err, size_t errlen);
void cconf_free(cconf *c);

/* A reload (SIGHUP): takes from next what may change while the server runs
 * into live (the admin's and the metrics token's digests, cookie_secure,
 * trusted_proxies, limits.per_ip_connections,
 * limits.max_body_bytes, max_inflated_bytes and max_batch_events), and
 * writes into restart (", "-separated, "" if none) the keys that differ
 * but count only after a restart: listen, database, tls and the other
 * limits. The file's "sites" are not read after the first start. */
void cconf_reload(cconf *live, const cconf *next, char *restart, size_t cap);

/* The site with this id, or NULL. */
const cconf_site *cconf_site_find(const cconf *c, const char *id);

/* 1 if s is a valid site id ([a-z0-9_-]{1,31}). */
int cconf_valid_id(const char *s);

/* c's database as a log may show it (in out): a libpq URI without its
 * password (user:***@, password=***). */
const char *cconf_database_shown(const cconf *c, char *out, size_t cap);

#endif
