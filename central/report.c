/*
 * report — the dashboard at "/": one server-rendered HTML page with inline
 * CSS and SVG, no scripts and no outside assets (its Content-Security-Policy
 * forbids them), in Dutch (default) or English (?lang=en).
 *
 *   ?from=YYYY-MM-DD&to=YYYY-MM-DD   the period of the tables and charts
 *                                    (default: the last 30 days; at most 366)
 *
 * What it shows, all added up from the store's aggregates, never from
 * the tickets: the per-site-and-kind figures from cstore_period_aggs (a
 * row per site, kind of help and whole month of the period, and per day
 * for the days around those months), the days from cstore_day_totals (per
 * site and day; for a period of more than FOLD_WEEKS days, per site and
 * month from cstore_month_totals) and cstore_day_cats (per day and kind of
 * help); so a year costs its sites x kinds x 12 months, sites x 12 months
 * and 365 x kinds of narrow rows. Sites and groups are found through a
 * hash (strmap). The days of the "helped" figures (this month, this week,
 * today) are read with the period when they meet it, apart when not (or
 * when the period is read per month): a past period reads only its own
 * days.
 *   - residents helped (tickets served) today, this week (from Monday),
 *     this month, by the central office's calendar;
 *   - every configured site: last sync, events held, acked_through,
 *     events held unread (a type this version does not know: upgrade),
 *     and when its profile came (none: an older version, ids shown);
 *   - per site and category: tickets, served, no-shows, cancelled,
 *     expired (still open when the site's day ended), median and 90th
 *     percentile wait (issue to first call), median service time (last
 *     call to served); per site the DASH_TOP kinds of help with the most
 *     tickets apart, the rest as one "other" row with a note saying how
 *     many were grouped (a site sending 5,000 distinct categories costs
 *     a hash lookup per ticket, not a 503);
 *   - per site and day: tickets, served and staffed hours (the desk spans:
 *     each desk from its desk.opened to its next
 *     desk.closed, on the day of the opening; a desk still open counts
 *     nothing yet), with a total per site; folded per week (from Monday)
 *     for a period of more than FOLD_DAYS days and per calendar month for
 *     more than FOLD_WEEKS, so a year of 700 sites is about 10,000 rows
 *     (a page a browser shows), not 255,000 (30 MB); the day by day
 *     figures are in staffed.csv and a shorter period;
 *   - tickets per site (lines, per row of that table) and per day per
 *     category (stacked bars).
 *
 * Labels of the kinds of help come from the sites' profiles in the
 * reader's language (names.c); a site without a profile shows its ids.
 * No label is written here.
 *
 * Percentiles are nearest-rank: the p-th of n sorted values is the one at
 * rank ceil(p * n), of the durations rounded to the nearest whole minute
 * (hist.h: the aggregates keep minutes, so any period adds up exactly;
 * 4 hours or more count as 4 hours). They are shown in whole minutes. Days are the sites' local
 * dates (the "at" of issue). Every string that came from a site is escaped before it meets the
 * HTML.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "central.h"
#include "clock.h"
#include "days.h"
#include "health.h"
#include "hist.h"
#include "names.h"
#include "strmap.h"

#define MAX_DAYS 366
#define MAX_CATS 24 /* categories charted apart; the rest is "other" */
#define DASH_TOP 20 /* kinds of help per site in the table; the rest is "other" */
/* The days table and the sites' chart: per day up to FOLD_DAYS days, per
 * week (from Monday) up to FOLD_WEEKS days, per calendar month beyond. */
#define FOLD_DAYS  31
#define FOLD_WEEKS 92
enum { FOLD_DAY, FOLD_WEEK, FOLD_MONTH };

static const char *const palette[] = {"#0072b2", "#e69f00", "#009e73", "#cc79a7",
				      "#56b4e9", "#d55e00", "#8a7b00", "#4d4d4d"};
#define NCOLOURS (sizeof palette / sizeof palette[0])

typedef struct {
	char site[CCONF_ID_LEN];
	char cat[32];
	long tickets, served, no_show, cancelled, expired;
	long grouped; /* an "other" row: how many kinds it holds */
	int rank;     /* the site's place in the configuration; nsites if none */
	hist wait, service;
} group;

typedef struct {
	const cconf *cfg;
	const request *rq;		   /* whose rows: req_sees_site */
	long from, to, today, week, month; /* day numbers */
	long helped_today, helped_week, helped_month, tickets;
	group *g;
	size_t ng, gcap;
	strmap gidx;  /* "site\x1fcategory" -> index into g */
	strmap sites; /* configured site id -> its index */
	long kpi_lo;  /* the first day of the "helped" figures */
	const names *nm;
	const char *lang;
	int fold;	    /* FOLD_*: the rows of the days table and the sites' chart */
	long nb;	    /* how many of them (days, weeks or months of the period) */
	long *bstart;	    /* [nb]: the first day of each in the period */
	long *site_day;	    /* tickets [nsites][nb] */
	long *site_served;  /* [nsites][nb] */
	long *site_minutes; /* staffed minutes of the closed desk spans, [nsites][nb] */
	long *site_spans;   /* closed desk spans, [nsites][nb] */
	int ncats;
	char cats[MAX_CATS + 1][32]; /* the last one collects the rest */
	long *cat_day;		     /* [MAX_CATS + 1][ndays] */
	int nomem;
} agg;

static group *group_of(agg *a, const char *site, const char *cat)
{
	char key[CCONF_ID_LEN + 40];
	snprintf(key, sizeof key, "%s\x1f%s", site, cat);
	size_t i = strmap_get(&a->gidx, key);
	if (i != (size_t)-1)
		return &a->g[i];
	if (strmap_put(&a->gidx, key, a->ng))
		return NULL;
	if (a->ng == a->gcap) {
		size_t c = a->gcap ? a->gcap * 2 : 32;
		group *p = realloc(a->g, c * sizeof *p);
		if (!p)
			return NULL;
		a->g = p;
		a->gcap = c;
	}
	group *g = &a->g[a->ng++];
	memset(g, 0, sizeof *g);
	snprintf(g->site, sizeof g->site, "%s", site);
	snprintf(g->cat, sizeof g->cat, "%s", cat);
	size_t si = strmap_get(&a->sites, site);
	g->rank = si == (size_t)-1 ? a->cfg->nsites : (int)si;
	return g;
}

static int cat_index(agg *a, const char *cat)
{
	for (int i = 0; i < a->ncats; i++)
		if (!strcmp(a->cats[i], cat))
			return i;
	if (a->ncats < MAX_CATS) {
		snprintf(a->cats[a->ncats], sizeof a->cats[0], "%s", cat);
		return a->ncats++;
	}
	return MAX_CATS;
}

/* A month as a number: year * 12 + month - 1, of a "YYYY-MM..." label. */
static long month_no(const char *label)
{
	return strtol(label, NULL, 10) * 12 + strtol(label + 5, NULL, 10) - 1;
}

static long month_of_day(long d)
{
	char l[DAY_LEN];
	days_to_label(d, l);
	return month_no(l);
}

/* The row (day, week or month) of day d of the period. */
static long bucket_of(const agg *a, long d)
{
	switch (a->fold) {
	case FOLD_WEEK:
		return (d - (a->from - days_weekday(a->from))) / 7;
	case FOLD_MONTH:
		return month_of_day(d) - month_of_day(a->from);
	default:
		return d - a->from;
	}
}

/* The rows of the period and their first days (nb, bstart); -1 if out of
 * memory. */
static int buckets(agg *a)
{
	long nd = a->to - a->from + 1;
	a->fold = nd <= FOLD_DAYS ? FOLD_DAY : nd <= FOLD_WEEKS ? FOLD_WEEK : FOLD_MONTH;
	a->nb = bucket_of(a, a->to) + 1;
	a->bstart = calloc((size_t)a->nb, sizeof *a->bstart);
	if (!a->bstart)
		return -1;
	for (long d = a->to; d >= a->from; d--)
		a->bstart[bucket_of(a, d)] = d;
	return 0;
}

/* An aggregate row of the period (a day or a whole month): to its group. */
static int take(void *ctx, const cstore_agg *r)
{
	agg *a = ctx;
	if (!r->visits)
		return 0; /* a row of topics only ("also"): not on this page */
	if (!req_sees_site(a->rq, r->site))
		return 0;
	group *g = group_of(a, r->site, r->category);
	if (!g) {
		a->nomem = 1;
		return 1;
	}
	g->tickets += r->visits;
	g->served += r->served;
	g->no_show += r->no_show;
	g->cancelled += r->cancelled;
	g->expired += r->expired;
	/* Malformed histograms cannot be (the store wrote them): what could
	 * be read counts. */
	(void)hist_merge_blob(&g->wait, r->wait, r->wait_len);
	(void)hist_merge_blob(&g->service, r->service, r->service_len);
	return 0;
}

/* A site's day: to the "helped" figures if the day is theirs, and to the
 * days table and the sites' chart if it is in the period. */
static int take_total(void *ctx, const cstore_day_total *t)
{
	agg *a = ctx;
	if (!day_is_valid(t->day) || !req_sees_site(a->rq, t->site))
		return 0;
	long d = days_from_label(t->day);
	if (d >= a->kpi_lo && d <= a->today) {
		a->helped_today += d == a->today ? t->served : 0;
		a->helped_week += d >= a->week ? t->served : 0;
		a->helped_month += d >= a->month ? t->served : 0;
	}
	if (d < a->from || d > a->to || a->fold == FOLD_MONTH)
		return 0; /* per month: take_month */
	a->tickets += t->visits;
	size_t si = strmap_get(&a->sites, t->site);
	if (si == (size_t)-1)
		return 0;
	long k = (long)si * a->nb + bucket_of(a, d);
	a->site_day[k] += t->visits;
	a->site_served[k] += t->served;
	a->site_minutes[k] += t->staffed_minutes;
	a->site_spans[k] += t->spans;
	return 0;
}

/* A site's month (FOLD_MONTH): to the days table and the sites' chart. */
static int take_month(void *ctx, const cstore_day_total *t)
{
	agg *a = ctx;
	if (strlen(t->day) != 7 || !req_sees_site(a->rq, t->site))
		return 0;
	long b = month_no(t->day) - month_of_day(a->from);
	if (b < 0 || b >= a->nb)
		return 0;
	a->tickets += t->visits;
	size_t si = strmap_get(&a->sites, t->site);
	if (si == (size_t)-1)
		return 0;
	long k = (long)si * a->nb + b;
	a->site_day[k] += t->visits;
	a->site_served[k] += t->served;
	a->site_minutes[k] += t->staffed_minutes;
	a->site_spans[k] += t->spans;
	return 0;
}

/* A day's visits of one kind of help, all sites together: to the chart. */
static int take_cat(void *ctx, const char *day, const char *category, long visits)
{
	agg *a = ctx;
	if (!day_is_valid(day))
		return 0;
	long d = days_from_label(day);
	if (d < a->from || d > a->to)
		return 0;
	a->cat_day[(long)cat_index(a, category) * (a->to - a->from + 1) + d - a->from] += visits;
	return 0;
}

static void agg_free(agg *a)
{
	free(a->g);
	strmap_free(&a->gidx);
	strmap_free(&a->sites);
	free(a->bstart);
	free(a->site_day);
	free(a->site_served);
	free(a->site_minutes);
	free(a->site_spans);
	free(a->cat_day);
}

/* --- words ---------------------------------------------------------------- */

typedef struct {
	const char *title, *period, *through, *show, *helped_today, *helped_week, *helped_month,
	    *tickets_period, *sites, *site, *last_sync, *never, *events, *acked, *unread, *per_cat,
	    *cat, *tickets, *served, *no_show, *cancelled, *expired, *wait_med, *wait_p90,
	    *service_med, *chart_sites, *chart_cats, *no_data, *download, *logout, *updated,
	    *ago_min, *ago_h, *ago_d, *just_now, *total, *note, *per_day, *day, *staffed,
	    *download_staffed, *note_day, *per_week, *per_month, *week, *month;
} words;

static const words nl = {
    "Centraal overzicht",
    "Periode",
    "t/m",
    "Toon",
    "Geholpen vandaag",
    "Geholpen deze week",
    "Geholpen deze maand",
    "Tickets in de periode",
    "Locaties",
    "Locatie",
    "Laatste synchronisatie",
    "nog nooit",
    "Events",
    "Compleet t/m seq",
    "Niet gelezen",
    "Per locatie en soort hulp",
    "Soort hulp",
    "Tickets",
    "Geholpen",
    "Niet verschenen",
    "Geannuleerd",
    "Verlopen",
    "Wachttijd (mediaan)",
    "Wachttijd (90%)",
    "Hulptijd (mediaan)",
    "Tickets per dag per locatie",
    "Tickets per dag per soort hulp",
    "Nog geen tickets in deze periode.",
    "Download CSV",
    "Uitloggen",
    "Bijgewerkt",
    "min geleden",
    "uur geleden",
    "dagen geleden",
    "zojuist",
    "Totaal",
    "Wachttijd: van ticket tot eerste oproep. Hulptijd: van laatste oproep tot geholpen. "
    "Beide afgerond op hele minuten (4 uur of langer telt als 4 uur). "
    "Geholpen = ticket afgerond als geholpen (één inwoner per ticket). "
    "Verlopen = nog open toen de dag van de locatie eindigde.",
    "Per locatie en dag",
    "Dag",
    "Bemande uren",
    "Bemande uren als CSV",
    "Bemande uren: elke balie van openen tot sluiten opgeteld, op de dag waarop hij "
    "openging (hooguit 24 uur per keer). Een balie die nog open is telt pas mee als hij "
    "dicht is.",
    "Per locatie en week",
    "Per locatie en maand",
    "Week vanaf",
    "Maand"};

static const words en = {
    "Central office",
    "Period",
    "to",
    "Show",
    "Helped today",
    "Helped this week",
    "Helped this month",
    "Tickets in the period",
    "Sites",
    "Site",
    "Last sync",
    "never",
    "Events",
    "Complete through seq",
    "Unread",
    "Per site and kind of help",
    "Kind of help",
    "Tickets",
    "Helped",
    "No-shows",
    "Cancelled",
    "Expired",
    "Wait (median)",
    "Wait (90th pct)",
    "Service (median)",
    "Tickets per day per site",
    "Tickets per day per kind of help",
    "No tickets in this period yet.",
    "Download CSV",
    "Sign out",
    "Updated",
    "min ago",
    "h ago",
    "days ago",
    "just now",
    "Total",
    "Wait: from ticket to first call. Service: from last call to helped. "
    "Both rounded to whole minutes (4 hours or more count as 4 hours). "
    "Helped = ticket closed as served (one resident per ticket). "
    "Expired = still open when the site's day ended.",
    "Per site and day",
    "Day",
    "Staffed hours",
    "Staffed hours as CSV",
    "Staffed hours: each desk from opening to closing, added up, on the day it "
    "opened (at most 24 hours at a time). A desk still open counts once it "
    "has closed.",
    "Per site and week",
    "Per site and month",
    "Week from",
    "Month"};

static void duration(buf *o, int64_t ms, int english)
{
	if (ms < 0) {
		buf_adds(o, "–");
		return;
	}
	long s = (long)((ms + 500) / 1000);
	if (s < 3600) /* whole minutes (hist.h), "0 min" included */
		buf_printf(o, "%ld min", (s + 30) / 60);
	else
		buf_printf(o, "%ld %s %02ld min", s / 3600, english ? "h" : "u", (s % 3600) / 60);
}

/* "2026-11-22" as "22-11" (nl) or "22/11" (en), for axis labels. */
static void short_day(long d, int english, char out[8])
{
	char l[DAY_LEN];
	days_to_label(d, l);
	snprintf(out, 8, "%.2s%c%.2s", l + 8, english ? '/' : '-', l + 5);
}

/* The short label of row i of the days table: its first day, or its
 * month as "11-2026" (nl) or "11/2026" (en). */
static void short_bucket(const agg *a, long i, int english, char out[8])
{
	if (a->fold != FOLD_MONTH) {
		short_day(a->bstart[i], english, out);
		return;
	}
	char l[DAY_LEN];
	days_to_label(a->bstart[i], l);
	snprintf(out, 8, "%.2s%c%.4s", l + 5, english ? '/' : '-', l);
}

/* Of row i of a folded table (weeks, months): the days of the period in
 * it, into *in, and the days of the whole week or month, into *whole. A
 * row with *in < *whole is partial: the period starts or ends inside it,
 * and its figures are of fewer days than its neighbours' (a year ending
 * on the 1st ends with a month of one day). */
static void bucket_days(const agg *a, long i, long *in, long *whole)
{
	*in = (i + 1 < a->nb ? a->bstart[i + 1] : a->to + 1) - a->bstart[i];
	*whole = 1;
	if (a->fold == FOLD_WEEK) {
		*whole = 7;
	} else if (a->fold == FOLD_MONTH) {
		char l[DAY_LEN];
		days_to_label(a->bstart[i], l);
		l[8] = '0', l[9] = '1';
		long first = days_from_label(l), d = first + 27;
		char m[DAY_LEN];
		for (days_to_label(d + 1, m); strcmp(m + 8, "01"); days_to_label(++d + 1, m))
			;
		*whole = d - first + 1;
	}
}

/* A round upper bound for an axis of four steps: 4 times 1, 2, 2.5 or 5
 * times a power of ten, so that every tick is a whole, round number. */
static long nice_max(long v)
{
	if (v <= 4)
		return 4;
	for (long p = 1;; p *= 10) {
		static const long m[] = {1, 2, 5};
		for (int i = 0; i < 3; i++)
			if (4 * m[i] * p >= v)
				return 4 * m[i] * p;
		if (p == 1 && 4 * 3 >= v) /* 12 reads better than 20 for 9..12 */
			return 12;
	}
}

/* --- charts --------------------------------------------------------------- */

#define CW 1080
#define CH 260
#define PL 44 /* plot left */
#define PR 12
#define PT 12
#define PB 30

/* The axes of a chart of nd days from from, or (a not NULL) of a's rows. */
static void axes(buf *o, long nd, long from, long ymax, int english, const agg *a)
{
	int pw = CW - PL - PR, ph = CH - PT - PB;
	for (int i = 0; i <= 4; i++) {
		double y = PT + ph - (double)ph * i / 4;
		buf_printf(o,
			   "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
			   "<text x=\"%d\" y=\"%.1f\" class=\"yl\">%ld</text>",
			   PL, CW - PR, y, y, PL - 6, y + 4, ymax * i / 4);
	}
	long step = nd <= 16 ? 1 : nd <= 35 ? 3 : nd <= 100 ? 7 : 30;
	for (long i = 0; i < nd; i += step) {
		double x = PL + (nd == 1 ? pw / 2.0 : (double)pw * ((double)i + 0.5) / (double)nd);
		char l[8];
		if (a)
			short_bucket(a, i, english, l);
		else
			short_day(from + i, english, l);
		buf_printf(o, "<text x=\"%.1f\" y=\"%d\" class=\"xl\">%s</text>", x, CH - 10, l);
	}
}

static void legend(buf *o, int n, const char *const *labels, const agg *a, int cats)
{
	buf_adds(o, "<div class=\"legend\">");
	for (int i = 0; i < n; i++) {
		buf_printf(o, "<span><i style=\"background:%s\"></i>", palette[i % NCOLOURS]);
		buf_add_html(o, cats ? names_any(a->nm, "category", labels[i], a->lang) : labels[i]);
		buf_adds(o, "</span>");
	}
	buf_adds(o, "</div>");
}

/* Per site a line through its rows of the days table (days, weeks or
 * months: a->fold). */
static void chart_sites(buf *o, const agg *a, int english, const words *w)
{
	long nd = a->nb, ymax = 0;
	int ns = a->cfg->nsites;
	for (long i = 0; i < (long)ns * nd; i++)
		if (a->site_day[i] > ymax)
			ymax = a->site_day[i];
	const char *title = a->fold == FOLD_DAY	 ? w->chart_sites
			    : a->fold == FOLD_WEEK ? (english ? "Tickets per week per site"
							      : "Tickets per week per locatie")
			    : english		   ? "Tickets per month per site"
						   : "Tickets per maand per locatie";
	buf_printf(o, "<section class=\"card\"><h2>%s</h2>", title);
	if (!a->tickets) {
		buf_printf(o, "<p class=\"empty\">%s</p></section>", w->no_data);
		return;
	}
	ymax = nice_max(ymax);
	buf_printf(o, "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">", CW, CH,
		   title);
	axes(o, nd, a->from, ymax, english, a);
	int pw = CW - PL - PR, ph = CH - PT - PB;
	const char *keys[CCONF_MAX_SITES > 64 ? 64 : CCONF_MAX_SITES];
	int shown = ns < 64 ? ns : 64;
	int drawn = 0;
	for (int s = 0; s < shown; s++) {
		long any = 0;
		for (long i = 0; i < nd; i++)
			any += a->site_day[s * nd + i];
		if (!any)
			continue; /* a site without tickets in the period: no flat line */
		const char *colour = palette[drawn % NCOLOURS];
		keys[drawn++] = a->cfg->sites[s].name;
		buf_printf(o,
			   "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.2\" points=\"",
			   colour);
		for (long i = 0; i < nd; i++) {
			double x =
			    PL + (nd == 1 ? pw / 2.0 : (double)pw * ((double)i + 0.5) / (double)nd);
			double y =
			    PT + ph - (double)ph * (double)a->site_day[s * nd + i] / (double)ymax;
			buf_printf(o, "%.1f,%.1f ", x, y);
		}
		buf_adds(o, "\"/>");
		/* a point per row: an open circle where the week or month is
		 * partial, else (few rows) a dot */
		for (long i = 0; i < nd; i++) {
			long in, whole, v = a->site_day[s * nd + i];
			bucket_days(a, i, &in, &whole);
			if (in == whole && nd > 45)
				continue;
			double x =
			    PL + (nd == 1 ? pw / 2.0 : (double)pw * ((double)i + 0.5) / (double)nd);
			double y = PT + ph - (double)ph * (double)v / (double)ymax;
			if (in < whole)
				buf_printf(
				    o,
				    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#fff\""
				    " stroke=\"%s\" stroke-width=\"2\"><title>%ld (%ld %s %ld)"
				    "</title></circle>",
				    x, y, colour, v, in, english ? "of" : "van", whole);
			else
				buf_printf(o,
					   "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\" fill=\"%s\">"
					   "<title>%ld</title></circle>",
					   x, y, colour, v);
		}
	}
	buf_adds(o, "</svg>");
	legend(o, drawn, keys, a, 0);
	long in0, whole0, in1, whole1;
	bucket_days(a, 0, &in0, &whole0);
	bucket_days(a, nd - 1, &in1, &whole1);
	if (a->fold != FOLD_DAY && (in0 < whole0 || in1 < whole1))
		buf_printf(
		    o, "<p class=\"mute\" style=\"font-size:12px;margin:6px 0 0\">%s</p>",
		    a->fold == FOLD_WEEK
			? (english ? "Open circle: a week only partly in the period (fewer days, "
				     "so fewer tickets)."
				   : "Open rondje: een week die maar deels in de periode valt "
				     "(minder dagen, dus minder tickets).")
			: (english ? "Open circle: a month only partly in the period (fewer "
				     "days, so fewer tickets)."
				   : "Open rondje: een maand die maar deels in de periode valt "
				     "(minder dagen, dus minder tickets)."));
	buf_adds(o, "</section>");
}

static void chart_cats(buf *o, const agg *a, int english, const words *w)
{
	long nd = a->to - a->from + 1, ymax = 0;
	int nc = a->ncats + (a->cat_day && a->ncats == MAX_CATS ? 1 : 0);
	for (long i = 0; i < nd; i++) {
		long sum = 0;
		for (int c = 0; c < nc; c++)
			sum += a->cat_day[c * nd + i];
		if (sum > ymax)
			ymax = sum;
	}
	buf_printf(o, "<section class=\"card\"><h2>%s</h2>", w->chart_cats);
	if (!a->tickets) {
		buf_printf(o, "<p class=\"empty\">%s</p></section>", w->no_data);
		return;
	}
	ymax = nice_max(ymax);
	buf_printf(o, "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">", CW, CH,
		   w->chart_cats);
	axes(o, nd, a->from, ymax, english, NULL);
	int pw = CW - PL - PR, ph = CH - PT - PB;
	double slot = (double)pw / (double)nd, bw = slot * 0.72;
	if (bw > 48)
		bw = 48;
	for (long i = 0; i < nd; i++) {
		double x = PL + slot * ((double)i + 0.5) - bw / 2, base = PT + ph;
		for (int c = 0; c < nc; c++) {
			long v = a->cat_day[c * nd + i];
			if (!v)
				continue;
			double h = (double)ph * (double)v / (double)ymax;
			base -= h;
			buf_printf(o,
				   "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				   "fill=\"%s\"><title>",
				   x, base, bw, h, palette[c % NCOLOURS]);
			buf_add_html(o, c < a->ncats ? names_any(a->nm, "category", a->cats[c], a->lang)
						     : "…");
			buf_printf(o, ": %ld</title></rect>", v);
		}
	}
	buf_adds(o, "</svg>");
	const char *keys[MAX_CATS + 1];
	for (int c = 0; c < a->ncats; c++)
		keys[c] = a->cats[c];
	legend(o, a->ncats, keys, a, 1);
	buf_adds(o, "</section>");
}

/* --- the page --------------------------------------------------------------- */

static const char style[] =
    "<style>"
    ":root{--ink:#1d2a35;--mute:#5b6b79;--line:#dde3e8;--bg:#f3f5f7;--acc:#1f6f8b}"
    "*{box-sizing:border-box}"
    "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;"
    "background:var(--bg);color:var(--ink);font-size:15px;line-height:1.4}"
    "header{background:#fff;border-bottom:1px solid var(--line);padding:14px 24px;"
    "display:flex;flex-wrap:wrap;gap:10px 14px;align-items:center}"
    "header h1{font-size:20px;margin:0;flex:1 1 auto}header h1 b{color:var(--acc)}"
    "header form{display:flex;gap:6px;align-items:center;margin:0}"
    "header input{font:inherit;padding:4px 6px;border:1px solid #b7c2cc;border-radius:5px}"
    "button,.btn{font:inherit;padding:5px 12px;border-radius:5px;border:1px solid var(--acc);"
    "background:var(--acc);color:#fff;text-decoration:none;cursor:pointer}"
    ".btn.ghost,button.ghost{background:#fff;color:var(--acc)}"
    ".lang a{color:var(--mute);text-decoration:none;padding:0 3px}.lang a.on{color:var(--ink);"
    "font-weight:600}"
    "main{max-width:1140px;margin:0 auto;padding:20px 28px 40px}"
    ".kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:14px;margin-bottom:18px}"
    ".kpi{background:#fff;border:1px solid var(--line);border-radius:10px;padding:14px 18px}"
    ".kpi b{display:block;font-size:34px;line-height:1.1;color:var(--acc)}"
    "td.unread{color:#b3261e;font-weight:600}"
    ".kpi span{color:var(--mute)}"
    ".card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:14px 18px;"
    "margin-bottom:18px}"
    ".card h2{font-size:16px;margin:0 0 10px}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);"
    "vertical-align:top}"
    "th{font-weight:600;color:var(--mute);font-size:13px}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.sub td{background:#f7f9fa;font-weight:600}"
    ".dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:6px}"
    ".ok{background:#2e9e5b}.late{background:#e0a400}.old{background:#c0392b}"
    ".none{background:#b7c2cc}.mute{color:var(--mute)}"
    "svg{width:100%;height:auto;display:block}"
    ".grid{stroke:#e6eaee;stroke-width:1}"
    ".yl{font-size:11px;fill:#5b6b79;text-anchor:end}"
    ".xl{font-size:11px;fill:#5b6b79;text-anchor:middle}"
    ".legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin-top:6px;font-size:13px}"
    ".legend i{display:inline-block;width:12px;height:12px;border-radius:3px;"
    "margin-right:6px;vertical-align:-1px}"
    ".empty{color:var(--mute);margin:20px 0}"
    "footer{color:var(--mute);font-size:12px;text-align:center;padding-bottom:24px}"
    "@media print{header form,.btn,button{display:none}body{background:#fff}}"
    "@media (max-width:800px){.kpis{grid-template-columns:repeat(2,1fr)}}"
    "</style>";

/* Each site's state and health in words (health.c), read once for the
 * table (one read of every site, not one per site): by the site's index
 * in the configuration. */
typedef struct {
	strmap idx; /* site id -> its index */
	cstore_site_info *info;
	char **words; /* NULL: no cell (not read, or not the viewer's) */
	int *ok;
	const request *rq; /* a viewer's: only their sites take a cell */
} health_cells;

static void on_health_cell(void *ctx, const health_site *h)
{
	health_cells *hc = ctx;
	size_t i = strmap_get(&hc->idx, h->site);
	if (i == (size_t)-1)
		return;
	hc->info[i] = (cstore_site_info){h->rec->acked_through, h->rec->events,
					 h->rec->last_sync_ms, h->rec->unread};
	if (!req_sees_site(hc->rq, h->site) || hc->words[i])
		return;
	hc->words[i] = strdup(h->words);
	hc->ok[i] = h->ok;
}

static void health_cell(buf *o, const health_cells *hc, int i)
{
	if (hc->words && hc->words[i]) {
		buf_printf(o, "<td class=\"health%s\">", hc->ok[i] ? "" : " unread");
		buf_add_html(o, hc->words[i]);
		buf_adds(o, "</td>");
		return;
	}
	buf_adds(o, "<td></td>");
}

static void sites_table(buf *o, const request *rq, const words *w, int english, int64_t now,
			const names *nm)
{
	const cconf *c = rq->app->cfg;
	buf_printf(o,
		   "<section class=\"card\"><h2>%s</h2><table><tr><th>%s</th><th>%s</th>"
		   "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
		   "<th>%s</th><th>%s</th></tr>",
		   w->sites, w->site, w->last_sync, w->events, w->acked, w->unread,
		   english ? "Profile (labels)" : "Profiel (namen)",
		   !req_is_admin(rq) ? (english ? "Health" : "Toestand")
		   : english	     ? "Health (<a href=\"/sites?lang=en\">sites</a>)"
				     : "Toestand (<a href=\"/sites\">locaties</a>)");
	health_cells hc = {{0},
			   calloc((size_t)c->nsites + 1, sizeof *hc.info),
			   calloc((size_t)c->nsites + 1, sizeof *hc.words),
			   calloc((size_t)c->nsites + 1, sizeof *hc.ok),
			   rq};
	int ready = hc.info && hc.words && hc.ok;
	for (int i = 0; ready && i < c->nsites; i++)
		if (strmap_get(&hc.idx, c->sites[i].id) == (size_t)-1 &&
		    strmap_put(&hc.idx, c->sites[i].id, (size_t)i))
			ready = 0;
	if (ready)
		health_each(rq->app->st, now, english ? "en" : "nl", on_health_cell, &hc);
	for (int i = 0; i < c->nsites; i++) {
		cstore_site_info si = {0};
		if (ready)
			si = hc.info[i];
		int64_t age = now - si.last_sync_ms;
		const char *cls = !si.last_sync_ms	   ? "none"
				  : age < 15 * 60 * 1000   ? "ok"
				  : age < 24 * 3600 * 1000 ? "late"
							   : "old";
		buf_printf(o, "<tr><td><span class=\"dot %s\"></span>", cls);
		buf_add_html(o, c->sites[i].name);
		buf_adds(o, " <span class=\"mute\">(");
		buf_add_html(o, c->sites[i].id);
		buf_adds(o, ")</span></td><td>");
		if (!si.last_sync_ms) {
			buf_printf(o, "<span class=\"mute\">%s</span>", w->never);
		} else {
			char iso[CLOCK_ISO_LEN];
			clock_format_iso(si.last_sync_ms, iso, sizeof iso);
			buf_printf(o, "%.10s %.5s <span class=\"mute\">(", iso, iso + 11);
			if (age < 60 * 1000)
				buf_adds(o, w->just_now);
			else if (age < 3600 * 1000)
				buf_printf(o, "%lld %s", (long long)(age / 60000), w->ago_min);
			else if (age < 48LL * 3600 * 1000)
				buf_printf(o, "%lld %s", (long long)(age / 3600000), w->ago_h);
			else
				buf_printf(o, "%lld %s", (long long)(age / 86400000), w->ago_d);
			buf_adds(o, ")</span>");
		}
		buf_printf(o,
			   "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
			   "<td class=\"n%s\">%lld</td><td class=\"profile\">",
			   (long long)si.events, (long long)si.acked_through,
			   si.unread ? " unread" : "", (long long)si.unread);
		/* A site that never sent a profile runs an older version: its
		 * kinds of help show as ids. */
		int64_t pm = names_profile_ms(nm, c->sites[i].id);
		if (pm) {
			char piso[CLOCK_ISO_LEN];
			clock_format_iso(pm, piso, sizeof piso);
			buf_printf(o, "%.10s %.5s", piso, piso + 11);
		} else {
			buf_printf(o, "<span class=\"mute\">%s</span>",
				   english ? "none (an older version: ids shown)"
					   : "geen (oudere versie: codes getoond)");
		}
		buf_adds(o, "</td>");
		health_cell(o, &hc, i);
		buf_adds(o, "</tr>");
	}
	buf_adds(o, "</table></section>");
	for (int i = 0; hc.words && i < c->nsites; i++)
		free(hc.words[i]);
	strmap_free(&hc.idx);
	free(hc.info);
	free(hc.words);
	free(hc.ok);
	(void)english;
}

static void group_row(buf *o, const agg *a, group *g, const char *site_name, int english,
		      int sub)
{
	buf_printf(o, "<tr%s><td>", sub ? " class=\"sub\"" : "");
	buf_add_html(o, site_name);
	buf_adds(o, "</td><td>");
	if (sub)
		buf_add_html(o, g->cat);
	else if (g->grouped)
		buf_printf(o, "%s (%ld %s)", english ? "Other" : "Overig", g->grouped,
			   english ? "grouped" : "samengevoegd");
	else
		buf_add_html(o, names_or_id(a->nm, g->site, "category", g->cat, a->lang));
	buf_printf(o,
		   "</td><td class=\"n\">%ld</td><td class=\"n\">%ld</td><td class=\"n\">%ld</td>"
		   "<td class=\"n\">%ld</td><td class=\"n\">%ld</td><td class=\"n\">",
		   g->tickets, g->served, g->no_show, g->cancelled, g->expired);
	duration(o, hist_pct(&g->wait, 50), english);
	buf_adds(o, "</td><td class=\"n\">");
	duration(o, hist_pct(&g->wait, 90), english);
	buf_adds(o, "</td><td class=\"n\">");
	duration(o, hist_pct(&g->service, 50), english);
	buf_adds(o, "</td></tr>");
}

/* Sites in the configuration's order, then the most asked-for help first. */
static int cmp_group(const void *x, const void *y, void *cfg)
{
	const group *a = x, *b = y;
	const cconf *c = cfg;
	int ra = a->rank, rb = b->rank;
	if (ra != rb)
		return ra - rb;
	if (ra == c->nsites && strcmp(a->site, b->site))
		return strcmp(a->site, b->site);
	if (a->tickets != b->tickets)
		return a->tickets > b->tickets ? -1 : 1;
	return strcmp(a->cat, b->cat);
}

static void groups_table(buf *o, agg *a, const words *w, int english)
{
	if (a->ng)
		qsort_r(a->g, a->ng, sizeof *a->g, cmp_group, (void *)a->cfg);
	buf_printf(o,
		   "<section class=\"card\"><h2>%s</h2><table><tr><th>%s</th><th>%s</th>"
		   "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
		   "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
		   "<th class=\"n\">%s</th><th class=\"n\">%s</th></tr>",
		   w->per_cat, w->site, w->cat, w->tickets, w->served, w->no_show, w->cancelled,
		   w->expired, w->wait_med, w->wait_p90, w->service_med);
	if (!a->ng)
		buf_printf(o, "<tr><td colspan=\"10\" class=\"mute\">%s</td></tr>", w->no_data);
	/* A total row per site with more than one kind of help. */
	size_t i = 0;
	long grouped = 0;
	while (i < a->ng) {
		size_t j = i;
		group total;
		memset(&total, 0, sizeof total);
		snprintf(total.cat, sizeof total.cat, "%s", w->total);
		const char *name =
		    a->g[i].rank < a->cfg->nsites ? a->cfg->sites[a->g[i].rank].name : a->g[i].site;
		group other;
		memset(&other, 0, sizeof other);
		snprintf(other.site, sizeof other.site, "%s", a->g[i].site);
		for (; j < a->ng && !strcmp(a->g[j].site, a->g[i].site); j++) {
			if (j - i < DASH_TOP)
				group_row(o, a, &a->g[j], name, english, 0);
			else {
				/* The tail of a site's kinds of help: one row. */
				other.grouped++;
				other.tickets += a->g[j].tickets;
				other.served += a->g[j].served;
				other.no_show += a->g[j].no_show;
				other.cancelled += a->g[j].cancelled;
				other.expired += a->g[j].expired;
				hist_add(&other.wait, &a->g[j].wait);
				hist_add(&other.service, &a->g[j].service);
			}
			total.tickets += a->g[j].tickets;
			total.served += a->g[j].served;
			total.no_show += a->g[j].no_show;
			total.cancelled += a->g[j].cancelled;
			total.expired += a->g[j].expired;
			hist_add(&total.wait, &a->g[j].wait);
			hist_add(&total.service, &a->g[j].service);
		}
		if (other.grouped == 1) /* one more row is no grouping */
			group_row(o, a, &a->g[j - 1], name, english, 0);
		else if (other.grouped) {
			group_row(o, a, &other, name, english, 0);
			grouped += other.grouped;
		}
		if (j - i > 1)
			group_row(o, a, &total, name, english, 1);
		i = j;
	}
	buf_printf(o, "</table><p class=\"mute\" style=\"font-size:12px;margin:8px 0 0\">%s</p>",
		   w->note);
	if (grouped)
		buf_printf(o,
			   "<p class=\"mute other\" style=\"font-size:12px;margin:4px 0 0\">%s %ld "
			   "%s %d %s</p>",
			   english ? "Other:" : "Overig:", grouped,
			   english ? "kinds of help grouped; per site the" : "soorten hulp "
			   "samengevoegd; per locatie staan de",
			   DASH_TOP,
			   english ? "with the most tickets are shown apart."
				   : "met de meeste tickets apart.");
	buf_adds(o, "</section>");
}

/* Minutes as hours with one decimal: "11,0" (nl) or "11.0" (en). */
static void hours(buf *o, long minutes, int english)
{
	long tenths = (minutes * 10 + 30) / 60;
	buf_printf(o, "%ld%c%ld", tenths / 10, english ? '.' : ',', tenths % 10);
}

static void day_row(buf *o, const char *site_name, const char *day, long tickets, long served,
		    long minutes, long spans, int english, int sub)
{
	buf_printf(o, "<tr%s><td>", sub ? " class=\"sub\"" : "");
	buf_add_html(o, site_name);
	buf_adds(o, "</td><td>");
	buf_add_html(o, day);
	buf_printf(o, "</td><td class=\"n\">%ld</td><td class=\"n\">%ld</td><td class=\"n\">",
		   tickets, served);
	if (spans)
		hours(o, minutes, english);
	else
		buf_adds(o, "–");
	buf_adds(o, "</td></tr>");
}

/* Per site and day (or week, or month: a->fold): tickets, served, staffed
 * hours; a total row per site. Rows without
 * tickets or closed desk spans are left out. A week is named by its first
 * day in the period, a month as "YYYY-MM"; a week or month the period
 * covers in part says how many of its days it holds ("2026-12 (1 of 31
 * days)"), and the chart of the sites marks it with an open circle. */
static void days_table(buf *o, const agg *a, const words *w, int english, const char *from_s,
		       const char *to_s)
{
	long nd = a->nb;
	buf_printf(o,
		   "<section class=\"card\"><h2>%s</h2><table><tr><th>%s</th><th>%s</th>"
		   "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th></tr>",
		   a->fold == FOLD_DAY	  ? w->per_day
		   : a->fold == FOLD_WEEK ? w->per_week
					  : w->per_month,
		   w->site,
		   a->fold == FOLD_DAY	  ? w->day
		   : a->fold == FOLD_WEEK ? w->week
					  : w->month,
		   w->tickets, w->served, w->staffed);
	int any = 0;
	for (int s = 0; s < a->cfg->nsites; s++) {
		long rows = 0, tickets = 0, served = 0, minutes = 0, spans = 0;
		const char *name = a->cfg->sites[s].name;
		for (long i = 0; i < nd; i++) {
			long k = (long)s * nd + i;
			if (!a->site_day[k] && !a->site_spans[k])
				continue;
			char day[DAY_LEN + 40];
			days_to_label(a->bstart[i], day);
			if (a->fold == FOLD_MONTH)
				day[7] = '\0';
			long in, whole;
			bucket_days(a, i, &in, &whole);
			if (in < whole) /* a partial week or month says so */
				snprintf(day + strlen(day), sizeof day - strlen(day),
					 " (%ld %s %ld %s)", in, english ? "of" : "van", whole,
					 english ? "days" : "dagen");
			day_row(o, name, day, a->site_day[k], a->site_served[k], a->site_minutes[k],
				a->site_spans[k], english, 0);
			rows++;
			tickets += a->site_day[k];
			served += a->site_served[k];
			minutes += a->site_minutes[k];
			spans += a->site_spans[k];
		}
		/* every site with a row ends with its total: the same row
		 * whether the period is read per day, week or month */
		if (rows)
			day_row(o, name, w->total, tickets, served, minutes, spans, english, 1);
		any |= rows > 0;
	}
	if (!any)
		buf_printf(o, "<tr><td colspan=\"5\" class=\"mute\">%s</td></tr>", w->no_data);
	buf_printf(o,
		   "</table><p class=\"mute\" style=\"font-size:12px;margin:8px 0 0\">%s "
		   "<a href=\"/export/staffed.csv?from=%s&amp;to=%s\">%s</a></p></section>",
		   w->note_day, from_s, to_s, w->download_staffed);
}

void report_dashboard(request *rq, reply *rp)
{
	if (!req_is_signed_in(rq)) {
		if (req_header(rq, MHD_HTTP_HEADER_AUTHORIZATION)) {
			reply_text(rp, 401, "wrong token");
			reply_header(rp, "WWW-Authenticate", "Bearer realm=\"loket\"");
		} else {
			reply_text(rp, 303, "sign in at /login");
			reply_header(rp, "Location",
				     !strcmp(req_lang(rq), "en") ? "/login?lang=en" : "/login");
		}
		return;
	}
	int english = !strcmp(req_lang(rq), "en");
	const words *w = english ? &en : &nl;
	int64_t now = clock_now_ms();
	char today_s[CLOCK_DAY_LEN];
	clock_local_day(now, today_s, sizeof today_s);
	agg a;
	memset(&a, 0, sizeof a);
	a.cfg = rq->app->cfg;
	a.rq = rq;
	a.lang = english ? "en" : "nl";
	a.today = days_from_label(today_s);
	a.week = a.today - days_weekday(a.today);
	a.month = a.today - (today_s[8] - '0') * 10 - (today_s[9] - '0') + 1;
	const char *f = req_arg(rq, "from"), *t = req_arg(rq, "to");
	if ((f && *f && !day_is_valid(f)) || (t && *t && !day_is_valid(t))) {
		reply_text(rp, 400, "from and to must be dates as YYYY-MM-DD");
		return;
	}
	a.to = t && *t ? days_from_label(t) : a.today;
	a.from = f && *f ? days_from_label(f) : a.to - 29;
	if (a.from > a.to || a.to - a.from + 1 > MAX_DAYS) {
		reply_text(rp, 400, "the period must run forwards and span at most %d days",
			   MAX_DAYS);
		return;
	}
	long nd = a.to - a.from + 1;
	size_t nsb = (size_t)a.cfg->nsites * (size_t)(buckets(&a) ? 0 : a.nb) + 1;
	a.site_day = calloc(nsb, sizeof *a.site_day);
	a.site_served = calloc(nsb, sizeof *a.site_served);
	a.site_minutes = calloc(nsb, sizeof *a.site_minutes);
	a.site_spans = calloc(nsb, sizeof *a.site_spans);
	a.cat_day = calloc((size_t)(MAX_CATS + 1) * (size_t)nd, sizeof *a.cat_day);
	if (!a.bstart || !a.site_day || !a.site_served || !a.site_minutes || !a.site_spans || !a.cat_day) {
		agg_free(&a);
		reply_unavailable(rp, 5, "out of memory");
		return;
	}
	int st = CSTORE_OK;
	for (int i = 0; i < a.cfg->nsites && st == CSTORE_OK; i++)
		if (strmap_put(&a.sites, a.cfg->sites[i].id, (size_t)i))
			st = CSTORE_ERROR;
	if (st != CSTORE_OK) {
		agg_free(&a);
		reply_unavailable(rp, 5, "out of memory");
		return;
	}
	/* The period, and the days of the "helped" figures: one read when
	 * they meet, two when they are apart (a past period), so no day is
	 * read twice and none outside the two. */
	a.kpi_lo = a.week < a.month ? a.week : a.month;
	long lo[2] = {a.from, a.kpi_lo}, hi[2] = {a.to, a.today};
	int reads = 2;
	if (a.kpi_lo <= a.to + 1 && a.today + 1 >= a.from) {
		lo[0] = a.from < a.kpi_lo ? a.from : a.kpi_lo;
		hi[0] = a.to > a.today ? a.to : a.today;
		reads = 1;
	}
	char from_s[DAY_LEN], to_s[DAY_LEN];
	days_to_label(a.from, from_s);
	days_to_label(a.to, to_s);
	names *nm = names_load(rq->app->st, &st);
	a.nm = nm;
	if (st == CSTORE_OK && a.fold == FOLD_MONTH) {
		/* the period per month, the days of the "helped" figures apart */
		st = cstore_month_totals(rq->app->st, from_s, to_s, take_month, &a);
		lo[0] = a.kpi_lo;
		hi[0] = a.today;
		reads = 1;
	}
	for (int i = 0; i < reads && st == CSTORE_OK && !a.nomem; i++) {
		char lo_s[DAY_LEN], hi_s[DAY_LEN];
		days_to_label(lo[i], lo_s);
		days_to_label(hi[i], hi_s);
		st = cstore_day_totals(rq->app->st, lo_s, hi_s, take_total, &a);
	}
	if (st == CSTORE_OK && !a.nomem && !rq->who.sites[0]) {
		st = cstore_day_cats(rq->app->st, from_s, to_s, NULL, take_cat, &a);
	} else {
		/* a viewer of some sites: each of their sites' days (the
		 * request's configuration holds only their sites) */
		for (int i = 0; i < rq->app->cfg->nsites && st == CSTORE_OK && !a.nomem; i++)
			st = cstore_day_cats(rq->app->st, from_s, to_s, rq->app->cfg->sites[i].id,
					     take_cat, &a);
	}
	if (st == CSTORE_OK && !a.nomem)
		st = cstore_period_aggs(rq->app->st, from_s, to_s, NULL, take, &a);
	if (st != CSTORE_OK || a.nomem) {
		agg_free(&a);
		names_free(nm);
		if (st == CSTORE_BUSY || a.nomem)
			reply_unavailable(rp, 2, "the database is busy, try again");
		else
			reply_text(rp, 500, "the central office could not read its tickets");
		return;
	}

	buf *o = &rp->body;
	rp->status = 200;
	rp->ctype = "text/html; charset=utf-8";
	reply_header(rp, "Content-Security-Policy",
		     "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
		     "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	reply_header(rp, "Referrer-Policy", "no-referrer");
	/* The admins' pages, for admins only (a viewer would get 403). */
	char admin_links[256] = "";
	if (req_is_admin(rq))
		snprintf(admin_links, sizeof admin_links,
			 "<a class=\"btn ghost\" href=\"/sites?lang=%s\">%s</a>"
			 "<a class=\"btn ghost\" href=\"/people?lang=%s\">%s</a>",
			 english ? "en" : "nl", english ? "Sites" : "Locaties",
			 english ? "en" : "nl", english ? "People" : "Mensen");
	buf_printf(o,
		   "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
		   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		   "<title>loket — %s</title>%s</head><body><header>"
		   "<h1><b>loket</b> · %s</h1>"
		   "<form method=\"get\" action=\"/\"><label>%s <input type=\"date\" name=\"from\""
		   " value=\"%s\"></label><label>%s <input type=\"date\" name=\"to\" value=\"%s\">"
		   "</label><input type=\"hidden\" name=\"lang\" value=\"%s\">"
		   "<button type=\"submit\" class=\"ghost\">%s</button></form>"
		   "<a class=\"btn\" href=\"/export/tickets.csv?from=%s&amp;to=%s\">%s</a>"
		   "<a class=\"btn ghost\" href=\"/report?from=%s&amp;to=%s&amp;lang=%s\">%s</a>"
		   "%s<span class=\"lang\"><a href=\"/?lang=nl&amp;from=%s&amp;to=%s\"%s>NL</a>"
		   "<a href=\"/?lang=en&amp;from=%s&amp;to=%s\"%s>EN</a></span>"
		   "<form method=\"post\" action=\"/logout\"><button class=\"ghost\">%s</button>"
		   "</form></header><main>",
		   english ? "en" : "nl", w->title, style, w->title, w->period, from_s, w->through,
		   to_s, english ? "en" : "nl", w->show, from_s, to_s, w->download, from_s, to_s,
		   english ? "en" : "nl", english ? "Report" : "Rapportage", admin_links, from_s,
		   to_s, english ? "" : " class=\"on\"", from_s, to_s,
		   english ? " class=\"on\"" : "", w->logout);
	buf_printf(o,
		   "<div class=\"kpis\"><div class=\"kpi\"><b>%ld</b><span>%s</span></div>"
		   "<div class=\"kpi\"><b>%ld</b><span>%s</span></div>"
		   "<div class=\"kpi\"><b>%ld</b><span>%s</span></div>"
		   "<div class=\"kpi\"><b>%ld</b><span>%s</span></div></div>",
		   a.helped_today, w->helped_today, a.helped_week, w->helped_week, a.helped_month,
		   w->helped_month, a.tickets, w->tickets_period);
	chart_sites(o, &a, english, w);
	chart_cats(o, &a, english, w);
	groups_table(o, &a, w, english);
	days_table(o, &a, w, english, from_s, to_s);
	sites_table(o, rq, w, english, now, nm);
	char iso[CLOCK_ISO_LEN];
	clock_format_iso(now, iso, sizeof iso);
	buf_printf(o,
		   "</main><footer>%s %.10s %.5s · %s %s %s %s · loket-central %s</footer>"
		   "</body></html>\n",
		   w->updated, iso, iso + 11, w->period, from_s, w->through, to_s,
#ifdef LOKET_VERSION
		   LOKET_VERSION
#else
		   "dev"
#endif
	);
	agg_free(&a);
	names_free(nm);
	reply_note(rp, "%ld tickets", a.tickets);
}
