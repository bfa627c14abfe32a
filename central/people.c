/*
 * people — see people.h.
 */
#include "people.h"

#include <argon2.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "audit.h"
#include "clock.h"
#include "log.h"
#include "throttle.h"

#define SALT_LEN       16
#define HASH_LEN       32
#define FAIL_WINDOW_MS (15 * 60 * 1000)
#define FAIL_LOCK_MS   (5 * 60 * 1000)
#define TOUCH_EVERY_MS (60 * 1000)

static uint32_t cost_m = 19456, cost_t = 2;
static char dummy_hash[PEOPLE_HASH_LEN];
static sem_t hashers;
static pthread_mutex_t fails_mu = PTHREAD_MUTEX_INITIALIZER;
static throttle by_name, by_addr;

/* An environment number in [lo, hi], or dflt when unset. -1 if bad. */
static int env_cost(const char *name, uint32_t lo, uint32_t hi, uint32_t *out, char *err,
		    size_t errlen)
{
	const char *s = getenv(name);
	if (!s || !*s)
		return 0;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || s[0] == '-' || v < lo || v > hi) {
		snprintf(err, errlen, "%s: must be a number %u..%u, not \"%s\"", name, (unsigned)lo,
			 (unsigned)hi, s);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int hash_password(const char *pw, char out[PEOPLE_HASH_LEN])
{
	unsigned char salt[SALT_LEN];
	size_t got = 0;
	for (int tries = 0; got < sizeof salt && tries < 16; tries++) {
		ssize_t n = getrandom(salt + got, sizeof salt - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	if (got < sizeof salt)
		return -1;
	sem_wait(&hashers);
	int rc = argon2id_hash_encoded(cost_t, cost_m, 1, pw, strlen(pw), salt, sizeof salt,
				       HASH_LEN, out, PEOPLE_HASH_LEN);
	sem_post(&hashers);
	if (rc != ARGON2_OK) {
		log_error("argon2: %s", argon2_error_message(rc));
		return -1;
	}
	return 0;
}

/* 1 if pw is the password of hash. */
static int password_matches(const char *hash, const char *pw)
{
	sem_wait(&hashers);
	int rc = argon2id_verify(hash, pw, strlen(pw));
	sem_post(&hashers);
	if (rc != ARGON2_OK && rc != ARGON2_VERIFY_MISMATCH)
		log_warn("argon2: checking a password: %s", argon2_error_message(rc));
	return rc == ARGON2_OK;
}

int people_init(char *err, size_t errlen)
{
	if (env_cost("LOKET_ARGON2_MEMORY_KIB", 8, 4u << 20, &cost_m, err, errlen) ||
	    env_cost("LOKET_ARGON2_TIME", 1, 100, &cost_t, err, errlen))
		return -1;
	if (sem_init(&hashers, 0, PEOPLE_HASHERS)) {
		snprintf(err, errlen, "cannot make a semaphore: %s", strerror(errno));
		return -1;
	}
	throttle_init(&by_name, PEOPLE_FAIL_MAX, FAIL_WINDOW_MS, FAIL_LOCK_MS);
	throttle_init(&by_addr, PEOPLE_FAIL_MAX_ADDR, FAIL_WINDOW_MS, FAIL_LOCK_MS);
	return 0;
}

/* The dummy is made at the first sign-in, whoever it is for (the command
 * line never needs it); if that fails, unknown names are refused without
 * the work, as a failed hash of a known one would be. */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static void dummy_make(void)
{
	if (hash_password("not a password of anybody", dummy_hash))
		dummy_hash[0] = '\0';
}

int people_valid_name(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++) {
		char c = s[n];
		if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '.' ||
		      c == '_' || c == '@' || c == '-') ||
		    n >= PEOPLE_NAME_LEN - 1)
			return 0;
	}
	return n > 0;
}

int people_sees_site(const char *sites, const char *id)
{
	if (!sites[0])
		return 1;
	size_t n = strlen(id);
	for (const char *p = sites; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && !strncmp(p, id, n))
			return 1;
		p += len + (end ? 1 : 0);
	}
	return 0;
}

/* --- the changes -------------------------------------------------------- */

/* An account or session as read, for the checks. */
typedef struct found found;
struct found {
	people_who *who;
	char hash[PEOPLE_HASH_LEN];
	int64_t id;
	int enabled;
	int64_t created_ms, last_used_ms, expires_ms;
	int has_account;
	unsigned char admin_sha256[32]; /* an admin token's session: its token */
};
static int on_account(void *ctx, const cstore_account *a);

static int say(int rc, const char *name, char *err, size_t errlen)
{
	switch (rc) {
	case CSTORE_OK: break;
	case CSTORE_NOT_FOUND: snprintf(err, errlen, "no account \"%s\"", name); break;
	case CSTORE_CONFLICT: snprintf(err, errlen, "the name \"%s\" is taken", name); break;
	case CSTORE_BUSY: snprintf(err, errlen, "the database is busy: try again"); break;
	case CSTORE_FULL: snprintf(err, errlen, "the disk is full"); break;
	default: snprintf(err, errlen, "the database failed (see the log)"); break;
	}
	return rc;
}

static int password_ok(const char *pw, char *err, size_t errlen)
{
	size_t n = strlen(pw);
	if (n < PEOPLE_PW_MIN) {
		snprintf(err, errlen, "a password must have at least %d characters", PEOPLE_PW_MIN);
		return 0;
	}
	if (n > PEOPLE_PW_MAX) {
		snprintf(err, errlen, "a password may have at most %d bytes", PEOPLE_PW_MAX);
		return 0;
	}
	return 1;
}

typedef struct {
	const char *id;
	int found;
} site_find;

static int on_site(void *ctx, const cstore_site_rec *r)
{
	site_find *f = ctx;
	f->found |= !strcmp(r->id, f->id);
	return f->found;
}

/* Checks the site list in and writes it cleaned ("a,b", no repeats) to
 * out: 0, or PEOPLE_INVALID or a CSTORE_* status with err. */
static int sites_clean(cstore *st, const char *in, char out[PEOPLE_SITES_LEN], char *err,
		       size_t errlen)
{
	out[0] = '\0';
	size_t o = 0;
	int n = 0;
	for (const char *p = in ? in : ""; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char id[CCONF_ID_LEN + 1];
		if (len == 0 || len >= sizeof id) {
			snprintf(err, errlen, "sites: \"%.*s\" is not a site id", (int)len, p);
			return PEOPLE_INVALID;
		}
		memcpy(id, p, len);
		id[len] = '\0';
		p += len + (end ? 1 : 0);
		if (!cconf_valid_id(id)) {
			snprintf(err, errlen, "sites: \"%s\" is not a site id", id);
			return PEOPLE_INVALID;
		}
		site_find f = {id, 0};
		int rc = cstore_sites(st, on_site, &f);
		if (rc != CSTORE_OK)
			return say(rc, "", err, errlen);
		if (!f.found) {
			snprintf(err, errlen, "sites: no site \"%s\"", id);
			return PEOPLE_INVALID;
		}
		if (people_sees_site(out, id) && out[0])
			continue;
		if (++n > PEOPLE_SITES_MAX) {
			snprintf(err, errlen, "sites: at most %d", PEOPLE_SITES_MAX);
			return PEOPLE_INVALID;
		}
		o += (size_t)snprintf(out + o, PEOPLE_SITES_LEN - o, "%s%s", o ? "," : "", id);
	}
	return CSTORE_OK;
}

int people_add(cstore *st, const char *name, const char *role, const char *sites,
	       const char *password, char kept[PEOPLE_SITES_LEN], char *err, size_t errlen)
{
	if (kept)
		kept[0] = '\0';
	char clean[PEOPLE_SITES_LEN], hash[PEOPLE_HASH_LEN];
	if (!people_valid_name(name)) {
		snprintf(err, errlen,
			 "\"%s\" is not an account name (a-z, 0-9, . _ @ -, at most %d)", name,
			 PEOPLE_NAME_LEN - 1);
		return PEOPLE_INVALID;
	}
	if (strcmp(role, "admin") && strcmp(role, "viewer")) {
		snprintf(err, errlen, "role: admin or viewer, not \"%s\"", role);
		return PEOPLE_INVALID;
	}
	if (sites && *sites && !strcmp(role, "admin")) {
		snprintf(err, errlen, "an admin sees every site: a site list is for viewers");
		return PEOPLE_INVALID;
	}
	int rc = sites_clean(st, sites, clean, err, errlen);
	if (rc != CSTORE_OK)
		return rc;
	if (!password_ok(password, err, errlen))
		return PEOPLE_INVALID;
	if (hash_password(password, hash)) {
		snprintf(err, errlen, "cannot hash the password");
		return CSTORE_ERROR;
	}
	rc =
	    say(cstore_account_add(st, name, role, clean, hash, clock_now_ms()), name, err, errlen);
	if (rc == CSTORE_OK && kept)
		snprintf(kept, PEOPLE_SITES_LEN, "%s", clean);
	return rc;
}

int people_passwd(cstore *st, const char *name, const char *password, char *err, size_t errlen)
{
	char hash[PEOPLE_HASH_LEN];
	if (!password_ok(password, err, errlen))
		return PEOPLE_INVALID;
	if (hash_password(password, hash)) {
		snprintf(err, errlen, "cannot hash the password");
		return CSTORE_ERROR;
	}
	return say(cstore_account_password(st, name, hash, clock_now_ms()), name, err, errlen);
}

int people_enable(cstore *st, const char *name, int enabled, char *err, size_t errlen)
{
	return say(cstore_account_enable(st, name, enabled, clock_now_ms()), name, err, errlen);
}

int people_token_new(cstore *st, const char *name, char token[AUTH_SECRET_LEN], char *err,
		     size_t errlen)
{
	unsigned char sha[32];
	if (auth_secret_new(token, sha)) {
		snprintf(err, errlen, "no randomness from the kernel for a token");
		return CSTORE_ERROR;
	}
	int rc = cstore_token_add(st, name, sha, PEOPLE_TOKENS_MAX, clock_now_ms());
	if (rc == CSTORE_CONFLICT) {
		snprintf(err, errlen, "%s holds %d API tokens already: revoke them first", name,
			 PEOPLE_TOKENS_MAX);
		return rc;
	}
	return say(rc, name, err, errlen);
}

int people_token_revoke(cstore *st, const char *name, int *revoked, char *err, size_t errlen)
{
	/* An unknown name revokes nothing; say so rather than "0 revoked". */
	found f = {0};
	int rc = cstore_account_get(st, name, on_account, &f);
	OPENSSL_cleanse(f.hash, sizeof f.hash);
	if (rc == CSTORE_OK)
		rc = cstore_tokens_revoke(st, name, revoked);
	return say(rc, name, err, errlen);
}

/* --- sign-in, sessions, tokens ------------------------------------------ */

static int on_account(void *ctx, const cstore_account *a)
{
	found *f = ctx;
	f->id = a->id;
	f->enabled = a->enabled;
	f->has_account = 1;
	snprintf(f->hash, sizeof f->hash, "%s", a->pw_hash);
	if (f->who) {
		f->who->kind = PEOPLE_ACCOUNT;
		f->who->admin = !strcmp(a->role, "admin");
		snprintf(f->who->name, sizeof f->who->name, "%s", a->name);
		snprintf(f->who->sites, sizeof f->who->sites, "%s", f->who->admin ? "" : a->sites);
	}
	return 1;
}

static int new_session(cstore *st, int64_t account, const unsigned char *admin_sha256,
		       char sid[AUTH_SECRET_LEN])
{
	unsigned char sha[32];
	if (auth_secret_new(sid, sha))
		return PEOPLE_UNAVAILABLE;
	int64_t now = clock_now_ms();
	int rc = cstore_session_add(st, sha, account, admin_sha256, now,
				    now + (int64_t)PEOPLE_SESSION_S * 1000);
	return rc == CSTORE_OK ? PEOPLE_SIGNED_IN : PEOPLE_UNAVAILABLE;
}

/* An address as the throttle counts it: an IPv6 address by its /64 (one
 * household or server has a whole /64 to draw from), IPv4 as it is. */
static void addr_key(const char *peer, char out[THROTTLE_KEY_LEN])
{
	snprintf(out, THROTTLE_KEY_LEN, "%s", peer);
	if (!strchr(out, ':'))
		return;
	unsigned char a[16];
	if (inet_pton(AF_INET6, out, a) != 1)
		return;
	memset(a + 8, 0, 8);
	char s[64];
	if (inet_ntop(AF_INET6, a, s, sizeof s))
		snprintf(out, THROTTLE_KEY_LEN, "%s/64", s);
}

int people_throttled(const char *peer)
{
	char addr[THROTTLE_KEY_LEN];
	addr_key(peer, addr);
	pthread_mutex_lock(&fails_mu);
	int wait = throttle_wait_s(&by_addr, addr, clock_mono_ms());
	pthread_mutex_unlock(&fails_mu);
	return wait;
}

/* A lock starts: in the log and the audit log (once per lock, so a flood
 * of failures writes a line per PEOPLE_FAIL_MAX of them at most). */
static void locked(cstore *st, const char *what, const char *peer, int wait_s)
{
	log_warn("sign-in: %s from %s refused for %d s after repeated failures", what, peer,
		 wait_s);
	audit_note(st, "sign-in", "sign-in.locked", "%s from %s: refused for %d s", what, peer,
		   wait_s);
}

void people_token_failed(cstore *st, const char *peer)
{
	char addr[THROTTLE_KEY_LEN];
	addr_key(peer, addr);
	pthread_mutex_lock(&fails_mu);
	int wait = throttle_fail(&by_addr, addr, clock_mono_ms());
	pthread_mutex_unlock(&fails_mu);
	if (wait)
		locked(st, "the admin token", peer, wait);
}

int people_sign_in(cstore *st, const char *name, const char *password, const char *peer,
		   char sid[AUTH_SECRET_LEN], int *retry_s)
{
	char key[PEOPLE_NAME_LEN];
	size_t n = 0;
	for (; name[n] && n + 1 < sizeof key; n++)
		key[n] = (char)tolower((unsigned char)name[n]);
	key[n] = '\0';
	char addr[THROTTLE_KEY_LEN];
	addr_key(peer, addr);
	/* The attempt is counted as a failure before the password is checked
	 * and taken back if it succeeds, all under one lock: sign-ins sent at
	 * the same moment cannot all pass the check before one is counted. */
	int64_t mono = clock_mono_ms();
	int la = 0, lb = 0;
	pthread_mutex_lock(&fails_mu);
	int wa = throttle_attempt(&by_name, key, mono, &la), wb = 0;
	if (!wa) {
		wb = throttle_attempt(&by_addr, addr, mono, &lb);
		if (wb)
			throttle_undo(&by_name, key);
	}
	pthread_mutex_unlock(&fails_mu);
	if (wa || wb) {
		*retry_s = wa > wb ? wa : wb;
		return PEOPLE_THROTTLED;
	}
	pthread_once(&dummy_once, dummy_make);
	found f = {0};
	int rc = people_valid_name(key) && strlen(password) <= PEOPLE_PW_MAX
		     ? cstore_account_get(st, key, on_account, &f)
		     : CSTORE_NOT_FOUND;
	if (rc != CSTORE_OK && rc != CSTORE_NOT_FOUND)
		return PEOPLE_UNAVAILABLE;
	/* The same work whether the name is known or not. */
	int ok = password_matches(rc == CSTORE_OK ? f.hash : dummy_hash, password);
	ok = ok && rc == CSTORE_OK && f.enabled;
	OPENSSL_cleanse(f.hash, sizeof f.hash);
	if (ok) {
		pthread_mutex_lock(&fails_mu);
		throttle_reset(&by_name, key);
		throttle_undo(&by_addr, addr);
		pthread_mutex_unlock(&fails_mu);
	} else {
		/* The attempt stays counted; the one that reached the limit
		 * says the lock has started, once. */
		char what[PEOPLE_NAME_LEN + 16];
		snprintf(what, sizeof what, "name \"%s\"",
			 people_valid_name(key) ? key : "(not a name)");
		int lock_s = (int)(FAIL_LOCK_MS / 1000);
		if (la)
			locked(st, what, peer, lock_s);
		if (lb)
			locked(st, "any name", peer, lock_s);
		*retry_s = la || lb ? lock_s : 0;
		return PEOPLE_REFUSED;
	}
	return new_session(st, f.id, NULL, sid);
}

int people_sign_in_admin_token(cstore *st, const unsigned char admin_sha256[32],
			       char sid[AUTH_SECRET_LEN])
{
	return new_session(st, 0, admin_sha256, sid);
}

void people_sign_out(cstore *st, const char *sid)
{
	unsigned char sha[32];
	if (strlen(sid) == 64 && !auth_sha256(sid, 64, sha))
		cstore_session_end(st, sha);
}

static int on_session(void *ctx, const cstore_session *s)
{
	found *f = ctx;
	f->created_ms = s->created_ms;
	f->last_used_ms = s->last_used_ms;
	f->expires_ms = s->expires_ms;
	if (s->account)
		on_account(f, s->account);
	else if (s->admin_sha256)
		memcpy(f->admin_sha256, s->admin_sha256, 32);
	return 1;
}

int people_session(cstore *st, const char *sid, const unsigned char admin_sha256[32],
		   people_who *who)
{
	unsigned char sha[32];
	memset(who, 0, sizeof *who);
	if (strlen(sid) != 64 || auth_sha256(sid, 64, sha))
		return -1;
	people_who w = {0};
	found f = {.who = &w};
	if (cstore_session_get(st, sha, on_session, &f) != CSTORE_OK)
		return -1;
	OPENSSL_cleanse(f.hash, sizeof f.hash);
	int64_t now = clock_now_ms();
	if (now >= f.expires_ms || now - f.last_used_ms >= (int64_t)PEOPLE_IDLE_S * 1000 ||
	    (f.has_account && !f.enabled) ||
	    (!f.has_account &&
	     (!admin_sha256 || CRYPTO_memcmp(f.admin_sha256, admin_sha256, 32)))) {
		cstore_session_end(st, sha);
		return -1;
	}
	if (now - f.last_used_ms >= TOUCH_EVERY_MS)
		cstore_session_touch(st, sha, now);
	if (!f.has_account) {
		w.kind = PEOPLE_ADMIN_TOKEN;
		w.admin = 1;
		snprintf(w.name, sizeof w.name, "admin token");
	}
	*who = w;
	return 0;
}

int people_api_token(cstore *st, const char *token, size_t len, people_who *who)
{
	unsigned char sha[32];
	memset(who, 0, sizeof *who);
	if (auth_sha256(token, len, sha))
		return -1;
	people_who w = {0};
	found f = {.who = &w};
	if (cstore_token_get(st, sha, on_account, &f) != CSTORE_OK)
		return -1;
	OPENSSL_cleanse(f.hash, sizeof f.hash);
	if (!f.enabled)
		return -1;
	*who = w;
	return 0;
}
