/*
 * Unit tests of libloket's small parts: the clock's formats, UUIDs, the
 * JSON position finder, hashing and opening hours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "hash.h"
#include "jsonpos.h"
#include "uuid.h"

static void test_clock_roundtrip(void **state)
{
	(void)state;
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	char buf[CLOCK_ISO_LEN];
	int64_t ms = 1795345203123; /* 2026-11-22 12:00:03.123 CET */
	clock_format_iso(ms, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-22T12:00:03.123+01:00");
	int64_t back = 0;
	assert_int_equal(clock_parse_iso(buf, &back), 0);
	assert_int_equal(back, ms);
	assert_int_equal(clock_parse_iso("2026-11-22T11:00:03.123Z", &back), 0);
	assert_int_equal(back, ms);
	assert_int_equal(clock_parse_iso("2026-07-01T12:00:00+02:00", &back), 0);
	clock_format_iso(back, buf, sizeof buf);
	assert_string_equal(buf, "2026-07-01T12:00:00.000+02:00"); /* summer time */
	static const char *bad[] = {"",
				    "2026-11-22",
				    "2026-13-01T00:00:00Z",
				    "2026-11-22T25:00:00Z",
				    "2026-11-22T10:00:00",
				    "2026-11-22T10:00:00+1:00",
				    "2026-11-22T10:00:00.Z",
				    "2026-11-22T10:00:00Zjunk"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(clock_parse_iso(bad[i], &back), -1);
	clock_local_day(ms, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-22");
	clock_local_day(1795388400000, buf, sizeof buf); /* 23:00 UTC = 00:00 CET next day */
	assert_string_equal(buf, "2026-11-23");
}

static void test_uuid_v7(void **state)
{
	(void)state;
	char a[UUID_STR_LEN], b[UUID_STR_LEN];
	assert_int_equal(uuid_v7(a), 0);
	assert_int_equal(uuid_v7(b), 0);
	assert_true(uuid_valid(a));
	assert_string_not_equal(a, b);
	assert_int_equal(a[14], '7');					  /* version */
	assert_non_null(strchr("89ab", a[19]));				  /* variant */
	assert_false(uuid_valid("019378a2-0000-7000-8000-00000000000"));  /* short */
	assert_false(uuid_valid("019378a2x0000-7000-8000-000000000000")); /* dash */
	assert_false(uuid_valid("019378a2-0000-7000-8000-00000000000g"));
}

static void test_jsonpos(void **state)
{
	(void)state;
	const char *t = "{\n  \"a\": 1,\n  \"list\": [ {\"x\": \"]\\\"\"}, {\"x\": 2, \"y\": "
			"{\"z\": [1, 2]}} ]\n}";
	int line, col;
	assert_int_equal(jsonpos_find(t, strlen(t), "a", &line, &col), 0);
	assert_int_equal(line, 2);
	assert_int_equal(col, 3);
	assert_int_equal(jsonpos_find(t, strlen(t), "list[1].y.z", &line, &col), 0);
	assert_int_equal(line, 3);
	assert_int_equal(col, 42);
	assert_int_equal(jsonpos_find(t, strlen(t), "list[1].y.z[1]", &line, &col), 0);
	assert_int_equal(col, 51);
	assert_int_equal(jsonpos_find(t, strlen(t), "list[2]", &line, &col), -1);
	assert_int_equal(jsonpos_find(t, strlen(t), "nope", &line, &col), -1);
	/* Garbage and truncation never read past the end. */
	assert_int_equal(jsonpos_find("{\"a\": [1, 2", 11, "a[5]", &line, &col), -1);
	assert_int_equal(jsonpos_find("{\"a", 3, "a", &line, &col), -1);
	assert_int_equal(jsonpos_find("", 0, "a", &line, &col), -1);
}

static void test_hash(void **state)
{
	(void)state;
	char hex[HASH_HEX_LEN];
	assert_int_equal(hash_sha256_hex("1234", 4, hex), 0);
	assert_string_equal(hex,
			    "03ac674216f3e15c761ee1a5e255f067953623c8b388b4459e13f978d7c846f4");
	assert_true(hash_secret_matches("1234", 4, hex));
	assert_true(hash_secret_matches(
	    "1234", 4, "03AC674216F3E15C761EE1A5E255F067953623C8B388B4459E13F978D7C846F4"));
	assert_false(hash_secret_matches("1235", 4, hex));
	assert_false(hash_secret_matches("1234", 4, "03ac"));
	assert_false(hash_hex_valid("zz"));
}

static void test_opening_hours(void **state)
{
	(void)state;
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	const char *path = "/tmp/loket-hours-test.json";
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"site\": {\"id\": \"t\", \"name\": \"T\"}, \"database\": \"t.db\", \"languages\": "
	      "[\"nl\"],"
	      " \"categories\": [{\"id\": \"a\", \"prefix\": \"A\", \"label\": {\"nl\": \"A\"}}],"
	      " \"hours\": {\"mon\": [\"09:00-12:00\", \"13:00-17:00\"], \"fri\": "
	      "[\"10:00-11:00\"]}}",
	      f);
	fclose(f);
	char err[1024];
	config *cfg = config_load(path, err, sizeof err);
	assert_non_null(cfg);
	int64_t next;
	/* Monday 2026-11-23 10:00 CET = 09:00 UTC: open. */
	int64_t mon10 = 1795424400000;
	assert_true(config_is_open(cfg, mon10, &next));
	/* 12:30: lunch, opens again at 13:00. */
	assert_false(config_is_open(cfg, mon10 + 150 * 60000, &next));
	assert_int_equal(next, mon10 + 180 * 60000);
	/* 17:30: next is Friday 10:00. */
	assert_false(config_is_open(cfg, mon10 + 450 * 60000, &next));
	assert_int_equal(next, mon10 + 4 * 86400000LL);
	config_free(cfg);
	remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clock_roundtrip), cmocka_unit_test(test_uuid_v7),
	    cmocka_unit_test(test_jsonpos),	    cmocka_unit_test(test_hash),
	    cmocka_unit_test(test_opening_hours),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
