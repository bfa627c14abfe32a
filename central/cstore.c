/*
 * cstore — the one way into the central database: cstore_open picks the
 * back end from the database string (cstore_backend.h), and every other
 * function passes the call to that back end's table. Nothing else here:
 * the meaning of each function is in cstore.h.
 */
#include "cstore.h"

#include <stdio.h>

#include "cstore_backend.h"

cstore *cstore_open(const char *path, int busy_timeout_ms, const cstore_codec *codec, char *err,
		    size_t errlen)
{
	return cstore_sqlite_open(path, busy_timeout_ms, codec, err, errlen);
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

int cstore_day_cats(cstore *st, const char *from_day, const char *to_day, cstore_day_cat_cb cb,
		    void *ctx)
{
	return st->ops->day_cats(st, from_day, to_day, cb, ctx);
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
