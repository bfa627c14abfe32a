/*
 * auth — see auth.h.
 */
#include "auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

static unsigned char session_key[32];

int auth_init(void)
{
	size_t got = 0;
	while (got < sizeof session_key) {
		ssize_t n = getrandom(session_key + got, sizeof session_key - got, 0);
		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

const char *auth_bearer(const char *header, size_t *len)
{
	if (!header || strncasecmp(header, "Bearer ", 7))
		return NULL;
	const char *t = header + 7;
	while (*t == ' ')
		t++;
	size_t n = strlen(t);
	while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		n--;
	if (n == 0 || n > AUTH_TOKEN_MAX)
		return NULL;
	*len = n;
	return t;
}

int auth_is_metrics(const cconf *c, const char *token, size_t len)
{
	unsigned char d[32];
	unsigned int dlen = 0;
	if (!c->has_metrics_token || !token ||
	    !EVP_Digest(token, len, d, &dlen, EVP_sha256(), NULL) || dlen != 32)
		return 0;
	return CRYPTO_memcmp(d, c->metrics_sha256, 32) == 0;
}

int auth_who(const cconf *c, const char *token, size_t len)
{
	unsigned char d[32];
	unsigned int dlen = 0;
	if (!token || !EVP_Digest(token, len, d, &dlen, EVP_sha256(), NULL) || dlen != 32)
		return AUTH_NOBODY;
	int who = AUTH_NOBODY;
	/* No early exit: every digest is compared, whichever matched. */
	if (CRYPTO_memcmp(d, c->admin_sha256, 32) == 0)
		who = AUTH_ADMIN;
	for (int i = 0; i < c->nsites; i++)
		if (CRYPTO_memcmp(d, c->sites[i].token_sha256, 32) == 0)
			who = i;
	return who;
}

static void mac_hex(int64_t expiry, char out[65])
{
	char msg[64];
	int n = snprintf(msg, sizeof msg, "loket-session:%lld", (long long)expiry);
	unsigned char mac[32];
	unsigned int mlen = 0;
	HMAC(EVP_sha256(), session_key, sizeof session_key, (const unsigned char *)msg, (size_t)n,
	     mac, &mlen);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

void auth_session_new(int64_t now_s, char out[AUTH_COOKIE_LEN])
{
	char mac[65];
	int64_t exp = now_s + AUTH_SESSION_S;
	mac_hex(exp, mac);
	snprintf(out, AUTH_COOKIE_LEN, "%lld.%s", (long long)exp, mac);
}

int auth_session_valid(const char *value, int64_t now_s)
{
	char *end;
	long long exp = strtoll(value, &end, 10);
	if (end == value || *end != '.' || exp <= now_s || exp > now_s + AUTH_SESSION_S)
		return 0;
	if (strlen(end + 1) != 64)
		return 0;
	char mac[65];
	mac_hex(exp, mac);
	return CRYPTO_memcmp(mac, end + 1, 64) == 0;
}

int auth_cookie_get(const char *header, const char *name, char *out, size_t cap)
{
	if (!header)
		return -1;
	size_t nl = strlen(name);
	const char *p = header;
	while (*p) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > nl && !strncmp(p, name, nl) && p[nl] == '=') {
			size_t vl = len - nl - 1;
			if (vl >= cap)
				return -1;
			memcpy(out, p + nl + 1, vl);
			out[vl] = '\0';
			return 0;
		}
		p += len;
	}
	return -1;
}
