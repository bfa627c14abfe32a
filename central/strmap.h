/*
 * strmap — a string to index map (open addressing, FNV-1a), so that
 * grouping tickets by a string a site chose (a category, a language, a
 * referral) costs the same for 5 distinct strings as for 5,000. It keeps
 * copies of the keys; the values are indexes into the caller's array.
 */
#ifndef CENTRAL_STRMAP_H
#define CENTRAL_STRMAP_H

#include <stddef.h>

typedef struct {
	char **keys;
	size_t *vals;
	size_t n, cap; /* cap: 0 or a power of two */
} strmap;

/* The index stored under key, or (size_t)-1. */
size_t strmap_get(const strmap *m, const char *key);
/* Stores val under key (a new key; replaces an old value). 0 or -1 (memory). */
int strmap_put(strmap *m, const char *key, size_t val);
void strmap_free(strmap *m);

#endif
