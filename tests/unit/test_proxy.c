/*
 * Unit tests of who the client is behind a load balancer (central/proxy.c):
 * "trusted_proxies" entries parse or are refused with a reason; a request
 * from a trusted proxy is from the rightmost X-Forwarded-For address that
 * is not itself trusted, across several header lines; a request from an
 * untrusted peer is its own client whatever it writes; garbage stops the
 * walk at the last trusted hop; an IPv4 peer seen on a dual-stack socket
 * ("::ffff:10.0.0.5") matches its IPv4 network.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "proxy.h"

static proxy_net nets[4];
static int nnets;

static int setup(void **state)
{
	(void)state;
	char why[160];
	const char *in[] = {"10.0.0.5", "10.0.1.0/24", "fd00::/64", "127.0.0.1"};
	nnets = 0;
	for (int i = 0; i < 4; i++)
		if (proxy_parse(in[i], &nets[nnets], why, sizeof why) == 0)
			nnets++;
	return nnets == 4 ? 0 : -1;
}

static const char *client(const char *peer, const char *const *xff, int n)
{
	static char out[PROXY_ADDR];
	proxy_client(nets, nnets, peer, xff, n, out, sizeof out);
	return out;
}

static void test_parse_refuses_with_reasons(void **state)
{
	(void)state;
	proxy_net p;
	char why[160];
	assert_int_equal(proxy_parse("10.0.0.300", &p, why, sizeof why), -1);
	assert_non_null(strstr(why, "not an address"));
	assert_int_equal(proxy_parse("10.0.0.0/33", &p, why, sizeof why), -1);
	assert_non_null(strstr(why, "0..32"));
	assert_int_equal(proxy_parse("10.0.1.7/24", &p, why, sizeof why), -1);
	assert_non_null(strstr(why, "10.0.1.0/24"));
	assert_int_equal(proxy_parse("", &p, why, sizeof why), -1);
	assert_int_equal(proxy_parse("/8", &p, why, sizeof why), -1);
	assert_int_equal(proxy_parse("10.0.0.0/", &p, why, sizeof why), -1);
	assert_int_equal(proxy_parse("0.0.0.0/0", &p, why, sizeof why), 0);
	assert_int_equal(proxy_parse("fd00::/64", &p, why, sizeof why), 0);
	assert_int_equal(p.prefix, 64);
}

static void test_trusted_networks(void **state)
{
	(void)state;
	assert_true(proxy_trusted(nets, nnets, "10.0.0.5"));
	assert_false(proxy_trusted(nets, nnets, "10.0.0.6"));
	assert_true(proxy_trusted(nets, nnets, "10.0.1.254"));
	assert_false(proxy_trusted(nets, nnets, "10.0.2.1"));
	assert_true(proxy_trusted(nets, nnets, "fd00::17"));
	assert_false(proxy_trusted(nets, nnets, "fd00:0:0:1::17"));
	assert_true(proxy_trusted(nets, nnets, "::ffff:10.0.0.5"));
	assert_false(proxy_trusted(nets, nnets, "garbage"));
}

static void test_untrusted_peer_is_its_own_client(void **state)
{
	(void)state;
	const char *xff[] = {"203.0.113.7"};
	assert_string_equal(client("198.51.100.1", xff, 1), "198.51.100.1");
	assert_string_equal(client("198.51.100.1", NULL, 0), "198.51.100.1");
	/* no trusted proxies at all: the peer */
	char out[PROXY_ADDR];
	proxy_client(nets, 0, "10.0.0.5", xff, 1, out, sizeof out);
	assert_string_equal(out, "10.0.0.5");
}

static void test_rightmost_untrusted_address(void **state)
{
	(void)state;
	/* a client's own forged entry stands left of what the proxy appended */
	const char *one[] = {"1.2.3.4, 203.0.113.7"};
	assert_string_equal(client("10.0.0.5", one, 1), "203.0.113.7");
	/* two proxies: the inner one is skipped */
	const char *two[] = {"203.0.113.7,10.0.1.9"};
	assert_string_equal(client("10.0.0.5", two, 1), "203.0.113.7");
	/* a proxy that adds its own header line (HAProxy): one list */
	const char *lines[] = {"1.2.3.4", "203.0.113.9"};
	assert_string_equal(client("10.0.0.5", lines, 2), "203.0.113.9");
	const char *split[] = {"203.0.113.9", " 10.0.1.3 "};
	assert_string_equal(client("10.0.0.5", split, 2), "203.0.113.9");
	/* IPv6, written in canonical form */
	const char *v6[] = {"2001:DB8:0:0::1"};
	assert_string_equal(client("fd00::2", v6, 1), "2001:db8::1");
	/* a trusted peer without the header is its own client */
	assert_string_equal(client("10.0.0.5", NULL, 0), "10.0.0.5");
	/* every hop trusted: the leftmost */
	const char *all[] = {"10.0.1.1, 10.0.1.2"};
	assert_string_equal(client("10.0.0.5", all, 1), "10.0.1.1");
}

static void test_garbage_stops_at_last_trusted_hop(void **state)
{
	(void)state;
	const char *bad[] = {"203.0.113.7, unknown"};
	assert_string_equal(client("10.0.0.5", bad, 1), "10.0.0.5");
	const char *port[] = {"203.0.113.7:4711"};
	assert_string_equal(client("10.0.0.5", port, 1), "10.0.0.5");
	const char *after[] = {"nonsense, 203.0.113.7"};
	assert_string_equal(client("10.0.0.5", after, 1), "203.0.113.7");
	const char *via[] = {"203.0.113.7, x, 10.0.1.1"};
	assert_string_equal(client("10.0.0.5", via, 1), "10.0.1.1");
	const char *empty[] = {" , ,"};
	assert_string_equal(client("10.0.0.5", empty, 1), "10.0.0.5");
	char longer[300];
	memset(longer, '1', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	const char *lng[] = {longer};
	assert_string_equal(client("10.0.0.5", lng, 1), "10.0.0.5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_refuses_with_reasons),
	    cmocka_unit_test(test_trusted_networks),
	    cmocka_unit_test(test_untrusted_peer_is_its_own_client),
	    cmocka_unit_test(test_rightmost_untrusted_address),
	    cmocka_unit_test(test_garbage_stops_at_last_trusted_hop),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
