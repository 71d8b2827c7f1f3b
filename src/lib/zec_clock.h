/*
 * zec_clock.h - the one clock helper: monotonic seconds for ages, deadlines
 * and durations (never the wall clock, which an operator may set back).
 */
#ifndef ZEC_CLOCK_H
#define ZEC_CLOCK_H

/* Seconds on CLOCK_MONOTONIC, with nanosecond resolution. */
double zec_clock_now(void);

#endif /* ZEC_CLOCK_H */
