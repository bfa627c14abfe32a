/*
 * central — the request handlers, as http.c routes to them. Each takes a
 * request and fills a reply (req.h); handlers (api.c, profile.c, heartbeat.c,
 * sites_page.c, people_page.c, audit_page.c, web.c,
 * report.c, report_page.c, xlsx.c, csv.c) never touch a socket, never
 * queue anything themselves and never call back into http.c.
 */
#ifndef CENTRAL_CENTRAL_H
#define CENTRAL_CENTRAL_H

#include "req.h"

/* Handlers. Each fills rp; none fails silently. */
int api_ingest_early(request *rq, reply *rp); /* 1 if answered before the body */
void api_ingest(request *rq, reply *rp);
void api_events(request *rq, reply *rp);
void web_login_form(request *rq, reply *rp);
void web_login(request *rq, reply *rp);
void web_logout(request *rq, reply *rp);
void report_dashboard(request *rq, reply *rp);
void csv_export(request *rq, reply *rp);  /* /export/tickets.csv */
void csv_staffed(request *rq, reply *rp); /* /export/staffed.csv */

/* PUT /api/v1/sites/{site}/profile (profile.c). */
#define PROFILE_MAX_BYTES (256u << 10)
int profile_early(request *rq, reply *rp); /* 1 if answered before the body */
void profile_put(request *rq, reply *rp);
/* The site part of /api/v1/sites/{site}/profile, as route_site. */
int route_profile(const char *path, char *site, size_t cap);
/* POST /api/v1/sites/{site}/heartbeat (heartbeat.c). */
#define HEALTH_MAX_BYTES (64u << 10)
int health_early(request *rq, reply *rp); /* 1 if answered before the body */
void health_post(request *rq, reply *rp);
/* The site part of /api/v1/sites/{site}/heartbeat, as route_site. */
int route_heartbeat(const char *path, char *site, size_t cap);
/* GET and POST /sites: the admin's page of sites (sites_page.c). */
void sites_page(request *rq, reply *rp);
void sites_page_post(request *rq, reply *rp);
/* GET and POST /people: the admin's page of accounts (people_page.c). */
void people_page(request *rq, reply *rp);
void people_page_post(request *rq, reply *rp);
/* GET /audit: the audit log, newest first (audit_page.c). */
void audit_page(request *rq, reply *rp);
/* GET /healthz and GET /metrics (status.c). */
void status_healthz(request *rq, reply *rp);
void status_metrics(request *rq, reply *rp);
/* The managed configuration's API (siteconf_api.c): a site's config, its
 * versions and rollback, templates; route_siteconf says 1 for their paths.
 * POST /api/v1/enrol. The body cap of both: SITECONF_BODY_MAX. */
#define SITECONF_BODY_MAX (768u << 10) /* the dashboard's form, URL-encoded */
void siteconf_api(request *rq, reply *rp);
/* Before the body of a PUT or POST to those paths or the page: 1 if it was
 * answered (not an admin: 401, 403, or to the sign-in), so a configuration's
 * body is only ever read from an admin. */
int siteconf_early(request *rq, reply *rp);
int route_siteconf(const char *path);
void enrol_post(request *rq, reply *rp);
/* GET and POST /sites/{id}/config, the admin's configuration page
 * (siteconf_page.c); route_siteconf_page says 1 for its paths. */
void siteconf_page(request *rq, reply *rp);
int route_siteconf_page(const char *path);
/* The report page and its xlsx (report_page.c, xlsx.c). */
void report_page(request *rq, reply *rp);
void report_xlsx(request *rq, reply *rp);

#endif
