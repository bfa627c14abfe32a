/*
 * log — see log.h. Each line is formatted into one buffer and written with
 * a single write(2), so lines from several threads or processes sharing a
 * stderr never interleave mid-line.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static const char *log_prog = "loket";
static log_level log_min = LOG_INFO;

void log_init(const char *progname)
{
	const char *slash = strrchr(progname, '/');
	log_prog = slash ? slash + 1 : progname;
	const char *env = getenv("LOKET_LOG");
	if (env) {
		if (!strcasecmp(env, "debug"))
			log_min = LOG_DEBUG;
		else if (!strcasecmp(env, "info"))
			log_min = LOG_INFO;
		else if (!strcasecmp(env, "warn"))
			log_min = LOG_WARN;
		else if (!strcasecmp(env, "error"))
			log_min = LOG_ERROR;
	}
}

void log_set_level(log_level level)
{
	log_min = level;
}
log_level log_get_level(void)
{
	return log_min;
}

void log_msg(log_level level, const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	if (level < log_min)
		return;
	char line[2048];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof line,
			 "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 ts.tv_nsec / 1000000, log_prog, names[level]);
	if (n < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	size_t len = strlen(line);
	/* A message must stay one line: fold embedded newlines. */
	for (size_t i = (size_t)n; i < len; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}
