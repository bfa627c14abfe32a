/*
 * cstore — the central office's database, spoken in the domain. Nobody
 * else in central/ writes SQL; a PostgreSQL back end would be a second
 * implementation of exactly these functions (cstore_pg.c), chosen at open.
 *
 * The model:
 *   sites    one row per site that was registered or ever sent:
 *            acked_through (the highest N such that events 1..N are all
 *            held), events held, last sync; a registered one also its
 *            name, token digest, enabled, and its latest heartbeat.
 *   events   the truth: one row per (site, seq), the event's JSON text as
 *            the site sent it, plus its parsed fields. Never deleted, its
 *            text never changed; an event UUID appears once across all
 *            sites. An event of a type unknown here is held all the same,
 *            marked unread (only its envelope parsed) until a version that
 *            reads it rebuilds (cstore_rebuild_tickets): the one update an
 *            event row ever sees fills its parsed fields then.
 *   tickets  facts per ticket derived from its events (issued, first and
 *            last call, end, outcome, desk, transfers), updated in the same
 *            transaction as the events it derives from, and rebuildable
 *            from them at any time (cstore_rebuild_tickets).
 *   aggregates  per (site, day, kind of help) and per (site, month, kind)
 *            the counts the pages show, per (site, day) counts by key and
 *            totals, per (day, kind) visits: derived from the tickets and
 *            desk spans in the same transaction (cstore_period_aggs,
 *            cstore_period_counts, cstore_day_totals, cstore_month_totals,
 *            cstore_day_cats).
 *   desk spans  staffed time derived from the desk events the same way:
 *            per site and desk, in seq order, a span from a desk.opened to
 *            the desk's next desk.closed (a second opening of an open desk
 *            and a closing of a closed one change nothing), dated on the
 *            local day of the opening; its length is closed - opened, 0 if
 *            the clock went back, at most 24 h. A span not closed yet has
 *            no length and counts nothing.
 *
 * Every function is safe to call from several threads at once: writes are
 * serialised inside, reads use their own connections and never wait for a
 * write (WAL). Functions returning int give a CSTORE_* status.
 *
 * The store speaks in events' fields (event_fields.h), never in the wire
 * format: what it needs of JSON (reading an event's text again at a
 * rebuild, comparing a resent event with the one held) comes as functions
 * at open (cstore_codec) and with each batch (cstore_batch.same), so a
 * back end needs no JSON library of its own.
 */
#ifndef CENTRAL_CSTORE_H
#define CENTRAL_CSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "event_fields.h"

typedef struct cstore cstore;

/* One event to store: its fields, why it could not be read (then only the
 * envelope is filled), and its JSON text as the site sent it. */
#define CSTORE_WHY_LEN 160
typedef struct {
	event e;		     /* parsed and validated fields (only the envelope if unread) */
	char unread[CSTORE_WHY_LEN]; /* why it could not be read, "" if it was */
	const char *text;	     /* the event's JSON text, not NUL-terminated */
	size_t len;
} cstore_event;

/* A batch of one site's events, in seq order, each seq one more than the
 * one before. same(ctx, i, stored, len): 1 if the event text held says the
 * same as ev[i] (equal JSON values, whatever the spacing or key order). */
typedef struct {
	size_t n;
	const cstore_event *ev;
	int (*same)(const void *ctx, size_t i, const char *stored, size_t len);
	const void *ctx;
} cstore_batch;

/* What the store needs of the wire format (ingest.c gives jansson's). */
typedef struct {
	/* Decodes an event's text as held into e: 0, or -1 with the reason. */
	int (*decode)(const char *text, size_t len, event *e, char *why, size_t whylen);
	/* e's topics as a JSON array text (malloc'd), or NULL if out of memory. */
	char *(*topics_json)(const event *e);
} cstore_codec;

enum {
	CSTORE_OK = 0,
	CSTORE_GAP,	 /* the batch starts after acked_through + 1 */
	CSTORE_CONFLICT, /* a seq or UUID already held with other content */
	CSTORE_BUSY,	 /* locked beyond the busy timeout: try again later */
	CSTORE_FULL,	 /* the disk is full */
	CSTORE_ERROR,	 /* anything else (logged) */
	CSTORE_NOT_FOUND, /* no such site */
};

/* A status in words, for a log line. */
const char *cstore_status_str(int status);

/* Opens (creating if need be) the database at path. NULL on failure, with
 * the reason in err. busy_timeout_ms bounds every wait for a lock; codec
 * (kept, not copied) reads events' texts. */
cstore *cstore_open(const char *path, int busy_timeout_ms, const cstore_codec *codec, char *err,
		    size_t errlen);
void cstore_close(cstore *st);

typedef struct {
	int64_t acked_through; /* after the call (also on GAP) */
	size_t stored;	       /* new events written */
	size_t duplicates;     /* events already held, identical: acknowledged again */
	size_t unread;	       /* of stored: kept unread (a type unknown here) */
	int64_t conflict_seq;  /* CONFLICT: the seq refused */
	char why[300];	       /* CONFLICT or ERROR: for the log and the answer */
} cstore_ingest_result;

/* Stores batch b of site in one transaction: all of it or nothing.
 * Events at or below acked_through must equal what is held (else CONFLICT);
 * a batch starting above acked_through + 1 is a GAP. now_ms is recorded as
 * the site's last sync. */
int cstore_ingest(cstore *st, const char *site, const cstore_batch *b, int64_t now_ms,
		  cstore_ingest_result *r);

typedef struct {
	int64_t acked_through;
	int64_t events;
	int64_t last_sync_ms; /* 0 = never */
	int64_t unread;	      /* events held that could not be read (unknown type) */
} cstore_site_info;

/* The state of a site (all zero if it never sent). */
int cstore_site_get(cstore *st, const char *site, cstore_site_info *out);

/* Calls cb for each event of site with seq > after, in seq order, at most
 * limit of them; stops early if cb returns non-zero. */
typedef int (*cstore_event_cb)(void *ctx, int64_t seq, const char *text, size_t len);
int cstore_events(cstore *st, const char *site, int64_t after, int64_t limit, cstore_event_cb cb,
		  void *ctx);

/* One ticket's facts. Strings are "" when unknown; times in unix ms, -1
 * when unknown. Valid only during the callback. */
typedef struct {
	const char *site, *ticket, *code, *day, *category, *first_category, *lang;
	/* "served", "no_show", "cancelled", "expired" (the day ended with it
	 * open) or "" (open) */
	const char *outcome;
	const char *issued_at, *called_at, *finished_at; /* as the site wrote them */
	int64_t issued_ms, called_ms, last_called_ms, finished_ms;
	int desk; /* 0 = none */
	int calls, transfers;
	/* How a served visit ended; "" (or first_visit -1) when not recorded,
	 * which is all a site from before these fields sends. */
	const char *served_outcome; /* "solved", "referred", "follow_up" or "" */
	const char *referred_to;    /* a referral id of the site, or "" */
	const char *topics;	    /* a JSON array of category ids, or "" */
	int first_visit;	    /* 1 yes, 0 no, -1 not recorded */
} cstore_ticket;

/* Calls cb for each ticket issued on a local day in [from_day, to_day]
 * ("YYYY-MM-DD", inclusive), of site (NULL: all), ordered by site, day and
 * issue time; stops early if cb returns non-zero. */
typedef int (*cstore_ticket_cb)(void *ctx, const cstore_ticket *t);
int cstore_tickets(cstore *st, const char *from_day, const char *to_day, const char *site,
		   cstore_ticket_cb cb, void *ctx);

/* Where a paged read of tickets stands (cstore_tickets_page): zeroed to
 * start; the store fills it, the caller only keeps it between pages. */
typedef struct {
	int started;
	char day[11];
	int64_t site, issued_ms;
	char code[16], ticket[37];
} cstore_ticket_cursor;

/* The tickets of cstore_tickets a page at a time: calls cb for at most
 * limit tickets after *cur, ordered by day, site (in the order sites first
 * sent), issue time, code and ticket, and moves *cur past the last one
 * given; *n says how many were given (fewer than limit: the period is
 * done, or cb returned non-zero). Each call is one short read, so an
 * export of a year holds no read open between pages; a page costs its own
 * rows (the day index, from the cursor on), not the tickets before it. A
 * ticket whose row changes between pages may be given twice or not at all
 * (its key moved), as a read of a live database must. */
int cstore_tickets_page(cstore *st, const char *from_day, const char *to_day, const char *site,
			cstore_ticket_cursor *cur, size_t limit, cstore_ticket_cb cb, void *ctx,
			size_t *n);

/* One desk span (a desk from its desk.opened to its next desk.closed).
 * Strings valid only during the callback. */
typedef struct {
	const char *site;
	const char *day; /* the local date of the desk.opened's "at" */
	int desk;
	int64_t opened_seq, closed_seq;	   /* closed_seq 0 while open */
	const char *opened_at, *closed_at; /* as the site wrote them; closed_at "" while open */
	/* closed - opened in ms, 0 if the clock went back, at most 24 h; -1
	 * while open (it counts nothing) */
	int64_t staffed_ms;
	int64_t minutes; /* staffed_ms rounded to the nearest minute; -1 while open */
} cstore_desk_span;

/* Calls cb for each desk span opened on a local day in [from_day, to_day]
 * ("YYYY-MM-DD", inclusive), of site (NULL: all), ordered by site, day,
 * desk and opening; stops early if cb returns non-zero. */
typedef int (*cstore_span_cb)(void *ctx, const cstore_desk_span *d);
int cstore_desk_spans(cstore *st, const char *from_day, const char *to_day, const char *site,
		      cstore_span_cb cb, void *ctx);

/* The name of every site the store holds (one that sent events, or was
 * registered), in the order of cstore_desk_spans (by name, byte order):
 * so an export can read the spans site by site (staffed.csv streams in
 * the memory of one site's spans). Strings valid only during the
 * callback. */
typedef int (*cstore_name_cb)(void *ctx, const char *name);
int cstore_site_names(cstore *st, cstore_name_cb cb, void *ctx);

/* The aggregates: what the dashboard and the report count, kept per
 * (site, kind of help at the ticket's end, local day of the ticket) and
 * per whole month of those days, updated in the transaction of every
 * change of a ticket (an ingest, a rebuild), so that a period costs its
 * sites x kinds x months (and a few days), never its tickets. The same
 * facts as cstore_tickets, counted over a period:
 *   visits     tickets of the period's days and that category
 *   served, no_show, expired, cancelled, open (not ended yet): by outcome
 *   of the served: solved, referred, follow_up, outcome_nr (not
 *              recorded); first_yes, first_no, first_nr (first visit)
 *   also       served tickets of the same site and day, of another
 *              category, whose topics name this one (a row may hold only
 *              this)
 *   wait       issue to first call of the tickets with a set issue clock
 *              and a first call not before it; service: last call to
 *              served. Both as histograms of whole minutes (hist.h: the
 *              blob, len bytes; merge with hist_merge_blob), so any
 *              period's percentiles are exact to the nearest minute.
 * Strings and blobs valid only during the callback. */
typedef struct {
	const char *site, *category;
	long visits, served, no_show, expired, cancelled, open;
	long solved, referred, follow_up, outcome_nr, first_yes, first_no, first_nr, also;
	const void *wait, *service; /* hist.h's stored form */
	size_t wait_len, service_len;
} cstore_agg;

/* Calls cb once for each (site, category) with its sums over [from_day,
 * to_day] ("YYYY-MM-DD", inclusive), of site (NULL: all), in no
 * particular order; stops early if cb returns non-zero. The store adds
 * them up from its month rows (a month the period covers more than half
 * of is its month less the days left out) and its day rows (the rest), in
 * one read transaction: a year costs about 12 x sites x kinds rows and at
 * most about a month of day rows, and memory for one row per (site,
 * category) of the period. */
typedef int (*cstore_agg_cb)(void *ctx, const cstore_agg *a);
int cstore_period_aggs(cstore *st, const char *from_day, const char *to_day, const char *site,
		       cstore_agg_cb cb, void *ctx);

/* The counts by key kept with the aggregates above, per site and day:
 *   "lang"      visits by the resident's language (key "" if none)
 *   "referral"  visits served as referred, by destination ("" not recorded)
 *   "staffed"   minutes of the closed desk spans opened that day (key "")
 *   "spans"     how many closed desk spans (key "")
 * cstore_period_counts calls cb once for each (site, kind, key) with its
 * sum n over the period (never 0), in no particular order, added up as
 * cstore_period_aggs. */
typedef struct {
	const char *site, *kind, *key;
	int64_t n;
} cstore_count;
typedef int (*cstore_count_cb)(void *ctx, const cstore_count *c);
int cstore_period_counts(cstore *st, const char *from_day, const char *to_day, const char *site,
			 cstore_count_cb cb, void *ctx);

/* Per site and day, for the dashboard's days: visits, served, staffed
 * minutes and closed desk spans (a day with none of them has no row), in
 * [from_day, to_day] of all sites, ordered by day then site. */
typedef struct {
	const char *site, *day;
	long visits, served, staffed_minutes, spans;
} cstore_day_total;
typedef int (*cstore_day_total_cb)(void *ctx, const cstore_day_total *t);
int cstore_day_totals(cstore *st, const char *from_day, const char *to_day, cstore_day_total_cb cb,
		      void *ctx);

/* The same per site and calendar month: for each (site, month) the sums of
 * cstore_day_totals over the days of that month in [from_day, to_day],
 * with day the month ("YYYY-MM"), ordered by month then site (no row when
 * all are 0). The store adds the months the period covers whole from its
 * month aggregates and the days of a month it covers in part from its day
 * totals, so a year of the network costs sites x 12 rows and at most two
 * months of days, where cstore_day_totals would give sites x 365. */
int cstore_month_totals(cstore *st, const char *from_day, const char *to_day,
			cstore_day_total_cb cb, void *ctx);

/* Per day and category, the visits of all sites together (site NULL) or
 * of one site (for a chart), in [from_day, to_day], ordered by day then
 * category. */
typedef int (*cstore_day_cat_cb)(void *ctx, const char *day, const char *category, long visits);
int cstore_day_cats(cstore *st, const char *from_day, const char *to_day, const char *site,
		    cstore_day_cat_cb cb, void *ctx);

/* Recomputes the tickets, the desk spans and the per-day aggregates from
 * the events, in one transaction. Unread events are read again first: those this version
 * understands (a type it has learnt since they came) get their parsed
 * fields and count from now on; the others stay unread. */
int cstore_rebuild_tickets(cstore *st);

/* A site's profile (profile.c checked it): its name, languages as a JSON
 * array, the body as sent, and its labels. */
typedef struct {
	const char *kind; /* "category" or "referral" */
	const char *id, *lang, *label;
} cstore_label;

/* Replaces the profile of site and, for each (kind, id) it names, the
 * labels held; labels of ids it no longer names stay (reports of earlier
 * days still name them). One transaction; now_ms is kept as received. */
int cstore_profile_put(cstore *st, const char *site, const char *name, const char *languages,
		       const char *body, size_t len, const cstore_label *labels, size_t nlabels,
		       int64_t now_ms);

/* Each site's profile (site, name, languages as JSON, received_ms), in
 * site order. Strings valid only during the callback. */
typedef struct {
	const char *site, *name, *languages;
	int64_t received_ms;
} cstore_profile;
typedef int (*cstore_profile_cb)(void *ctx, const cstore_profile *p);
int cstore_profiles(cstore *st, cstore_profile_cb cb, void *ctx);

/* Every label held: site, kind, id, lang, label. */
typedef int (*cstore_label_cb)(void *ctx, const char *site, const cstore_label *l);
int cstore_labels(cstore *st, cstore_label_cb cb, void *ctx);

/* An online copy of the whole database into the new file dest, taken while
 * the server runs (a consistent snapshot of the last commit; writers are not
 * held up), checked, on disk and then renamed into place: dest is never
 * half written and never replaced (CSTORE_CONFLICT if it exists). *events:
 * the events the copy holds. CSTORE_ERROR, with err saying why, for a back
 * end that is backed up with its own tools (PostgreSQL: pg_dump). */
int cstore_backup(cstore *st, const char *dest, int64_t *events, char *err, size_t errlen);

/* CSTORE_OK if the database answers a read. */
int cstore_ping(cstore *st);

/* The sites themselves (registered by the command line, the dashboard or
 * the import of an older configuration file), in the order they were
 * registered: that order never changes, and a site is never removed, only
 * disabled (its events stay in the reports). Strings valid only during the
 * callback. last_seen_ms: the later of its last batch and last heartbeat. */
typedef struct {
	const char *id, *name;
	const unsigned char *token_sha256; /* 32 bytes */
	int enabled;
	int64_t created_ms, updated_ms, last_seen_ms;
} cstore_site_rec;
typedef int (*cstore_site_cb)(void *ctx, const cstore_site_rec *s);
int cstore_sites(cstore *st, cstore_site_cb cb, void *ctx);
/* Registers a site: CSTORE_CONFLICT if id is registered or the token is
 * another site's. */
int cstore_site_add(cstore *st, const char *id, const char *name, const unsigned char sha[32],
		    int64_t now_ms);
/* A new token digest, or enabled 0/1: CSTORE_NOT_FOUND if id is not registered. */
int cstore_site_token(cstore *st, const char *id, const unsigned char sha[32], int64_t now_ms);
int cstore_site_enable(cstore *st, const char *id, int enabled, int64_t now_ms);
/* Registers the sites of an older configuration file, once per database:
 * *done 1 if that happened before (nothing done now), *imported the sites
 * registered now (one already registered, or with a token already used, is
 * left). */
typedef struct {
	const char *id, *name;
	const unsigned char *token_sha256;
} cstore_site_new;
int cstore_sites_import(cstore *st, const cstore_site_new *v, size_t n, int64_t now_ms,
			int *done, size_t *imported);
/* A number that changes whenever anything was committed to the database,
 * by this process or another (the command line): cheap, for caches. */
int cstore_version(cstore *st, int64_t *version);
/* A number that changes whenever the sites changed (one read of one row):
 * asked when cstore_version changed, since most commits are batches and
 * heartbeats. */
int cstore_sites_version(cstore *st, int64_t *version);
/* The latest heartbeat of a site (its body as sent, checked by the caller),
 * central's time of receipt and the site's clock minus central's. */
int cstore_health_put(cstore *st, const char *site, int64_t received_ms, int64_t offset_ms,
		      const char *body, size_t len);
/* Each registered site in order, with its latest heartbeat (received_ms 0
 * and body "" if none), last batch, count of unread events, and the rest
 * of its state (cstore_site_info's, so that a page of every site reads
 * them all at once). */
typedef struct {
	const char *site;
	int64_t received_ms, offset_ms;
	const char *body;
	size_t len;
	int64_t last_sync_ms, unread;
	int64_t acked_through, events;
} cstore_health;
typedef int (*cstore_health_cb)(void *ctx, const cstore_health *h);
int cstore_health_each(cstore *st, cstore_health_cb cb, void *ctx);

/* --- people: accounts, their sessions and API tokens, the audit log ---
 *
 *   accounts   one per person: a unique name, a role ("admin" or
 *              "viewer"), the sites a viewer may see ("" = all, else ids
 *              joined by commas), an encoded password hash (people.c
 *              makes and checks it; the store only keeps the text),
 *              enabled. Never removed, only disabled.
 *   sessions   a browser's sign-in: the SHA-256 of its random id (the id
 *              itself is only in the cookie), the account (0: a sign-in
 *              with the admin token; then the admin token's digest it was
 *              opened with, so that a new admin token ends it), created,
 *              last used, expiry.
 *              Disabling an account or giving it a new password ends its
 *              sessions in the same transaction.
 *   API tokens the SHA-256 of an account's token for scripts; a token
 *              acts with its account's role and sites, and not while the
 *              account is disabled.
 *   audit      one line per change an admin made: when, who (an account's
 *              name, "admin token", "command line (USER)"), what and a
 *              detail; only ever appended.
 *
 * Strings handed to a callback are valid only during it. */
typedef struct {
	int64_t id;
	const char *name;
	const char *role;    /* "admin" or "viewer" */
	const char *sites;   /* "" = every site, else "a,b" */
	const char *pw_hash; /* as given to cstore_account_add */
	int enabled;
	int64_t created_ms, updated_ms;
	int tokens; /* API tokens held */
} cstore_account;
typedef int (*cstore_account_cb)(void *ctx, const cstore_account *a);

/* Adds an account: CSTORE_CONFLICT if the name is taken. */
int cstore_account_add(cstore *st, const char *name, const char *role, const char *sites,
		       const char *pw_hash, int64_t now_ms);
/* Calls cb once with the account of this name: CSTORE_NOT_FOUND if none. */
int cstore_account_get(cstore *st, const char *name, cstore_account_cb cb, void *ctx);
/* Calls cb for each account, by name; stops early if cb returns non-zero. */
int cstore_accounts(cstore *st, cstore_account_cb cb, void *ctx);
/* A new password hash, and the account's sessions ended: NOT_FOUND if no
 * such account. */
int cstore_account_password(cstore *st, const char *name, const char *pw_hash, int64_t now_ms);
/* Enabled 0/1; disabling ends the account's sessions: NOT_FOUND if none. */
int cstore_account_enable(cstore *st, const char *name, int enabled, int64_t now_ms);

/* A session as held, with its account (NULL for an admin token's, which
 * has admin_sha256 instead). */
typedef struct {
	int64_t created_ms, last_used_ms, expires_ms;
	const cstore_account *account;
	const unsigned char *admin_sha256; /* 32 bytes, or NULL */
} cstore_session;
typedef int (*cstore_session_cb)(void *ctx, const cstore_session *s);
/* Starts a session: its id's digest, account (0: the admin token's, with
 * admin_sha256, else NULL), until expires_ms. Sessions expired by now_ms
 * are deleted in the same transaction. */
int cstore_session_add(cstore *st, const unsigned char sha[32], int64_t account,
		       const unsigned char *admin_sha256, int64_t now_ms, int64_t expires_ms);
/* Calls cb once with the session of this digest: NOT_FOUND if none. */
int cstore_session_get(cstore *st, const unsigned char sha[32], cstore_session_cb cb, void *ctx);
/* Records its use at now_ms. */
int cstore_session_touch(cstore *st, const unsigned char sha[32], int64_t now_ms);
/* Ends it (sign-out, expiry): CSTORE_OK also if there was none. */
int cstore_session_end(cstore *st, const unsigned char sha[32]);

/* A new API token's digest for account name: NOT_FOUND if no such account,
 * CSTORE_CONFLICT if it holds max already. */
int cstore_token_add(cstore *st, const char *name, const unsigned char sha[32], int max,
		     int64_t now_ms);
/* Revokes every API token of account name (*revoked: how many). */
int cstore_tokens_revoke(cstore *st, const char *name, int *revoked);
/* Calls cb once with the account whose token this is: NOT_FOUND if none. */
int cstore_token_get(cstore *st, const unsigned char sha[32], cstore_account_cb cb, void *ctx);

/* One line of the audit log. */
typedef struct {
	int64_t id, at_ms;
	const char *actor, *action, *detail;
} cstore_audit_rec;
typedef int (*cstore_audit_cb)(void *ctx, const cstore_audit_rec *a);
int cstore_audit_add(cstore *st, int64_t at_ms, const char *actor, const char *action,
		     const char *detail);
/* Calls cb for at most limit lines with id < before (0: from the newest),
 * newest first. */
int cstore_audit(cstore *st, int64_t before, int limit, cstore_audit_cb cb, void *ctx);

/* --- the sites' managed configuration (siteconf.c checks what it stores) ---
 *
 *   configuration versions  per registered site, numbered 1, 2, ... in the
 *            order saved (never removed, never changed): the JSON text of
 *            the part of the site's configuration the office manages, who
 *            saved it and when, and a note ("rollback to 3", "template
 *            categories"). The latest is what the site is sent.
 *   templates  a named partial configuration (JSON text), replaced by each
 *            save, applied to sites by making new versions.
 *   enrolment codes  the SHA-256 of a one-time code, its site, until when
 *            it is valid and when it was used (once at most).
 * The store keeps texts as given; it never reads JSON. */
typedef struct {
	const char *site;
	int64_t version;
	const char *author;
	int64_t created_ms;
	const char *note;
	const char *body; /* "" (len 0) in cstore_conf_versions */
	size_t len;
} cstore_conf;
typedef int (*cstore_conf_cb)(void *ctx, const cstore_conf *c);
typedef struct {
	const char *site;
	const char *body;
	size_t len;
	int64_t base; /* the version body was made from (a template applied to
		       * it); 0: a plain save, checked against nothing */
} cstore_conf_new;
/* Adds a version for each of v[0..n), all in one transaction (all or none):
 * each one more than that site's highest; version[i] gets v[i]'s number.
 * CSTORE_NOT_FOUND (nothing stored) if a site is not registered;
 * CSTORE_CONFLICT (nothing stored) if a site's highest is no longer the
 * base its text was made from (a save came in between). */
int cstore_conf_put(cstore *st, const cstore_conf_new *v, size_t n, const char *author,
		    const char *note, int64_t now_ms, int64_t *version);
/* Version version of site's configuration (0: the latest) to cb, once;
 * CSTORE_NOT_FOUND if there is none. Strings valid only during the call. */
int cstore_conf_get(cstore *st, const char *site, int64_t version, cstore_conf_cb cb, void *ctx);
/* Every version of site, newest first, without their bodies; stops early if
 * cb returns non-zero. */
int cstore_conf_versions(cstore *st, const char *site, cstore_conf_cb cb, void *ctx);

typedef struct {
	const char *name, *author;
	int64_t updated_ms;
	const char *body;
	size_t len;
} cstore_template;
typedef int (*cstore_template_cb)(void *ctx, const cstore_template *t);
/* Creates or replaces the template name. */
int cstore_template_put(cstore *st, const char *name, const char *body, size_t len,
			const char *author, int64_t now_ms);
/* The template name to cb; CSTORE_NOT_FOUND if there is none. */
int cstore_template_get(cstore *st, const char *name, cstore_template_cb cb, void *ctx);
/* Every template, by name. */
int cstore_templates(cstore *st, cstore_template_cb cb, void *ctx);

/* Holds a new enrolment code (its SHA-256) for site, valid until
 * expires_ms. CSTORE_NOT_FOUND if site is not registered. */
int cstore_enrol_code_put(cstore *st, const char *site, const unsigned char code_sha[32],
			  int64_t now_ms, int64_t expires_ms);
/* Why cstore_enrol_use refused a code. */
enum { CSTORE_ENROL_UNKNOWN = 1, CSTORE_ENROL_USED, CSTORE_ENROL_EXPIRED };
/* Uses the code with digest code_sha at now_ms, in one transaction: if it is
 * held, unused, not expired and its site enabled, marks it used, gives its
 * site the token digest token_sha (the old token stops working) and writes
 * the site's id into site[cap], then (committed) calls cb once with the
 * site's latest configuration as it was in that transaction: CSTORE_OK.
 * Else CSTORE_NOT_FOUND with *why a CSTORE_ENROL_*, and nothing changed: a
 * code is never used up without the configuration the new box needs
 * (a site without one has no good code: CSTORE_ENROL_UNKNOWN). */
int cstore_enrol_use(cstore *st, const unsigned char code_sha[32],
		     const unsigned char token_sha[32], int64_t now_ms, char *site, size_t cap,
		     int *why, cstore_conf_cb cb, void *ctx);

#endif
