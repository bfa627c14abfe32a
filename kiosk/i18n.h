/*
 * i18n — the kiosk's translations: gettext catalogs (assets/po/<lang>.po,
 * compiled by msgfmt into <localedir>/<lang>/LC_MESSAGES/loket.mo) read
 * directly, one table per configured language, so the language can change
 * on every tap.
 *
 * Why not gettext()/dgettext() from libc: switching language at run time
 * through setlocale() needs the locale (nl_NL.UTF-8, ar_SA.UTF-8, ...) to be
 * generated on the machine, and a minimal Debian or Raspberry Pi OS image
 * has only C.UTF-8, where glibc ignores $LANGUAGE and returns the msgid.
 * The .mo format is small and stable (magic, count, two offset tables), so
 * reading it here is ~80 lines and works everywhere.
 *
 * msgids are English; a missing catalog or entry falls back to the msgid.
 * Placeholders are named, "{site}", "{n}", because translators reorder them
 * and printf formats from a file are unsafe.
 */
#ifndef KIOSK_I18N_H
#define KIOSK_I18N_H

#include <stddef.h>

#define I18N_MAX_LANGS 16

/* Marks a msgid that is translated later (for xgettext). */
#define N_(s) s

/* Loads the catalog of each language (index i for langs[i]); languages
 * without one log a warning and show the English msgids. Returns how many
 * catalogs were loaded. */
int i18n_load(const char *localedir, const char langs[][8], int n);
void i18n_free(void);

/* The translation of msgid in language lang (an index of i18n_load). */
const char *i18n_tr(int lang, const char *msgid);

/* The language's name in itself ("Nederlands", "العربية"), or the code. */
const char *i18n_native_name(const char *code);

/* The language's name in language lang ("Arabisch" in Dutch), for staff;
 * the code if the name is not known. */
const char *i18n_lang_name(int lang, const char *code);

/* 1 for right-to-left languages (ar, fa, he, ur, ...). */
int i18n_is_rtl(const char *code);

/* Copies fmt to out (at most n bytes, NUL-terminated) with every "{key}"
 * replaced by val. */
void i18n_subst(char *out, size_t n, const char *fmt, const char *key, const char *val);

/* Parses a .mo image (for the unit test of the format); returns the number
 * of entries, -1 if it is not a valid catalog. */
int i18n_parse_mo(const unsigned char *data, size_t len);

#endif
