/*
 * days — see days.h. The conversions are Howard Hinnant's civil-date
 * algorithms (days_from_civil / civil_from_days), exact for any year.
 */
#include "days.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long days_from_label(const char *s)
{
	long y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	long m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void days_to_label(long z, char out[DAY_LEN])
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1;
	long m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	snprintf(out, DAY_LEN, "%04ld-%02ld-%02ld", y % 10000, m, d);
}

int days_weekday(long d)
{
	/* 1970-01-01 was a Thursday (3). */
	long w = (d + 3) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

int day_is_valid(const char *s)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	return 1;
}

static void add_piece(days_piece *p, int *n, int months, int sign, long from, long to)
{
	assert(*n < DAYS_MAX_PIECES);
	days_piece *x = &p[(*n)++];
	x->months = months;
	x->sign = sign;
	days_to_label(from, x->from);
	days_to_label(to, x->to);
	if (months)
		x->from[7] = x->to[7] = '\0';
}

int days_split(const char *from, const char *to, days_piece p[DAYS_MAX_PIECES])
{
	int n = 0;
	if (!day_is_valid(from) || !day_is_valid(to) || strcmp(from, to) > 0) {
		p[0] = (days_piece){0, 1, "", ""};
		snprintf(p[0].from, DAY_LEN, "%s", from);
		snprintf(p[0].to, DAY_LEN, "%s", to);
		return 1;
	}
	long f = days_from_label(from), t = days_from_label(to);
	long mid_from = -1, mid_to = -1; /* whole months in a row: one piece */
	for (long d = f; d <= t;) {
		char l[DAY_LEN], next[DAY_LEN];
		days_to_label(d, l);
		int y = (int)strtol(l, NULL, 10), m = (int)strtol(l + 5, NULL, 10);
		snprintf(next, sizeof next, "%04d-%02d-01", y + (m == 12), m == 12 ? 1 : m + 1);
		long first = d - (strtol(l + 8, NULL, 10) - 1), last = days_from_label(next) - 1;
		long hi = last < t ? last : t, len = last - first + 1, covered = hi - d + 1;
		if (covered == len) {
			if (mid_from < 0)
				mid_from = first;
			mid_to = last;
		} else {
			if (mid_from >= 0)
				add_piece(p, &n, 1, 1, mid_from, mid_to);
			mid_from = -1;
			if (2 * covered > len) {
				add_piece(p, &n, 1, 1, first, last);
				if (d > first)
					add_piece(p, &n, 0, -1, first, d - 1);
				if (hi < last)
					add_piece(p, &n, 0, -1, hi + 1, last);
			} else {
				add_piece(p, &n, 0, 1, d, hi);
			}
		}
		d = last + 1;
	}
	if (mid_from >= 0)
		add_piece(p, &n, 1, 1, mid_from, mid_to);
	return n;
}
