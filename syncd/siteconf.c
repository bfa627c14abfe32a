/*
 * siteconf — see siteconf.h.
 */
#include "siteconf.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

/* The keys the office manages (config.h, the same list central checks
 * against); "site" only for its name. */
static const char *const *const managed = config_managed_keys;

static int is_managed(const char *key)
{
	for (int i = 0; managed[i]; i++)
		if (!strcmp(managed[i], key))
			return 1;
	return 0;
}

/* Writes text to path through path.incoming: fsync, rename, fsync the
 * folder. Returns 0, or -1 with err. The mode is the old file's. */
static int write_atomic(const char *path, const char *tmp, const char *text, mode_t mode,
			char *err, size_t errlen)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	char dir[CONFIG_PATH_LEN];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int siteconf_apply(const char *path, const char *json, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *office = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(office)) {
		snprintf(err, errlen, "the office's configuration is not a JSON object (%s)",
			 office ? "another type" : je.text);
		json_decref(office);
		return SITECONF_REFUSED;
	}
	const char *key;
	json_t *v;
	json_object_foreach(office, key, v)
	{
		if (!is_managed(key)) {
			snprintf(err, errlen,
				 "%s: the office does not manage this key (it stays the site's own)",
				 key);
			json_decref(office);
			return SITECONF_REFUSED;
		}
	}
	json_t *site = json_object_get(office, "site");
	if (site && (!json_is_object(site) || json_object_size(site) != 1 ||
		     !json_is_string(json_object_get(site, "name")))) {
		snprintf(err, errlen, "site: the office sends only {\"name\": \"...\"}");
		json_decref(office);
		return SITECONF_REFUSED;
	}
	json_t *local = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(local)) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, local ? "not an object" : je.text);
		json_decref(local);
		json_decref(office);
		return SITECONF_IO; /* the site's own file: not the office's fault */
	}
	json_t *merged = json_deep_copy(local);
	int bad = !merged;
	for (int i = 0; !bad && managed[i]; i++) {
		if (!strcmp(managed[i], "site"))
			continue; /* its name only, below */
		json_t *ov = json_object_get(office, managed[i]);
		if (ov)
			bad |= json_object_set(merged, managed[i], ov);
		else
			json_object_del(merged, managed[i]);
	}
	json_t *ms = merged ? json_object_get(merged, "site") : NULL;
	if (!bad && site && json_is_object(ms))
		bad |= json_object_set(ms, "name", json_object_get(site, "name"));
	char *text = bad ? NULL : json_dumps(merged, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *old = json_dumps(local, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(merged);
	json_decref(local);
	json_decref(office);
	if (!text || !old) {
		free(text);
		free(old);
		snprintf(err, errlen, "out of memory");
		return SITECONF_IO;
	}
	int same = !strcmp(text, old);
	int rc = same ? 0 : SITECONF_IO;
	char tmp[CONFIG_PATH_LEN + 16], prev[CONFIG_PATH_LEN + 16];
	snprintf(tmp, sizeof tmp, "%s.incoming", path);
	snprintf(prev, sizeof prev, "%s.previous", path);
	struct stat sb;
	mode_t mode = stat(path, &sb) == 0 ? (sb.st_mode & 07777) : 0640;
	if (!same) {
		/* the same checks as any site file, on the file as it would be */
		if (write_atomic(tmp, tmp, text, mode, err, errlen) == 0) {
			char cerr[4096];
			config *cfg = config_load(tmp, cerr, sizeof cerr);
			if (!cfg) {
				snprintf(err, errlen, "%s", cerr);
				unlink(tmp);
				rc = SITECONF_REFUSED;
			} else {
				config_free(cfg);
				unlink(tmp);
				if (write_atomic(prev, tmp, old, mode, err, errlen) == 0 &&
				    write_atomic(path, tmp, text, mode, err, errlen) == 0)
					rc = 1;
			}
		}
	}
	free(text);
	free(old);
	return rc;
}
