/*
 * sites_page — GET and POST /sites, the admin's page of sites: each site
 * (name, id, enabled, last contact and what is wrong, health.c) and the
 * forms to add a site, give one a new token, make an enrolment code for
 * one (enrol.h) and disable or enable one; each site's configuration
 * version as its last heartbeat says (a refusal is in its health) and a
 * link to its configuration page (siteconf_page.c). A new token or code is
 * shown once, on the page that answers the form, and never again (only
 * its SHA-256 is stored, sites.c, enrol.c).
 *
 * Only an admin (the admin token, or an account with the role admin: a
 * viewer gets 403); the forms are protected as the sign-in is: the session
 * cookie is SameSite=Strict, so another site's page cannot post with it,
 * and a POST whose Origin is not this server's or whose Sec-Fetch-Site
 * says cross-site is refused (403) besides (req_same_origin). Each change
 * is written to the audit log with the admin's name.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "central.h"
#include "clock.h"
#include "enrol.h"
#include "health.h"
#include "sites.h"

typedef struct {
	buf *o;
	const cconf *c;
	int en;
	json_t *versions; /* site id -> the configuration version it runs */
} page;

/* Each site's "config_version" from its last heartbeat, into the map. */
static int on_beat(void *ctx, const cstore_health *h)
{
	json_t *hb = h->len ? json_loadb(h->body, h->len, 0, NULL) : NULL;
	const char *v = json_string_value(json_object_get(hb, "config_version"));
	if (v)
		json_object_set_new(ctx, h->site, json_string(v));
	json_decref(hb);
	return 0;
}

static void on_health(void *ctx, const health_site *h)
{
	page *p = ctx;
	const cconf_site *s = NULL;
	for (int i = 0; i < p->c->nsites; i++)
		if (!strcmp(p->c->sites[i].id, h->site))
			s = &p->c->sites[i];
	if (!s)
		return; /* added after this request began */
	buf *o = p->o;
	buf_printf(o, "<tr class=\"%s\"><td>", s->disabled ? "off" : h->ok ? "ok" : "bad");
	buf_add_html(o, s->name);
	buf_adds(o, "</td><td><code>");
	buf_add_html(o, s->id);
	buf_printf(o, "</code></td><td>%s</td><td>",
		   s->disabled ? (p->en ? "disabled" : "uitgeschakeld") : (p->en ? "yes" : "ja"));
	if (h->last_seen_ms) {
		char iso[CLOCK_ISO_LEN];
		clock_format_iso(h->last_seen_ms, iso, sizeof iso);
		buf_printf(o, "%.10s %.8s", iso, iso + 11);
	} else {
		buf_adds(o, p->en ? "never" : "nooit");
	}
	buf_adds(o, "</td><td class=\"health\">");
	buf_add_html(o, h->words);
	const char *ver = json_string_value(json_object_get(p->versions, s->id));
	buf_printf(o, "</td><td class=\"version\"><a href=\"/sites/%s/config%s\">", s->id,
		   p->en ? "?lang=en" : "");
	size_t vl = ver ? strlen(ver) : 0;
	if (vl > 2 && ver[0] == '"' && ver[vl - 1] == '"') { /* an ETag: "v7" */
		char bare[160];
		snprintf(bare, sizeof bare, "%.*s", (int)(vl - 2), ver + 1);
		buf_add_html(o, bare); /* what a site sent: escaped like the rest */
	} else if (ver) {
		buf_add_html(o, ver);
	} else {
		buf_adds(o, p->en ? "own file" : "eigen bestand");
	}
	buf_printf(o,
		   "</a></td><td><form method=\"post\" action=\"/sites%s\">"
		   "<input type=\"hidden\" name=\"id\" value=\"%s\">"
		   "<button name=\"do\" value=\"rotate\">%s</button> "
		   "<button name=\"do\" value=\"enrol\">%s</button> "
		   "<button name=\"do\" value=\"%s\">%s</button></form></td></tr>",
		   p->en ? "?lang=en" : "", s->id, p->en ? "New token" : "Nieuw token",
		   p->en ? "Enrolment code" : "Aanmeldcode", s->disabled ? "enable" : "disable",
		   s->disabled ? (p->en ? "Enable" : "Inschakelen")
			       : (p->en ? "Disable" : "Uitschakelen"));
}

/* The page; message (escaped) and a new token (shown once) above the table. */
static void render(request *rq, reply *rp, int status, const char *message, const char *id,
		   const char *token, const char *code)
{
	int en = !strcmp(req_lang(rq), "en");
	rp->status = status;
	rp->ctype = "text/html; charset=utf-8";
	reply_header(rp, "Content-Security-Policy",
		     "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
		     "frame-ancestors 'none'");
	buf *o = &rp->body;
	buf_printf(o,
		   "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
		   "<meta name=\"viewport\" content=\"width=device-width\">"
		   "<title>loket — %s</title><style>"
		   "body{font-family:system-ui,sans-serif;background:#f3f5f7;color:#1d2a35;"
		   "margin:0 auto;max-width:1100px;padding:1em}"
		   "table{border-collapse:collapse;width:100%%;background:#fff}"
		   "td,th{padding:.45em .6em;border-bottom:1px solid #e6eaee;text-align:left}"
		   "tr.bad .health{color:#b00020}tr.off{color:#7b8794}"
		   ".msg{background:#fff;padding:1em;border-left:4px solid #1f6f8b;margin:1em 0}"
		   ".token{font-family:monospace;font-size:1.1em;word-break:break-all}"
		   "form.add{background:#fff;padding:1em;margin:1em 0}"
		   "</style></head><body><p><a href=\"/%s\">%s</a></p><h1>%s</h1>",
		   en ? "en" : "nl", en ? "sites" : "locaties", en ? "?lang=en" : "",
		   en ? "← dashboard" : "← overzicht", en ? "Sites" : "Locaties");
	if (message) {
		buf_adds(o, "<div class=\"msg\"><p>");
		buf_add_html(o, message);
		buf_adds(o, "</p>");
		if (token) {
			buf_printf(o, "<p>%s <code>", en ? "The token of" : "Het token van");
			buf_add_html(o, id);
			buf_printf(
			    o, "</code> (%s):</p><p class=\"token\" id=\"token\">%s</p>",
			    en ? "shown this once: put it in the site's token file now"
			       : "alleen nu getoond: zet het nu in het tokenbestand van de locatie",
			    token);
		}
		if (code) {
			buf_printf(o, "<p>%s <code>",
				   en ? "The enrolment code of" : "De aanmeldcode van");
			buf_add_html(o, id);
			buf_printf(o,
				   "</code> (%s):</p><p class=\"token\" id=\"code\">%s</p><p><code>"
				   "loket-syncd -c /etc/loket/site.json --enrol URL %s</code></p>",
				   en ? "shown this once, good once for 24 hours"
				      : "alleen nu getoond, eenmalig 24 uur geldig",
				   code, code);
		}
		buf_adds(o, "</div>");
	}
	buf_printf(o,
		   "<table id=\"sites\"><tr><th>%s</th><th>id</th><th>%s</th><th>%s</th>"
		   "<th>%s</th><th>%s</th><th></th></tr>",
		   en ? "Name" : "Naam", en ? "Enabled" : "Actief",
		   en ? "Last contact" : "Laatste contact", en ? "Health" : "Toestand",
		   en ? "Configuration" : "Configuratie");
	page p = {o, rq->app->cfg, en, json_object()};
	if (!p.versions || cstore_health_each(rq->app->st, on_beat, p.versions) != CSTORE_OK ||
	    health_each(rq->app->st, clock_now_ms(), en ? "en" : "nl", on_health, &p) != CSTORE_OK)
		buf_printf(o, "<tr><td colspan=\"7\">%s</td></tr>",
			   en ? "the database cannot be read now"
			      : "de database is nu niet leesbaar");
	json_decref(p.versions);
	buf_printf(o,
		   "</table><form class=\"add\" method=\"post\" action=\"/sites%s\">"
		   "<h2>%s</h2><input type=\"hidden\" name=\"do\" value=\"add\">"
		   "<label>id <input name=\"id\" required pattern=\"[a-z0-9_\\-]{1,31}\" "
		   "maxlength=\"31\"></label> <label>%s <input name=\"name\" required "
		   "maxlength=\"255\"></label> <button>%s</button></form></body></html>\n",
		   en ? "?lang=en" : "", en ? "Add a site" : "Locatie toevoegen",
		   en ? "name" : "naam", en ? "Add" : "Toevoegen");
}

void sites_page(request *rq, reply *rp)
{
	if (req_gate(rq, rp, 1))
		render(rq, rp, 200, NULL, NULL, NULL, NULL);
}

void sites_page_post(request *rq, reply *rp)
{
	if (!req_gate(rq, rp, 1))
		return;
	/* A form of another page (cross-site) is refused even with a cookie. */
	if (!req_same_origin(rq)) {
		reply_text(rp, 403, "a form of another site: refused");
		return;
	}
	int en = !strcmp(req_lang(rq), "en");
	char what[16], id[CCONF_ID_LEN + 8], name[CCONF_TEXT_LEN + 8], err[300],
	    token[SITES_TOKEN_LEN], msg[400];
	if (req_form_value(rq->body, "do", what, sizeof what) ||
	    req_form_value(rq->body, "id", id, sizeof id)) {
		render(rq, rp, 400,
		       en ? "The form lacks do or id." : "Het formulier mist do of id.", NULL, NULL,
		       NULL);
		return;
	}
	int rc;
	char code[ENROL_CODE_LEN] = "";
	int64_t until = 0;
	if (!strcmp(what, "add")) {
		if (req_form_value(rq->body, "name", name, sizeof name))
			name[0] = '\0';
		rc = sites_add(rq->app->st, id, name, token, err, sizeof err);
	} else if (!strcmp(what, "rotate")) {
		rc = sites_rotate(rq->app->st, id, token, err, sizeof err);
	} else if (!strcmp(what, "disable") || !strcmp(what, "enable")) {
		rc = sites_enable(rq->app->st, id, !strcmp(what, "enable"), err, sizeof err);
	} else if (!strcmp(what, "enrol")) {
		rc = enrol_code_new(rq->app->st, id, code, &until, err, sizeof err);
	} else {
		render(rq, rp, 400, en ? "Unknown action." : "Onbekende actie.", NULL, NULL, NULL);
		return;
	}
	if (rc != CSTORE_OK) {
		reply_note(rp, "sites: %s %s refused: %s", what, id, err);
		render(rq, rp,
		       rc == SITES_INVALID			? 400
		       : rc == CSTORE_NOT_FOUND			? 404
		       : rc == CSTORE_CONFLICT			? 409
		       : rc == CSTORE_BUSY || rc == CSTORE_FULL ? 503
								: 500,
		       err, NULL, NULL, NULL);
		return;
	}
	reply_note(rp, "sites: %s %s", what, id);
	audit_note(rq->app->st, req_actor(rq),
		   !strcmp(what, "add")	     ? "site.add"
		   : !strcmp(what, "rotate") ? "site.rotate-token"
		   : !strcmp(what, "enable") ? "site.enable"
		   : !strcmp(what, "enrol")  ? "site.enrol-code"
					     : "site.disable",
		   "%s", id);
	snprintf(msg, sizeof msg, "%s: %s", id,
		 !strcmp(what, "add")	   ? (en ? "added" : "toegevoegd")
		 : !strcmp(what, "rotate") ? (en ? "new token; the old one no longer works"
						 : "nieuw token; het oude werkt niet meer")
		 : !strcmp(what, "enable") ? (en ? "enabled" : "ingeschakeld")
		 : !strcmp(what, "enrol") ? (en ? "a new enrolment code" : "een nieuwe aanmeldcode")
					  : (en ? "disabled: its token is refused"
						: "uitgeschakeld: het token wordt geweigerd"));
	int shows_token = !strcmp(what, "add") || !strcmp(what, "rotate");
	/* The request's snapshot predates the change: take the new one for
	 * the table. */
	const sites_snap *snap = sites_take(rq->app->sites);
	cconf cfg = *rq->app->cfg;
	cfg.sites = snap->v;
	cfg.nsites = snap->n;
	central app = *rq->app;
	app.cfg = &cfg;
	request r2 = *rq;
	r2.app = &app;
	render(&r2, rp, 200, msg, id, shows_token ? token : NULL, code[0] ? code : NULL);
	sites_drop(rq->app->sites, snap);
}
