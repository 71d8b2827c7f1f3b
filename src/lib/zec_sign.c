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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define SHA256_LEN   32
#define SHA256_BLOCK 64

/*
 * SHA-256 fetched once.  From OpenSSL 3 on, EVP_sha256() hands out a
 * stand-in that every EVP_Digest and HMAC call resolves again through the
 * provider store, locks included: about 20,000 instructions a call, most
 * of a request's signing.  The fetched one is released at exit, before
 * OpenSSL's own clean-up (registered earlier, so run later).
 */
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_release(void)
{
	EVP_MD_free(sha256_md);
	sha256_md = NULL;
}

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (sha256_md && atexit(sha256_release) != 0)
		sha256_release();
}
#endif

static const EVP_MD *sha256(void)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	pthread_once(&sha256_once, sha256_fetch);
	if (sha256_md)
		return sha256_md;
#endif
	return EVP_sha256();
}

static void to_hex(const unsigned char *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/* SHA-256 of a then b (either may be empty) into md, with ctx. */
static int digest2(EVP_MD_CTX *ctx, const void *a, size_t a_len, const void *b, size_t b_len,
                   unsigned char md[SHA256_LEN])
{
	unsigned int md_len = 0;

	if (!EVP_DigestInit_ex(ctx, sha256(), NULL) ||
	    (a_len && !EVP_DigestUpdate(ctx, a, a_len)) ||
	    (b_len && !EVP_DigestUpdate(ctx, b, b_len)) ||
	    !EVP_DigestFinal_ex(ctx, md, &md_len) || md_len != SHA256_LEN)
		return -EIO;
	return 0;
}

int zec_sha256_hex(const void *data, size_t len, char out[ZEC_HEX256_LEN + 1])
{
	unsigned char md[SHA256_LEN];
	EVP_MD_CTX *ctx;
	int ret;

	if (!data && len)
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ret = digest2(ctx, data, len, NULL, 0, md);
	if (!ret)
		to_hex(md, sizeof(md), out);
	EVP_MD_CTX_free(ctx);
	return ret;
}

/*
 * HMAC-SHA256 (RFC 2104) over the fetched digest: H((K ^ opad) || H((K ^
 * ipad) || msg)), K the key padded to a block, or its digest when longer.
 */
int zec_hmac_sha256_hex(const void *key, size_t key_len,
                        const void *msg, size_t msg_len,
                        char out[ZEC_HEX256_LEN + 1])
{
	unsigned char k[SHA256_BLOCK] = { 0 }, pad[SHA256_BLOCK], inner[SHA256_LEN];
	unsigned char md[SHA256_LEN];
	EVP_MD_CTX *ctx;
	int ret;

	if ((!key && key_len) || (!msg && msg_len))
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (key_len > SHA256_BLOCK) {
		ret = digest2(ctx, key, key_len, NULL, 0, k);
		if (ret)
			goto out;
	} else if (key_len) {
		memcpy(k, key, key_len);
	}
	for (size_t i = 0; i < SHA256_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	ret = digest2(ctx, pad, sizeof(pad), msg, msg_len, inner);
	if (ret)
		goto out;
	for (size_t i = 0; i < SHA256_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	ret = digest2(ctx, pad, sizeof(pad), inner, sizeof(inner), md);
	if (!ret)
		to_hex(md, sizeof(md), out);
out:
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(inner, sizeof(inner));
	EVP_MD_CTX_free(ctx);
	return ret;
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
