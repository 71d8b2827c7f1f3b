/*
 * test_schedule.c - the user.zec.autoSnapshot value: parse and print, and
 * the policy name zecfs gives a schedule.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "zec_schedule.h"

static int parses(const char *text, struct zec_schedule *s)
{
	return zec_schedule_parse(text, strlen(text), s) == 0;
}

static void canonical(const char *in, const char *want)
{
	struct zec_schedule s;
	char buf[128] = "";
	int ok = parses(in, &s) && zec_schedule_format(&s, buf, sizeof(buf)) == 0;

	CHECK(ok && strcmp(buf, want) == 0, "'%s' -> '%s' (got '%s')", in, want, buf);
}

static void refused(const char *in)
{
	struct zec_schedule s;

	CHECK(!parses(in, &s), "'%s' is refused", in);
}

/* The policy name must be readable and pass the API's name rule. */
static void named(const char *in, const char *want)
{
	struct zec_schedule s;
	char buf[ZEC_SCHEDULE_NAME_MAX + 1] = "";
	int ok = parses(in, &s) && zec_schedule_policy_name(&s, buf, sizeof(buf)) == 0;
	size_t n = strlen(buf);
	bool rule = n >= 2 && n <= ZEC_SCHEDULE_NAME_MAX &&
	            strspn(buf, "abcdefghijklmnopqrstuvwxyz0123456789-.") == n;

	CHECK(ok && rule && strcmp(buf, want) == 0, "'%s' is named '%s' (got '%s')", in, want, buf);
}

int main(void)
{
	struct zec_schedule s, t;
	char small[8];

	canonical("days=mon,wed,fri hours=2 keep=14", "days=mon,wed,fri hours=2 keep=14");
	canonical("keep=14 hours=2 days=fri,mon,wed", "days=mon,wed,fri hours=2 keep=14");
	canonical("days=1,3,5 hours=23,0,12 keep=forever", "days=mon,wed,fri hours=0,12,23 keep=forever");
	canonical("days=daily hours=3 keep=7", "days=daily hours=3 keep=7");
	canonical("days=1,2,3,4,5,6,7 hours=3 keep=7", "days=daily hours=3 keep=7");
	canonical("days=sun hours=0 keep=65535\n", "days=sun hours=0 keep=65535");
	canonical("  days=mon,mon  hours=1,1 keep=1 ", "days=mon hours=1 keep=1");
	refused("");
	refused("days=mon hours=2");
	refused("days=mon keep=1");
	refused("days=funday hours=2 keep=1");
	refused("days=8 hours=2 keep=1");
	refused("days=0 hours=2 keep=1");
	refused("days=mon hours=24 keep=1");
	refused("days=mon hours=-1 keep=1");
	refused("days=mon hours=2 keep=0");
	refused("days=mon hours=2 keep=65536");
	refused("days=mon hours=2 keep=-1");
	refused("days=mon hours=2 keep=1 keep=2");
	refused("days=mon, hours=2 keep=1");
	refused("days= hours=2 keep=1");
	refused("days=mon hours=2 keep=1 extra=1");
	refused("days=mon hours=2 keep=1x");
	refused("days mon hours=2 keep=1");
	CHECK(parses("days=tue,sun hours=5,1 keep=3", &s), "parses");
	CHECK(s.days == ((1u << 2) | (1u << 7)) && s.hours == ((1u << 1) | (1u << 5)) && s.keep == 3,
	      "bits: day d is bit d (1 = Monday), hour h is bit h");
	CHECK(parses("keep=3 days=7,2 hours=1,5", &t) && s.days == t.days && s.hours == t.hours,
	      "the same schedule in another order");
	CHECK(zec_schedule_format(&s, small, sizeof(small)) == -ENAMETOOLONG,
	      "a buffer too small is refused");
	named("days=mon,wed,fri hours=2 keep=14", "zecfs-mon.wed.fri-at-02h-utc-keep-14d");
	named("days=daily hours=0,12 keep=forever", "zecfs-daily-at-00h.12h-utc-keep-forever");
	named("days=mon,tue,wed,thu,fri hours=1,2,3,9 keep=7", "zecfs-mon-fri-at-01h-03h.09h-utc-keep-7d");
	named("days=sat,sun hours=23 keep=65535", "zecfs-sat.sun-at-23h-utc-keep-65535d");
	named("days=mon,tue,thu,fri,sun hours=5 keep=1", "zecfs-mon.tue.thu.fri.sun-at-05h-utc-keep-1d");
	named("days=daily hours=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23 keep=3",
	      "zecfs-daily-hourly-keep-3d");
	/* the longest spelling does not fit: the hours are counted instead */
	named("days=mon,wed,fri,sun hours=0,2,4,6,8,10,12,14,16,18,20,22 keep=65535",
	      "zecfs-mon.wed.fri.sun-12-times-a-day-keep-65535d");
	CHECK(zec_schedule_policy_name(&s, small, sizeof(small)) == -ENAMETOOLONG,
	      "a name buffer too small is refused");
	return check_summary();
}
