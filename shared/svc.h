/*
 * svc — telling systemd how a long-running program is doing (sd_notify,
 * libsystemd): READY=1 once it serves, WATCHDOG=1 from its main loop,
 * STOPPING=1 when it begins to stop.
 *
 * The watchdog is pinged from the loop's own timer path, never from a
 * thread of its own: a loop that hangs stops the pings and systemd
 * (WatchdogSec= in the unit) kills and restarts the program. The pings
 * come at half the interval systemd asks for (sd_watchdog_enabled).
 * Without systemd (NOTIFY_SOCKET unset, no WATCHDOG_USEC) every call does
 * nothing and svc_watchdog_tick answers -1.
 */
#ifndef LOKET_SVC_H
#define LOKET_SVC_H

#include <stdint.h>

/* READY=1 with a STATUS= line (what the program serves). */
void svc_ready(const char *status);
/* STOPPING=1. */
void svc_stopping(void);
/* Pings the watchdog when a ping is due at now_ms (monotonic ms); returns
 * the ms until the next ping is due, or -1 when no watchdog is asked for.
 * The first call reads WATCHDOG_USEC and pings at once. */
int64_t svc_watchdog_tick(int64_t now_ms);

#endif
