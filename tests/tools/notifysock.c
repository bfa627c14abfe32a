/*
 * notifysock — a stand-in for systemd's notification socket, for the
 * black-box test of READY=1 and the watchdog pings (svc.h).
 *
 *   notifysock PATH SECONDS
 *
 * Binds a Unix datagram socket at PATH (the test gives it to a program as
 * NOTIFY_SOCKET), then writes each datagram it receives as one line on
 * stdout (the newlines between assignments become spaces), flushed, so a
 * test can wait for "READY=1" and "WATCHDOG=1". It exits 0 after SECONDS
 * (a bound on the test) or at SIGTERM, and removes PATH.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fputs("usage: notifysock PATH SECONDS\n", stderr);
		return 64;
	}
	char *end;
	long secs = strtol(argv[2], &end, 10);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (*end || secs < 1 || strlen(argv[1]) >= sizeof sa.sun_path) {
		fputs("notifysock: bad PATH or SECONDS\n", stderr);
		return 64;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	struct sigaction act;
	memset(&act, 0, sizeof act);
	act.sa_handler = on_term;
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unlink(sa.sun_path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		fprintf(stderr, "notifysock: %s: %s\n", argv[1], strerror(errno));
		return 71;
	}
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = secs * 1000 - ((t.tv_sec - t0.tv_sec) * 1000 +
					   (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			break;
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, left > 200 ? 200 : (int)left) <= 0)
			continue;
		char buf[4096];
		ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n')
				buf[i] = ' ';
		printf("%s\n", buf);
		fflush(stdout);
	}
	close(fd);
	unlink(sa.sun_path);
	return 0;
}
