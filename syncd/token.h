/*
 * token — the site's bearer token, read from sync.token_file.
 *
 * The file must be a regular file that only its owner may read or write
 * (mode & 077 == 0, e.g. 0600 or 0400): a token others can read is a token
 * others can use, so the daemon refuses to start rather than leak it
 * further. The token is one line of visible ASCII (a trailing newline is
 * fine); it never appears in a log line or an error message.
 */
#ifndef LOKET_SYNCD_TOKEN_H
#define LOKET_SYNCD_TOKEN_H

#include <stddef.h>

#define SYNC_TOKEN_MAX 1024

/* Reads the token of path into buf (SYNC_TOKEN_MAX bytes). Returns 0, or an
 * exit status with the reason in err: 77 (EX_NOPERM) when others may read
 * the file or it cannot be opened for lack of permission, 78 (EX_CONFIG)
 * when it is missing, empty or malformed. On error buf is zeroed. */
int sync_token_read(const char *path, char *buf, char *err, size_t errlen);

#endif
