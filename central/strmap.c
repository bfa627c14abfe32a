/*
 * strmap — see strmap.h. Linear probing in a table kept at most half full;
 * every probe loop ends within cap steps.
 */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

size_t strmap_get(const strmap *m, const char *key)
{
	if (!m->cap)
		return (size_t)-1;
	size_t i = (size_t)hash(key) & (m->cap - 1);
	for (size_t k = 0; k < m->cap; k++, i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i])
			return (size_t)-1;
		if (!strcmp(m->keys[i], key))
			return m->vals[i];
	}
	return (size_t)-1;
}

static void place(char **keys, size_t *vals, size_t cap, char *key, size_t val)
{
	size_t i = (size_t)hash(key) & (cap - 1);
	for (size_t k = 0; k < cap && keys[i]; k++)
		i = (i + 1) & (cap - 1);
	keys[i] = key;
	vals[i] = val;
}

int strmap_put(strmap *m, const char *key, size_t val)
{
	if (m->cap) {
		size_t i = (size_t)hash(key) & (m->cap - 1);
		for (size_t k = 0; k < m->cap && m->keys[i]; k++, i = (i + 1) & (m->cap - 1))
			if (!strcmp(m->keys[i], key)) {
				m->vals[i] = val;
				return 0;
			}
	}
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		char **keys = calloc(cap, sizeof *keys);
		size_t *vals = calloc(cap, sizeof *vals);
		if (!keys || !vals) {
			free(keys);
			free(vals);
			return -1;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i])
				place(keys, vals, cap, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		m->keys = keys;
		m->vals = vals;
		m->cap = cap;
	}
	char *copy = strdup(key);
	if (!copy)
		return -1;
	place(m->keys, m->vals, m->cap, copy, val);
	m->n++;
	return 0;
}

void strmap_free(strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}
