/*
 * printer — the printed ticket (docs/kiosk.md, "Printed tickets").
 *
 * Residents forget a code they only saw on a screen. With a "printer" in
 * the site configuration, every ticket is also printed: the site's name,
 * "Your number", the code very large, the kind of help, "please take a
 * seat" in the resident's language, people ahead, the estimated wait and
 * the time. The text is drawn with the kiosk's own fonts and shaping
 * (render.h, off screen) and sent as an ESC/POS raster image, so Arabic,
 * Ukrainian and Turkish come out right on any printer; then a cut.
 *
 * Printing never delays the screen: the raster is drawn on the UI thread
 * (a few milliseconds) and the bytes go to a worker thread through a
 * bounded queue (PRINTER_QUEUE tickets; a full queue drops the ticket and
 * says so). The worker opens the device per ticket:
 *
 *   /dev/...          a USB line printer (usblp): written, then asked its
 *                     paper status (DLE EOT 4)
 *   tcp://HOST:PORT   a network printer (port 9100, "raw"): the same
 *   anything else     a file, which receives exactly the ESC/POS bytes
 *                     (appended): the tests' virtual printer
 *
 * A printer that is missing, offline or out of paper does not stop
 * tickets: printer_state says so, the ticket screen asks the resident to
 * remember the code, and the state goes into the store for the counter and
 * syncd's heartbeat.
 */
#ifndef KIOSK_PRINTER_H
#define KIOSK_PRINTER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define PRINTER_QUEUE 8

typedef enum {
	PRINTER_NONE,	 /* no printer configured */
	PRINTER_OK,	 /* the last ticket went out (or none was printed yet) */
	PRINTER_OFFLINE, /* cannot open or connect, or a write failed */
	PRINTER_NO_PAPER /* the printer says its paper ran out */
} printer_state;

/* What a printed ticket says, already translated. */
typedef struct {
	const char *site;     /* the site's name */
	const char *title;    /* "Your number" */
	const char *code;     /* "A012" */
	const char *category; /* the kind of help */
	const char *seat;     /* "Please take a seat. We will call your number." */
	const char *ahead;    /* "People ahead of you: 3" */
	const char *wait;     /* "Waiting time: about 10 minutes" */
	const char *when;     /* "01-12-2026 14:02" */
	int rtl;	      /* the resident's language is right to left */
	uint64_t tap;	      /* SDL_GetPerformanceCounter() at the tap, or 0 */
} printer_ticket;

/* Starts the worker for cfg's printer (font_dir: the kiosk's fonts).
 * Without one configured it does nothing and printer_state is
 * PRINTER_NONE. Returns 0, or -1 after a logged warning. */
int printer_start(const config *cfg, const char *font_dir);

/* 1 if the printer runs as cfg says (device and paper width). */
int printer_serves(const config *cfg);

/* Draws t and queues it; returns at once. 0 queued, -1 not (no printer,
 * the queue full, drawing failed: logged). */
int printer_print(const printer_ticket *t);

/* The state after the last ticket (or status query). */
printer_state printer_get_state(void);
const char *printer_state_name(printer_state s);

/* Waits for the queued tickets (at most ms milliseconds), then stops. */
void printer_stop(int ms);

/* The ESC/POS bytes of a ticket drawn as w x h pixels of RGB (dark pixels
 * print): init, raster blocks of at most 255 rows, feed, cut. Malloc'ed
 * into *out, *len bytes; 0, or -1 out of memory. For the tests too. */
int printer_escpos(const uint8_t *rgb, int w, int h, uint8_t **out, size_t *len);

#endif
