/*
 * token — see token.h. The file is opened first and checked with fstat on
 * the open descriptor, so a file swapped between the check and the read
 * cannot slip through.
 */
#include "token.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sync_token_read(const char *path, char *buf, char *err, size_t errlen)
{
	int rc = 78;
	memset(buf, 0, SYNC_TOKEN_MAX);
	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
	 * writer, forever (at start-up, or on SIGHUP in the middle of the
	 * loop); it has no effect on reading a regular file. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == EACCES || errno == EPERM)
			rc = 77;
		snprintf(err, errlen, "token file %s: %s", path,
			 errno == ELOOP ? "is a symbolic link (not allowed)" : strerror(errno));
		return rc;
	}
	struct stat sb;
	if (fstat(fd, &sb) < 0) {
		snprintf(err, errlen, "token file %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "token file %s is not a regular file", path);
		goto out;
	}
	if (sb.st_mode & 077) {
		rc = 77;
		snprintf(err, errlen,
			 "token file %s has mode %04o: others may read it; "
			 "run chmod 600 %s (refusing to start)",
			 path, (unsigned)(sb.st_mode & 07777), path);
		goto out;
	}
	char tmp[SYNC_TOKEN_MAX + 2];
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, tmp + n, sizeof tmp - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "token file %s: %s", path, strerror(errno));
			goto wipe;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n >= sizeof tmp - 1)
			break;
	}
	while (n > 0 && (tmp[n - 1] == '\n' || tmp[n - 1] == '\r' || tmp[n - 1] == ' ' ||
			 tmp[n - 1] == '\t'))
		n--;
	if (n == 0) {
		snprintf(err, errlen, "token file %s is empty", path);
		goto wipe;
	}
	if (n >= SYNC_TOKEN_MAX) {
		snprintf(err, errlen, "token file %s: the token is longer than %d bytes", path,
			 SYNC_TOKEN_MAX - 1);
		goto wipe;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)tmp[i];
		if (c <= ' ' || c >= 0x7f) {
			/* Never echo the token, not even the offending byte. */
			snprintf(err, errlen,
				 "token file %s: the token must be one line of visible ASCII "
				 "(byte %zu is not)",
				 path, i + 1);
			goto wipe;
		}
	}
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	rc = 0;
wipe:
	explicit_bzero(tmp, sizeof tmp);
out:
	close(fd);
	return rc;
}
