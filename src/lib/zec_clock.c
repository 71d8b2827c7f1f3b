/*
 * zec_clock.c - the one clock helper (see zec_clock.h).
 */
#include "zec_clock.h"

#include <math.h>

double zec_clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t zec_clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

time_t zec_clock_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

void zec_clock_wall_ts(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

long long zec_clock_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int zec_clock_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t ca;
	int ret;

	ret = pthread_condattr_init(&ca);
	if (ret)
		return -ret;
	ret = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (!ret)
		ret = pthread_cond_init(cond, &ca);
	pthread_condattr_destroy(&ca);
	return -ret;
}

void zec_clock_deadline(struct timespec *ts, double seconds)
{
	double whole;
	double frac;

	clock_gettime(CLOCK_MONOTONIC, ts);
	if (!(seconds > 0))
		return;
	frac = modf(seconds, &whole);
	ts->tv_sec += (time_t)whole;
	ts->tv_nsec += (long)(frac * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}
