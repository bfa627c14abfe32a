/*
 * cconfig — see cconfig.h. Read and checked like the site configuration
 * (shared/config.c), with the same helpers (shared/jcheck.h): every problem
 * is collected, each with file, line, column and key.
 */
#include "cconfig.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "jcheck.h"

#define CCONF_MAX_FILE (4 << 20)

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void get_digest(jcheck *v, const json_t *obj, const char *path, const char *key,
		       unsigned char out[32])
{
	const json_t *j = jcheck_want(v, obj, path, key, JSON_STRING, 1);
	if (!j)
		return;
	const char *s = json_string_value(j);
	if (json_string_length(j) != 64 || !hash_hex_valid(s)) {
		char p[256];
		jcheck_join(p, sizeof p, path, key);
		jcheck_err(v, p,
		     "must be the SHA-256 of the token as 64 hex digits "
		     "(printf %%s TOKEN | sha256sum)");
		return;
	}
	for (int i = 0; i < 32; i++)
		out[i] = (unsigned char)(unhex(s[2 * i]) << 4 | unhex(s[2 * i + 1]));
}

int cconf_valid_id(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return n >= 1 && n < CCONF_ID_LEN;
}

/* "host:port", "[v6]:port"; port 0 = any free port. */
static void parse_listen(jcheck *v, const char *s, cconf *c)
{
	const char *colon;
	size_t hlen;
	const char *host = s;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':') {
			jcheck_err(v, "listen", "must be HOST:PORT or [IPV6]:PORT, not \"%s\"", s);
			return;
		}
		host = s + 1;
		hlen = (size_t)(end - host);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || colon == s || strchr(s, ':') != colon) {
			jcheck_err(v, "listen", "must be HOST:PORT or [IPV6]:PORT, not \"%s\"", s);
			return;
		}
		hlen = (size_t)(colon - s);
	}
	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port < 0 || port > 65535) {
		jcheck_err(v, "listen", "port must be a number 0..65535, not \"%s\"", colon + 1);
		return;
	}
	if (hlen == 0 || hlen >= sizeof c->listen_host) {
		jcheck_err(v, "listen", "host missing or too long");
		return;
	}
	memcpy(c->listen_host, host, hlen);
	c->listen_host[hlen] = '\0';
	c->listen_port = (int)port;
}

static void load_sites(jcheck *v, const json_t *arr, cconf *c)
{
	static const char *const keys[] = {"id", "name", "token_sha256", NULL};
	size_t n = json_array_size(arr);
	if (n == 0)
		return; /* the sites live in the database (sites.c) */
	if (n > CCONF_MAX_SITES) {
		jcheck_err(v, "sites", "more than %d sites", CCONF_MAX_SITES);
		return;
	}
	c->sites = calloc(n, sizeof *c->sites);
	if (!c->sites) {
		jcheck_err(v, "sites", "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *s = json_array_get(arr, i);
		char p[64];
		snprintf(p, sizeof p, "sites[%zu]", i);
		if (!json_is_object(s)) {
			jcheck_err(v, p, "must be an object, not %s", jcheck_type_name(s));
			continue;
		}
		jcheck_keys(v, s, p, keys);
		cconf_site *site = &c->sites[c->nsites];
		int before = v->nerr;
		jcheck_text(v, s, p, "id", site->id, sizeof site->id, 1);
		jcheck_text(v, s, p, "name", site->name, sizeof site->name, 1);
		get_digest(v, s, p, "token_sha256", site->token_sha256);
		char key[96];
		jcheck_join(key, sizeof key, p, "id");
		if (site->id[0] && !cconf_valid_id(site->id))
			jcheck_err(v, key, "\"%s\" is not a site id (a-z, 0-9, - and _, at most 31)",
			     site->id);
		for (int k = 0; k < c->nsites && site->id[0]; k++)
			if (!strcmp(c->sites[k].id, site->id))
				jcheck_err(v, key, "\"%s\" is already the id of an earlier site",
				     site->id);
		jcheck_join(key, sizeof key, p, "token_sha256");
		for (int k = 0; k < c->nsites; k++)
			if (!memcmp(c->sites[k].token_sha256, site->token_sha256, 32))
				jcheck_err(v, key,
				     "the same token as site \"%s\": each site needs its own",
				     c->sites[k].id);
		if (c->has_admin_token && !memcmp(c->admin_sha256, site->token_sha256, 32))
			jcheck_err(v, key, "the same token as the admin token");
		if (c->has_metrics_token && !memcmp(c->metrics_sha256, site->token_sha256, 32))
			jcheck_err(v, key, "the same token as metrics_token_sha256");
		if (v->nerr == before)
			c->nsites++;
	}
}

static void load_proxies(jcheck *v, const json_t *arr, cconf *c)
{
	size_t n = json_array_size(arr);
	if (n > PROXY_MAX) {
		jcheck_err(v, "trusted_proxies",
			   "at most %d entries (write networks: \"10.0.1.0/24\")", PROXY_MAX);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(arr, i);
		char p[64], why[160];
		snprintf(p, sizeof p, "trusted_proxies[%zu]", i);
		if (!json_is_string(e)) {
			jcheck_err(v, p, "must be a string, not %s", jcheck_type_name(e));
			continue;
		}
		if (proxy_parse(json_string_value(e), &c->trusted[c->ntrusted], why, sizeof why))
			jcheck_err(v, p, "\"%s\" %s", json_string_value(e), why);
		else
			c->ntrusted++;
	}
}

static void load_limits(jcheck *v, const json_t *l, cconf *c)
{
	static const char *const keys[] = {
	    "max_body_bytes",	  "max_inflated_bytes",	  "max_batch_events", "max_connections",
	    "per_ip_connections", "connection_timeout_s", "header_timeout_s", "busy_timeout_ms",
	    NULL};
	jcheck_keys(v, l, "limits", keys);
	jcheck_long(v, l, "limits", "max_body_bytes", &c->max_body_bytes, 1024, 256L << 20, 0);
	jcheck_long(v, l, "limits", "max_inflated_bytes", &c->max_inflated_bytes, 1024, 1024L << 20, 0);
	jcheck_int(v, l, "limits", "max_batch_events", &c->max_batch_events, 1, 1000000, 0);
	jcheck_int(v, l, "limits", "max_connections", &c->max_connections, 1, 100000, 0);
	jcheck_int(v, l, "limits", "per_ip_connections", &c->per_ip_connections, 0, 100000, 0);
	jcheck_int(v, l, "limits", "connection_timeout_s", &c->connection_timeout_s, 1, 3600, 0);
	jcheck_int(v, l, "limits", "header_timeout_s", &c->header_timeout_s, 1, 3600, 0);
	jcheck_int(v, l, "limits", "busy_timeout_ms", &c->busy_timeout_ms, 0, 600000, 0);
}

/* A relative path in the configuration is relative to its folder. Returns
 * 0, or -1 if the result would not fit. */
static int relative_to_config(const char *cfgpath, char *p, size_t cap)
{
	const char *slash = strrchr(cfgpath, '/');
	if (!p[0] || p[0] == '/' || !slash)
		return 0;
	char tmp[CCONF_PATH_LEN];
	int n = snprintf(tmp, sizeof tmp, "%.*s/%s", (int)(slash - cfgpath), cfgpath, p);
	if (n < 0 || (size_t)n >= sizeof tmp || (size_t)n >= cap)
		return -1;
	memcpy(p, tmp, (size_t)n + 1);
	return 0;
}

#define CCONF_MAX_PEM (1 << 20)

/* Reads the PEM file at path (the value of key) into a new string, or
 * reports why not and returns NULL. */
static char *read_pem(jcheck *v, const char *key, const char *path)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		jcheck_err(v, key, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	text = malloc(CCONF_MAX_PEM + 1);
	if (text)
		n = fread(text, 1, CCONF_MAX_PEM + 1, f);
	if (!text || ferror(f) || n > CCONF_MAX_PEM) {
		jcheck_err(v, key, "cannot read %s: %s", path,
		     !text	 ? "out of memory"
		     : ferror(f) ? "read error (is it a folder?)"
				 : "larger than 1 MiB");
		goto fail;
	}
	text[n] = '\0';
	if (!strstr(text, "-----BEGIN ")) {
		jcheck_err(v, key, "%s is not a PEM file (no \"-----BEGIN\" line)", path);
		goto fail;
	}
	fclose(f);
	return text;
fail:
	if (text)
		explicit_bzero(text, n); /* maybe a private key */
	free(text);
	fclose(f);
	return NULL;
}

static void load_tls(jcheck *v, const json_t *t, cconf *c)
{
	static const char *const keys[] = {"cert_file", "key_file", NULL};
	jcheck_keys(v, t, "tls", keys);
	int before = v->nerr;
	jcheck_text(v, t, "tls", "cert_file", c->tls_cert_file, sizeof c->tls_cert_file, 1);
	jcheck_text(v, t, "tls", "key_file", c->tls_key_file, sizeof c->tls_key_file, 1);
	if (v->nerr != before)
		return;
	if (relative_to_config(c->path, c->tls_cert_file, sizeof c->tls_cert_file))
		jcheck_err(v, "tls.cert_file", "path too long");
	else
		c->tls_cert = read_pem(v, "tls.cert_file", c->tls_cert_file);
	if (relative_to_config(c->path, c->tls_key_file, sizeof c->tls_key_file))
		jcheck_err(v, "tls.key_file", "path too long");
	else
		c->tls_key = read_pem(v, "tls.key_file", c->tls_key_file);
}

int cconf_load(const char *path, cconf *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	c->max_body_bytes = 1L << 20;
	c->max_inflated_bytes = 8L << 20;
	c->max_batch_events = 10000;
	c->max_connections = 512;
	c->per_ip_connections = 64;
	c->connection_timeout_s = 30;
	c->header_timeout_s = 10;
	c->busy_timeout_ms = 5000;
	if (errlen)
		err[0] = '\0';
	if (!path) {
		snprintf(err, errlen, "no configuration: give -c FILE or set LOKET_CONFIG\n");
		return -1;
	}
	if (strlen(path) >= sizeof c->path) {
		snprintf(err, errlen, "configuration path too long\n");
		return -1;
	}
	memcpy(c->path, path, strlen(path) + 1);
	jcheck v;
	json_t *root = jcheck_open(&v, path, CCONF_MAX_FILE, err, errlen);
	if (!root)
		goto out;
	static const char *const keys[] = {
	    "listen",	     "database", "admin_token_sha256",	 "sites",	    "limits",
	    "cookie_secure", "tls",	 "metrics_token_sha256", "trusted_proxies", NULL};
	jcheck_keys(&v, root, "", keys);
	char listen[300] = "";
	jcheck_text(&v, root, "", "listen", listen, sizeof listen, 1);
	if (listen[0])
		parse_listen(&v, listen, c);
	jcheck_text(&v, root, "", "database", c->database, sizeof c->database, 1);
	if (json_object_get(root, "admin_token_sha256")) {
		c->has_admin_token = 1;
		get_digest(&v, root, "", "admin_token_sha256", c->admin_sha256);
	}
	if (json_object_get(root, "metrics_token_sha256")) {
		c->has_metrics_token = 1;
		get_digest(&v, root, "", "metrics_token_sha256", c->metrics_sha256);
		if (c->has_admin_token && !memcmp(c->metrics_sha256, c->admin_sha256, 32))
			jcheck_err(&v, "metrics_token_sha256",
				   "must differ from admin_token_sha256 (it can only read /metrics)");
	}
	const json_t *j = jcheck_want(&v, root, "", "limits", JSON_OBJECT, 0);
	if (j)
		load_limits(&v, j, c);
	j = jcheck_want(&v, root, "", "sites", JSON_ARRAY, 0);
	if (j)
		load_sites(&v, j, c);
	j = jcheck_want(&v, root, "", "tls", JSON_OBJECT, 0);
	if (j)
		load_tls(&v, j, c);
	j = jcheck_want(&v, root, "", "trusted_proxies", JSON_ARRAY, 0);
	if (j)
		load_proxies(&v, j, c);
	/* a server that speaks HTTPS itself marks its cookie Secure unless
	 * told otherwise */
	j = jcheck_want(&v, root, "", "cookie_secure", JSON_TRUE, 0);
	c->cookie_secure = j ? json_is_true(j) : c->tls_cert_file[0] != '\0';

	/* A libpq URI (PostgreSQL, cstore.c) is no path. */
	if (!strstr(c->database, "://") &&
	    relative_to_config(path, c->database, sizeof c->database))
		jcheck_err(&v, "database", "path too long");
out:
	jcheck_close(&v, root);
	if (v.nerr) {
		cconf_free(c);
		return -1;
	}
	return 0;
}

void cconf_free(cconf *c)
{
	free(c->sites);
	c->sites = NULL;
	c->nsites = 0;
	free(c->tls_cert);
	c->tls_cert = NULL;
	if (c->tls_key)
		explicit_bzero(c->tls_key, strlen(c->tls_key));
	free(c->tls_key);
	c->tls_key = NULL;
}

static void differs(char *restart, size_t cap, int changed, const char *key)
{
	size_t n = strlen(restart);
	if (changed && n + 1 < cap)
		snprintf(restart + n, cap - n, "%s%s", n ? ", " : "", key);
}

void cconf_reload(cconf *live, const cconf *next, char *restart, size_t cap)
{
	if (cap)
		restart[0] = '\0';
	differs(restart, cap,
		strcmp(live->listen_host, next->listen_host) ||
		    live->listen_port != next->listen_port,
		"listen");
	differs(restart, cap, strcmp(live->database, next->database), "database");
	differs(restart, cap,
		!live->tls_cert != !next->tls_cert ||
		    (live->tls_cert && strcmp(live->tls_cert, next->tls_cert)) ||
		    (live->tls_key && strcmp(live->tls_key, next->tls_key)),
		"tls");
	differs(restart, cap, live->max_connections != next->max_connections,
		"limits.max_connections");
	differs(restart, cap, live->connection_timeout_s != next->connection_timeout_s,
		"limits.connection_timeout_s");
	differs(restart, cap, live->header_timeout_s != next->header_timeout_s,
		"limits.header_timeout_s");
	differs(restart, cap, live->busy_timeout_ms != next->busy_timeout_ms,
		"limits.busy_timeout_ms");
	memcpy(live->admin_sha256, next->admin_sha256, sizeof live->admin_sha256);
	live->has_admin_token = next->has_admin_token;
	live->has_metrics_token = next->has_metrics_token;
	memcpy(live->metrics_sha256, next->metrics_sha256, sizeof live->metrics_sha256);
	live->cookie_secure = next->cookie_secure;
	live->max_body_bytes = next->max_body_bytes;
	live->max_inflated_bytes = next->max_inflated_bytes;
	live->max_batch_events = next->max_batch_events;
	live->per_ip_connections = next->per_ip_connections;
	memcpy(live->trusted, next->trusted, sizeof live->trusted);
	live->ntrusted = next->ntrusted;
}

const cconf_site *cconf_site_find(const cconf *c, const char *id)
{
	for (int i = 0; i < c->nsites; i++)
		if (!strcmp(c->sites[i].id, id))
			return &c->sites[i];
	return NULL;
}

const char *cconf_database_shown(const cconf *c, char *out, size_t cap)
{
	const char *db = c->database;
	const char *at = strchr(db, '@'), *scheme = strstr(db, "://");
	const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
	if (scheme && at && colon && colon < at)
		snprintf(out, cap, "%.*s:***%s", (int)(colon - db), db, at);
	else
		snprintf(out, cap, "%s", db);
	char *pw = scheme ? strstr(out, "password=") : NULL;
	if (pw) {
		char rest[CCONF_PATH_LEN];
		const char *amp = strchr(pw, '&');
		snprintf(rest, sizeof rest, "%s", amp ? amp : "");
		snprintf(pw, cap - (size_t)(pw - out), "password=***%s", rest);
	}
	return out;
}
