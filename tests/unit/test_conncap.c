/*
 * Unit tests of the per-address connection cap (central/conncap.c): a
 * limit per address, none for a trusted network or with limit 0, an IPv6
 * /64 counted as one address, an IPv4 address mapped into IPv6 as itself;
 * and the table against a plain count through 200,000 random opens and
 * closes of 40 addresses in 128 slots (so runs collide and the backward
 * shift of a close is exercised), the refusals counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conncap.h"

static struct sockaddr_storage addr(const char *text)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1)
		v4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1)
		v6->sin6_family = AF_INET6;
	return ss;
}

#define SA(x) ((const struct sockaddr *)&(x))

static void test_limit_per_address(void **state)
{
	(void)state;
	conncap *cc = conncap_new(64);
	assert_non_null(cc);
	proxy_net lb;
	char why[160];
	assert_int_equal(proxy_parse("10.0.0.0/24", &lb, why, sizeof why), 0);
	struct sockaddr_storage a = addr("192.0.2.1"), b = addr("192.0.2.2"), p = addr("10.0.0.5"),
				m = addr("::ffff:192.0.2.1");
	for (int i = 0; i < 3; i++) {
		assert_true(conncap_admit(cc, SA(a), 3, &lb, 1));
		conncap_open(cc, SA(a));
	}
	assert_false(conncap_admit(cc, SA(a), 3, &lb, 1));
	assert_false(conncap_admit(cc, SA(m), 3, &lb, 1)); /* the same address */
	assert_true(conncap_admit(cc, SA(b), 3, &lb, 1));
	assert_true(conncap_admit(cc, SA(a), 0, &lb, 1)); /* no limit */
	for (int i = 0; i < 10; i++) {
		assert_true(conncap_admit(cc, SA(p), 3, &lb, 1));
		conncap_open(cc, SA(p));
	}
	conncap_close(cc, SA(a));
	assert_true(conncap_admit(cc, SA(a), 3, &lb, 1));
	char last[64];
	assert_int_equal(conncap_refused(cc, last, sizeof last), 2);
	assert_string_equal(last, "192.0.2.1");
	assert_int_equal(conncap_refused(cc, last, sizeof last), 0);
	conncap_free(cc);
}

static void test_ipv6_by_64(void **state)
{
	(void)state;
	conncap *cc = conncap_new(64);
	struct sockaddr_storage x = addr("2001:db8:1:2::1"), y = addr("2001:db8:1:2:ffff::9"),
				z = addr("2001:db8:1:3::1");
	assert_true(conncap_admit(cc, SA(x), 2, NULL, 0));
	conncap_open(cc, SA(x));
	conncap_open(cc, SA(y));
	assert_false(conncap_admit(cc, SA(x), 2, NULL, 0));
	assert_false(conncap_admit(cc, SA(y), 2, NULL, 0));
	assert_true(conncap_admit(cc, SA(z), 2, NULL, 0));
	conncap_free(cc);
}

static void test_table_against_plain_count(void **state)
{
	(void)state;
	enum { ADDRS = 40, LIMIT = 5 };
	conncap *cc = conncap_new(64); /* 128 slots */
	struct sockaddr_storage a[ADDRS];
	int open[ADDRS] = {0}, total = 0;
	for (int i = 0; i < ADDRS; i++) {
		char t[32];
		snprintf(t, sizeof t, "198.51.100.%d", i + 1);
		a[i] = addr(t);
	}
	srand(7);
	long refused = 0;
	for (int step = 0; step < 200000; step++) {
		int i = rand() % ADDRS;
		if (rand() % 2 && total < 64) {
			int ok = conncap_admit(cc, SA(a[i]), LIMIT, NULL, 0);
			assert_int_equal(ok, open[i] < LIMIT);
			if (ok) {
				conncap_open(cc, SA(a[i]));
				open[i]++;
				total++;
			} else {
				refused++;
			}
		} else if (open[i]) {
			conncap_close(cc, SA(a[i]));
			open[i]--;
			total--;
		}
	}
	char last[64];
	assert_int_equal(conncap_refused(cc, last, sizeof last), refused);
	assert_true(refused > 0);
	conncap_free(cc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_limit_per_address),
	    cmocka_unit_test(test_ipv6_by_64),
	    cmocka_unit_test(test_table_against_plain_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
