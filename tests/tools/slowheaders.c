/*
 * slowheaders — a slowloris for tests: holds many connections to a server
 * from given source addresses, each sending its request headers one byte
 * every few seconds, and never finishing them. A connection the server
 * closes is opened again after the interval. Bounded: it exits by itself
 * after --seconds, closing everything.
 *
 *   slowheaders --target 127.0.0.1:PORT --from 127.0.0.2 [--from ...]
 *               [--conns 256] [--interval-ms 3000] [--seconds 15]
 *
 * Prints one line at the end (stdout): "opened N closed_by_server M
 * lived_longest_ms L held_max H", where H is the most connections open at
 * once (from all source addresses) and L the longest a connection lived
 * before the server closed it. Exit 0, or 2 on bad arguments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FROM  8
#define MAX_CONNS 1024 /* per source address */

typedef struct {
	int fd;
	size_t sent;	  /* bytes of the request sent so far */
	int64_t opened;	  /* ms */
	int64_t next;	  /* ms: next byte, or next reconnect when fd < 0 */
} slot;

static const char REQ[] = "GET /healthz HTTP/1.1\r\nHost: loket\r\nX-Slow: "
			  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int open_from(const struct sockaddr_in *from, const struct sockaddr_in *to)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (const struct sockaddr *)from, sizeof *from) ||
	    (connect(fd, (const struct sockaddr *)to, sizeof *to) && errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A whole number in [lo, hi], or -1. */
static long number(const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	return errno || end == s || *end || v < lo || v > hi ? -1 : v;
}

static int usage(void)
{
	fprintf(stderr, "usage: slowheaders --target IP:PORT --from IP [--from IP ...] "
			"[--conns N] [--interval-ms MS] [--seconds S]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = {.sin_family = AF_INET}, from[MAX_FROM];
	int nfrom = 0, conns = 256, interval = 3000, seconds = 15, have_to = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (!strcmp(k, "--target")) {
			char host[64];
			const char *colon = strrchr(v, ':');
			if (!colon || colon - v >= (long)sizeof host)
				return usage();
			snprintf(host, sizeof host, "%.*s", (int)(colon - v), v);
			if (inet_pton(AF_INET, host, &to.sin_addr) != 1)
				return usage();
			long port = number(colon + 1, 1, 65535);
			if (port < 0)
				return usage();
			to.sin_port = htons((uint16_t)port);
			have_to = 1;
		} else if (!strcmp(k, "--from") && nfrom < MAX_FROM) {
			memset(&from[nfrom], 0, sizeof from[nfrom]);
			from[nfrom].sin_family = AF_INET;
			if (inet_pton(AF_INET, v, &from[nfrom].sin_addr) != 1)
				return usage();
			nfrom++;
		} else if (!strcmp(k, "--conns")) {
			conns = (int)number(v, 1, MAX_CONNS);
		} else if (!strcmp(k, "--interval-ms")) {
			interval = (int)number(v, 10, 600000);
		} else if (!strcmp(k, "--seconds")) {
			seconds = (int)number(v, 1, 600);
		} else {
			return usage();
		}
	}
	if (!have_to || !nfrom || conns < 1 || conns > MAX_CONNS || interval < 10 ||
	    seconds < 1 || seconds > 600)
		return usage();
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	int n = nfrom * conns;
	slot *s = calloc((size_t)n, sizeof *s);
	struct pollfd *p = calloc((size_t)n, sizeof *p);
	if (!s || !p)
		return 1;
	int64_t t0 = now_ms(), end = t0 + (int64_t)seconds * 1000;
	long long opened = 0, closed = 0;
	int64_t longest = 0;
	int held_max = 0;
	for (int i = 0; i < n; i++) {
		s[i].fd = -1;
		s[i].next = t0 + (int64_t)i * 2; /* spread the openings a little */
	}
	while (now_ms() < end) {
		int64_t now = now_ms();
		int held = 0;
		for (int i = 0; i < n; i++) {
			if (s[i].fd < 0 && now >= s[i].next) {
				s[i].fd = open_from(&from[i / conns], &to);
				s[i].sent = 0;
				s[i].opened = now;
				s[i].next = now + (s[i].fd < 0 ? interval : 50);
				if (s[i].fd >= 0)
					opened++;
			} else if (s[i].fd >= 0 && now >= s[i].next &&
				   s[i].sent + 1 < sizeof REQ - 1) {
				ssize_t w = send(s[i].fd, REQ + s[i].sent, 1, MSG_NOSIGNAL);
				if (w == 1)
					s[i].sent++;
				s[i].next = now + interval;
			}
			p[i].fd = s[i].fd;
			p[i].events = POLLIN;
			p[i].revents = 0;
			held += s[i].fd >= 0;
		}
		if (held > held_max)
			held_max = held;
		if (poll(p, (nfds_t)n, 100) > 0) {
			now = now_ms();
			for (int i = 0; i < n; i++) {
				if (s[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				char b[512];
				ssize_t r = recv(s[i].fd, b, sizeof b, 0);
				if (r > 0)
					continue; /* an answer (an error page): read, keep going */
				if (r < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
				close(s[i].fd);
				s[i].fd = -1;
				closed++;
				if (now - s[i].opened > longest)
					longest = now - s[i].opened;
				s[i].next = now + interval;
			}
		}
	}
	for (int i = 0; i < n; i++)
		if (s[i].fd >= 0)
			close(s[i].fd);
	printf("opened %lld closed_by_server %lld lived_longest_ms %lld held_max %d\n", opened,
	       closed, (long long)longest, held_max);
	free(s);
	free(p);
	return 0;
}
