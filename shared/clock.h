/*
 * clock — wall time for people, monotonic time for intervals.
 *
 * Wall-clock time is only ever a label (when a ticket was issued, for the
 * reports); ordering and identity come from (site, seq) and UUIDs. A kiosk
 * may boot with a wrong date, so nothing here is trusted to be monotonic.
 *
 * LOKET_FAKE_NOW=<unix ms> pins the wall clock (tests of day changes and
 * clocks that jump back); it is read on every call.
 */
#ifndef LOKET_CLOCK_H
#define LOKET_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Before this instant (2026-01-01T00:00:00Z) a wall clock is taken to be
 * unset: a board without a real-time clock boots in 1970. Times read then
 * are a guess (the store keeps such tickets on no known day; reports do
 * not count a wait from them). Raised with releases. */
#define CLOCK_SET_MIN_MS 1767225600000LL

/* 1 if ms can be a time the clock was set at (see CLOCK_SET_MIN_MS). */
static inline int clock_is_set(int64_t ms)
{
	return ms >= CLOCK_SET_MIN_MS;
}

/* Milliseconds since the Unix epoch (wall clock, may jump). */
int64_t clock_now_ms(void);

/* Milliseconds of CLOCK_MONOTONIC, for timeouts and durations. */
int64_t clock_mono_ms(void);

/* RFC 3339 local time with milliseconds and offset:
 * "2026-11-22T10:15:03.123+01:00". buf needs CLOCK_ISO_LEN bytes. A time
 * outside years 0000..9999 is written as the nearest one inside (RFC 3339
 * has four-digit years; a clock reading year 10000 writes 9999-12-30). */
#define CLOCK_ISO_LEN 32
void clock_format_iso(int64_t ms, char *buf, size_t len);

/* Parse an RFC 3339 time as clock_format_iso writes it (offset or 'Z',
 * fraction optional) into unix ms. Returns 0, or -1 if malformed. */
int clock_parse_iso(const char *s, int64_t *ms);

/* The local calendar day of ms as "YYYY-MM-DD" (CLOCK_DAY_LEN bytes). */
#define CLOCK_DAY_LEN 11
void clock_local_day(int64_t ms, char *buf, size_t len);

#endif
