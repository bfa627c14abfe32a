/*
 * printer — see printer.h.
 */
#include "printer.h"

#include <SDL.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "render.h"

#define PRINTER_DOTS_58 384 /* 48 mm printable at 203 dpi */
#define PRINTER_DOTS_80 576 /* 72 mm */
#define PRINTER_HEIGHT	560 /* the ticket's length in dots (about 70 mm) */
#define PRINTER_IO_MS	3000
#define PRINTER_STATUS_MS 500

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
	int running, quit;
	char device[CONFIG_PATH_LEN];
	render *rd; /* the UI thread's: drawing happens there */
	int w;
	struct {
		uint8_t *p;
		size_t n;
		char code[16];
		uint64_t tap; /* performance counter at the tap (0: none) */
	} q[PRINTER_QUEUE];
	int head, count;
	printer_state state;
} pr = {.mu = PTHREAD_MUTEX_INITIALIZER};

const char *printer_state_name(printer_state s)
{
	switch (s) {
	case PRINTER_NONE: return "";
	case PRINTER_OK: return "ok";
	case PRINTER_OFFLINE: return "offline";
	case PRINTER_NO_PAPER: return "no paper";
	}
	return "?";
}

/* --- the bytes ------------------------------------------------------------ */

int printer_escpos(const uint8_t *rgb, int w, int h, uint8_t **out, size_t *len)
{
	int bpr = (w + 7) / 8;
	size_t cap = 2 + (size_t)(h / 255 + 1) * 8 + (size_t)bpr * (size_t)h + 3 + 4;
	uint8_t *b = calloc(1, cap);
	if (!b)
		return -1;
	size_t o = 0;
	b[o++] = 0x1b; /* ESC @: initialise */
	b[o++] = 0x40;
	for (int y0 = 0; y0 < h; y0 += 255) {
		int rows = h - y0 < 255 ? h - y0 : 255;
		/* GS v 0 m xL xH yL yH: a raster bit image, bytes per row and rows */
		b[o++] = 0x1d;
		b[o++] = 0x76;
		b[o++] = 0x30;
		b[o++] = 0;
		b[o++] = (uint8_t)(bpr & 0xff);
		b[o++] = (uint8_t)(bpr >> 8);
		b[o++] = (uint8_t)(rows & 0xff);
		b[o++] = (uint8_t)(rows >> 8);
		for (int y = y0; y < y0 + rows; y++)
			for (int x = 0; x < w; x++) {
				const uint8_t *p = rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
				int lum = (p[0] * 299 + p[1] * 587 + p[2] * 114) / 1000;
				if (lum < 128)
					b[o + (size_t)(y - y0) * (size_t)bpr + (size_t)(x / 8)] |=
					    (uint8_t)(0x80 >> (x % 8));
			}
		o += (size_t)bpr * (size_t)rows;
	}
	b[o++] = 0x1b; /* ESC d 3: feed three lines past the cutter */
	b[o++] = 0x64;
	b[o++] = 3;
	b[o++] = 0x1d; /* GS V 66 0: feed and cut (partial) */
	b[o++] = 0x56;
	b[o++] = 66;
	b[o++] = 0;
	*out = b;
	*len = o;
	return 0;
}

/* --- the device (the worker's) -------------------------------------------- */

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		struct pollfd pf = {fd, POLLOUT, 0};
		if (poll(&pf, 1, PRINTER_IO_MS) <= 0)
			return -1; /* a printer that takes nothing for 3 s is offline */
		ssize_t w = write(fd, p, n);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int tcp_open(const char *hostport)
{
	char host[256];
	snprintf(host, sizeof host, "%s", hostport);
	char *colon = strrchr(host, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return -1;
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return -1;
	struct pollfd pf = {fd, POLLOUT, 0};
	int err = 0;
	socklen_t el = sizeof err;
	if (poll(&pf, 1, PRINTER_IO_MS) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) ||
	    err) {
		close(fd);
		return -1;
	}
	return fd;
}

/* DLE EOT 4 (paper sensor): one byte back; bits 5 and 6 mean paper end.
 * No answer within PRINTER_STATUS_MS: not known, taken as fine. */
static printer_state ask_paper(int fd)
{
	static const uint8_t q[3] = {0x10, 0x04, 0x04};
	if (write_all(fd, q, sizeof q) != 0)
		return PRINTER_OFFLINE;
	struct pollfd pf = {fd, POLLIN, 0};
	uint8_t b;
	if (poll(&pf, 1, PRINTER_STATUS_MS) == 1 && read(fd, &b, 1) == 1 && (b & 0x60))
		return PRINTER_NO_PAPER;
	return PRINTER_OK;
}

/* The bench's figure (make bench, tests/bench/print.sh): how long from
 * the resident's tap to the first byte written to the printer. */
static void log_latency(const char *code, uint64_t tap)
{
	if (!tap)
		return;
	double ms = (double)(SDL_GetPerformanceCounter() - tap) * 1000.0 /
		    (double)SDL_GetPerformanceFrequency();
	log_info("ticket %s at the printer %.1f ms after the tap", code, ms);
}

static printer_state send_ticket(const char *dev, const uint8_t *p, size_t n, const char *code,
				 uint64_t tap)
{
	int fd, status = 0;
	if (!strncmp(dev, "tcp://", 6)) {
		fd = tcp_open(dev + 6);
		status = 1;
	} else if (!strncmp(dev, "/dev/", 5)) {
		fd = open(dev, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		status = 1;
	} else {
		fd = open(dev, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	}
	if (fd < 0)
		return PRINTER_OFFLINE;
	printer_state st = PRINTER_OK;
	if (status)
		st = ask_paper(fd); /* before: an empty printer is not sent a ticket */
	if (st == PRINTER_OK) {
		log_latency(code, tap);
		if (write_all(fd, p, n) != 0)
			st = PRINTER_OFFLINE;
	}
	if (close(fd) != 0 && st == PRINTER_OK)
		st = PRINTER_OFFLINE;
	return st;
}

static void *worker(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&pr.mu);
	for (;;) {
		while (!pr.quit && pr.count == 0)
			pthread_cond_wait(&pr.cv, &pr.mu);
		if (pr.count == 0)
			break; /* quit, and nothing left */
		uint8_t *p = pr.q[pr.head].p;
		size_t n = pr.q[pr.head].n;
		char code[16];
		memcpy(code, pr.q[pr.head].code, sizeof code);
		uint64_t tap = pr.q[pr.head].tap;
		pr.head = (pr.head + 1) % PRINTER_QUEUE;
		pr.count--;
		pthread_mutex_unlock(&pr.mu);
		printer_state st = send_ticket(pr.device, p, n, code, tap);
		free(p);
		pthread_mutex_lock(&pr.mu);
		pr.state = st;
		pthread_cond_broadcast(&pr.cv);
	}
	pthread_mutex_unlock(&pr.mu);
	return NULL;
}

/* --- the UI thread's side ------------------------------------------------- */

int printer_start(const config *cfg, const char *font_dir)
{
	pr.state = PRINTER_NONE;
	if (!cfg->printer.device[0])
		return 0;
	snprintf(pr.device, sizeof pr.device, "%s", cfg->printer.device);
	pr.w = cfg->printer.width_mm == 80 ? PRINTER_DOTS_80 : PRINTER_DOTS_58;
	char err[256];
	pr.rd = rd_open_surface(pr.w, PRINTER_HEIGHT, font_dir, err, sizeof err);
	if (!pr.rd) {
		log_warn("no printed tickets: %s", err);
		return -1;
	}
	pr.quit = 0;
	pr.head = pr.count = 0;
	/* waits on the monotonic clock: a clock set by NTP neither ends
	 * printer_stop's wait early nor stretches it */
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pr.cv, &ca);
	pthread_condattr_destroy(&ca);
	/* the worker takes no signals: they are the UI loop's */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int prc = pthread_create(&pr.th, NULL, worker, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (prc != 0) {
		pthread_cond_destroy(&pr.cv);
		log_warn("no printed tickets: no thread for the printer");
		rd_close(pr.rd);
		pr.rd = NULL;
		return -1;
	}
	pr.running = 1;
	pr.state = PRINTER_OK;
	log_info("printer %s, %d mm paper (%d dots)", pr.device, cfg->printer.width_mm, pr.w);
	return 0;
}

/* One line (or two) of text in box, centred. */
static void line(const char *text, rd_rect box, int max_px, int bold, int rtl, int wrap)
{
	if (!text || !text[0])
		return;
	rd_fit_result f;
	rd_fit(pr.rd, text, box.w, box.h, max_px, 14, bold, rtl || rd_has_rtl(text), wrap, &f);
	rd_draw_fit(pr.rd, &f, box, RD_CENTER, bold, rtl || rd_has_rtl(text), 0x000000, 1);
}

int printer_print(const printer_ticket *t)
{
	if (!pr.running)
		return -1;
	int w = pr.w, m = 8, y = 8;
	rd_clear(pr.rd, 0xFFFFFF);
	struct {
		const char *text;
		int h, px, bold, wrap;
	} rows[] = {
	    {t->site, 44, 30, 1, 1},	   {t->title, 30, 24, 0, 0}, {t->code, 150, 140, 1, 0},
	    {t->category, 64, 28, 1, 1}, {t->seat, 60, 24, 0, 1},  {t->ahead, 32, 24, 0, 0},
	    {t->wait, 56, 24, 0, 1},	   {t->when, 30, 22, 0, 0},
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		line(rows[i].text, (rd_rect){m, y, w - 2 * m, rows[i].h}, rows[i].px, rows[i].bold,
		     t->rtl, rows[i].wrap);
		y += rows[i].h + 4;
		if (i == 2) { /* a rule under the code */
			rd_fill(pr.rd, (rd_rect){m * 4, y, w - 8 * m, 3}, 0x000000);
			y += 10;
		}
	}
	uint8_t *rgb = NULL, *bytes = NULL;
	int rw, rh;
	size_t n = 0;
	int h = y + 8 < PRINTER_HEIGHT ? y + 8 : PRINTER_HEIGHT;
	if (rd_read_rgb(pr.rd, &rgb, &rw, &rh) != 0 || printer_escpos(rgb, rw, h, &bytes, &n) != 0) {
		free(rgb);
		log_warn("ticket %s not printed: cannot draw it", t->code);
		return -1;
	}
	free(rgb);
	pthread_mutex_lock(&pr.mu);
	int full = pr.count == PRINTER_QUEUE;
	if (!full) {
		int tail = (pr.head + pr.count) % PRINTER_QUEUE;
		pr.q[tail].p = bytes;
		pr.q[tail].n = n;
		snprintf(pr.q[tail].code, sizeof pr.q[tail].code, "%s", t->code);
		pr.q[tail].tap = t->tap;
		pr.count++;
		pthread_cond_signal(&pr.cv);
	}
	pthread_mutex_unlock(&pr.mu);
	if (full) {
		log_warn("ticket %s not printed: %d tickets wait for the printer already", t->code,
			 PRINTER_QUEUE);
		free(bytes);
		return -1;
	}
	return 0;
}

int printer_serves(const config *cfg)
{
	int w = cfg->printer.width_mm == 80 ? PRINTER_DOTS_80 : PRINTER_DOTS_58;
	return pr.running && !strcmp(pr.device, cfg->printer.device) && pr.w == w;
}

printer_state printer_get_state(void)
{
	pthread_mutex_lock(&pr.mu);
	printer_state s = pr.state;
	pthread_mutex_unlock(&pr.mu);
	return s;
}

void printer_stop(int ms)
{
	if (!pr.running)
		return;
	pthread_mutex_lock(&pr.mu);
	/* the tickets queued go out first, within ms; then the worker ends */
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (pr.count > 0 && pthread_cond_timedwait(&pr.cv, &pr.mu, &until) == 0)
		;
	int left = pr.count;
	for (; pr.count > 0; pr.count--) { /* what did not go out in time */
		free(pr.q[pr.head].p);
		pr.head = (pr.head + 1) % PRINTER_QUEUE;
	}
	pr.quit = 1;
	pthread_cond_signal(&pr.cv);
	pthread_mutex_unlock(&pr.mu);
	pthread_join(pr.th, NULL); /* at most one ticket in flight, bounded by its I/O timeouts */
	if (left)
		log_warn("%d tickets were not printed: the printer took too long", left);
	rd_close(pr.rd);
	pr.rd = NULL;
	pr.running = 0;
	pr.state = PRINTER_NONE;
	pthread_cond_destroy(&pr.cv);
}
