/*
 * proxy — who the client is when central stands behind a load balancer.
 *
 * Behind an HTTP load balancer or TLS proxy every connection comes from the
 * proxy's address, so what is counted per address (the sign-in throttle,
 * the enrolment codes' wrong guesses) would count everyone together: twenty
 * wrong passwords from one stranger would lock the whole office out. The
 * configuration's "trusted_proxies" names the proxies (addresses or
 * networks, "10.0.0.5", "10.0.1.0/24", "fd00::/64"); a request that comes
 * from one of them is taken to come from the address its X-Forwarded-For
 * header names: read from the right (each proxy appends the address it got
 * the request from), the first address that is not itself a trusted proxy.
 * Whatever a client writes into the header itself stands to the left of
 * what the proxies appended, so it is never reached while the proxies are
 * honest. A request from an address that is not trusted is its own client,
 * whatever its header says; an entry that is no address ends the walk at
 * the last trusted hop (a proxy that forwards garbage is its own client).
 * The walk starts at the right, so a client padding the header cannot push
 * the proxies' entries out of it.
 *
 * Pure functions, no state: safe on any thread.
 */
#ifndef CENTRAL_PROXY_H
#define CENTRAL_PROXY_H

#include <stddef.h>

#define PROXY_MAX  16 /* entries of "trusted_proxies" */
#define PROXY_ADDR 64 /* an address as text, with room to spare */

typedef struct {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16]; /* network order; 4 bytes used for AF_INET */
	int prefix;		/* bits that must match: 0..32 or 0..128 */
} proxy_net;

/* Reads "ADDR" or "ADDR/PREFIX" (IPv4 or IPv6) into *out: 0, or -1 with
 * the reason in why (a phrase for "\"%s\" %s"). Host bits beyond the
 * prefix are refused, so a typing error cannot widen the network. */
int proxy_parse(const char *s, proxy_net *out, char *why, size_t cap);

/* 1 if the address text addr is in one of the n networks. */
int proxy_trusted(const proxy_net *nets, int n, const char *addr);

/* An IPv4 or IPv6 socket address into family (AF_INET for an IPv4 address
 * mapped into IPv6) and bytes: 0, or -1 (another family). */
struct sockaddr;
int proxy_addr_of_sa(const struct sockaddr *sa, int *family, unsigned char out[16]);
/* 1 if the socket address sa is in one of the n networks. */
int proxy_trusted_sa(const proxy_net *nets, int n, const struct sockaddr *sa);

/* The client of a request from peer (an address as text) with the nxff
 * values of its X-Forwarded-For header lines, in the order received (a
 * proxy may append to the line or add a line of its own: they read as one
 * list), into out (canonical text). */
void proxy_client(const proxy_net *nets, int n, const char *peer, const char *const *xff, int nxff,
		  char *out, size_t cap);

#endif
