/*
 * health — what a site's latest heartbeat (heartbeat.c stores it) and
 * central's own records say about the site, in plain words for people
 * (the sites page, the dashboard) and as gauges for Prometheus (/metrics).
 *
 * A site's heartbeat carries its opening schedule, so a site silent while
 * it means to be open is down ("no contact since Tuesday 14:02 (open on
 * Tuesdays 09:00-17:00)") and one silent only while closed is not ("closed,
 * opens Wednesday 09:00"). See docs/central.md, "Site health".
 */
#ifndef CENTRAL_HEALTH_H
#define CENTRAL_HEALTH_H

#include <stdint.h>

#include "buf.h"
#include "cstore.h"

/* A site is silent after this long without a heartbeat or batch. */
#define HEALTH_SILENT_S 120

typedef struct {
	const char *site;
	int64_t last_seen_ms; /* 0 = never */
	int ok;		      /* nothing wrong */
	const char *words;    /* "kiosk not running (counter:2); clock 3 h behind", or "ok" */
	const cstore_health *rec; /* what the store holds of the site (events, acked_through) */
} health_site;

/* Calls cb for each registered site, in order, with what is wrong in lang
 * ("nl" or "en"). now_ms is central's clock. CSTORE_OK or the store's
 * status. */
typedef void (*health_cb)(void *ctx, const health_site *h);
int health_each(cstore *st, int64_t now_ms, const char *lang, health_cb cb, void *ctx);

/* Appends the per-site gauges (loket_site_*) in Prometheus text: 0, or -1
 * if out of room or the store failed. */
int health_metrics(cstore *st, buf *o);

#endif
