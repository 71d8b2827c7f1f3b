/*
 * test_errno.c - the one errno table: every code of zec-api.md section 4,
 * the AUTHFAILURE_* prefix, unknown codes, each outcome kind, local results,
 * and (when given its path) that docs/errors.md names every code.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "zec_errno.h"

static const struct {
	const char *code;
	int err;
} api_codes[] = {
	{ "AUTHFAILURE_INVALID_AUTHORIZATION", EACCES },
	{ "AUTHFAILURE_SIGNATURE_FAILURE", EACCES },
	{ "AUTHFAILURE_SIGNATURE_EXPIRED", EACCES },
	{ "AUTHFAILURE_UNAUTHORIZED_OPERATION", EACCES },
	{ "AUTHFAILURE_SOMETHING_NEW", EACCES },
	{ "MISSING_PARAMETER", EINVAL },
	{ "INVALID_PARAMETER_TYPE", EINVAL },
	{ "INVALID_PARAMETER_VALUE", EINVAL },
	{ "INVALID_PARAMETER_PATTERN_ERROR", EINVAL },
	{ "INVALID_PARAMETER_DATE_FORMAT_ERROR", EINVAL },
	{ "INVALID_PARAMETER_EXCEED_MAXIMUM", EINVAL },
	{ "INVALID_PARAMETER_LESS_MINIMUM", EINVAL },
	{ "INVALID_PARAMETER_EXCEED_LENGTH", ENAMETOOLONG },
	{ "INVALID_PARAMETER_LESS_LENGTH", EINVAL },
	{ "OPERATION_FAILED_RESOURCE_NOT_FOUND", ENOENT },
	{ "OPERATION_FAILED_FOR_RECYCLE_RESOURCE", EPERM },
	{ "REQUEST_LIMIT_EXCEEDED", EAGAIN },
	{ "INTERNAL_SERVER_ERROR", EIO },
	{ "SERVICE_TEMPORARY_UNAVAILABLE", EAGAIN },
	{ "REQUEST_TIMED_OUT", ETIMEDOUT },
	{ "INVALID_DISK_NOT_FOUND", ENOENT },
	{ "INVALID_SNAPSHOT_QUOTA_EXCEED", EDQUOT },
	{ "INVALID_SNAPSHOT_RETENTION_TIME", EINVAL },
	{ "UNSUPPORTED_OPERATION_DISK_STATUS", EBUSY },
	{ "OPERATION_DENIED_DISK_SYSTEM_TYPE", EPERM },
	{ "INVALID_DISK_SNAPSHOT_NOT_FOUND", ENOENT },
	{ "OPERATION_DENIED_DISK_SNAPSHOT_STATUS", EBUSY },
	{ "OPERATION_DENIED_DISK_STATUS", EBUSY },
	{ "OPERATION_DENIED_SNAPSHOT_DISK_REINSTALLED", EPERM },
	/* named by the official tools */
	{ "INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND", ENOENT },
	{ "INVALID_DISK_AUTO_SNAPSHOT_POLICY_EXIST", EEXIST },
	{ "INVALID_DISK_SNAPSHOT_SIZE_MISMATCH", EINVAL },
	{ "OPERATION_FAILED_RESOURCE_GROUP_NOT_FOUND", ENOENT },
	{ "UNSUPPORTED_OPERATION_DISK_BEING_RECYCLE", EPERM },
	/* the disk lifecycle */
	{ "INVALID_INSTANCE_NOT_FOUND", ENOENT },
	{ "INVALID_ZONE_NOT_FOUND", ENOENT },
	{ "OPERATION_DENIED_DIFFERENT_ZONE", EXDEV },
	{ "INVALID_AUTO_SNAPSHOT_ZONE_MISMATCH", EXDEV },
	{ "OPERATION_DENIED_INSTANCE_NOT_RUNNING", EBUSY },
	{ "UNSUPPORTED_OPERATION_DISK_NO_ATTACH", EINVAL },
	{ "INVALID_OPERATION_TIMEOUT", ETIMEDOUT },
	{ ZECFS_DISK_NAME_INVALID, EINVAL },
	{ ZECFS_DISK_NAME_TOO_LONG, ENAMETOOLONG },
	{ ZECFS_DISK_EXISTS, EEXIST },
	{ ZECFS_RENAME_NAME_INVALID, EPERM },
	/* pseudo codes and local codes added with the client */
	{ ZECFS_HTTP_429, EAGAIN },
	{ ZECFS_HTTP_503, EAGAIN },
	{ ZECFS_HTTP_504, ETIMEDOUT },
	{ ZECFS_HTTP_5XX, EIO },
	{ ZECFS_BAD_ARGUMENT, EINVAL },
	{ ZECFS_CREATE_UNCERTAIN, EIO },
	{ ZECFS_CANCELLED, ESHUTDOWN },
	{ ZECFS_TRANSPORT, EIO },
	{ ZECFS_TIMEOUT, ETIMEDOUT },
	{ ZECFS_BAD_RESPONSE, EIO },
	/* unknown */
	{ "SOMETHING_UNKNOWN", EIO },
	{ "AUTHFAILURE", EIO },
	{ "authfailure_signature_failure", EIO },
	{ "", EIO },
};

static void test_codes(void)
{
	for (size_t i = 0; i < sizeof(api_codes) / sizeof(api_codes[0]); i++)
		CHECK(zec_errno_for_code(api_codes[i].code) == api_codes[i].err,
		      "code \"%s\" -> %s", api_codes[i].code, strerror(api_codes[i].err));
	CHECK(zec_errno_for_code(NULL) == EIO, "NULL code -> EIO");
}

/* No entry is shadowed by an earlier prefix; every entry has advice. */
static void test_table(void)
{
	size_t n = 0;
	const struct zec_errno_entry *t = zec_errno_table(&n);

	CHECK(t && n > 30, "table has %zu entries", n);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(t[i].code);

		CHECK(t[i].err > 0 && t[i].advice && *t[i].advice,
		      "entry %s has an errno and advice", t[i].code);
		if (len && t[i].code[len - 1] == '*')
			continue;
		CHECK(zec_errno_for_code(t[i].code) == t[i].err,
		      "entry %s is reachable", t[i].code);
	}
}

static void result_with(struct zec_result *res, enum zec_outcome o, const char *code)
{
	memset(res, 0, sizeof(*res));
	res->outcome = o;
	snprintf(res->code, sizeof(res->code), "%s", code);
}

static void test_outcomes(void)
{
	struct zec_result res;

	result_with(&res, ZEC_OUTCOME_OK, "");
	CHECK(zec_errno_for_result(&res) == 0, "outcome OK -> 0");
	result_with(&res, ZEC_OUTCOME_TRANSPORT, ZECFS_TRANSPORT);
	CHECK(zec_errno_for_result(&res) == -EIO, "outcome TRANSPORT -> -EIO");
	result_with(&res, ZEC_OUTCOME_TRANSPORT, "");
	CHECK(zec_errno_for_result(&res) == -EIO, "outcome TRANSPORT without code -> -EIO");
	result_with(&res, ZEC_OUTCOME_TIMEOUT, "");
	CHECK(zec_errno_for_result(&res) == -ETIMEDOUT, "outcome TIMEOUT -> -ETIMEDOUT");
	result_with(&res, ZEC_OUTCOME_BAD_RESPONSE, ZECFS_BAD_RESPONSE);
	CHECK(zec_errno_for_result(&res) == -EIO, "outcome BAD_RESPONSE -> -EIO");
	result_with(&res, ZEC_OUTCOME_BAD_RESPONSE, "");
	CHECK(zec_errno_for_result(&res) == -EIO, "outcome BAD_RESPONSE without code -> -EIO");
	result_with(&res, ZEC_OUTCOME_BAD_RESPONSE, ZECFS_HTTP_503);
	CHECK(zec_errno_for_result(&res) == -EAGAIN, "BAD_RESPONSE with HTTP 503 -> -EAGAIN");
	result_with(&res, ZEC_OUTCOME_BAD_RESPONSE, ZECFS_HTTP_5XX);
	CHECK(zec_errno_for_result(&res) == -EIO, "BAD_RESPONSE with HTTP 502 -> -EIO");
	result_with(&res, ZEC_OUTCOME_BAD_RESPONSE, "INVALID_DISK_NOT_FOUND");
	CHECK(zec_errno_for_result(&res) == -EIO, "BAD_RESPONSE ignores an API code -> -EIO");
	result_with(&res, ZEC_OUTCOME_API_ERROR, "INVALID_SNAPSHOT_QUOTA_EXCEED");
	CHECK(zec_errno_for_result(&res) == -EDQUOT, "API_ERROR quota -> -EDQUOT");
	result_with(&res, ZEC_OUTCOME_API_ERROR, "AUTHFAILURE_SIGNATURE_FAILURE");
	CHECK(zec_errno_for_result(&res) == -EACCES, "API_ERROR auth -> -EACCES");
	result_with(&res, ZEC_OUTCOME_API_ERROR, "NEW_CODE");
	CHECK(zec_errno_for_result(&res) == -EIO, "API_ERROR unknown -> -EIO");
	result_with(&res, ZEC_OUTCOME_LOCAL, ZECFS_NAME_TOO_LONG);
	CHECK(zec_errno_for_result(&res) == -ENAMETOOLONG, "LOCAL name too long -> -ENAMETOOLONG");

	memset(&res, 0, sizeof(res));
	res.http_status = 500;
	snprintf(res.request_id, sizeof(res.request_id), "Tx");
	CHECK(zec_result_local(&res, ZECFS_SNAPSHOT_EXISTS, "exists") == -EEXIST &&
	      res.outcome == ZEC_OUTCOME_LOCAL && res.err == -EEXIST &&
	      res.http_status == 0 && !res.request_id[0] &&
	      strcmp(res.code, ZECFS_SNAPSHOT_EXISTS) == 0 &&
	      strcmp(res.message, "exists") == 0, "zec_result_local fills the result");
	CHECK(zec_result_local(&res, ZECFS_BAD_ARGUMENT, NULL) == -EINVAL &&
	      res.message[0] == '\0', "zec_result_local with no message");
}

/* docs/errors.md mirrors the table: every code appears in it. */
static void test_docs(const char *path)
{
	size_t n = 0, len = 0;
	const struct zec_errno_entry *t = zec_errno_table(&n);
	char *doc = NULL;
	FILE *f = path ? fopen(path, "r") : NULL;

	if (!f) {
		printf("skip - docs/errors.md not found, not compared\n");
		return;
	}
	doc = calloc(1, 1 << 20);
	if (doc)
		len = fread(doc, 1, (1 << 20) - 1, f);
	fclose(f);
	CHECK(doc && len > 0, "docs/errors.md read");
	for (size_t i = 0; doc && i < n; i++) {
		char code[96];
		size_t cl = strlen(t[i].code);

		snprintf(code, sizeof(code), "%.*s", (int)(cl && t[i].code[cl - 1] == '*' ?
		                                         cl - 1 : cl), t[i].code);
		CHECK(strstr(doc, code) != NULL, "docs/errors.md names %s", t[i].code);
	}
	free(doc);
}

int main(int argc, char **argv)
{
	test_codes();
	test_table();
	test_outcomes();
	test_docs(argc > 1 ? argv[1] : NULL);
	return check_summary();
}
