/*
 * lbproxy — a small TCP load balancer for the tests: several loket-central
 * nodes behind one address, as a site sees them behind a real balancer.
 *
 *   lbproxy BACKENDS_FILE [SECONDS]
 *
 * Listens on 127.0.0.1 on a port the kernel chooses and says so on stderr:
 * "lbproxy: listening on 127.0.0.1:PORT" (the tests read the port from
 * that line). BACKENDS_FILE holds the backends' ports on 127.0.0.1, one a
 * line (at most 8).
 *
 * Design. Layer 4 only: each incoming connection is given, whole, to the
 * next backend round-robin, and bytes are copied both ways until either
 * side ends it; no HTTP is read, so a kept-alive connection stays on its
 * backend, as behind a real balancer. A backend that refuses the
 * connection (a node killed) is skipped: the next one is tried, each at
 * most once, and the client is reset when none takes it. A backend that
 * resets or closes its side mid-answer (a node killed under a request)
 * resets the client's connection too, so the client sees the failure and
 * retries, landing on the next backend. One thread, one poll loop, every
 * connect bounded (2 s), the whole run bounded by SECONDS (default 600):
 * a forgotten lbproxy ends by itself.
 *
 * Signals: SIGHUP reads BACKENDS_FILE again (a node restarted on a new
 * port) and logs "lbproxy: backends PORT ..."; SIGUSR1 resets every
 * connection under way (a balancer that rebalances: the clients connect
 * again, spread round-robin); SIGTERM/SIGINT exit 0. Every connection is
 * logged ("lbproxy: connection N to PORT", "lbproxy: PORT refused"), and
 * at exit the count of connections given to each backend of the last
 * list read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BACKENDS 8
#define MAX_PAIRS    64
#define BUF_SIZE     65536

/* One direction of a connection: bytes read from one side, not yet
 * written to the other. */
typedef struct {
	char b[BUF_SIZE];
	size_t len, off;
	int eof; /* the reading side ended its half: shut the other's down once flushed */
} pipe_buf;

typedef struct {
	int c, u;	   /* client and upstream sockets, -1 when unused */
	pipe_buf up, down; /* client -> upstream, upstream -> client */
} pair;

static pair pairs[MAX_PAIRS];
static int backends[MAX_BACKENDS], nbackends, next_backend;
static long long given[MAX_BACKENDS], nconns;
static const char *backends_path;
static volatile sig_atomic_t got_term, got_hup, got_usr1;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
}

/* BACKENDS_FILE into backends[]; 0, or -1 (the old list kept). */
static int read_backends(void)
{
	FILE *f = fopen(backends_path, "r");
	if (!f) {
		fprintf(stderr, "lbproxy: %s: %s\n", backends_path, strerror(errno));
		return -1;
	}
	int list[MAX_BACKENDS], n = 0, p;
	while (n < MAX_BACKENDS && fscanf(f, "%d", &p) == 1)
		if (p > 0 && p < 65536)
			list[n++] = p;
	fclose(f);
	if (n == 0) {
		fprintf(stderr, "lbproxy: %s: no port in it\n", backends_path);
		return -1;
	}
	memcpy(backends, list, sizeof list);
	memset(given, 0, sizeof given); /* counted per port of this list */
	nbackends = n;
	next_backend %= n;
	fprintf(stderr, "lbproxy: backends");
	for (int i = 0; i < n; i++)
		fprintf(stderr, " %d", backends[i]);
	fputc('\n', stderr);
	return 0;
}

/* Closes a socket; with a reset (RST) rather than a FIN when hard. */
static void drop(int *fd, int hard)
{
	if (*fd < 0)
		return;
	if (hard) {
		struct linger l = {1, 0};
		setsockopt(*fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	}
	close(*fd);
	*fd = -1;
}

static void end_pair(pair *p, int hard)
{
	drop(&p->c, hard);
	drop(&p->u, hard);
}

/* A connection to the next backend that takes it, round-robin; -1 when
 * none does. The connect is blocking but bounded (SO_SNDTIMEO). */
static int connect_next(int *port)
{
	for (int tries = 0; tries < nbackends; tries++) {
		int i = next_backend;
		next_backend = (next_backend + 1) % nbackends;
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		struct timeval tv = {2, 0};
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons((uint16_t)backends[i])};
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
			given[i]++;
			*port = backends[i];
			return fd;
		}
		fprintf(stderr, "lbproxy: %d refused (%s), trying the next\n", backends[i],
			strerror(errno));
		close(fd);
	}
	return -1;
}

/* Moves bytes for one direction: reads from `from` into pb when it is
 * empty, writes pb to `to`. -1 when the connection must end with a reset
 * (an error on either side), else 0. */
static int pump(int from, int to, pipe_buf *pb, short from_ev, short to_ev)
{
	if (pb->len == 0 && !pb->eof && (from_ev & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t n = read(from, pb->b, sizeof pb->b);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n == 0) {
			pb->eof = 1;
			shutdown(to, SHUT_WR);
		} else if (n > 0) {
			pb->len = (size_t)n;
			pb->off = 0;
		}
	}
	if (pb->len > pb->off && (to_ev & (POLLOUT | POLLERR))) {
		ssize_t n = send(to, pb->b + pb->off, pb->len - pb->off, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0 && (pb->off += (size_t)n) == pb->len)
			pb->len = pb->off = 0;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fputs("usage: lbproxy BACKENDS_FILE [SECONDS]\n", stderr);
		return 64;
	}
	backends_path = argv[1];
	long seconds = argc == 3 ? strtol(argv[2], NULL, 10) : 600;
	if (seconds <= 0 || read_backends())
		return 64;
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: poll returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof a;
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 64) ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen)) {
		perror("lbproxy: listen");
		return 1;
	}
	fprintf(stderr, "lbproxy: listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
	for (int i = 0; i < MAX_PAIRS; i++)
		pairs[i].c = pairs[i].u = -1;

	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!got_term) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= seconds) {
			fprintf(stderr, "lbproxy: %ld s are up: exiting\n", seconds);
			break;
		}
		if (got_hup) {
			got_hup = 0;
			read_backends();
		}
		if (got_usr1) {
			got_usr1 = 0;
			int n = 0;
			for (int i = 0; i < MAX_PAIRS; i++)
				if (pairs[i].c >= 0) {
					end_pair(&pairs[i], 1);
					n++;
				}
			fprintf(stderr, "lbproxy: reset %d connections\n", n);
		}
		/* fds: [0] the listener, then client and upstream of each pair */
		struct pollfd fds[1 + 2 * MAX_PAIRS];
		int used = 0;
		for (int i = 0; i < MAX_PAIRS; i++)
			used += pairs[i].c >= 0;
		fds[0] = (struct pollfd){.fd = used < MAX_PAIRS ? lfd : -1, .events = POLLIN};
		for (int i = 0; i < MAX_PAIRS; i++) {
			pair *p = &pairs[i];
			struct pollfd *c = &fds[1 + 2 * i], *u = c + 1;
			*c = (struct pollfd){.fd = p->c};
			*u = (struct pollfd){.fd = p->u};
			if (p->c < 0)
				continue;
			if (p->up.len == 0 && !p->up.eof)
				c->events |= POLLIN;
			if (p->up.len > p->up.off)
				u->events |= POLLOUT;
			if (p->down.len == 0 && !p->down.eof)
				u->events |= POLLIN;
			if (p->down.len > p->down.off)
				c->events |= POLLOUT;
		}
		if (poll(fds, 1 + 2 * MAX_PAIRS, 500) < 0) {
			if (errno == EINTR)
				continue;
			perror("lbproxy: poll");
			return 1;
		}
		for (int i = 0; i < MAX_PAIRS; i++) {
			pair *p = &pairs[i];
			if (p->c < 0)
				continue;
			short cev = fds[1 + 2 * i].revents, uev = fds[2 + 2 * i].revents;
			if (pump(p->c, p->u, &p->up, cev, uev) ||
			    pump(p->u, p->c, &p->down, uev, cev))
				end_pair(p, 1); /* an error on one side: reset both */
			else if (p->up.eof && p->down.eof && !p->up.len && !p->down.len)
				end_pair(p, 0); /* both halves ended cleanly */
		}
		if (fds[0].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
			if (c < 0)
				continue;
			int port, u = connect_next(&port);
			if (u < 0) {
				fputs("lbproxy: no backend takes the connection: reset\n", stderr);
				drop(&c, 1);
				continue;
			}
			int i = 0;
			while (pairs[i].c >= 0)
				i++;
			fcntl(u, F_SETFL, fcntl(u, F_GETFL) | O_NONBLOCK);
			pairs[i].c = c;
			pairs[i].u = u;
			pairs[i].up.len = pairs[i].up.off = pairs[i].down.len = pairs[i].down.off =
			    0;
			pairs[i].up.eof = pairs[i].down.eof = 0;
			nconns++;
			fprintf(stderr, "lbproxy: connection %lld to %d\n", nconns, port);
		}
	}
	fprintf(stderr, "lbproxy: %lld connections:", nconns);
	for (int i = 0; i < nbackends; i++)
		fprintf(stderr, " %d took %lld", backends[i], given[i]);
	fputc('\n', stderr);
	return 0;
}
