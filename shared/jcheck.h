/*
 * jcheck — reading and validating a JSON configuration file, shared by the
 * site configuration (config.c) and the central office's (central/cconfig.c).
 *
 * jansson parses the file (duplicate keys are refused with line and column);
 * then the loader walks the tree with these helpers, which collect every
 * problem rather than stopping at the first, one line each:
 *
 *   site.json:14:17: categories[1].prefix: "A" is already the prefix of ...
 *
 * Positions of keys come from jsonpos, since jansson keeps none for values.
 * Paths are dotted ("sync.url", "categories[1].prefix"); "" is the top.
 */
#ifndef LOKET_JCHECK_H
#define LOKET_JCHECK_H

#include <jansson.h>
#include <stddef.h>

typedef struct {
	const char *file; /* as given, for messages */
	char *text;	  /* the file's bytes, NUL-terminated (owned) */
	size_t len;
	char *err; /* messages, one per line; always NUL-terminated */
	size_t errlen, used;
	int nerr;
} jcheck;

/* Reads path (at most max_bytes) and parses it; returns the top-level
 * object, or NULL with the reason in err (an unreadable or oversized file,
 * a syntax error, a top level that is not an object). Either way, release
 * with jcheck_close. */
json_t *jcheck_open(jcheck *v, const char *path, size_t max_bytes, char *err, size_t errlen);
/* The same for a text in memory (copied), named name in the messages. */
json_t *jcheck_open_text(jcheck *v, const char *name, const char *text, size_t len,
			 size_t max_bytes, char *err, size_t errlen);
void jcheck_close(jcheck *v, json_t *root);

void jcheck_err(jcheck *v, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "an object", "a string", ... for messages. */
const char *jcheck_type_name(const json_t *j);

/* dst = path "." key (or key at the top). */
void jcheck_join(char *dst, size_t cap, const char *path, const char *key);

/* Reports every key of obj that is not in allowed (NULL-terminated). */
void jcheck_keys(jcheck *v, const json_t *obj, const char *path, const char *const *allowed);

/* The member key of obj if it has the type (JSON_TRUE stands for either
 * boolean), else NULL: with an error if it has another type, or is missing
 * and required. */
const json_t *jcheck_want(jcheck *v, const json_t *obj, const char *path, const char *key,
			  json_type type, int required);

/* A string member copied into dst[cap]: too long, a NUL inside, or empty
 * when required are errors; dst is left alone when it is absent. */
void jcheck_text(jcheck *v, const json_t *obj, const char *path, const char *key, char *dst,
		 size_t cap, int required);

/* An integer member in lo..hi into *dst; dst is left alone when absent. */
void jcheck_long(jcheck *v, const json_t *obj, const char *path, const char *key, long *dst,
		 long lo, long hi, int required);
void jcheck_int(jcheck *v, const json_t *obj, const char *path, const char *key, int *dst, int lo,
		int hi, int required);

#endif
