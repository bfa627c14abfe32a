/*
 * cstore_sqlite_backup — an online copy of the SQLite database
 * (cstore_backup), taken with SQLite's backup API while the server runs.
 *
 * The copy is read from a reader connection in one step: in WAL mode that
 * is one read transaction, a consistent snapshot of the last commit, and
 * writers go on meanwhile. It is written to "DEST.tmp-PID" (created 0600:
 * it holds what central.db holds), checked (PRAGMA quick_check), made
 * durable (fsync of the file, then of its folder) and only then renamed to
 * DEST, never over an existing file (renameat2 RENAME_NOREPLACE): a backup
 * is never half there, and never replaces another.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cstore_sqlite.h"
#include "log.h"

/* fsync of path (a file or a folder): 0 or -1 with errno. */
static int sync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* Copies src into the file tmp (made 0600 first), checks it and counts
 * its events: SQLITE_OK or SQLite's error, with the reason in err. */
static int copy_into(sqlite3 *src, const char *tmp, int64_t *events, char *err, size_t errlen)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
		return SQLITE_CANTOPEN;
	}
	close(fd);
	sqlite3 *dst = NULL;
	int rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL);
	sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(dst, "main", src, "main") : NULL;
	if (!b) {
		rc = rc == SQLITE_OK ? sqlite3_errcode(dst) : rc;
		snprintf(err, errlen, "%s: cannot start the copy: %s", tmp, sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return rc;
	}
	rc = sqlite3_backup_step(b, -1);
	int fin = sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE || fin != SQLITE_OK) {
		snprintf(err, errlen, "copying into %s: %s", tmp,
			 rc == SQLITE_DONE ? sqlite3_errstr(fin) : sqlite3_errstr(rc));
		sqlite3_close(dst);
		return rc == SQLITE_DONE ? fin : rc;
	}
	/* the copy is a database of its own: a WAL file of its own would be a
	 * second file to carry; fold it into one */
	sqlite3_stmt *s = NULL;
	rc = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		int step = sqlite3_step(s);
		const char *said = step == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
		if (!said || strcmp(said, "ok")) {
			snprintf(err, errlen, "the copy %s fails its check: %s", tmp,
				 said ? said : sqlite3_errmsg(dst));
			rc = SQLITE_CORRUPT;
		}
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(dst, "SELECT count(*) FROM events", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			*events = sqlite3_column_int64(s, 0);
		else
			rc = sqlite3_errcode(dst);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_OK && !err[0])
		snprintf(err, errlen, "checking the copy %s: %s", tmp, sqlite3_errmsg(dst));
	sqlite3_close(dst);
	return rc;
}

int sq_backup(cstore *base_, const char *dest, int64_t *events, char *err, size_t errlen)
{
	sqstore *st = (sqstore *)base_;
	err[0] = '\0';
	*events = 0;
	struct stat sb;
	if (!lstat(dest, &sb)) {
		snprintf(err, errlen, "%s exists already: a backup never replaces a file", dest);
		return CSTORE_CONFLICT;
	}
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", dest, (long)getpid()) >= (int)sizeof tmp) {
		snprintf(err, errlen, "%s: name too long", dest);
		return CSTORE_ERROR;
	}
	sqlite3 *src = sq_reader_get(st);
	if (!src) {
		snprintf(err, errlen, "cannot open the database to copy it");
		return CSTORE_ERROR;
	}
	int rc = copy_into(src, tmp, events, err, errlen);
	sq_reader_put(st, src);
	if (rc == SQLITE_OK && sync_path(tmp, O_RDONLY)) {
		snprintf(err, errlen, "%s: cannot write it to disk: %s", tmp, strerror(errno));
		rc = SQLITE_IOERR;
	}
	if (rc == SQLITE_OK && renameat2(AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_NOREPLACE)) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot rename %s to it: %s", dest, tmp, strerror(e));
		rc = e == EEXIST ? SQLITE_CONSTRAINT : SQLITE_IOERR;
	}
	if (rc != SQLITE_OK) {
		if (unlink(tmp) && errno != ENOENT)
			log_warn("%s: cannot remove: %s", tmp, strerror(errno));
		return rc == SQLITE_CONSTRAINT ? CSTORE_CONFLICT : sq_map_rc(rc);
	}
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", dest);
	if (sync_path(dirname(dir), O_RDONLY | O_DIRECTORY))
		log_warn("%s: cannot sync its folder: %s", dest, strerror(errno));
	return CSTORE_OK;
}
