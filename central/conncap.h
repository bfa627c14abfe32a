/*
 * conncap — at most limits.per_ip_connections open connections from one
 * address, except from a trusted proxy.
 *
 * libmicrohttpd has such a cap of its own (MHD_OPTION_PER_IP_CONNECTION_LIMIT),
 * but it counts every address alike: behind a load balancer every
 * connection comes from the balancer, and the cap meant for one stranger
 * would cap the whole office. This one is asked by MHD's accept policy
 * (before a connection is taken) and told of each connection opened and
 * closed (MHD_OPTION_NOTIFY_CONNECTION); addresses in "trusted_proxies"
 * (proxy.h) are let through and counted by the global cap alone
 * (max_connections; their clients are the balancer's to limit). An IPv6
 * address counts by its /64, as a home or a host holds a whole /64.
 *
 * The table holds one slot per address with a connection open (at most
 * max_connections of them), open addressing in twice that many slots, so
 * a lookup costs a few probes whatever the number of connections.
 *
 * Thread-safe (one mutex); MHD calls it from its listening thread and
 * from the connections' threads.
 */
#ifndef CENTRAL_CONNCAP_H
#define CENTRAL_CONNCAP_H

#include <sys/socket.h>

#include "proxy.h"

typedef struct conncap conncap;

/* For up to max_connections connections open at once. NULL if out of
 * memory. */
conncap *conncap_new(int max_connections);
void conncap_free(conncap *cc);

/* 1 if a connection from sa may be taken: its address (or /64) has fewer
 * than limit open (limit 0: no cap), or it is one of the n trusted
 * networks. 0 if not, counted for conncap_refused. */
int conncap_admit(conncap *cc, const struct sockaddr *sa, int limit, const proxy_net *trusted,
		  int n);
/* A connection from sa opened, closed. */
void conncap_open(conncap *cc, const struct sockaddr *sa);
void conncap_close(conncap *cc, const struct sockaddr *sa);
/* The connections refused since the last call, and the last address
 * refused (text, into last). */
long conncap_refused(conncap *cc, char *last, size_t cap);

#endif
