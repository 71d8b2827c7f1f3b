/*
 * zec_schedule.c - parse and print the text form of an auto-snapshot
 * schedule (zec_schedule.h), and the policy name zecfs gives a schedule.
 * Pure; every input answers 0 or -EINVAL.
 */
#include "zec_schedule.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const day_names[8] = {
	NULL, "mon", "tue", "wed", "thu", "fri", "sat", "sun",
};

#define ALL_DAYS 0xfeu

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A decimal number of 1..digits digits in [p, end) within 0..max; -1 otherwise. */
static long number(const char *p, const char *end, int digits, long max)
{
	long v = 0;

	if (p == end || end - p > digits)
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v <= max ? v : -1;
}

static int parse_day(const char *p, const char *end, uint8_t *days)
{
	size_t n = (size_t)(end - p);
	long v;

	if (n == 5 && strncasecmp(p, "daily", 5) == 0) {
		*days |= ALL_DAYS;
		return 0;
	}
	for (int d = 1; d <= 7; d++) {
		if (n == 3 && strncasecmp(p, day_names[d], 3) == 0) {
			*days |= (uint8_t)(1u << d);
			return 0;
		}
	}
	v = number(p, end, 1, 7);
	if (v < 1)
		return -EINVAL;
	*days |= (uint8_t)(1u << v);
	return 0;
}

static int parse_hour(const char *p, const char *end, uint32_t *hours)
{
	long v = number(p, end, 2, 23);

	if (v < 0)
		return -EINVAL;
	*hours |= 1u << v;
	return 0;
}

/* Each comma-separated item of [p, end) through one(); none empty. */
static int parse_list(const char *p, const char *end, void *acc,
                      int (*one)(const char *, const char *, void *))
{
	if (p == end)
		return -EINVAL;
	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;
		int ret = one(p, stop, acc);

		if (ret)
			return ret;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static int day_item(const char *p, const char *end, void *acc)
{
	return parse_day(p, end, acc);
}

static int hour_item(const char *p, const char *end, void *acc)
{
	return parse_hour(p, end, acc);
}

static int parse_keep(const char *p, const char *end, int *keep)
{
	long v;

	if (end - p == 7 && strncasecmp(p, "forever", 7) == 0) {
		*keep = ZEC_SCHEDULE_KEEP_FOREVER;
		return 0;
	}
	v = number(p, end, 5, ZEC_SCHEDULE_KEEP_MAX);
	if (v < 1)
		return -EINVAL;
	*keep = (int)v;
	return 0;
}

int zec_schedule_parse(const char *text, size_t len, struct zec_schedule *out)
{
	const char *p = text, *end = text + len;
	bool seen_days = false, seen_hours = false, seen_keep = false;
	struct zec_schedule s = { 0, 0, 0 };

	if (!text)
		return -EINVAL;
	for (;;) {
		const char *tok, *eq;
		int ret;

		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			break;
		tok = p;
		while (p < end && !is_blank(*p))
			p++;
		eq = memchr(tok, '=', (size_t)(p - tok));
		if (!eq)
			return -EINVAL;
		if (eq - tok == 4 && memcmp(tok, "days", 4) == 0 && !seen_days) {
			seen_days = true;
			ret = parse_list(eq + 1, p, &s.days, day_item);
		} else if (eq - tok == 5 && memcmp(tok, "hours", 5) == 0 && !seen_hours) {
			seen_hours = true;
			ret = parse_list(eq + 1, p, &s.hours, hour_item);
		} else if (eq - tok == 4 && memcmp(tok, "keep", 4) == 0 && !seen_keep) {
			seen_keep = true;
			ret = parse_keep(eq + 1, p, &s.keep);
		} else {
			ret = -EINVAL;      /* unknown or repeated key */
		}
		if (ret)
			return ret;
	}
	if (!seen_days || !seen_hours || !seen_keep)
		return -EINVAL;
	*out = s;
	return 0;
}

/* Some day, some hour, all in range; keep 1..65535 days or forever. */
static bool schedule_ok(const struct zec_schedule *s)
{
	return s && s->days && !(s->days & ~ALL_DAYS) && s->hours && !(s->hours >> 24) &&
	       (s->keep == ZEC_SCHEDULE_KEEP_FOREVER ||
	        (s->keep >= 1 && s->keep <= ZEC_SCHEDULE_KEEP_MAX));
}

int zec_schedule_format(const struct zec_schedule *s, char *buf, size_t size)
{
	size_t n = 0;
	int w;

#define PUT(...)                                                          \
	do {                                                              \
		w = snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__); \
		n += (size_t)w;                                           \
	} while (0)

	if (!schedule_ok(s))
		return -EINVAL;
	if (!buf || !size)
		return -ENAMETOOLONG;
	PUT("days=");
	if (s->days == ALL_DAYS) {
		PUT("daily");
	} else {
		const char *sep = "";

		for (int d = 1; d <= 7; d++) {
			if (s->days & (1u << d)) {
				PUT("%s%s", sep, day_names[d]);
				sep = ",";
			}
		}
	}
	PUT(" hours=");
	for (int h = 0, first = 1; h < 24; h++) {
		if (s->hours & (1u << h)) {
			PUT("%s%d", first ? "" : ",", h);
			first = 0;
		}
	}
	if (s->keep == ZEC_SCHEDULE_KEEP_FOREVER)
		PUT(" keep=forever");
	else
		PUT(" keep=%d", s->keep);
#undef PUT
	return n < size ? 0 : -ENAMETOOLONG;
}

/* Day d's name, or hour h as "02h". */
static void item_name(bool day, int v, char out[8])
{
	if (day)
		snprintf(out, 8, "%s", day_names[v]);
	else
		snprintf(out, 8, "%02dh", v);
}

/*
 * The set bits from..to, in order: a run of three or more as "first-last",
 * the others joined by '.' ("mon-fri.sun", "00h.06h-08h").
 */
static void put_runs(uint32_t bits, int from, int to, bool day, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int v = from; v <= to && n < size; v++) {
		char a[8], b[8];
		int end = v;
		int w;

		if (!(bits & (1u << v)))
			continue;
		while (end < to && (bits & (1u << (end + 1))))
			end++;
		item_name(day, v, a);
		if (end - v >= 2) {
			item_name(day, end, b);
			w = snprintf(buf + n, size - n, "%s%s-%s", n ? "." : "", a, b);
			v = end;
		} else {
			w = snprintf(buf + n, size - n, "%s%s", n ? "." : "", a);
		}
		n += (size_t)w;
	}
}

int zec_schedule_policy_name(const struct zec_schedule *s, char *buf, size_t size)
{
	char days[64], hours[160], keep[32];
	int n, count = 0;

	if (!schedule_ok(s))
		return -EINVAL;
	if (!buf || !size)
		return -ENAMETOOLONG;
	if (s->days == ALL_DAYS)
		snprintf(days, sizeof(days), "daily");
	else
		put_runs(s->days, 1, 7, true, days, sizeof(days));
	if (s->hours == 0xffffffu) {
		snprintf(hours, sizeof(hours), "hourly");
	} else {
		memcpy(hours, "at-", 3);
		put_runs(s->hours, 0, 23, false, hours + 3, sizeof(hours) - 3 - 4);
		strcat(hours, "-utc");
	}
	if (s->keep == ZEC_SCHEDULE_KEEP_FOREVER)
		snprintf(keep, sizeof(keep), "keep-forever");
	else
		snprintf(keep, sizeof(keep), "keep-%dd", s->keep);
	n = snprintf(buf, size, "zecfs-%s-%s-%s", days, hours, keep);
	if (n > ZEC_SCHEDULE_NAME_MAX) {
		/* too many hours to spell out: their number (the policy lists them) */
		for (int h = 0; h < 24; h++)
			count += (s->hours >> h) & 1;
		n = snprintf(buf, size, "zecfs-%s-%d-times-a-day-%s", days, count, keep);
	}
	return n >= 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}
