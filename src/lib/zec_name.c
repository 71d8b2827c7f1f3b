/*
 * zec_name.c - the snapshot name rule.
 */
#include "zec_name.h"

#include <string.h>

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

enum zec_name_verdict zec_snapshot_name_check(const char *name)
{
	size_t n;

	if (!name)
		return ZEC_NAME_TOO_SHORT;
	n = strlen(name);
	if (n > ZEC_NAME_MAX)
		return ZEC_NAME_TOO_LONG;
	for (size_t i = 0; i < n; i++) {
		if (!is_alnum(name[i]) && name[i] != '-' && name[i] != '.')
			return ZEC_NAME_BAD_CHAR;
	}
	if (n < ZEC_NAME_MIN)
		return ZEC_NAME_TOO_SHORT;
	if (!is_alnum(name[0]) || !is_alnum(name[n - 1]))
		return ZEC_NAME_BAD_EDGE;
	return ZEC_NAME_OK;
}
