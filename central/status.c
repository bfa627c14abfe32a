/*
 * status — the server's own state for machines: GET /healthz (200 "ok"
 * when the database answers, else 503 with Retry-After; anyone may ask)
 * and GET /metrics (Prometheus text; the metrics token or the admin, since
 * it names every site), with each site's health as gauges (health.c).
 */
#include "central.h"
#include "health.h"

void status_healthz(request *rq, reply *rp)
{
	if (cstore_ping(rq->app->st) == CSTORE_OK) {
		reply_text(rp, 200, "ok");
	} else {
		reply_text(rp, 503, "database unavailable");
		reply_header(rp, "Retry-After", "5");
	}
}

void status_metrics(request *rq, reply *rp)
{
	if (!req_may_read_metrics(rq)) {
		reply_text(rp, 401, "send Authorization: Bearer <metrics token or admin token>");
		reply_header(rp, "WWW-Authenticate", "Bearer realm=\"loket\"");
		return;
	}
	rp->status = 200;
	rp->ctype = "text/plain; version=0.0.4; charset=utf-8";
	if (metrics_render(rq->app->m, rq->app->cfg, &rp->body) ||
	    health_metrics(rq->app->st, &rp->body))
		reply_text(rp, 500, "metrics too large, or the database failed");
}
