/*
 * cstore_backend — what a back end of cstore.h gives: one table of
 * functions (cstore_ops), one per function of cstore.h after open, with the
 * same meaning. A back end's store begins with a struct cstore (its ops),
 * so a cstore * is its own store; cstore.c opens the back end the database
 * string names and passes every call through the table.
 */
#ifndef CENTRAL_CSTORE_BACKEND_H
#define CENTRAL_CSTORE_BACKEND_H

#include "cstore.h"

typedef struct cstore_ops {
	void (*close)(cstore *st);
	int (*ingest)(cstore *st, const char *site, const cstore_batch *b, int64_t now_ms,
		      cstore_ingest_result *r);
	int (*site_get)(cstore *st, const char *site, cstore_site_info *out);
	int (*events)(cstore *st, const char *site, int64_t after, int64_t limit,
		      cstore_event_cb cb, void *ctx);
	int (*tickets)(cstore *st, const char *from_day, const char *to_day, const char *site,
		       cstore_ticket_cb cb, void *ctx);
	int (*tickets_page)(cstore *st, const char *from_day, const char *to_day, const char *site,
			    cstore_ticket_cursor *cur, size_t limit, cstore_ticket_cb cb, void *ctx,
			    size_t *n);
	int (*desk_spans)(cstore *st, const char *from_day, const char *to_day, const char *site,
			  cstore_span_cb cb, void *ctx);
	int (*period_aggs)(cstore *st, const char *from_day, const char *to_day, const char *site,
			   cstore_agg_cb cb, void *ctx);
	int (*period_counts)(cstore *st, const char *from_day, const char *to_day, const char *site,
			     cstore_count_cb cb, void *ctx);
	int (*day_totals)(cstore *st, const char *from_day, const char *to_day,
			  cstore_day_total_cb cb, void *ctx);
	int (*site_names)(cstore *st, cstore_name_cb cb, void *ctx);
	int (*month_totals)(cstore *st, const char *from_day, const char *to_day,
			    cstore_day_total_cb cb, void *ctx);
	int (*day_cats)(cstore *st, const char *from_day, const char *to_day, const char *site,
			cstore_day_cat_cb cb, void *ctx);
	int (*rebuild_tickets)(cstore *st);
	int (*profile_put)(cstore *st, const char *site, const char *name, const char *languages,
			   const char *body, size_t len, const cstore_label *labels, size_t nlabels,
			   int64_t now_ms);
	int (*profiles)(cstore *st, cstore_profile_cb cb, void *ctx);
	int (*labels)(cstore *st, cstore_label_cb cb, void *ctx);
	int (*ping)(cstore *st);
	/* NULL: this back end has its own tools (cstore_backup says so); the
	 * only function that may be NULL (cstore_open checks the others) */
	int (*backup)(cstore *st, const char *dest, int64_t *events, char *err, size_t errlen);
	int (*sites)(cstore *st, cstore_site_cb cb, void *ctx);
	int (*site_add)(cstore *st, const char *id, const char *name, const unsigned char sha[32],
			int64_t now_ms);
	int (*site_token)(cstore *st, const char *id, const unsigned char sha[32], int64_t now_ms);
	int (*site_enable)(cstore *st, const char *id, int enabled, int64_t now_ms);
	int (*sites_import)(cstore *st, const cstore_site_new *v, size_t n, int64_t now_ms,
			    int *done, size_t *imported);
	int (*version)(cstore *st, int64_t *version);
	int (*sites_version)(cstore *st, int64_t *version);
	int (*health_put)(cstore *st, const char *site, int64_t received_ms, int64_t offset_ms,
			  const char *body, size_t len);
	int (*health_each)(cstore *st, cstore_health_cb cb, void *ctx);
	int (*account_add)(cstore *st, const char *name, const char *role, const char *sites,
			   const char *pw_hash, int64_t now_ms);
	int (*account_get)(cstore *st, const char *name, cstore_account_cb cb, void *ctx);
	int (*accounts)(cstore *st, cstore_account_cb cb, void *ctx);
	int (*account_password)(cstore *st, const char *name, const char *pw_hash, int64_t now_ms);
	int (*account_enable)(cstore *st, const char *name, int enabled, int64_t now_ms);
	int (*session_add)(cstore *st, const unsigned char sha[32], int64_t account,
			   const unsigned char *admin_sha256, int64_t now_ms, int64_t expires_ms);
	int (*session_get)(cstore *st, const unsigned char sha[32], cstore_session_cb cb, void *ctx);
	int (*session_touch)(cstore *st, const unsigned char sha[32], int64_t now_ms);
	int (*session_end)(cstore *st, const unsigned char sha[32]);
	int (*token_add)(cstore *st, const char *name, const unsigned char sha[32], int max,
			 int64_t now_ms);
	int (*tokens_revoke)(cstore *st, const char *name, int *revoked);
	int (*token_get)(cstore *st, const unsigned char sha[32], cstore_account_cb cb, void *ctx);
	int (*audit_add)(cstore *st, int64_t at_ms, const char *actor, const char *action,
			 const char *detail);
	int (*audit)(cstore *st, int64_t before, int limit, cstore_audit_cb cb, void *ctx);
	int (*conf_put)(cstore *st, const cstore_conf_new *v, size_t n, const char *author,
			const char *note, int64_t now_ms, int64_t *version);
	int (*conf_get)(cstore *st, const char *site, int64_t version, cstore_conf_cb cb,
			void *ctx);
	int (*conf_versions)(cstore *st, const char *site, cstore_conf_cb cb, void *ctx);
	int (*template_put)(cstore *st, const char *name, const char *body, size_t len,
			    const char *author, int64_t now_ms);
	int (*template_get)(cstore *st, const char *name, cstore_template_cb cb, void *ctx);
	int (*templates)(cstore *st, cstore_template_cb cb, void *ctx);
	int (*enrol_code_put)(cstore *st, const char *site, const unsigned char code_sha[32],
			      int64_t now_ms, int64_t expires_ms);
	int (*enrol_use)(cstore *st, const unsigned char code_sha[32],
			 const unsigned char token_sha[32], int64_t now_ms, char *site, size_t cap,
			 int *why, cstore_conf_cb cb, void *ctx);
} cstore_ops;

struct cstore {
	const cstore_ops *ops;
};

/* The SQLite back end (cstore_sqlite.c): path is a file name. */
cstore *cstore_sqlite_open(const char *path, int busy_timeout_ms, const cstore_codec *codec,
			   char *err, size_t errlen);
/* The PostgreSQL back end (cstore_pg.c): uri is a libpq URI
 * ("postgresql://…" or "postgres://…"). */
cstore *cstore_pg_open(const char *uri, int busy_timeout_ms, const cstore_codec *codec, char *err,
		       size_t errlen);

#endif
