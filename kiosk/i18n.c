/*
 * i18n — .mo catalogs read into memory, looked up by binary search on the
 * sorted original strings (msgfmt sorts them). See i18n.h for why libc's
 * gettext is not used.
 *
 * .mo layout (all 32-bit, in the file's byte order given by the magic):
 *   0 magic 0x950412de   4 revision   8 N   12 O (originals)   16 T (translations)
 *   at O and T: N pairs (length, offset) of NUL-terminated strings.
 */
#include "i18n.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define MO_MAX_BYTES (4u << 20)

typedef struct {
	unsigned char *data;
	size_t len;
	uint32_t n;
	const char **ids, **strs;
} catalog;

static catalog cats[I18N_MAX_LANGS];

static uint32_t rd32(const unsigned char *p, int swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	if (swap)
		v = __builtin_bswap32(v);
	return v;
}

/* Validates a .mo image; fills c (pointers into data) if c != NULL. */
static int parse(const unsigned char *d, size_t len, catalog *c)
{
	if (len < 28)
		return -1;
	int swap;
	uint32_t magic;
	memcpy(&magic, d, 4);
	if (magic == 0x950412deu)
		swap = 0;
	else if (magic == 0xde120495u)
		swap = 1;
	else
		return -1;
	uint32_t n = rd32(d + 8, swap), o = rd32(d + 12, swap), t = rd32(d + 16, swap);
	if (n > (uint32_t)(len / 16) || o > len || t > len || (uint64_t)n * 8 > len - o ||
	    (uint64_t)n * 8 > len - t)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		for (int k = 0; k < 2; k++) {
			const unsigned char *e = d + (k ? t : o) + 8 * i;
			uint32_t l = rd32(e, swap), off = rd32(e + 4, swap);
			if (off >= len || l >= len - off || d[off + l] != '\0')
				return -1;
			if (c) {
				const char **tab = k ? c->strs : c->ids;
				tab[i] = (const char *)d + off;
			}
		}
	return (int)n;
}

int i18n_parse_mo(const unsigned char *data, size_t len)
{
	return parse(data, len, NULL);
}

static int load_one(const char *path, catalog *c)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	int rc = -1;
	unsigned char *buf = malloc(MO_MAX_BYTES);
	size_t len = buf ? fread(buf, 1, MO_MAX_BYTES, f) : 0;
	fclose(f);
	if (!buf || len == 0 || len == MO_MAX_BYTES)
		goto out;
	int n = parse(buf, len, NULL);
	if (n < 0)
		goto out;
	c->ids = calloc((size_t)n + 1, sizeof *c->ids);
	c->strs = calloc((size_t)n + 1, sizeof *c->strs);
	if (!c->ids || !c->strs) {
		free(c->ids);
		free(c->strs);
		c->ids = c->strs = NULL;
		goto out;
	}
	parse(buf, len, c);
	unsigned char *small = realloc(buf, len); /* keep only what the file holds */
	if (small && small != buf)
		parse(small, len, c);
	if (small)
		buf = small;
	c->data = buf;
	c->len = len;
	c->n = (uint32_t)n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	return rc;
}

int i18n_load(const char *localedir, const char langs[][8], int n)
{
	int loaded = 0;
	i18n_free();
	for (int i = 0; i < n && i < I18N_MAX_LANGS; i++) {
		char path[2048];
		snprintf(path, sizeof path, "%s/%s/LC_MESSAGES/loket.mo", localedir, langs[i]);
		if (load_one(path, &cats[i]) == 0)
			loaded++;
		else if (strcmp(langs[i], "en") != 0)
			log_warn("no translation for \"%s\" (%s): showing English", langs[i], path);
	}
	return loaded;
}

void i18n_free(void)
{
	for (int i = 0; i < I18N_MAX_LANGS; i++) {
		free(cats[i].data);
		free(cats[i].ids);
		free(cats[i].strs);
		memset(&cats[i], 0, sizeof cats[i]);
	}
}

const char *i18n_tr(int lang, const char *msgid)
{
	if (lang < 0 || lang >= I18N_MAX_LANGS || !cats[lang].n)
		return msgid;
	const catalog *c = &cats[lang];
	uint32_t lo = 0, hi = c->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(msgid, c->ids[mid]);
		if (cmp == 0)
			return c->strs[mid][0] ? c->strs[mid] : msgid;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return msgid;
}

static const struct {
	const char *code, *name;
} names[] = {
    {"nl", "Nederlands"}, {"en", "English"},	    {"ar", "العربية"},	 {"tr", "Türkçe"},
    {"pl", "Polski"},	  {"uk", "Українська"},    {"de", "Deutsch"},	 {"fr", "Français"},
    {"es", "Español"},	  {"pt", "Português"},	   {"ru", "Русский"},	 {"so", "Soomaali"},
    {"fa", "فارسی"},	  {"ro", "Română"},	   {"bg", "Български"}, {"it", "Italiano"},
    {"fy", "Frysk"},	  {"pap", "Papiamentu"},
};

const char *i18n_native_name(const char *code)
{
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(names[i].code, code) == 0)
			return names[i].name;
	return code;
}

/* English names, the msgids of the languages' names in the catalogs. */
static const struct {
	const char *code, *name;
} english[] = {
    {"nl", N_("Dutch")},     {"en", N_("English")},   {"ar", N_("Arabic")},
    {"tr", N_("Turkish")},   {"pl", N_("Polish")},    {"uk", N_("Ukrainian")},
    {"de", N_("German")},    {"fr", N_("French")},    {"es", N_("Spanish")},
    {"pt", N_("Portuguese")}, {"ru", N_("Russian")},  {"so", N_("Somali")},
    {"fa", N_("Persian")},   {"ro", N_("Romanian")},  {"bg", N_("Bulgarian")},
    {"it", N_("Italian")},   {"fy", N_("Frisian")},   {"pap", N_("Papiamento")},
};

const char *i18n_lang_name(int lang, const char *code)
{
	for (size_t i = 0; i < sizeof english / sizeof *english; i++)
		if (strcmp(english[i].code, code) == 0)
			return i18n_tr(lang, english[i].name);
	return code;
}

int i18n_is_rtl(const char *code)
{
	static const char *const rtl[] = {"ar", "fa", "he", "ur", "ps", "ckb", "yi"};
	for (size_t i = 0; i < sizeof rtl / sizeof *rtl; i++)
		if (strncmp(code, rtl[i], strlen(rtl[i])) == 0 &&
		    (code[strlen(rtl[i])] == '\0' || code[strlen(rtl[i])] == '-' ||
		     code[strlen(rtl[i])] == '_'))
			return 1;
	return 0;
}

void i18n_subst(char *out, size_t n, const char *fmt, const char *key, const char *val)
{
	char pat[64];
	snprintf(pat, sizeof pat, "{%s}", key);
	size_t pl = strlen(pat), vl = strlen(val), o = 0;
	if (n == 0)
		return;
	for (const char *p = fmt; *p && o + 1 < n;) {
		if (strncmp(p, pat, pl) == 0) {
			size_t c = vl < n - 1 - o ? vl : n - 1 - o;
			memcpy(out + o, val, c);
			o += c;
			p += pl;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
}
