/*
 * zec_clock.h - the one clock helper.
 *
 * Two clocks, each for its own use:
 *
 *   monotonic  ages, deadlines, durations and condition-variable waits:
 *              never set back by an operator or NTP (zec_clock_now,
 *              zec_clock_deadline, zec_clock_cond_init)
 *   wall       times people and the API read: createTime, retentionTime,
 *              mount time, log timestamps (zec_clock_wall, zec_clock_wall_ms)
 *
 * Nothing else in zecfs or zec-emulator calls clock_gettime or time().
 */
#ifndef ZEC_CLOCK_H
#define ZEC_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* Seconds on CLOCK_MONOTONIC, with nanosecond resolution. */
double zec_clock_now(void);
/* Milliseconds on CLOCK_MONOTONIC (the client's deadlines). */
uint64_t zec_clock_now_ms(void);

/* Wall-clock seconds and milliseconds since the epoch (CLOCK_REALTIME). */
time_t zec_clock_wall(void);
long long zec_clock_wall_ms(void);
/* The same with nanoseconds (directory mtimes the kernel compares exactly). */
void zec_clock_wall_ts(struct timespec *ts);

/*
 * A condition variable that waits on CLOCK_MONOTONIC, and the absolute
 * time 'seconds' from now on that clock, for pthread_cond_timedwait.
 * zec_clock_cond_init returns 0 or a negative errno.
 */
int zec_clock_cond_init(pthread_cond_t *cond);
void zec_clock_deadline(struct timespec *ts, double seconds);

#endif /* ZEC_CLOCK_H */
