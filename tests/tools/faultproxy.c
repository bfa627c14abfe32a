/*
 * faultproxy — an HTTP/1.1-aware TCP proxy that breaks things on purpose,
 * between loket-syncd and loket-central in the black-box tests.
 *
 *   faultproxy --listen PORT --target PORT [--seed N] [--rate P]
 *              [--faults LIST] [--max-delay-ms MS] [--stats FILE]
 *
 * Each request (not each connection: syncd keeps its connection alive) is
 * faulted with probability P (default 0.3), the kind drawn uniformly from
 * LIST (default: all of them):
 *
 *   refuse      reset this connection and stop listening for 0.2-2 s
 *               (new connections are refused meanwhile)
 *   reset-req   forward part of the request upstream, then reset both sides
 *   reset-resp  forward the request, then part of the answer, then reset
 *   delay       hold the request 50 ms .. max-delay-ms, then go on
 *   stall       forward the request, never answer (until the client gives up)
 *   truncate    forward the request, then part of the answer, then close
 *   e500        answer 500 itself (the central office never sees it)
 *   e503, e429  answer 503 / 429 with Retry-After: 0..2 itself
 *   drop        forward the request, read the whole answer, then reset the
 *               client: the central office stored the batch, syncd never
 *               heard
 *   lie         (only when listed) forward the request, answer 200 with an
 *               acked_through far beyond anything sent: a lying central
 *   lie-low     (only when listed) forward the request, answer 200 with
 *               acked_through 0: a central that takes a batch and makes no
 *               progress
 *
 * The choices come from one PRNG seeded with --seed, so a run's sequence of
 * faults is reproducible. SIGUSR1 turns faults off (pass-through), SIGUSR2
 * on again; SIGTERM/SIGINT exit after writing the counters (requests,
 * faults of each kind, bytes each way) to --stats FILE and stderr.
 *
 * One thread, one poll loop. Requests and answers are buffered whole
 * (store-and-forward), which is what makes cutting them at a chosen byte
 * simple; each buffer has a hard cap (64 MiB).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 64
#define BUF_CAP	  (64u << 20)

enum {
	F_NONE,
	F_REFUSE,
	F_RESET_REQ,
	F_RESET_RESP,
	F_DELAY,
	F_STALL,
	F_TRUNCATE,
	F_E500,
	F_E503,
	F_E429,
	F_DROP,
	F_LIE,
	F_LIE_LOW,
	F_COUNT
};
static const char *const fault_names[F_COUNT] = {"none",  "refuse", "reset-req", "reset-resp",
						 "delay", "stall",  "truncate",	 "e500",
						 "e503",  "e429",   "drop",	 "lie",
						 "lie-low"};

typedef struct {
	char *p;
	size_t len, cap;
} buf;

enum { S_REQ, S_HOLD, S_UP, S_RESP, S_DOWN, S_STALL };

typedef struct {
	int c, u; /* client and upstream sockets, -1 when closed */
	int state, fault;
	buf in; /* request bytes from the client */
	buf up; /* pending to upstream */
	size_t up_off;
	buf resp; /* answer bytes from upstream */
	buf down; /* pending to the client */
	size_t down_off;
	size_t req_len; /* 0 until the request's headers are complete */
	size_t cut;	/* where reset-req cuts the request */
	int64_t hold_until;
	int after_down; /* 0 keep alive, 1 close, 2 reset */
	int up_eof;
} pconn;

static pconn conns[MAX_CONNS];
static int nconns;
static int listen_fd = -1, listen_port, target_port;
static int64_t listen_back_at; /* refuse: when to listen again, 0 = listening */
static double rate = 0.3;
static int enabled[F_COUNT];
static int max_delay_ms = 2000;
static uint64_t rng;
static volatile sig_atomic_t got_term, faults_on = 1;
static const char *stats_path;
static long long st_requests, st_conns, st_faults[F_COUNT], st_bytes_in, st_bytes_out;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
static int64_t rnd_range(int64_t lo, int64_t hi) /* [lo, hi] */
{
	return hi <= lo ? lo : lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		faults_on = 0;
	else if (sig == SIGUSR2)
		faults_on = 1;
	else
		got_term = 1;
}

static int buf_add(buf *b, const char *p, size_t n)
{
	if (b->len + n > BUF_CAP)
		return -1;
	if (b->len + n > b->cap) {
		size_t c = b->cap ? b->cap : 16384;
		while (c < b->len + n)
			c *= 2;
		char *q = realloc(b->p, c);
		if (!q)
			return -1;
		b->p = q;
		b->cap = c;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}
static void buf_drop(buf *b, size_t n) /* removes the first n bytes */
{
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void close_fd(int *fd, int reset)
{
	if (*fd < 0)
		return;
	if (reset) {
		struct linger l = {1, 0}; /* close sends RST */
		setsockopt(*fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	}
	close(*fd);
	*fd = -1;
}

static void conn_free(pconn *k, int reset)
{
	close_fd(&k->c, reset);
	close_fd(&k->u, reset);
	free(k->in.p);
	free(k->up.p);
	free(k->resp.p);
	free(k->down.p);
	*k = conns[--nconns];
	memset(&conns[nconns], 0, sizeof conns[nconns]);
}

static int open_listener(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)listen_port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 64) < 0) {
		close(fd);
		return -1;
	}
	set_nonblock(fd);
	return fd;
}

static int connect_upstream(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)target_port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Loopback: a blocking connect answers at once (or is refused). */
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	set_nonblock(fd);
	return fd;
}

static int pick_fault(void)
{
	if (!faults_on || (double)(rnd() % 1000000) / 1e6 >= rate)
		return F_NONE;
	int kinds[F_COUNT], n = 0;
	for (int f = 1; f < F_COUNT; f++)
		if (enabled[f])
			kinds[n++] = f;
	return n ? kinds[rnd() % (uint64_t)n] : F_NONE;
}

/* Finds the end of the header block; returns its length or 0. */
static size_t header_end(const buf *b)
{
	if (b->len < 4)
		return 0;
	for (size_t i = 0; i + 3 < b->len; i++)
		if (!memcmp(b->p + i, "\r\n\r\n", 4))
			return i + 4;
	return 0;
}

/* The value of header name in the header block [0, hlen), or NULL. */
static const char *header_val(const buf *b, size_t hlen, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i + nl + 1 < hlen; i++) {
		if ((i == 0 || b->p[i - 1] == '\n') && !strncasecmp(b->p + i, name, nl) &&
		    b->p[i + nl] == ':') {
			size_t j = i + nl + 1;
			while (j < hlen && b->p[j] == ' ')
				j++;
			size_t k = j;
			while (k < hlen && b->p[k] != '\r')
				k++;
			*vlen = k - j;
			return b->p + j;
		}
	}
	return NULL;
}

/* Length of the complete message at the start of b: 0 if not complete
 * yet, (size_t)-1 if it ends only when the peer closes. */
static size_t message_len(const buf *b, int is_response)
{
	size_t h = header_end(b), vl;
	if (!h)
		return 0;
	/* 1xx, 204 and 304 answers have no body (RFC 9112, 6.3) */
	if (is_response && b->len >= 12 && !memcmp(b->p, "HTTP/1.", 7) &&
	    (b->p[9] == '1' || !memcmp(b->p + 9, "204", 3) || !memcmp(b->p + 9, "304", 3)))
		return h;
	const char *v = header_val(b, h, "Content-Length", &vl);
	if (v) {
		size_t n = (size_t)strtoull(v, NULL, 10);
		return b->len >= h + n ? h + n : 0;
	}
	v = header_val(b, h, "Transfer-Encoding", &vl);
	if (v && vl >= 7 && !strncasecmp(v, "chunked", 7)) {
		for (size_t i = h; i + 4 < b->len + 1; i++)
			if (i + 5 <= b->len && !memcmp(b->p + i, "0\r\n\r\n", 5) &&
			    (i == h || b->p[i - 1] == '\n'))
				return i + 5;
		return 0;
	}
	return is_response ? (size_t)-1 : h; /* a request without a body */
}

static int wants_close(const buf *b)
{
	size_t h = header_end(b), vl;
	const char *v = h ? header_val(b, h, "Connection", &vl) : NULL;
	return v && vl >= 5 && !strncasecmp(v, "close", 5);
}

static void start_request(pconn *k)
{
	k->state = S_REQ;
	k->fault = pick_fault();
	k->req_len = 0;
	k->cut = 0;
	k->after_down = 0;
}

static void canned(pconn *k, int code)
{
	char msg[256];
	const char *text = code == 500	 ? "Internal Server Error"
			   : code == 503 ? "Service Unavailable"
					 : "Too Many Requests";
	char ra[32] = "";
	if (code != 500)
		snprintf(ra, sizeof ra, "Retry-After: %d\r\n", (int)rnd_range(0, 2));
	int n = snprintf(msg, sizeof msg,
			 "HTTP/1.1 %d %s\r\n%sContent-Type: application/json\r\n"
			 "Content-Length: 17\r\nConnection: close\r\n\r\n{\"error\":\"proxy\"}",
			 code, text, ra);
	k->down.len = 0;
	k->down_off = 0;
	buf_add(&k->down, msg, (size_t)n);
	k->after_down = 1;
	k->state = S_DOWN;
}

/* The whole request is in k->in: act on the fault chosen for it. */
static int request_complete(pconn *k, int64_t now)
{
	st_requests++;
	st_faults[k->fault]++;
	switch (k->fault) {
	case F_E500:
		canned(k, 500);
		buf_drop(&k->in, k->req_len);
		return 0;
	case F_E503:
		canned(k, 503);
		buf_drop(&k->in, k->req_len);
		return 0;
	case F_E429:
		canned(k, 429);
		buf_drop(&k->in, k->req_len);
		return 0;
	case F_DELAY:
		k->hold_until = now + rnd_range(50, max_delay_ms);
		k->state = S_HOLD;
		return 0;
	default: break;
	}
	if (k->u < 0) {
		k->u = connect_upstream();
		k->up_eof = 0;
		if (k->u < 0)
			return -1; /* central is down: the client sees a reset */
	}
	k->up.len = 0;
	k->up_off = 0;
	if (buf_add(&k->up, k->in.p, k->req_len))
		return -1;
	buf_drop(&k->in, k->req_len);
	k->resp.len = 0;
	k->state = S_UP;
	return 0;
}

/* The whole answer is in k->resp (len bytes): act on the fault. */
static int response_complete(pconn *k, size_t len)
{
	int close_after = wants_close(&k->resp) || len == (size_t)-1;
	if (len == (size_t)-1)
		len = k->resp.len;
	k->down.len = 0;
	k->down_off = 0;
	switch (k->fault) {
	case F_DROP: return -1;
	case F_LIE:
	case F_LIE_LOW: {
		/* The central office's answer replaced by a 200 that lies. */
		static const char high[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
					   "Content-Length: 27\r\n\r\n{\"acked_through\":999999999}";
		static const char low[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
					  "Content-Length: 19\r\n\r\n{\"acked_through\":0}";
		k->resp.len = 0;
		if (k->fault == F_LIE)
			buf_add(&k->down, high, sizeof high - 1);
		else
			buf_add(&k->down, low, sizeof low - 1);
		k->after_down = close_after;
		k->state = S_DOWN;
		return 0;
	}
	case F_STALL:
		k->state = S_STALL;
		close_fd(&k->u, 0);
		return 0;
	case F_TRUNCATE:
	case F_RESET_RESP:
		len = (size_t)rnd_range(1, len > 1 ? (int64_t)len - 1 : 1);
		k->after_down = k->fault == F_TRUNCATE ? 1 : 2;
		break;
	default: k->after_down = close_after; break;
	}
	if (buf_add(&k->down, k->resp.p, len))
		return -1;
	buf_drop(&k->resp, len <= k->resp.len ? len : k->resp.len);
	k->state = S_DOWN;
	return 0;
}

/* Returns -1 when the connection must be reset and freed, 1 for a clean
 * close, 0 to keep it. */
static int conn_io(pconn *k, short crev, short urev, int64_t now)
{
	char tmp[65536];
	if (crev & (POLLIN | POLLHUP | POLLERR)) {
		ssize_t n = read(k->c, tmp, sizeof tmp);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return 1; /* client gone */
		if (n > 0) {
			st_bytes_in += n;
			if (buf_add(&k->in, tmp, (size_t)n))
				return -1;
		}
	}
	if (k->u >= 0 && (urev & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t n = read(k->u, tmp, sizeof tmp);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			close_fd(&k->u, 0);
			k->up_eof = 1;
		} else if (n > 0 && buf_add(&k->resp, tmp, (size_t)n)) {
			return -1;
		}
	}
	for (;;) {
		int before = k->state;
		switch (k->state) {
		case S_REQ:
			if (k->in.len == 0)
				break;
			if (k->fault == F_REFUSE) {
				st_faults[F_REFUSE]++;
				st_requests++;
				if (listen_fd >= 0) {
					close(listen_fd);
					listen_fd = -1;
					listen_back_at = now + rnd_range(200, 2000);
				}
				return -1;
			}
			if (!k->req_len) {
				size_t m = message_len(&k->in, 0);
				if (m)
					k->req_len = m;
				if (k->fault == F_RESET_REQ && !k->cut) {
					size_t h = header_end(&k->in);
					if (h)
						k->cut =
						    (size_t)rnd_range(1, (int64_t)(m ? m - 1 : h));
				}
			}
			if (k->fault == F_RESET_REQ && k->cut && k->in.len >= k->cut) {
				st_requests++;
				st_faults[F_RESET_REQ]++;
				if (k->u < 0)
					k->u = connect_upstream();
				if (k->u >= 0) {
					ssize_t w = write(k->u, k->in.p, k->cut);
					(void)w;
				}
				return -1;
			}
			if (k->req_len && k->in.len >= k->req_len && request_complete(k, now))
				return -1;
			break;
		case S_HOLD:
			if (now < k->hold_until)
				break;
			k->fault = F_NONE; /* the delay was the fault */
			st_requests--;	   /* counted once, in request_complete */
			if (request_complete(k, now))
				return -1;
			break;
		case S_UP:
			if (k->u < 0)
				return -1;
			while (k->up_off < k->up.len) {
				ssize_t w = write(k->u, k->up.p + k->up_off, k->up.len - k->up_off);
				if (w < 0 && errno == EAGAIN)
					break;
				if (w <= 0)
					return -1;
				k->up_off += (size_t)w;
			}
			if (k->up_off == k->up.len)
				k->state = S_RESP;
			break;
		case S_RESP: {
			size_t m = message_len(&k->resp, 1);
			if (m && m != (size_t)-1)
				return response_complete(k, m) ? -1 : 0;
			if (k->up_eof) {
				if (m == (size_t)-1)
					return response_complete(k, m) ? -1 : 0;
				return -1; /* central died mid-answer */
			}
			break;
		}
		case S_DOWN:
			while (k->down_off < k->down.len) {
				ssize_t w =
				    write(k->c, k->down.p + k->down_off, k->down.len - k->down_off);
				if (w < 0 && errno == EAGAIN)
					break;
				if (w <= 0)
					return -1;
				k->down_off += (size_t)w;
				st_bytes_out += w;
			}
			if (k->down_off < k->down.len)
				break;
			if (k->after_down == 2)
				return -1;
			if (k->after_down == 1)
				return 1;
			start_request(k);
			break;
		case S_STALL: break;
		}
		if (k->state == before)
			break;
	}
	return 0;
}

static void write_stats(void)
{
	char line[1024];
	int n = snprintf(line, sizeof line,
			 "connections %lld requests %lld bytes_in %lld bytes_out %lld faults",
			 st_conns, st_requests, st_bytes_in, st_bytes_out);
	for (int f = 1; f < F_COUNT; f++)
		n += snprintf(line + n, sizeof line - (size_t)n, " %s=%lld", fault_names[f],
			      st_faults[f]);
	fprintf(stderr, "faultproxy: %s\n", line);
	if (stats_path) {
		FILE *f = fopen(stats_path, "w");
		if (f) {
			fprintf(f, "%s\n", line);
			fclose(f);
		}
	}
}

static long num(const char *s, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 0) {
		fprintf(stderr, "faultproxy: bad %s \"%s\"\n", what, s);
		exit(64);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
					     {"target", required_argument, NULL, 't'},
					     {"seed", required_argument, NULL, 's'},
					     {"rate", required_argument, NULL, 'r'},
					     {"faults", required_argument, NULL, 'f'},
					     {"max-delay-ms", required_argument, NULL, 'd'},
					     {"stats", required_argument, NULL, 'S'},
					     {NULL, 0, NULL, 0}};
	const char *faults = NULL;
	int c;
	rng = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': listen_port = (int)num(optarg, "port"); break;
		case 't': target_port = (int)num(optarg, "port"); break;
		case 's': rng = (uint64_t)num(optarg, "seed"); break;
		case 'r': rate = strtod(optarg, NULL); break;
		case 'f': faults = optarg; break;
		case 'd': max_delay_ms = (int)num(optarg, "delay"); break;
		case 'S': stats_path = optarg; break;
		default:
			fputs("usage: faultproxy --listen PORT --target PORT [--seed N] [--rate P] "
			      "[--faults a,b,...] [--max-delay-ms MS] [--stats FILE]\n",
			      stderr);
			return 64;
		}
	}
	if (!listen_port || !target_port) {
		fputs("faultproxy: --listen and --target are required\n", stderr);
		return 64;
	}
	for (int f = 1; f < F_COUNT; f++)
		enabled[f] = faults == NULL && f != F_LIE && f != F_LIE_LOW;
	if (faults) {
		char list[512];
		snprintf(list, sizeof list, "%s", faults);
		for (char *p = list, *comma; p && *p; p = comma ? comma + 1 : NULL) {
			comma = strchr(p, ',');
			if (comma)
				*comma = '\0';
			int found = 0;
			for (int f = 1; f < F_COUNT; f++)
				if (!strcmp(p, fault_names[f]))
					enabled[f] = found = 1;
			if (!found && strcmp(p, "none")) {
				fprintf(stderr, "faultproxy: unknown fault \"%s\"\n", p);
				return 64;
			}
		}
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	listen_fd = open_listener();
	if (listen_fd < 0) {
		fprintf(stderr, "faultproxy: cannot listen on 127.0.0.1:%d: %s\n", listen_port,
			strerror(errno));
		return 71;
	}
	fprintf(stderr, "faultproxy: 127.0.0.1:%d -> 127.0.0.1:%d, rate %.2f, seed %llu\n",
		listen_port, target_port, rate, (unsigned long long)rng);

	struct pollfd pf[1 + 2 * MAX_CONNS];
	while (!got_term) {
		int64_t now = now_ms();
		if (listen_fd < 0 && now >= listen_back_at) {
			listen_fd = open_listener();
			if (listen_fd < 0)
				listen_back_at = now + 100;
		}
		int timeout = 1000;
		if (listen_fd < 0)
			timeout = (int)(listen_back_at - now) + 1;
		int np = 0;
		if (listen_fd >= 0)
			pf[np++] = (struct pollfd){listen_fd, POLLIN, 0};
		int base = np;
		for (int i = 0; i < nconns; i++) {
			pconn *k = &conns[i];
			short ce = k->state == S_DOWN && k->down_off < k->down.len ? POLLOUT : 0;
			pf[np++] = (struct pollfd){k->c, (short)(POLLIN | ce), 0};
			short ue = k->state == S_UP ? POLLOUT : 0;
			pf[np++] = (struct pollfd){k->u, (short)(POLLIN | ue), 0};
			if (k->state == S_HOLD) {
				int t = (int)(k->hold_until - now);
				if (t < timeout)
					timeout = t < 0 ? 0 : t;
			}
		}
		int r = poll(pf, (nfds_t)np, timeout);
		if (r < 0 && errno != EINTR)
			break;
		now = now_ms();
		int n0 = nconns;
		/* Walk backwards: conn_free moves the last connection into the hole. */
		for (int i = n0 - 1; i >= 0; i--) {
			short crev = pf[base + 2 * i].revents, urev = pf[base + 2 * i + 1].revents;
			int rc = conn_io(&conns[i], crev, urev, now);
			if (rc)
				conn_free(&conns[i], rc < 0);
		}
		if (listen_fd >= 0 && base && (pf[0].revents & POLLIN)) {
			int fd;
			while ((fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
				st_conns++;
				if (nconns == MAX_CONNS) {
					close_fd(&fd, 1);
					continue;
				}
				set_nonblock(fd);
				pconn *k = &conns[nconns++];
				memset(k, 0, sizeof *k);
				k->c = fd;
				k->u = -1;
				start_request(k);
			}
		}
	}
	write_stats();
	while (nconns)
		conn_free(&conns[0], 0);
	if (listen_fd >= 0)
		close(listen_fd);
	return 0;
}
