/*
 * days — calendar arithmetic on "YYYY-MM-DD" labels (proleptic Gregorian),
 * for report periods, and a period's split into whole months and days
 * (days_split), which both back ends' aggregate reads use. No time zones:
 * a day label is the site's local date as the event's "at" carries it.
 */
#ifndef CENTRAL_DAYS_H
#define CENTRAL_DAYS_H

#define DAY_LEN 11

/* 1 if s is "YYYY-MM-DD", a real date from 1970 on; else 0. */
int day_is_valid(const char *s);
/* Days since 1970-01-01 of a valid label (day_is_valid). */
long days_from_label(const char *s);
/* The label of a day number. */
void days_to_label(long d, char out[DAY_LEN]);
/* 0 = Monday ... 6 = Sunday. */
int days_weekday(long d);

/* A part of a period, added (sign 1) or taken out (-1): days of the day
 * rows ("YYYY-MM-DD" .. "YYYY-MM-DD"), or whole months of the month rows
 * ("YYYY-MM" .. "YYYY-MM"). */
typedef struct {
	int months, sign;
	char from[DAY_LEN], to[DAY_LEN];
} days_piece;

#define DAYS_MAX_PIECES 8

/* [from, to] as at most DAYS_MAX_PIECES pieces that add up to it, each
 * month read the cheaper way: a month the period covers whole is its
 * month rows (whole months in a row: one piece); one it covers more than
 * half of is its month rows less the days it leaves out; the rest are its
 * days. So no period reads more than about half a month of day rows at
 * each end. Labels that are not dates (or from after to) stay one piece
 * of days: they select what they select. Returns the number of pieces. */
int days_split(const char *from, const char *to, days_piece p[DAYS_MAX_PIECES]);

#endif
