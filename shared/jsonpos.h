/*
 * jsonpos — where in a JSON text a value is, for error messages.
 *
 * jansson reports positions for syntax errors only; a configuration error
 * ("categories[1].prefix: duplicate") must still name line and column. This
 * re-scans the (already valid) text and finds a path:
 *
 *   "site.id"            the key "id" inside the object at "site"
 *   "categories[1]"      the second element of "categories"
 *   "categories[1].label.nl"
 *
 * For an object member the position is that of its key, for an array
 * element that of the element. Lines and columns count from 1; columns
 * count bytes, as jansson's do.
 */
#ifndef LOKET_JSONPOS_H
#define LOKET_JSONPOS_H

#include <stddef.h>

/* Returns 0 and sets *line and *col, or -1 if the path is not in the text
 * (then *line and *col are those of the innermost enclosing value found). */
int jsonpos_find(const char *text, size_t len, const char *path, int *line, int *col);

#endif
