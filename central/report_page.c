/*
 * report_page — GET /report: the report the municipality reads, for a
 * period, per location and kind of help with totals across locations
 * (docs/central.md, "The report"). Server-rendered HTML, no scripts, a
 * print stylesheet for a clean A4 report, Dutch (default) or English
 * (?lang=en). The figures come from tally.c, the same as /report.xlsx;
 * labels from the sites' profiles (names.c); a site without a profile
 * shows its ids.
 *
 *   ?from=YYYY-MM-DD&to=YYYY-MM-DD   at most 366 days
 *   ?period=month|quarter|year       the calendar period holding ?to=
 *                                    (default today); default: this month
 */
#include "report_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "names.h"
#include "tally.h"

#define MAX_DAYS 366

static const report_words nl = {
    .lang = "nl",
    .title = "Rapportage",
    .period = "Periode",
    .through = "t/m",
    .show = "Toon",
    .month = "Deze maand",
    .quarter = "Dit kwartaal",
    .year = "Dit jaar",
    .xlsx = "Download Excel (xlsx)",
    .csv = "Per ticket (CSV)",
    .sites_t = "Totalen per locatie",
    .cats_t = "Per locatie en soort hulp",
    .outcomes_t = "Hoe de geholpen bezoeken afliepen",
    .refs_t = "Doorverwijzingen naar",
    .first_t = "Eerste bezoeken",
    .langs_t = "Talen van bewoners",
    .site = "Locatie",
    .cat = "Soort hulp",
    .visits = "Bezoeken",
    .served = "Geholpen",
    .no_show = "Niet verschenen",
    .expired = "Verlopen bij sluiten",
    .cancelled = "Geannuleerd",
    .open = "Nog open",
    .also = "Ook behandeld",
    .staffed = "Bemande uren",
    .wait_med = "Wachttijd mediaan (min)",
    .wait_p90 = "Wachttijd 90% (min)",
    .solved = "Opgelost",
    .referred = "Doorverwezen",
    .follow_up = "Vervolgbezoek nodig",
    .not_recorded = "Niet vastgelegd",
    .dest = "Doorverwezen naar",
    .count = "Aantal",
    .yes = "Ja",
    .no = "Nee",
    .language = "Taal",
    .total = "Totaal",
    .all_sites = "Alle locaties",
    .other = "Overig",
    .grouped = "samengevoegd",
    .no_profile = "deze locatie stuurde geen profiel (oudere versie): codes in plaats van namen",
    .note_first = "Eerste bezoeken zijn een schatting van het aantal bereikte bewoners: de "
		  "student vraagt het, de bewoner mag het overslaan.",
    .note_wait = "Wachttijd: van ticket tot eerste oproep, alleen tickets met een bekende "
		 "tijd van uitgifte, afgerond op hele minuten (4 uur of langer telt als 4 uur). "
		 "Bemande uren: balies van openen tot sluiten.",
    .note_other = "Per locatie staan de " REPORT_TOP_S " meest gevraagde soorten hulp apart; de rest staat "
		  "samen onder Overig.",
    .note_outcomes = "Niet vastgelegd: overgeslagen aan de balie, of een locatie met een oudere "
		     "versie die dit nog niet vastlegt.",
    .none = "Geen bezoeken in deze periode.",
    .generated = "Gemaakt",
    .minutes = "min",
};

static const report_words en = {
    .lang = "en",
    .title = "Report",
    .period = "Period",
    .through = "to",
    .show = "Show",
    .month = "This month",
    .quarter = "This quarter",
    .year = "This year",
    .xlsx = "Download Excel (xlsx)",
    .csv = "Per ticket (CSV)",
    .sites_t = "Totals per location",
    .cats_t = "Per location and kind of help",
    .outcomes_t = "How the visits helped ended",
    .refs_t = "Referrals by destination",
    .first_t = "First visits",
    .langs_t = "Languages of residents",
    .site = "Location",
    .cat = "Kind of help",
    .visits = "Visits",
    .served = "Helped",
    .no_show = "No-show",
    .expired = "Expired at closing",
    .cancelled = "Cancelled",
    .open = "Still open",
    .also = "Also dealt with",
    .staffed = "Staffed hours",
    .wait_med = "Wait median (min)",
    .wait_p90 = "Wait 90% (min)",
    .solved = "Solved",
    .referred = "Referred",
    .follow_up = "Follow-up needed",
    .not_recorded = "Not recorded",
    .dest = "Referred to",
    .count = "Count",
    .yes = "Yes",
    .no = "No",
    .language = "Language",
    .total = "Total",
    .all_sites = "All locations",
    .other = "Other",
    .grouped = "grouped",
    .no_profile = "this location sent no profile (an older version): ids instead of names",
    .note_first = "First visits are an estimate of the residents reached: the student asks, "
		  "the resident may skip the question.",
    .note_wait = "Wait: from ticket to first call, only tickets with a known issue time, "
		 "rounded to whole minutes (4 hours or more count as 4 hours). "
		 "Staffed hours: desks from opening to closing.",
    .note_other = "Per location the " REPORT_TOP_S " most asked-for kinds of help are shown apart; the rest "
		  "is grouped as Other.",
    .note_outcomes = "Not recorded: skipped at the desk, or a location on an older version "
		     "that does not record it yet.",
    .none = "No visits in this period.",
    .generated = "Generated",
    .minutes = "min",
};

const report_words *report_words_of(int english)
{
	return english ? &en : &nl;
}

const char *report_other(const report_words *w, long grouped, char *out, size_t cap)
{
	snprintf(out, cap, "%s (%ld %s)", w->other, grouped, w->grouped);
	return out;
}

/* The number the n digits at s spell (s is a checked day label). */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int report_args(request *rq, reply *rp, char from[DAY_LEN], char to[DAY_LEN], int *english)
{
	*english = !strcmp(req_lang(rq), "en");
	if (!req_is_signed_in(rq)) {
		if (req_header(rq, MHD_HTTP_HEADER_AUTHORIZATION)) {
			reply_text(rp, 401, "wrong token");
			reply_header(rp, "WWW-Authenticate", "Bearer realm=\"loket\"");
		} else {
			reply_text(rp, 303, "sign in at /login");
			reply_header(rp, "Location", *english ? "/login?lang=en" : "/login");
		}
		return -1;
	}
	const char *f = req_arg(rq, "from"), *t = req_arg(rq, "to"), *p = req_arg(rq, "period");
	if (f && *f && !day_is_valid(f)) {
		reply_text(rp, 400, "from: must be a date as YYYY-MM-DD");
		return -1;
	}
	if (t && *t && !day_is_valid(t)) {
		reply_text(rp, 400, "to: must be a date as YYYY-MM-DD");
		return -1;
	}
	char today[CLOCK_DAY_LEN];
	clock_local_day(clock_now_ms(), today, sizeof today);
	long hi = days_from_label(t && *t ? t : today), lo;
	if ((p && *p) || !(f && *f)) {
		const char *per = p && *p ? p : "month";
		char l[DAY_LEN];
		days_to_label(hi, l);
		int y = digits(l, 4), m = digits(l + 5, 2), m0, m1;
		if (!strcmp(per, "month")) {
			m0 = m1 = m;
		} else if (!strcmp(per, "quarter")) {
			m0 = (m - 1) / 3 * 3 + 1;
			m1 = m0 + 2;
		} else if (!strcmp(per, "year")) {
			m0 = 1;
			m1 = 12;
		} else {
			reply_text(rp, 400, "period: one of month, quarter, year");
			return -1;
		}
		char a[DAY_LEN], b[DAY_LEN];
		snprintf(a, sizeof a, "%04d-%02d-01", y % 10000, m0);
		/* the last day of m1: the day before the first of the next month */
		snprintf(b, sizeof b, "%04d-%02d-01", (m1 == 12 ? y + 1 : y) % 10000,
			 m1 == 12 ? 1 : m1 + 1);
		lo = days_from_label(a);
		hi = days_from_label(b) - 1;
	} else {
		lo = days_from_label(f);
	}
	if (lo > hi || hi - lo + 1 > MAX_DAYS) {
		reply_text(rp, 400, "the period must run forwards and span at most %d days", MAX_DAYS);
		return -1;
	}
	days_to_label(lo, from);
	days_to_label(hi, to);
	return 0;
}

/* --- rendering ------------------------------------------------------------ */

static const char style[] =
    "<style>"
    ":root{--ink:#1d2a35;--mute:#5b6b79;--line:#dde3e8;--bg:#f3f5f7;--acc:#1f6f8b}"
    "*{box-sizing:border-box}"
    "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;"
    "background:var(--bg);color:var(--ink);font-size:14px;line-height:1.4}"
    "header{background:#fff;border-bottom:1px solid var(--line);padding:14px 28px;"
    "display:flex;flex-wrap:wrap;gap:10px 20px;align-items:center}"
    "header h1{font-size:20px;margin:0;flex:1 1 auto}header h1 b{color:var(--acc)}"
    "header form{display:flex;gap:6px;align-items:center;margin:0}"
    "header input{font:inherit;padding:3px 6px;border:1px solid #b7c2cc;border-radius:5px}"
    "button,.btn{font:inherit;padding:4px 10px;border-radius:5px;border:1px solid var(--acc);"
    "background:var(--acc);color:#fff;text-decoration:none}"
    ".ghost{background:#fff;color:var(--acc)}"
    "nav a{margin-right:10px;color:var(--acc)}"
    ".lang a{color:var(--mute);text-decoration:none;padding:0 3px}"
    ".lang a.on{color:var(--ink);font-weight:600}"
    "main{max-width:1140px;margin:0 auto;padding:18px 28px 36px}"
    ".sub{color:var(--mute);margin:0 0 14px}"
    "section{background:#fff;border:1px solid var(--line);border-radius:10px;"
    "padding:12px 16px;margin-bottom:16px}"
    "h2{font-size:16px;margin:0 0 8px}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:4px 7px;border-bottom:1px solid var(--line);"
    "vertical-align:top}"
    "th{font-weight:600;color:var(--mute);font-size:12px}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.tot td{background:#f7f9fa;font-weight:600}"
    "tr.all td{background:#e8f1f4;font-weight:700;border-top:2px solid var(--ink)}"
    ".note{color:var(--mute);font-size:12px;margin:6px 0 0}"
    ".warn{color:#8a5a00;font-size:12px}"
    "footer{color:var(--mute);font-size:11px;text-align:center;padding-bottom:20px}"
    "@media screen{td:first-child{white-space:nowrap}}"
    "@page{size:A4;margin:14mm 12mm}"
    "@media print{header form,nav,.lang,.btn{display:none}"
    "body{background:#fff;font-size:9.5pt}header{padding:0 0 6px;border:0}"
    "main{max-width:none;padding:0}section{border:0;padding:0;margin:0 0 12px;"
    "break-inside:avoid}tr{break-inside:avoid}thead{display:table-header-group}"
    "th,td{padding:2px 5px}}"
    "</style>";

static void minutes1(buf *o, int64_t ms, int english)
{
	if (ms < 0) {
		buf_adds(o, "–");
		return;
	}
	long tenths = (long)((ms + 3000) / 6000);
	buf_printf(o, "%ld%c%ld", tenths / 10, english ? '.' : ',', tenths % 10);
}

static void hours1(buf *o, long minutes, int english)
{
	long tenths = (minutes * 10 + 30) / 60;
	buf_printf(o, "%ld%c%ld", tenths / 10, english ? '.' : ',', tenths % 10);
}

static void th(buf *o, const char *s, int num)
{
	buf_printf(o, "<th%s>%s</th>", num ? " class=\"n\"" : "", s);
}

static void td_num(buf *o, long v)
{
	buf_printf(o, "<td class=\"n\">%ld</td>", v);
}

static void td_text(buf *o, const char *s)
{
	buf_adds(o, "<td>");
	buf_add_html(o, s);
	buf_adds(o, "</td>");
}

/* The label of a row's key: the profile's, the id, or "Other (n grouped)". */
static void row_label(buf *o, const names *nm, const char *site, const char *kind,
		      const char *key, long grouped, const report_words *w)
{
	if (!key) {
		char t[64];
		buf_adds(o, report_other(w, grouped, t, sizeof t));
		return;
	}
	if (!*key) {
		buf_adds(o, w->not_recorded);
		return;
	}
	buf_add_html(o, names_or_id(nm, site, kind, key, w->lang));
}

static void sites_table(buf *o, tally *t, const report_words *w, int english)
{
	buf_printf(o, "<section><h2>%s</h2><table id=\"t-sites\"><thead><tr>", w->sites_t);
	th(o, w->site, 0);
	th(o, w->visits, 1);
	th(o, w->served, 1);
	th(o, w->no_show, 1);
	th(o, w->expired, 1);
	th(o, w->cancelled, 1);
	th(o, w->staffed, 1);
	th(o, w->wait_med, 1);
	th(o, w->wait_p90, 1);
	buf_adds(o, "</tr></thead><tbody>");
	for (size_t i = 0; i <= t->nsites; i++) {
		int all = i == t->nsites;
		tally_row *r = all ? &t->total : &t->sites[i].total;
		long staffed = all ? t->staffed_minutes : t->sites[i].staffed_minutes;
		buf_adds(o, all ? "<tr class=\"all\">" : "<tr>");
		td_text(o, all ? w->all_sites : t->sites[i].name);
		td_num(o, r->visits);
		td_num(o, r->served);
		td_num(o, r->no_show);
		td_num(o, r->expired);
		td_num(o, r->cancelled);
		buf_adds(o, "<td class=\"n\">");
		hours1(o, staffed, english);
		buf_adds(o, "</td><td class=\"n\">");
		minutes1(o, tally_pct(&r->wait, 50), english);
		buf_adds(o, "</td><td class=\"n\">");
		minutes1(o, tally_pct(&r->wait, 90), english);
		buf_adds(o, "</td></tr>");
	}
	buf_printf(o, "</tbody></table><p class=\"note\">%s</p></section>", w->note_wait);
}

static void cat_cells(buf *o, tally_row *r, int english)
{
	td_num(o, r->visits);
	td_num(o, r->served);
	td_num(o, r->no_show);
	td_num(o, r->expired);
	td_num(o, r->cancelled);
	td_num(o, r->also);
	buf_adds(o, "<td class=\"n\">");
	minutes1(o, tally_pct(&r->wait, 50), english);
	buf_adds(o, "</td><td class=\"n\">");
	minutes1(o, tally_pct(&r->wait, 90), english);
	buf_adds(o, "</td></tr>");
}

static void cats_table(buf *o, tally *t, const names *nm, const report_words *w, int english)
{
	buf_printf(o, "<section><h2>%s</h2><table id=\"t-cats\"><thead><tr>", w->cats_t);
	th(o, w->site, 0);
	th(o, w->cat, 0);
	th(o, w->visits, 1);
	th(o, w->served, 1);
	th(o, w->no_show, 1);
	th(o, w->expired, 1);
	th(o, w->cancelled, 1);
	th(o, w->also, 1);
	th(o, w->wait_med, 1);
	th(o, w->wait_p90, 1);
	buf_adds(o, "</tr></thead><tbody>");
	int grouped = 0;
	for (size_t i = 0; i < t->nsites; i++) {
		tally_site *s = &t->sites[i];
		if (!s->nrows)
			continue;
		for (size_t j = 0; j < s->nrows; j++) {
			tally_row *r = &s->rows[j];
			grouped |= !r->key;
			buf_adds(o, "<tr>");
			td_text(o, s->name);
			buf_adds(o, "<td>");
			row_label(o, nm, s->id, "category", r->key, r->grouped, w);
			buf_adds(o, "</td>");
			cat_cells(o, r, english);
		}
		buf_adds(o, "<tr class=\"tot\">");
		td_text(o, s->name);
		td_text(o, w->total);
		cat_cells(o, &s->total, english);
	}
	if (!t->total.visits)
		buf_printf(o, "<tr><td colspan=\"10\">%s</td></tr>", w->none);
	else {
		buf_adds(o, "<tr class=\"all\">");
		td_text(o, w->all_sites);
		td_text(o, w->total);
		cat_cells(o, &t->total, english);
	}
	buf_adds(o, "</tbody></table>");
	for (size_t i = 0; i < t->nsites; i++)
		if (t->sites[i].total.visits && !names_has_profile(nm, t->sites[i].id)) {
			buf_adds(o, "<p class=\"warn\">");
			buf_add_html(o, t->sites[i].name);
			buf_printf(o, ": %s</p>", w->no_profile);
		}
	if (grouped) {
		buf_printf(o, "<p class=\"note other\">%s</p>", w->note_other);
	}
	buf_adds(o, "</section>");
}

static void outcome_cells(buf *o, const char *name, tally_row *r, const char *cls)
{
	buf_printf(o, "<tr%s>", cls);
	td_text(o, name);
	td_num(o, r->served);
	td_num(o, r->solved);
	td_num(o, r->referred);
	td_num(o, r->follow_up);
	td_num(o, r->outcome_nr);
	buf_adds(o, "</tr>");
}

static void outcomes_table(buf *o, tally *t, const report_words *w)
{
	buf_printf(o, "<section><h2>%s</h2><table id=\"t-outcomes\"><thead><tr>", w->outcomes_t);
	th(o, w->site, 0);
	th(o, w->served, 1);
	th(o, w->solved, 1);
	th(o, w->referred, 1);
	th(o, w->follow_up, 1);
	th(o, w->not_recorded, 1);
	buf_adds(o, "</tr></thead><tbody>");
	for (size_t i = 0; i < t->nsites; i++)
		outcome_cells(o, t->sites[i].name, &t->sites[i].total, "");
	outcome_cells(o, w->all_sites, &t->total, " class=\"all\"");
	buf_printf(o, "</tbody></table><p class=\"note\">%s</p></section>", w->note_outcomes);
}

static void counts_table(buf *o, tally *t, const names *nm, const report_words *w, int refs)
{
	buf_printf(o, "<section><h2>%s</h2><table id=\"%s\"><thead><tr>",
		   refs ? w->refs_t : w->langs_t, refs ? "t-refs" : "t-langs");
	th(o, w->site, 0);
	th(o, refs ? w->dest : w->language, 0);
	th(o, w->count, 1);
	buf_adds(o, "</tr></thead><tbody>");
	long all = 0;
	for (size_t i = 0; i < t->nsites; i++) {
		tally_site *s = &t->sites[i];
		size_t n = refs ? s->nrefs : s->nlangs;
		tally_count *c = refs ? s->refs : s->langs;
		for (size_t j = 0; j < n; j++) {
			buf_adds(o, "<tr>");
			td_text(o, s->name);
			buf_adds(o, "<td>");
			if (refs)
				row_label(o, nm, s->id, "referral", c[j].key, c[j].grouped, w);
			else if (c[j].key)
				buf_add_html(o, *c[j].key ? c[j].key : w->not_recorded);
			else
				row_label(o, nm, s->id, "", NULL, c[j].grouped, w);
			buf_adds(o, "</td>");
			td_num(o, c[j].n);
			buf_adds(o, "</tr>");
			all += c[j].n;
		}
	}
	buf_adds(o, "<tr class=\"all\">");
	td_text(o, w->all_sites);
	td_text(o, w->total);
	td_num(o, all);
	buf_adds(o, "</tr></tbody></table></section>");
}

static void first_table(buf *o, tally *t, const report_words *w)
{
	buf_printf(o, "<section><h2>%s</h2><table id=\"t-first\"><thead><tr>", w->first_t);
	th(o, w->site, 0);
	th(o, w->yes, 1);
	th(o, w->no, 1);
	th(o, w->not_recorded, 1);
	buf_adds(o, "</tr></thead><tbody>");
	for (size_t i = 0; i <= t->nsites; i++) {
		int all = i == t->nsites;
		tally_row *r = all ? &t->total : &t->sites[i].total;
		buf_adds(o, all ? "<tr class=\"all\">" : "<tr>");
		td_text(o, all ? w->all_sites : t->sites[i].name);
		td_num(o, r->first_yes);
		td_num(o, r->first_no);
		td_num(o, r->first_nr);
		buf_adds(o, "</tr>");
	}
	buf_printf(o, "</tbody></table><p class=\"note\">%s</p></section>", w->note_first);
}

void report_page(request *rq, reply *rp)
{
	char from[DAY_LEN], to[DAY_LEN];
	int english;
	if (report_args(rq, rp, from, to, &english))
		return;
	const report_words *w = report_words_of(english);
	int st;
	names *nm = names_load(rq->app->st, &st);
	tally t;
	if (nm)
		st = tally_build(rq->app->st, rq->app->cfg, from, to, REPORT_TOP, &t);
	else
		memset(&t, 0, sizeof t);
	if (!nm || st != CSTORE_OK) {
		tally_free(&t);
		names_free(nm);
		if (st == CSTORE_BUSY || t.nomem)
			reply_unavailable(rp, 2, "the database is busy, try again");
		else
			reply_text(rp, 500, "the central office could not read its tickets");
		return;
	}
	buf *o = &rp->body;
	rp->status = 200;
	rp->ctype = "text/html; charset=utf-8";
	reply_header(rp, "Content-Security-Policy",
		     "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
		     "frame-ancestors 'none'; base-uri 'none'");
	reply_header(rp, "Referrer-Policy", "no-referrer");
	const char *L = w->lang;
	buf_printf(o,
		   "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
		   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		   "<title>loket — %s %s %s %s</title>%s</head><body><header>"
		   "<h1><b>loket</b> · %s %s %s %s</h1>"
		   "<form method=\"get\" action=\"/report\"><label>%s <input type=\"date\" "
		   "name=\"from\" value=\"%s\"></label><label>%s <input type=\"date\" name=\"to\" "
		   "value=\"%s\"></label><input type=\"hidden\" name=\"lang\" value=\"%s\">"
		   "<button type=\"submit\" class=\"ghost\">%s</button></form>"
		   "<a class=\"btn\" href=\"/report.xlsx?from=%s&amp;to=%s&amp;lang=%s\">%s</a>"
		   "<a class=\"btn ghost\" href=\"/export/tickets.csv?from=%s&amp;to=%s&amp;"
		   "lang=%s\">%s</a>"
		   "<span class=\"lang\"><a href=\"/report?lang=nl&amp;from=%s&amp;to=%s\"%s>NL</a>"
		   "<a href=\"/report?lang=en&amp;from=%s&amp;to=%s\"%s>EN</a></span>"
		   "</header><main><nav><a href=\"/report?period=month&amp;lang=%s\">%s</a>"
		   "<a href=\"/report?period=quarter&amp;lang=%s\">%s</a>"
		   "<a href=\"/report?period=year&amp;lang=%s\">%s</a><a href=\"/?lang=%s\">"
		   "%s</a></nav>",
		   L, w->title, from, w->through, to, style, w->title, from, w->through, to,
		   w->period, from, w->through, to, L, w->show, from, to, L, w->xlsx, from, to, L,
		   w->csv, from, to, english ? "" : " class=\"on\"", from, to,
		   english ? " class=\"on\"" : "", L, w->month, L, w->quarter, L, w->year, L,
		   english ? "Dashboard" : "Overzicht");
	sites_table(o, &t, w, english);
	cats_table(o, &t, nm, w, english);
	outcomes_table(o, &t, w);
	counts_table(o, &t, nm, w, 1);
	first_table(o, &t, w);
	counts_table(o, &t, nm, w, 0);
	char iso[CLOCK_ISO_LEN];
	clock_format_iso(clock_now_ms(), iso, sizeof iso);
	buf_printf(o,
		   "</main><footer>%s %.10s %.5s · %s %s %s %s · loket-central %s</footer>"
		   "</body></html>\n",
		   w->generated, iso, iso + 11, w->period, from, w->through, to,
#ifdef LOKET_VERSION
		   LOKET_VERSION
#else
		   "dev"
#endif
	);
	reply_note(rp, "%s..%s %ld visits", from, to, t.total.visits);
	tally_free(&t);
	names_free(nm);
}
