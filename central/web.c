/*
 * web — the browser's way in: a login form that takes the admin token once
 * and answers with a session cookie (HttpOnly, SameSite=Strict, Secure if
 * configured; the token itself is never stored in the browser), and the
 * check every report page makes. Scripts skip all this and send
 * "Authorization: Bearer <admin token>".
 *
 * A wrong token costs a quarter second (one thread of one connection), so
 * guessing through the form is slow; tokens are meant to be long and random.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "central.h"
#include "log.h"

static void login_page(request *rq, reply *rp, int status, int failed)
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
		   "display:flex;min-height:90vh;align-items:center;justify-content:center}"
		   "form{background:#fff;padding:2em 2.5em;border-radius:10px;"
		   "box-shadow:0 2px 10px #0002;width:22em}"
		   "h1{font-size:1.3em;margin:0 0 1em}label{display:block;margin-bottom:.4em}"
		   "input[type=password]{width:100%%;box-sizing:border-box;padding:.6em;"
		   "font-size:1em;border:1px solid #9aa5b1;border-radius:6px}"
		   "button{margin-top:1em;padding:.6em 1.4em;font-size:1em;border:0;"
		   "border-radius:6px;background:#1f6f8b;color:#fff}"
		   ".err{color:#b00020;margin:.5em 0}</style></head><body>"
		   "<form method=\"post\" action=\"/login\"><h1>loket — %s</h1>",
		   en ? "en" : "nl", en ? "sign in" : "inloggen",
		   en ? "central office" : "centraal overzicht");
	if (failed)
		buf_printf(o, "<p class=\"err\">%s</p>",
			   en ? "That token is not right." : "Dat token klopt niet.");
	buf_printf(
	    o,
	    "<label for=\"t\">%s</label>"
	    "<input id=\"t\" type=\"password\" name=\"token\" autocomplete=\"current-password\""
	    " autofocus required><input type=\"hidden\" name=\"lang\" value=\"%s\">"
	    "<button type=\"submit\">%s</button></form></body></html>\n",
	    en ? "Admin token" : "Beheertoken", en ? "en" : "nl", en ? "Sign in" : "Inloggen");
}

void web_login_form(request *rq, reply *rp)
{
	login_page(rq, rp, 200, 0);
}

void web_login(request *rq, reply *rp)
{
	char token[AUTH_TOKEN_MAX + 1], lang[8] = "nl";
	req_form_value(rq->body, "lang", lang, sizeof lang);
	int en = !strcmp(lang, "en");
	if (req_form_value(rq->body, "token", token, sizeof token) ||
	    auth_who(rq->app->cfg, token, strlen(token)) != AUTH_ADMIN) {
		usleep(250 * 1000);
		reply_note(rp, "failed login");
		login_page(rq, rp, 401, 1);
		return;
	}
	char v[AUTH_COOKIE_LEN], cookie[256];
	auth_session_new((int64_t)time(NULL), v);
	snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
		 AUTH_COOKIE, v, AUTH_SESSION_S, rq->app->cfg->cookie_secure ? "; Secure" : "");
	reply_text(rp, 303, "signed in");
	reply_header(rp, "Set-Cookie", cookie);
	reply_header(rp, "Location", en ? "/?lang=en" : "/");
	reply_note(rp, "signed in");
}

void web_logout(request *rq, reply *rp)
{
	(void)rq;
	char cookie[160];
	snprintf(cookie, sizeof cookie, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
		 AUTH_COOKIE);
	reply_text(rp, 303, "signed out");
	reply_header(rp, "Set-Cookie", cookie);
	reply_header(rp, "Location", "/login");
}
