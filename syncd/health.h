/*
 * health — the site's heartbeat for the central office (docs/protocol.md,
 * "Heartbeat"): what the office needs to tell a closed site from a dead
 * one and to say in plain words what is wrong. Sent by syncd every
 * sync.heartbeat_seconds, also when it has nothing to send.
 */
#ifndef SYNCD_HEALTH_H
#define SYNCD_HEALTH_H

#include <stdint.h>

#include "config.h"
#include "store.h"

/* The heartbeat's JSON (malloc'ed, the caller frees) at wall-clock now_ms:
 * software and configuration version, backlog and the age of the oldest
 * unsent event, free and total disk where the database lives, each kiosk
 * view's last sign of life and whether it runs, the last sync error and
 * its kind, the site's clock. NULL if the store cannot be read (err says
 * why) or on out of memory. */
char *sync_health_json(const config *cfg, store *st, int64_t now_ms, char *err, size_t errlen);

#endif
