/*
 * zec_sign.c - ZC2-HMAC-SHA256 signing and Authorization header handling.
 *
 * canonical_request = "POST\n/\n\ncontent-type:<ct>\nhost:<host>\n\n"
 *                     "content-type;host\n<hex sha256(body)>"
 * string_to_sign    = "ZC2-HMAC-SHA256\n<timestamp>\n<hex sha256(canonical)>"
 * signature         = hex(hmac_sha256(secret, string_to_sign))
 */
#include "zec_sign.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

static void to_hex(const unsigned char *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

int zec_sha256_hex(const void *data, size_t len, char out[ZEC_HEX256_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (!data && len)
		return -EINVAL;
	if (!EVP_Digest(data ? data : "", len, md, &md_len, EVP_sha256(), NULL))
		return -EIO;
	to_hex(md, md_len, out);
	return 0;
}

int zec_hmac_sha256_hex(const void *key, size_t key_len,
                        const void *msg, size_t msg_len,
                        char out[ZEC_HEX256_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (!HMAC(EVP_sha256(), key ? key : "", (int)key_len,
	          msg ? msg : (const void *)"", msg_len, md, &md_len))
		return -EIO;
	to_hex(md, md_len, out);
	return 0;
}

int zec_signature(const char *secret, const char *timestamp,
                  const char *content_type, const char *host,
                  const void *body, size_t body_len,
                  char out[ZEC_HEX256_LEN + 1])
{
	char payload_hash[ZEC_HEX256_LEN + 1];
	char canonical_hash[ZEC_HEX256_LEN + 1];
	char *canonical = NULL, *to_sign = NULL;
	int ret;

	if (!secret || !timestamp || !content_type || !host)
		return -EINVAL;
	ret = zec_sha256_hex(body, body_len, payload_hash);
	if (ret)
		goto out;
	if (asprintf(&canonical, "POST\n/\n\ncontent-type:%s\nhost:%s\n\n%s\n%s",
	             content_type, host, ZEC_SIGNED_HEADERS, payload_hash) < 0) {
		canonical = NULL;
		ret = -ENOMEM;
		goto out;
	}
	ret = zec_sha256_hex(canonical, strlen(canonical), canonical_hash);
	if (ret)
		goto out;
	if (asprintf(&to_sign, "%s\n%s\n%s", ZEC_SIGN_METHOD, timestamp,
	             canonical_hash) < 0) {
		to_sign = NULL;
		ret = -ENOMEM;
		goto out;
	}
	ret = zec_hmac_sha256_hex(secret, strlen(secret), to_sign,
	                          strlen(to_sign), out);
out:
	free(canonical);
	free(to_sign);
	return ret;
}

int zec_format_authorization(char *buf, size_t size, const char *key_id,
                             const char *signature)
{
	int n = snprintf(buf, size, "%s Credential=%s, SignedHeaders=%s, Signature=%s",
	                 ZEC_SIGN_METHOD, key_id, ZEC_SIGNED_HEADERS, signature);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* Copies the value of "Key=" up to ',' or end into dst. */
static int take_field(const char *s, const char *key, char *dst, size_t dst_size)
{
	const char *p = s;
	size_t klen = strlen(key);

	while ((p = strstr(p, key)) != NULL) {
		/* must start the string or follow a space or comma */
		if (p == s || p[-1] == ' ' || p[-1] == ',')
			break;
		p += klen;
	}
	if (!p)
		return -EINVAL;
	p += klen;
	size_t n = strcspn(p, ", ");
	if (n == 0 || n >= dst_size)
		return -EINVAL;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 0;
}

int zec_parse_authorization(const char *header, struct zec_auth *out)
{
	size_t mlen = strlen(ZEC_SIGN_METHOD);
	int ret;

	memset(out, 0, sizeof(*out));
	if (!header)
		return -EINVAL;
	if (strncmp(header, "Bearer ", 7) == 0) {
		const char *tok = header + 7;
		size_t n = strlen(tok);
		if (n == 0 || n >= sizeof(out->token) || strchr(tok, ' '))
			return -EINVAL;
		out->bearer = 1;
		memcpy(out->token, tok, n + 1);
		return 0;
	}
	if (strncmp(header, ZEC_SIGN_METHOD, mlen) != 0 || header[mlen] != ' ')
		return -EINVAL;
	header += mlen + 1;
	ret = take_field(header, "Credential=", out->key_id, sizeof(out->key_id));
	if (!ret)
		ret = take_field(header, "SignedHeaders=", out->signed_headers,
		                 sizeof(out->signed_headers));
	if (!ret)
		ret = take_field(header, "Signature=", out->signature,
		                 sizeof(out->signature));
	if (!ret && strlen(out->signature) != ZEC_HEX256_LEN)
		ret = -EINVAL;
	return ret;
}

int zec_secure_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = (unsigned char)(la != lb);
	size_t n = la < lb ? la : lb;

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}
