/*
 * config — the site's JSON configuration, read with jansson and validated
 * completely before any program acts on it.
 *
 * Every error names the file, line and column and the key, one per line:
 *
 *   site.json:14:17: categories[1].prefix: "A" is already the prefix of categories[0]
 *
 * and the programs exit with EX_CONFIG (78). Unknown keys are errors too: a
 * typo ("lables") must not silently drop a setting. The format is documented
 * in docs/configuration.md; assets/demo/site.json is a complete example.
 *
 * The loaded configuration is one heap block owned by the caller
 * (config_free). It holds no secrets: the staff PIN is stored as SHA-256.
 */
#ifndef LOKET_CONFIG_H
#define LOKET_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_LANGS      16
#define CONFIG_MAX_CATEGORIES 32
#define CONFIG_MAX_REFERRALS  16
#define CONFIG_MAX_CLOSED     64
#define CONFIG_ID_LEN	      32  /* category and site ids: [a-z0-9_-]{1,31} */
#define CONFIG_PREFIX_LEN     4	  /* 1-3 upper-case letters */
#define CONFIG_LANG_LEN	      8	  /* "nl", "en", "ar", "pt-BR" */
#define CONFIG_TEXT_LEN	      256 /* labels and names, UTF-8 */
#define CONFIG_PATH_LEN	      1024
#define CONFIG_MAX_SPANS      4 /* opening spans per weekday */

typedef struct {
	char id[CONFIG_ID_LEN];
	char prefix[CONFIG_PREFIX_LEN];
	char icon[CONFIG_ID_LEN];		       /* optional: icon name in assets/icons */
	char label[CONFIG_MAX_LANGS][CONFIG_TEXT_LEN]; /* indexed like config.langs */
} config_category;

/* Where a student may send a resident ("referrals"): the WIJ-team, the
 * municipality, the tax office, the library. */
typedef struct {
	char id[CONFIG_ID_LEN];
	char label[CONFIG_MAX_LANGS][CONFIG_TEXT_LEN]; /* indexed like config.langs */
} config_referral;

typedef struct {
	int open_min, close_min; /* minutes after local midnight, open < close */
} config_span;

typedef struct {
	char path[CONFIG_PATH_LEN]; /* the file it came from */

	char site_id[CONFIG_ID_LEN];
	char site_name[CONFIG_TEXT_LEN];
	char database[CONFIG_PATH_LEN]; /* relative paths are taken from the file's folder */

	int nlangs; /* langs[0] is the default (Dutch at a WIJS desk) */
	char langs[CONFIG_MAX_LANGS][CONFIG_LANG_LEN];

	int ncategories;
	config_category categories[CONFIG_MAX_CATEGORIES];

	/* "referrals": optional, 0..CONFIG_MAX_REFERRALS */
	int nreferrals;
	config_referral referrals[CONFIG_MAX_REFERRALS];

	int desks; /* 1..99 */

	/* "sync": optional as a whole (a site may run without a central office). */
	struct {
		int enabled;
		char url[CONFIG_PATH_LEN];	  /* base URL, "https://central.example.nl" */
		char token_file[CONFIG_PATH_LEN]; /* must not be readable by others */
		char ca_file[CONFIG_PATH_LEN];	  /* optional, "" for the system's CAs */
		int batch_events;		  /* default 500 */
		int batch_bytes;		  /* default 262144, uncompressed */
		int backoff_max_s;		  /* default 300 */
		int heartbeat_s; /* syncd's sign of life in the store; default 15 */
	} sync;

	int retention_days; /* acknowledged events older than this may be purged; default 30 */

	/* "day_change": "HH:MM", optional (default "00:00"): when one opening day
	 * turns into the next. A site open past midnight sets it after its last
	 * closing ("04:00"): a ticket taken at 01:30 then belongs to the evening
	 * before, and that evening's spans after midnight are written under the
	 * next weekday ("sat": ["00:00-02:00"]). See config_day_* below. */
	int day_change_min;

	/* "hours": optional; has_hours == 0 means always open. Index 0 is Monday. */
	int has_hours;
	int nspans[7];
	config_span spans[7][CONFIG_MAX_SPANS];

	/* "closed_days": optional, dates the site is closed whatever its hours
	 * say (holidays), "YYYY-MM-DD", at most CONFIG_MAX_CLOSED. */
	int nclosed;
	char closed[CONFIG_MAX_CLOSED][11];

	/* "printer": optional, the site's own (never the office's): a ticket
	 * printer on paper 58 or 80 mm wide. device "" = no printer. */
	struct {
		char device[CONFIG_PATH_LEN]; /* "/dev/usb/lp0", "tcp://HOST:9100", or a file */
		int width_mm;		      /* 58 (default) or 80 */
	} printer;

	/* "kiosk": optional. */
	struct {
		char staff_pin_sha256[65]; /* "" = no PIN set: the staff corner is disabled */
		int ticket_seconds;	   /* the ticket screen returns to start; default 20 */
		int reset_seconds;	   /* idle time before going back to langs[0]; default 90 */
		int service_minutes;	   /* wait estimate before there is history; default 10 */
	} kiosk;
} config;

/* Reads and validates path. On success returns the configuration (free with
 * config_free). On failure returns NULL and writes one message per problem
 * found to err (at most errlen bytes, NUL-terminated, lines end in '\n'). */
config *config_load(const char *path, char *err, size_t errlen);

/* The keys of the site file the central office manages, NULL-terminated:
 * "site" (its name only), languages, categories, referrals, hours,
 * closed_days, day_change, desks, kiosk. The others (site.id, database,
 * sync, retention_days, printer) stay the site's own. */
extern const char *const config_managed_keys[];

/* Checks the office's part of a site configuration (text, len bytes; the
 * managed keys only) with the same checks as config_load, named name in
 * the messages: 0, or -1 with one message per problem in err, each naming
 * the key ("name:3:5: categories[0].label: no label for language \"en\"");
 * a local key is refused as one that stays at the site. */
int config_check_managed(const char *name, const char *text, size_t len, char *err, size_t errlen);

/* The config file to use: the -c argument, else $LOKET_CONFIG, else NULL. */
const char *config_path_from(const char *arg);

void config_free(config *cfg);

/* Index of a category by id, or -1. */
int config_category_index(const config *cfg, const char *id);

/* Index of the referral with this id, or -1. */
int config_referral_index(const config *cfg, const char *id);

/* Index of a language by code, or -1. */
int config_lang_index(const config *cfg, const char *lang);

/* 1 if the site is open at local time ms; fills *next_open_ms (when not
 * open) with the next opening time within a week, or -1 if it never opens. */
int config_is_open(const config *cfg, int64_t ms, int64_t *next_open_ms);

/* The opening day that local time ms belongs to, "YYYY-MM-DD" (buf needs
 * 11 bytes): the local date of ms - day_change. */
void config_day_of(const config *cfg, int64_t ms, char *buf, size_t len);

/* When the opening day `day` ("YYYY-MM-DD") turns into the next (its date
 * at day_change on the next date), and when its last opening span closes:
 * the latest close among that weekday's spans starting at or after
 * day_change and the next weekday's spans ending at or before it. Without
 * hours, or on a day without spans, *close_ms = *change_ms. Both are built
 * with mktime, so a summer-time change lands right. Returns -1 if day is
 * not a date. */
int config_day_bounds(const config *cfg, const char *day, int64_t *close_ms, int64_t *change_ms);

/* The opening schedule alone, as a site sends it to the office in its
 * heartbeat: an object with "hours", "closed_days" and "day_change", each
 * optional and checked as in a site's file. config_schedule_load fills only
 * those fields of cfg (the rest zero; config_is_open then works on it):
 * 0, or -1 with one line per problem in err, each naming the key.
 * config_schedule_json is the schedule of cfg as such an object (a new
 * reference, NULL if out of memory); a site without hours sends none. */
struct json_t;
int config_schedule_load(const struct json_t *obj, config *cfg, char *err, size_t errlen);
struct json_t *config_schedule_json(const config *cfg);

#endif
