/*
 * conncap — see conncap.h.
 */
#include "conncap.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	unsigned char key[17]; /* family byte, then the address (IPv6: its /64) */
	int open;	       /* 0: the slot is free */
} slot;

struct conncap {
	pthread_mutex_t mu;
	slot *s;
	size_t mask; /* slots - 1, a power of two */
	size_t used; /* slots open; kept below mask, so a probe always ends */
	long refused;
	char last[64];
};

conncap *conncap_new(int max_connections)
{
	conncap *cc = calloc(1, sizeof *cc);
	if (!cc)
		return NULL;
	size_t n = 16;
	while (n < (size_t)max_connections * 2)
		n *= 2;
	cc->s = calloc(n, sizeof *cc->s);
	if (!cc->s) {
		free(cc);
		return NULL;
	}
	cc->mask = n - 1;
	pthread_mutex_init(&cc->mu, NULL);
	return cc;
}

void conncap_free(conncap *cc)
{
	if (!cc)
		return;
	pthread_mutex_destroy(&cc->mu);
	free(cc->s);
	free(cc);
}

/* The key of sa: 0, or -1 (not IP). */
static int key_of(const struct sockaddr *sa, unsigned char key[17])
{
	int family;
	unsigned char a[16];
	if (proxy_addr_of_sa(sa, &family, a))
		return -1;
	memset(key, 0, 17);
	key[0] = family == AF_INET ? 4 : 6;
	memcpy(key + 1, a, family == AF_INET ? 4 : 8);
	return 0;
}

static size_t hash(const unsigned char key[17])
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (int i = 0; i < 17; i++)
		h = (h ^ key[i]) * 1099511628211ULL;
	return (size_t)h;
}

/* The slot of key, or the free slot where it would go. */
static size_t find(const conncap *cc, const unsigned char key[17])
{
	size_t i = hash(key) & cc->mask;
	while (cc->s[i].open && memcmp(cc->s[i].key, key, 17))
		i = (i + 1) & cc->mask;
	return i;
}

/* Empties slot i and moves later slots of its run back, so every key stays
 * reachable from its home without tombstones. */
static void take_out(conncap *cc, size_t i)
{
	cc->s[i].open = 0;
	for (size_t j = (i + 1) & cc->mask; cc->s[j].open; j = (j + 1) & cc->mask) {
		size_t home = hash(cc->s[j].key) & cc->mask;
		/* j's key may move to i unless its home lies cyclically in (i, j] */
		if (((j - home) & cc->mask) >= ((j - i) & cc->mask)) {
			cc->s[i] = cc->s[j];
			cc->s[j].open = 0;
			i = j;
		}
	}
}

int conncap_admit(conncap *cc, const struct sockaddr *sa, int limit, const proxy_net *trusted,
		  int n)
{
	unsigned char key[17];
	if (limit <= 0 || key_of(sa, key) || proxy_trusted_sa(trusted, n, sa))
		return 1;
	pthread_mutex_lock(&cc->mu);
	const slot *s = &cc->s[find(cc, key)];
	int ok = !s->open || s->open < limit;
	if (!ok) {
		cc->refused++;
		int family;
		unsigned char a[16];
		if (!proxy_addr_of_sa(sa, &family, a))
			inet_ntop(family, a, cc->last, sizeof cc->last);
	}
	pthread_mutex_unlock(&cc->mu);
	return ok;
}

void conncap_open(conncap *cc, const struct sockaddr *sa)
{
	unsigned char key[17];
	if (key_of(sa, key))
		return;
	pthread_mutex_lock(&cc->mu);
	size_t i = find(cc, key);
	if (!cc->s[i].open) {
		/* MHD's max_connections keeps the addresses below half the
		 * slots; should it not, the connection goes uncounted */
		if (cc->used + 1 >= cc->mask) {
			pthread_mutex_unlock(&cc->mu);
			return;
		}
		memcpy(cc->s[i].key, key, 17);
		cc->used++;
	}
	cc->s[i].open++;
	pthread_mutex_unlock(&cc->mu);
}

void conncap_close(conncap *cc, const struct sockaddr *sa)
{
	unsigned char key[17];
	if (key_of(sa, key))
		return;
	pthread_mutex_lock(&cc->mu);
	size_t i = find(cc, key);
	if (cc->s[i].open && --cc->s[i].open == 0) {
		take_out(cc, i);
		cc->used--;
	}
	pthread_mutex_unlock(&cc->mu);
}

long conncap_refused(conncap *cc, char *last, size_t cap)
{
	pthread_mutex_lock(&cc->mu);
	long n = cc->refused;
	cc->refused = 0;
	snprintf(last, cap, "%s", cc->last);
	pthread_mutex_unlock(&cc->mu);
	return n;
}
