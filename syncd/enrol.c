/*
 * enrol — a new site box set up with one code (docs/syncd.md, "A new
 * site"):
 *
 *   loket-syncd -c /etc/loket/site.json --enrol https://central.example.nl CODE
 *
 * POSTs {"code": CODE} to URL/api/v1/enrol (no token: the code is the
 * secret, one use, valid 24 h) and gets {"site", "token", "config"}. It
 * writes the token file (0600, never over a different token) and the
 * configuration: the office's managed keys merged into FILE when FILE
 * exists (its database, token file and sync keys stay), else a new FILE
 * with the site's id, a token file beside it, sync.url set to URL and the
 * database in /var/lib/loket (beside FILE when FILE is not under /etc).
 * Everything is checked before anything is written: the token (what
 * loket-syncd will read), an existing FILE's site id and token file, the
 * merged configuration. Run as root, the files go to the user loket (the
 * services' user) when it exists. A used, expired or wrong code is a clear
 * message and exit 77.
 */
#include "enrol.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pwd.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "siteconf.h"
#include "token.h"

#define ENROL_ANSWER_MAX (512 * 1024)

typedef struct {
	char *p;
	size_t n;
	int over;
} answer;

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	answer *a = arg;
	size_t n = size * nmemb;
	if (a->n + n > ENROL_ANSWER_MAX) {
		a->over = 1;
		return 0;
	}
	char *q = realloc(a->p, a->n + n + 1);
	if (!q)
		return 0;
	memcpy(q + a->n, p, n);
	a->p = q;
	a->n += n;
	a->p[a->n] = '\0';
	return n;
}

/* The folder of path, for the files a new site puts beside it. */
static void folder_of(const char *path, char *out, size_t n)
{
	snprintf(out, n, "%s", path);
	char *slash = strrchr(out, '/');
	if (!slash)
		snprintf(out, n, ".");
	else if (slash == out)
		out[1] = '\0';
	else
		*slash = '\0';
}

/* What loket-syncd will accept as a token (token.c): visible ASCII, shorter
 * than SYNC_TOKEN_MAX. */
static int token_ok(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n >= SYNC_TOKEN_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (t[i] <= 0x20 || t[i] >= 0x7f)
			return 0;
	return 1;
}

/* 0 if path holds no token or this one; -1 (err) if it holds another: a
 * box enrolled twice by mistake keeps working with the first. */
static int token_free(const char *path, const char *token, char *err, size_t errlen)
{
	char old[SYNC_TOKEN_MAX + 2] = "";
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(old, sizeof old, f))
		old[0] = '\0';
	fclose(f);
	old[strcspn(old, "\r\n")] = '\0';
	if (old[0] && strcmp(old, token)) {
		snprintf(err, errlen,
			 "%s holds another token: remove it first if this box is to be this site",
			 path);
		return -1;
	}
	return 0;
}

/* Run as root: the file goes to the services' user (loket), when it exists;
 * mode as given. */
static void give_to_loket(const char *path, int whole)
{
	struct passwd *pw = geteuid() == 0 ? getpwnam("loket") : NULL;
	if (pw && chown(path, whole ? pw->pw_uid : (uid_t)-1, pw->pw_gid) != 0)
		fprintf(stderr, "loket-syncd: cannot give %s to the user loket: %s\n", path,
			strerror(errno));
}

/* Writes the token file, 0600 (token_free said it may). */
static int write_token(const char *path, const char *token, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int ok = fchmod(fd, 0600) == 0 && dprintf(fd, "%s\n", token) > 0 && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	give_to_loket(path, 1);
	return 0;
}

/* A new site file: the local keys, then the office's keys merged in. */
static int new_site_file(const char *path, const char *url, const char *site, char *err,
			 size_t errlen)
{
	char dir[CONFIG_PATH_LEN], db[CONFIG_PATH_LEN + 16], tok[CONFIG_PATH_LEN + 16];
	folder_of(path, dir, sizeof dir);
	/* the services may write /var/lib/loket only (docs/install.md) */
	if (!strncmp(dir, "/etc/", 5) || !strcmp(dir, "/etc"))
		snprintf(db, sizeof db, "/var/lib/loket/site.db");
	else
		snprintf(db, sizeof db, "%s/site.db", dir);
	snprintf(tok, sizeof tok, "%s/token", dir);
	json_t *o = json_pack("{s:{s:s, s:s}, s:s, s:{s:s, s:s}}", "site", "id", site, "name", site,
			      "database", db, "sync", "url", url, "token_file", tok);
	int rc = o && json_dump_file(o, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 ? 0 : -1;
	if (rc)
		snprintf(err, errlen, "%s: cannot write it: %s", path, strerror(errno));
	else
		chmod(path, 0640);
	json_decref(o);
	return rc;
}

int syncd_enrol(const char *cfg_path, const char *url, const char *code)
{
	char err[4096];
	if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) {
		fprintf(stderr, "loket-syncd: --enrol URL must start with https:// (not \"%s\")\n",
			url);
		return SYNCD_EX_USAGE;
	}
	json_t *req = json_pack("{s:s}", "code", code);
	char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	char endpoint[CONFIG_PATH_LEN + 32];
	size_t ul = strlen(url);
	while (ul > 0 && url[ul - 1] == '/')
		ul--;
	snprintf(endpoint, sizeof endpoint, "%.*s/api/v1/enrol", (int)ul, url);
	answer a = {0};
	long status = 0;
	char cerr[CURL_ERROR_SIZE] = "";
	CURLcode res = CURLE_OUT_OF_MEMORY;
	CURL *e = body && curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? curl_easy_init() : NULL;
	if (e) {
		struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
		curl_easy_setopt(e, CURLOPT_URL, endpoint);
		curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &a);
		curl_easy_setopt(e, CURLOPT_ERRORBUFFER, cerr);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
		curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
		curl_easy_setopt(e, CURLOPT_USERAGENT, "loket-syncd/" LOKET_VERSION);
		res = curl_easy_perform(e);
		if (res == CURLE_OK)
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_cleanup(e);
		curl_slist_free_all(h);
		curl_global_cleanup();
	}
	free(body);
	int rc = SYNCD_EX_OK;
	json_t *ans = NULL;
	if (res != CURLE_OK) {
		fprintf(stderr, "loket-syncd: cannot reach %s: %s\n", endpoint,
			cerr[0] ? cerr : curl_easy_strerror(res));
		rc = SYNCD_EX_TEMPFAIL;
		goto out;
	}
	if (status == 403 || status == 404 || status == 410) {
		fprintf(stderr,
			"loket-syncd: the central office does not take this code (HTTP %ld): it is "
			"wrong, used already, or older than 24 hours; ask the office for a new one\n",
			status);
		rc = SYNCD_EX_NOPERM;
		goto out;
	}
	if (status != 200) {
		fprintf(stderr, "loket-syncd: the central office answered HTTP %ld to the enrolment\n",
			status);
		rc = status >= 500 || status == 429 ? SYNCD_EX_TEMPFAIL : SYNCD_EX_PROTOCOL;
		goto out;
	}
	ans = json_loadb(a.p ? a.p : "", a.n, 0, NULL);
	const char *site = json_string_value(json_object_get(ans, "site"));
	const char *token = json_string_value(json_object_get(ans, "token"));
	json_t *conf = json_object_get(ans, "config");
	if (!site || !token || !token[0] || strchr(token, '\n') || !json_is_object(conf)) {
		fprintf(stderr, "loket-syncd: the enrolment's answer lacks site, token or config\n");
		rc = SYNCD_EX_PROTOCOL;
		goto out;
	}
	if (!token_ok(token)) {
		fprintf(stderr, "loket-syncd: the office's token is not one loket-syncd can read "
				"(visible ASCII, under %d bytes)\n",
			SYNC_TOKEN_MAX);
		rc = SYNCD_EX_PROTOCOL;
		goto out;
	}
	/* checks first: an existing file must be this site's, its token file
	 * free for this token */
	int fresh = access(cfg_path, F_OK) != 0;
	if (!fresh) {
		config *cur = config_load(cfg_path, err, sizeof err);
		if (!cur) {
			fprintf(stderr, "%s", err);
			rc = SYNCD_EX_CONFIG;
			goto out;
		}
		int other = strcmp(cur->site_id, site) != 0;
		int busy = !other && cur->sync.enabled &&
			   token_free(cur->sync.token_file, token, err, sizeof err) != 0;
		if (other)
			fprintf(stderr, "loket-syncd: %s is site \"%s\", the code is for \"%s\"\n",
				cfg_path, cur->site_id, site);
		else if (busy)
			fprintf(stderr, "loket-syncd: %s\n", err);
		config_free(cur);
		if (other || busy) {
			rc = other ? SYNCD_EX_CONFIG : SYNCD_EX_CANTCREAT;
			goto out;
		}
	}
	if (fresh && new_site_file(cfg_path, url, site, err, sizeof err)) {
		fprintf(stderr, "loket-syncd: %s\n", err);
		rc = SYNCD_EX_CANTCREAT;
		goto out;
	}
	char *ctext = json_dumps(conf, JSON_COMPACT);
	int r = ctext ? siteconf_apply(cfg_path, ctext, strlen(ctext), err, sizeof err) : SITECONF_IO;
	free(ctext);
	if (r < 0) {
		if (r == SITECONF_REFUSED)
			fprintf(stderr,
				"loket-syncd: the office's configuration does not pass the checks:\n%s\n",
				err);
		else
			fprintf(stderr, "loket-syncd: %s\n", err);
		if (fresh)
			unlink(cfg_path);
		rc = r == SITECONF_REFUSED ? SYNCD_EX_CONFIG : SYNCD_EX_CANTCREAT;
		goto out;
	}
	config *cfg = config_load(cfg_path, err, sizeof err);
	if (!cfg) {
		fprintf(stderr, "%s", err);
		rc = SYNCD_EX_CONFIG;
		goto out;
	}
	if (token_free(cfg->sync.token_file, token, err, sizeof err) ||
	    write_token(cfg->sync.token_file, token, err, sizeof err)) {
		fprintf(stderr, "loket-syncd: %s\n", err);
		config_free(cfg);
		rc = SYNCD_EX_CANTCREAT;
		goto out;
	}
	give_to_loket(cfg_path, 0); /* root:loket, 0640: the services read it */
	printf("enrolled as site %s: %s and %s written; start loket-syncd and the kiosk\n", site,
	       cfg_path, cfg->sync.token_file);
	config_free(cfg);
out:
	json_decref(ans);
	free(a.p);
	return rc;
}
