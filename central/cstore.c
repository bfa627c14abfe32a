/*
 * cstore — the one way into the central database: cstore_open picks the
 * back end from the database string (cstore_backend.h), and every other
 * function passes the call to that back end's table. Nothing else here:
 * the meaning of each function is in cstore.h.
 *
 * A back end gives every function of the table but backup (NULL: "use the
 * database's own tools", which cstore_backup says). cstore_open checks
 * that once, and refuses a back end that lacks one, naming it: a fatal
 * message at start-up rather than a crash at the first request that
 * reaches the missing function, or a check on every call. The list of
 * functions checked is counted against the size of the table at compile
 * time, so a function added to cstore_ops and not here does not build.
 */
#include "cstore.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "cstore_backend.h"

/* Every function of cstore_ops a back end must give (all but backup). */
/* clang-format off */
#define CSTORE_OPS_REQUIRED(X)                                                                     \
	X(close) X(ingest) X(site_get) X(events) X(tickets) X(desk_spans) X(rebuild_tickets)      \
	X(profile_put) X(profiles) X(labels) X(ping) X(sites) X(site_add) X(site_token)           \
	X(site_enable) X(sites_import) X(version) X(sites_version) X(health_put) X(health_each)   \
	X(account_add) X(account_get) X(accounts) X(account_password) X(account_enable)           \
	X(session_add) X(session_get) X(session_touch) X(session_end) X(token_add)                \
	X(tokens_revoke) X(token_get) X(audit_add) X(audit) X(conf_put) X(conf_get)               \
	X(conf_versions) X(template_put) X(template_get) X(templates) X(enrol_code_put)          \
	X(enrol_use) X(period_aggs) X(period_counts) X(day_totals) X(day_cats) X(tickets_page)      \
	X(month_totals) X(site_names)
/* clang-format on */
#define COUNT_OP(f) +1
static_assert(sizeof(cstore_ops) ==
		  (0 CSTORE_OPS_REQUIRED(COUNT_OP) + 1 /* backup */) * sizeof(void (*)(void)),
	      "a function of cstore_ops is missing from CSTORE_OPS_REQUIRED");

/* The first function the table lacks, or NULL if it has them all. */
static const char *ops_missing(const cstore_ops *o)
{
#define MISSING_OP(f)                                                                              \
	if (!o->f)                                                                                 \
		return #f;
	CSTORE_OPS_REQUIRED(MISSING_OP)
#undef MISSING_OP
	return NULL;
}

cstore *cstore_open(const char *path, int busy_timeout_ms, const cstore_codec *codec, char *err,
		    size_t errlen)
{
	int pg = !strncmp(path, "postgresql://", 13) || !strncmp(path, "postgres://", 11);
	cstore *st = pg ? cstore_pg_open(path, busy_timeout_ms, codec, err, errlen)
			: cstore_sqlite_open(path, busy_timeout_ms, codec, err, errlen);
	const char *missing = st ? ops_missing(st->ops) : NULL;
	if (missing) {
		snprintf(err, errlen,
			 "the %s back end of this loket-central lacks the store's function %s "
			 "(a build without it): not opened",
			 pg ? "PostgreSQL" : "SQLite", missing);
		if (st->ops->close)
			st->ops->close(st);
		return NULL;
	}
	return st;
}

void cstore_close(cstore *st)
{
	if (st)
		st->ops->close(st);
}

int cstore_ingest(cstore *st, const char *site, const cstore_batch *b, int64_t now_ms,
		  cstore_ingest_result *r)
{
	return st->ops->ingest(st, site, b, now_ms, r);
}

int cstore_site_get(cstore *st, const char *site, cstore_site_info *out)
{
	return st->ops->site_get(st, site, out);
}

int cstore_events(cstore *st, const char *site, int64_t after, int64_t limit, cstore_event_cb cb,
		  void *ctx)
{
	return st->ops->events(st, site, after, limit, cb, ctx);
}

int cstore_tickets(cstore *st, const char *from_day, const char *to_day, const char *site,
		   cstore_ticket_cb cb, void *ctx)
{
	return st->ops->tickets(st, from_day, to_day, site, cb, ctx);
}

int cstore_tickets_page(cstore *st, const char *from_day, const char *to_day, const char *site,
			cstore_ticket_cursor *cur, size_t limit, cstore_ticket_cb cb, void *ctx,
			size_t *n)
{
	return st->ops->tickets_page(st, from_day, to_day, site, cur, limit, cb, ctx, n);
}

int cstore_desk_spans(cstore *st, const char *from_day, const char *to_day, const char *site,
		      cstore_span_cb cb, void *ctx)
{
	return st->ops->desk_spans(st, from_day, to_day, site, cb, ctx);
}

int cstore_period_aggs(cstore *st, const char *from_day, const char *to_day, const char *site,
		       cstore_agg_cb cb, void *ctx)
{
	return st->ops->period_aggs(st, from_day, to_day, site, cb, ctx);
}

int cstore_period_counts(cstore *st, const char *from_day, const char *to_day, const char *site,
			 cstore_count_cb cb, void *ctx)
{
	return st->ops->period_counts(st, from_day, to_day, site, cb, ctx);
}

int cstore_day_totals(cstore *st, const char *from_day, const char *to_day, cstore_day_total_cb cb,
		      void *ctx)
{
	return st->ops->day_totals(st, from_day, to_day, cb, ctx);
}

int cstore_site_names(cstore *st, cstore_name_cb cb, void *ctx)
{
	return st->ops->site_names(st, cb, ctx);
}

int cstore_month_totals(cstore *st, const char *from_day, const char *to_day,
			cstore_day_total_cb cb, void *ctx)
{
	return st->ops->month_totals(st, from_day, to_day, cb, ctx);
}

int cstore_day_cats(cstore *st, const char *from_day, const char *to_day, const char *site,
		    cstore_day_cat_cb cb, void *ctx)
{
	return st->ops->day_cats(st, from_day, to_day, site, cb, ctx);
}

int cstore_rebuild_tickets(cstore *st)
{
	return st->ops->rebuild_tickets(st);
}

int cstore_profile_put(cstore *st, const char *site, const char *name, const char *languages,
		       const char *body, size_t len, const cstore_label *labels, size_t nlabels,
		       int64_t now_ms)
{
	return st->ops->profile_put(st, site, name, languages, body, len, labels, nlabels, now_ms);
}

int cstore_profiles(cstore *st, cstore_profile_cb cb, void *ctx)
{
	return st->ops->profiles(st, cb, ctx);
}

int cstore_labels(cstore *st, cstore_label_cb cb, void *ctx)
{
	return st->ops->labels(st, cb, ctx);
}

int cstore_backup(cstore *st, const char *dest, int64_t *events, char *err, size_t errlen)
{
	*events = 0;
	if (!st->ops->backup) {
		snprintf(err, errlen,
			 "this database is backed up with its own tools (PostgreSQL: pg_dump; "
			 "see docs/central.md, \"Backups\")");
		return CSTORE_ERROR;
	}
	return st->ops->backup(st, dest, events, err, errlen);
}

int cstore_ping(cstore *st)
{
	return st->ops->ping(st);
}

int cstore_sites(cstore *st, cstore_site_cb cb, void *ctx)
{
	return st->ops->sites(st, cb, ctx);
}

int cstore_site_add(cstore *st, const char *id, const char *name, const unsigned char sha[32],
		    int64_t now_ms)
{
	return st->ops->site_add(st, id, name, sha, now_ms);
}

int cstore_site_token(cstore *st, const char *id, const unsigned char sha[32], int64_t now_ms)
{
	return st->ops->site_token(st, id, sha, now_ms);
}

int cstore_site_enable(cstore *st, const char *id, int enabled, int64_t now_ms)
{
	return st->ops->site_enable(st, id, enabled, now_ms);
}

int cstore_sites_import(cstore *st, const cstore_site_new *v, size_t n, int64_t now_ms, int *done,
			size_t *imported)
{
	return st->ops->sites_import(st, v, n, now_ms, done, imported);
}

int cstore_version(cstore *st, int64_t *version)
{
	return st->ops->version(st, version);
}

int cstore_sites_version(cstore *st, int64_t *version)
{
	return st->ops->sites_version(st, version);
}

int cstore_health_put(cstore *st, const char *site, int64_t received_ms, int64_t offset_ms,
		      const char *body, size_t len)
{
	return st->ops->health_put(st, site, received_ms, offset_ms, body, len);
}

int cstore_health_each(cstore *st, cstore_health_cb cb, void *ctx)
{
	return st->ops->health_each(st, cb, ctx);
}

int cstore_account_add(cstore *st, const char *name, const char *role, const char *sites,
		       const char *pw_hash, int64_t now_ms)
{
	return st->ops->account_add(st, name, role, sites, pw_hash, now_ms);
}

int cstore_account_get(cstore *st, const char *name, cstore_account_cb cb, void *ctx)
{
	return st->ops->account_get(st, name, cb, ctx);
}

int cstore_accounts(cstore *st, cstore_account_cb cb, void *ctx)
{
	return st->ops->accounts(st, cb, ctx);
}

int cstore_account_password(cstore *st, const char *name, const char *pw_hash, int64_t now_ms)
{
	return st->ops->account_password(st, name, pw_hash, now_ms);
}

int cstore_account_enable(cstore *st, const char *name, int enabled, int64_t now_ms)
{
	return st->ops->account_enable(st, name, enabled, now_ms);
}

int cstore_session_add(cstore *st, const unsigned char sha[32], int64_t account,
		       const unsigned char *admin_sha256, int64_t now_ms, int64_t expires_ms)
{
	return st->ops->session_add(st, sha, account, admin_sha256, now_ms, expires_ms);
}

int cstore_session_get(cstore *st, const unsigned char sha[32], cstore_session_cb cb, void *ctx)
{
	return st->ops->session_get(st, sha, cb, ctx);
}

int cstore_session_touch(cstore *st, const unsigned char sha[32], int64_t now_ms)
{
	return st->ops->session_touch(st, sha, now_ms);
}

int cstore_session_end(cstore *st, const unsigned char sha[32])
{
	return st->ops->session_end(st, sha);
}

int cstore_token_add(cstore *st, const char *name, const unsigned char sha[32], int max,
		     int64_t now_ms)
{
	return st->ops->token_add(st, name, sha, max, now_ms);
}

int cstore_tokens_revoke(cstore *st, const char *name, int *revoked)
{
	return st->ops->tokens_revoke(st, name, revoked);
}

int cstore_token_get(cstore *st, const unsigned char sha[32], cstore_account_cb cb, void *ctx)
{
	return st->ops->token_get(st, sha, cb, ctx);
}

int cstore_audit_add(cstore *st, int64_t at_ms, const char *actor, const char *action,
		     const char *detail)
{
	return st->ops->audit_add(st, at_ms, actor, action, detail);
}

int cstore_audit(cstore *st, int64_t before, int limit, cstore_audit_cb cb, void *ctx)
{
	return st->ops->audit(st, before, limit, cb, ctx);
}

int cstore_conf_put(cstore *st, const cstore_conf_new *v, size_t n, const char *author,
		    const char *note, int64_t now_ms, int64_t *version)
{
	return st->ops->conf_put(st, v, n, author, note, now_ms, version);
}

int cstore_conf_get(cstore *st, const char *site, int64_t version, cstore_conf_cb cb, void *ctx)
{
	return st->ops->conf_get(st, site, version, cb, ctx);
}

int cstore_conf_versions(cstore *st, const char *site, cstore_conf_cb cb, void *ctx)
{
	return st->ops->conf_versions(st, site, cb, ctx);
}

int cstore_template_put(cstore *st, const char *name, const char *body, size_t len,
			const char *author, int64_t now_ms)
{
	return st->ops->template_put(st, name, body, len, author, now_ms);
}

int cstore_template_get(cstore *st, const char *name, cstore_template_cb cb, void *ctx)
{
	return st->ops->template_get(st, name, cb, ctx);
}

int cstore_templates(cstore *st, cstore_template_cb cb, void *ctx)
{
	return st->ops->templates(st, cb, ctx);
}

int cstore_enrol_code_put(cstore *st, const char *site, const unsigned char code_sha[32],
			  int64_t now_ms, int64_t expires_ms)
{
	return st->ops->enrol_code_put(st, site, code_sha, now_ms, expires_ms);
}

int cstore_enrol_use(cstore *st, const unsigned char code_sha[32],
		     const unsigned char token_sha[32], int64_t now_ms, char *site, size_t cap,
		     int *why, cstore_conf_cb cb, void *ctx)
{
	return st->ops->enrol_use(st, code_sha, token_sha, now_ms, site, cap, why, cb, ctx);
}

const char *cstore_status_str(int status)
{
	switch (status) {
	case CSTORE_OK: return "ok";
	case CSTORE_GAP: return "a gap in the seqs";
	case CSTORE_CONFLICT: return "a conflict with what is held";
	case CSTORE_BUSY: return "the database is busy or out of reach (tried again later)";
	case CSTORE_FULL: return "the disk is full";
	case CSTORE_NOT_FOUND: return "not found";
	default: return "an error (logged above)";
	}
}
