/*
 * zec_schedule.c - parse and print auto-snapshot schedules (see
 * zec_schedule.h).  Pure: unit-tested, no I/O.
 */
#include "zec_schedule.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const day_names[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

/* A whole decimal number in [lo, hi] spanning exactly [p, p+n). */
static int number(const char *p, size_t n, long lo, long hi, long *out)
{
	long v = 0;

	if (n == 0 || n > 5)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		v = v * 10 + (p[i] - '0');
	}
	if (v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_days(const char *p, size_t n, unsigned *days)
{
	*days = 0;
	if (n == 5 && strncmp(p, "daily", 5) == 0) {
		*days = 0x7f;
		return 0;
	}
	while (n) {
		const char *comma = memchr(p, ',', n);
		size_t len = comma ? (size_t)(comma - p) : n;
		long d = 0;
		int found = 0;

		for (int i = 0; i < 7; i++) {
			if (len == 3 && strncmp(p, day_names[i], 3) == 0) {
				d = i + 1;
				found = 1;
			}
		}
		if (!found && number(p, len, 1, 7, &d))
			return -EINVAL;
		*days |= 1u << (d - 1);
		if (!comma)
			break;
		n -= len + 1;
		p += len + 1;
		if (!n)
			return -EINVAL;         /* a trailing comma */
	}
	return *days ? 0 : -EINVAL;
}

static int parse_hours(const char *p, size_t n, unsigned long *hours)
{
	*hours = 0;
	while (n) {
		const char *comma = memchr(p, ',', n);
		size_t len = comma ? (size_t)(comma - p) : n;
		long h;

		if (number(p, len, 0, 23, &h))
			return -EINVAL;
		*hours |= 1ul << h;
		if (!comma)
			break;
		n -= len + 1;
		p += len + 1;
		if (!n)
			return -EINVAL;
	}
	return *hours ? 0 : -EINVAL;
}

int zec_schedule_parse(const char *text, size_t len, struct zec_schedule *out)
{
	struct zec_schedule s = { 0, 0, 0 };
	int seen = 0;               /* 1 days, 2 hours, 4 keep */
	size_t i = 0;

	/* a value from setfattr may end in a newline or a NUL */
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\0'))
		len--;
	while (i < len) {
		size_t start, eq, end;
		long keep;

		while (i < len && text[i] == ' ')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && text[i] != ' ')
			i++;
		end = i;
		for (eq = start; eq < end && text[eq] != '='; eq++)
			;
		if (eq == end)
			return -EINVAL;
#define KEY(k) (eq - start == strlen(k) && strncmp(text + start, k, eq - start) == 0)
		if (KEY("days") && !(seen & 1)) {
			if (parse_days(text + eq + 1, end - eq - 1, &s.days))
				return -EINVAL;
			seen |= 1;
		} else if (KEY("hours") && !(seen & 2)) {
			if (parse_hours(text + eq + 1, end - eq - 1, &s.hours))
				return -EINVAL;
			seen |= 2;
		} else if (KEY("keep") && !(seen & 4)) {
			if (end - eq - 1 == 7 && strncmp(text + eq + 1, "forever", 7) == 0)
				s.keep = ZEC_KEEP_FOREVER;
			else if (number(text + eq + 1, end - eq - 1, 1, ZEC_KEEP_MAX, &keep))
				return -EINVAL;
			else
				s.keep = (int)keep;
			seen |= 4;
		} else {
			return -EINVAL;         /* unknown or repeated key */
		}
#undef KEY
	}
	if (seen != 7)
		return -EINVAL;
	*out = s;
	return 0;
}

int zec_schedule_format(const struct zec_schedule *s, char *buf, size_t size)
{
	size_t at = 0;
	int n;

#define PUT(...) do { \
		n = snprintf(buf + at, at < size ? size - at : 0, __VA_ARGS__); \
		if (n < 0) \
			return -ERANGE; \
		at += (size_t)n; \
	} while (0)
	if ((s->days & 0x7f) == 0x7f) {
		PUT("days=daily");
	} else {
		const char *sep = "days=";

		for (int d = 0; d < 7; d++) {
			if (s->days & (1u << d)) {
				PUT("%s%s", sep, day_names[d]);
				sep = ",";
			}
		}
	}
	{
		const char *sep = " hours=";

		for (int h = 0; h < 24; h++) {
			if (s->hours & (1ul << h)) {
				PUT("%s%d", sep, h);
				sep = ",";
			}
		}
	}
	if (s->keep == ZEC_KEEP_FOREVER)
		PUT(" keep=forever");
	else
		PUT(" keep=%d", s->keep);
#undef PUT
	return at < size ? 0 : -ERANGE;
}

size_t zec_schedule_days(const struct zec_schedule *s, int out[7])
{
	size_t n = 0;

	for (int d = 0; d < 7; d++) {
		if (s->days & (1u << d))
			out[n++] = d + 1;
	}
	return n;
}

size_t zec_schedule_hours(const struct zec_schedule *s, int out[24])
{
	size_t n = 0;

	for (int h = 0; h < 24; h++) {
		if (s->hours & (1ul << h))
			out[n++] = h;
	}
	return n;
}

int zec_schedule_equal(const struct zec_schedule *a, const struct zec_schedule *b)
{
	return (a->days & 0x7f) == (b->days & 0x7f) && (a->hours & 0xfffffful) ==
	       (b->hours & 0xfffffful) && a->keep == b->keep;
}
