/*
 * guard — see guard.h.
 *
 * The connections are a doubly linked list under one mutex; the watchdog
 * walks it every GUARD_TICK_MS (at most max_connections entries, so a
 * bounded walk). A socket is shut down at most once, and only while its
 * entry is in the list: MHD calls guard_close before it closes the socket,
 * so the descriptor cannot have been reused for another connection.
 */
#include "guard.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "log.h"

struct guard_conn {
	guard_conn *prev, *next;
	int fd;
	int waiting;	    /* for a request's headers */
	int cut;	    /* shut down already */
	int64_t since_ms;   /* waiting since (monotonic) */
};

struct guard {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int stop;
	guard_conn *head;
	int open;
	int64_t deadline_ms;
	int pressure_at; /* open connections from which the short deadline applies */
	long long cut_total, cut_logged;
	int64_t logged_ms;
};

static void sweep(guard *g, int64_t now)
{
	int64_t deadline = g->deadline_ms;
	if (g->open >= g->pressure_at && deadline > GUARD_PRESSURE_MS)
		deadline = GUARD_PRESSURE_MS;
	for (guard_conn *c = g->head; c; c = c->next)
		if (c->waiting && !c->cut && now - c->since_ms > deadline) {
			shutdown(c->fd, SHUT_RDWR);
			c->cut = 1;
			g->cut_total++;
		}
	/* One line every 10 s at most, whatever the number cut. */
	if (g->cut_total > g->cut_logged && now - g->logged_ms >= 10000) {
		log_warn("http: closed %lld connection%s still sending their request headers after "
			 "%lld ms (%d open)",
			 g->cut_total - g->cut_logged, g->cut_total - g->cut_logged == 1 ? "" : "s",
			 (long long)deadline, g->open);
		g->cut_logged = g->cut_total;
		g->logged_ms = now;
	}
}

static void *watchdog(void *arg)
{
	guard *g = arg;
	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += GUARD_TICK_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&g->cv, &g->mu, &ts);
		if (!g->stop)
			sweep(g, clock_mono_ms());
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

guard *guard_new(int header_timeout_s, int max_connections)
{
	guard *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->deadline_ms = (int64_t)header_timeout_s * 1000;
	g->pressure_at = max_connections * GUARD_PRESSURE_PCT / 100;
	if (g->pressure_at < 1)
		g->pressure_at = 1;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&g->thread, NULL, watchdog, g)) {
		pthread_cond_destroy(&g->cv);
		pthread_mutex_destroy(&g->mu);
		free(g);
		return NULL;
	}
	return g;
}

void guard_free(guard *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	g->stop = 1;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->thread, NULL);
	while (g->head) {
		guard_conn *c = g->head;
		g->head = c->next;
		free(c);
	}
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

guard_conn *guard_open(guard *g, int fd)
{
	guard_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->fd = fd;
	c->waiting = 1;
	c->since_ms = clock_mono_ms();
	pthread_mutex_lock(&g->mu);
	c->next = g->head;
	if (g->head)
		g->head->prev = c;
	g->head = c;
	g->open++;
	pthread_mutex_unlock(&g->mu);
	return c;
}

void guard_headers(guard *g, guard_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->mu);
	c->waiting = 0;
	pthread_mutex_unlock(&g->mu);
}

void guard_idle(guard *g, guard_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->mu);
	c->waiting = 1;
	c->since_ms = clock_mono_ms();
	pthread_mutex_unlock(&g->mu);
}

void guard_close(guard *g, guard_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		g->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	g->open--;
	pthread_mutex_unlock(&g->mu);
	free(c);
}
