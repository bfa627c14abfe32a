/*
 * csv — the exports for spreadsheets:
 *
 *   /export/tickets.csv?from=YYYY-MM-DD&to=YYYY-MM-DD&site=ID&sep=;
 *       one row per ticket issued in [from, to] (the site's local days)
 *   /export/staffed.csv?from=&to=&site=&sep=
 *       one row per desk span (a desk from its desk.opened to its next
 *       desk.closed) opened in [from, to]: site, day, desk, opened_at,
 *       closed_at, minutes (closed_at and minutes empty while still open)
 *
 * Both with a header row, RFC 4180 quoting, CRLF line ends, UTF-8. Dutch
 * spreadsheets expect ';' (the default); sep=, or sep=tab for others. With
 * ';' the file starts with a UTF-8 byte order mark, so Excel reads it as
 * UTF-8 (bom=0 or bom=1 overrides). Text cells starting with = + - @ (also
 * after spaces), a tab or a CR get a leading apostrophe, so no cell is
 * ever run as a formula (CSV injection). Durations are whole seconds
 * (tickets) or minutes (desks).
 *
 * Without lang= the file is for scripts: the machine headers below, ids,
 * and times as the site wrote them (RFC 3339 with offset). With lang=nl or
 * lang=en it is for people: headers in that language, the kinds of help,
 * referral destinations and outcomes by their labels (from the sites'
 * profiles, names.c; the id when a site sent none), and times as
 * "YYYY-MM-DD HH:MM:SS" in the site's local time. That form and the day's
 * ISO "YYYY-MM-DD" are what LibreOffice and Excel, in Dutch as in English,
 * read as dates and times (a Dutch "22-11-2026" would be read as text or,
 * worse, as 11 November by an English one).
 *
 * tickets.csv ends with how a served visit ended: served_outcome
 * (solved, referred, follow_up), referred_to, topics (ids joined by a
 * space; labels joined by ", " with lang=) and first_visit (yes, no),
 * each empty when not recorded.
 *
 * tickets.csv streams: its rows are read CSV_PAGE tickets at a time
 * (cstore_tickets_page: ordered by day, site, issue time; one short read
 * per page) and sent as they are made (reply_stream, chunked), so a year
 * of the whole network exports in the memory of one page and holds no
 * read open for long. The first page is made before the answer: a period
 * that fits in it is an ordinary reply, and a database that cannot be read
 * still gets its 503 or 500. A read failing after that cuts the
 * connection (logged): the status has gone out already, and a file cut
 * short must not look whole.
 *
 * staffed.csv streams the same way, a site at a time: the names of the
 * sites the store holds are read first (cstore_site_names, in the order of
 * cstore_desk_spans), then each piece is the next site's spans of the
 * period (cstore_desk_spans of that site: its key, a few thousand rows in
 * years), so the file is the one read of every site would give, in the
 * memory of one site's spans and the list of names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "central.h"
#include "days.h"
#include "clock.h"
#include "log.h"
#include "names.h"
#include "strmap.h"

#define CSV_MAX	 (256u << 20)
#define CSV_PAGE 1000 /* tickets per page of a streamed export */

typedef struct {
	buf *o;
	char sep;
	int full;
	long rows;
	const char *lang; /* NULL: for scripts; "nl" or "en": for people */
	names *nm;
	/* whose rows (staffed.csv): people_sees_site (a copy: a streamed
	 * export outlives the request) */
	char *who_sites;
	/* a viewer limited to some sites: a ticket of a site not in sites is
	 * not theirs (the streamed export outlives rq) */
	int limited;
	/* The configured sites' names by id (copies: a streamed export
	 * outlives the request's snapshot of the sites). */
	strmap sites;
	char **site_names;
	size_t nsites;
	/* A streamed export: where it stands. */
	cstore *st;
	char from[11], to[11], site[CCONF_ID_LEN];
	int one_site;
	cstore_ticket_cursor cur;
	/* staffed.csv: the sites' names (cstore_site_names), the next one */
	char **names;
	size_t nnames, names_cap, next;
	int names_nomem;
} csv_ctx;

static void csv_free(csv_ctx *x)
{
	names_free(x->nm);
	strmap_free(&x->sites);
	for (size_t i = 0; i < x->nsites; i++)
		free(x->site_names[i]);
	free(x->site_names);
	for (size_t i = 0; i < x->nnames; i++)
		free(x->names[i]);
	free(x->names);
	free(x->who_sites);
	free(x);
}

/* A cell a spreadsheet would run as a formula: = + - @ first, maybe after
 * spaces; or a tab or CR first. */
static int formula_like(const char *s)
{
	if (s[0] == '\t' || s[0] == '\r')
		return 1;
	while (*s == ' ')
		s++;
	return *s == '=' || *s == '+' || *s == '-' || *s == '@';
}

static void cell(csv_ctx *x, const char *s, int text, int last)
{
	int quote = 0;
	for (const char *p = s; *p; p++)
		if (*p == x->sep || *p == '"' || *p == '\n' || *p == '\r')
			quote = 1;
	int guard = text && formula_like(s);
	int bad = 0;
	if (quote)
		bad |= buf_add(x->o, "\"", 1);
	if (guard)
		bad |= buf_add(x->o, "'", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			bad |= buf_add(x->o, "\"", 1);
		bad |= buf_add(x->o, p, 1);
	}
	if (quote)
		bad |= buf_add(x->o, "\"", 1);
	bad |= last ? buf_add(x->o, "\r\n", 2) : buf_add(x->o, &x->sep, 1);
	if (bad)
		x->full = 1;
}

static void num_cell(csv_ctx *x, int64_t v, int ok, int last)
{
	char n[24] = "";
	if (ok)
		snprintf(n, sizeof n, "%lld", (long long)v);
	cell(x, n, 0, last);
}

/* A time as the site wrote it, or (for people) "YYYY-MM-DD HH:MM:SS". */
static void time_cell(csv_ctx *x, const char *at)
{
	if (!x->lang || strlen(at) < 19 || at[10] != 'T') {
		cell(x, at, 1, 0);
		return;
	}
	char t[20];
	snprintf(t, sizeof t, "%.10s %.8s", at, at + 11);
	cell(x, t, 0, 0);
}

static const char *word(const csv_ctx *x, const char *id)
{
	static const char *const t[][3] = {
	    {"served", "geholpen", "helped"},
	    {"no_show", "niet verschenen", "no-show"},
	    {"cancelled", "geannuleerd", "cancelled"},
	    {"expired", "verlopen bij sluiten", "expired at closing"},
	    {"open", "nog open", "still open"},
	    {"solved", "opgelost", "solved"},
	    {"referred", "doorverwezen", "referred"},
	    {"follow_up", "vervolgbezoek nodig", "follow-up needed"},
	    {"yes", "ja", "yes"},
	    {"no", "nee", "no"},
	};
	if (!x->lang)
		return id;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(t[i][0], id))
			return t[i][strcmp(x->lang, "en") ? 1 : 2];
	return id;
}

static const char *cat_name(const csv_ctx *x, const char *site, const char *kind, const char *id)
{
	return x->lang && *id ? names_or_id(x->nm, site, kind, id, x->lang) : id;
}

/* topics (a JSON array of ids) as ids joined by a space, or labels by ", ". */
static void topics_cell(csv_ctx *x, const cstore_ticket *t)
{
	buf b;
	buf_init(&b, 8192);
	json_t *a = *t->topics ? json_loads(t->topics, 0, NULL) : NULL;
	for (size_t i = 0; i < json_array_size(a) && i < 64; i++) {
		const char *id = json_string_value(json_array_get(a, i));
		if (!id)
			continue;
		if (i)
			buf_adds(&b, x->lang ? ", " : " ");
		buf_adds(&b, cat_name(x, t->site, "category", id));
	}
	json_decref(a);
	cell(x, b.data ? b.data : "", 1, 0);
	buf_free(&b);
}

static int row(void *ctx, const cstore_ticket *t)
{
	csv_ctx *x = ctx;
	size_t si = strmap_get(&x->sites, t->site);
	if (si == (size_t)-1 && x->limited)
		return 0;
	cell(x, t->site, 1, 0);
	cell(x, si != (size_t)-1 ? x->site_names[si] : "", 1, 0);
	cell(x, t->day, 1, 0);
	cell(x, t->code, 1, 0);
	cell(x, cat_name(x, t->site, "category", t->category), 1, 0);
	cell(x, cat_name(x, t->site, "category", t->first_category), 1, 0);
	cell(x, t->lang, 1, 0);
	time_cell(x, t->issued_at);
	time_cell(x, t->called_at);
	time_cell(x, t->finished_at);
	cell(x, word(x, t->outcome[0] ? t->outcome : "open"), 1, 0);
	num_cell(x, t->desk, t->desk > 0, 0);
	int64_t wait = t->called_ms - t->issued_ms;
	num_cell(x, wait / 1000, t->called_ms >= 0 && clock_is_set(t->issued_ms) && wait >= 0, 0);
	int64_t serv = t->finished_ms - t->last_called_ms;
	num_cell(x, serv / 1000,
		 !strcmp(t->outcome, "served") && t->last_called_ms >= 0 && serv >= 0, 0);
	num_cell(x, t->calls, 1, 0);
	num_cell(x, t->transfers, 1, 0);
	cell(x, t->ticket, 1, 0);
	cell(x, *t->served_outcome ? word(x, t->served_outcome) : "", 1, 0);
	cell(x, cat_name(x, t->site, "referral", t->referred_to), 1, 0);
	topics_cell(x, t);
	cell(x, t->first_visit < 0 ? "" : word(x, t->first_visit ? "yes" : "no"), 1, 1);
	x->rows++;
	return x->full;
}

static int span_row(void *ctx, const cstore_desk_span *d)
{
	csv_ctx *x = ctx;
	if (!people_sees_site(x->who_sites, d->site))
		return 0;
	cell(x, d->site, 1, 0);
	cell(x, d->day, 1, 0);
	num_cell(x, d->desk, 1, 0);
	time_cell(x, d->opened_at);
	time_cell(x, d->closed_at);
	num_cell(x, d->minutes, d->minutes >= 0, 1);
	x->rows++;
	return x->full;
}

typedef struct {
	const char *from, *to, *site; /* NULL if not given */
} csv_args;

/* The arguments both exports take, checked into a new *x (csv_free) and
 * *a; 0, or -1 when rp holds the answer (401, 400 or 503). On 0 the body
 * holds the byte order mark (if any) and the header row of head[0..n). */
static int csv_begin(request *rq, reply *rp, csv_ctx **xp, csv_args *a, const char *const *heads[3],
		     size_t n)
{
	if (!req_is_signed_in(rq)) {
		reply_text(rp, 401,
			   "sign in at /login, or send Authorization: Bearer <admin or API token>");
		reply_header(rp, "WWW-Authenticate", "Bearer realm=\"loket\"");
		return -1;
	}
	const char *from = req_arg(rq, "from"), *to = req_arg(rq, "to");
	const char *site = req_arg(rq, "site"), *sep = req_arg(rq, "sep");
	const char *bom = req_arg(rq, "bom"), *lang = req_arg(rq, "lang");
	if (lang && *lang && strcmp(lang, "nl") && strcmp(lang, "en")) {
		reply_text(rp, 400, "lang: nl or en (or none, for the machine headers)");
		return -1;
	}
	if (lang && !*lang)
		lang = NULL;
	if (from && !*from)
		from = NULL;
	if (to && !*to)
		to = NULL;
	if (site && !*site)
		site = NULL;
	if ((from && !day_is_valid(from)) || (to && !day_is_valid(to))) {
		reply_text(rp, 400, "from and to must be dates as YYYY-MM-DD");
		return -1;
	}
	if (site && !cconf_site_find(rq->app->cfg, site)) {
		reply_text(rp, 400, "site: not a site of this central office");
		return -1;
	}
	char s = ';';
	if (sep && (!strcmp(sep, ",") || !strcmp(sep, "comma")))
		s = ',';
	else if (sep && (!strcmp(sep, "tab") || !strcmp(sep, "\t")))
		s = '\t';
	else if (sep && *sep && strcmp(sep, ";") && strcmp(sep, "semicolon")) {
		reply_text(rp, 400, "sep: one of ; , tab");
		return -1;
	}
	int with_bom = s == ';';
	if (bom && (!strcmp(bom, "0") || !strcmp(bom, "1")))
		with_bom = bom[0] == '1';
	buf_init(&rp->body, CSV_MAX);
	csv_ctx *x = calloc(1, sizeof *x);
	const cconf *cfg = rq->app->cfg;
	if (x)
		x->site_names = calloc((size_t)cfg->nsites + 1, sizeof *x->site_names);
	for (int i = 0; x && x->site_names && i < cfg->nsites; i++) {
		x->site_names[i] = strdup(cfg->sites[i].name);
		if (!x->site_names[i] || strmap_put(&x->sites, cfg->sites[i].id, (size_t)i)) {
			free(x->site_names[i]);
			break;
		}
		x->nsites++;
	}
	if (!x || (int)x->nsites != cfg->nsites) {
		if (x)
			csv_free(x);
		reply_unavailable(rp, 5, "out of memory");
		return -1;
	}
	if (lang) {
		int st;
		x->nm = names_load(rq->app->st, &st);
		if (!x->nm) {
			csv_free(x);
			reply_unavailable(rp, 2, "the database is busy, try again");
			return -1;
		}
	}
	x->o = &rp->body;
	x->sep = s;
	x->lang = lang;
	x->who_sites = strdup(rq->who.sites);
	if (!x->who_sites) {
		csv_free(x);
		reply_unavailable(rp, 5, "out of memory");
		return -1;
	}
	x->limited = rq->who.sites[0] != '\0';
	*xp = x;
	*a = (csv_args){from, to, site};
	if (with_bom)
		buf_add(x->o, "\xEF\xBB\xBF", 3);
	const char *const *head = heads[!lang ? 0 : strcmp(lang, "en") ? 1 : 2];
	for (size_t i = 0; i < n; i++)
		cell(x, head[i], 0, i + 1 == n);
	return 0;
}

/* The answer after the rows (or the first page of them): the file, or why
 * not. */
static void csv_end(reply *rp, csv_ctx *x, const csv_args *a, int st, const char *name,
		    const char *what)
{
	if (x->full) {
		buf_reset(&rp->body);
		reply_text(rp, 400, "more than 256 MiB: choose a shorter period (from, to)");
		return;
	}
	if (st == CSTORE_BUSY) {
		reply_unavailable(rp, 2, "the database is busy, try again");
		return;
	}
	if (st != CSTORE_OK) {
		reply_text(rp, 500, "the central office could not read its %s", what);
		return;
	}
	char disp[128];
	snprintf(disp, sizeof disp, "attachment; filename=\"loket-%s%s%s%s%s.csv\"", name,
		 a->from ? "-" : "", a->from ? a->from : "", a->to ? "-" : "", a->to ? a->to : "");
	rp->status = 200;
	rp->ctype = "text/csv; charset=utf-8; header=present";
	reply_header(rp, "Content-Disposition", disp);
	reply_note(rp, "%ld rows%s", x->rows, rp->stream.fill ? " and more, streamed" : "");
}

/* One page of tickets into x->o: 0 (more to come), 1 (the end), or a
 * CSTORE_* status other than OK negated. */
static int ticket_page(csv_ctx *x)
{
	size_t n = 0;
	int st = cstore_tickets_page(x->st, x->from, x->to, x->one_site ? x->site : NULL, &x->cur,
				     CSV_PAGE, row, x, &n);
	if (st != CSTORE_OK)
		return -st;
	if (x->full)
		return -CSTORE_ERROR;
	return n < CSV_PAGE;
}

static int ticket_fill(void *ctx, buf *out)
{
	csv_ctx *x = ctx;
	x->o = out;
	int rc = ticket_page(x);
	if (rc < 0)
		log_error("tickets.csv %s..%s: cut after %ld rows: the store answered %d", x->from,
			  x->to, x->rows, -rc);
	return rc;
}

static void ticket_done(void *ctx)
{
	csv_ctx *x = ctx;
	log_info("tickets.csv %s..%s: %ld rows streamed", x->from, x->to, x->rows);
	csv_free(x);
}

void csv_export(request *rq, reply *rp)
{
	static const char *const head[] = {
	    "site",	    "site_name",      "day",	     "code",	      "category",
	    "first_category", "lang",	      "issued_at",   "called_at",     "finished_at",
	    "outcome",	    "desk",	      "wait_seconds", "service_seconds", "calls",
	    "transfers",    "ticket",	      "served_outcome", "referred_to", "topics",
	    "first_visit"};
	static const char *const head_nl[] = {
	    "Locatie-id",	 "Locatie",	       "Dag",		     "Code",
	    "Soort hulp",	 "Eerste soort hulp", "Taal",		     "Uitgegeven",
	    "Opgeroepen",	 "Afgerond",	       "Afloop",	     "Balie",
	    "Wachttijd (s)",	 "Hulptijd (s)",       "Oproepen",	     "Doorgezet",
	    "Ticket",		 "Uitkomst",	       "Doorverwezen naar", "Ook behandeld",
	    "Eerste bezoek"};
	static const char *const head_en[] = {
	    "Location id",  "Location",		"Day",		 "Code",
	    "Kind of help", "First kind of help", "Language",	 "Issued",
	    "Called",	    "Finished",		"Ended as",	 "Desk",
	    "Wait (s)",	    "Service (s)",	"Calls",	 "Transfers",
	    "Ticket",	    "Outcome",		"Referred to",	 "Also dealt with",
	    "First visit"};
	const char *const *heads[3] = {head, head_nl, head_en};
	csv_ctx *x;
	csv_args a;
	if (csv_begin(rq, rp, &x, &a, heads, sizeof head / sizeof head[0]))
		return;
	x->st = rq->app->st;
	snprintf(x->from, sizeof x->from, "%s", a.from ? a.from : "0000-00-00");
	snprintf(x->to, sizeof x->to, "%s", a.to ? a.to : "9999-99-99");
	snprintf(x->site, sizeof x->site, "%s", a.site ? a.site : "");
	x->one_site = a.site != NULL;
	int rc = ticket_page(x);
	if (rc == 0) /* more than a page: the rest streams */
		rp->stream = (reply_stream){ticket_fill, ticket_done, x};
	csv_end(rp, x, &a, rc < 0 ? -rc : CSTORE_OK, "tickets", "tickets");
	if (rc != 0)
		csv_free(x);
}

static int take_name(void *ctx, const char *name)
{
	csv_ctx *x = ctx;
	if (x->nnames == x->names_cap) {
		size_t c = x->names_cap ? x->names_cap * 2 : 64;
		char **p = realloc(x->names, c * sizeof *p);
		if (!p)
			return x->names_nomem = 1;
		x->names = p;
		x->names_cap = c;
	}
	if (!(x->names[x->nnames] = strdup(name)))
		return x->names_nomem = 1;
	x->nnames++;
	return 0;
}

/* The spans of the next sites into x->o, up to the first that has some:
 * 0 (more to come), 1 (the end), or a CSTORE_* status other than OK
 * negated. */
static int staffed_page(csv_ctx *x)
{
	while (x->next < x->nnames) {
		long before = x->rows;
		int st = cstore_desk_spans(x->st, x->from, x->to, x->names[x->next++], span_row, x);
		if (st != CSTORE_OK)
			return -st;
		if (x->full)
			return -CSTORE_ERROR;
		if (x->rows > before)
			break;
	}
	return x->next >= x->nnames;
}

static int staffed_fill(void *ctx, buf *out)
{
	csv_ctx *x = ctx;
	x->o = out;
	int rc = staffed_page(x);
	if (rc < 0)
		log_error("staffed.csv %s..%s: cut after %ld rows: the store answered %d", x->from,
			  x->to, x->rows, -rc);
	return rc;
}

static void staffed_done(void *ctx)
{
	csv_ctx *x = ctx;
	log_info("staffed.csv %s..%s: %ld rows streamed", x->from, x->to, x->rows);
	csv_free(x);
}

void csv_staffed(request *rq, reply *rp)
{
	static const char *const head[] = {"site",	"day",	     "desk",
					   "opened_at", "closed_at", "minutes"};
	static const char *const head_nl[] = {"Locatie-id", "Dag",	"Balie",
					      "Geopend",    "Gesloten", "Minuten"};
	static const char *const head_en[] = {"Location id", "Day",	"Desk",
					      "Opened",	     "Closed", "Minutes"};
	const char *const *heads[3] = {head, head_nl, head_en};
	csv_ctx *x;
	csv_args a;
	if (csv_begin(rq, rp, &x, &a, heads, sizeof head / sizeof head[0]))
		return;
	x->st = rq->app->st;
	snprintf(x->from, sizeof x->from, "%s", a.from ? a.from : "0000-00-00");
	snprintf(x->to, sizeof x->to, "%s", a.to ? a.to : "9999-99-99");
	/* One site asked for: its spans, in one piece. Else every site's,
	 * a site at a time. */
	int st = a.site ? CSTORE_OK : cstore_site_names(x->st, take_name, x);
	if (a.site)
		take_name(x, a.site);
	if (st == CSTORE_OK && x->names_nomem)
		st = CSTORE_ERROR; /* not a file with sites left out */
	int rc = st == CSTORE_OK ? staffed_page(x) : -st;
	if (rc == 0) /* more sites: the rest streams */
		rp->stream = (reply_stream){staffed_fill, staffed_done, x};
	csv_end(rp, x, &a, rc < 0 ? -rc : CSTORE_OK, "staffed", "desk spans");
	if (rc != 0)
		csv_free(x);
}
