/*
 * hash — see hash.h.
 */
#include "hash.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

int hash_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	out[0] = '\0';
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return -1;
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

int hash_hex_valid(const char *s)
{
	size_t i;
	for (i = 0; s[i]; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return i == 64;
}

int hash_secret_matches(const char *secret, size_t len, const char *want_hex)
{
	char got[HASH_HEX_LEN], want[HASH_HEX_LEN];
	if (!hash_hex_valid(want_hex) || hash_sha256_hex(secret, len, got) != 0)
		return 0;
	for (int i = 0; i < 65; i++)
		want[i] = (char)tolower((unsigned char)want_hex[i]);
	return CRYPTO_memcmp(got, want, 64) == 0;
}
