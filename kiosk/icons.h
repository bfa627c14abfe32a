/*
 * icons — simple pictograms drawn with lines and discs, so the kiosk needs
 * no image files: phone, tax, letter, book, business, question (the demo
 * categories) and the kiosk's own: arrow, check, clock, people, info, lock,
 * closed. An unknown name draws the question pictogram. Icons always come
 * with a text label beside them (ui.c); they never carry meaning alone.
 */
#ifndef KIOSK_ICONS_H
#define KIOSK_ICONS_H

#include "render.h"

/* Draws icon name into box (physical coordinates) in colour fg on bg;
 * mirror flips directional icons (arrows) for right-to-left layouts. */
void icon_draw(render *r, const char *name, rd_rect box, rd_color fg, rd_color bg, int mirror);

#endif
