/*
 * cstore_pg_conf — the PostgreSQL back end's part of the sites' managed
 * configuration (cstore.h, "the sites' managed configuration"): versions,
 * templates and enrolment codes, with the meaning of cstore_sqlite_conf.c
 * function by function.
 *
 * Tables (schema 2 of cstore_pg.c, created by its migration 1 -> 2):
 *
 *   site_config(site REFERENCES sites(id), version, author, created_ms,
 *           note, body, PRIMARY KEY(site, version)): every version ever
 *           saved
 *   config_templates(name text COLLATE "C" PRIMARY KEY, body, author,
 *           updated_ms)
 *   enrol_codes(code_sha256 bytea PRIMARY KEY, site REFERENCES sites(id),
 *           created_ms, expires_ms, used_ms): used_ms NULL until used
 *
 * Transactions (pg_tx, READ COMMITTED; each write ends with
 * pg_version_bump):
 *   - a new version locks its site's row first (SELECT … FOR UPDATE, as a
 *     batch does), then takes max(version) + 1 of that site: two saves at
 *     once, on one node or two, wait for each other and get two numbers.
 *     Sites are locked in the order given; two saves locking in opposite
 *     orders deadlock, and pg_tx runs the loser again.
 *   - using an enrolment code takes the sites' advisory lock (as every
 *     change of the sites, pg_sites_lock), reads and locks the code's row,
 *     reads the site's latest configuration, marks the code used, gives
 *     the site the new token digest and counts up sites_version
 *     (pg_sites_bump), all in one transaction; the configuration goes to
 *     the caller only after the commit. A code is never used without its
 *     token, nor twice, nor without a configuration to give.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cstore_pg.h"
#include "log.h"

const char pg_conf_schema[] =
    "CREATE TABLE site_config("
    " site bigint NOT NULL REFERENCES sites(id), version bigint NOT NULL,"
    " author text NOT NULL, created_ms bigint NOT NULL, note text NOT NULL DEFAULT '',"
    " body text NOT NULL, PRIMARY KEY(site, version));"
    "CREATE TABLE config_templates("
    " name text COLLATE \"C\" PRIMARY KEY, body text NOT NULL, author text NOT NULL,"
    " updated_ms bigint NOT NULL);"
    "CREATE TABLE enrol_codes("
    " code_sha256 bytea PRIMARY KEY, site bigint NOT NULL REFERENCES sites(id),"
    " created_ms bigint NOT NULL, expires_ms bigint NOT NULL, used_ms bigint);";

/* --- versions ----------------------------------------------------------------- */

typedef struct {
	const cstore_conf_new *v;
	size_t n;
	const char *author, *note;
	int64_t now_ms;
	int64_t *version;
} put_arg;

static int put_body(pgstore *st, pgconn *c, void *arg)
{
	(void)st;
	static const pgsql lock = {NULL, "t",
				   "SELECT id FROM sites WHERE name = $1 AND reg IS NOT NULL"
				   " FOR UPDATE"};
	static const pgsql add = {
	    NULL, "ititt",
	    "INSERT INTO site_config(site, version, author, created_ms, note, body)"
	    " SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5 FROM site_config"
	    " WHERE site = $1 RETURNING version"};
	put_arg *a = arg;
	int status = CSTORE_OK;
	for (size_t i = 0; status == CSTORE_OK && i < a->n; i++) {
		pgparams p = {0};
		pg_p_text(&p, a->v[i].site);
		PGresult *r = pg_run(c, &lock, &p, &status);
		if (!r)
			break;
		int found = PQntuples(r) == 1;
		int64_t sid = found ? pg_col_int(r, 0) : 0;
		PQclear(r);
		if (!found)
			return CSTORE_NOT_FOUND; /* not registered: nothing stored */
		pgparams q = {0};
		pg_p_int(&q, sid);
		pg_p_text(&q, a->author);
		pg_p_int(&q, a->now_ms);
		pg_p_text(&q, a->note ? a->note : "");
		pg_p_bytes(&q, a->v[i].body, a->v[i].len);
		r = pg_run(c, &add, &q, &status);
		if (!r)
			break;
		a->version[i] = PQntuples(r) == 1 ? pg_col_int(r, 0) : 0;
		PQclear(r);
		if (a->v[i].base && a->version[i] != a->v[i].base + 1)
			return CSTORE_CONFLICT; /* a save came in between: nothing stored */
	}
	if (status == CSTORE_OK)
		status = pg_version_bump(c);
	return status;
}

int pg_conf_put(cstore *base_, const cstore_conf_new *v, size_t n, const char *author,
		const char *note, int64_t now_ms, int64_t *version)
{
	put_arg a = {v, n, author, note, now_ms, version};
	return pg_tx((pgstore *)base_, put_body, &a);
}

typedef struct {
	cstore_conf_cb cb;
	void *ctx;
	long rows;
} conf_ctx;

/* A row (site, version, author, created_ms, note, body) to the callback. */
static int conf_row(void *ctx, const PGresult *r)
{
	conf_ctx *x = ctx;
	x->rows++;
	cstore_conf c = {
	    pg_col_text(r, 0), pg_col_int(r, 1),  pg_col_text(r, 2),	       pg_col_int(r, 3),
	    pg_col_text(r, 4), pg_col_text(r, 5), (size_t)PQgetlength(r, 0, 5)};
	return x->cb(x->ctx, &c);
}

int pg_conf_get(cstore *base_, const char *site, int64_t version, cstore_conf_cb cb, void *ctx)
{
	static const pgsql q = {
	    NULL, "ti",
	    "SELECT s.name, c.version, c.author, c.created_ms, c.note, c.body"
	    " FROM site_config c JOIN sites s ON s.id = c.site WHERE s.name = $1"
	    " AND ($2 = 0 OR c.version = $2) ORDER BY c.version DESC LIMIT 1"};
	pgparams p = {0};
	pg_p_text(&p, site);
	pg_p_int(&p, version);
	conf_ctx x = {cb, ctx, 0};
	int status = pg_read((pgstore *)base_, &q, &p, conf_row, &x);
	if (status != CSTORE_OK)
		log_error("reading the configuration of %s: status %d", site, status);
	else if (x.rows == 0)
		status = CSTORE_NOT_FOUND;
	return status;
}

int pg_conf_versions(cstore *base_, const char *site, cstore_conf_cb cb, void *ctx)
{
	static const pgsql q = {NULL, "t",
				"SELECT s.name, c.version, c.author, c.created_ms, c.note, ''"
				" FROM site_config c JOIN sites s ON s.id = c.site"
				" WHERE s.name = $1 ORDER BY c.version DESC"};
	pgparams p = {0};
	pg_p_text(&p, site);
	conf_ctx x = {cb, ctx, 0};
	int status = pg_read((pgstore *)base_, &q, &p, conf_row, &x);
	if (status != CSTORE_OK)
		log_error("reading the configuration versions of %s: status %d", site, status);
	return status;
}

/* --- templates ------------------------------------------------------------------ */

typedef struct {
	const pgsql *q;
	const pgparams *p;
	int want_change; /* CSTORE_NOT_FOUND (rolled back) if q changed no row */
} one_arg;

/* One statement and the version bump, in one transaction. */
static int one_body(pgstore *st, pgconn *c, void *arg)
{
	(void)st;
	one_arg *a = arg;
	int64_t changed = 0;
	int status = pg_do(c, a->q, a->p, &changed);
	if (status == CSTORE_OK && a->want_change && changed == 0)
		return CSTORE_NOT_FOUND;
	if (status == CSTORE_OK)
		status = pg_version_bump(c);
	return status;
}

int pg_template_put(cstore *base_, const char *name, const char *body, size_t len,
		    const char *author, int64_t now_ms)
{
	static const pgsql q = {NULL, "ttti",
				"INSERT INTO config_templates(name, body, author, updated_ms)"
				" VALUES($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE"
				" SET body = excluded.body, author = excluded.author,"
				" updated_ms = excluded.updated_ms"};
	pgparams p = {0};
	pg_p_text(&p, name);
	pg_p_bytes(&p, body, len);
	pg_p_text(&p, author);
	pg_p_int(&p, now_ms);
	one_arg a = {&q, &p, 0};
	return pg_tx((pgstore *)base_, one_body, &a);
}

typedef struct {
	cstore_template_cb cb;
	void *ctx;
	long rows;
} template_ctx;

static int template_row(void *ctx, const PGresult *r)
{
	template_ctx *x = ctx;
	x->rows++;
	cstore_template t = {pg_col_text(r, 0), pg_col_text(r, 1), pg_col_int(r, 2),
			     pg_col_text(r, 3), (size_t)PQgetlength(r, 0, 3)};
	return x->cb(x->ctx, &t);
}

int pg_template_get(cstore *base_, const char *name, cstore_template_cb cb, void *ctx)
{
	static const pgsql q = {NULL, "t",
				"SELECT name, author, updated_ms, body FROM config_templates"
				" WHERE name = $1"};
	pgparams p = {0};
	pg_p_text(&p, name);
	template_ctx x = {cb, ctx, 0};
	int status = pg_read((pgstore *)base_, &q, &p, template_row, &x);
	if (status != CSTORE_OK)
		log_error("reading the template %s: status %d", name, status);
	else if (x.rows == 0)
		status = CSTORE_NOT_FOUND;
	return status;
}

int pg_templates(cstore *base_, cstore_template_cb cb, void *ctx)
{
	static const pgsql q = {NULL, "",
				"SELECT name, author, updated_ms, body FROM config_templates"
				" ORDER BY name"};
	template_ctx x = {cb, ctx, 0};
	int status = pg_read((pgstore *)base_, &q, NULL, template_row, &x);
	if (status != CSTORE_OK)
		log_error("reading the templates: status %d", status);
	return status;
}

/* --- enrolment codes -------------------------------------------------------------- */

int pg_enrol_code_put(cstore *base_, const char *site, const unsigned char code_sha[32],
		      int64_t now_ms, int64_t expires_ms)
{
	static const pgsql q = {NULL, "tyii",
				"INSERT INTO enrol_codes(code_sha256, site, created_ms, expires_ms)"
				" SELECT $2, id, $3, $4 FROM sites WHERE name = $1"
				" AND reg IS NOT NULL"};
	pgparams p = {0};
	pg_p_text(&p, site);
	pg_p_bytes(&p, code_sha, 32);
	pg_p_int(&p, now_ms);
	pg_p_int(&p, expires_ms);
	one_arg a = {&q, &p, 1}; /* no row: the site is not registered */
	return pg_tx((pgstore *)base_, one_body, &a);
}

typedef struct {
	const unsigned char *code_sha, *token_sha;
	int64_t now_ms;
	char *site;
	size_t cap;
	int why;
	cstore_conf conf; /* the latest configuration, its strings owned here */
	char *author, *note, *body;
} use_arg;

static void use_free(use_arg *a)
{
	free(a->author);
	free(a->note);
	free(a->body);
	a->author = a->note = a->body = NULL;
}

/* The site's latest configuration (in this transaction) copied into a:
 * CSTORE_OK, or a->why CSTORE_ENROL_UNKNOWN if it has none. */
static int use_read_conf(pgconn *c, int64_t sid, use_arg *a)
{
	static const pgsql q = {NULL, "i",
				"SELECT version, author, created_ms, note, body FROM site_config"
				" WHERE site = $1 ORDER BY version DESC LIMIT 1"};
	pgparams p = {0};
	pg_p_int(&p, sid);
	int status;
	PGresult *r = pg_run(c, &q, &p, &status);
	if (!r)
		return status;
	if (PQntuples(r) != 1) {
		a->why = CSTORE_ENROL_UNKNOWN; /* no configuration: no good code */
		PQclear(r);
		return CSTORE_OK;
	}
	size_t len = (size_t)PQgetlength(r, 0, 4);
	a->conf = (cstore_conf){a->site, pg_col_int(r, 0), NULL, pg_col_int(r, 2), NULL, NULL, len};
	a->author = strdup(pg_col_text(r, 1));
	a->note = strdup(pg_col_text(r, 3));
	a->body = malloc(len + 1);
	if (!a->author || !a->note || !a->body) {
		status = CSTORE_ERROR;
		log_error("using an enrolment code: out of memory");
	} else {
		memcpy(a->body, PQgetvalue(r, 0, 4), len);
		a->body[len] = '\0';
	}
	PQclear(r);
	return status;
}

static int use_body(pgstore *st, pgconn *c, void *arg)
{
	(void)st;
	static const pgsql find = {NULL, "y",
				   "SELECT s.id, s.name, c.expires_ms, c.used_ms IS NOT NULL,"
				   " s.enabled FROM enrol_codes c JOIN sites s ON s.id = c.site"
				   " WHERE c.code_sha256 = $1 FOR UPDATE OF c"};
	static const pgsql use = {NULL, "yi",
				  "UPDATE enrol_codes SET used_ms = $2 WHERE code_sha256 = $1"};
	static const pgsql tok = {
	    NULL, "iyi", "UPDATE sites SET token_sha256 = $2, updated_ms = $3 WHERE id = $1"};
	use_arg *a = arg;
	a->why = 0;
	a->site[0] = '\0';
	use_free(a); /* from an earlier run of this transaction */
	int status = pg_sites_lock(c);
	if (status != CSTORE_OK)
		return status;
	pgparams p = {0};
	pg_p_bytes(&p, a->code_sha, 32);
	PGresult *r = pg_run(c, &find, &p, &status);
	if (!r)
		return status;
	int64_t sid = 0;
	if (PQntuples(r) != 1) {
		a->why = CSTORE_ENROL_UNKNOWN;
	} else {
		sid = pg_col_int(r, 0);
		snprintf(a->site, a->cap, "%s", pg_col_text(r, 1));
		a->why = !strcmp(pg_col_text(r, 3), "t") ? CSTORE_ENROL_USED
			 : pg_col_int(r, 2) <= a->now_ms ? CSTORE_ENROL_EXPIRED
			 : !pg_col_int(r, 4)		 ? CSTORE_ENROL_UNKNOWN
							 : 0;
	}
	PQclear(r);
	/* the configuration the new box will run on, read in this transaction:
	 * if it cannot be read, the code stays good */
	if (!a->why)
		status = use_read_conf(c, sid, a);
	if (status != CSTORE_OK || a->why)
		return status != CSTORE_OK ? status : CSTORE_NOT_FOUND; /* nothing written */
	pgparams u = {0};
	pg_p_bytes(&u, a->code_sha, 32);
	pg_p_int(&u, a->now_ms);
	status = pg_do(c, &use, &u, NULL);
	if (status == CSTORE_OK) {
		pgparams t = {0};
		pg_p_int(&t, sid);
		pg_p_bytes(&t, a->token_sha, 32);
		pg_p_int(&t, a->now_ms);
		status = pg_do(c, &tok, &t, NULL);
	}
	/* the running servers read the sites again and take the new token */
	if (status == CSTORE_OK)
		status = pg_sites_bump(c);
	return status;
}

int pg_enrol_use(cstore *base_, const unsigned char code_sha[32], const unsigned char token_sha[32],
		 int64_t now_ms, char *site, size_t cap, int *why, cstore_conf_cb cb, void *ctx)
{
	use_arg a = {.code_sha = code_sha,
		     .token_sha = token_sha,
		     .now_ms = now_ms,
		     .site = site,
		     .cap = cap};
	int status = pg_tx((pgstore *)base_, use_body, &a);
	*why = status == CSTORE_NOT_FOUND ? a.why : 0;
	if (status == CSTORE_OK) {
		a.conf.author = a.author;
		a.conf.note = a.note;
		a.conf.body = a.body;
		cb(ctx, &a.conf);
	} else {
		site[0] = '\0';
	}
	use_free(&a);
	return status;
}
