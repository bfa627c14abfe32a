/*
 * Unit tests of the sign-in throttle (central/throttle.c): a key may fail
 * max times in its window, then waits lock_ms after its latest failure;
 * a window that passed starts again; a success forgets the key; a full
 * table gives up the slot of the oldest failure; keys do not share counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "throttle.h"

#define MIN (60 * 1000)

static throttle *fresh(void)
{
	static throttle t; /* 50 KiB: not on the stack */
	throttle_init(&t, 5, 15 * MIN, 5 * MIN);
	return &t;
}

static void test_locks_after_max_failures(void **state)
{
	(void)state;
	throttle *t = fresh();
	for (int i = 0; i < 4; i++)
		assert_int_equal(throttle_fail(t, "anna", 1000 + i), 0);
	assert_int_equal(throttle_wait_s(t, "anna", 2000), 0);
	assert_int_equal(throttle_fail(t, "anna", 2000), 300);
	assert_int_equal(throttle_wait_s(t, "anna", 2000), 300);
	assert_int_equal(throttle_wait_s(t, "anna", 2000 + 299 * 1000 + 1), 1);
	assert_int_equal(throttle_wait_s(t, "anna", 2000 + 5 * MIN), 0);
	assert_int_equal(throttle_wait_s(t, "bob", 2000), 0); /* another key */
}

static void test_window_starts_again(void **state)
{
	(void)state;
	throttle *t = fresh();
	for (int i = 0; i < 4; i++)
		throttle_fail(t, "anna", i * MIN);
	/* 16 minutes after the first: a new window, one failure in it. */
	assert_int_equal(throttle_fail(t, "anna", 16 * MIN), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(throttle_fail(t, "anna", 17 * MIN + i), 0);
	assert_int_equal(throttle_fail(t, "anna", 18 * MIN), 300);
}

static void test_lock_outlasting_the_window_holds(void **state)
{
	(void)state;
	throttle *t = fresh();
	for (int i = 0; i < 5; i++)
		throttle_fail(t, "anna", 14 * MIN + i);
	/* The window (from minute 14) ends at 29, the lock at 19: still
	 * locked at 18, free at 20, and a failure then locks again. */
	assert_true(throttle_wait_s(t, "anna", 18 * MIN) > 0);
	assert_int_equal(throttle_wait_s(t, "anna", 20 * MIN), 0);
	assert_int_equal(throttle_fail(t, "anna", 20 * MIN), 300);
}

static void test_success_forgets(void **state)
{
	(void)state;
	throttle *t = fresh();
	for (int i = 0; i < 4; i++)
		throttle_fail(t, "anna", i);
	throttle_reset(t, "anna");
	for (int i = 0; i < 4; i++)
		assert_int_equal(throttle_fail(t, "anna", 10 + i), 0);
}

static void test_full_table_fails_closed(void **state)
{
	(void)state;
	throttle *t = fresh();
	char key[32];
	for (int i = 0; i < 5; i++)
		throttle_fail(t, "locked", 1000);
	for (int i = 0; i < THROTTLE_SLOTS - 1; i++) {
		snprintf(key, sizeof key, "k%d", i);
		throttle_fail(t, key, 2000 + i);
	}
	/* Every slot holds a live key: a newcomer cannot push one out, it
	 * waits as if locked, and the lock and the counts stay. */
	int locks;
	assert_true(throttle_attempt(t, "newcomer", 3000, &locks) > 0);
	assert_true(throttle_fail(t, "newcomer", 3000) > 0);
	assert_true(throttle_wait_s(t, "locked", 3000) > 0);
	for (int i = 0; i < 4; i++)
		throttle_fail(t, "k0", 3000 + i);
	assert_true(throttle_wait_s(t, "k0", 4000) > 0); /* k0's count went on: 1 + 4 */
	/* Once their windows and locks have passed, slots are free again. */
	assert_int_equal(throttle_attempt(t, "newcomer", 60 * MIN, &locks), 0);
	assert_int_equal(throttle_wait_s(t, "locked", 60 * MIN), 0);
}

static void test_attempts_at_once_are_counted(void **state)
{
	(void)state;
	throttle *t = fresh();
	int locks, locked = 0;
	/* Five attempts at the same moment pass (each reserved), the sixth
	 * waits; exactly one of them says the lock starts. */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(throttle_attempt(t, "anna", 1000, &locks), 0);
		locked += locks;
	}
	assert_int_equal(locked, 1);
	assert_int_equal(throttle_attempt(t, "anna", 1000, &locks), 300);
	assert_int_equal(locks, 0);
	/* One that succeeded is taken back: the name may try again. */
	throttle_undo(t, "anna");
	assert_int_equal(throttle_attempt(t, "anna", 1001, &locks), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_locks_after_max_failures),
	    cmocka_unit_test(test_window_starts_again),
	    cmocka_unit_test(test_lock_outlasting_the_window_holds),
	    cmocka_unit_test(test_success_forgets),
	    cmocka_unit_test(test_full_table_fails_closed),
	    cmocka_unit_test(test_attempts_at_once_are_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
