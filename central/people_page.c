/*
 * people_page — GET and POST /people, the admin's page of accounts: each
 * account (name, role, sites, enabled, API tokens) with buttons to disable
 * or enable it and a field to give it a new password, and a form to add
 * one (name, role, sites, first password). Passwords are never shown; API
 * tokens are made on the command line (`user token NAME`).
 *
 * Only admins (req_gate: a viewer gets 403); a POST must come from our own
 * page (req_same_origin) besides the SameSite=Strict cookie, as on /sites.
 * Every change goes to the audit log with the admin's name.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "central.h"

#define PAGE_STYLE                                                                                 \
	"body{font-family:system-ui,sans-serif;background:#f3f5f7;color:#1d2a35;"                  \
	"margin:0 auto;max-width:1100px;padding:1em}"                                              \
	"table{border-collapse:collapse;width:100%;background:#fff}"                               \
	"td,th{padding:.45em .6em;border-bottom:1px solid #e6eaee;text-align:left}"                \
	"tr.off{color:#7b8794}"                                                                    \
	".msg{background:#fff;padding:1em;border-left:4px solid #1f6f8b;margin:1em 0}"             \
	".bad{border-left-color:#b00020}form.add{background:#fff;padding:1em;margin:1em 0}"

typedef struct {
	buf *o;
	int en;
} page;

static int on_account(void *ctx, const cstore_account *a)
{
	page *p = ctx;
	buf *o = p->o;
	int en = p->en;
	buf_printf(o, "<tr class=\"%s\"><td><code>", a->enabled ? "on" : "off");
	buf_add_html(o, a->name);
	buf_printf(o, "</code></td><td>%s</td><td>",
		   !strcmp(a->role, "admin") ? "admin" : (en ? "viewer" : "kijker"));
	if (a->sites[0])
		buf_add_html(o, a->sites);
	else
		buf_adds(o, en ? "all" : "alle");
	buf_printf(o, "</td><td>%s</td><td>%d</td><td>",
		   a->enabled ? (en ? "yes" : "ja") : (en ? "disabled" : "uitgeschakeld"),
		   a->tokens);
	/* The name is [a-z0-9._@-]: safe in an attribute as it is. */
	buf_printf(o,
		   "<form method=\"post\" action=\"/people%s\">"
		   "<input type=\"hidden\" name=\"name\" value=\"%s\">"
		   "<button name=\"do\" value=\"%s\">%s</button></form></td><td>"
		   "<form method=\"post\" action=\"/people%s\">"
		   "<input type=\"hidden\" name=\"name\" value=\"%s\">"
		   "<input type=\"password\" name=\"password\" minlength=\"%d\" required "
		   "autocomplete=\"new-password\" placeholder=\"%s\"> "
		   "<button name=\"do\" value=\"passwd\">%s</button></form></td></tr>",
		   en ? "?lang=en" : "", a->name, a->enabled ? "disable" : "enable",
		   a->enabled ? (en ? "Disable" : "Uitschakelen") : (en ? "Enable" : "Inschakelen"),
		   en ? "?lang=en" : "", a->name, PEOPLE_PW_MIN,
		   en ? "new password" : "nieuw wachtwoord",
		   en ? "Set password" : "Wachtwoord zetten");
	return 0;
}

/* The page, with message (escaped) above the table; bad: an error. */
static void render(request *rq, reply *rp, int status, const char *message, int bad)
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
		   "<title>loket — %s</title><style>%s</style></head><body>"
		   "<p><a href=\"/%s\">%s</a> · <a href=\"/audit%s\">%s</a></p><h1>%s</h1>",
		   en ? "en" : "nl", en ? "people" : "mensen", PAGE_STYLE, en ? "?lang=en" : "",
		   en ? "← dashboard" : "← overzicht", en ? "?lang=en" : "",
		   en ? "audit log" : "logboek", en ? "People" : "Mensen");
	if (message) {
		buf_printf(o, "<div class=\"msg%s\"><p>", bad ? " bad" : "");
		buf_add_html(o, message);
		buf_adds(o, "</p></div>");
	}
	buf_printf(o,
		   "<table id=\"people\"><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
		   "<th>%s</th><th></th><th></th></tr>",
		   en ? "Name" : "Naam", en ? "Role" : "Rol", en ? "Sites" : "Locaties",
		   en ? "Enabled" : "Actief", en ? "API tokens" : "API-tokens");
	page p = {o, en};
	if (cstore_accounts(rq->app->st, on_account, &p) != CSTORE_OK)
		buf_printf(o, "<tr><td colspan=\"7\">%s</td></tr>",
			   en ? "the database cannot be read now"
			      : "de database is nu niet leesbaar");
	buf_printf(
	    o,
	    "</table><form class=\"add\" method=\"post\" action=\"/people%s\">"
	    "<h2>%s</h2><input type=\"hidden\" name=\"do\" value=\"add\">"
	    "<label>%s <input name=\"name\" required maxlength=\"%d\" "
	    "pattern=\"[a-z0-9._@\\-]+\"></label> "
	    "<label>%s <select name=\"role\"><option value=\"viewer\">%s</option>"
	    "<option value=\"admin\">admin</option></select></label> "
	    "<label>%s <input name=\"sites\" placeholder=\"%s\"></label> "
	    "<label>%s <input type=\"password\" name=\"password\" required minlength=\"%d\" "
	    "autocomplete=\"new-password\"></label> <button>%s</button></form></body></html>\n",
	    en ? "?lang=en" : "", en ? "Add a person" : "Iemand toevoegen", en ? "name" : "naam",
	    PEOPLE_NAME_LEN - 1, en ? "role" : "rol", en ? "viewer" : "kijker",
	    en ? "sites (viewers)" : "locaties (kijkers)", en ? "all, or a,b" : "alle, of a,b",
	    en ? "first password" : "eerste wachtwoord", PEOPLE_PW_MIN, en ? "Add" : "Toevoegen");
}

void people_page(request *rq, reply *rp)
{
	if (req_gate(rq, rp, 1))
		render(rq, rp, 200, NULL, 0);
}

void people_page_post(request *rq, reply *rp)
{
	if (!req_gate(rq, rp, 1))
		return;
	if (!req_same_origin(rq)) {
		reply_text(rp, 403, "a form of another site: refused");
		return;
	}
	int en = !strcmp(req_lang(rq), "en");
	char what[16], name[PEOPLE_NAME_LEN + 8], role[16], sites[PEOPLE_SITES_LEN + 8],
	    pw[PEOPLE_PW_MAX + 2], err[300], msg[400];
	if (req_form_value(rq->body, "do", what, sizeof what) ||
	    req_form_value(rq->body, "name", name, sizeof name)) {
		render(rq, rp, 400,
		       en ? "The form lacks do or name." : "Het formulier mist do of naam.", 1);
		return;
	}
	if (req_form_value(rq->body, "password", pw, sizeof pw))
		pw[0] = '\0';
	int rc;
	const char *action;
	sites[0] = '\0';
	if (!strcmp(what, "add")) {
		if (req_form_value(rq->body, "role", role, sizeof role))
			role[0] = '\0';
		if (req_form_value(rq->body, "sites", sites, sizeof sites))
			sites[0] = '\0';
		char typed[sizeof sites];
		snprintf(typed, sizeof typed, "%s", sites);
		rc = people_add(rq->app->st, name, role, typed, pw, sites, err, sizeof err);
		action = "user.add";
	} else if (!strcmp(what, "passwd")) {
		rc = people_passwd(rq->app->st, name, pw, err, sizeof err);
		action = "user.passwd";
	} else if (!strcmp(what, "disable") || !strcmp(what, "enable")) {
		rc = people_enable(rq->app->st, name, !strcmp(what, "enable"), err, sizeof err);
		action = !strcmp(what, "enable") ? "user.enable" : "user.disable";
	} else {
		explicit_bzero(pw, sizeof pw);
		render(rq, rp, 400, en ? "Unknown action." : "Onbekende actie.", 1);
		return;
	}
	explicit_bzero(pw, sizeof pw);
	if (rc != CSTORE_OK) {
		reply_note(rp, "people: %s %s refused: %s", what, name, err);
		render(rq, rp,
		       rc == PEOPLE_INVALID			? 400
		       : rc == CSTORE_NOT_FOUND			? 404
		       : rc == CSTORE_CONFLICT			? 409
		       : rc == CSTORE_BUSY || rc == CSTORE_FULL ? 503
								: 500,
		       err, 1);
		return;
	}
	reply_note(rp, "people: %s %s", what, name);
	if (!strcmp(what, "add"))
		audit_note(rq->app->st, req_actor(rq), action, "%s: role %s%s%s", name, role,
			   sites[0] ? " sites " : "", sites);
	else
		audit_note(rq->app->st, req_actor(rq), action, "%s", name);
	snprintf(msg, sizeof msg, "%s: %s", name,
		 !strcmp(what, "add")	   ? (en ? "added" : "toegevoegd")
		 : !strcmp(what, "passwd") ? (en ? "new password; their sessions have ended"
						 : "nieuw wachtwoord; de sessies zijn beëindigd")
		 : !strcmp(what, "enable")
		     ? (en ? "enabled" : "ingeschakeld")
		     : (en ? "disabled: cannot sign in, sessions ended"
			   : "uitgeschakeld: kan niet inloggen, sessies beëindigd"));
	render(rq, rp, 200, msg, 0);
}
