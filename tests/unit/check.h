/*
 * check.h - the unit tests' tiny assertion helper (no framework).
 *
 * CHECK(cond, "what %s", ...) prints one line per check, "ok - what" or
 * "FAIL - what (file:line)", and check_summary() prints the final line
 * "N passed, M failed" that CI reads, returning the exit status.
 */
#ifndef ZEC_CHECK_H
#define ZEC_CHECK_H

#include <stdio.h>

static int check_passed;
static int check_failed;

#define CHECK(cond, ...)                                                  \
	do {                                                              \
		int check_ok_ = !!(cond);                                 \
		if (check_ok_)                                            \
			check_passed++;                                   \
		else                                                      \
			check_failed++;                                   \
		printf("%s - ", check_ok_ ? "ok" : "FAIL");               \
		printf(__VA_ARGS__);                                      \
		if (!check_ok_)                                           \
			printf(" (%s:%d)", __FILE__, __LINE__);           \
		printf("\n");                                             \
		fflush(stdout);                                           \
	} while (0)

static inline int check_summary(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	fflush(stdout);
	return check_failed ? 1 : 0;
}

#endif /* ZEC_CHECK_H */
