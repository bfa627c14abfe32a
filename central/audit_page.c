/*
 * audit_page — GET /audit, the audit log for admins (audit.h): when, who,
 * what and the detail of each change, newest first, AUDIT_PAGE lines a
 * page; "older" follows with ?before=ID (the oldest id shown), so a page
 * costs one bounded read however long the log grows. Dutch by default,
 * English with ?lang=en. Every text is escaped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "central.h"
#include "clock.h"

#define AUDIT_PAGE 100

typedef struct {
	buf *o;
	int n;
	int64_t oldest;
} lines;

static int on_line(void *ctx, const cstore_audit_rec *a)
{
	lines *l = ctx;
	char iso[CLOCK_ISO_LEN];
	clock_format_iso(a->at_ms, iso, sizeof iso);
	buf_printf(l->o, "<tr><td>%.10s %.8s</td><td>", iso, iso + 11);
	buf_add_html(l->o, a->actor);
	buf_adds(l->o, "</td><td><code>");
	buf_add_html(l->o, a->action);
	buf_adds(l->o, "</code></td><td>");
	buf_add_html(l->o, a->detail);
	buf_adds(l->o, "</td></tr>");
	l->n++;
	l->oldest = a->id;
	return 0;
}

void audit_page(request *rq, reply *rp)
{
	if (!req_gate(rq, rp, 1))
		return;
	int en = !strcmp(req_lang(rq), "en");
	const char *b = req_arg(rq, "before");
	long long before = 0;
	if (b && *b) {
		char *end;
		errno = 0;
		before = strtoll(b, &end, 10);
		if (errno || *end || before < 1) {
			reply_text(rp, 400, "before: must be a whole number >= 1");
			return;
		}
	}
	rp->status = 200;
	rp->ctype = "text/html; charset=utf-8";
	reply_header(rp, "Content-Security-Policy",
		     "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
	buf *o = &rp->body;
	buf_printf(o,
		   "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
		   "<meta name=\"viewport\" content=\"width=device-width\">"
		   "<title>loket — %s</title><style>"
		   "body{font-family:system-ui,sans-serif;background:#f3f5f7;color:#1d2a35;"
		   "margin:0 auto;max-width:1100px;padding:1em}"
		   "table{border-collapse:collapse;width:100%%;background:#fff}"
		   "td,th{padding:.45em .6em;border-bottom:1px solid #e6eaee;text-align:left}"
		   "</style></head><body><p><a href=\"/%s\">%s</a> · <a href=\"/people%s\">%s</a>"
		   "</p><h1>%s</h1><table id=\"audit\"><tr><th>%s</th><th>%s</th><th>%s</th>"
		   "<th>%s</th></tr>",
		   en ? "en" : "nl", en ? "audit log" : "logboek", en ? "?lang=en" : "",
		   en ? "← dashboard" : "← overzicht", en ? "?lang=en" : "",
		   en ? "people" : "mensen", en ? "Audit log" : "Logboek", en ? "When" : "Wanneer",
		   en ? "Who" : "Wie", en ? "What" : "Wat", en ? "Detail" : "Details");
	lines l = {o, 0, 0};
	int rc = cstore_audit(rq->app->st, before, AUDIT_PAGE, on_line, &l);
	if (rc != CSTORE_OK) {
		buf_reset(o);
		if (rc == CSTORE_BUSY)
			reply_unavailable(rp, 2, "the database is busy, try again");
		else
			reply_text(rp, 500, "the central office could not read its audit log");
		return;
	}
	if (!l.n)
		buf_printf(o, "<tr><td colspan=\"4\">%s</td></tr>",
			   en ? "nothing (yet)" : "(nog) niets");
	buf_adds(o, "</table>");
	if (l.n == AUDIT_PAGE)
		buf_printf(o, "<p><a href=\"/audit?before=%lld%s\">%s</a></p>", (long long)l.oldest,
			   en ? "&amp;lang=en" : "", en ? "older →" : "ouder →");
	buf_adds(o, "</body></html>\n");
	reply_note(rp, "%d lines", l.n);
}
