/*
 * siteconf_page — GET and POST /sites/{id}/config, the admin's page of one
 * site's managed configuration (siteconf.h), in Dutch or English
 * (req_lang), in the look of the sites page:
 *
 *   - the latest version in words: name, languages, the kinds of help with
 *     their label in each language, opening hours, closed days, desks;
 *   - the same as JSON in a textarea, saved by the form (do=save): a new
 *     version, or the page again with the text as typed and every problem
 *     named by its key (siteconf_check, the site's own checks);
 *   - every version with its author and time, each with "go back to this
 *     version" (do=rollback: a new version equal to it) and a link to its
 *     differences from the one before; ?from=N&to=M shows a line diff of
 *     two versions (siteconf_diff).
 *
 * Only the admin; the forms are guarded as the sites page's are (SameSite
 * session cookie, and req_same_origin).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "central.h"
#include "clock.h"
#include "siteconf.h"

#define PAGE_PREFIX "/sites/"
#define PAGE_SUFFIX "/config"

int route_siteconf_page(const char *path)
{
	size_t pl = strlen(PAGE_PREFIX), xl = strlen(PAGE_SUFFIX), n = strlen(path);
	return n > pl + xl && !strncmp(path, PAGE_PREFIX, pl) &&
	       !strcmp(path + n - xl, PAGE_SUFFIX);
}

/* The site of the path, registered: its index, or -1. */
static int page_site(const request *rq)
{
	size_t pl = strlen(PAGE_PREFIX), xl = strlen(PAGE_SUFFIX), n = strlen(rq->path);
	char id[CCONF_ID_LEN];
	if (n - pl - xl >= sizeof id)
		return -1;
	memcpy(id, rq->path + pl, n - pl - xl);
	id[n - pl - xl] = '\0';
	const cconf *c = rq->app->cfg;
	for (int i = 0; cconf_valid_id(id) && i < c->nsites; i++)
		if (!strcmp(c->sites[i].id, id))
			return i;
	return -1;
}

typedef struct {
	buf *o;
	int en;
	const char *id;
} page;

#define W(p, en_, nl_) ((p)->en ? (en_) : (nl_))

static void head(page *p, const char *name)
{
	buf_printf(p->o,
		   "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
		   "<meta name=\"viewport\" content=\"width=device-width\">"
		   "<title>loket — %s</title><style>"
		   "body{font-family:system-ui,sans-serif;background:#f3f5f7;color:#1d2a35;"
		   "margin:0 auto;max-width:1100px;padding:1em}"
		   "table{border-collapse:collapse;width:100%%;background:#fff}"
		   "td,th{padding:.45em .6em;border-bottom:1px solid #e6eaee;text-align:left;"
		   "vertical-align:top}"
		   ".msg{background:#fff;padding:1em;border-left:4px solid #1f6f8b;margin:1em 0}"
		   ".err{border-left-color:#b00020;white-space:pre-wrap;font-family:monospace}"
		   "textarea{width:100%%;min-height:28em;font-family:monospace;font-size:.9em}"
		   "form.edit,.sum{background:#fff;padding:1em;margin:1em 0}"
		   "pre.diff{background:#fff;padding:1em;overflow:auto}"
		   ".add{background:#e6f4ea}.del{background:#fde7e9}"
		   "</style></head><body><p><a href=\"/sites%s\">%s</a></p><h1>",
		   p->en ? "en" : "nl", W(p, "configuration", "configuratie"),
		   p->en ? "?lang=en" : "", W(p, "← sites", "← locaties"));
	buf_add_html(p->o, name);
	buf_printf(p->o, " <code>%s</code> — %s</h1>", p->id,
		   W(p, "configuration", "configuratie"));
}

/* j's text, or "" if it is not a string. */
static const char *text_of(const json_t *j)
{
	return json_is_string(j) ? json_string_value(j) : "";
}

static void strings_of(buf *o, const json_t *arr, const char *sep)
{
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (i)
			buf_adds(o, sep);
		buf_add_html(o, json_is_string(v) ? json_string_value(v) : "?");
	}
}

/* The latest version in words. */
static void summary(page *p, const json_t *c, int64_t version)
{
	buf *o = p->o;
	static const char *const days[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
	static const char *const nl_days[7] = {"ma", "di", "wo", "do", "vr", "za", "zo"};
	buf_printf(o, "<div class=\"sum\" id=\"summary\"><h2>%s %lld</h2><p>",
		   W(p, "Version", "Versie"), (long long)version);
	const char *name = json_string_value(json_object_get(json_object_get(c, "site"), "name"));
	if (name) {
		buf_printf(o, "%s: ", W(p, "Name", "Naam"));
		buf_add_html(o, name);
		buf_adds(o, "<br>");
	}
	const json_t *langs = json_object_get(c, "languages");
	buf_printf(o, "%s: ", W(p, "Languages", "Talen"));
	strings_of(o, langs, ", ");
	const json_t *desks = json_object_get(c, "desks");
	buf_printf(o, "<br>%s: %lld</p>", W(p, "Desks", "Balies"),
		   desks ? (long long)json_integer_value(desks) : 1LL);
	buf_printf(o, "<table id=\"kinds\"><tr><th>%s</th><th>%s</th>",
		   W(p, "Kind of help", "Soort hulp"), W(p, "Prefix", "Letter"));
	size_t i;
	const json_t *l;
	json_array_foreach(langs, i, l)
	{
		buf_adds(o, "<th>");
		buf_add_html(o, json_is_string(l) ? json_string_value(l) : "?");
		buf_adds(o, "</th>");
	}
	buf_adds(o, "</tr>");
	const json_t *cat;
	size_t k;
	json_array_foreach(json_object_get(c, "categories"), k, cat)
	{
		buf_adds(o, "<tr><td><code>");
		buf_add_html(o, text_of(json_object_get(cat, "id")));
		buf_adds(o, "</code></td><td>");
		buf_add_html(o, text_of(json_object_get(cat, "prefix")));
		buf_adds(o, "</td>");
		json_array_foreach(langs, i, l)
		{
			const char *t = json_string_value(
			    json_object_get(json_object_get(cat, "label"), text_of(l)));
			buf_adds(o, "<td>");
			buf_add_html(o, t ? t : "");
			buf_adds(o, "</td>");
		}
		buf_adds(o, "</tr>");
	}
	buf_printf(o, "</table><p>%s: ", W(p, "Opening hours", "Openingstijden"));
	const json_t *hours = json_object_get(c, "hours");
	if (!hours)
		buf_adds(o, W(p, "always open", "altijd open"));
	for (int d = 0; hours && d < 7; d++) {
		const json_t *spans = json_object_get(hours, days[d]);
		if (!json_array_size(spans))
			continue;
		buf_printf(o, "%s ", W(p, days[d], nl_days[d]));
		strings_of(o, spans, ", ");
		buf_adds(o, "; ");
	}
	buf_printf(o, "<br>%s: ", W(p, "Closed days", "Gesloten dagen"));
	const json_t *closed = json_object_get(c, "closed_days");
	if (json_array_size(closed))
		strings_of(o, closed, ", ");
	else
		buf_adds(o, W(p, "none", "geen"));
	buf_adds(o, "</p></div>");
}

typedef struct {
	page *p;
	int64_t latest;
} vlist;

static int on_version(void *ctx, const cstore_conf *c)
{
	vlist *v = ctx;
	page *p = v->p;
	char at[CLOCK_ISO_LEN];
	clock_format_iso(c->created_ms, at, sizeof at);
	buf_printf(p->o, "<tr><td>%lld%s</td><td>", (long long)c->version,
		   c->version == v->latest ? W(p, " (current)", " (huidig)") : "");
	buf_add_html(p->o, c->author);
	buf_printf(p->o, "</td><td>%.10s %.8s</td><td>", at, at + 11);
	buf_add_html(p->o, c->note);
	buf_adds(p->o, "</td><td>");
	if (c->version > 1)
		buf_printf(p->o, "<a href=\"/sites/%s/config?from=%lld&amp;to=%lld%s\">%s</a> ",
			   p->id, (long long)c->version - 1, (long long)c->version,
			   p->en ? "&amp;lang=en" : "", W(p, "changes", "wijzigingen"));
	if (c->version != v->latest)
		buf_printf(p->o,
			   "<form method=\"post\" action=\"/sites/%s/config%s\" style=\"display:"
			   "inline\"><input type=\"hidden\" name=\"version\" value=\"%lld\">"
			   "<button name=\"do\" value=\"rollback\">%s</button></form>",
			   p->id, p->en ? "?lang=en" : "", (long long)c->version,
			   W(p, "Go back to this version", "Terug naar deze versie"));
	buf_adds(p->o, "</td></tr>");
	return 0;
}

/* A version's number from the query, or 0. */
static int64_t arg_version(const request *rq, const char *name)
{
	const char *s = req_arg(rq, name);
	char *end;
	long long v = s ? strtoll(s, &end, 10) : 0;
	return s && !*end && v > 0 ? v : 0;
}

static void diff(page *p, request *rq, int64_t from, int64_t to)
{
	char *a = NULL, *b = NULL;
	size_t al, bl;
	buf_printf(p->o, "<h2>%s %lld → %lld</h2>", W(p, "Changes", "Wijzigingen"), (long long)from,
		   (long long)to);
	if (siteconf_version(rq->app->st, p->id, from, &a, &al) != CSTORE_OK ||
	    siteconf_version(rq->app->st, p->id, to, &b, &bl) != CSTORE_OK) {
		buf_printf(p->o, "<p class=\"msg err\">%s</p>",
			   W(p, "No such version.", "Die versie bestaat niet."));
		goto out;
	}
	buf d;
	buf_init(&d, 4u << 20);
	if (siteconf_diff(a, b, &d)) {
		buf_printf(
		    p->o, "<p class=\"msg err\">%s</p>",
		    W(p, "Too many differences to show.", "Te veel verschillen om te tonen."));
	} else {
		buf_adds(p->o, "<pre class=\"diff\" id=\"diff\">");
		for (char *line = d.data; line && *line;) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			buf_printf(p->o, "<span class=\"%s\">",
				   line[0] == '+'   ? "add"
				   : line[0] == '-' ? "del"
						    : "same");
			buf_add_html(p->o, line);
			buf_adds(p->o, "</span>\n");
			line = nl ? nl + 1 : NULL;
		}
		buf_adds(p->o, "</pre>");
	}
	buf_free(&d);
out:
	free(a);
	free(b);
}

/* The page; message (maybe several lines) above, text in the textarea
 * (NULL: the latest version's). */
static void render(request *rq, reply *rp, int status, int si, const char *message, int error,
		   const char *text)
{
	const cconf_site *s = &rq->app->cfg->sites[si];
	page p = {&rp->body, !strcmp(req_lang(rq), "en"), s->id};
	rp->status = status;
	rp->ctype = "text/html; charset=utf-8";
	reply_header(rp, "Content-Security-Policy",
		     "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
		     "frame-ancestors 'none'");
	buf_reset(p.o);
	head(&p, s->name);
	if (message) {
		buf_printf(p.o, "<div class=\"msg%s\" id=\"message\">", error ? " err" : "");
		buf_add_html(p.o, message);
		buf_adds(p.o, "</div>");
	}
	int64_t version = 0;
	char *latest = NULL, etag[SITECONF_ETAG_LEN];
	size_t len = 0;
	int rc = siteconf_latest(rq->app->st, s->id, &version, &latest, &len, etag);
	if (rc == CSTORE_NOT_FOUND) {
		buf_printf(p.o, "<p class=\"msg\">%s</p>",
			   W(&p,
			     "Central manages no configuration for this site yet: the site runs on "
			     "its own file. Save one below.",
			     "Centraal beheert nog geen configuratie voor deze locatie: de locatie "
			     "draait op haar eigen bestand. Sla er hieronder een op."));
	} else if (rc != CSTORE_OK) {
		buf_printf(
		    p.o, "<p class=\"msg err\">%s</p>",
		    W(&p, "The database cannot be read now.", "De database is nu niet leesbaar."));
	} else {
		json_t *j = json_loadb(latest, len, 0, NULL);
		if (j)
			summary(&p, j, version);
		json_decref(j);
	}
	int64_t from = arg_version(rq, "from"), to = arg_version(rq, "to");
	if (from && to)
		diff(&p, rq, from, to);
	buf_printf(p.o,
		   "<form class=\"edit\" method=\"post\" action=\"/sites/%s/config%s\">"
		   "<h2>%s</h2><p>%s</p><textarea name=\"config\" id=\"config\" "
		   "spellcheck=\"false\">",
		   s->id, p.en ? "?lang=en" : "", W(&p, "Edit", "Bewerken"),
		   W(&p,
		     "The part of the site's configuration the office manages, as JSON: site.name, "
		     "languages, categories, referrals, hours, closed_days, day_change, desks, "
		     "kiosk. The database, sync, retention_days and printer stay the site's own.",
		     "Het deel van de configuratie dat centraal beheert, als JSON: site.name, "
		     "languages, categories, referrals, hours, closed_days, day_change, desks, "
		     "kiosk. database, sync, retention_days en printer blijven van de locatie."));
	buf_add_html(p.o, text ? text : latest ? latest : "{\n}\n");
	buf_printf(p.o,
		   "</textarea><p><button name=\"do\" value=\"save\">%s</button></p></form>"
		   "<h2>%s</h2><table id=\"versions\"><tr><th>%s</th><th>%s</th><th>%s</th>"
		   "<th></th><th></th></tr>",
		   W(&p, "Save as a new version", "Opslaan als nieuwe versie"),
		   W(&p, "Versions", "Versies"), W(&p, "Version", "Versie"), W(&p, "By", "Door"),
		   W(&p, "When (UTC)", "Wanneer (UTC)"));
	vlist v = {&p, version};
	if (cstore_conf_versions(rq->app->st, s->id, on_version, &v) != CSTORE_OK)
		buf_printf(
		    p.o, "<tr><td colspan=\"5\">%s</td></tr>",
		    W(&p, "the database cannot be read now", "de database is nu niet leesbaar"));
	buf_adds(p.o, "</table></body></html>\n");
	free(latest);
}

static int admin_or_answer(request *rq, reply *rp)
{
	return req_gate(rq, rp, 1);
}

static void post(request *rq, reply *rp, int si)
{
	int en = !strcmp(req_lang(rq), "en");
	const char *id = rq->app->cfg->sites[si].id;
	char what[16], msg[4400], num[24];
	if (!req_same_origin(rq)) {
		reply_text(rp, 403, "a form of another site: refused");
		return;
	}
	if (req_form_value(rq->body, "do", what, sizeof what)) {
		render(rq, rp, 400, si, en ? "The form lacks do." : "Het formulier mist do.", 1,
		       NULL);
		return;
	}
	int64_t version = 0;
	int rc;
	if (!strcmp(what, "rollback")) {
		char *end;
		long long to = req_form_value(rq->body, "version", num, sizeof num)
				   ? 0
				   : strtoll(num, &end, 10);
		rc = siteconf_rollback(rq->app->st, id, to, req_actor(rq), &version, msg,
				       sizeof msg);
		if (rc == CSTORE_OK)
			snprintf(msg, sizeof msg, "%s %lld %s %lld.", en ? "Version" : "Versie",
				 (long long)version,
				 en ? "is now the same as version" : "is nu gelijk aan versie", to);
		render(rq, rp,
		       rc == CSTORE_OK		? 200
		       : rc == CSTORE_NOT_FOUND ? 404
						: 503,
		       si, msg, rc != CSTORE_OK, NULL);
		return;
	}
	if (strcmp(what, "save")) {
		render(rq, rp, 400, si, en ? "Unknown action." : "Onbekende actie.", 1, NULL);
		return;
	}
	char *text = malloc(SITECONF_MAX_BYTES + 1);
	if (!text || req_form_value(rq->body, "config", text, SITECONF_MAX_BYTES + 1)) {
		free(text);
		render(rq, rp, 400, si,
		       en ? "The configuration is missing or larger than 256 KiB."
			  : "De configuratie ontbreekt of is groter dan 256 KiB.",
		       1, NULL);
		return;
	}
	rc = siteconf_save(rq->app->st, id, text, strlen(text), req_actor(rq), &version, msg,
			   sizeof msg);
	if (rc == CSTORE_OK) {
		snprintf(msg, sizeof msg, "%s %lld %s.", en ? "Version" : "Versie",
			 (long long)version, en ? "saved" : "opgeslagen");
		reply_note(rp, "site=%s config v%lld saved by %s", id, (long long)version,
			   req_actor(rq));
		render(rq, rp, 200, si, msg, 0, NULL);
	} else {
		reply_note(rp, "site=%s config refused: %.200s", id, msg);
		render(rq, rp, rc == SITECONF_INVALID ? 400 : 503, si, msg, 1, text);
	}
	free(text);
}

void siteconf_page(request *rq, reply *rp)
{
	if (!admin_or_answer(rq, rp))
		return;
	int si = page_site(rq);
	if (si < 0) {
		reply_text(rp, 404, "unknown site");
		return;
	}
	if (!strcmp(rq->method, "POST"))
		post(rq, rp, si);
	else if (!strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD"))
		render(rq, rp, 200, si, NULL, 0, NULL);
	else {
		reply_text(rp, 405, "method not allowed (allowed: GET, HEAD, POST)");
		reply_header(rp, "Allow", "GET, HEAD, POST");
	}
}
