/*
 * zec_sign.h - ZC2-HMAC-SHA256 request signing (zec-api.md section 2).
 *
 * Used by the client to sign requests and by the emulator to verify them.
 * All functions return 0 or a negative errno.
 */
#ifndef ZEC_SIGN_H
#define ZEC_SIGN_H

#include <stddef.h>

#define ZEC_SIGN_METHOD   "ZC2-HMAC-SHA256"
#define ZEC_SIGNED_HEADERS "content-type;host"
#define ZEC_HEX256_LEN    64          /* hex digits of a SHA-256 digest */

/* out: 64 lower-case hex digits and a NUL. */
int zec_sha256_hex(const void *data, size_t len, char out[ZEC_HEX256_LEN + 1]);
int zec_hmac_sha256_hex(const void *key, size_t key_len,
                        const void *msg, size_t msg_len,
                        char out[ZEC_HEX256_LEN + 1]);

/*
 * The signature of one request.  content_type and host are the header values
 * exactly as sent; body is the raw bytes exactly as sent.
 */
int zec_signature(const char *secret, const char *timestamp,
                  const char *content_type, const char *host,
                  const void *body, size_t body_len,
                  char out[ZEC_HEX256_LEN + 1]);

/* "ZC2-HMAC-SHA256 Credential=<id>, SignedHeaders=content-type;host, Signature=<sig>" */
int zec_format_authorization(char *buf, size_t size, const char *key_id,
                             const char *signature);

/* A parsed Authorization header (server side). */
struct zec_auth {
	int  bearer;                     /* 1: "Bearer <token>" */
	char token[256];                 /* bearer token */
	char key_id[128];                /* Credential= */
	char signed_headers[64];         /* SignedHeaders= */
	char signature[ZEC_HEX256_LEN + 1];
};

/* -EINVAL when the header is malformed. */
int zec_parse_authorization(const char *header, struct zec_auth *out);

/* Constant-time string comparison: 1 when equal. */
int zec_secure_equal(const char *a, const char *b);

#endif /* ZEC_SIGN_H */
