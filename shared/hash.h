/*
 * hash — SHA-256 (OpenSSL's libcrypto) and a constant-time comparison, for
 * tokens and PINs: the configuration holds only their SHA-256 hex digests.
 */
#ifndef LOKET_HASH_H
#define LOKET_HASH_H

#include <stddef.h>

#define HASH_HEX_LEN 65 /* 64 hex digits and the NUL */

/* Lower-case hex SHA-256 of data[0..len). Returns 0, or -1 if libcrypto failed. */
int hash_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN]);

/* 1 if sha256(secret) equals the hex digest want (either case), compared
 * in time independent of where they differ; 0 otherwise. */
int hash_secret_matches(const char *secret, size_t len, const char *want_hex);

/* 1 if s is exactly 64 hex digits. */
int hash_hex_valid(const char *s);

#endif
