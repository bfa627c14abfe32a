/*
 * auth — see auth.h.
 */
#include "auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

int auth_sha256(const char *s, size_t len, unsigned char out[32])
{
	unsigned int dlen = 0;
	return EVP_Digest(s, len, out, &dlen, EVP_sha256(), NULL) && dlen == 32 ? 0 : -1;
}

int auth_secret_new(char out[AUTH_SECRET_LEN], unsigned char sha[32])
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
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	OPENSSL_cleanse(raw, sizeof raw);
	return auth_sha256(out, 64, sha);
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
	if (CRYPTO_memcmp(d, c->admin_sha256, 32) == 0 && c->has_admin_token)
		who = AUTH_ADMIN;
	for (int i = 0; i < c->nsites; i++)
		if (CRYPTO_memcmp(d, c->sites[i].token_sha256, 32) == 0)
			who = i;
	return who;
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
