/*
 * proxy — see proxy.h.
 */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* An address as text into family and bytes: 0, or -1. An IPv4 address
 * mapped into IPv6 (a dual-stack socket's "::ffff:10.0.0.5") is IPv4. */
static int addr_of(const char *s, int *family, unsigned char out[16])
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (inet_pton(AF_INET, s, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*family = AF_INET6;
		if (!memcmp(out, mapped, sizeof mapped)) {
			memmove(out, out + 12, 4);
			memset(out + 4, 0, 12);
			*family = AF_INET;
		}
		return 0;
	}
	return -1;
}

int proxy_parse(const char *s, proxy_net *out, char *why, size_t cap)
{
	char text[PROXY_ADDR];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	memset(out, 0, sizeof *out);
	if (len == 0 || len >= sizeof text) {
		snprintf(why, cap, "is not an address or ADDRESS/PREFIX");
		return -1;
	}
	memcpy(text, s, len);
	text[len] = '\0';
	if (addr_of(text, &out->family, out->addr)) {
		snprintf(why, cap,
			 "is not an address or ADDRESS/PREFIX (\"10.0.0.5\", \"10.0.1.0/24\", "
			 "\"fd00::/64\")");
		return -1;
	}
	int bits = out->family == AF_INET ? 32 : 128;
	out->prefix = bits;
	if (slash) {
		char *end;
		errno = 0;
		long p = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || p < 0 || p > bits) {
			snprintf(why, cap, "has a prefix that is not a number 0..%d", bits);
			return -1;
		}
		out->prefix = (int)p;
	}
	unsigned char net[16];
	memcpy(net, out->addr, sizeof net);
	for (int b = out->prefix; b < bits; b++)
		net[b / 8] &= (unsigned char)~(0x80 >> (b % 8));
	if (memcmp(net, out->addr, sizeof net)) {
		char shown[INET6_ADDRSTRLEN] = "?";
		inet_ntop(out->family, net, shown, sizeof shown);
		snprintf(why, cap, "has host bits set beyond /%d: the network is %s/%d",
			 out->prefix, shown, out->prefix);
		return -1;
	}
	return 0;
}

static int in_net(const proxy_net *net, int family, const unsigned char a[16])
{
	if (net->family != family)
		return 0;
	int full = net->prefix / 8, rest = net->prefix % 8;
	if (memcmp(net->addr, a, (size_t)full))
		return 0;
	return !rest || !((net->addr[full] ^ a[full]) & (0xff << (8 - rest)));
}

static int trusted_bytes(const proxy_net *nets, int n, int family, const unsigned char a[16])
{
	for (int i = 0; i < n; i++)
		if (in_net(&nets[i], family, a))
			return 1;
	return 0;
}

int proxy_trusted(const proxy_net *nets, int n, const char *addr)
{
	int family;
	unsigned char a[16];
	return !addr_of(addr, &family, a) && trusted_bytes(nets, n, family, a);
}

int proxy_addr_of_sa(const struct sockaddr *sa, int *family, unsigned char out[16])
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	memset(out, 0, 16);
	if (sa && sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		*family = AF_INET;
		return 0;
	}
	if (sa && sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		*family = AF_INET6;
		if (!memcmp(out, mapped, sizeof mapped)) {
			memmove(out, out + 12, 4);
			memset(out + 4, 0, 12);
			*family = AF_INET;
		}
		return 0;
	}
	return -1;
}

int proxy_trusted_sa(const proxy_net *nets, int n, const struct sockaddr *sa)
{
	int family;
	unsigned char a[16];
	return n && !proxy_addr_of_sa(sa, &family, a) && trusted_bytes(nets, n, family, a);
}

/* The entry of list ending just before end (exclusive), trimmed, into
 * text; returns where it starts (its comma or list). */
static const char *entry_before(const char *list, const char *end, char *text, size_t cap)
{
	const char *start = end;
	while (start > list && start[-1] != ',')
		start--;
	const char *a = start, *b = end;
	while (a < b && (*a == ' ' || *a == '\t'))
		a++;
	while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
		b--;
	size_t len = (size_t)(b - a);
	if (len >= cap)
		len = 0; /* too long to be an address: read as garbage */
	memcpy(text, a, len);
	text[len] = '\0';
	return start;
}

void proxy_client(const proxy_net *nets, int n, const char *peer, const char *const *xff, int nxff,
		  char *out, size_t cap)
{
	snprintf(out, cap, "%s", peer);
	if (n == 0 || !proxy_trusted(nets, n, peer))
		return;
	for (int h = nxff - 1; h >= 0; h--) {
		const char *list = xff[h];
		for (const char *end = list + strlen(list);;) {
			char text[PROXY_ADDR];
			const char *start = entry_before(list, end, text, sizeof text);
			int family;
			unsigned char a[16];
			if (text[0]) {
				if (addr_of(text, &family, a))
					return; /* garbage: the last trusted hop */
				char canon[INET6_ADDRSTRLEN];
				if (inet_ntop(family, a, canon, sizeof canon))
					snprintf(out, cap, "%s", canon);
				if (!trusted_bytes(nets, n, family, a))
					return;
			}
			if (start == list)
				break;
			end = start - 1; /* before the comma */
		}
	}
}
