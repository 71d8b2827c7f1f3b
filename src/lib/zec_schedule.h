/*
 * zec_schedule.h - the text form of an auto-snapshot schedule, as written to
 * and read from the user.zec.autoSnapshot xattr:
 *
 *     days=<list> hours=<list> keep=<N|forever>
 *
 * in any order, separated by blanks: days as mon..sun, 1..7 (1 = Monday) or
 * daily, comma-separated; hours 0..23 (UTC), comma-separated; keep in days,
 * 1..65535, or forever.  Each key exactly once.  The canonical form lists
 * days in week order (daily when all seven), hours ascending, keep last:
 * "days=mon,wed,fri hours=2 keep=14".
 */
#ifndef ZEC_SCHEDULE_H
#define ZEC_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#define ZEC_SCHEDULE_KEEP_FOREVER (-1)
#define ZEC_SCHEDULE_KEEP_MAX     65535
#define ZEC_SCHEDULE_TEXT_MAX     128   /* the longest canonical form, NUL included */

struct zec_schedule {
	uint8_t days;       /* bit d for weekday d = 1 (Monday) .. 7 (Sunday) */
	uint32_t hours;     /* bit h for hour h = 0 .. 23 (UTC) */
	int keep;           /* days, or ZEC_SCHEDULE_KEEP_FOREVER */
};

/* Parses len bytes of text (need not be NUL-terminated); -EINVAL when malformed. */
int zec_schedule_parse(const char *text, size_t len, struct zec_schedule *out);

/* The canonical form into buf; -ENAMETOOLONG when size is too small,
 * -EINVAL for an empty or out-of-range schedule. */
int zec_schedule_format(const struct zec_schedule *s, char *buf, size_t size);

/*
 * The name zecfs gives the auto-snapshot policy it creates for a schedule,
 * readable and within the API's policy name rule (2-63 letters, digits,
 * '-', '_' and '.'), using only letters, digits, '-' and '.':
 *
 *     zecfs-<days>-at-<hours>-utc-keep-<N>d     zecfs-mon.wed.fri-at-02h-utc-keep-14d
 *
 * days: "daily", or the days' names joined by '.', a run of three or more
 * as "mon-fri"; hours: "hourly" (all 24, without "at-" and "-utc"), or
 * "02h" joined by '.', runs as "00h-05h"; keep: "keep-14d" or
 * "keep-forever".  When the hours do not fit in ZEC_SCHEDULE_NAME_MAX,
 * their number stands for them: "zecfs-daily-16-times-a-day-keep-7d".
 * The name only helps people: zecfs finds a policy by its schedule.
 * Errors as zec_schedule_format.
 */
#define ZEC_SCHEDULE_NAME_MAX 63
int zec_schedule_policy_name(const struct zec_schedule *s, char *buf, size_t size);

#endif /* ZEC_SCHEDULE_H */
