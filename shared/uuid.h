/*
 * uuid — RFC 9562 version 7 UUIDs: 48 bits of Unix milliseconds, then 74
 * random bits from getrandom(2). Used for event and ticket identity; the
 * time part only helps databases keep them in order, nothing relies on it.
 */
#ifndef LOKET_UUID_H
#define LOKET_UUID_H

#include <stddef.h>

#define UUID_STR_LEN 37 /* 36 characters and the NUL */

/* Writes a fresh v7 UUID in lower-case hex with dashes. Returns 0, or -1
 * if the kernel's random source failed (errno set); out is then "". */
int uuid_v7(char out[UUID_STR_LEN]);

/* 1 if s is a UUID in canonical form (any version), else 0. */
int uuid_valid(const char *s);

#endif
