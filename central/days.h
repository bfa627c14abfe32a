/*
 * days — calendar arithmetic on "YYYY-MM-DD" labels (proleptic Gregorian),
 * for report periods. No time zones: a day label is the site's local date
 * as the event's "at" carries it.
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

#endif
