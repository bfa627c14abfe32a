/*
 * tally — the report's figures for a period, added up once from the
 * aggregates of the store (cstore_period_aggs, cstore_period_counts: whole
 * months of the period and the days around them), so
 * that the report page (report_page.c), its xlsx
 * (xlsx.c) and anything else showing them cannot disagree.
 *
 * Per configured site, in the configuration's order, and per kind of help
 * (the ticket's category at its end, after any transfer):
 *   visits     tickets issued on a day of the period
 *   served     ended as served ("helped")
 *   no_show, expired (still open when the site's day ended), cancelled,
 *   open       not ended (yet)
 *   of the served: solved, referred, follow_up, outcome_nr (not recorded:
 *              skipped at the desk, or a site from before the field);
 *              first_yes, first_no, first_nr (first visit: yes, no, not
 *              recorded)
 *   also       visits where this kind of help was dealt with besides the
 *              ticket's own (the served event's topics)
 *   wait       issue to first call of the tickets with a known issue
 *              time, as a histogram of whole minutes (hist.h): its median
 *              and 90th percentile (nearest rank) are those of the waits
 *              themselves rounded to the nearest minute (4 h or more
 *              count as 4 h)
 * and per site: referrals by destination (of the visits referred; "" =
 * destination not recorded), residents' languages (of all visits), and
 * staffed minutes (closed desk spans opened in the period).
 *
 * The cost follows the aggregate rows of the period (sites x kinds x
 * months, plus the days around the whole months), never the tickets; sites, categories,
 * destinations and languages are found through a hash (strmap), and per site only the top `top` of
 * each (by count) are kept apart; the rest become one "other" row whose `grouped` says how many
 * were put together.
 */
#ifndef CENTRAL_TALLY_H
#define CENTRAL_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "cconfig.h"
#include "cstore.h"
#include "hist.h"

typedef struct {
	char *key;    /* the category id; NULL for "other" (and totals) */
	long grouped; /* "other": how many kinds were put together */
	long visits, served, no_show, expired, cancelled, open;
	long solved, referred, follow_up, outcome_nr;
	long first_yes, first_no, first_nr;
	long also;
	hist wait;
} tally_row;

typedef struct {
	char *key; /* NULL for "other"; "" for not recorded */
	long grouped;
	long n;
} tally_count;

typedef struct {
	const char *id, *name; /* from the configuration */
	tally_row *rows;       /* most visits first, "other" last */
	size_t nrows;
	tally_row total;
	tally_count *refs, *langs; /* most first, "other" last */
	size_t nrefs, nlangs;
	long staffed_minutes, spans;
} tally_site;

typedef struct {
	char from[11], to[11];
	tally_site *sites;
	size_t nsites;
	tally_row total;
	long staffed_minutes, spans;
	int nomem;
} tally;

/* Counts [from, to] (valid "YYYY-MM-DD"). A CSTORE_* status; on
 * CSTORE_ERROR with t->nomem, memory ran out. tally_free in any case. */
int tally_build(cstore *st, const cconf *c, const char *from, const char *to, size_t top,
		tally *t);
void tally_free(tally *t);

/* The nearest-rank p-th percentile of h in ms (whole minutes), or -1 when
 * h is empty. */
int64_t tally_pct(const hist *h, int p);

#endif
