/*
 * result.c - request ids, API error outcomes and the HTTP status of each
 * API code (zec-api.md sections 3 and 4).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "emulator.h"
#include "zec_clock.h"

static const struct {
	const char *code;
	int status;
} code_table[] = {
	{ "AUTHFAILURE_INVALID_AUTHORIZATION", 401 },
	{ "AUTHFAILURE_SIGNATURE_FAILURE", 401 },
	{ "AUTHFAILURE_SIGNATURE_EXPIRED", 401 },
	{ "AUTHFAILURE_UNAUTHORIZED_OPERATION", 403 },
	{ "MISSING_PARAMETER", 400 },
	{ "INVALID_PARAMETER_TYPE", 400 },
	{ "INVALID_PARAMETER_VALUE", 400 },
	{ "INVALID_PARAMETER_PATTERN_ERROR", 400 },
	{ "INVALID_PARAMETER_DATE_FORMAT_ERROR", 400 },
	{ "INVALID_PARAMETER_EXCEED_MAXIMUM", 400 },
	{ "INVALID_PARAMETER_LESS_MINIMUM", 400 },
	{ "INVALID_PARAMETER_EXCEED_LENGTH", 400 },
	{ "INVALID_PARAMETER_LESS_LENGTH", 400 },
	{ "OPERATION_FAILED_RESOURCE_NOT_FOUND", 404 },
	{ "OPERATION_FAILED_FOR_RECYCLE_RESOURCE", 400 },
	{ "REQUEST_LIMIT_EXCEEDED", 429 },
	{ "INTERNAL_SERVER_ERROR", 500 },
	{ "SERVICE_TEMPORARY_UNAVAILABLE", 503 },
	{ "REQUEST_TIMED_OUT", 504 },
	{ "INVALID_DISK_NOT_FOUND", 404 },
	{ "INVALID_DISK_SNAPSHOT_NOT_FOUND", 404 },
	{ "INVALID_SNAPSHOT_QUOTA_EXCEED", 400 },
	{ "INVALID_SNAPSHOT_RETENTION_TIME", 400 },
	{ "UNSUPPORTED_OPERATION_DISK_STATUS", 400 },
	{ "OPERATION_DENIED_DISK_SYSTEM_TYPE", 400 },
	{ "OPERATION_DENIED_DISK_SNAPSHOT_STATUS", 400 },
	{ "OPERATION_DENIED_DISK_STATUS", 400 },
	{ "OPERATION_DENIED_SNAPSHOT_DISK_REINSTALLED", 400 },
	/* codes the official tools name (zenlayercloud-cli apis/en-US/zec/apply-auto-snapshot-policy.yaml,
	 * terraform-provider-zenlayercloud, zenlayer-cloud-csi-driver) */
	{ "INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND", 404 },
	{ "INVALID_DISK_AUTO_SNAPSHOT_POLICY_EXIST", 400 },
	/* the disk lifecycle (docs/emulator.md names each code's source) */
	{ "INVALID_INSTANCE_NOT_FOUND", 404 },
	{ "INVALID_ZONE_NOT_FOUND", 404 },
	{ "OPERATION_DENIED_DIFFERENT_ZONE", 400 },
	{ "OPERATION_DENIED_INSTANCE_NOT_RUNNING", 400 },
	{ "UNSUPPORTED_OPERATION_DISK_NO_ATTACH", 400 },
	{ "INVALID_AUTO_SNAPSHOT_ZONE_MISMATCH", 400 },
	{ "INVALID_DISK_SNAPSHOT_SIZE_MISMATCH", 400 },
	{ "OPERATION_FAILED_RESOURCE_GROUP_NOT_FOUND", 404 },
	{ "UNSUPPORTED_OPERATION_DISK_BEING_RECYCLE", 400 },
	{ "INVALID_OPERATION_TIMEOUT", 400 },
};

static const char *const layout_names[] = {
	[EMU_TIME_RFC3339] = "rfc3339",
	[EMU_TIME_RFC3339_FRAC] = "rfc3339-frac",
	[EMU_TIME_OFFSET] = "offset",
	[EMU_TIME_NO_ZONE] = "no-zone",
	[EMU_TIME_SPACE] = "space",
	[EMU_TIME_SPACE_OFFSET] = "space-offset",
	[EMU_TIME_EPOCH] = "epoch",
	[EMU_TIME_EPOCH_MS] = "epoch-ms",
};

int emu_time_layout_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(layout_names) / sizeof(layout_names[0]); i++)
		if (strcmp(layout_names[i], s) == 0)
			return (int)i;
	return -1;
}

void emu_time_emit(long long t, int l, char *out, size_t size)
{
	/* indexed like layout_names on purpose: a layout's name and its
	 * format are read in different places (the command line, answers) */
	static const char *const fmt[] = {
		[EMU_TIME_RFC3339] = "%Y-%m-%dT%H:%M:%SZ",
		[EMU_TIME_RFC3339_FRAC] = "%Y-%m-%dT%H:%M:%S.5Z",
		[EMU_TIME_OFFSET] = "%Y-%m-%dT%H:%M:%S+08:00",
		[EMU_TIME_NO_ZONE] = "%Y-%m-%dT%H:%M:%S",
		[EMU_TIME_SPACE] = "%Y-%m-%d %H:%M:%S",
		[EMU_TIME_SPACE_OFFSET] = "%Y-%m-%d %H:%M:%S+08:00",
	};
	time_t tt = (time_t)t;
	struct tm tm;

	if (l == EMU_TIME_EPOCH || l == EMU_TIME_EPOCH_MS) {
		snprintf(out, size, "%lld%s", t, l == EMU_TIME_EPOCH_MS ? "000" : "");
		return;
	}
	if (l < 0 || l > EMU_TIME_SPACE_OFFSET)
		l = EMU_TIME_RFC3339;
	if (l == EMU_TIME_OFFSET || l == EMU_TIME_SPACE_OFFSET)
		tt += 8 * 3600;         /* the same instant at +08:00 */
	if (!gmtime_r(&tt, &tm) || strftime(out, size, fmt[l], &tm) == 0)
		snprintf(out, size, "%lld", t);
}

int emu_code_status(const char *code)
{
	for (size_t i = 0; i < sizeof(code_table) / sizeof(code_table[0]); i++)
		if (strcmp(code_table[i].code, code) == 0)
			return code_table[i].status;
	return 500;
}

int emu_fail(struct emu_result *res, int status, const char *code,
             const char *fmt, ...)
{
	va_list ap;

	res->status = status;
	res->code = code;
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	return status;
}

void emu_request_id(char out[EMU_REQUEST_ID_LEN])
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		long long ns = (long long)(zec_clock_now() * 1e9);

		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)((ns >> (i % 4 * 8)) ^ (long long)(i * 37) ^ rand());
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, EMU_REQUEST_ID_LEN,
	         "T%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
	         b[10], b[11], b[12], b[13], b[14], b[15]);
}

int emu_no_memory(struct emu_result *res)
{
	return emu_fail(res, 500, "INTERNAL_SERVER_ERROR", "out of memory");
}
