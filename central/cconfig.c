/*
 * cconfig — see cconfig.h. Like the site configuration (shared/config.c):
 * jansson parses (duplicate keys are refused with line and column), then a
 * validator walks the tree and collects every problem, positions from
 * jsonpos.
 */
#include "cconfig.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "jsonpos.h"

#define CCONF_MAX_FILE (4 << 20)

typedef struct {
	const char *file, *text;
	size_t len;
	char *err;
	size_t errlen, used;
	int nerr;
} vctx;

static void verr(vctx *v, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void verr(vctx *v, const char *path, const char *fmt, ...)
{
	int line = 0, col = 0;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	v->nerr++;
	if (v->text)
		jsonpos_find(v->text, v->len, path, &line, &col);
	if (v->used + 1 >= v->errlen)
		return;
	int n;
	if (line > 0)
		n = snprintf(v->err + v->used, v->errlen - v->used, "%s:%d:%d: %s: %s\n", v->file,
			     line, col, path, msg);
	else
		n = snprintf(v->err + v->used, v->errlen - v->used, "%s: %s: %s\n", v->file, path,
			     msg);
	if (n > 0)
		v->used += (size_t)n < v->errlen - v->used ? (size_t)n : v->errlen - v->used - 1;
}

static const char *type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static void join(char *dst, size_t cap, const char *path, const char *key)
{
	snprintf(dst, cap, "%s%s%s", path, *path ? "." : "", key);
}

static void check_keys(vctx *v, const json_t *obj, const char *path, const char *const *allowed)
{
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)obj, key, val)
	{
		int ok = 0;
		for (const char *const *a = allowed; *a; a++)
			if (!strcmp(key, *a))
				ok = 1;
		if (ok)
			continue;
		char p[256], list[512] = "";
		join(p, sizeof p, path, key);
		size_t u = 0;
		for (const char *const *a = allowed; *a && u < sizeof list; a++) {
			int n = snprintf(list + u, sizeof list - u, "%s%s", u ? ", " : "", *a);
			if (n < 0)
				break;
			u += (size_t)n;
		}
		verr(v, p, "unknown key (known keys here: %s)", list);
	}
}

/* The member key of obj if it has the type, else NULL (and an error if it
 * is there with another type, or missing and required). */
static const json_t *want(vctx *v, const json_t *obj, const char *path, const char *key,
			  json_type type, int required)
{
	char p[256];
	join(p, sizeof p, path, key);
	const json_t *j = json_object_get(obj, key);
	if (!j) {
		if (required)
			verr(v, *path ? path : "(top)", "missing required key \"%s\"", key);
		return NULL;
	}
	int ok = json_typeof(j) == type || (type == JSON_TRUE && json_is_boolean(j));
	if (!ok) {
		static const char *names[] = {"an object", "an array",	"a string",  "an integer",
					      "a number",  "a boolean", "a boolean", "null"};
		verr(v, p, "must be %s, not %s", names[type], type_name(j));
		return NULL;
	}
	return j;
}

static void get_text(vctx *v, const json_t *obj, const char *path, const char *key, char *dst,
		     size_t cap, int required)
{
	const json_t *j = want(v, obj, path, key, JSON_STRING, required);
	if (!j)
		return;
	char p[256];
	join(p, sizeof p, path, key);
	size_t len = json_string_length(j);
	if (len == 0)
		verr(v, p, "must not be empty");
	else if (len >= cap)
		verr(v, p, "longer than %zu bytes", cap - 1);
	else if (memchr(json_string_value(j), '\0', len))
		verr(v, p, "contains a NUL character");
	else
		memcpy(dst, json_string_value(j), len + 1);
}

static void get_long(vctx *v, const json_t *obj, const char *path, const char *key, long *dst,
		     long lo, long hi)
{
	const json_t *j = want(v, obj, path, key, JSON_INTEGER, 0);
	if (!j)
		return;
	json_int_t x = json_integer_value(j);
	if (x < lo || x > hi) {
		char p[256];
		join(p, sizeof p, path, key);
		verr(v, p, "must be between %ld and %ld", lo, hi);
		return;
	}
	*dst = (long)x;
}

static void get_int(vctx *v, const json_t *obj, const char *path, const char *key, int *dst, int lo,
		    int hi)
{
	long x = *dst;
	get_long(v, obj, path, key, &x, lo, hi);
	*dst = (int)x;
}

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

static void get_digest(vctx *v, const json_t *obj, const char *path, const char *key,
		       unsigned char out[32])
{
	const json_t *j = want(v, obj, path, key, JSON_STRING, 1);
	if (!j)
		return;
	const char *s = json_string_value(j);
	if (json_string_length(j) != 64 || !hash_hex_valid(s)) {
		char p[256];
		join(p, sizeof p, path, key);
		verr(v, p,
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
static void parse_listen(vctx *v, const char *s, cconf *c)
{
	const char *colon;
	size_t hlen;
	const char *host = s;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':') {
			verr(v, "listen", "must be HOST:PORT or [IPV6]:PORT, not \"%s\"", s);
			return;
		}
		host = s + 1;
		hlen = (size_t)(end - host);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || colon == s || strchr(s, ':') != colon) {
			verr(v, "listen", "must be HOST:PORT or [IPV6]:PORT, not \"%s\"", s);
			return;
		}
		hlen = (size_t)(colon - s);
	}
	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port < 0 || port > 65535) {
		verr(v, "listen", "port must be a number 0..65535, not \"%s\"", colon + 1);
		return;
	}
	if (hlen == 0 || hlen >= sizeof c->listen_host) {
		verr(v, "listen", "host missing or too long");
		return;
	}
	memcpy(c->listen_host, host, hlen);
	c->listen_host[hlen] = '\0';
	c->listen_port = (int)port;
}

static void load_sites(vctx *v, const json_t *arr, cconf *c)
{
	static const char *const keys[] = {"id", "name", "token_sha256", NULL};
	size_t n = json_array_size(arr);
	if (n == 0) {
		verr(v, "sites", "must list at least one site");
		return;
	}
	if (n > CCONF_MAX_SITES) {
		verr(v, "sites", "more than %d sites", CCONF_MAX_SITES);
		return;
	}
	c->sites = calloc(n, sizeof *c->sites);
	if (!c->sites) {
		verr(v, "sites", "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *s = json_array_get(arr, i);
		char p[64];
		snprintf(p, sizeof p, "sites[%zu]", i);
		if (!json_is_object(s)) {
			verr(v, p, "must be an object, not %s", type_name(s));
			continue;
		}
		check_keys(v, s, p, keys);
		cconf_site *site = &c->sites[c->nsites];
		int before = v->nerr;
		get_text(v, s, p, "id", site->id, sizeof site->id, 1);
		get_text(v, s, p, "name", site->name, sizeof site->name, 1);
		get_digest(v, s, p, "token_sha256", site->token_sha256);
		char key[96];
		join(key, sizeof key, p, "id");
		if (site->id[0] && !cconf_valid_id(site->id))
			verr(v, key, "\"%s\" is not a site id (a-z, 0-9, - and _, at most 31)",
			     site->id);
		for (int k = 0; k < c->nsites && site->id[0]; k++)
			if (!strcmp(c->sites[k].id, site->id))
				verr(v, key, "\"%s\" is already the id of an earlier site",
				     site->id);
		join(key, sizeof key, p, "token_sha256");
		for (int k = 0; k < c->nsites; k++)
			if (!memcmp(c->sites[k].token_sha256, site->token_sha256, 32))
				verr(v, key,
				     "the same token as site \"%s\": each site needs its own",
				     c->sites[k].id);
		if (!memcmp(c->admin_sha256, site->token_sha256, 32))
			verr(v, key, "the same token as the admin token");
		if (v->nerr == before)
			c->nsites++;
	}
}

static void load_limits(vctx *v, const json_t *l, cconf *c)
{
	static const char *const keys[] = {
	    "max_body_bytes",	  "max_inflated_bytes",	  "max_batch_events", "max_connections",
	    "per_ip_connections", "connection_timeout_s", "busy_timeout_ms",  NULL};
	check_keys(v, l, "limits", keys);
	get_long(v, l, "limits", "max_body_bytes", &c->max_body_bytes, 1024, 256L << 20);
	get_long(v, l, "limits", "max_inflated_bytes", &c->max_inflated_bytes, 1024, 1024L << 20);
	get_int(v, l, "limits", "max_batch_events", &c->max_batch_events, 1, 1000000);
	get_int(v, l, "limits", "max_connections", &c->max_connections, 1, 100000);
	get_int(v, l, "limits", "per_ip_connections", &c->per_ip_connections, 0, 100000);
	get_int(v, l, "limits", "connection_timeout_s", &c->connection_timeout_s, 1, 3600);
	get_int(v, l, "limits", "busy_timeout_ms", &c->busy_timeout_ms, 0, 600000);
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
static char *read_pem(vctx *v, const char *key, const char *path)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		verr(v, key, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	text = malloc(CCONF_MAX_PEM + 1);
	if (text)
		n = fread(text, 1, CCONF_MAX_PEM + 1, f);
	if (!text || ferror(f) || n > CCONF_MAX_PEM) {
		verr(v, key, "cannot read %s: %s", path,
		     !text	 ? "out of memory"
		     : ferror(f) ? "read error (is it a folder?)"
				 : "larger than 1 MiB");
		goto fail;
	}
	text[n] = '\0';
	if (!strstr(text, "-----BEGIN ")) {
		verr(v, key, "%s is not a PEM file (no \"-----BEGIN\" line)", path);
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

static void load_tls(vctx *v, const json_t *t, cconf *c)
{
	static const char *const keys[] = {"cert_file", "key_file", NULL};
	check_keys(v, t, "tls", keys);
	int before = v->nerr;
	get_text(v, t, "tls", "cert_file", c->tls_cert_file, sizeof c->tls_cert_file, 1);
	get_text(v, t, "tls", "key_file", c->tls_key_file, sizeof c->tls_key_file, 1);
	if (v->nerr != before)
		return;
	if (relative_to_config(c->path, c->tls_cert_file, sizeof c->tls_cert_file))
		verr(v, "tls.cert_file", "path too long");
	else
		c->tls_cert = read_pem(v, "tls.cert_file", c->tls_cert_file);
	if (relative_to_config(c->path, c->tls_key_file, sizeof c->tls_key_file))
		verr(v, "tls.key_file", "path too long");
	else
		c->tls_key = read_pem(v, "tls.key_file", c->tls_key_file);
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: cannot read the configuration: %s\n", path,
			 strerror(errno));
		return NULL;
	}
	char *text = malloc(CCONF_MAX_FILE + 1);
	size_t n = text ? fread(text, 1, CCONF_MAX_FILE + 1, f) : 0;
	int bad = !text || ferror(f);
	fclose(f);
	if (bad || n > CCONF_MAX_FILE) {
		snprintf(err, errlen, "%s: cannot read the configuration: %s\n", path,
			 !text ? "out of memory"
			 : bad ? "read error (is it a folder?)"
			       : "larger than 4 MiB");
		free(text);
		return NULL;
	}
	text[n] = '\0';
	*len = n;
	return text;
}

int cconf_load(const char *path, cconf *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	c->max_body_bytes = 1L << 20;
	c->max_inflated_bytes = 8L << 20;
	c->max_batch_events = 10000;
	c->max_connections = 512;
	c->per_ip_connections = 256;
	c->connection_timeout_s = 30;
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
	size_t len = 0;
	char *text = read_file(path, &len, err, errlen);
	if (!text)
		return -1;
	vctx v = {path, text, len, err, errlen, 0, 0};
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s\n", path, je.line, je.column, je.text);
		v.nerr++;
		goto out;
	}
	if (!json_is_object(root)) {
		verr(&v, "(top)", "must be an object, not %s", type_name(root));
		goto out;
	}
	static const char *const keys[] = {"listen", "database", "admin_token_sha256",
					   "sites",  "limits",	 "cookie_secure",
					   "tls",    NULL};
	check_keys(&v, root, "", keys);
	char listen[300] = "";
	get_text(&v, root, "", "listen", listen, sizeof listen, 1);
	if (listen[0])
		parse_listen(&v, listen, c);
	get_text(&v, root, "", "database", c->database, sizeof c->database, 1);
	get_digest(&v, root, "", "admin_token_sha256", c->admin_sha256);
	const json_t *j = want(&v, root, "", "limits", JSON_OBJECT, 0);
	if (j)
		load_limits(&v, j, c);
	j = want(&v, root, "", "cookie_secure", JSON_TRUE, 0);
	if (j)
		c->cookie_secure = json_is_true(j);
	j = want(&v, root, "", "sites", JSON_ARRAY, 1);
	if (j)
		load_sites(&v, j, c);
	j = want(&v, root, "", "tls", JSON_OBJECT, 0);
	if (j)
		load_tls(&v, j, c);

	if (relative_to_config(path, c->database, sizeof c->database))
		verr(&v, "database", "path too long");
out:
	json_decref(root);
	free(text);
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

const cconf_site *cconf_site_find(const cconf *c, const char *id)
{
	for (int i = 0; i < c->nsites; i++)
		if (!strcmp(c->sites[i].id, id))
			return &c->sites[i];
	return NULL;
}
