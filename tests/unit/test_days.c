/*
 * Unit tests of central/days.c: labels and day numbers round-trip; and a
 * period's split (days_split) adds up to exactly its days for every
 * (from, to) over two and a half years, leap days included: each day is
 * counted once after the signs, no piece goes outside the months the
 * period touches, whole months come as month pieces, and no more than
 * DAYS_MAX_PIECES are made. Both back ends read their aggregates by these
 * pieces, so an error here would be a wrong figure on every report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "days.h"

static void labels_round_trip(void **state)
{
	(void)state;
	char l[DAY_LEN];
	for (long d = days_from_label("1999-12-25"); d < days_from_label("2031-01-05"); d++) {
		days_to_label(d, l);
		assert_true(day_is_valid(l));
		assert_int_equal(days_from_label(l), d);
	}
	assert_false(day_is_valid("2027-02-29"));
	assert_true(day_is_valid("2028-02-29"));
	assert_false(day_is_valid("2026-13-01"));
	assert_false(day_is_valid("2026-12-1"));
}

/* The first and last day number of a month label "YYYY-MM". */
static void month_days(const char *m, long *first, long *last)
{
	char l[DAY_LEN];
	snprintf(l, sizeof l, "%.7s-01", m);
	*first = days_from_label(l);
	int y, mo;
	sscanf(m, "%d-%d", &y, &mo);
	snprintf(l, sizeof l, "%04d-%02d-01", y + (mo == 12), mo == 12 ? 1 : mo + 1);
	*last = days_from_label(l) - 1;
}

static void split_adds_up(void **state)
{
	(void)state;
	long base = days_from_label("2027-11-20"), span = 900; /* 2028 is a leap year */
	static int count[1000];
	for (long f = 0; f < span; f += 3) {
		for (long t = f; t < span; t += (t - f < 70 ? 1 : 17)) {
			char from[DAY_LEN], to[DAY_LEN];
			days_to_label(base + f, from);
			days_to_label(base + t, to);
			days_piece p[DAYS_MAX_PIECES];
			int n = days_split(from, to, p);
			assert_true(n >= 1 && n <= DAYS_MAX_PIECES);
			memset(count, 0, sizeof count);
			for (int i = 0; i < n; i++) {
				long lo, hi, x;
				assert_true(p[i].sign == 1 || p[i].sign == -1);
				if (p[i].months) {
					assert_int_equal(strlen(p[i].from), 7);
					month_days(p[i].from, &lo, &x);
					month_days(p[i].to, &x, &hi);
					assert_int_equal(p[i].sign, 1);
				} else {
					assert_true(day_is_valid(p[i].from) &&
						    day_is_valid(p[i].to));
					lo = days_from_label(p[i].from);
					hi = days_from_label(p[i].to);
				}
				assert_true(lo <= hi);
				/* within the months the period touches: at most a
				 * month before and after */
				assert_true(lo - base >= f - 31 && hi - base <= t + 31);
				for (long d = lo; d <= hi; d++)
					count[d - base + 40] += p[i].sign;
			}
			for (long d = f - 35; d <= t + 35; d++)
				assert_int_equal(count[d + 40], d >= f && d <= t);
		}
	}
}

static void whole_months_are_month_rows(void **state)
{
	(void)state;
	days_piece p[DAYS_MAX_PIECES];
	/* a year from the 2nd to the 1st: 11 whole months in one piece, the
	 * first month's rows less its first day, the last one's 1st day */
	int n = days_split("2025-12-02", "2026-12-01", p);
	assert_int_equal(n, 4);
	assert_true(p[0].months && p[0].sign == 1 && !strcmp(p[0].from, "2025-12"));
	assert_true(!p[1].months && p[1].sign == -1 && !strcmp(p[1].from, "2025-12-01") &&
		    !strcmp(p[1].to, "2025-12-01"));
	assert_true(p[2].months && !strcmp(p[2].from, "2026-01") && !strcmp(p[2].to, "2026-11"));
	assert_true(!p[3].months && p[3].sign == 1 && !strcmp(p[3].from, "2026-12-01") &&
		    !strcmp(p[3].to, "2026-12-01"));
	/* not dates: one piece of days, as given */
	n = days_split("2026-12-01", "2026-11-30", p);
	assert_int_equal(n, 1);
	assert_true(!p[0].months && !strcmp(p[0].from, "2026-12-01"));
	n = days_split("junk", "2026-11-30", p);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].from, "junk");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(labels_round_trip),
	    cmocka_unit_test(split_adds_up),
	    cmocka_unit_test(whole_months_are_month_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
