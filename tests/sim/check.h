/*
 * check — the invariants the simulator holds a site store to, fed with
 * what the store says (its outbox, its open tickets, its open desks) and
 * nothing of what the simulator meant to do:
 *
 *   1. codes unique: a code names at most one open ticket;
 *   2. seq contiguous: the outbox is 1, 2, 3, ... without gaps;
 *   3. the day: with a trusted clock, every open ticket belongs to today's
 *      opening day, and after the day's last closing nothing of it is open
 *      (ticket or desk) unless it came after the closing; no desk of an
 *      earlier day is open (unless it was open on an unset clock: the
 *      store then moves it to today);
 *   4. legal order: every ticket's events follow its state machine, and
 *      desk.opened / desk.closed alternate per desk (no desk closes with a
 *      ticket at it, no ticket is called at a closed desk);
 *   5. the count: issued = served + no_show + cancelled + expired + open,
 *      and the open ones are exactly what store_list_open lists.
 *
 * Each function returns 0, or -1 with chk_what() naming the check and
 * chk_detail() saying what was wrong.
 */
#ifndef LOKET_SIM_CHECK_H
#define LOKET_SIM_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "event.h"
#include "store.h"

typedef struct chk chk;

/* States of a ticket as its events tell it. */
enum { CT_NONE, CT_WAITING, CT_AT_DESK, CT_SERVED, CT_NO_SHOW, CT_CANCELLED, CT_EXPIRED };

typedef struct {
	int64_t events; /* events read */
	int64_t checks; /* individual checks passed */
	int64_t issued, served, no_show, cancelled, expired, transferred, recalled, called;
	int64_t open; /* tickets waiting or at a desk */
	int64_t desk_opened, desk_closed;
	int64_t day_skipped; /* check 3 skipped: the clock was untrusted */
} chk_stats;

chk *chk_new(void);
void chk_free(chk *c);

const char *chk_what(const chk *c);   /* "2 seq contiguous", ... */
const char *chk_detail(const chk *c); /* what was wrong */
const chk_stats *chk_get_stats(const chk *c);

/* Checks 2 and 4 for the next event of the outbox (its seq and JSON). */
int chk_event(chk *c, int64_t seq, const char *json, size_t len);
/* The event chk_event last accepted. */
const event *chk_last_event(const chk *c);

/* Checks 1 and 5 against store_list_open's answer. */
int chk_open_list(chk *c, const store_ticket *t, int n);
/* The open desks (store_desks_open) are those the events left open. */
int chk_desks(chk *c, const store_desk *d, int n);
/* Check 3 at wall clock now (skipped, and counted, when now is untrusted). */
int chk_day(chk *c, const config *cfg, int64_t now, const store_ticket *t, int n,
	    const store_desk *d, int nd);

/* What the events say about one ticket (CT_NONE if unknown); *desk may be
 * NULL. A tag is the caller's own number for the ticket (-1 unset). */
int chk_ticket_state(const chk *c, const char *uuid, int *desk);
void chk_set_tag(chk *c, const char *uuid, int tag);
/* 1 if the events left desk open. */
int chk_desk_open(const chk *c, int desk);
int chk_tag(const chk *c, const char *uuid);

/* Feeds the checker broken histories (and one good one); returns the
 * number it judged wrongly (0 is good) and says which on stderr. cfg: a
 * site open Mon-Fri 09:00-17:00 (check 3 cases); TZ must be set. */
int chk_selftest(const config *cfg, int verbose);

#endif
