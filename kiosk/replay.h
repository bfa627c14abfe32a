/*
 * replay — the kiosk's test hook (docs/kiosk.md, "Test hooks"):
 * a script of input, one command a line, run through the same event loop
 * as a person's taps:
 *
 *   tap X Y            press and release at X, Y (pixels of the window)
 *   tap-id ID          the same at the centre of the visible control ID
 *   long-press X Y MS  press, hold MS milliseconds, release
 *   wait MS            let MS milliseconds pass (timers, other processes)
 *   wait-file PATH     run the loop until PATH exists (at most 30 s): the
 *                      test's cue that it did something (a signal sent)
 *   key NAME           a key by SDL name: Return, Escape, L, 1, Backspace
 *   text STRING        typed text (the rest of the line)
 *   shot FILE.png      a screenshot of the current frame
 *   dump FILE.json     the visible controls: id, label, rect, text_rect, tap,
 *                      fg, bg, px
 *   quit               stop here
 *
 * Blank lines and lines starting with # are ignored. Time in a replay is
 * virtual: it moves only during `wait` and `long-press`, so guard times and
 * timeouts behave the same on a slow machine. A failing command (unknown
 * id, unwritable file) is reported with its line number; the script goes on
 * and the exit status is 1.
 */
#ifndef KIOSK_REPLAY_H
#define KIOSK_REPLAY_H

#include <stddef.h>

struct app;
typedef struct replay replay;

/* Reads and parses the script; NULL with a message naming the line. */
replay *replay_load(const char *path, char *err, size_t errlen);
void replay_free(replay *r);

/* Runs the script; returns 0 if every command worked, else 1. */
int replay_run(replay *r, struct app *a);

#endif
