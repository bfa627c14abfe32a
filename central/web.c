/*
 * web — the browser's way in: the sign-in form (an account's name and
 * password, or the admin token) answered with a session cookie holding a
 * random session id (HttpOnly, SameSite=Strict, Secure if configured;
 * people.h keeps the session in the database, so it survives a restart),
 * and the sign-out, which deletes the session. Scripts skip all this and
 * send "Authorization: Bearer <admin token or API token>".
 *
 * The admin token still signs in (a session without an account, acting as
 * "admin token"): a new installation's first way in besides the command
 * line, and the way of every installation from before accounts. A wrong
 * name or password gets one answer whether the name exists or not
 * (people_sign_in hashes a dummy for an unknown one); repeated failures
 * answer 429 with Retry-After. A wrong admin token costs a quarter second
 * and counts against the address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "central.h"
#include "log.h"
#include "people.h"

/* failed: 0 none, 1 wrong name or password, 2 wrong token, 3 wait, 4
 * the database is not answering. */
static void login_page(reply *rp, int status, int failed, int en)
{
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
		   "display:flex;flex-direction:column;min-height:90vh;align-items:center;"
		   "justify-content:center}"
		   "form{background:#fff;padding:2em 2.5em;border-radius:10px;"
		   "box-shadow:0 2px 10px #0002;width:22em}"
		   "h1{font-size:1.3em;margin:0 0 1em}label{display:block;margin-bottom:.4em}"
		   "input{width:100%%;box-sizing:border-box;padding:.6em;margin-bottom:.6em;"
		   "font-size:1em;border:1px solid #9aa5b1;border-radius:6px}"
		   "button{margin-top:1em;padding:.6em 1.4em;font-size:1em;border:0;"
		   "border-radius:6px;background:#1f6f8b;color:#fff}"
		   ".err{color:#b00020;margin:.5em 0}details{margin-top:1.5em}</style></head><body>"
		   "<form method=\"post\" action=\"/login\"><h1>loket — %s</h1>",
		   en ? "en" : "nl", en ? "sign in" : "inloggen",
		   en ? "central office" : "centraal overzicht");
	static const char *const why[2][5] = {
	    {"", "Naam of wachtwoord klopt niet.", "Dat token klopt niet.",
	     "Te vaak mislukt: probeer het over een paar minuten opnieuw.",
	     "De database antwoordt nu niet: probeer het zo opnieuw."},
	    {"", "That name or password is not right.", "That token is not right.",
	     "Too many failures: try again in a few minutes.",
	     "The database is not answering: try again shortly."}};
	if (failed > 0 && failed < 5)
		buf_printf(o, "<p class=\"err\">%s</p>", why[en][failed]);
	buf_printf(o,
		   "<label for=\"n\">%s</label>"
		   "<input id=\"n\" name=\"name\" autocomplete=\"username\" autofocus>"
		   "<label for=\"p\">%s</label>"
		   "<input id=\"p\" type=\"password\" name=\"password\""
		   " autocomplete=\"current-password\"><input type=\"hidden\" name=\"lang\""
		   " value=\"%s\"><button type=\"submit\">%s</button></form>",
		   en ? "Name" : "Naam", en ? "Password" : "Wachtwoord", en ? "en" : "nl",
		   en ? "Sign in" : "Inloggen");
	buf_printf(o,
		   "<form method=\"post\" action=\"/login\"><details><summary>%s</summary>"
		   "<label for=\"t\">%s</label>"
		   "<input id=\"t\" type=\"password\" name=\"token\" autocomplete=\"off\">"
		   "<input type=\"hidden\" name=\"lang\" value=\"%s\">"
		   "<button type=\"submit\">%s</button></details></form></body></html>\n",
		   en ? "With the admin token" : "Met het beheertoken",
		   en ? "Admin token" : "Beheertoken", en ? "en" : "nl",
		   en ? "Sign in" : "Inloggen");
}

void web_login_form(request *rq, reply *rp)
{
	login_page(rp, 200, 0, !strcmp(req_lang(rq), "en"));
}

static void set_session(request *rq, reply *rp, const char *sid, int en)
{
	char cookie[256];
	snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
		 AUTH_COOKIE, sid, PEOPLE_SESSION_S, rq->app->cfg->cookie_secure ? "; Secure" : "");
	reply_text(rp, 303, "signed in");
	reply_header(rp, "Set-Cookie", cookie);
	reply_header(rp, "Location", en ? "/?lang=en" : "/");
}

static void wait_page(reply *rp, int retry_s, int en)
{
	char ra[16];
	snprintf(ra, sizeof ra, "%d", retry_s > 0 ? retry_s : 60);
	login_page(rp, 429, 3, en);
	reply_header(rp, "Retry-After", ra);
}

void web_login(request *rq, reply *rp)
{
	char token[AUTH_TOKEN_MAX + 1], lang[8] = "nl", peer[64], sid[AUTH_SECRET_LEN];
	char name[PEOPLE_NAME_LEN + 8], password[PEOPLE_PW_MAX + 2];
	if (!req_same_origin(rq)) {
		/* another site's page signing a browser in (login CSRF) */
		reply_text(rp, 403, "a form of another site: refused");
		return;
	}
	req_form_value(rq->body, "lang", lang, sizeof lang);
	int en = !strcmp(lang, "en");
	req_peer(rq, peer, sizeof peer);
	int rc, retry_s = 0;
	if (!req_form_value(rq->body, "token", token, sizeof token) && token[0]) {
		int wait = people_throttled(peer);
		if (wait) {
			reply_note(rp, "sign-in with a token from %s: wait %d s", peer, wait);
			wait_page(rp, wait, en);
			return;
		}
		if (auth_who(rq->app->cfg, token, strlen(token)) != AUTH_ADMIN) {
			usleep(250 * 1000);
			people_token_failed(rq->app->st, peer);
			reply_note(rp, "failed login (admin token) from %s", peer);
			login_page(rp, 401, 2, en);
			return;
		}
		rc = people_sign_in_admin_token(rq->app->st, rq->app->cfg->admin_sha256, sid);
		snprintf(name, sizeof name, "admin token");
	} else {
		if (req_form_value(rq->body, "name", name, sizeof name))
			name[0] = '\0';
		if (req_form_value(rq->body, "password", password, sizeof password))
			password[0] = '\0';
		rc = people_sign_in(rq->app->st, name, password, peer, sid, &retry_s);
		explicit_bzero(password, sizeof password);
	}
	explicit_bzero(token, sizeof token);
	if (rc == PEOPLE_THROTTLED) {
		reply_note(rp, "sign-in from %s: wait %d s", peer, retry_s);
		wait_page(rp, retry_s, en);
	} else if (rc == PEOPLE_REFUSED) {
		reply_note(rp, "failed login from %s", peer);
		login_page(rp, 401, 1, en);
	} else if (rc != PEOPLE_SIGNED_IN) {
		login_page(rp, 503, 4, en);
		reply_header(rp, "Retry-After", "5");
	} else {
		set_session(rq, rp, sid, en);
		reply_note(rp, "signed in: %s", name);
	}
	explicit_bzero(sid, sizeof sid);
}

void web_logout(request *rq, reply *rp)
{
	char v[AUTH_COOKIE_LEN + 8], cookie[160];
	if (!req_same_origin(rq)) {
		reply_text(rp, 403, "a form of another site: refused");
		return;
	}
	if (!auth_cookie_get(req_header(rq, MHD_HTTP_HEADER_COOKIE), AUTH_COOKIE, v, sizeof v))
		people_sign_out(rq->app->st, v);
	snprintf(cookie, sizeof cookie, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
		 AUTH_COOKIE);
	reply_text(rp, 303, "signed out");
	reply_header(rp, "Set-Cookie", cookie);
	reply_header(rp, "Location", "/login");
}
