/*
 * kiosk — the state of one loket-kiosk process and the functions its
 * parts share. app.c keeps the state's helpers and the model (what the
 * views show, read from the store); loop.c owns the loop (events, timers,
 * drawing); the views (view_ticket.c, view_counter.c, view_display.c,
 * staff.c) are functions of this state that lay out controls with ui.h and
 * act on the store when a control was tapped; replay.c drives the same loop
 * from a script; main.c starts the process. Calls run one way, down this
 * list and never back up: main.c, replay.c, loop.c, the views, app.c,
 * announce.c.
 *
 * State changes happen in exactly three places: a tapped control (through
 * the view that owns it), a timer (loop.c) and a change in the database
 * seen through store_data_version (model refresh, app.c). Each sets
 * `dirty`; a frame is drawn only when dirty.
 */
#ifndef KIOSK_KIOSK_H
#define KIOSK_KIOSK_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "i18n.h"
#include "render.h"
#include "store.h"
#include "ui.h"

#define KIOSK_MAX_WAITING 60
#define KIOSK_MAX_CALLS	  8
#define KIOSK_PIN_MAX	  8
#define KIOSK_LONG_PRESS_MS 2000
#define KIOSK_CONFIRM_MS    5000 /* a confirming second tap (Cancel) counts this long */
#define KIOSK_POLL_MS	  300
#define KIOSK_MAX_SAMPLES 4096
/* Calls waiting to be announced, and how old (since the display first saw
 * them, on its monotonic clock) a call may be and still be spoken. */
#define KIOSK_ANNOUNCE_QUEUE	  32
#define KIOSK_ANNOUNCE_MAX_AGE_MS 60000


typedef enum { VIEW_TICKET, VIEW_COUNTER, VIEW_DISPLAY, VIEW_COMBINED } view_kind;
typedef enum { TK_START, TK_TICKET, TK_ERROR } ticket_screen;
typedef enum { STAFF_NONE, STAFF_PIN, STAFF_MENU } staff_mode;
typedef enum {
	CO_NONE,
	CO_DESK,
	CO_CATEGORIES,
	CO_TRANSFER,
	CO_OUTCOME, /* after Helped: how did it end (view_outcome.c) */
	CO_TOPICS,  /* its "also helped with" choice */
} counter_overlay;

typedef struct app {
	config *cfg;
	store *st; /* NULL while the database cannot be opened */
	char assets[1024];
	char locale[2048]; /* where the catalogs are (a reload loads them again) */
	char font_dir[1100]; /* the fonts (the printer draws with them too) */
	render *rd;
	ui ui;

	view_kind view;
	int lang; /* index into cfg->langs */
	int fullscreen;
	int quit;
	int dirty;

	/* time: the monotonic clock, or in a replay a virtual clock that only
	 * moves during `wait` (so a script's timing is deterministic) */
	int replay;
	int64_t vnow;
	int guard_ms;	    /* taps on a fresh ticket screen are ignored this long */
	int after_ms;	    /* category taps right after dismissing are ignored */

	/* ticket view */
	ticket_screen tscreen;
	store_ticket ticket;
	int64_t ticket_at, guard_until, last_input;
	int open;	     /* inside opening hours */
	int64_t day_checked; /* last run of the day cycle (app time) */
	int64_t next_open_ms, open_checked;
	char problem[256]; /* why the error screen is shown (for the log) */
	int64_t store_retry_at;

	/* staff corner */
	staff_mode staff;
	char pin[KIOSK_PIN_MAX + 1];
	int pin_fails;
	int64_t pin_locked_until;
	const char *staff_msg; /* msgid */
	int corner_down;
	int64_t corner_since;

	/* counter view */
	int desk;
	int handles[CONFIG_MAX_CATEGORIES]; /* 1 = this desk takes the category */
	counter_overlay overlay;
	char counter_msg[256]; /* already translated, or "" */
	int64_t cancel_armed_until; /* app_now ms: a second tap on Cancel cancels */
	char cancel_code[16];	    /* the ticket that tap would cancel */
	/* the outcome step (view_outcome.c): what is chosen so far */
	char oc_code[16];			/* the ticket being marked helped */
	event_answer oc_first;			/* first visit: yes, no, or not recorded */
	int oc_first_unknown;			/* "don't know" was tapped (still null) */
	int oc_topics[CONFIG_MAX_CATEGORIES];	/* 1 = also helped with this kind */

	/* model: what the views show, refreshed when data_version moves */
	int64_t data_version;
	uint64_t model_hash;
	int64_t polled_at;
	store_status_info status;
	store_ticket waiting[KIOSK_MAX_WAITING];
	int nwaiting;
	store_call calls[KIOSK_MAX_CALLS];
	int ncalls;
	store_ticket at_desk;
	int have_at_desk;
	int64_t minute_at;
	int sync_state; /* the counter's sync line state at the last look (redraw on change) */
	int ticket_unprinted; /* the ticket on screen did not go to the printer */
	int printer_seen;     /* printer_state at the last look; -1 not yet (printer.h) */
	char printer_state[32]; /* the counter: the store's "ok", "offline", "no paper" */
	int64_t printer_at;
	int64_t alive_at;  /* app_now of the view's last sign of life in the store */
	int alive_written; /* one was written since start */

	/* announcements (display views, announce.c): every call and recall once,
	 * in commit order, one after the other */
	int announce_ready;		     /* announced_id is known (nothing before it is said) */
	int64_t announced_id;		     /* the newest call id taken into the queue */
	store_call aq[KIOSK_ANNOUNCE_QUEUE]; /* a ring, from aq_head */
	int64_t aq_seen[KIOSK_ANNOUNCE_QUEUE]; /* app time it was first seen */
	int aq_head, aq_n;
	int aq_more;	     /* the store may hold more than fitted */
	int announcing;	     /* the queue's head is playing */
	int announce_chimed; /* its chime plays */
	FILE *announce_log;  /* LOKET_ANNOUNCE_LOG, or NULL */

	/* measurements */
	int frames;
	uint64_t tap_start; /* performance counter when a tap was taken */
	double samples[KIOSK_MAX_SAMPLES];
	int nsamples;
	int64_t started_ms;
} app;

/* --- app.c: the state's helpers and the model --------------------------- */
/* The app's clock in ms: monotonic, or a replay's virtual clock. */
int64_t app_now(const app *a);
/* msgid in the app's language. */
const char *T(const app *a, const char *msgid);
int app_rtl(const app *a);
void app_set_lang(app *a, int lang);
/* Switches view (from the staff menu). */
void app_set_view(app *a, view_kind v);
/* The label of the kind of help id in the current language (the first
 * language's where it has none; the id itself if the site has no such
 * kind). */
const char *app_cat_label(const app *a, const char *id);
/* The counter's message line: msgid translated, "{code}" replaced by code
 * (which may be NULL). */
void app_say(app *a, const char *msgid, const char *code);
/* The counter's message line after action what failed with s: the known
 * refusals in the student's words, anything else logged and shown. */
void app_say_failed(app *a, store_status s, const char *what);
/* Writes this view's sign of life into the store ("counter:2"; every
 * sync.heartbeat_seconds while running), or that it stopped (running 0:
 * before a switch of view or desk, and at exit). */
void app_alive(app *a, int running);
/* Loads the configuration file again (SIGHUP): the new one takes over
 * between frames, keeping what a person is doing (the language by its
 * code, the kinds of help this desk takes by id, a ticket on screen); one
 * that fails its checks, or names another site or database, is refused
 * with the reasons in the log and the old one stays. */
void app_reload(app *a);
/* Starts, restarts or stops the ticket printer as the view and the
 * configuration say: it prints in the ticket and combined views only. */
void app_printer(app *a);
/* Opens the site database into a->st; if it cannot, a->st stays NULL and
 * a->problem says why (the loop tries again). */
void try_open_store(app *a);
/* Reloads the model from the store if the database changed (or force). */
void app_refresh(app *a, int force);

/* --- loop.c: frames, input and timers ----------------------------------- */
/* The signal that asked the process to end, or 0 (set by main.c's handler). */
extern volatile sig_atomic_t kiosk_got_signal;
/* SIGHUP came: reload the configuration (set by main.c's handler). */
extern volatile sig_atomic_t kiosk_got_hup;
/* Runs the views once: with draw, renders a frame (present if asked). */
void app_build(app *a, int draw);
void app_draw(app *a, int present);
/* Handles pending events and timers until the clock reaches until_ms
 * (now: only what is pending), drawing when dirty. */
void app_pump(app *a, int64_t until_ms);
int app_shot(app *a, const char *path);
int app_dump(app *a, const char *path);
/* The view is one residents use (ticket or combined). */
int resident_view(const app *a);

/* --- views: view_ticket.c, view_counter.c, view_outcome.c, view_display.c,
 * staff.c ------------------------------------------------------------------ */
void view_ticket(app *a, rd_rect area, int with_header);
void view_ticket_dismiss(app *a);
void view_counter(app *a);
void view_counter_key(app *a, const char *key);
/* The outcome step after Helped (CO_OUTCOME, CO_TOPICS), drawn by the
 * counter while one of them is up. */
void view_outcome_open(app *a);
void view_outcome(app *a);
/* 1 if the outcome step is up for a ticket no longer at this desk (another
 * screen or loketctl acted on it): the counter closes it. */
int view_outcome_stale(const app *a);
void view_display(app *a, rd_rect area, int compact);
void view_staff(app *a);
void view_staff_key(app *a, const char *key);
void view_staff_open(app *a);

#endif
