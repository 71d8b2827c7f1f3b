/*
 * test_sign.c - ZC2-HMAC-SHA256 signing: the vectors of zec-api.md section 2,
 * the Authorization header format, and zec_parse_authorization.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "check.h"
#include "zec_sign.h"

struct vector {
	const char *name, *secret, *timestamp, *content_type, *host, *body;
	const char *payload_hash, *signature;
};

static const struct vector vectors[] = {
	{ "A", "TestSecretPassword0123456789", "1700000000", "application/json",
	  "console.zenlayer.com",
	  "{\"diskId\":\"1234567890123456789\",\"snapshotName\":\"fs-snap-001\"}",
	  "4adfb5c044b5bb7db932dd6a6eb657986a2fce0ca87f60ccf54b8a062227548f",
	  "8a1681a8a5f09bbc7751f74d4e083b297f1e93b9a1d82ed6a5580a4f5f7d2649" },
	{ "B", "TestSecretPassword0123456789", "1700000000", "application/json",
	  "127.0.0.1:8080", "{}",
	  "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
	  "94986b7daee139f3669585309304e2bc1e110c786e37432b0618b1fb71937ea6" },
	{ "C", "Gu5t9xGARNpq86cd98joQYCN3", "1673361177",
	  "application/json; charset=utf-8", "console.zenlayer.com",
	  "{\"pageSize\":10,\"pageNum\":1,\"zoneId\":\"HKG-A\"}",
	  "5f714687ba91c606d503467766151206392474accd137ffea6dce2420b67c29a",
	  "efb356c32e55c781e10dc676da59462c22596d82e91c57803666243379555b2f" },
};

static void test_vectors(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		char hash[ZEC_HEX256_LEN + 1], sig[ZEC_HEX256_LEN + 1];
		int ret;

		ret = zec_sha256_hex(v->body, strlen(v->body), hash);
		CHECK(ret == 0 && strcmp(hash, v->payload_hash) == 0,
		      "vector %s: payload hash", v->name);
		ret = zec_signature(v->secret, v->timestamp, v->content_type, v->host,
		                    v->body, strlen(v->body), sig);
		CHECK(ret == 0 && strcmp(sig, v->signature) == 0,
		      "vector %s: signature", v->name);
	}
}

/* RFC 4231's HMAC-SHA256 cases 1, 2 and 6 (a key longer than a block),
 * and every key length from 0 to 200 against OpenSSL's HMAC(). */
static void test_hmac(void)
{
	unsigned char k20[20], k131[131], key[200], md[EVP_MAX_MD_SIZE];
	const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
	char out[ZEC_HEX256_LEN + 1], want[ZEC_HEX256_LEN + 1];
	int bad = 0;

	memset(k20, 0x0b, sizeof(k20));
	memset(k131, 0xaa, sizeof(k131));
	CHECK(zec_hmac_sha256_hex(k20, sizeof(k20), "Hi There", 8, out) == 0 &&
	      strcmp(out, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7") == 0,
	      "rfc 4231 case 1");
	CHECK(zec_hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?", 28, out) == 0 &&
	      strcmp(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843") == 0,
	      "rfc 4231 case 2");
	CHECK(zec_hmac_sha256_hex(k131, sizeof(k131), msg, strlen(msg), out) == 0 &&
	      strcmp(out, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54") == 0,
	      "rfc 4231 case 6: a key longer than a block is hashed first");
	for (size_t n = 0; n < sizeof(key); n++) {
		unsigned int len = 0;

		key[n] = (unsigned char)(n * 37 + 1);
		if (!HMAC(EVP_sha256(), key, (int)n, (const unsigned char *)msg, strlen(msg), md, &len) ||
		    len != 32) {
			bad++;
			continue;
		}
		for (unsigned i = 0; i < len; i++)
			snprintf(want + 2 * i, 3, "%02x", md[i]);
		if (zec_hmac_sha256_hex(key, n, msg, strlen(msg), out) != 0 || strcmp(out, want) != 0)
			bad++;
	}
	CHECK(bad == 0, "keys of 0-199 bytes: OpenSSL's HMAC (%d differ)", bad);
	CHECK(zec_hmac_sha256_hex(NULL, 1, "x", 1, out) == -EINVAL, "a NULL key of length 1: -EINVAL");
}

static void test_signature_inputs(void)
{
	const struct vector *a = &vectors[0];
	char sig[ZEC_HEX256_LEN + 1];

	zec_signature(a->secret, a->timestamp, a->content_type, "console.zenlayer.com:443",
	              a->body, strlen(a->body), sig);
	CHECK(strcmp(sig, a->signature) != 0, "the host's port is signed");
	zec_signature(a->secret, "1700000001", a->content_type, a->host,
	              a->body, strlen(a->body), sig);
	CHECK(strcmp(sig, a->signature) != 0, "the timestamp is signed");
	zec_signature(a->secret, a->timestamp, a->content_type, a->host,
	              "{}", 2, sig);
	CHECK(strcmp(sig, a->signature) != 0, "the body is signed");
	CHECK(zec_signature(NULL, a->timestamp, a->content_type, a->host, "{}", 2,
	                    sig) == -EINVAL, "NULL secret: -EINVAL");
}

static void test_authorization(void)
{
	const char *expect = "ZC2-HMAC-SHA256 Credential=TESTKEYID00000001, "
	                     "SignedHeaders=content-type;host, Signature="
	                     "8a1681a8a5f09bbc7751f74d4e083b297f1e93b9a1d82ed6a5580a4f5f7d2649";
	struct zec_auth auth;
	char buf[256], small[32];

	CHECK(zec_format_authorization(buf, sizeof(buf), "TESTKEYID00000001",
	                               vectors[0].signature) == 0 &&
	      strcmp(buf, expect) == 0, "Authorization header format");
	CHECK(zec_format_authorization(small, sizeof(small), "TESTKEYID00000001",
	                               vectors[0].signature) == -ENAMETOOLONG,
	      "Authorization into a small buffer: -ENAMETOOLONG");

	CHECK(zec_parse_authorization(buf, &auth) == 0 && !auth.bearer &&
	      strcmp(auth.key_id, "TESTKEYID00000001") == 0 &&
	      strcmp(auth.signed_headers, "content-type;host") == 0 &&
	      strcmp(auth.signature, vectors[0].signature) == 0,
	      "Authorization round trip");
	CHECK(zec_parse_authorization("Bearer tok-123", &auth) == 0 && auth.bearer &&
	      strcmp(auth.token, "tok-123") == 0, "Bearer token parsed");
}

static void test_authorization_malformed(void)
{
	static const char *const bad[] = {
		"",
		"Basic dXNlcjpwYXNz",
		"ZC2-HMAC-SHA256",
		"ZC2-HMAC-SHA256Credential=K, SignedHeaders=content-type;host, Signature=x",
		"ZC2-HMAC-SHA256 SignedHeaders=content-type;host, Signature="
		"8a1681a8a5f09bbc7751f74d4e083b297f1e93b9a1d82ed6a5580a4f5f7d2649",
		"ZC2-HMAC-SHA256 Credential=K, Signature="
		"8a1681a8a5f09bbc7751f74d4e083b297f1e93b9a1d82ed6a5580a4f5f7d2649",
		"ZC2-HMAC-SHA256 Credential=K, SignedHeaders=content-type;host",
		"ZC2-HMAC-SHA256 Credential=K, SignedHeaders=content-type;host, Signature=abc",
		"ZC2-HMAC-SHA256 Credential=, SignedHeaders=content-type;host, Signature="
		"8a1681a8a5f09bbc7751f74d4e083b297f1e93b9a1d82ed6a5580a4f5f7d2649",
		"Bearer ",
		"Bearer a b",
		"HMAC-SHA256 Credential=K, SignedHeaders=content-type;host, Signature="
		"8a1681a8a5f09bbc7751f74d4e083b297f1e93b9a1d82ed6a5580a4f5f7d2649",
	};
	struct zec_auth auth;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(zec_parse_authorization(bad[i], &auth) == -EINVAL,
		      "malformed Authorization #%zu: -EINVAL", i);
	CHECK(zec_parse_authorization(NULL, &auth) == -EINVAL,
	      "NULL Authorization: -EINVAL");
}

int main(void)
{
	test_vectors();
	test_hmac();
	test_signature_inputs();
	test_authorization();
	test_authorization_malformed();
	return check_summary();
}
