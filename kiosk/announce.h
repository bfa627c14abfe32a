/*
 * announce — the announcement queue of the display views: every call and
 * recall is chimed and said once, in commit order, one after the other
 * (the design, and the test hook LOKET_ANNOUNCE_LOG, are in announce.c).
 * app.c fills the queue when it refreshes the model and forgets it when
 * the view stops being a display; loop.c plays it from its timers.
 */
#ifndef KIOSK_ANNOUNCE_H
#define KIOSK_ANNOUNCE_H

#include <stdint.h>

struct app;

/* Takes the calls the store committed since the last look into the queue;
 * now (app time) is when they were first seen. */
void announce_fetch(struct app *a, int64_t now);
/* Plays the queue; returns ms until it wants to look again, or -1. */
int64_t announce_step(struct app *a, int64_t now);
/* Forgets the queue (the view stops being a display). */
void announce_reset(struct app *a);

#endif
