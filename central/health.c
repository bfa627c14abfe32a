/*
 * health — see health.h. What counts as wrong, in the order said:
 *   silent        no heartbeat or batch for HEALTH_SILENT_S (or three of the
 *                 views' interval, if longer) while the site meant to be
 *                 open for some of that time: "no contact since Tuesday
 *                 14:02 (open on Tuesdays 09:00-17:00)" (central's local
 *                 time; a date when over a week), "never" if nothing ever
 *                 came. Its opening schedule is the one its last heartbeat
 *                 carried (config_schedule_load: hours, closed days, day
 *                 change; none: always open), read in central's time zone
 *                 (the sites and the office are in one country). A site
 *                 silent only while closed is no fault: "closed, opens
 *                 Wednesday 09:00 (last contact Tuesday 17:05)".
 *   views         a view neither running nor stopped cleanly: "kiosk not
 *                 running (counter:2)"
 *   clock         |site clock - central| over 2 minutes: "clock 3 h behind"
 *   disk          90 % or more used: "disk 95 % full"
 *   backlog       events waiting whose oldest is 5 minutes old or more:
 *                 "247 events waiting at the site (oldest 3 h)"
 *   printer       any state but "ok": "ticket printer offline"
 *   configuration one the site refused: "configuration v2 refused: ..."
 *   delivery      the site's own fault: "cannot deliver: ..."
 *   unread        events central holds unread: "12 events could not be read"
 * The heartbeat was checked when it came (heartbeat.c); a field missing or
 * null here says nothing.
 */
#include "health.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "config.h"

#define CLOCK_SLACK_S	120
#define DISK_FULL_RATIO 0.90
#define BACKLOG_OLD_S	300

typedef struct {
	int64_t now_ms;
	int en;
	health_cb cb;
	void *ctx;
	buf words;
	config *sched; /* scratch for each site's schedule */
} walk;

#define W(w, en_text, nl_text) ((w)->en ? (en_text) : (nl_text))

static void sep(walk *w)
{
	if (w->words.len)
		buf_adds(&w->words, "; ");
}

/* "3 h", "5 min", "40 s", "2 d" */
static void span(char *out, size_t n, int64_t s, int en)
{
	if (s < 0)
		s = -s;
	if (s >= 2 * 86400)
		snprintf(out, n, "%lld %s", (long long)(s / 86400), en ? "days" : "dagen");
	else if (s >= 3600)
		snprintf(out, n, "%lld %s", (long long)(s / 3600), en ? "h" : "uur");
	else if (s >= 60)
		snprintf(out, n, "%lld min", (long long)(s / 60));
	else
		snprintf(out, n, "%lld s", (long long)s);
}

static void when(char *out, size_t n, int64_t ms, int64_t now_ms, int en)
{
	static const char *const days_en[] = {"Sunday",	  "Monday", "Tuesday", "Wednesday",
					      "Thursday", "Friday", "Saturday"};
	static const char *const days_nl[] = {"zondag",	   "maandag", "dinsdag", "woensdag",
					      "donderdag", "vrijdag", "zaterdag"};
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	if (now_ms - ms < 6 * 86400 * 1000LL && ms - now_ms < 6 * 86400 * 1000LL)
		snprintf(out, n, "%s %02d:%02d", (en ? days_en : days_nl)[tm.tm_wday % 7],
			 tm.tm_hour, tm.tm_min);
	else
		snprintf(out, n, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min);
}

static int64_t num(const json_t *o, const char *key, int64_t dflt)
{
	const json_t *j = json_object_get(o, key);
	return json_is_integer(j) ? (int64_t)json_integer_value(j) : dflt;
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? s : NULL;
}

static void say_views(walk *w, const json_t *views, int silent)
{
	size_t i, nviews = json_array_size(views), down = 0, stopped = 0;
	char names[512] = "";
	for (i = 0; i < nviews; i++) {
		const json_t *v = json_array_get(views, i);
		if (json_is_true(json_object_get(v, "running")))
			continue;
		if (json_is_true(json_object_get(v, "stopped"))) {
			stopped++;
			continue;
		}
		size_t l = strlen(names);
		snprintf(names + l, sizeof names - l, "%s%s", down ? ", " : "",
			 str(v, "name") ? str(v, "name") : "?");
		down++;
	}
	if (down) {
		sep(w);
		buf_printf(&w->words, "%s (%s)", W(w, "kiosk not running", "kiosk draait niet"),
			   names);
	} else if (silent && nviews && stopped == nviews) {
		sep(w);
		buf_adds(&w->words,
			 W(w, "its kiosk had been stopped cleanly", "de kiosk was netjes gestopt"));
	}
}

/* How long a site may be quiet: HEALTH_SILENT_S, or three of its views'
 * interval (sync.heartbeat_seconds) when that is longer. */
static int64_t quiet_ms(const json_t *hb)
{
	int64_t every = 0;
	const json_t *views = json_object_get(hb, "views");
	for (size_t i = 0; i < json_array_size(views); i++) {
		int64_t e = num(json_array_get(views, i), "every_s", 0);
		every = e > every ? e : every;
	}
	every = every > 86400 ? 86400 : every;
	return (every * 3 > HEALTH_SILENT_S ? every * 3 : HEALTH_SILENT_S) * 1000LL;
}

/* The schedule hb carries into cfg: 1, or 0 if it carries none (or one
 * that cannot be read, which heartbeat.c refused): always open. */
static int schedule_of(const json_t *hb, config *cfg)
{
	const json_t *o = json_object_get(hb, "schedule");
	char err[512];
	return o && json_is_object(o) && config_schedule_load(o, cfg, err, sizeof err) == 0;
}

/* Was a site quiet since from_ms meant to be open at some moment up to
 * now_ms? *at: when that was (from_ms, or the opening after it). */
static int missed_open(const config *cfg, int64_t from_ms, int64_t now_ms, int64_t *at)
{
	int64_t next = -1;
	*at = from_ms;
	if (config_is_open(cfg, from_ms, &next))
		return 1;
	*at = next;
	return next >= 0 && next <= now_ms;
}

/* " (open on Tuesdays 09:00-17:00)": the spans of the weekday of ms. */
static void say_hours(walk *w, const config *cfg, int64_t ms)
{
	static const char *const days_en[] = {"Mondays",   "Tuesdays", "Wednesdays", "Thursdays",
					      "Fridays",   "Saturdays", "Sundays"};
	static const char *const days_nl[] = {"maandag",  "dinsdag",  "woensdag", "donderdag",
					      "vrijdag",  "zaterdag", "zondag"};
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	int d = (tm.tm_wday + 6) % 7;
	if (!cfg->has_hours || cfg->nspans[d] == 0)
		return;
	buf_printf(&w->words, " (%s %s ", W(w, "open on", "open op"), (w->en ? days_en : days_nl)[d]);
	for (int k = 0; k < cfg->nspans[d]; k++) {
		const config_span *sp = &cfg->spans[d][k];
		buf_printf(&w->words, "%s%02d:%02d-%02d:%02d", k ? ", " : "", sp->open_min / 60,
			   sp->open_min % 60, sp->close_min / 60, sp->close_min % 60);
	}
	buf_adds(&w->words, ")");
}

static int on_site(void *ctx, const cstore_health *h)
{
	walk *w = ctx;
	buf_reset(&w->words);
	int64_t seen = h->received_ms > h->last_sync_ms ? h->received_ms : h->last_sync_ms;
	json_t *hb = h->len ? json_loadb(h->body, h->len, 0, NULL) : NULL;
	int64_t quiet = quiet_ms(hb), missed_at = 0;
	int silent = w->now_ms - seen > quiet;
	int scheduled = hb && schedule_of(hb, w->sched);
	/* silent while closed the whole time: no fault, said at the end */
	int missed = silent && (!scheduled || missed_open(w->sched, seen + quiet, w->now_ms,
							  &missed_at));
	char t[64], a[32];
	if (!seen) {
		buf_adds(&w->words, W(w, "never in contact", "nog nooit contact gehad"));
	} else if (missed) {
		when(t, sizeof t, seen, w->now_ms, w->en);
		buf_printf(&w->words, "%s %s", W(w, "no contact since", "geen contact sinds"), t);
		if (scheduled)
			say_hours(w, w->sched, missed_at);
	}
	if (hb) {
		say_views(w, json_object_get(hb, "views"), missed);
		int64_t off_s = h->offset_ms / 1000;
		if (off_s > CLOCK_SLACK_S || off_s < -CLOCK_SLACK_S) {
			span(a, sizeof a, off_s, w->en);
			sep(w);
			buf_printf(&w->words, "%s %s %s", W(w, "clock", "klok"), a,
				   off_s < 0 ? W(w, "behind", "achter") : W(w, "ahead", "voor"));
		}
		int64_t fr = num(hb, "disk_free_bytes", -1), tot = num(hb, "disk_total_bytes", -1);
		if (fr >= 0 && tot > 0 && 1.0 - (double)fr / (double)tot >= DISK_FULL_RATIO) {
			sep(w);
			buf_printf(&w->words, "%s %d %% %s", W(w, "disk", "schijf"),
				   (int)(100.0 * (1.0 - (double)fr / (double)tot)),
				   W(w, "full", "vol"));
		}
		int64_t backlog = num(hb, "backlog", 0), age = num(hb, "oldest_unsent_age_s", 0);
		if (backlog > 0 && age >= BACKLOG_OLD_S) {
			span(a, sizeof a, age, w->en);
			sep(w);
			buf_printf(&w->words, "%lld %s (%s %s)", (long long)backlog,
				   W(w, "events waiting at the site",
				     "gebeurtenissen wachten op de locatie"),
				   W(w, "oldest", "oudste"), a);
		}
		const char *ps = str(json_object_get(hb, "printer"), "state");
		if (ps && strcmp(ps, "ok")) {
			/* "offline", "offline: why", "no paper", or a state of a
			 * newer site, said as it came */
			sep(w);
			if (!strncmp(ps, "offline", 7))
				buf_printf(&w->words, "%s%s",
					   W(w, "ticket printer offline", "bonprinter offline"),
					   ps + 7);
			else if (!strcmp(ps, "no paper"))
				buf_adds(&w->words, W(w, "ticket printer out of paper",
						      "bonprinter zonder papier"));
			else
				buf_printf(&w->words, "%s: %s",
					   W(w, "ticket printer", "bonprinter"), ps);
		}
		const char *refused = str(hb, "config_refused");
		if (refused) {
			/* syncd says "version "v3": why", naming the version
			 * refused (config_version is then the one it still
			 * runs); a refusal without it is of config_version */
			const char *ver =
			    strncmp(refused, "version ", 8) ? str(hb, "config_version") : NULL;
			sep(w);
			buf_printf(&w->words, "%s%s%s %s: %s",
				   W(w, "configuration", "configuratie"), ver ? " " : "",
				   ver ? ver : "", W(w, "refused", "geweigerd"), refused);
		}
		const char *fault = str(hb, "fault"), *le = str(hb, "last_error");
		if (fault && !silent) {
			sep(w);
			buf_printf(&w->words, "%s: %s",
				   W(w, "cannot deliver", "kan niet afleveren"), le ? le : fault);
		}
		json_decref(hb);
	}
	if (h->unread > 0) {
		sep(w);
		buf_printf(&w->words, "%lld %s", (long long)h->unread,
			   h->unread == 1
			       ? W(w, "event could not be read", "gebeurtenis onleesbaar")
			       : W(w, "events could not be read", "gebeurtenissen onleesbaar"));
	}
	int ok = w->words.len == 0;
	if (seen && silent && !missed) {
		int64_t next = -1;
		config_is_open(w->sched, w->now_ms, &next);
		sep(w);
		buf_adds(&w->words, W(w, "closed", "gesloten"));
		if (next > 0) {
			when(t, sizeof t, next, w->now_ms, w->en);
			buf_printf(&w->words, ", %s %s", W(w, "opens", "gaat open"), t);
		}
		when(t, sizeof t, seen, w->now_ms, w->en);
		buf_printf(&w->words, " (%s %s)", W(w, "last contact", "laatste contact"), t);
	} else if (ok) {
		buf_adds(&w->words, W(w, "ok", "in orde"));
	}
	health_site hs = {h->site, seen, ok, w->words.data ? w->words.data : "", h};
	w->cb(w->ctx, &hs);
	return 0;
}

int health_each(cstore *st, int64_t now_ms, const char *lang, health_cb cb, void *ctx)
{
	walk w = {now_ms, !strcmp(lang, "en"), cb, ctx, {0}, calloc(1, sizeof(config))};
	if (!w.sched)
		return CSTORE_ERROR;
	buf_init(&w.words, 16384);
	int rc = cstore_health_each(st, on_site, &w);
	buf_free(&w.words);
	free(w.sched);
	return rc;
}

/* --- gauges ------------------------------------------------------------- */

typedef struct {
	buf *o;
	int bad;
	int which;
	int64_t now_ms;
	config *sched;
} gauges;

enum { G_SEEN, G_DOWN, G_BACKLOG, G_OFFSET, G_DISK, G_VIEWS, G_PRINTER, G_N };

static const char *const gauge_head[G_N] = {
    "# HELP loket_site_last_seen_seconds Unix time of the site's last heartbeat or batch "
    "(0: never).\n# TYPE loket_site_last_seen_seconds gauge\n",
    "# HELP loket_site_down 1 if the site has been silent while its opening hours say it is "
    "open (never heard of counts too), else 0.\n# TYPE loket_site_down gauge\n",
    "# HELP loket_site_backlog_events Events waiting at the site, as its last heartbeat "
    "said.\n# TYPE loket_site_backlog_events gauge\n",
    "# HELP loket_site_clock_offset_seconds The site's clock minus central's, at its last "
    "heartbeat.\n# TYPE loket_site_clock_offset_seconds gauge\n",
    "# HELP loket_site_disk_free_ratio Free share of the site's disk, as its last heartbeat "
    "said.\n# TYPE loket_site_disk_free_ratio gauge\n",
    "# HELP loket_site_views_not_running Kiosk views neither running nor stopped cleanly, "
    "as the site's last heartbeat said.\n# TYPE loket_site_views_not_running gauge\n",
    "# HELP loket_site_printer_ok 1 if the site's ticket printer was ok at its last "
    "heartbeat, 0 if not (absent: no printer).\n# TYPE loket_site_printer_ok gauge\n",
};

static int on_gauge(void *ctx, const cstore_health *h)
{
	gauges *g = ctx;
	int64_t seen = h->received_ms > h->last_sync_ms ? h->received_ms : h->last_sync_ms;
	if (g->which == G_SEEN) {
		g->bad |=
		    buf_printf(g->o, "loket_site_last_seen_seconds{site=\"%s\"} %lld.%03lld\n",
			       h->site, (long long)(seen / 1000), (long long)(seen % 1000));
		return 0;
	}
	json_t *hb = h->len ? json_loadb(h->body, h->len, 0, NULL) : NULL;
	if (g->which == G_DOWN) {
		int64_t quiet = quiet_ms(hb), at;
		int down = !seen || (g->now_ms - seen > quiet &&
				     (!hb || !schedule_of(hb, g->sched) ||
				      missed_open(g->sched, seen + quiet, g->now_ms, &at)));
		g->bad |= buf_printf(g->o, "loket_site_down{site=\"%s\"} %d\n", h->site, down);
		json_decref(hb);
		return 0;
	}
	if (!hb)
		return 0;
	const char *s = h->site;
	switch (g->which) {
	case G_BACKLOG:
		g->bad |= buf_printf(g->o, "loket_site_backlog_events{site=\"%s\"} %lld\n", s,
				     (long long)num(hb, "backlog", 0));
		break;
	case G_OFFSET:
		g->bad |= buf_printf(g->o, "loket_site_clock_offset_seconds{site=\"%s\"} %.3f\n", s,
				     (double)h->offset_ms / 1000.0);
		break;
	case G_DISK: {
		int64_t fr = num(hb, "disk_free_bytes", -1), tot = num(hb, "disk_total_bytes", -1);
		if (fr >= 0 && tot > 0)
			g->bad |= buf_printf(g->o, "loket_site_disk_free_ratio{site=\"%s\"} %.4f\n",
					     s, (double)fr / (double)tot);
		break;
	}
	case G_VIEWS: {
		const json_t *views = json_object_get(hb, "views");
		int down = 0;
		for (size_t i = 0; i < json_array_size(views); i++) {
			const json_t *v = json_array_get(views, i);
			down += !json_is_true(json_object_get(v, "running")) &&
				!json_is_true(json_object_get(v, "stopped"));
		}
		g->bad |=
		    buf_printf(g->o, "loket_site_views_not_running{site=\"%s\"} %d\n", s, down);
		break;
	}
	case G_PRINTER: {
		const char *ps = str(json_object_get(hb, "printer"), "state");
		if (ps)
			g->bad |= buf_printf(g->o, "loket_site_printer_ok{site=\"%s\"} %d\n", s,
					     !strcmp(ps, "ok"));
		break;
	}
	default: break;
	}
	json_decref(hb);
	return 0;
}

int health_metrics(cstore *st, buf *o)
{
	gauges g = {o, 0, 0, clock_now_ms(), calloc(1, sizeof(config))};
	if (!g.sched)
		return -1;
	for (g.which = 0; g.which < G_N; g.which++) {
		g.bad |= buf_adds(o, gauge_head[g.which]);
		if (cstore_health_each(st, on_gauge, &g) != CSTORE_OK) {
			g.bad = 1;
			break;
		}
	}
	free(g.sched);
	return g.bad ? -1 : 0;
}
