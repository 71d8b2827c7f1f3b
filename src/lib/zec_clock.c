/*
 * zec_clock.c - the one clock helper (see zec_clock.h).
 */
#include "zec_clock.h"

#include <time.h>

double zec_clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
