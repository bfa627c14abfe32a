/*
 * clock — see clock.h.
 */
#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t clock_now_ms(void)
{
	const char *fake = getenv("LOKET_FAKE_NOW");
	if (fake && *fake) {
		char *end;
		errno = 0;
		long long v = strtoll(fake, &end, 10);
		if (!errno && *end == '\0')
			return v;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* RFC 3339 has four-digit years. A clock reading before year 0000 or after
 * 9999 (a board with a broken RTC) is written as the nearest time that has
 * one: two days inside the range, so that no offset (at most 14 h) carries
 * the local date outside it. Also keeps localtime_r from failing. */
#define ISO_MIN_MS (-62167219200000LL + 2 * 86400000LL) /* 0000-01-03T00:00Z */
#define ISO_MAX_MS (253402300800000LL - 2 * 86400000LL) /* 9999-12-30T00:00Z */

static int64_t iso_clamp(int64_t ms)
{
	return ms < ISO_MIN_MS ? ISO_MIN_MS : ms > ISO_MAX_MS ? ISO_MAX_MS : ms;
}

void clock_format_iso(int64_t ms, char *buf, size_t len)
{
	ms = iso_clamp(ms);
	time_t sec = (time_t)floor_div(ms, 1000);
	int frac = (int)(ms - (int64_t)sec * 1000);
	struct tm tm;
	localtime_r(&sec, &tm);
	long off = tm.tm_gmtoff / 60;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02ld:%02ld", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac, sign, off / 60,
		 off % 60);
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int clock_parse_iso(const char *s, int64_t *ms)
{
	int Y, M, D, h, m, sec, frac = 0;
	if (strlen(s) < 20)
		return -1;
	if (digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
	    digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != ' ') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &m) || s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return -1;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		int nd = 0;
		while (*p >= '0' && *p <= '9') {
			if (nd < 3)
				frac = frac * 10 + (*p - '0');
			nd++;
			p++;
		}
		if (nd == 0 || nd > 9)
			return -1;
		for (; nd < 3; nd++)
			frac *= 10;
	}
	long off = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -1;
		off = (oh * 60L + om) * 60L * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	/* Days from civil (Howard Hinnant), independent of the local zone. */
	int y = Y - (M <= 2);
	int era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153u * (unsigned)(M + (M > 2 ? -3 : 9)) + 2) / 5 + (unsigned)D - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = (int64_t)era * 146097 + (int64_t)doe - 719468;
	int64_t t = days * 86400 + h * 3600 + m * 60 + sec - off;
	*ms = t * 1000 + frac;
	return 0;
}

void clock_local_day(int64_t ms, char *buf, size_t len)
{
	ms = iso_clamp(ms);
	time_t sec = (time_t)floor_div(ms, 1000);
	struct tm tm;
	localtime_r(&sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}
