/*
 * log — one line per event on stderr, with a level and the program's name.
 *
 *   2026-11-22T10:15:03.123Z loket-syncd warn: central answered 503, retry in 4 s
 *
 * Never pass a secret (a token, a PIN) to these functions. The level is set
 * once at start-up (LOKET_LOG=debug|info|warn|error overrides it).
 */
#ifndef LOKET_LOG_H
#define LOKET_LOG_H

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

void log_init(const char *progname);
void log_set_level(log_level level);
log_level log_get_level(void);
void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
