/*
 * report_page — what the report page and its xlsx share: the period asked
 * for, and the words of both languages (so a header reads the same on the
 * page and in the sheet).
 */
#ifndef CENTRAL_REPORT_PAGE_H
#define CENTRAL_REPORT_PAGE_H

#include "central.h"
#include "days.h"

/* The number of kinds of help, destinations and languages shown apart
 * per site; the rest is grouped as "other". */
#define REPORT_TOP   20
#define REPORT_TOP_S "20"

typedef struct {
	const char *lang, *title, *period, *through, *show, *month, *quarter, *year, *xlsx, *csv,
	    *sites_t, *cats_t, *outcomes_t, *refs_t, *first_t, *langs_t, *site, *cat, *visits,
	    *served, *no_show, *expired, *cancelled, *open, *also, *staffed, *wait_med, *wait_p90,
	    *solved, *referred, *follow_up, *not_recorded, *dest, *count, *yes, *no, *language,
	    *total, *all_sites, *other, *grouped, *no_profile, *note_first, *note_wait, *note_other,
	    *note_outcomes, *none, *generated, *minutes;
} report_words;

const report_words *report_words_of(int english);

/* "Other (12 grouped)" into out. */
const char *report_other(const report_words *w, long grouped, char *out, size_t cap);

/* Checks the login and reads ?from=&to= or ?period=month|quarter|year
 * (the calendar period holding ?to=, else today; default: this month).
 * 0 with from and to set, or -1 when rp holds the answer (303/401/400). */
int report_args(request *rq, reply *rp, char from[DAY_LEN], char to[DAY_LEN], int *english);

#endif
