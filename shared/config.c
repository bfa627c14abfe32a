/*
 * config — see config.h.
 *
 * Loading is two passes over the text: jansson parses it (rejecting
 * duplicate keys, which it reports with line and column), then a validator
 * walks the tree and collects every problem it finds, not just the first,
 * so a volunteer fixing a file sees the whole list at once. Positions of
 * keys come from jsonpos (jansson keeps none for values).
 */
#include "config.h"

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "jcheck.h"

#define CONFIG_MAX_FILE (1 << 20)

static int valid_id(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-' ||
		      *s == '_'))
			return 0;
	return 1;
}

static int valid_lang(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n >= CONFIG_LANG_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(isalpha((unsigned char)s[i]) || (s[i] == '-' && i >= 2)))
			return 0;
	return 1;
}

/* "09:30" -> 570, or -1. "24:00" is allowed as the end of a day. */
static int parse_hhmm(const char *s)
{
	if (strlen(s) != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    s[2] != ':' || !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	return h * 60 + m;
}

static const char *const weekdays[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static void load_hours(jcheck *v, const json_t *hours, config *cfg)
{
	static const char *const keys[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL};
	jcheck_keys(v, hours, "hours", keys);
	cfg->has_hours = 1;
	for (int d = 0; d < 7; d++) {
		char path[64];
		snprintf(path, sizeof path, "hours.%s", weekdays[d]);
		const json_t *spans = jcheck_want(v, hours, "hours", weekdays[d], JSON_ARRAY, 0);
		if (!spans)
			continue;
		if (json_array_size(spans) > CONFIG_MAX_SPANS) {
			jcheck_err(v, path, "at most %d opening spans a day", CONFIG_MAX_SPANS);
			continue;
		}
		size_t i;
		const json_t *s;
		json_array_foreach(spans, i, s)
		{
			char p[80];
			snprintf(p, sizeof p, "%s[%zu]", path, i);
			char a[6], b[6];
			const char *str = json_string_value(s);
			if (!str || strlen(str) != 11 || str[5] != '-') {
				jcheck_err(v, p, "must be a span \"HH:MM-HH:MM\"");
				continue;
			}
			memcpy(a, str, 5);
			a[5] = '\0';
			memcpy(b, str + 6, 5);
			b[5] = '\0';
			int o = parse_hhmm(a), c = parse_hhmm(b);
			if (o < 0 || c < 0 || o >= c) {
				jcheck_err(v, p,
				     "\"%s\" is not a span \"HH:MM-HH:MM\" with opening before "
				     "closing",
				     str);
				continue;
			}
			int n = cfg->nspans[d]++;
			cfg->spans[d][n].open_min = o;
			cfg->spans[d][n].close_min = c;
		}
	}
}

/* An opening day runs from day_change to day_change: a span that starts
 * before it is the evening before's, after midnight, and must end by it;
 * no span may run across it (nobody could tell which day it is on). */
static void check_day_change(jcheck *v, const config *cfg)
{
	int dc = cfg->day_change_min;
	for (int d = 0; cfg->has_hours && d < 7; d++)
		for (int k = 0; k < cfg->nspans[d]; k++) {
			const config_span *sp = &cfg->spans[d][k];
			if (sp->open_min >= dc || sp->close_min <= dc)
				continue;
			char p[64];
			snprintf(p, sizeof p, "hours.%s[%d]", weekdays[d], k);
			jcheck_err(v, p,
				   "%02d:%02d-%02d:%02d runs across day_change %02d:%02d: the day "
				   "changes after the last closing past midnight and before the "
				   "first opening",
				   sp->open_min / 60, sp->open_min % 60, sp->close_min / 60,
				   sp->close_min % 60, dc / 60, dc % 60);
		}
}

/* obj's "label": an object with a text for every one of the site's
 * languages (and no others), into out (indexed like cfg->langs). */
static void load_labels(jcheck *v, const json_t *obj, const char *path, config *cfg,
			char out[][CONFIG_TEXT_LEN])
{
	const json_t *label = jcheck_want(v, obj, path, "label", JSON_OBJECT, 1);
	if (!label)
		return;
	char p[96];
	snprintf(p, sizeof p, "%s.label", path);
	const char *lang;
	json_t *text;
	json_object_foreach((json_t *)label, lang, text)
	{
		if (config_lang_index(cfg, lang) < 0) {
			char lp[128];
			snprintf(lp, sizeof lp, "%s.%s", p, lang);
			jcheck_err(v, lp, "\"%s\" is not one of the site's languages", lang);
		}
	}
	for (int l = 0; l < cfg->nlangs; l++) {
		if (!json_object_get(label, cfg->langs[l]))
			jcheck_err(v, p, "no label for language \"%s\"", cfg->langs[l]);
		else
			jcheck_text(v, label, p, cfg->langs[l], out[l], CONFIG_TEXT_LEN, 1);
	}
}

static void load_categories(jcheck *v, const json_t *cats, config *cfg)
{
	static const char *const keys[] = {"id", "prefix", "label", "icon", NULL};
	size_t i;
	const json_t *c;
	if (json_array_size(cats) == 0)
		jcheck_err(v, "categories", "needs at least one category");
	if (json_array_size(cats) > CONFIG_MAX_CATEGORIES) {
		jcheck_err(v, "categories", "at most %d categories", CONFIG_MAX_CATEGORIES);
		return;
	}
	json_array_foreach(cats, i, c)
	{
		char path[64];
		snprintf(path, sizeof path, "categories[%zu]", i);
		if (!json_is_object(c)) {
			jcheck_err(v, path, "must be an object, not %s", jcheck_type_name(c));
			continue;
		}
		jcheck_keys(v, c, path, keys);
		config_category *cat = &cfg->categories[cfg->ncategories++];
		char p[96];
		jcheck_text(v, c, path, "id", cat->id, sizeof cat->id, 1);
		snprintf(p, sizeof p, "%s.id", path);
		if (cat->id[0] && !valid_id(cat->id))
			jcheck_err(v, p, "\"%s\" may hold only a-z, 0-9, '-' and '_'", cat->id);
		jcheck_text(v, c, path, "prefix", cat->prefix, sizeof cat->prefix, 1);
		snprintf(p, sizeof p, "%s.prefix", path);
		if (cat->prefix[0]) {
			for (const char *q = cat->prefix; *q; q++)
				if (*q < 'A' || *q > 'Z') {
					jcheck_err(v, p, "\"%s\" must be 1 to 3 capital letters A-Z",
					     cat->prefix);
					break;
				}
		}
		jcheck_text(v, c, path, "icon", cat->icon, sizeof cat->icon, 0);
		for (int k = 0; k < cfg->ncategories - 1; k++) {
			if (cat->id[0] && !strcmp(cfg->categories[k].id, cat->id)) {
				snprintf(p, sizeof p, "%s.id", path);
				jcheck_err(v, p, "\"%s\" is already the id of categories[%d]", cat->id,
				     k);
			}
			if (cat->prefix[0] && !strcmp(cfg->categories[k].prefix, cat->prefix)) {
				snprintf(p, sizeof p, "%s.prefix", path);
				jcheck_err(v, p, "\"%s\" is already the prefix of categories[%d]",
				     cat->prefix, k);
			}
		}
		load_labels(v, c, path, cfg, cat->label);
	}
}

/* "referrals": where a student may send a resident, each with an id and a
 * label in every language (the counter's outcome step, the reports). */
static void load_referrals(jcheck *v, const json_t *refs, config *cfg)
{
	static const char *const keys[] = {"id", "label", NULL};
	size_t i;
	const json_t *r;
	if (json_array_size(refs) > CONFIG_MAX_REFERRALS) {
		jcheck_err(v, "referrals", "at most %d referrals", CONFIG_MAX_REFERRALS);
		return;
	}
	json_array_foreach(refs, i, r)
	{
		char path[64], p[96];
		snprintf(path, sizeof path, "referrals[%zu]", i);
		if (!json_is_object(r)) {
			jcheck_err(v, path, "must be an object, not %s", jcheck_type_name(r));
			continue;
		}
		jcheck_keys(v, r, path, keys);
		config_referral *ref = &cfg->referrals[cfg->nreferrals++];
		jcheck_text(v, r, path, "id", ref->id, sizeof ref->id, 1);
		snprintf(p, sizeof p, "%s.id", path);
		if (ref->id[0] && !valid_id(ref->id))
			jcheck_err(v, p, "\"%s\" may hold only a-z, 0-9, '-' and '_'", ref->id);
		for (int k = 0; k < cfg->nreferrals - 1; k++)
			if (ref->id[0] && !strcmp(cfg->referrals[k].id, ref->id))
				jcheck_err(v, p, "\"%s\" is already the id of referrals[%d]", ref->id, k);
		load_labels(v, r, path, cfg, ref->label);
	}
}

/* "closed_days": ["2026-12-25", ...], real dates, each once. */
static void load_closed(jcheck *v, const json_t *days, config *cfg)
{
	size_t i;
	const json_t *d;
	if (json_array_size(days) > CONFIG_MAX_CLOSED) {
		jcheck_err(v, "closed_days", "at most %d days", CONFIG_MAX_CLOSED);
		return;
	}
	json_array_foreach(days, i, d)
	{
		char p[48];
		snprintf(p, sizeof p, "closed_days[%zu]", i);
		const char *s = json_string_value(d);
		int y, m, dd;
		char tail;
		struct tm t = {0};
		int digits = s && strlen(s) == 10 && s[4] == '-' && s[7] == '-';
		for (int k = 0; digits && k < 10; k++)
			if (k != 4 && k != 7 && (s[k] < '0' || s[k] > '9'))
				digits = 0;
		if (!digits || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) != 3 || m < 1 ||
		    m > 12 || dd < 1 || dd > 31) {
			jcheck_err(v, p, "must be a date \"YYYY-MM-DD\"");
			continue;
		}
		/* a date that exists (not 2026-02-30) */
		t.tm_year = y - 1900;
		t.tm_mon = m - 1;
		t.tm_mday = dd;
		t.tm_hour = 12;
		t.tm_isdst = -1;
		if (mktime(&t) == (time_t)-1 || t.tm_mday != dd) {
			jcheck_err(v, p, "\"%s\" is not a date of the calendar", s);
			continue;
		}
		int dup = 0;
		for (int k = 0; k < cfg->nclosed; k++)
			dup |= !strcmp(cfg->closed[k], s);
		if (dup) {
			jcheck_err(v, p, "\"%s\" is listed twice", s);
			continue;
		}
		snprintf(cfg->closed[cfg->nclosed++], sizeof cfg->closed[0], "%s", s);
	}
}

/* "day_change": "HH:MM" before noon, optional. */
static void load_day_change(jcheck *v, const json_t *root, config *cfg)
{
	const json_t *dc = jcheck_want(v, root, "", "day_change", JSON_STRING, 0);
	if (!dc)
		return;
	int m = parse_hhmm(json_string_value(dc));
	if (m < 0 || m >= 12 * 60)
		jcheck_err(v, "day_change", "\"%s\" is not a time \"HH:MM\" between 00:00 and 11:59",
			   json_string_value(dc));
	else
		cfg->day_change_min = m;
}

static void load_sync(jcheck *v, const json_t *sync, config *cfg)
{
	static const char *const keys[] = {
	    "url",	   "token_file",	  "ca_file",	       "batch_events",
	    "batch_bytes", "backoff_max_seconds", "heartbeat_seconds", NULL};
	jcheck_keys(v, sync, "sync", keys);
	cfg->sync.enabled = 1;
	jcheck_text(v, sync, "sync", "url", cfg->sync.url, sizeof cfg->sync.url, 1);
	if (cfg->sync.url[0] && strncmp(cfg->sync.url, "https://", 8) &&
	    strncmp(cfg->sync.url, "http://", 7))
		jcheck_err(v, "sync.url", "\"%s\" must start with https:// (or http:// on a test bench)",
		     cfg->sync.url);
	jcheck_text(v, sync, "sync", "token_file", cfg->sync.token_file, sizeof cfg->sync.token_file,
		 1);
	jcheck_text(v, sync, "sync", "ca_file", cfg->sync.ca_file, sizeof cfg->sync.ca_file, 0);
	jcheck_int(v, sync, "sync", "batch_events", &cfg->sync.batch_events, 1, 10000, 0);
	jcheck_int(v, sync, "sync", "batch_bytes", &cfg->sync.batch_bytes, 1024, 16 << 20, 0);
	jcheck_int(v, sync, "sync", "backoff_max_seconds", &cfg->sync.backoff_max_s, 1, 3600, 0);
	jcheck_int(v, sync, "sync", "heartbeat_seconds", &cfg->sync.heartbeat_s, 1, 300, 0);
}

static void load_kiosk(jcheck *v, const json_t *k, config *cfg)
{
	static const char *const keys[] = {"staff_pin_sha256", "ticket_seconds", "reset_seconds",
					   "service_minutes", NULL};
	jcheck_keys(v, k, "kiosk", keys);
	jcheck_text(v, k, "kiosk", "staff_pin_sha256", cfg->kiosk.staff_pin_sha256,
		 sizeof cfg->kiosk.staff_pin_sha256, 0);
	if (cfg->kiosk.staff_pin_sha256[0] && !hash_hex_valid(cfg->kiosk.staff_pin_sha256)) {
		jcheck_err(v, "kiosk.staff_pin_sha256", "must be 64 hex digits (sha256 of the PIN)");
		cfg->kiosk.staff_pin_sha256[0] = '\0';
	}
	jcheck_int(v, k, "kiosk", "ticket_seconds", &cfg->kiosk.ticket_seconds, 3, 600, 0);
	jcheck_int(v, k, "kiosk", "reset_seconds", &cfg->kiosk.reset_seconds, 10, 3600, 0);
	jcheck_int(v, k, "kiosk", "service_minutes", &cfg->kiosk.service_minutes, 1, 240, 0);
}

static void resolve_relative(config *cfg, char *path, size_t cap, jcheck *v, const char *key)
{
	if (!path[0] || path[0] == '/')
		return;
	const char *slash = strrchr(cfg->path, '/');
	if (!slash)
		return;
	char tmp[CONFIG_PATH_LEN];
	int n = snprintf(tmp, sizeof tmp, "%.*s/%s", (int)(slash - cfg->path), cfg->path, path);
	if (n < 0 || (size_t)n >= cap || (size_t)n >= sizeof tmp) {
		jcheck_err(v, key, "path too long");
		return;
	}
	memcpy(path, tmp, (size_t)n + 1);
}

/* The keys the central office manages (config.h); the others of top stay
 * the site's own. */
const char *const config_managed_keys[] = {"site",  "languages",   "categories", "referrals",
					   "hours", "closed_days", "day_change", "desks",
					   "kiosk", NULL};
static const char *const local_keys[] = {"database", "sync", "retention_days", "printer", NULL};

/* Every check of a configuration, on root. managed: root is the office's
 * part only (config_check_managed): a local key is refused as such, the
 * local keys that a site file needs are not asked for. cfg is filled. */
static void check_all(jcheck *v, const json_t *root, config *cfg, int managed)
{
	cfg->desks = 1;
	cfg->retention_days = 30;
	cfg->sync.batch_events = 500;
	cfg->sync.batch_bytes = 256 * 1024;
	cfg->sync.backoff_max_s = 300;
	cfg->sync.heartbeat_s = 15;
	cfg->kiosk.ticket_seconds = 20;
	cfg->kiosk.reset_seconds = 90;
	cfg->kiosk.service_minutes = 10;

	static const char *const top[] = {
	    "site",	      "database", "languages",	"categories", "referrals", "desks", "sync",
	    "retention_days", "hours",	  "closed_days", "day_change", "kiosk",      "printer", NULL};
	jcheck_keys(v, root, "", top);
	if (managed)
		for (int i = 0; local_keys[i]; i++)
			if (json_object_get(root, local_keys[i]))
				jcheck_err(v, local_keys[i],
					   "stays local: each site keeps its own, the office does "
					   "not manage it");

	const json_t *site = jcheck_want(v, root, "", "site", JSON_OBJECT, !managed);
	if (site) {
		static const char *const keys[] = {"id", "name", NULL};
		jcheck_keys(v, site, "site", keys);
		if (managed && json_object_get(site, "id"))
			jcheck_err(v, "site.id",
				   "stays local: each site keeps its own id, the office sends only "
				   "the name");
		if (!managed) {
			jcheck_text(v, site, "site", "id", cfg->site_id, sizeof cfg->site_id, 1);
			if (cfg->site_id[0] && !valid_id(cfg->site_id))
				jcheck_err(v, "site.id",
					   "\"%s\" may hold only a-z, 0-9, '-' and '_'",
					   cfg->site_id);
		}
		jcheck_text(v, site, "site", "name", cfg->site_name, sizeof cfg->site_name, 1);
	}
	if (!managed) {
		jcheck_text(v, root, "", "database", cfg->database, sizeof cfg->database, 1);
		resolve_relative(cfg, cfg->database, sizeof cfg->database, v, "database");
	}
	const json_t *langs = jcheck_want(v, root, "", "languages", JSON_ARRAY, 1);
	if (langs) {
		size_t i;
		const json_t *l;
		if (json_array_size(langs) == 0)
			jcheck_err(v, "languages", "needs at least one language");
		if (json_array_size(langs) > CONFIG_MAX_LANGS)
			jcheck_err(v, "languages", "at most %d languages", CONFIG_MAX_LANGS);
		json_array_foreach(langs, i, l)
		{
			char p[64];
			snprintf(p, sizeof p, "languages[%zu]", i);
			if (i >= CONFIG_MAX_LANGS)
				break;
			if (!json_is_string(l) || !valid_lang(json_string_value(l))) {
				jcheck_err(v, p,
					   "must be a language code such as \"nl\" or \"ar\"");
				continue;
			}
			if (config_lang_index(cfg, json_string_value(l)) >= 0) {
				jcheck_err(v, p, "\"%s\" is listed twice", json_string_value(l));
				continue;
			}
			snprintf(cfg->langs[cfg->nlangs++], CONFIG_LANG_LEN, "%s",
				 json_string_value(l));
		}
	}
	const json_t *cats = jcheck_want(v, root, "", "categories", JSON_ARRAY, 1);
	if (cats)
		load_categories(v, cats, cfg);
	const json_t *refs = jcheck_want(v, root, "", "referrals", JSON_ARRAY, 0);
	if (refs)
		load_referrals(v, refs, cfg);
	jcheck_int(v, root, "", "desks", &cfg->desks, 1, 99, 0);
	if (!managed)
		jcheck_int(v, root, "", "retention_days", &cfg->retention_days, 1, 3650, 0);
	const json_t *sync = managed ? NULL : jcheck_want(v, root, "", "sync", JSON_OBJECT, 0);
	if (sync) {
		load_sync(v, sync, cfg);
		resolve_relative(cfg, cfg->sync.token_file, sizeof cfg->sync.token_file, v,
				 "sync.token_file");
		resolve_relative(cfg, cfg->sync.ca_file, sizeof cfg->sync.ca_file, v,
				 "sync.ca_file");
	}
	const json_t *hours = jcheck_want(v, root, "", "hours", JSON_OBJECT, 0);
	if (hours)
		load_hours(v, hours, cfg);
	const json_t *printer =
	    managed ? NULL : jcheck_want(v, root, "", "printer", JSON_OBJECT, 0);
	if (printer) {
		static const char *const pkeys[] = {"device", "width_mm", NULL};
		jcheck_keys(v, printer, "printer", pkeys);
		jcheck_text(v, printer, "printer", "device", cfg->printer.device,
			    sizeof cfg->printer.device, 1);
		cfg->printer.width_mm = 58;
		jcheck_int(v, printer, "printer", "width_mm", &cfg->printer.width_mm, 58, 80, 0);
		if (cfg->printer.width_mm != 58 && cfg->printer.width_mm != 80)
			jcheck_err(v, "printer.width_mm", "must be 58 or 80 (the paper's width)");
		if (!strncmp(cfg->printer.device, "tcp://", 6) && !strchr(cfg->printer.device + 6, ':'))
			jcheck_err(v, "printer.device", "\"%s\" needs a port: tcp://HOST:9100",
				   cfg->printer.device);
		else if (strncmp(cfg->printer.device, "tcp://", 6))
			resolve_relative(cfg, cfg->printer.device, sizeof cfg->printer.device, v,
					 "printer.device");
	}
	const json_t *closed = jcheck_want(v, root, "", "closed_days", JSON_ARRAY, 0);
	if (closed)
		load_closed(v, closed, cfg);
	load_day_change(v, root, cfg);
	check_day_change(v, cfg);
	const json_t *kiosk = jcheck_want(v, root, "", "kiosk", JSON_OBJECT, 0);
	if (kiosk)
		load_kiosk(v, kiosk, cfg);
}

config *config_load(const char *path, char *err, size_t errlen)
{
	config *cfg = NULL;
	if (errlen)
		err[0] = '\0';
	if (!path) {
		snprintf(err, errlen, "no configuration: give -c FILE or set LOKET_CONFIG\n");
		return NULL;
	}
	jcheck v;
	json_t *root = jcheck_open(&v, path, CONFIG_MAX_FILE, err, errlen);
	if (!root)
		goto out;
	cfg = calloc(1, sizeof *cfg);
	if (!cfg) {
		snprintf(err, errlen, "%s: out of memory\n", path);
		goto out;
	}
	snprintf(cfg->path, sizeof cfg->path, "%s", path);
	check_all(&v, root, cfg, 0);
out:
	jcheck_close(&v, root);
	if (cfg && v.nerr == 0 && err[0] == '\0')
		return cfg;
	free(cfg);
	return NULL;
}

int config_check_managed(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	jcheck v;
	json_t *root = jcheck_open_text(&v, name, text, len, CONFIG_MAX_FILE, err, errlen);
	config *cfg = root ? calloc(1, sizeof *cfg) : NULL;
	if (root && !cfg)
		jcheck_err(&v, "(top)", "out of memory");
	if (cfg)
		check_all(&v, root, cfg, 1);
	free(cfg);
	jcheck_close(&v, root);
	return v.nerr == 0 && (!errlen || err[0] == '\0') ? 0 : -1;
}

const char *config_path_from(const char *arg)
{
	if (arg && *arg)
		return arg;
	const char *env = getenv("LOKET_CONFIG");
	return env && *env ? env : NULL;
}

void config_free(config *cfg)
{
	free(cfg);
}

int config_category_index(const config *cfg, const char *id)
{
	for (int i = 0; i < cfg->ncategories; i++)
		if (!strcmp(cfg->categories[i].id, id))
			return i;
	return -1;
}

int config_lang_index(const config *cfg, const char *lang)
{
	for (int i = 0; i < cfg->nlangs; i++)
		if (!strcmp(cfg->langs[i], lang))
			return i;
	return -1;
}

/* 1 if the opening day of the local time t is one of the closed days:
 * before the day change it is still the day before (a site open past
 * midnight, docs/day.md). */
static int closed_on(const config *cfg, const struct tm *t)
{
	struct tm d = *t;
	if (d.tm_hour * 60 + d.tm_min < cfg->day_change_min) {
		d.tm_mday--;
		d.tm_hour = 12;
		d.tm_isdst = -1;
		mktime(&d);
	}
	char day[16];
	snprintf(day, sizeof day, "%04d-%02d-%02d", d.tm_year + 1900, d.tm_mon + 1, d.tm_mday);
	for (int k = 0; k < cfg->nclosed; k++)
		if (!strcmp(cfg->closed[k], day))
			return 1;
	return 0;
}

int config_is_open(const config *cfg, int64_t ms, int64_t *next_open_ms)
{
	if (next_open_ms)
		*next_open_ms = -1;
	if (!cfg->has_hours && cfg->nclosed == 0)
		return 1;
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&sec, &tm);
	int wd = (tm.tm_wday + 6) % 7; /* Monday = 0 */
	int now = tm.tm_hour * 60 + tm.tm_min;
	int closed_today = closed_on(cfg, &tm);
	if (!closed_today && !cfg->has_hours)
		return 1;
	for (int k = 0; !closed_today && k < cfg->nspans[wd]; k++)
		if (now >= cfg->spans[wd][k].open_min && now < cfg->spans[wd][k].close_min)
			return 1;
	if (!next_open_ms)
		return 0;
	/* The next opening: today later, or one of the days ahead, skipping
	 * an opening whose opening day is closed (a week, and as many more as
	 * there are closed days). Built with mktime so a change to or from
	 * summer time lands right. */
	for (int ahead = 0; ahead <= 7 + cfg->nclosed; ahead++) {
		struct tm t = tm;
		t.tm_mday += ahead;
		t.tm_hour = 12;
		t.tm_isdst = -1;
		mktime(&t); /* the date ahead, normalised */
		int d = (t.tm_wday + 6) % 7;
		/* the spans of that date, earliest first, that lie ahead */
		int tried[CONFIG_MAX_SPANS + 1], ntried = 0;
		for (;;) {
			int best = -1;
			if (!cfg->has_hours && ahead > 0 && ntried == 0)
				best = cfg->day_change_min; /* open all day: from the day change */
			for (int k = 0; cfg->has_hours && k < cfg->nspans[d]; k++) {
				int o = cfg->spans[d][k].open_min, seen = 0;
				for (int j = 0; j < ntried; j++)
					seen |= tried[j] == o;
				if (!seen && (ahead > 0 || o > now) && (best < 0 || o < best))
					best = o;
			}
			if (best < 0 || ntried > CONFIG_MAX_SPANS)
				break;
			tried[ntried++] = best;
			struct tm o = t;
			o.tm_hour = best / 60;
			o.tm_min = best % 60;
			o.tm_sec = 0;
			o.tm_isdst = -1;
			time_t at = mktime(&o);
			if (closed_on(cfg, &o))
				continue; /* its opening day is closed: a later span? */
			*next_open_ms = (int64_t)at * 1000;
			return 0;
		}
	}
	return 0;
}

void config_day_of(const config *cfg, int64_t ms, char *buf, size_t len)
{
	time_t sec = (time_t)(ms / 1000 - (ms % 1000 < 0));
	struct tm tm;
	localtime_r(&sec, &tm);
	/* Before the day change on the wall clock (not day_change minutes
	 * of elapsed time: a summer-time change may lie between) it is still
	 * the day before. */
	if (tm.tm_hour * 60 + tm.tm_min < cfg->day_change_min) {
		tm.tm_mday--;
		tm.tm_hour = 12;
		tm.tm_isdst = -1;
		mktime(&tm);
	}
	snprintf(buf, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* Local time on the date y-m-d (+ add_days) at min minutes after midnight. */
static int64_t local_ms(int y, int m, int d, int add_days, int min)
{
	struct tm t = {0};
	t.tm_year = y - 1900;
	t.tm_mon = m - 1;
	t.tm_mday = d + add_days;
	t.tm_hour = min / 60;
	t.tm_min = min % 60;
	t.tm_isdst = -1;
	return (int64_t)mktime(&t) * 1000;
}

int config_day_bounds(const config *cfg, const char *day, int64_t *close_ms, int64_t *change_ms)
{
	int y, m, d;
	if (strlen(day) != 10 || day[4] != '-' || day[7] != '-')
		return -1;
	char *end;
	y = (int)strtol(day, &end, 10);
	if (end != day + 4)
		return -1;
	m = (int)strtol(day + 5, &end, 10);
	if (end != day + 7 || m < 1 || m > 12)
		return -1;
	d = (int)strtol(day + 8, &end, 10);
	if (*end || d < 1 || d > 31)
		return -1;
	int dc = cfg->day_change_min;
	*change_ms = local_ms(y, m, d, 1, dc);
	*close_ms = *change_ms;
	if (!cfg->has_hours)
		return 0;
	struct tm t = {0};
	t.tm_year = y - 1900;
	t.tm_mon = m - 1;
	t.tm_mday = d;
	t.tm_hour = 12;
	t.tm_isdst = -1;
	mktime(&t); /* fills tm_wday */
	int wd = (t.tm_wday + 6) % 7, next = (wd + 1) % 7;
	int64_t last = -1;
	for (int k = 0; k < cfg->nspans[wd]; k++)
		if (cfg->spans[wd][k].open_min >= dc) {
			int64_t c = local_ms(y, m, d, 0, cfg->spans[wd][k].close_min);
			if (c > last)
				last = c;
		}
	for (int k = 0; dc > 0 && k < cfg->nspans[next]; k++)
		if (cfg->spans[next][k].close_min <= dc) {
			int64_t c = local_ms(y, m, d, 1, cfg->spans[next][k].close_min);
			if (c > last)
				last = c;
		}
	if (last >= 0)
		*close_ms = last;
	return 0;
}

int config_referral_index(const config *cfg, const char *id)
{
	for (int i = 0; i < cfg->nreferrals; i++)
		if (strcmp(cfg->referrals[i].id, id) == 0)
			return i;
	return -1;
}

/* --- the opening schedule alone ---------------------------------------- */

int config_schedule_load(const json_t *obj, config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof *cfg);
	if (errlen)
		err[0] = '\0';
	jcheck v = {.file = "schedule", .err = err, .errlen = errlen};
	if (!json_is_object(obj)) {
		jcheck_err(&v, "schedule", "must be an object");
		return -1;
	}
	static const char *const keys[] = {"hours", "closed_days", "day_change", NULL};
	jcheck_keys(&v, obj, "", keys);
	const json_t *hours = jcheck_want(&v, obj, "", "hours", JSON_OBJECT, 0);
	if (hours)
		load_hours(&v, hours, cfg);
	const json_t *closed = jcheck_want(&v, obj, "", "closed_days", JSON_ARRAY, 0);
	if (closed)
		load_closed(&v, closed, cfg);
	load_day_change(&v, obj, cfg);
	check_day_change(&v, cfg);
	return v.nerr ? -1 : 0;
}

json_t *config_schedule_json(const config *cfg)
{
	json_t *o = json_object();
	char hhmm[16];
	if (!o)
		return NULL;
	if (cfg->has_hours) {
		json_t *hours = json_object();
		for (int d = 0; hours && d < 7; d++) {
			json_t *spans = json_array();
			for (int k = 0; spans && k < cfg->nspans[d]; k++) {
				const config_span *sp = &cfg->spans[d][k];
				snprintf(hhmm, sizeof hhmm, "%02d:%02d-%02d:%02d", sp->open_min / 60,
					 sp->open_min % 60, sp->close_min / 60, sp->close_min % 60);
				json_array_append_new(spans, json_string(hhmm));
			}
			if (spans && cfg->nspans[d])
				json_object_set_new(hours, weekdays[d], spans);
			else
				json_decref(spans);
		}
		json_object_set_new(o, "hours", hours ? hours : json_object());
	}
	if (cfg->nclosed) {
		json_t *days = json_array();
		for (int k = 0; days && k < cfg->nclosed; k++)
			json_array_append_new(days, json_string(cfg->closed[k]));
		json_object_set_new(o, "closed_days", days ? days : json_array());
	}
	snprintf(hhmm, sizeof hhmm, "%02d:%02d", cfg->day_change_min / 60, cfg->day_change_min % 60);
	json_object_set_new(o, "day_change", json_string(hhmm));
	return o;
}
