/*
 * auth.c - request authentication (zec-api.md section 2).
 */
#include "auth.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zec_clock.h"
#include "zec_sign.h"

#define AUTH_WINDOW_S 300

static int invalid(struct emu_result *res, const char *why)
{
	return emu_fail(res, 401, "AUTHFAILURE_INVALID_AUTHORIZATION", "%s", why);
}

static int check_bearer(const struct emu_config *cfg, const struct zec_auth *a,
                        struct emu_result *res)
{
	if (!cfg->bearer_token || !zec_secure_equal(a->token, cfg->bearer_token))
		return emu_fail(res, 401, "AUTHFAILURE_SIGNATURE_FAILURE",
		                "The bearer token is not valid.");
	return 0;
}

static int parse_timestamp(const char *s, long long *out)
{
	char *end;

	if (!s || !*s || strlen(s) > 12)
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
	*out = strtoll(s, &end, 10);
	return 0;
}

int auth_check(const struct emu_config *cfg, const struct auth_request *rq,
               struct emu_result *res)
{
	char expected[ZEC_HEX256_LEN + 1];
	struct zec_auth a;
	long long ts, skew;

	if (!rq->authorization || !*rq->authorization)
		return invalid(res, "The Authorization header is missing.");
	if (zec_parse_authorization(rq->authorization, &a))
		return invalid(res, "The Authorization header is malformed.");
	if (a.bearer)
		return check_bearer(cfg, &a, res);
	if (strcmp(a.signed_headers, ZEC_SIGNED_HEADERS) != 0)
		return invalid(res, "SignedHeaders must be content-type;host.");
	if (!rq->sig_method || strcmp(rq->sig_method, ZEC_SIGN_METHOD) != 0)
		return invalid(res, "X-ZC-Signature-Method must be ZC2-HMAC-SHA256.");
	if (!rq->timestamp)
		return invalid(res, "The X-ZC-Timestamp header is missing.");
	if (parse_timestamp(rq->timestamp, &ts))
		return invalid(res, "X-ZC-Timestamp must be Unix seconds.");
	if (!rq->content_type || !rq->host)
		return invalid(res, "The Content-Type and Host headers are required.");
	skew = (long long)zec_clock_wall() - ts;
	if (skew > AUTH_WINDOW_S || skew < -AUTH_WINDOW_S)
		return emu_fail(res, 401, "AUTHFAILURE_SIGNATURE_EXPIRED",
		                "The request timestamp is more than 5 minutes off.");
	if (!zec_secure_equal(a.key_id, cfg->key_id))
		return emu_fail(res, 401, "AUTHFAILURE_SIGNATURE_FAILURE",
		                "The access key id is not valid.");
	if (zec_signature(cfg->key_password, rq->timestamp, rq->content_type,
	                  rq->host, rq->body, rq->body_len, expected))
		return emu_fail(res, 500, "INTERNAL_SERVER_ERROR", "signature computation failed");
	if (!zec_secure_equal(a.signature, expected))
		return emu_fail(res, 401, "AUTHFAILURE_SIGNATURE_FAILURE",
		                "The request signature does not match.");
	return 0;
}
