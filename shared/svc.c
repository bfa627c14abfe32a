/*
 * svc — sd_notify for loket's services (see svc.h). One watchdog per
 * process: the state is this file's, read once from the environment.
 */
#include "svc.h"

#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "log.h"

static int wd_state; /* 0: not read yet, 1: on, -1: off */
static int64_t wd_every_ms, wd_next_ms;

void svc_ready(const char *status)
{
	char msg[256];
	snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", status ? status : "running");
	if (sd_notify(0, msg) > 0)
		log_info("told systemd: ready");
}

void svc_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

int64_t svc_watchdog_tick(int64_t now_ms)
{
	if (wd_state == 0) {
		uint64_t usec = 0;
		wd_state = sd_watchdog_enabled(0, &usec) > 0 && usec > 0 ? 1 : -1;
		if (wd_state > 0) {
			wd_every_ms = (int64_t)(usec / 2000);
			if (wd_every_ms < 1)
				wd_every_ms = 1;
			wd_next_ms = now_ms;
			log_info("watchdog: systemd wants a sign every %lld ms, pinging every %lld ms",
				 (long long)(usec / 1000), (long long)wd_every_ms);
		}
	}
	if (wd_state < 0)
		return -1;
	if (now_ms >= wd_next_ms) {
		sd_notify(0, "WATCHDOG=1");
		wd_next_ms = now_ms + wd_every_ms;
	}
	return wd_next_ms - now_ms;
}
