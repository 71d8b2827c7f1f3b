/*
 * test_schedule.c - the user.zec.autoSnapshot value: parse and print.
 */
#include <errno.h>
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
	return check_summary();
}
