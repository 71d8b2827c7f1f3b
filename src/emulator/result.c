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
};

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
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)((ts.tv_nsec >> (i % 4 * 8)) ^ (i * 37) ^ rand());
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, EMU_REQUEST_ID_LEN,
	         "T%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
	         b[10], b[11], b[12], b[13], b[14], b[15]);
}
