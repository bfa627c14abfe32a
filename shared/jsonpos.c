/*
 * jsonpos — see jsonpos.h. A small scanner over text that jansson already
 * accepted: it skips values without building them and tracks line/column.
 * It is defensive anyway (never reads past len, bounded recursion), since
 * a caller could hand it anything.
 */
#include "jsonpos.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *s;
	size_t len, i;
	int line, col;
} scan;

static int peek(scan *sc)
{
	return sc->i < sc->len ? (unsigned char)sc->s[sc->i] : -1;
}

static void adv(scan *sc)
{
	if (sc->i >= sc->len)
		return;
	if (sc->s[sc->i] == '\n') {
		sc->line++;
		sc->col = 1;
	} else {
		sc->col++;
	}
	sc->i++;
}

static void ws(scan *sc)
{
	for (int c = peek(sc); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = peek(sc))
		adv(sc);
}

/* Skips a string; if out is given, copies up to cap-1 raw bytes of it. */
static int skip_string(scan *sc, char *out, size_t cap)
{
	size_t n = 0;
	if (peek(sc) != '"')
		return -1;
	adv(sc);
	for (;;) {
		int c = peek(sc);
		if (c < 0)
			return -1;
		adv(sc);
		if (c == '"')
			break;
		if (c == '\\') {
			if (peek(sc) < 0)
				return -1;
			c = peek(sc);
			adv(sc);
		}
		if (out && n + 1 < cap)
			out[n++] = (char)c;
	}
	if (out)
		out[n] = '\0';
	return 0;
}

static int skip_value(scan *sc, int depth);

static int skip_container(scan *sc, int depth)
{
	int open = peek(sc), close = open == '{' ? '}' : ']';
	adv(sc);
	ws(sc);
	if (peek(sc) == close) {
		adv(sc);
		return 0;
	}
	for (;;) {
		ws(sc);
		if (open == '{') {
			if (skip_string(sc, NULL, 0))
				return -1;
			ws(sc);
			if (peek(sc) != ':')
				return -1;
			adv(sc);
		}
		if (skip_value(sc, depth + 1))
			return -1;
		ws(sc);
		int c = peek(sc);
		if (c == ',') {
			adv(sc);
			continue;
		}
		if (c == close) {
			adv(sc);
			return 0;
		}
		return -1;
	}
}

static int skip_value(scan *sc, int depth)
{
	if (depth > 64)
		return -1;
	ws(sc);
	int c = peek(sc);
	if (c == '{' || c == '[')
		return skip_container(sc, depth);
	if (c == '"')
		return skip_string(sc, NULL, 0);
	if (c < 0)
		return -1;
	while ((c = peek(sc)) >= 0 && c != ',' && c != '}' && c != ']' && c != ' ' && c != '\n' &&
	       c != '\t' && c != '\r')
		adv(sc);
	return 0;
}

int jsonpos_find(const char *text, size_t len, const char *path, int *line, int *col)
{
	scan sc = {text, len, 0, 1, 1};
	const char *p = path;
	ws(&sc);
	*line = sc.line;
	*col = sc.col;
	while (*p) {
		if (*p == '.')
			p++;
		if (*p == '[') {
			char *end;
			long want = strtol(p + 1, &end, 10);
			if (*end != ']' || want < 0 || peek(&sc) != '[')
				return -1;
			p = end + 1;
			adv(&sc);
			for (long k = 0;; k++) {
				ws(&sc);
				if (peek(&sc) == ']' || peek(&sc) < 0)
					return -1;
				if (k == want)
					break;
				if (skip_value(&sc, 0))
					return -1;
				ws(&sc);
				if (peek(&sc) != ',')
					return -1;
				adv(&sc);
			}
			*line = sc.line;
			*col = sc.col;
			continue;
		}
		size_t klen = strcspn(p, ".[");
		if (klen == 0 || peek(&sc) != '{')
			return -1;
		adv(&sc);
		for (;;) {
			ws(&sc);
			if (peek(&sc) != '"')
				return -1;
			int kl = sc.line, kc = sc.col;
			char key[256];
			if (skip_string(&sc, key, sizeof key))
				return -1;
			ws(&sc);
			if (peek(&sc) != ':')
				return -1;
			adv(&sc);
			ws(&sc);
			if (strlen(key) == klen && !strncmp(key, p, klen)) {
				*line = kl;
				*col = kc;
				break;
			}
			if (skip_value(&sc, 0))
				return -1;
			ws(&sc);
			if (peek(&sc) != ',')
				return -1;
			adv(&sc);
		}
		p += klen;
	}
	return 0;
}
