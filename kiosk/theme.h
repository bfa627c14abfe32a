/*
 * theme — the kiosk's colours. Every text/background pair has a contrast
 * ratio of at least 7:1 (WCAG AAA); tests/kiosk checks each control of
 * every dump against this (the dump carries "fg" and "bg"). State is never
 * shown by colour alone: a chosen language is also bold and underlined, the
 * newest call also carries the word "Now" and a frame.
 */
#ifndef KIOSK_THEME_H
#define KIOSK_THEME_H

#define TH_BG	      0xF3F0E8 /* warm paper */
#define TH_INK	      0x14213D /* navy text on paper/white: 14.9:1 */
#define TH_MUTED      0x33394A /* secondary text on paper: 10.6:1 */
#define TH_CARD	      0xFFFFFF
#define TH_HEAD	      0x14213D /* header band */
#define TH_ON_HEAD    0xFFFFFF
#define TH_PRIMARY    0x1B3A6B /* big action buttons, white text: 11.4:1 */
#define TH_ON_PRIMARY 0xFFFFFF
#define TH_ACCENT     0xFFD23F /* highlight (newest call), navy text: 11.3:1 */
#define TH_ON_ACCENT  0x14213D
#define TH_LINE	      0x14213D /* frames of cards */
#define TH_SOFT	      0xE2DDD0 /* panels behind lists, navy text: 11.6:1 */

#endif
