/*
 * cstore_pg — the PostgreSQL implementation of cstore.h (libpq), chosen
 * by a database string "postgresql://…" or "postgres://…". Same meaning
 * as cstore_sqlite.c, function by function; what differs is said here.
 *
 * Schema (version 4 of this back end; meta('schema') holds the version):
 *
 *   meta(key PRIMARY KEY, value bigint): 'schema'; 'version', counted up
 *           by every write transaction (cstore_version); 'sites_version',
 *           counted up by every change of the sites; 'sites_imported'
 *   sites, site_health, events, tickets, profiles, labels, desk_spans:
 *           the tables, columns, keys and indexes of cstore_sqlite.c's
 *           schema 5, with bigint times and seqs, bytea token digests and
 *           bigint identity ids. Text that is compared or ordered (site
 *           names, event and ticket UUIDs, days, codes, kinds and ids of
 *           labels) is COLLATE "C": byte order, as SQLite's, whatever the
 *           database's locale (whose comparisons in the unique indexes
 *           made ingest about a third slower here). Since schema 4 an
 *           event's site is not a foreign key (schema_4 says why).
 *   accounts, sessions, api_tokens, audit (cstore_pg_people.c) and
 *           site_config, config_templates, enrol_codes (cstore_pg_conf.c):
 *           schema 2, each file's header says its tables.
 *   day_aggs, day_counts, month_aggs, month_counts, day_totals, day_cats
 *           (cstore_pg_aggkeep.c): schema 3, the per-day aggregates of
 *           SQLite's schema 6, kept in the transaction that changes the
 *           tickets: a batch notes its tickets before and after its facts
 *           in a temporary table of the connection and applies the
 *           difference before its commit; the update from schema 2 counts
 *           them from the tickets held. The reports read them
 *           (cstore_pg_agg.c).
 *   month_totals (cstore_pg_aggkeep.c): schema 5, per (month, site) what
 *           day_totals is per (day, site), PostgreSQL's own: filled from
 *           the month rows held.
 *
 * Migrations: the list migrations[] below, one entry per version (entry i
 * brings version i to i + 1), run at open in one transaction under an
 * advisory lock, so two processes opening a new database at once do not
 * both create it: the second waits, then finds it done. A database of a
 * newer schema is refused rather than misread. The next version is one
 * more entry.
 *
 * Transactions: each write is one transaction (pg_tx) in READ COMMITTED.
 * A batch begins by locking its site's row (SELECT … FOR UPDATE, the row
 * made first if the site never sent): a second batch of the same site,
 * on this process or another node, waits there, then reads the first's
 * events as held: exactly once per (site, seq) across nodes. An event's
 * UUID is unique across sites (a unique index); a batch whose event hits
 * it is refused whole (CONFLICT), naming no other site. Changes of the
 * sites take an advisory lock, so their order of registration (reg) is
 * drawn by one at a time. Every write transaction counts meta's 'version'
 * up as its last statement (the row is held only until the commit). A
 * batch notes its tickets before and after its facts, in its pipeline
 * (pg_agg_notes_send, pg_agg_spans_send), and applies that to the
 * aggregates (pg_agg_flush), in its transaction: rolled back with it.
 * The rebuild counts every aggregate again at its end
 * (pg_agg_count_all). Serialization failures and deadlocks (40001,
 * 40P01) run the transaction again, at most PG_TRIES times, then
 * CSTORE_BUSY.
 *
 * Connections: at most PG_CONNS open (cstore_pg.h; a call that finds
 * them all in use waits up to busy_timeout_ms, then CSTORE_BUSY), at most
 * PG_POOL of them kept idle; each call takes one. A connection the server
 * dropped (a restart: SQLSTATE class 08, 57P01-57P03, or libpq's
 * CONNECTION_BAD, also when libpq's own error is the first sign: a crash)
 * ends the call with CSTORE_BUSY (503 + Retry-After)
 * unless nothing was done yet (then the call runs once more on a new
 * connection); it is closed with every idle one, and the next call
 * connects again: central recovers by itself once
 * the server is back. A lock not had within busy_timeout_ms (lock_timeout
 * of each connection, 55P03) is CSTORE_BUSY; a full disk (53100)
 * CSTORE_FULL. No statement timeout: a report of a year may take time.
 *
 * Durability: the server's (synchronous_commit on, the default): a batch
 * is acknowledged after its commit returned.
 *
 * Access: the database string names a PostgreSQL role; who may read the
 * events is PostgreSQL's business (roles, pg_hba.conf), not file modes as
 * for SQLite (own_files). The string is never logged: it may hold a
 * password.
 *
 * Facts: fact_sql of cstore_sqlite.c in PostgreSQL's words (INSERT … ON
 * CONFLICT … DO UPDATE), bound the same way by fact_apply at rebuild; at
 * ingest a batch's ticket facts go set-based, with the same meaning
 * (cstore_pg_batch.c), its desk facts through fact_sql. The rebuild
 * reads each event's text again through the codec (cstore_codec), which
 * also gives the served outcome fields; ingest compares a resent event
 * with batch.same. No JSON here.
 */
#include "cstore_pg.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define PG_TRIES 4

/* Advisory lock keys ("loket" and a number). */
#define LOCK_SCHEMA "7813586727424001"
#define LOCK_SITES  "7813586727424002"

/* Type OIDs (catalog/pg_type.h, stable across versions). */
#define OID_BOOL  16
#define OID_BYTEA 17
#define OID_INT8  20
#define OID_INT4  23
#define OID_TEXT  25
#define OID_INT4_ARRAY 1007
#define OID_TEXT_ARRAY 1009
#define OID_INT8_ARRAY 1016
#define OID_TEXTS      OID_TEXT_ARRAY /* text[], sent as text ('a') */

/* --- the schema and its migrations ---------------------------------------- */

static const char schema_1[] =
    "CREATE TABLE sites("
    " id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " name text COLLATE \"C\" NOT NULL UNIQUE,"
    " acked_through bigint NOT NULL DEFAULT 0, events bigint NOT NULL DEFAULT 0,"
    " last_sync_ms bigint NOT NULL DEFAULT 0, title text, token_sha256 bytea,"
    " enabled integer NOT NULL DEFAULT 1, created_ms bigint, updated_ms bigint, reg bigint);"
    "CREATE UNIQUE INDEX sites_token ON sites(token_sha256) WHERE token_sha256 IS NOT NULL;"
    "CREATE UNIQUE INDEX sites_reg ON sites(reg) WHERE reg IS NOT NULL;"
    "CREATE TABLE site_health("
    " site bigint PRIMARY KEY REFERENCES sites(id), received_ms bigint NOT NULL,"
    " offset_ms bigint, body text NOT NULL);"
    "CREATE TABLE events("
    " site bigint NOT NULL REFERENCES sites(id), seq bigint NOT NULL,"
    " uuid text COLLATE \"C\" NOT NULL UNIQUE, type text NOT NULL, at text, at_ms bigint,"
    " ticket text, code text, category text, from_category text, lang text, desk integer,"
    " body text NOT NULL, received_ms bigint NOT NULL, unread text,"
    " PRIMARY KEY(site, seq));"
    "CREATE INDEX events_unread ON events(site) WHERE unread IS NOT NULL;"
    "CREATE TABLE tickets("
    " site bigint NOT NULL, ticket text COLLATE \"C\" NOT NULL,"
    " code text COLLATE \"C\" NOT NULL DEFAULT '',"
    " day text COLLATE \"C\" NOT NULL DEFAULT '', category text NOT NULL DEFAULT '',"
    " first_category text NOT NULL DEFAULT '', lang text NOT NULL DEFAULT '',"
    " issued_at text, issued_ms bigint, called_at text, called_ms bigint,"
    " last_called_ms bigint, finished_at text, finished_ms bigint, outcome text,"
    " desk integer, calls integer NOT NULL DEFAULT 0, transfers integer NOT NULL DEFAULT 0,"
    " served_outcome text, referred_to text, topics text, first_visit integer,"
    " PRIMARY KEY(site, ticket));"
    "CREATE INDEX tickets_day ON tickets(day, site);"
    "CREATE TABLE profiles("
    " site bigint PRIMARY KEY REFERENCES sites(id), name text NOT NULL,"
    " languages text NOT NULL, body text NOT NULL, received_ms bigint NOT NULL);"
    "CREATE TABLE labels("
    " site bigint NOT NULL REFERENCES sites(id), kind text COLLATE \"C\" NOT NULL,"
    " id text COLLATE \"C\" NOT NULL, lang text COLLATE \"C\" NOT NULL, label text NOT NULL,"
    " received_ms bigint NOT NULL, PRIMARY KEY(site, kind, id, lang));"
    "CREATE TABLE desk_spans("
    " site bigint NOT NULL, desk integer NOT NULL, day text COLLATE \"C\" NOT NULL,"
    " opened_seq bigint NOT NULL, opened_at text NOT NULL, opened_ms bigint NOT NULL,"
    " closed_seq bigint, closed_at text, closed_ms bigint, staffed_ms bigint,"
    " PRIMARY KEY(site, opened_seq));"
    "CREATE UNIQUE INDEX desk_spans_open ON desk_spans(site, desk) WHERE closed_seq IS NULL;"
    "CREATE INDEX desk_spans_day ON desk_spans(day, site);"
    "INSERT INTO meta VALUES('version', 0), ('sites_version', 0) ON CONFLICT DO NOTHING;";

/* Schema 4: an event's site is no foreign key any more. Its check was a
 * query per event row (PostgreSQL's RI trigger: SELECT … FOR KEY SHARE of
 * the site), about a sixth of the server's time at ingest (perf). The one
 * writer of events, a batch, takes its site's id from the site's row it
 * holds locked (FOR UPDATE), and no site is ever deleted, so every event
 * names a site without it. Idempotent: it follows schema 3 whatever 3 is. */
static const char schema_4[] = "ALTER TABLE events DROP CONSTRAINT IF EXISTS events_site_fkey";

/* migrations[i] brings schema i to i + 1 (0: a new database): its
 * statements in order, up to a NULL. */
static const char *const schema_1_steps[] = {schema_1, NULL};
static const char *const schema_2_steps[] = {pg_people_schema, pg_conf_schema, NULL};
static const char *const schema_3_steps[] = {pg_agg_schema, NULL};
static const char *const schema_4_steps[] = {schema_4, NULL};
static const char *const schema_5_steps[] = {pg_agg_schema_5, NULL};
static const char *const *const migrations[] = {schema_1_steps, schema_2_steps, schema_3_steps,
						schema_4_steps, schema_5_steps};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* --- statements ---------------------------------------------------------- */

/* The fact each event type derives, as fact_sql of cstore_sqlite.c.
 * Ticket events: $1 site $2 ticket $3 code $4 day (the event's "day", else
 * the date of "at") $5 category $6 lang $7 at $8 at_ms $9 desk (NULL if
 * none) $10 true when the event names its day, served: $11 served_outcome
 * $12 referred_to $13 topics $14 first_visit. Desk events: $1 site $2 desk
 * $3 seq $4 day $5 at $6 at_ms. */
#define TK_TYPES  "ittttttinbtttn"
#define DSK_TYPES "initti"
#define TK_DAY	  ", day = CASE WHEN $10 THEN $4 ELSE tickets.day END"
#define TK_INSERT "INSERT INTO tickets(site, ticket, code, day, category, first_category, lang"
#define TK_VALUES "VALUES($1, $2, $3, $4, $5, $5, $6"
#define TK_FINISH(outcome)                                                                         \
	TK_INSERT ", finished_at, finished_ms, outcome, desk) " TK_VALUES ", $7, $8, '" outcome    \
		  "', $9) ON CONFLICT(site, ticket) DO UPDATE"                                     \
		  " SET finished_at = $7, finished_ms = $8, outcome = '" outcome "',"              \
		  " desk = coalesce($9, tickets.desk)" TK_DAY
static const pgsql fact_sql[EV_TYPE_COUNT] = {
    [EV_TICKET_ISSUED] = {"fx_issued", TK_TYPES,
			  TK_INSERT ", issued_at, issued_ms) " TK_VALUES
				    ", $7, $8) ON CONFLICT(site, ticket) DO UPDATE"
				    " SET code = $3, day = $4, category = $5, first_category = $5,"
				    " lang = $6, issued_at = $7, issued_ms = $8"},
    [EV_TICKET_CALLED] = {"fx_called", TK_TYPES,
			  TK_INSERT
			  ", called_at, called_ms, last_called_ms, desk, calls) " TK_VALUES
			  ", $7, $8, $8, $9, 1) ON CONFLICT(site, ticket) DO UPDATE"
			  " SET called_at = coalesce(tickets.called_at, $7),"
			  " called_ms = coalesce(tickets.called_ms, $8),"
			  " last_called_ms = $8, desk = $9, calls = tickets.calls + 1,"
			  " category = $5" TK_DAY},
    [EV_TICKET_RECALLED] = {"fx_recalled", TK_TYPES,
			    TK_INSERT
			    ", desk) " TK_VALUES
			    ", $9) ON CONFLICT(site, ticket) DO UPDATE SET desk = $9" TK_DAY},
    [EV_TICKET_SERVED] = {"fx_served", TK_TYPES,
			  TK_INSERT ", finished_at, finished_ms, outcome, desk, served_outcome,"
				    " referred_to, topics, first_visit) " TK_VALUES
				    ", $7, $8, 'served', $9, $11, $12, $13, $14)"
				    " ON CONFLICT(site, ticket) DO UPDATE"
				    " SET finished_at = $7, finished_ms = $8, outcome = 'served',"
				    " desk = $9, served_outcome = $11, referred_to = $12,"
				    " topics = $13, first_visit = $14" TK_DAY},
    [EV_TICKET_NO_SHOW] = {"fx_no_show", TK_TYPES,
			   TK_INSERT ", finished_at, finished_ms, outcome, desk) " TK_VALUES
				     ", $7, $8, 'no_show', $9) ON CONFLICT(site, ticket) DO UPDATE"
				     " SET finished_at = $7, finished_ms = $8, outcome = 'no_show',"
				     " desk = $9" TK_DAY},
    [EV_TICKET_CANCELLED] = {"fx_cancelled", TK_TYPES, TK_FINISH("cancelled")},
    [EV_TICKET_TRANSFERRED] = {"fx_transferred", TK_TYPES,
			       TK_INSERT
			       ", transfers) " TK_VALUES
			       ", 1) ON CONFLICT(site, ticket) DO UPDATE SET category = $5,"
			       " transfers = tickets.transfers + 1, desk = NULL" TK_DAY},
    [EV_TICKET_EXPIRED] = {"fx_expired", TK_TYPES, TK_FINISH("expired")},
    /* A second opening of an open desk changes nothing. */
    [EV_DESK_OPENED] = {"fx_desk_opened", DSK_TYPES,
			"INSERT INTO desk_spans(site, desk, day, opened_seq, opened_at, opened_ms)"
			" SELECT $1, $2, $4, $3, $5, $6 WHERE NOT EXISTS(SELECT 1 FROM desk_spans"
			" WHERE site = $1 AND desk = $2 AND closed_seq IS NULL)"},
    /* A closing without an open span changes nothing; at most 24 h. */
    [EV_DESK_CLOSED] = {"fx_desk_closed", DSK_TYPES,
			"UPDATE desk_spans SET closed_seq = $3, closed_at = $5, closed_ms = $6,"
			" staffed_ms = greatest(0, least($6 - opened_ms, 86400000))"
			" WHERE site = $1 AND desk = $2 AND closed_seq IS NULL"},
};

/* The statements of a batch, prepared on each connection. */
static const pgsql q_site_lock = {"site_lock", "t",
				  "SELECT id, acked_through FROM sites WHERE name = $1 FOR UPDATE"};
static const pgsql q_site_new = {
    "site_new", "t", "INSERT INTO sites(name) VALUES($1) ON CONFLICT (name) DO NOTHING"};
static const pgsql q_site_set = {"site_set", "iiii",
				 "UPDATE sites SET acked_through = $2, events = events + $3,"
				 " last_sync_ms = $4 WHERE id = $1"};
static const pgsql q_ev_range = {"ev_range", "iii",
				 "SELECT seq, body FROM events WHERE site = $1"
				 " AND seq BETWEEN $2 AND $3 ORDER BY seq"};
static const pgsql q_ev_put = {
    "ev_put", "iitttitttttntit",
    "INSERT INTO events(site, seq, uuid, type, at, at_ms, ticket, code,"
    " category, from_category, lang, desk, body, received_ms, unread)"
    " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
    " $15) ON CONFLICT DO NOTHING"};
static const pgsql q_ev_by_uuid = {
    "ev_by_uuid", "t",
    "SELECT s.name, e.seq FROM events e JOIN sites s ON s.id = e.site"
    " WHERE e.uuid = $1"};
static const pgsql q_version_bump = {"version_bump", "",
				     "UPDATE meta SET value = value + 1 WHERE key = 'version'"};
static const pgsql q_version = {"version", "", "SELECT value FROM meta WHERE key = 'version'"};

static const pgsql *const prepared[] = {&q_site_lock, &q_site_new,   &q_site_set, &q_ev_range,
					&q_ev_put,    &q_ev_by_uuid, &q_version,  &q_version_bump};

/* --- parameters and columns ------------------------------------------------ */

static void p_add(pgparams *p, const char *v, int len, int fmt)
{
	assert(p->n < PG_PARAMS);
	p->v[p->n] = v;
	p->len[p->n] = len;
	p->fmt[p->n] = fmt;
	p->n++;
}

void pg_p_null(pgparams *p)
{
	p_add(p, NULL, 0, 0);
}

void pg_p_text(pgparams *p, const char *s)
{
	p_add(p, s, 0, 0);
}

void pg_p_bytes(pgparams *p, const void *b, size_t len)
{
	assert(len <= INT32_MAX);
	p_add(p, b, (int)len, 1);
}

void pg_p_int(pgparams *p, int64_t x)
{
	assert(p->n < PG_PARAMS);
	snprintf(p->num[p->n], sizeof p->num[0], "%lld", (long long)x);
	p_add(p, p->num[p->n], 0, 0);
}

void pg_p_text_or_null(pgparams *p, const char *s)
{
	if (s[0])
		pg_p_text(p, s);
	else
		pg_p_null(p);
}

const char *pg_col_text(const PGresult *r, int i)
{
	return PQgetisnull(r, 0, i) ? "" : PQgetvalue(r, 0, i);
}

int64_t pg_col_int(const PGresult *r, int i)
{
	return PQgetisnull(r, 0, i) ? 0 : strtoll(PQgetvalue(r, 0, i), NULL, 10);
}

int64_t pg_col_ms(const PGresult *r, int i)
{
	return PQgetisnull(r, 0, i) ? -1 : strtoll(PQgetvalue(r, 0, i), NULL, 10);
}

int64_t pg_be_int(const unsigned char *b, int n)
{
	uint64_t v = 0;
	for (int k = 0; k < n; k++)
		v = v << 8 | b[k];
	/* two's complement, network order: sign-extend from n bytes */
	if (n < 8 && (b[0] & 0x80))
		v |= ~(uint64_t)0 << (8 * n);
	return (int64_t)v;
}

int64_t pg_bin_int(const PGresult *r, int i)
{
	if (PQgetisnull(r, 0, i))
		return 0;
	int n = PQgetlength(r, 0, i);
	if (n != 2 && n != 4 && n != 8)
		return 0;
	return pg_be_int((const unsigned char *)PQgetvalue(r, 0, i), n);
}

const unsigned char *pg_bin_bytes(const PGresult *r, int i, size_t *len)
{
	*len = PQgetisnull(r, 0, i) ? 0 : (size_t)PQgetlength(r, 0, i);
	return (const unsigned char *)(PQgetisnull(r, 0, i) ? "" : PQgetvalue(r, 0, i));
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int pg_col_sha256(const PGresult *r, int i, unsigned char out[32])
{
	const char *hex = pg_col_text(r, i);
	if (strlen(hex) != 64)
		return -1;
	for (int k = 0; k < 32; k++) {
		int hi = hex_digit(hex[2 * k]), lo = hex_digit(hex[2 * k + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[k] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* The types of q as OIDs; the count. */
static int oids_of(const pgsql *q, Oid *oid)
{
	int n = 0;
	for (const char *t = q->types; *t; t++, n++) {
		assert(n < PG_PARAMS);
		switch (*t) {
		case 'i': oid[n] = OID_INT8; break;
		case 'n': oid[n] = OID_INT4; break;
		case 't': oid[n] = OID_TEXT; break;
		case 'b': oid[n] = OID_BOOL; break;
		case 'y': oid[n] = OID_BYTEA; break;
		case 'I': oid[n] = OID_INT8_ARRAY; break;
		case 'N': oid[n] = OID_INT4_ARRAY; break;
		case 'T': oid[n] = OID_TEXT_ARRAY; break;
		case 'a': oid[n] = OID_TEXTS; break;
		default: assert(!"unknown parameter type");
		}
	}
	return n;
}

/* --- errors ------------------------------------------------------------------ */

/* What a failed statement means, from its SQLSTATE and the connection. */
static int classify(PGconn *conn, const PGresult *r)
{
	if (PQstatus(conn) == CONNECTION_BAD)
		return PGX_LOST;
	const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (!s) {
		/* libpq's own error, not the server's. After an immediate
		 * shutdown or a crash of the server, the first statement on a
		 * pooled connection fails writing ("server closed the connection
		 * unexpectedly") while the status still says CONNECTION_OK:
		 * reading tells (it finds the end of the stream and marks the
		 * connection bad). */
		if (!PQconsumeInput(conn) || PQstatus(conn) == CONNECTION_BAD)
			return PGX_LOST;
		return CSTORE_ERROR;
	}
	if (!strncmp(s, "08", 2) || !strcmp(s, "57P01") || !strcmp(s, "57P02") ||
	    !strcmp(s, "57P03"))
		return PGX_LOST;
	if (!strcmp(s, "40001") || !strcmp(s, "40P01"))
		return PGX_RETRY;
	if (!strcmp(s, "55P03") || !strcmp(s, "57014"))
		return CSTORE_BUSY; /* lock_timeout, or a cancel */
	if (!strcmp(s, "53100"))
		return CSTORE_FULL;
	if (!strncmp(s, "53", 2))
		return CSTORE_BUSY; /* out of connections or memory: for now */
	if (!strcmp(s, "23505"))
		return CSTORE_CONFLICT;
	return CSTORE_ERROR;
}

/* Keeps the error of r (or the connection's) in c, one line. */
static void keep_error(pgconn *c, const PGresult *r)
{
	const char *m = r ? PQresultErrorMessage(r) : "";
	if (!m[0])
		m = PQerrorMessage(c->conn);
	snprintf(c->err, sizeof c->err, "%s", m);
	char *nl = strchr(c->err, '\n');
	if (nl)
		*nl = '\0';
}

static int failed(pgconn *c, const PGresult *r, const char *what)
{
	int status = classify(c->conn, r);
	keep_error(c, r);
	if (status == PGX_LOST)
		c->lost = 1;
	if (status == CSTORE_ERROR || status == CSTORE_FULL)
		log_error("PostgreSQL: %s: %s", what, c->err);
	return status;
}

PGresult *pg_run(pgconn *c, const pgsql *q, const pgparams *p, int *status)
{
	static const pgparams none;
	if (!p)
		p = &none;
	PGresult *r;
	if (q->name) {
		r = PQexecPrepared(c->conn, q->name, p->n, p->v, p->len, p->fmt, 0);
	} else {
		Oid oid[PG_PARAMS];
		int n = oids_of(q, oid);
		assert(n == p->n);
		r = PQexecParams(c->conn, q->sql, n, oid, p->v, p->len, p->fmt, 0);
	}
	ExecStatusType t = PQresultStatus(r);
	if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK) {
		*status = CSTORE_OK;
		return r;
	}
	*status = failed(c, r, q->name ? q->name : q->sql);
	PQclear(r);
	return NULL;
}

int pg_do(pgconn *c, const pgsql *q, const pgparams *p, int64_t *changed)
{
	int status;
	PGresult *r = pg_run(c, q, p, &status);
	if (r && changed)
		*changed = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return status;
}

/* A statement without parameters (BEGIN, COMMIT, LOCK, …). */
static int simple(pgconn *c, const char *sql)
{
	PGresult *r = PQexec(c->conn, sql);
	ExecStatusType t = PQresultStatus(r);
	int status = CSTORE_OK;
	if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK)
		status = failed(c, r, sql);
	PQclear(r);
	return status;
}

int pg_exec(pgconn *c, const char *sql)
{
	return simple(c, sql);
}

int pg_failed(pgconn *c, const PGresult *r, const char *what)
{
	return failed(c, r, what);
}

int pg_version_bump(pgconn *c)
{
	return pg_do(c, &q_version_bump, NULL, NULL);
}

/* --- connections ------------------------------------------------------------- */

/* Prepares statement q on conn: 1, or 0 with the reason in err. */
static int prepare_one(PGconn *conn, const pgsql *q, char *err, size_t errlen)
{
	Oid oid[PG_PARAMS];
	int n = oids_of(q, oid);
	PGresult *r = PQprepare(conn, q->name, q->sql, n, oid);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		snprintf(err, errlen, "PostgreSQL: cannot prepare %s: %s", q->name,
			 PQresultErrorMessage(r));
	PQclear(r);
	return ok;
}

/* The server's notices (NOTICE, WARNING: "relation meta already exists,
 * skipping" at every start) are not printed on stderr by libpq, where they
 * read as a fault after every command of the CLI; warnings go to the log. */
static void on_notice(void *arg, const PGresult *r)
{
	(void)arg;
	const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	if (sev && strcmp(sev, "NOTICE") && strcmp(sev, "DEBUG") && strcmp(sev, "INFO") &&
	    strcmp(sev, "LOG"))
		log_warn("PostgreSQL: %s", PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
}

/* A new connection to st->uri with the session's settings, and the
 * statements of a batch prepared if prepare. NULL with err on failure. */
static PGconn *conn_open(pgstore *st, int prepare, char *err, size_t errlen)
{
	/* The URI's own settings come after these defaults, and win (an
	 * "options" in the URI replaces these options whole). The session
	 * runs no parallel workers and no JIT: central's statements are
	 * short (a batch, a page's read of thousands of rows), and on the
	 * bench (five years of 700 sites, 2 cores) a year's month totals
	 * spent 60 of their 95 ms starting two workers and gathering from
	 * them, and a misestimated read 130 ms compiling (JIT). */
	const char *const keys[] = {"fallback_application_name", "connect_timeout", "options",
				    "dbname", NULL};
	const char *const vals[] = {
	    "loket-central", "5", "-c jit=off -c max_parallel_workers_per_gather=0", st->uri, NULL};
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		snprintf(err, errlen, "cannot connect to PostgreSQL: %s",
			 conn ? PQerrorMessage(conn) : "out of memory");
		char *nl = strchr(err, '\n');
		if (nl)
			*nl = '\0';
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeReceiver(conn, on_notice, NULL);
	const char *enc = PQparameterStatus(conn, "server_encoding");
	if (!enc || strcmp(enc, "UTF8")) {
		snprintf(err, errlen,
			 "the PostgreSQL database is not UTF8 (it is %s): create it "
			 "with ENCODING 'UTF8'",
			 enc ? enc : "unknown");
		PQfinish(conn);
		return NULL;
	}
	char ms[32];
	snprintf(ms, sizeof ms, "%dms", st->busy_ms);
	const char *v[] = {ms};
	PGresult *r = PQexecParams(conn, "SELECT set_config('lock_timeout', $1, false)", 1, NULL, v,
				   NULL, NULL, 0);
	int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQsetClientEncoding(conn, "UTF8") == 0 &&
		 pg_agg_session(conn) == 0;
	PQclear(r);
	const size_t nprep = sizeof prepared / sizeof prepared[0];
	size_t nbatch = 0; /* set once the batch's are prepared */
	for (size_t i = 0; ok && prepare; i++) {
		const pgsql *q = i < nprep ? prepared[i]
				 : i < nprep + EV_TYPE_COUNT
				     ? &fact_sql[i - nprep]
				     : pg_batch_statement(i - nprep - EV_TYPE_COUNT);
		if (!q) {
			nbatch = i;
			break;
		}
		if (q->sql)
			ok = prepare_one(conn, q, err, errlen);
	}
	/* Then the aggregates' flush (cstore_pg_aggkeep.c). */
	for (size_t i = 0; ok && prepare && nbatch; i++) {
		const pgsql *q = pg_agg_statement(i);
		if (!q)
			break;
		ok = prepare_one(conn, q, err, errlen);
	}
	if (!ok) {
		if (!err[0])
			snprintf(err, errlen, "PostgreSQL: cannot set up a connection: %s",
				 PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

pgconn *pg_conn_get(pgstore *st, int *status)
{
	pgconn *c = NULL;
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += st->busy_ms / 1000;
	until.tv_nsec += (long)(st->busy_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	int fresh = 0, waited = 0;
	pthread_mutex_lock(&st->lock);
	while (!c && !fresh && !waited) {
		if (st->npool > 0)
			c = st->pool[--st->npool];
		else if (st->nopen < PG_CONNS)
			fresh = ++st->nopen;
		else /* all in use: wait for one, at most busy_timeout_ms */
			waited = pthread_cond_timedwait(&st->freed, &st->lock, &until) == ETIMEDOUT;
	}
	pthread_mutex_unlock(&st->lock);
	if (c)
		return c;
	if (!fresh) {
		*status = CSTORE_BUSY;
		return NULL;
	}
	char err[300] = "";
	c = calloc(1, sizeof *c);
	if (c && (c->conn = conn_open(st, 1, err, sizeof err)))
		return c;
	if (c)
		log_warn("%s", err);
	*status = c ? CSTORE_BUSY : CSTORE_ERROR; /* the server is down or full: later */
	free(c);
	pthread_mutex_lock(&st->lock);
	st->nopen--;
	pthread_cond_signal(&st->freed);
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

static void conn_close(pgconn *c)
{
	if (!c)
		return;
	PQfinish(c->conn);
	free(c);
}

void pg_conn_put(pgstore *st, pgconn *c)
{
	pgconn *drop[PG_POOL + 1] = {0};
	int ndrop = 0;
	int bad = c->lost || c->discard || PQstatus(c->conn) != CONNECTION_OK ||
		  PQtransactionStatus(c->conn) != PQTRANS_IDLE;
	pthread_mutex_lock(&st->lock);
	if (c->lost) {
		/* The server went away: the idle ones went with it. */
		while (st->npool > 0)
			drop[ndrop++] = st->pool[--st->npool];
	}
	if (!bad && st->npool < PG_POOL) {
		c->err[0] = '\0';
		st->pool[st->npool++] = c;
		c = NULL;
	}
	st->nopen -= ndrop + (c != NULL);
	pthread_cond_broadcast(&st->freed);
	pthread_mutex_unlock(&st->lock);
	if (c && c->lost)
		log_warn("PostgreSQL: connection lost (%s); %d idle ones closed with it, the next "
			 "calls connect again",
			 c->err, ndrop);
	for (int i = 0; i < ndrop; i++)
		conn_close(drop[i]);
	conn_close(c);
}

/* --- transactions and reads ---------------------------------------------------- */

int pg_tx(pgstore *st, pg_body body, void *arg)
{
	int status = CSTORE_BUSY;
	for (int attempt = 0; attempt < PG_TRIES; attempt++) {
		pgconn *c = pg_conn_get(st, &status);
		if (!c)
			return status;
		int committing = 0;
		status = simple(c, "BEGIN");
		if (status == CSTORE_OK)
			status = body(st, c, arg);
		if (status == CSTORE_OK) {
			committing = 1;
			PGresult *r = PQexec(c->conn, "COMMIT");
			if (PQresultStatus(r) != PGRES_COMMAND_OK)
				status = failed(c, r, "COMMIT");
			else if (strcmp(PQcmdStatus(r), "COMMIT"))
				status = CSTORE_ERROR; /* rolled back: cannot be */
			PQclear(r);
		} else if (!c->lost) {
			simple(c, "ROLLBACK");
		}
		pg_conn_put(st, c);
		if (status == PGX_LOST && committing)
			return CSTORE_BUSY; /* it may have committed: the sender asks again */
		if (status != PGX_RETRY && status != PGX_LOST)
			return status;
		log_info("PostgreSQL: %s: running the transaction again",
			 status == PGX_LOST ? "connection lost"
					    : "serialization failure or deadlock");
	}
	return CSTORE_BUSY;
}

int pg_read(pgstore *st, const pgsql *q, const pgparams *p, pg_row_cb row, void *ctx)
{
	static const pgparams none;
	if (!p)
		p = &none;
	int status = CSTORE_BUSY;
	for (int attempt = 0; attempt < 2; attempt++) {
		pgconn *c = pg_conn_get(st, &status);
		if (!c)
			return status;
		long rows = 0;
		int stop = 0, sent;
		status = CSTORE_OK;
		if (q->name) {
			sent = PQsendQueryPrepared(c->conn, q->name, p->n, p->v, p->len, p->fmt,
						   p->binary_result);
		} else {
			Oid oid[PG_PARAMS];
			int n = oids_of(q, oid);
			assert(n == p->n);
			sent = PQsendQueryParams(c->conn, q->sql, n, oid, p->v, p->len, p->fmt,
						 p->binary_result);
		}
		if (!sent)
			status = failed(c, NULL, q->name ? q->name : q->sql);
		else
			PQsetSingleRowMode(c->conn);
		PGresult *r;
		while (sent && (r = PQgetResult(c->conn))) {
			ExecStatusType t = PQresultStatus(r);
			if (t == PGRES_SINGLE_TUPLE) {
				rows++;
				if (!stop && row(ctx, r)) {
					/* Enough: the rest of the rows are not wanted.
					 * A cancel may come late and hit the next
					 * query: this connection is not used again. */
					stop = 1;
					c->discard = 1;
					PGcancel *k = PQgetCancel(c->conn);
					char e[128];
					if (k)
						PQcancel(k, e, sizeof e);
					PQfreeCancel(k);
				}
			} else if (t != PGRES_TUPLES_OK && t != PGRES_COMMAND_OK && !stop &&
				   status == CSTORE_OK) {
				status = failed(c, r, q->name ? q->name : q->sql);
			}
			PQclear(r);
		}
		pg_conn_put(st, c);
		if (status == PGX_LOST && rows == 0 && attempt == 0)
			continue; /* an idle connection the server dropped: once more */
		break;
	}
	return status < 0 ? CSTORE_BUSY : status;
}

/* --- open and close -------------------------------------------------------------- */

/* Creates the schema in a new database or brings an older one up to
 * SCHEMA_VERSION, in one transaction under an advisory lock. */
static int schema_update(PGconn *conn, char *err, size_t errlen)
{
	pgconn c = {.conn = conn};
	int version = 0;
	int status = simple(&c, "BEGIN");
	if (status == CSTORE_OK)
		status = simple(&c, "SELECT pg_advisory_xact_lock(" LOCK_SCHEMA ")");
	if (status == CSTORE_OK)
		status = simple(&c, "CREATE TABLE IF NOT EXISTS meta("
				    " key text COLLATE \"C\" PRIMARY KEY, value bigint NOT NULL)");
	if (status == CSTORE_OK) {
		PGresult *r = PQexec(conn, "SELECT value FROM meta WHERE key = 'schema'");
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			status = failed(&c, r, "reading the schema version");
		else if (PQntuples(r) == 1)
			version = (int)pg_col_int(r, 0);
		PQclear(r);
	}
	if (status == CSTORE_OK && version > SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "the PostgreSQL database was written by a newer loket-central (schema %d, "
			 "this one knows %d)",
			 version, SCHEMA_VERSION);
		simple(&c, "ROLLBACK");
		return -1;
	}
	for (int v = version; status == CSTORE_OK && v < SCHEMA_VERSION; v++) {
		for (int i = 0; status == CSTORE_OK && migrations[v][i]; i++)
			status = simple(&c, migrations[v][i]);
		if (status == CSTORE_OK)
			log_info("PostgreSQL: schema %d -> %d", v, v + 1);
	}
	/* From before 3: the per-day aggregates of the tickets held (none in
	 * a new database), once every table they fill is there. */
	int64_t chunks = 0;
	if (status == CSTORE_OK && version > 0 && version < 3 &&
	    (status = pg_agg_count_all(&c, &chunks)) == CSTORE_OK)
		log_info("PostgreSQL: schema %d -> %d: per-day aggregates counted from the "
			 "tickets (%lld site-months)",
			 version, SCHEMA_VERSION, (long long)chunks);
	if (status == CSTORE_OK && version != SCHEMA_VERSION) {
		char n[16];
		snprintf(n, sizeof n, "%d", SCHEMA_VERSION);
		const char *v[] = {n};
		PGresult *r =
		    PQexecParams(conn,
				 "INSERT INTO meta VALUES('schema', $1::bigint)"
				 " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
				 1, NULL, v, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			status = failed(&c, r, "writing the schema version");
		PQclear(r);
	}
	if (status == CSTORE_OK)
		status = simple(&c, "COMMIT");
	if (status != CSTORE_OK) {
		snprintf(err, errlen, "PostgreSQL: cannot create the schema: %s", c.err);
		if (PQtransactionStatus(conn) != PQTRANS_IDLE)
			simple(&c, "ROLLBACK");
		return -1;
	}
	return 0;
}

static void pg_close(cstore *base_);
static const cstore_ops pg_ops;

cstore *cstore_pg_open(const char *uri, int busy_timeout_ms, const cstore_codec *codec, char *err,
		       size_t errlen)
{
	pgstore *st = calloc(1, sizeof *st);
	if (!st || !(st->uri = strdup(uri))) {
		snprintf(err, errlen, "out of memory");
		free(st);
		return NULL;
	}
	st->base.ops = &pg_ops;
	st->busy_ms = busy_timeout_ms;
	st->codec = codec;
	pthread_mutex_init(&st->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&st->freed, &ca);
	pthread_condattr_destroy(&ca);
	err[0] = '\0';
	/* The schema first: statements are prepared on the tables. */
	PGconn *conn = conn_open(st, 0, err, errlen);
	if (!conn)
		goto fail;
	int rc = schema_update(conn, err, errlen);
	PQfinish(conn);
	if (rc)
		goto fail;
	pgconn *c = calloc(1, sizeof *c);
	if (!c || !(c->conn = conn_open(st, 1, err, errlen))) {
		free(c);
		goto fail;
	}
	st->nopen = 1;
	pg_conn_put(st, c);
	return &st->base;
fail:
	if (!err[0])
		snprintf(err, errlen, "out of memory");
	pg_close(&st->base);
	return NULL;
}

static void pg_close(cstore *base_)
{
	pgstore *st = (pgstore *)base_;
	if (!st)
		return;
	for (int i = 0; i < st->npool; i++)
		conn_close(st->pool[i]);
	pthread_cond_destroy(&st->freed);
	pthread_mutex_destroy(&st->lock);
	free(st->uri);
	free(st);
}

/* --- writing ------------------------------------------------------------------ */

/* The statement of the fact event e of site derives (its ticket's, or its
 * desk span's) with its parameters in p, or NULL if e derives none.
 * *topics (malloc'd, or NULL) is one of them: free it once p is sent.
 * *status CSTORE_ERROR if out of memory. */
static const pgsql *fact_params(const cstore_codec *codec, int64_t site, const event *e,
				pgparams *p, char **topics, int *status)
{
	assert((int)e->kind >= 0 && e->kind < EV_TYPE_COUNT);
	const pgsql *q = &fact_sql[e->kind];
	*topics = NULL;
	*status = CSTORE_OK;
	if (!q->sql)
		return NULL;
	pg_p_int(p, site);
	if (event_type_is_desk(e->kind)) {
		pg_p_int(p, e->desk);
		pg_p_int(p, e->seq);
		pg_p_bytes(p, e->at, strnlen(e->at, 10));
		pg_p_text(p, e->at);
		pg_p_int(p, e->at_ms);
		return q;
	}
	pg_p_text(p, e->ticket);
	pg_p_text(p, e->code);
	if (e->day[0])
		pg_p_text(p, e->day);
	else
		pg_p_bytes(p, e->at, strnlen(e->at, 10));
	pg_p_text(p, e->category);
	pg_p_text(p, e->lang);
	pg_p_text(p, e->at);
	pg_p_int(p, e->at_ms);
	if (e->desk > 0)
		pg_p_int(p, e->desk);
	else
		pg_p_null(p);
	pg_p_text(p, e->day[0] ? "t" : "f");
	if (e->kind != EV_TICKET_SERVED) {
		for (int i = 0; i < 4; i++)
			pg_p_null(p);
		return q;
	}
	pg_p_text_or_null(p, e->outcome);
	pg_p_text_or_null(p, e->referred_to);
	if (e->has_topics) {
		*topics = codec->topics_json(e);
		if (!*topics) {
			*status = CSTORE_ERROR;
			return NULL;
		}
		pg_p_text(p, *topics);
	} else {
		pg_p_null(p);
	}
	if (e->first_visit == EV_ANSWER_NULL)
		pg_p_null(p);
	else
		pg_p_int(p, e->first_visit == EV_ANSWER_YES);
	return q;
}

/* The fact event e of site derives, at once (the rebuild). Events of one
 * site must come in seq order. */
static int fact_apply(const cstore_codec *codec, pgconn *c, int64_t site, const event *e)
{
	pgparams p = {0};
	char *topics;
	int status;
	const pgsql *q = fact_params(codec, site, e, &p, &topics, &status);
	if (q)
		status = pg_do(c, q, &p, NULL);
	free(topics);
	return status;
}

/* Locks the row of site (made first if it never sent): its id and
 * acked_through. */
static int site_lock(pgconn *c, const char *site, int64_t *id, int64_t *acked)
{
	pgparams p = {0};
	pg_p_text(&p, site);
	for (int made = 0; made < 2; made++) {
		int status;
		PGresult *r = pg_run(c, &q_site_lock, &p, &status);
		if (!r)
			return status;
		int found = PQntuples(r) == 1;
		if (found) {
			*id = pg_col_int(r, 0);
			*acked = pg_col_int(r, 1);
		}
		PQclear(r);
		if (found)
			return CSTORE_OK;
		if (made == 0 && (status = pg_do(c, &q_site_new, &p, NULL)) != CSTORE_OK)
			return status;
	}
	snprintf(c->err, sizeof c->err, "the row of site %s vanished", site);
	return CSTORE_ERROR;
}

/* The parsed fields of e: at, at_ms, ticket, code, category, from_category,
 * lang, desk (8 of them), NULL where e has none. */
static void p_fields(pgparams *p, const event *e)
{
	pg_p_text_or_null(p, e->at);
	if (e->at[0])
		pg_p_int(p, e->at_ms);
	else
		pg_p_null(p);
	pg_p_text_or_null(p, e->ticket);
	pg_p_text_or_null(p, e->code);
	pg_p_text_or_null(p, e->category);
	pg_p_text_or_null(p, e->from);
	pg_p_text_or_null(p, e->lang);
	if (e->desk > 0)
		pg_p_int(p, e->desk);
	else
		pg_p_null(p);
}

/* Why e was not inserted: its UUID is held (the site's row lock rules out
 * its seq). The answer goes to the sender: it must not learn another
 * site's name or seq. The log (the office's) says which. CSTORE_CONFLICT,
 * or the status of a failed look-up. */
static int uuid_conflict(pgconn *c, const event *e, cstore_ingest_result *r)
{
	r->conflict_seq = e->seq;
	pgparams u = {0};
	pg_p_text(&u, e->uuid);
	int status;
	PGresult *res = pg_run(c, &q_ev_by_uuid, &u, &status);
	if (!res)
		return status;
	if (PQntuples(res) == 1) {
		log_error("uuid %s of seq %lld is already held as seq %lld of %s", e->uuid,
			  (long long)e->seq, (long long)pg_col_int(res, 1), pg_col_text(res, 0));
		snprintf(r->why, sizeof r->why,
			 "seq %lld: uuid %s is already used by another event", (long long)e->seq,
			 e->uuid);
	} else {
		snprintf(r->why, sizeof r->why, "seq %lld: refused by a constraint",
			 (long long)e->seq);
	}
	PQclear(res);
	return CSTORE_CONFLICT;
}

/* The events ev[0..n) of a batch, all at or below acked_through: each must
 * say what the one held says. */
static int check_resent(pgconn *c, int64_t site, const cstore_batch *b, size_t n,
			cstore_ingest_result *r)
{
	pgparams p = {0};
	pg_p_int(&p, site);
	pg_p_int(&p, b->ev[0].e.seq);
	pg_p_int(&p, b->ev[n - 1].e.seq);
	int status;
	PGresult *res = pg_run(c, &q_ev_range, &p, &status);
	if (!res)
		return status;
	int rows = PQntuples(res), k = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t seq = b->ev[i].e.seq;
		while (k < rows && strtoll(PQgetvalue(res, k, 0), NULL, 10) < seq)
			k++;
		int same =
		    k < rows && strtoll(PQgetvalue(res, k, 0), NULL, 10) == seq &&
		    b->same(b->ctx, i, PQgetvalue(res, k, 1), (size_t)PQgetlength(res, k, 1));
		if (!same) {
			r->conflict_seq = seq;
			snprintf(r->why, sizeof r->why,
				 "seq %lld: differs from the event already held", (long long)seq);
			status = CSTORE_CONFLICT;
			break;
		}
		r->duplicates++;
	}
	PQclear(res);
	return status;
}

/* The statements of a batch go in pipeline mode (libpq), PIPE_CHUNK at a
 * time: a round trip per chunk instead of one per statement, and never
 * more results waiting than a socket holds. Most of a batch is a few
 * set-based statements (cstore_pg_batch.c); desk events are one each. */
#define PIPE_CHUNK 256

typedef struct {
	pgconn *c;
	int status;
	size_t n;		   /* statements sent since the last sync */
	long rows[PIPE_CHUNK + 8]; /* per statement: the rows it must change, or -1 */
	int short_insert; /* an insert changed fewer rows or failed on a key held (23505) */
} pipe_state;

static void pipe_drain(pipe_state *ps);

/* A statement of the batch into the pipeline, after a sync and its
 * results if PIPE_CHUNK are waiting; none after an insert came short (the
 * transaction is aborted: the rest would fail). q without a name: sent
 * with its SQL (no parameters). */
static void pipe_send(void *ctx, const pgsql *q, const pgparams *p, long rows)
{
	pipe_state *ps = ctx;
	if (ps->n >= PIPE_CHUNK)
		pipe_drain(ps);
	if (ps->status != CSTORE_OK || ps->short_insert)
		return;
	assert(ps->n < sizeof ps->rows / sizeof ps->rows[0]);
	if (q->name ? !PQsendQueryPrepared(ps->c->conn, q->name, p->n, p->v, p->len, p->fmt, 0)
		    : !PQsendQueryParams(ps->c->conn, q->sql, 0, NULL, NULL, NULL, NULL, 0)) {
		ps->status = failed(ps->c, NULL, q->name);
		ps->c->lost = 1; /* the pipeline's state is unknown: not pooled again */
		return;
	}
	ps->rows[ps->n++] = rows;
}

/* Ends the chunk (a sync) and reads its results. */
static void pipe_drain(pipe_state *ps)
{
	PGconn *conn = ps->c->conn;
	if (ps->status != CSTORE_OK)
		return;
	if (!PQpipelineSync(conn)) {
		ps->status = failed(ps->c, NULL, "pipeline sync");
		ps->c->lost = 1;
		return;
	}
	for (size_t k = 0; k <= ps->n; k++) {
		PGresult *r = PQgetResult(conn);
		if (!r) {
			ps->status = failed(ps->c, NULL, "pipeline");
			ps->c->lost = 1;
			return;
		}
		ExecStatusType t = PQresultStatus(r);
		if (k == ps->n) { /* the sync's own */
			if (t != PGRES_PIPELINE_SYNC && ps->status == CSTORE_OK) {
				ps->status = failed(ps->c, r, "pipeline sync");
				ps->c->lost = 1;
			}
			PQclear(r);
			break;
		}
		if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK) {
			if (ps->rows[k] >= 0 && strtoll(PQcmdTuples(r), NULL, 10) != ps->rows[k])
				ps->short_insert = 1;
		} else if (t != PGRES_PIPELINE_ABORTED && ps->status == CSTORE_OK) {
			const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			if (ps->rows[k] >= 0 && state && !strcmp(state, "23505"))
				ps->short_insert = 1;
			else
				ps->status = failed(ps->c, r, "a statement of the batch");
		}
		PQclear(r);
		/* Each statement's results end with a NULL. */
		if ((r = PQgetResult(conn))) {
			PQclear(r);
			ps->status = CSTORE_ERROR;
			ps->c->lost = 1;
			return;
		}
	}
	ps->n = 0;
}

typedef struct {
	const char *site;
	const cstore_batch *b;
	int64_t now_ms;
	cstore_ingest_result *r;
} ingest_arg;

/* The index of the first of ev[from..n) not inserted (its UUID held, by
 * another event or one of the batch): *bad, or the status of the look-up. */
static int first_not_inserted(pgconn *c, int64_t sid, const cstore_batch *b, size_t from, long *bad)
{
	int status;
	size_t cap = (b->n - from) * 21 + 3, len = 0;
	char *seqs = malloc(cap);
	if (!seqs)
		return CSTORE_ERROR;
	seqs[len++] = '{';
	for (size_t i = from; i < b->n; i++)
		len += (size_t)snprintf(seqs + len, cap - len, "%s%lld", i > from ? "," : "",
					(long long)b->ev[i].e.seq);
	seqs[len++] = '}';
	seqs[len] = '\0';
	pgparams p = {0};
	pg_p_int(&p, sid);
	pg_p_text(&p, seqs);
	PGresult *r = pg_run(c, &pg_ev_missing, &p, &status);
	free(seqs);
	if (!r)
		return status;
	*bad = -1;
	if (PQntuples(r) == 1) {
		int64_t seq = pg_col_int(r, 0);
		for (size_t i = from; i < b->n && *bad < 0; i++)
			if (b->ev[i].e.seq == seq)
				*bad = (long)i;
	}
	PQclear(r);
	if (*bad < 0) {
		snprintf(c->err, sizeof c->err, "an event of the batch was not inserted");
		return CSTORE_ERROR;
	}
	return CSTORE_OK;
}

/* pipe_send's statement run at once (not in a pipeline). */
static void exec_send(void *ctx, const pgsql *q, const pgparams *p, long rows)
{
	pipe_state *ps = ctx;
	if (ps->status != CSTORE_OK)
		return;
	PGresult *r = pg_run(ps->c, q, p, &ps->status);
	if (r && rows >= 0 && strtoll(PQcmdTuples(r), NULL, 10) != rows)
		ps->short_insert = 1;
	PQclear(r);
}

static const pgsql q_savepoint = {NULL, "", "SAVEPOINT batch"};

/* Inserts ev[from..n) of the batch with their facts, then the site's row
 * (acked_through now_acked): CSTORE_OK, or the status;
 * *not_inserted the index of an event whose UUID is held, or -1. */
static int put_batch(pgstore *st, pgconn *c, int64_t sid, const ingest_arg *a, size_t from,
		     size_t stored, int64_t now_acked, const char *tickets, long *not_inserted)
{
	const cstore_batch *b = a->b;
	pipe_state ps = {.c = c, .status = CSTORE_OK};
	*not_inserted = -1;
	if (!PQenterPipelineMode(c->conn))
		return failed(c, NULL, "pipeline mode");
	int status = CSTORE_OK;
	if (from < b->n && tickets) /* the aggregates' notes: before the facts */
		pg_agg_notes_send(pipe_send, &ps, sid, tickets, -1);
	if (from < b->n) {
		pipe_send(&ps, &q_savepoint, &(pgparams){0}, -1);
		status = pg_events_put(pipe_send, &ps, sid, b, from, a->now_ms, 0);
		if (status == CSTORE_OK)
			status = pg_ticket_facts_put(st->codec, pipe_send, &ps, sid, b, from);
	}
	for (size_t i = from; status == CSTORE_OK && i < b->n; i++) {
		const cstore_event *ev = &b->ev[i];
		if (ev->unread[0] || !event_type_is_desk(ev->e.kind))
			continue; /* an unread event derives nothing until read */
		pgparams f = {0};
		char *topics;
		const pgsql *q = fact_params(st->codec, sid, &ev->e, &f, &topics, &status);
		if (q)
			pipe_send(&ps, q, &f, -1);
		free(topics);
	}
	if (status != CSTORE_OK && ps.status == CSTORE_OK)
		ps.status = status;
	if (from < b->n && tickets) { /* and after them */
		pg_agg_notes_send(pipe_send, &ps, sid, tickets, 1);
		pg_agg_spans_send(pipe_send, &ps, sid, b->ev[from].e.seq, b->ev[b->n - 1].e.seq);
	}
	pgparams p = {0};
	pg_p_int(&p, sid);
	pg_p_int(&p, now_acked);
	pg_p_int(&p, (int64_t)stored);
	pg_p_int(&p, a->now_ms);
	pipe_send(&ps, &q_site_set, &p, -1);
	pipe_drain(&ps);
	if (!c->lost && !PQexitPipelineMode(c->conn)) {
		if (ps.status == CSTORE_OK)
			ps.status = failed(c, NULL, "leaving pipeline mode");
		c->lost = 1; /* results left unread: not pooled again */
	}
	if (ps.status == CSTORE_OK && ps.short_insert) {
		/* A UUID held: which one, the batch inserted again skipping the
		 * held ones (the rest is rolled back as the whole is refused). */
		pipe_state again = {.c = c, .status = simple(c, "ROLLBACK TO SAVEPOINT batch")};
		if (again.status == CSTORE_OK)
			again.status = pg_events_put(exec_send, &again, sid, b, from, a->now_ms, 1);
		ps.status = again.status;
		if (ps.status == CSTORE_OK && again.short_insert) {
			ps.status = first_not_inserted(c, sid, b, from, not_inserted);
		} else if (ps.status == CSTORE_OK) {
			snprintf(c->err, sizeof c->err,
				 "the batch's events failed on a key, then not");
			log_error("PostgreSQL: %s", c->err);
			ps.status = CSTORE_ERROR;
		}
	}
	return ps.status;
}

static int ingest_body(pgstore *st, pgconn *c, void *arg)
{
	ingest_arg *a = arg;
	const cstore_batch *b = a->b;
	cstore_ingest_result *r = a->r;
	memset(r, 0, sizeof *r);
	int64_t sid = 0, acked = 0;
	int status = site_lock(c, a->site, &sid, &acked);
	if (status != CSTORE_OK)
		return status;
	r->acked_through = acked;
	if (b->n == 0 || b->ev[0].e.seq > acked + 1)
		return CSTORE_GAP;
	size_t held = 0;
	while (held < b->n && b->ev[held].e.seq <= acked)
		held++;
	if (held && (status = check_resent(c, sid, b, held, r)) != CSTORE_OK)
		return status;
	int64_t last = b->ev[b->n - 1].e.seq;
	int64_t now_acked = last > acked ? last : acked;
	long bad = -1;
	/* The aggregates: the batch's tickets noted before and after its
	 * facts, in its pipeline, and applied before the commit, in this
	 * transaction (cstore_pg_aggkeep.c). */
	char *tickets = NULL;
	int new_events = held < b->n;
	if (new_events)
		status = pg_agg_batch_tickets(b, held, &tickets);
	if (status == CSTORE_OK)
		status = put_batch(st, c, sid, a, held, b->n - held, now_acked, tickets, &bad);
	if (status == CSTORE_OK && bad >= 0) {
		free(tickets);
		return uuid_conflict(c, &b->ev[bad].e, r);
	}
	if (status == CSTORE_OK && new_events)
		status = pg_agg_flush(c, 1);
	free(tickets);
	/* Then the version, whose row every batch takes: held only until
	 * the commit. */
	if (status == CSTORE_OK)
		status = pg_version_bump(c);
	if (status != CSTORE_OK) {
		snprintf(r->why, sizeof r->why, "%s", c->err);
		return status;
	}
	r->stored = b->n - held;
	for (size_t i = held; i < b->n; i++)
		r->unread += b->ev[i].unread[0] != '\0'; /* kept as it came */
	r->acked_through = now_acked;
	return CSTORE_OK;
}

static int pg_ingest(cstore *base_, const char *site, const cstore_batch *b, int64_t now_ms,
		     cstore_ingest_result *r)
{
	pgstore *st = (pgstore *)base_;
	ingest_arg a = {site, b, now_ms, r};
	memset(r, 0, sizeof *r);
	int64_t acked = 0;
	int status = pg_tx(st, ingest_body, &a);
	if (status == CSTORE_GAP || status == CSTORE_CONFLICT)
		acked = r->acked_through;
	if (status != CSTORE_OK) {
		r->stored = r->unread = 0;
		if (status != CSTORE_GAP && status != CSTORE_CONFLICT) {
			r->duplicates = 0;
			if (!r->why[0])
				snprintf(r->why, sizeof r->why, "%s",
					 status == CSTORE_BUSY ? "PostgreSQL is busy or unreachable"
							       : "PostgreSQL error (logged)");
		}
		if (status == CSTORE_GAP || status == CSTORE_CONFLICT)
			r->acked_through = acked;
	}
	return status;
}

/* --- rebuild ------------------------------------------------------------------ */

static const pgsql q_unread_all = {NULL, "",
				   "SELECT site, seq, body FROM events WHERE unread IS NOT NULL"
				   " ORDER BY site, seq"};
static const pgsql q_ev_set = {NULL, "iititttttn",
			       "UPDATE events SET at = $3, at_ms = $4, ticket = $5, code = $6,"
			       " category = $7, from_category = $8, lang = $9, desk = $10,"
			       " unread = NULL WHERE site = $1 AND seq = $2"};

typedef struct {
	int64_t nread, nstill, nfacts;
} rebuild_arg;

/* Unread events that this version reads (a type it has learnt since):
 * their parsed columns filled and unread cleared, so the rebuild derives
 * their facts; the rest stay unread. */
static int reread(pgstore *st, pgconn *c, rebuild_arg *a)
{
	int status;
	PGresult *res = pg_run(c, &q_unread_all, NULL, &status);
	if (!res)
		return status;
	for (int k = 0; status == CSTORE_OK && k < PQntuples(res); k++) {
		event e;
		char why[CSTORE_WHY_LEN];
		if (st->codec->decode(PQgetvalue(res, k, 2), (size_t)PQgetlength(res, k, 2), &e,
				      why, sizeof why)) {
			a->nstill++;
			continue;
		}
		pgparams p = {0};
		pg_p_text(&p, PQgetvalue(res, k, 0));
		pg_p_text(&p, PQgetvalue(res, k, 1));
		p_fields(&p, &e);
		status = pg_do(c, &q_ev_set, &p, NULL);
		a->nread++;
	}
	PQclear(res);
	return status;
}

/* The facts of every event read, site by site in seq order, through a
 * cursor (constant memory) and fact_apply as at ingest. */
static int derive(pgstore *st, pgconn *c, rebuild_arg *a)
{
	int status =
	    simple(c, "DECLARE rebuild_events NO SCROLL CURSOR FOR"
		      " SELECT site, body FROM events WHERE unread IS NULL ORDER BY site, seq");
	while (status == CSTORE_OK) {
		PGresult *res = PQexec(c->conn, "FETCH 1000 FROM rebuild_events");
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			status = failed(c, res, "reading the events");
			PQclear(res);
			break;
		}
		int n = PQntuples(res);
		for (int k = 0; status == CSTORE_OK && k < n; k++) {
			event e;
			char why[CSTORE_WHY_LEN];
			if (st->codec->decode(PQgetvalue(res, k, 1), (size_t)PQgetlength(res, k, 1),
					      &e, why, sizeof why)) {
				/* read at ingest, so cannot be: no fact */
				log_warn("rebuild: an event read once cannot be read now: %s", why);
				continue;
			}
			status =
			    fact_apply(st->codec, c, strtoll(PQgetvalue(res, k, 0), NULL, 10), &e);
			a->nfacts++;
		}
		PQclear(res);
		if (n == 0)
			break;
	}
	if (status == CSTORE_OK)
		status = simple(c, "CLOSE rebuild_events");
	return status;
}

static int rebuild_body(pgstore *st, pgconn *c, void *arg)
{
	rebuild_arg *a = arg;
	memset(a, 0, sizeof *a);
	/* No batch in between (of any node): it would write facts the
	 * rebuild then writes again. Reads go on. */
	int status = simple(c, "LOCK TABLE events, tickets, desk_spans IN EXCLUSIVE MODE");
	if (status == CSTORE_OK)
		status = reread(st, c, a);
	if (status == CSTORE_OK)
		status = simple(c, "DELETE FROM tickets");
	if (status == CSTORE_OK)
		status = simple(c, "DELETE FROM desk_spans");
	if (status == CSTORE_OK)
		status = derive(st, c, a);
	int64_t chunks;
	if (status == CSTORE_OK)
		status = pg_agg_count_all(c, &chunks);
	if (status == CSTORE_OK)
		status = pg_version_bump(c);
	return status;
}

static int pg_rebuild_tickets(cstore *base_)
{
	pgstore *st = (pgstore *)base_;
	rebuild_arg a;
	int status = pg_tx(st, rebuild_body, &a);
	if (status != CSTORE_OK) {
		log_error("rebuilding tickets and desk spans: status %d", status);
		return status == CSTORE_CONFLICT ? CSTORE_ERROR : status;
	}
	if (a.nread || a.nstill)
		log_info("unread events: %lld read now, %lld still unread", (long long)a.nread,
			 (long long)a.nstill);
	return CSTORE_OK;
}

/* --- reading ------------------------------------------------------------------- */

static const pgsql q_site_get = {
    NULL, "t",
    "SELECT acked_through, events, last_sync_ms, (SELECT count(*) FROM events e"
    " WHERE e.site = sites.id AND e.unread IS NOT NULL) FROM sites WHERE name = $1"};

static int site_get_row(void *ctx, const PGresult *r)
{
	cstore_site_info *out = ctx;
	out->acked_through = pg_col_int(r, 0);
	out->events = pg_col_int(r, 1);
	out->last_sync_ms = pg_col_int(r, 2);
	out->unread = pg_col_int(r, 3);
	return 0;
}

static int pg_site_get(cstore *base_, const char *site, cstore_site_info *out)
{
	memset(out, 0, sizeof *out);
	pgparams p = {0};
	pg_p_text(&p, site);
	return pg_read((pgstore *)base_, &q_site_get, &p, site_get_row, out);
}

typedef struct {
	cstore_event_cb cb;
	void *ctx;
} events_ctx;

static int events_row(void *ctx, const PGresult *r)
{
	events_ctx *x = ctx;
	return x->cb(x->ctx, pg_col_int(r, 0), PQgetvalue(r, 0, 1), (size_t)PQgetlength(r, 0, 1));
}

static int pg_events(cstore *base_, const char *site, int64_t after, int64_t limit,
		     cstore_event_cb cb, void *ctx)
{
	static const pgsql q = {NULL, "tii",
				"SELECT e.seq, e.body FROM events e JOIN sites s ON s.id = e.site"
				" WHERE s.name = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3"};
	pgparams p = {0};
	pg_p_text(&p, site);
	pg_p_int(&p, after);
	pg_p_int(&p, limit);
	events_ctx x = {cb, ctx};
	return pg_read((pgstore *)base_, &q, &p, events_row, &x);
}

/* The ticket of a row whose first columns are PG_TICKET_COLUMNS. */
cstore_ticket pg_ticket_of(const PGresult *r)
{
	return (cstore_ticket){
	    .site = pg_col_text(r, 0),
	    .ticket = pg_col_text(r, 1),
	    .code = pg_col_text(r, 2),
	    .day = pg_col_text(r, 3),
	    .category = pg_col_text(r, 4),
	    .first_category = pg_col_text(r, 5),
	    .lang = pg_col_text(r, 6),
	    .outcome = pg_col_text(r, 7),
	    .issued_at = pg_col_text(r, 8),
	    .called_at = pg_col_text(r, 9),
	    .finished_at = pg_col_text(r, 10),
	    .issued_ms = pg_col_ms(r, 11),
	    .called_ms = pg_col_ms(r, 12),
	    .last_called_ms = pg_col_ms(r, 13),
	    .finished_ms = pg_col_ms(r, 14),
	    .desk = (int)pg_col_int(r, 15),
	    .calls = (int)pg_col_int(r, 16),
	    .transfers = (int)pg_col_int(r, 17),
	    .served_outcome = pg_col_text(r, 18),
	    .referred_to = pg_col_text(r, 19),
	    .topics = pg_col_text(r, 20),
	    .first_visit = (int)pg_col_int(r, 21),
	};
}

typedef struct {
	cstore_ticket_cb cb;
	void *ctx;
} tickets_ctx;

static int tickets_row(void *ctx, const PGresult *r)
{
	tickets_ctx *x = ctx;
	cstore_ticket t = pg_ticket_of(r);
	return x->cb(x->ctx, &t);
}

static void p_period(pgparams *p, const char *from_day, const char *to_day, const char *site)
{
	pg_p_text(p, from_day);
	pg_p_text(p, to_day);
	if (site)
		pg_p_text(p, site);
	else
		pg_p_null(p);
}

static int pg_tickets(cstore *base_, const char *from_day, const char *to_day, const char *site,
		      cstore_ticket_cb cb, void *ctx)
{
	/* NULLS FIRST: SQLite's order of an unknown issue time. */
	static const pgsql q = {NULL, "ttt",
				"SELECT " PG_TICKET_COLUMNS
				" FROM tickets t JOIN sites s ON s.id = t.site"
				" WHERE t.day BETWEEN $1 AND $2 AND ($3 IS NULL OR s.name = $3)"
				" ORDER BY s.name, t.day, t.issued_ms NULLS FIRST, t.code"};
	pgparams p = {0};
	p_period(&p, from_day, to_day, site);
	tickets_ctx x = {cb, ctx};
	int status = pg_read((pgstore *)base_, &q, &p, tickets_row, &x);
	if (status != CSTORE_OK)
		log_error("reading tickets: status %d", status);
	return status;
}

typedef struct {
	cstore_span_cb cb;
	void *ctx;
} spans_ctx;

static int spans_row(void *ctx, const PGresult *r)
{
	spans_ctx *x = ctx;
	cstore_desk_span d = {
	    .site = pg_col_text(r, 0),
	    .day = pg_col_text(r, 1),
	    .desk = (int)pg_col_int(r, 2),
	    .opened_seq = pg_col_int(r, 3),
	    .opened_at = pg_col_text(r, 4),
	    .closed_seq = pg_col_int(r, 5),
	    .closed_at = pg_col_text(r, 6),
	    .staffed_ms = pg_col_int(r, 7),
	    .minutes = pg_col_int(r, 8),
	};
	return x->cb(x->ctx, &d);
}

static int pg_desk_spans(cstore *base_, const char *from_day, const char *to_day, const char *site,
			 cstore_span_cb cb, void *ctx)
{
	static const pgsql q = {
	    NULL, "ttt",
	    "SELECT s.name, d.day, d.desk, d.opened_seq, d.opened_at, coalesce(d.closed_seq, 0),"
	    " coalesce(d.closed_at, ''), coalesce(d.staffed_ms, -1),"
	    " coalesce((d.staffed_ms + 30000) / 60000, -1)"
	    " FROM desk_spans d JOIN sites s ON s.id = d.site"
	    " WHERE d.day BETWEEN $1 AND $2 AND ($3 IS NULL OR s.name = $3)"
	    " ORDER BY s.name, d.day, d.desk, d.opened_seq"};
	pgparams p = {0};
	p_period(&p, from_day, to_day, site);
	spans_ctx x = {cb, ctx};
	int status = pg_read((pgstore *)base_, &q, &p, spans_row, &x);
	if (status != CSTORE_OK)
		log_error("reading desk spans: status %d", status);
	return status;
}

/* --- profiles ------------------------------------------------------------------ */

typedef struct {
	const char *site, *name, *languages, *body;
	size_t len;
	const cstore_label *labels;
	size_t nlabels;
	int64_t now_ms;
} profile_arg;

static int profile_body(pgstore *st, pgconn *c, void *arg)
{
	(void)st;
	static const pgsql put = {NULL, "ittti",
				  "INSERT INTO profiles(site, name, languages, body, received_ms)"
				  " VALUES($1, $2, $3, $4, $5) ON CONFLICT (site) DO UPDATE"
				  " SET name = excluded.name, languages = excluded.languages,"
				  " body = excluded.body, received_ms = excluded.received_ms"};
	static const pgsql del = {NULL, "itt",
				  "DELETE FROM labels WHERE site = $1 AND kind = $2 AND id = $3"};
	static const pgsql lab = {
	    NULL, "itttti",
	    "INSERT INTO labels(site, kind, id, lang, label, received_ms)"
	    " VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT (site, kind, id, lang)"
	    " DO UPDATE SET label = excluded.label,"
	    " received_ms = excluded.received_ms"};
	profile_arg *a = arg;
	int64_t sid = 0, acked = 0;
	int status = site_lock(c, a->site, &sid, &acked);
	if (status == CSTORE_OK) {
		pgparams p = {0};
		pg_p_int(&p, sid);
		pg_p_text(&p, a->name);
		pg_p_text(&p, a->languages);
		pg_p_bytes(&p, a->body, a->len);
		pg_p_int(&p, a->now_ms);
		status = pg_do(c, &put, &p, NULL);
	}
	/* First forget the labels of every id named, then write the new ones
	 * (a language dropped from an id's labels is dropped here too). */
	for (size_t i = 0; status == CSTORE_OK && i < a->nlabels; i++) {
		pgparams p = {0};
		pg_p_int(&p, sid);
		pg_p_text(&p, a->labels[i].kind);
		pg_p_text(&p, a->labels[i].id);
		status = pg_do(c, &del, &p, NULL);
	}
	for (size_t i = 0; status == CSTORE_OK && i < a->nlabels; i++) {
		if (!a->labels[i].lang)
			continue; /* an id without labels: its old ones are gone */
		pgparams p = {0};
		pg_p_int(&p, sid);
		pg_p_text(&p, a->labels[i].kind);
		pg_p_text(&p, a->labels[i].id);
		pg_p_text(&p, a->labels[i].lang);
		pg_p_text(&p, a->labels[i].label);
		pg_p_int(&p, a->now_ms);
		status = pg_do(c, &lab, &p, NULL);
	}
	if (status == CSTORE_OK)
		status = pg_version_bump(c);
	return status;
}

static int pg_profile_put(cstore *base_, const char *site, const char *name, const char *languages,
			  const char *body, size_t len, const cstore_label *labels, size_t nlabels,
			  int64_t now_ms)
{
	profile_arg a = {site, name, languages, body, len, labels, nlabels, now_ms};
	int status = pg_tx((pgstore *)base_, profile_body, &a);
	if (status != CSTORE_OK)
		log_error("storing the profile of %s: status %d", site, status);
	return status == CSTORE_CONFLICT ? CSTORE_ERROR : status;
}

typedef struct {
	cstore_profile_cb cb;
	void *ctx;
} profiles_ctx;

static int profiles_row(void *ctx, const PGresult *r)
{
	profiles_ctx *x = ctx;
	cstore_profile p = {pg_col_text(r, 0), pg_col_text(r, 1), pg_col_text(r, 2),
			    pg_col_int(r, 3)};
	return x->cb(x->ctx, &p);
}

static int pg_profiles(cstore *base_, cstore_profile_cb cb, void *ctx)
{
	static const pgsql q = {NULL, "",
				"SELECT s.name, p.name, p.languages, p.received_ms FROM profiles p"
				" JOIN sites s ON s.id = p.site ORDER BY s.name"};
	profiles_ctx x = {cb, ctx};
	return pg_read((pgstore *)base_, &q, NULL, profiles_row, &x);
}

typedef struct {
	cstore_label_cb cb;
	void *ctx;
} labels_ctx;

static int labels_row(void *ctx, const PGresult *r)
{
	labels_ctx *x = ctx;
	cstore_label l = {pg_col_text(r, 1), pg_col_text(r, 2), pg_col_text(r, 3),
			  pg_col_text(r, 4)};
	return x->cb(x->ctx, pg_col_text(r, 0), &l);
}

static int pg_labels(cstore *base_, cstore_label_cb cb, void *ctx)
{
	static const pgsql q = {
	    NULL, "",
	    "SELECT s.name, l.kind, l.id, l.lang, l.label FROM labels l"
	    " JOIN sites s ON s.id = l.site ORDER BY s.name, l.kind, l.id, l.lang"};
	labels_ctx x = {cb, ctx};
	return pg_read((pgstore *)base_, &q, NULL, labels_row, &x);
}

static int ignore_row(void *ctx, const PGresult *r)
{
	(void)ctx;
	(void)r;
	return 0;
}

static int pg_ping(cstore *base_)
{
	static const pgsql q = {NULL, "", "SELECT count(*) FROM meta"};
	return pg_read((pgstore *)base_, &q, NULL, ignore_row, NULL);
}

/* --- the sites themselves and their heartbeats ----------------------------------- */

static int int_row(void *ctx, const PGresult *r)
{
	*(int64_t *)ctx = pg_col_int(r, 0);
	return 0;
}

static int pg_version(cstore *base_, int64_t *version)
{
	*version = 0;
	return pg_read((pgstore *)base_, &q_version, NULL, int_row, version);
}

static int pg_sites_version(cstore *base_, int64_t *version)
{
	static const pgsql q = {NULL, "", "SELECT value FROM meta WHERE key = 'sites_version'"};
	*version = 0;
	return pg_read((pgstore *)base_, &q, NULL, int_row, version);
}

typedef struct {
	cstore_site_cb cb;
	void *ctx;
} sites_ctx;

static int sites_row(void *ctx, const PGresult *r)
{
	sites_ctx *x = ctx;
	unsigned char sha[32];
	if (pg_col_sha256(r, 2, sha))
		return 0;
	cstore_site_rec s = {pg_col_text(r, 0),	    pg_col_text(r, 1), sha,
			     (int)pg_col_int(r, 3), pg_col_int(r, 4),  pg_col_int(r, 5),
			     pg_col_int(r, 6)};
	return x->cb(x->ctx, &s);
}

static int pg_sites(cstore *base_, cstore_site_cb cb, void *ctx)
{
	static const pgsql q = {
	    NULL, "",
	    "SELECT s.name, s.title, encode(s.token_sha256, 'hex'), s.enabled, s.created_ms,"
	    " s.updated_ms, greatest(s.last_sync_ms, coalesce(h.received_ms, 0)) FROM sites s"
	    " LEFT JOIN site_health h ON h.site = s.id WHERE s.reg IS NOT NULL ORDER BY s.reg"};
	sites_ctx x = {cb, ctx};
	int status = pg_read((pgstore *)base_, &q, NULL, sites_row, &x);
	if (status == CSTORE_BUSY)
		log_warn("reading the sites: %s", cstore_status_str(status));
	else if (status != CSTORE_OK)
		log_error("reading the sites: %s", cstore_status_str(status));
	return status;
}

/* Every change of the sites: one at a time (the advisory lock, so the
 * order of registration is drawn by one), and counted in sites_version. */
int pg_sites_lock(pgconn *c)
{
	return simple(c, "SELECT pg_advisory_xact_lock(" LOCK_SITES ")");
}

int pg_sites_bump(pgconn *c)
{
	static const pgsql q = {NULL, "",
				"UPDATE meta SET value = value + 1 WHERE key = 'sites_version'"};
	int status = pg_do(c, &q, NULL, NULL);
	return status == CSTORE_OK ? pg_version_bump(c) : status;
}

/* Registers id (a row may exist from events of an earlier configuration);
 * *changed 0 if it is registered already or its token is another's. */
static int site_register(pgconn *c, const char *id, const char *name, const unsigned char *sha,
			 int64_t now_ms, int64_t *changed)
{
	static const pgsql reg = {
	    NULL, "ttyi",
	    "UPDATE sites SET title = $2, token_sha256 = $3, enabled = 1, created_ms = $4,"
	    " updated_ms = $4, reg = (SELECT coalesce(max(reg), 0) + 1 FROM sites)"
	    " WHERE name = $1 AND reg IS NULL"
	    " AND NOT EXISTS(SELECT 1 FROM sites o WHERE o.token_sha256 = $3)"};
	pgparams p = {0};
	pg_p_text(&p, id);
	int status = pg_do(c, &q_site_new, &p, NULL);
	if (status != CSTORE_OK)
		return status;
	pg_p_text(&p, name);
	pg_p_bytes(&p, sha, 32);
	pg_p_int(&p, now_ms);
	return pg_do(c, &reg, &p, changed);
}

typedef struct {
	const char *id, *name;
	const unsigned char *sha;
	int64_t n, now_ms;
	const pgsql *q; /* site_update's statement */
	const cstore_site_new *v;
	size_t nv;
	int *done;
	size_t *imported;
} site_arg;

static int site_add_body(pgstore *st, pgconn *c, void *arg)
{
	(void)st;
	site_arg *a = arg;
	int64_t changed = 0;
	int status = pg_sites_lock(c);
	if (status == CSTORE_OK)
		status = site_register(c, a->id, a->name, a->sha, a->now_ms, &changed);
	if (status == CSTORE_OK && changed == 0)
		status = CSTORE_CONFLICT; /* registered already, or the token is another's */
	if (status == CSTORE_OK)
		status = pg_sites_bump(c);
	return status;
}

static int pg_site_add(cstore *base_, const char *id, const char *name, const unsigned char sha[32],
		       int64_t now_ms)
{
	site_arg a = {.id = id, .name = name, .sha = sha, .now_ms = now_ms};
	return pg_tx((pgstore *)base_, site_add_body, &a);
}

static int site_update_body(pgstore *st, pgconn *c, void *arg)
{
	(void)st;
	site_arg *a = arg;
	int64_t changed = 0;
	pgparams p = {0};
	pg_p_text(&p, a->id);
	if (a->sha)
		pg_p_bytes(&p, a->sha, 32);
	else
		pg_p_int(&p, a->n);
	pg_p_int(&p, a->now_ms);
	int status = pg_sites_lock(c);
	if (status == CSTORE_OK)
		status = pg_do(c, a->q, &p, &changed);
	if (status == CSTORE_OK && changed == 0)
		return CSTORE_NOT_FOUND;
	if (status == CSTORE_OK)
		status = pg_sites_bump(c);
	return status;
}

static int pg_site_token(cstore *base_, const char *id, const unsigned char sha[32], int64_t now_ms)
{
	static const pgsql q = {NULL, "tyi",
				"UPDATE sites SET token_sha256 = $2, updated_ms = $3"
				" WHERE name = $1 AND reg IS NOT NULL"};
	site_arg a = {.id = id, .sha = sha, .now_ms = now_ms, .q = &q};
	return pg_tx((pgstore *)base_, site_update_body, &a);
}

static int pg_site_enable(cstore *base_, const char *id, int enabled, int64_t now_ms)
{
	static const pgsql q = {NULL, "tni",
				"UPDATE sites SET enabled = $2, updated_ms = $3"
				" WHERE name = $1 AND reg IS NOT NULL"};
	site_arg a = {.id = id, .n = enabled ? 1 : 0, .now_ms = now_ms, .q = &q};
	return pg_tx((pgstore *)base_, site_update_body, &a);
}

static int import_body(pgstore *st, pgconn *c, void *arg)
{
	(void)st;
	static const pgsql get = {NULL, "", "SELECT 1 FROM meta WHERE key = 'sites_imported'"};
	static const pgsql set = {NULL, "", "INSERT INTO meta VALUES('sites_imported', 1)"};
	site_arg *a = arg;
	*a->done = 0;
	*a->imported = 0;
	int status = pg_sites_lock(c);
	PGresult *r = status == CSTORE_OK ? pg_run(c, &get, NULL, &status) : NULL;
	if (r)
		*a->done = PQntuples(r) > 0;
	PQclear(r);
	if (status != CSTORE_OK || *a->done)
		return status;
	for (size_t i = 0; status == CSTORE_OK && i < a->nv; i++) {
		int64_t changed = 0;
		/* One registered already, or with a token already used: left. */
		status = site_register(c, a->v[i].id, a->v[i].name, a->v[i].token_sha256, a->now_ms,
				       &changed);
		*a->imported += (size_t)(changed > 0);
	}
	if (status == CSTORE_OK)
		status = pg_do(c, &set, NULL, NULL);
	if (status == CSTORE_OK)
		status = pg_sites_bump(c);
	return status;
}

static int pg_sites_import(cstore *base_, const cstore_site_new *v, size_t n, int64_t now_ms,
			   int *done, size_t *imported)
{
	site_arg a = {.v = v, .nv = n, .now_ms = now_ms, .done = done, .imported = imported};
	int status = pg_tx((pgstore *)base_, import_body, &a);
	if (status != CSTORE_OK)
		log_error("importing the sites: status %d", status);
	return status;
}

typedef struct {
	const char *site;
	int64_t received_ms, offset_ms;
	const char *body;
	size_t len;
} health_arg;

static int health_body(pgstore *st, pgconn *c, void *arg)
{
	(void)st;
	static const pgsql q = {
	    NULL, "tiit",
	    "INSERT INTO site_health(site, received_ms, offset_ms, body)"
	    " SELECT id, $2, $3, $4 FROM sites WHERE name = $1 ON CONFLICT (site) DO UPDATE"
	    " SET received_ms = excluded.received_ms, offset_ms = excluded.offset_ms,"
	    " body = excluded.body"};
	health_arg *a = arg;
	pgparams p = {0};
	pg_p_text(&p, a->site);
	pg_p_int(&p, a->received_ms);
	pg_p_int(&p, a->offset_ms);
	pg_p_bytes(&p, a->body, a->len);
	int status = pg_do(c, &q, &p, NULL);
	return status == CSTORE_OK ? pg_version_bump(c) : status;
}

static int pg_health_put(cstore *base_, const char *site, int64_t received_ms, int64_t offset_ms,
			 const char *body, size_t len)
{
	health_arg a = {site, received_ms, offset_ms, body, len};
	return pg_tx((pgstore *)base_, health_body, &a);
}

typedef struct {
	cstore_health_cb cb;
	void *ctx;
} health_ctx;

static int health_row(void *ctx, const PGresult *r)
{
	health_ctx *x = ctx;
	cstore_health h = {pg_col_text(r, 0),
			   pg_col_int(r, 1),
			   pg_col_int(r, 2),
			   pg_col_text(r, 3),
			   (size_t)PQgetlength(r, 0, 3),
			   pg_col_int(r, 4),
			   pg_col_int(r, 5),
			   pg_col_int(r, 6),
			   pg_col_int(r, 7)};
	return x->cb(x->ctx, &h);
}

static int pg_health_each(cstore *base_, cstore_health_cb cb, void *ctx)
{
	static const pgsql q = {
	    NULL, "",
	    "SELECT s.name, h.received_ms, h.offset_ms, h.body, s.last_sync_ms,"
	    " (SELECT count(*) FROM events e WHERE e.site = s.id AND e.unread IS NOT NULL),"
	    " s.acked_through, s.events"
	    " FROM sites s LEFT JOIN site_health h ON h.site = s.id"
	    " WHERE s.reg IS NOT NULL ORDER BY s.reg"};
	health_ctx x = {cb, ctx};
	int status = pg_read((pgstore *)base_, &q, NULL, health_row, &x);
	if (status == CSTORE_BUSY)
		log_warn("reading the sites' health: %s", cstore_status_str(status));
	else if (status != CSTORE_OK)
		log_error("reading the sites' health: %s", cstore_status_str(status));
	return status;
}

static const cstore_ops pg_ops = {
    .close = pg_close,
    .ingest = pg_ingest,
    .site_get = pg_site_get,
    .events = pg_events,
    .tickets = pg_tickets,
    .tickets_page = pg_tickets_page,
    .desk_spans = pg_desk_spans,
    .period_aggs = pg_period_aggs,
    .period_counts = pg_period_counts,
    .day_totals = pg_day_totals,
    .day_cats = pg_day_cats,
    .month_totals = pg_month_totals,
    .site_names = pg_site_names,
    .rebuild_tickets = pg_rebuild_tickets,
    .profile_put = pg_profile_put,
    .profiles = pg_profiles,
    .labels = pg_labels,
    .ping = pg_ping,
    .sites = pg_sites,
    .site_add = pg_site_add,
    .site_token = pg_site_token,
    .site_enable = pg_site_enable,
    .sites_import = pg_sites_import,
    .version = pg_version,
    .sites_version = pg_sites_version,
    .health_put = pg_health_put,
    .health_each = pg_health_each,
    .account_add = pg_account_add,
    .account_get = pg_account_get,
    .accounts = pg_accounts,
    .account_password = pg_account_password,
    .account_enable = pg_account_enable,
    .session_add = pg_session_add,
    .session_get = pg_session_get,
    .session_touch = pg_session_touch,
    .session_end = pg_session_end,
    .token_add = pg_token_add,
    .tokens_revoke = pg_tokens_revoke,
    .token_get = pg_token_get,
    .audit_add = pg_audit_add,
    .audit = pg_audit,
    .conf_put = pg_conf_put,
    .conf_get = pg_conf_get,
    .conf_versions = pg_conf_versions,
    .template_put = pg_template_put,
    .template_get = pg_template_get,
    .templates = pg_templates,
    .enrol_code_put = pg_enrol_code_put,
    .enrol_use = pg_enrol_use,
    /* .backup: none; PostgreSQL is backed up with pg_dump (cstore_backup) */
};
