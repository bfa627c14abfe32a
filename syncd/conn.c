/*
 * conn — see conn.h.
 */
#include "conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct sync_conn {
	CURLM *multi;
	CURL *easy;
	int busy;
	sync_req kind; /* of the transfer in flight */
	char url[CONFIG_PATH_LEN + 128];
	char profile_url[CONFIG_PATH_LEN + 128];
	char heartbeat_url[CONFIG_PATH_LEN + 128];
	char config_url[CONFIG_PATH_LEN + 128];
	struct curl_slist *hdr_get; /* the GET's headers (If-None-Match), or NULL */
	char etag[SYNC_ETAG_MAX];    /* of the answer being read */
	struct curl_slist *hdr_plain, *hdr_gzip;
	char errbuf[CURL_ERROR_SIZE];
	char *body; /* the answer, capped at SYNC_ANSWER_MAX */
	size_t body_len;
	int overflow;
};

static long env_seconds(const char *name, long def)
{
	const char *s = getenv(name);
	if (!s || !*s)
		return def;
	char *end;
	long v = strtol(s, &end, 10);
	return (*end || v < 1 || v > 3600) ? def : v;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	sync_conn *c = arg;
	size_t n = size * nmemb;
	if (c->body_len + n > SYNC_ANSWER_MAX) {
		c->overflow = 1;
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	memcpy(c->body + c->body_len, p, n);
	c->body_len += n;
	c->body[c->body_len] = '\0';
	return n;
}

/* Keeps the ETag of the answer (the config GET's). */
static size_t on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	sync_conn *c = arg;
	size_t n = size * nmemb;
	if (n > 5 && !strncasecmp(p, "ETag:", 5)) {
		size_t i = 5, e = n;
		while (i < e && (p[i] == ' ' || p[i] == '\t'))
			i++;
		while (e > i && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' '))
			e--;
		/* visible ASCII only (RFC 9110): it goes into the store, the
		 * profile and the heartbeat as text */
		int ok = e > i && e - i < sizeof c->etag;
		for (size_t k = i; ok && k < e; k++)
			ok = p[k] > 0x20 && p[k] < 0x7f;
		if (ok)
			snprintf(c->etag, sizeof c->etag, "%.*s", (int)(e - i), p + i);
	}
	return n;
}

sync_conn *sync_conn_new(void)
{
	sync_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->body = malloc(SYNC_ANSWER_MAX + 1);
	c->multi = curl_multi_init();
	c->easy = curl_easy_init();
	if (!c->body || !c->multi || !c->easy) {
		sync_conn_free(c);
		return NULL;
	}
	/* Keep one connection: a site talks to one central office. */
	curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 1L);
	return c;
}

static void drop_headers(sync_conn *c)
{
	/* The lists hold the token: wipe before freeing. */
	for (struct curl_slist *l = c->hdr_plain; l; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	for (struct curl_slist *l = c->hdr_gzip; l; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(c->hdr_plain);
	curl_slist_free_all(c->hdr_gzip);
	c->hdr_plain = c->hdr_gzip = NULL;
}

void sync_conn_free(sync_conn *c)
{
	if (!c)
		return;
	sync_conn_abort(c);
	if (c->easy)
		curl_easy_cleanup(c->easy);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	drop_headers(c);
	free(c->body);
	free(c);
}

static struct curl_slist *headers(const char *auth, int gzip)
{
	struct curl_slist *l = NULL, *t;
	const char *h[] = {auth, "Content-Type: application/json", "Accept: application/json",
			   /* No "Expect: 100-continue": a round trip per batch. */
			   "Expect:", gzip ? "Content-Encoding: gzip" : NULL};
	for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
		if (!h[i])
			continue;
		t = curl_slist_append(l, h[i]);
		if (!t) {
			curl_slist_free_all(l);
			return NULL;
		}
		l = t;
	}
	return l;
}

int sync_conn_configure(sync_conn *c, const config *cfg, const char *token, char *err,
			size_t errlen)
{
	if (c->busy) {
		snprintf(err, errlen, "a transfer is in flight");
		return -1;
	}
	size_t ulen = strlen(cfg->sync.url);
	while (ulen > 0 && cfg->sync.url[ulen - 1] == '/')
		ulen--;
	snprintf(c->url, sizeof c->url, "%.*s/api/v1/sites/%s/events", (int)ulen, cfg->sync.url,
		 cfg->site_id);
	snprintf(c->profile_url, sizeof c->profile_url, "%.*s/api/v1/sites/%s/profile", (int)ulen,
		 cfg->sync.url, cfg->site_id);
	snprintf(c->heartbeat_url, sizeof c->heartbeat_url, "%.*s/api/v1/sites/%s/heartbeat",
		 (int)ulen, cfg->sync.url, cfg->site_id);
	snprintf(c->config_url, sizeof c->config_url, "%.*s/api/v1/sites/%s/config", (int)ulen,
		 cfg->sync.url, cfg->site_id);

	char auth[64 + 1024];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	drop_headers(c);
	c->hdr_plain = headers(auth, 0);
	c->hdr_gzip = headers(auth, 1);
	explicit_bzero(auth, sizeof auth);
	if (!c->hdr_plain || !c->hdr_gzip) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}

	CURL *e = c->easy;
	curl_easy_reset(e);
	CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
	do {                                                                                       \
		if (rc == CURLE_OK)                                                                \
			rc = curl_easy_setopt(e, opt, val);                                        \
	} while (0)
	SET(CURLOPT_URL, c->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, c->errbuf);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, c);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, c);
	SET(CURLOPT_CONNECTTIMEOUT, env_seconds("LOKET_SYNCD_CONNECT_S", 10));
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, env_seconds("LOKET_SYNCD_STALL_S", 30));
	SET(CURLOPT_TIMEOUT, 600L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_TCP_NODELAY, 1L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_USERAGENT, "loket-syncd/" LOKET_VERSION);
	if (cfg->sync.ca_file[0])
		SET(CURLOPT_CAINFO, cfg->sync.ca_file);
	SET(CURLOPT_POST, 1L);
#undef SET
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "libcurl: %s", curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

/* After a request other than a batch: the handle goes back to POSTing
 * batches. */
static void profile_done(sync_conn *c)
{
	if (c->kind == SYNC_REQ_EVENTS)
		return;
	c->kind = SYNC_REQ_EVENTS;
	curl_easy_setopt(c->easy, CURLOPT_URL, c->url);
	curl_easy_setopt(c->easy, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(c->easy, CURLOPT_POST, 1L);
	for (struct curl_slist *h = c->hdr_get; h; h = h->next)
		explicit_bzero(h->data, strlen(h->data)); /* the token's copy */
	curl_slist_free_all(c->hdr_get);
	c->hdr_get = NULL;
}

int sync_conn_get_config(sync_conn *c, const char *etag)
{
	if (c->busy)
		return -1;
	/* the batch's headers (the token among them), and If-None-Match */
	struct curl_slist *l = NULL;
	for (struct curl_slist *h = c->hdr_plain; h; h = h->next)
		if (strncasecmp(h->data, "Content-Type:", 13)) {
			struct curl_slist *t = curl_slist_append(l, h->data);
			if (!t) {
				curl_slist_free_all(l);
				return -1;
			}
			l = t;
		}
	if (etag && etag[0]) {
		char inm[SYNC_ETAG_MAX + 32];
		snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
		struct curl_slist *t = curl_slist_append(l, inm);
		if (!t) {
			curl_slist_free_all(l);
			return -1;
		}
		l = t;
	}
	c->body_len = 0;
	c->body[0] = '\0';
	c->overflow = 0;
	c->errbuf[0] = '\0';
	c->etag[0] = '\0';
	c->hdr_get = l;
	c->kind = SYNC_REQ_CONFIG;
	if (curl_easy_setopt(c->easy, CURLOPT_URL, c->config_url) ||
	    curl_easy_setopt(c->easy, CURLOPT_HTTPGET, 1L) ||
	    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, l) ||
	    curl_multi_add_handle(c->multi, c->easy) != CURLM_OK) {
		profile_done(c);
		return -1;
	}
	c->busy = 1;
	return 0;
}

int sync_conn_send(sync_conn *c, sync_req kind, const void *body, size_t len)
{
	if (c->busy)
		return -1;
	if (kind == SYNC_REQ_EVENTS)
		return sync_conn_start(c, body, len, 0);
	const char *url = kind == SYNC_REQ_PROFILE ? c->profile_url : c->heartbeat_url;
	if (curl_easy_setopt(c->easy, CURLOPT_URL, url) ||
	    curl_easy_setopt(c->easy, CURLOPT_CUSTOMREQUEST,
			     kind == SYNC_REQ_PROFILE ? "PUT" : NULL) ||
	    sync_conn_start(c, body, len, 0)) {
		curl_easy_setopt(c->easy, CURLOPT_URL, c->url);
		curl_easy_setopt(c->easy, CURLOPT_CUSTOMREQUEST, NULL);
		return -1;
	}
	c->kind = kind;
	return 0;
}

int sync_conn_start(sync_conn *c, const void *body, size_t len, int gzipped)
{
	if (c->busy)
		return -1;
	c->etag[0] = '\0';
	c->body_len = 0;
	c->body[0] = '\0';
	c->overflow = 0;
	c->errbuf[0] = '\0';
	if (curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, gzipped ? c->hdr_gzip : c->hdr_plain) ||
	    curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) ||
	    curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, body))
		return -1;
	if (curl_multi_add_handle(c->multi, c->easy) != CURLM_OK)
		return -1;
	c->busy = 1;
	return 0;
}

int sync_conn_busy(const sync_conn *c)
{
	return c->busy;
}

int sync_conn_wait(sync_conn *c, struct curl_waitfd *extra, unsigned n, int timeout_ms)
{
	for (unsigned i = 0; i < n; i++)
		extra[i].revents = 0;
	return curl_multi_wait(c->multi, extra, n, timeout_ms, NULL) == CURLM_OK ? 0 : -1;
}

int sync_conn_step(sync_conn *c, sync_answer *a)
{
	if (!c->busy)
		return 0;
	int running = 0;
	curl_multi_perform(c->multi, &running);
	int left;
	CURLMsg *m;
	while ((m = curl_multi_info_read(c->multi, &left))) {
		if (m->msg != CURLMSG_DONE || m->easy_handle != c->easy)
			continue;
		CURLcode res = m->data.result;
		memset(a, 0, sizeof *a);
		a->retry_after_s = -1;
		a->body = c->body;
		a->body_len = c->body_len;
		curl_off_t up = 0, down = 0, ra = -1;
		long req = 0, hdr = 0;
		curl_easy_getinfo(c->easy, CURLINFO_SIZE_UPLOAD_T, &up);
		curl_easy_getinfo(c->easy, CURLINFO_SIZE_DOWNLOAD_T, &down);
		curl_easy_getinfo(c->easy, CURLINFO_REQUEST_SIZE, &req);
		curl_easy_getinfo(c->easy, CURLINFO_HEADER_SIZE, &hdr);
		/* request_size counts what was written with the headers, which
		 * for a body small enough to go along is the body too. */
		a->bytes_up = req >= up ? req : (int64_t)up + req;
		a->bytes_down = (int64_t)down + hdr;
		if (res == CURLE_OK) {
			curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &a->status);
			if (curl_easy_getinfo(c->easy, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK &&
			    ra >= 0 && (a->status == 429 || a->status == 503))
				a->retry_after_s = (long)ra;
		} else {
			a->tls = res == CURLE_PEER_FAILED_VERIFICATION ||
				 res == CURLE_SSL_CONNECT_ERROR || res == CURLE_SSL_CERTPROBLEM ||
				 res == CURLE_SSL_CACERT_BADFILE || res == CURLE_SSL_ISSUER_ERROR ||
				 res == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
			snprintf(a->error, sizeof a->error, "%s",
				 c->overflow	? "the answer is longer than 512 KiB"
				 : c->errbuf[0] ? c->errbuf
						: curl_easy_strerror(res));
		}
		curl_multi_remove_handle(c->multi, c->easy);
		c->busy = 0;
		a->kind = c->kind;
		snprintf(a->etag, sizeof a->etag, "%s", c->etag);
		profile_done(c);
		return 1;
	}
	return 0;
}

void sync_conn_abort(sync_conn *c)
{
	if (c && c->busy) {
		curl_multi_remove_handle(c->multi, c->easy);
		c->busy = 0;
		profile_done(c);
	}
}

const char *sync_conn_url(const sync_conn *c)
{
	return c->url;
}
