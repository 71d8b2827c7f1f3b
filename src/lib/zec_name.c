/*
 * zec_name.c - the snapshot and disk name rules.
 */
#include "zec_name.h"

#include <string.h>

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* min..max characters of letters, digits and 'extra', alphanumeric edges. */
static enum zec_name_verdict check(const char *name, size_t min, size_t max,
                                   const char *extra)
{
	size_t n;

	if (!name)
		return ZEC_NAME_TOO_SHORT;
	n = strlen(name);
	if (n > max)
		return ZEC_NAME_TOO_LONG;
	for (size_t i = 0; i < n; i++) {
		if (!is_alnum(name[i]) && !strchr(extra, name[i]))
			return ZEC_NAME_BAD_CHAR;
	}
	if (n < min)
		return ZEC_NAME_TOO_SHORT;
	if (!is_alnum(name[0]) || !is_alnum(name[n - 1]))
		return ZEC_NAME_BAD_EDGE;
	return ZEC_NAME_OK;
}

enum zec_name_verdict zec_snapshot_name_check(const char *name)
{
	return check(name, ZEC_NAME_MIN, ZEC_NAME_MAX, "-.");
}

enum zec_name_verdict zec_disk_name_check(const char *name)
{
	return check(name, ZEC_DISK_NAME_MIN, ZEC_DISK_NAME_MAX, "-_.");
}
