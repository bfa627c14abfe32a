/*
 * jcheck — see jcheck.h.
 */
#include "jcheck.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"

static int read_file(jcheck *v, const char *path, size_t max_bytes)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(v->err, v->errlen, "%s: cannot read the configuration: %s\n", path,
			 strerror(errno));
		return -1;
	}
	char *buf = malloc(max_bytes + 1);
	size_t n = buf ? fread(buf, 1, max_bytes + 1, f) : 0;
	int bad = !buf || ferror(f);
	fclose(f);
	if (bad)
		snprintf(v->err, v->errlen, "%s: cannot read the configuration: %s\n", path,
			 buf ? "read error (is it a folder?)" : "out of memory");
	else if (n > max_bytes)
		snprintf(v->err, v->errlen,
			 "%s: cannot read the configuration: larger than %zu bytes\n", path,
			 max_bytes);
	if (bad || n > max_bytes) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	v->text = buf;
	v->len = n;
	return 0;
}

/* Parses v->text (read already) into the top-level object, or NULL. */
static json_t *parse(jcheck *v)
{
	json_error_t je;
	json_t *root = json_loadb(v->text, v->len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(v->err, v->errlen, "%s:%d:%d: %s\n", v->file, je.line, je.column, je.text);
		v->nerr++;
		return NULL;
	}
	if (!json_is_object(root)) {
		jcheck_err(v, "(top)", "must be an object, not %s", jcheck_type_name(root));
		json_decref(root);
		return NULL;
	}
	return root;
}

json_t *jcheck_open(jcheck *v, const char *path, size_t max_bytes, char *err, size_t errlen)
{
	*v = (jcheck){.file = path, .err = err, .errlen = errlen};
	if (errlen)
		err[0] = '\0';
	if (read_file(v, path, max_bytes) != 0) {
		v->nerr++;
		return NULL;
	}
	return parse(v);
}

json_t *jcheck_open_text(jcheck *v, const char *name, const char *text, size_t len,
			 size_t max_bytes, char *err, size_t errlen)
{
	*v = (jcheck){.file = name, .err = err, .errlen = errlen};
	if (errlen)
		err[0] = '\0';
	if (len > max_bytes) {
		snprintf(err, errlen, "%s: larger than %zu bytes\n", name, max_bytes);
		v->nerr++;
		return NULL;
	}
	v->text = malloc(len + 1);
	if (!v->text) {
		snprintf(err, errlen, "%s: out of memory\n", name);
		v->nerr++;
		return NULL;
	}
	memcpy(v->text, text, len);
	v->text[len] = '\0';
	v->len = len;
	return parse(v);
}

void jcheck_close(jcheck *v, json_t *root)
{
	json_decref(root);
	free(v->text);
	v->text = NULL;
}

void jcheck_err(jcheck *v, const char *path, const char *fmt, ...)
{
	int line = 0, col = 0;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	v->nerr++;
	if (v->text)
		jsonpos_find(v->text, v->len, path, &line, &col);
	if (v->used + 1 >= v->errlen)
		return;
	int n;
	if (line > 0)
		n = snprintf(v->err + v->used, v->errlen - v->used, "%s:%d:%d: %s: %s\n", v->file,
			     line, col, path, msg);
	else
		n = snprintf(v->err + v->used, v->errlen - v->used, "%s: %s: %s\n", v->file, path,
			     msg);
	if (n > 0)
		v->used += (size_t)n < v->errlen - v->used ? (size_t)n : v->errlen - v->used - 1;
}

const char *jcheck_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

void jcheck_join(char *dst, size_t cap, const char *path, const char *key)
{
	snprintf(dst, cap, "%s%s%s", path, *path ? "." : "", key);
}

void jcheck_keys(jcheck *v, const json_t *obj, const char *path, const char *const *allowed)
{
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)obj, key, val)
	{
		int ok = 0;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(key, *a) == 0;
		if (ok)
			continue;
		char p[256], list[512] = "";
		jcheck_join(p, sizeof p, path, key);
		size_t u = 0;
		for (const char *const *a = allowed; *a && u < sizeof list; a++) {
			int n = snprintf(list + u, sizeof list - u, "%s%s", u ? ", " : "", *a);
			if (n < 0)
				break;
			u += (size_t)n;
		}
		jcheck_err(v, p, "unknown key (known keys here: %s)", list);
	}
}

const json_t *jcheck_want(jcheck *v, const json_t *obj, const char *path, const char *key,
			  json_type type, int required)
{
	const json_t *j = json_object_get(obj, key);
	if (!j) {
		if (required)
			jcheck_err(v, *path ? path : "(top)", "missing required key \"%s\"", key);
		return NULL;
	}
	if (json_typeof(j) != type && !(type == JSON_TRUE && json_is_boolean(j))) {
		static const char *const names[] = {"an object",  "an array",  "a string",
						    "an integer", "a number",  "a boolean",
						    "a boolean",  "null"};
		char p[256];
		jcheck_join(p, sizeof p, path, key);
		jcheck_err(v, p, "must be %s, not %s", names[type], jcheck_type_name(j));
		return NULL;
	}
	return j;
}

void jcheck_text(jcheck *v, const json_t *obj, const char *path, const char *key, char *dst,
		 size_t cap, int required)
{
	const json_t *j = jcheck_want(v, obj, path, key, JSON_STRING, required);
	if (!j)
		return;
	char p[256];
	jcheck_join(p, sizeof p, path, key);
	size_t len = json_string_length(j);
	if (len == 0 && required)
		jcheck_err(v, p, "must not be empty");
	else if (len >= cap)
		jcheck_err(v, p, "too long (at most %zu bytes)", cap - 1);
	else if (memchr(json_string_value(j), '\0', len))
		jcheck_err(v, p, "contains a NUL character");
	else
		memcpy(dst, json_string_value(j), len + 1);
}

void jcheck_long(jcheck *v, const json_t *obj, const char *path, const char *key, long *dst,
		 long lo, long hi, int required)
{
	const json_t *j = jcheck_want(v, obj, path, key, JSON_INTEGER, required);
	if (!j)
		return;
	json_int_t x = json_integer_value(j);
	if (x < lo || x > hi) {
		char p[256];
		jcheck_join(p, sizeof p, path, key);
		jcheck_err(v, p, "must be between %ld and %ld, not %lld", lo, hi, (long long)x);
		return;
	}
	*dst = (long)x;
}

void jcheck_int(jcheck *v, const json_t *obj, const char *path, const char *key, int *dst, int lo,
		int hi, int required)
{
	long x = *dst;
	jcheck_long(v, obj, path, key, &x, lo, hi, required);
	*dst = (int)x;
}
