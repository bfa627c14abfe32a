/*
 * sites — see sites.h.
 */
#include "sites.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "clock.h"
#include "log.h"

struct sites {
	cstore *st;
	pthread_mutex_t mu;
	sites_snap *cur;
	int64_t version;       /* cstore_version when cur was checked */
	int64_t sites_version; /* cstore_sites_version of cur */
	int have_version;
};

static sites_snap empty_snap = {0, NULL, 1};

static void snap_unref(sites_snap *snap)
{
	if (!snap || snap == &empty_snap || --snap->refs > 0)
		return;
	free(snap->v);
	free(snap);
}

typedef struct {
	sites_snap *snap;
	int cap;
} reading;

static int on_site(void *ctx, const cstore_site_rec *r)
{
	reading *rd = ctx;
	if (rd->snap->n == rd->cap) {
		int cap = rd->cap ? rd->cap * 2 : 16;
		if (cap > CCONF_MAX_SITES)
			cap = CCONF_MAX_SITES;
		if (rd->snap->n >= cap)
			return 1; /* sites_add keeps below this */
		cconf_site *v = realloc(rd->snap->v, (size_t)cap * sizeof *v);
		if (!v)
			return 1;
		rd->snap->v = v;
		rd->cap = cap;
	}
	cconf_site *s = &rd->snap->v[rd->snap->n++];
	memset(s, 0, sizeof *s);
	snprintf(s->id, sizeof s->id, "%s", r->id);
	snprintf(s->name, sizeof s->name, "%s", r->name[0] ? r->name : r->id);
	memcpy(s->token_sha256, r->token_sha256, 32);
	s->disabled = !r->enabled;
	return 0;
}

static sites_snap *snap_read(cstore *st)
{
	sites_snap *snap = calloc(1, sizeof *snap);
	if (!snap)
		return NULL;
	snap->refs = 1;
	reading rd = {snap, 0};
	if (cstore_sites(st, on_site, &rd) != CSTORE_OK) {
		free(snap->v);
		free(snap);
		return NULL;
	}
	return snap;
}

sites *sites_new(cstore *st, char *err, size_t errlen)
{
	sites *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->st = st;
	pthread_mutex_init(&s->mu, NULL);
	s->have_version = cstore_version(st, &s->version) == CSTORE_OK &&
			  cstore_sites_version(st, &s->sites_version) == CSTORE_OK;
	s->cur = snap_read(st);
	if (!s->cur) {
		snprintf(err, errlen, "cannot read the sites from the database");
		sites_free(s);
		return NULL;
	}
	return s;
}

void sites_free(sites *s)
{
	if (!s)
		return;
	snap_unref(s->cur);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

const sites_snap *sites_take(sites *s)
{
	int64_t v = 0, sv = 0;
	int known = cstore_version(s->st, &v) == CSTORE_OK;
	pthread_mutex_lock(&s->mu);
	/* Most commits are batches and heartbeats: only a change of
	 * sites_version (one row) means reading the sites again. */
	if (!known || !s->have_version || v != s->version) {
		int sknown = cstore_sites_version(s->st, &sv) == CSTORE_OK;
		if (!sknown || !s->have_version || sv != s->sites_version) {
			/* On failure keep the last one (a busy database does
			 * not sign every site out) and try again next time. */
			sites_snap *fresh = snap_read(s->st);
			if (fresh) {
				snap_unref(s->cur);
				s->cur = fresh;
				s->sites_version = sv;
			}
			s->have_version = known && sknown && fresh;
		}
		s->version = v;
	}
	sites_snap *snap = s->cur ? s->cur : &empty_snap;
	snap->refs++;
	pthread_mutex_unlock(&s->mu);
	return snap;
}

void sites_drop(sites *s, const sites_snap *snap)
{
	pthread_mutex_lock(&s->mu);
	snap_unref((sites_snap *)snap);
	pthread_mutex_unlock(&s->mu);
}

int sites_token_new(char token[SITES_TOKEN_LEN], unsigned char sha[32])
{
	unsigned char raw[32];
	size_t got = 0;
	for (int tries = 0; got < sizeof raw && tries < 16; tries++) {
		ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	if (got < sizeof raw)
		return -1;
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	unsigned int dlen = 0;
	if (!EVP_Digest(token, 64, sha, &dlen, EVP_sha256(), NULL) || dlen != 32)
		return -1;
	return 0;
}

static int say(int rc, const char *id, char *err, size_t errlen)
{
	switch (rc) {
	case CSTORE_OK: break;
	case CSTORE_CONFLICT: snprintf(err, errlen, "there is a site \"%s\" already", id); break;
	case CSTORE_NOT_FOUND: snprintf(err, errlen, "there is no site \"%s\"", id); break;
	case CSTORE_BUSY: snprintf(err, errlen, "the database is busy: try again"); break;
	case CSTORE_FULL: snprintf(err, errlen, "the disk is full"); break;
	default: snprintf(err, errlen, "the database failed (see the log)"); break;
	}
	return rc;
}

static int count_site(void *ctx, const cstore_site_rec *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

int sites_add(cstore *st, const char *id, const char *name, char token[SITES_TOKEN_LEN], char *err,
	      size_t errlen)
{
	unsigned char sha[32];
	int n = 0;
	if (!cconf_valid_id(id)) {
		snprintf(err, errlen, "\"%s\" is not a site id: 1 to %d of a-z, 0-9, _ and -", id,
			 CCONF_ID_LEN - 1);
		return SITES_INVALID;
	}
	int control = 0;
	for (const char *p = name; *p; p++)
		control |= (unsigned char)*p < 0x20 || *p == 0x7f;
	if (!name[0] || strlen(name) >= CCONF_TEXT_LEN || control) {
		snprintf(err, errlen, "a site's name: 1 to %d bytes, no control characters",
			 CCONF_TEXT_LEN - 1);
		return SITES_INVALID;
	}
	if (cstore_sites(st, count_site, &n) != CSTORE_OK)
		return say(CSTORE_ERROR, id, err, errlen);
	if (n >= CCONF_MAX_SITES) {
		snprintf(err, errlen, "central takes at most %d sites", CCONF_MAX_SITES);
		return SITES_INVALID;
	}
	if (sites_token_new(token, sha)) {
		snprintf(err, errlen, "no randomness from the kernel for a token");
		return CSTORE_ERROR;
	}
	return say(cstore_site_add(st, id, name, sha, clock_now_ms()), id, err, errlen);
}

int sites_rotate(cstore *st, const char *id, char token[SITES_TOKEN_LEN], char *err, size_t errlen)
{
	unsigned char sha[32];
	if (sites_token_new(token, sha)) {
		snprintf(err, errlen, "no randomness from the kernel for a token");
		return CSTORE_ERROR;
	}
	return say(cstore_site_token(st, id, sha, clock_now_ms()), id, err, errlen);
}

int sites_enable(cstore *st, const char *id, int enabled, char *err, size_t errlen)
{
	return say(cstore_site_enable(st, id, enabled, clock_now_ms()), id, err, errlen);
}

int sites_import(cstore *st, const cconf *c, int say_not_read, char *err, size_t errlen)
{
	cstore_site_new *v = calloc((size_t)c->nsites + 1, sizeof *v);
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < c->nsites; i++)
		v[i] =
		    (cstore_site_new){c->sites[i].id, c->sites[i].name, c->sites[i].token_sha256};
	int done = 0;
	size_t n = 0;
	int rc = cstore_sites_import(st, v, (size_t)c->nsites, clock_now_ms(), &done, &n);
	free(v);
	if (rc != CSTORE_OK) {
		char db[CCONF_PATH_LEN];
		snprintf(err, errlen, "%s: cannot import the sites of %s",
			 cconf_database_shown(c, db, sizeof db), c->path);
		return -1;
	}
	if (!done && c->nsites)
		log_info(
		    "%zu site%s imported from %s into the database; from now on the sites live "
		    "in the database (loket-central site ...) and the file's \"sites\" are no "
		    "longer read",
		    n, n == 1 ? "" : "s", c->path);
	else if (c->nsites && say_not_read)
		log_info("the sites live in the database: %s's \"sites\" are not read (imported "
			 "once, at the first start)",
			 c->path);
	return 0;
}
