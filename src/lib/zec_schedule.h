/*
 * zec_schedule.h - the auto-snapshot schedule that user.zec.autoSnapshot
 * reads and writes:
 *
 *     days=<list> hours=<list> keep=<N|forever>
 *
 * in any order, separated by spaces.  days: mon..sun, 1..7 (1 = Monday) or
 * daily; hours: 0..23 (UTC); lists are comma-separated; keep: days to keep
 * each snapshot (1..65535) or forever.  The canonical form, what reading
 * the attribute gives, is "days=mon,wed,fri hours=2 keep=14" (days in week
 * order, "daily" for all seven; hours ascending).
 */
#ifndef ZEC_SCHEDULE_H
#define ZEC_SCHEDULE_H

#include <stddef.h>

#define ZEC_KEEP_FOREVER (-1)
#define ZEC_KEEP_MAX 65535

struct zec_schedule {
	unsigned days;               /* bit d-1 for day d, 1 = Monday .. 7 = Sunday */
	unsigned long hours;         /* bit h for hour h, 0..23 UTC */
	int keep;                    /* retention days, or ZEC_KEEP_FOREVER */
};

/* 0, or -EINVAL for anything malformed (nothing is half-parsed). */
int zec_schedule_parse(const char *text, size_t len, struct zec_schedule *out);
/* The canonical text; -ERANGE when size is too small. */
int zec_schedule_format(const struct zec_schedule *s, char *buf, size_t size);
/* The API's lists: day numbers 1..7 and hours, ascending; counts returned. */
size_t zec_schedule_days(const struct zec_schedule *s, int out[7]);
size_t zec_schedule_hours(const struct zec_schedule *s, int out[24]);
/* Same schedule? */
int zec_schedule_equal(const struct zec_schedule *a, const struct zec_schedule *b);

#endif /* ZEC_SCHEDULE_H */
