/*
 * fuzz_retention.c - libFuzzer harness for time and retention parsing
 * (src/lib/zec_time.c).
 *
 * Fuzzes: the input, cut at its first NUL, through zec_retention_parse()
 * and zec_time_parse(); its first 8 bytes, as a time_t, through
 * zec_time_format().
 *
 * Checks (any failure aborts):
 *  - an accepted retention value, formatted with zec_retention_format() and
 *    parsed again, gives the same value (kind, time or seconds), and
 *    formatting that gives the same text; relative values are positive;
 *  - an accepted time formats back to exactly the input (the format is
 *    strict, so it is canonical) and parses again to the same time_t;
 *  - zec_time_parse_api() (every createTime layout) agrees with the strict
 *    parser wherever that accepts, and its result in RFC 3339 parses back
 *    to itself;
 *  - zec_time_format() always NUL-terminates within ZEC_TIME_LEN, and any
 *    time_t from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z formats as 20
 *    characters that parse back to itself.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zec_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TIME_MAX_4DIGIT 253402300799LL   /* 9999-12-31T23:59:59Z */

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "fuzz_retention: check failed: %s: ",\
			        #cond);                                      \
			fprintf(stderr, __VA_ARGS__);                        \
			fputc('\n', stderr);                                 \
			abort();                                             \
		}                                                            \
	} while (0)

static bool same_retention(const struct zec_retention *a,
                           const struct zec_retention *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case ZEC_RETENTION_ABSOLUTE:
		return a->at == b->at;
	case ZEC_RETENTION_RELATIVE:
		return a->seconds == b->seconds;
	case ZEC_RETENTION_PERMANENT:
		return true;
	}
	return false;
}

static void check_retention(const char *s)
{
	struct zec_retention r, r2;
	char buf[64], buf2[64];
	time_t now = 1798761600;             /* 2027-01-01T00:00:00Z */

	if (zec_retention_parse(s, &r) != 0)
		return;
	CHECK(r.kind == ZEC_RETENTION_ABSOLUTE || r.kind == ZEC_RETENTION_RELATIVE ||
	      r.kind == ZEC_RETENTION_PERMANENT, "\"%s\": kind %d", s, (int)r.kind);
	if (r.kind == ZEC_RETENTION_RELATIVE)
		CHECK(r.seconds > 0, "\"%s\": %lld seconds", s, r.seconds);
	if (r.kind == ZEC_RETENTION_ABSOLUTE)
		CHECK(r.at >= 0 && r.at <= TIME_MAX_4DIGIT, "\"%s\": at %lld", s,
		      (long long)r.at);

	zec_retention_format(&r, buf, sizeof(buf));
	CHECK(zec_retention_parse(buf, &r2) == 0,
	      "\"%s\" formats as \"%s\", which does not parse", s, buf);
	CHECK(same_retention(&r, &r2), "\"%s\" -> \"%s\" changes the value", s, buf);
	zec_retention_format(&r2, buf2, sizeof(buf2));
	CHECK(strcmp(buf, buf2) == 0, "\"%s\" -> \"%s\" -> \"%s\"", s, buf, buf2);

	switch (r.kind) {
	case ZEC_RETENTION_ABSOLUTE:
		CHECK(zec_retention_resolve(&r, now) == r.at, "\"%s\": resolve", s);
		break;
	case ZEC_RETENTION_RELATIVE:
		CHECK(zec_retention_resolve(&r, now) == now + (time_t)r.seconds,
		      "\"%s\": resolve", s);
		break;
	case ZEC_RETENTION_PERMANENT:
		CHECK(strcmp(buf, "permanent") == 0, "\"%s\" -> \"%s\"", s, buf);
		break;
	}
}

static void check_time_text(const char *s)
{
	char out[ZEC_TIME_LEN];
	time_t t, t2;

	if (zec_time_parse(s, &t) != 0)
		return;
	zec_time_format(t, out);
	CHECK(strcmp(out, s) == 0, "\"%s\" parses to %lld, formats as \"%s\"", s,
	      (long long)t, out);
	CHECK(zec_time_parse(out, &t2) == 0 && t2 == t, "\"%s\": reparse", out);
}

static void check_time_api(const char *s)
{
	char out[ZEC_TIME_LEN];
	time_t t, t2;

	if (zec_time_parse_api(s, &t) != 0)
		return;
	if (zec_time_parse(s, &t2) == 0)
		CHECK(t2 == t, "\"%s\": strict %lld, api %lld", s, (long long)t2, (long long)t);
	if (t < 0 || (long long)t > TIME_MAX_4DIGIT)
		return;
	zec_time_format(t, out);
	CHECK(zec_time_parse_api(out, &t2) == 0 && t2 == t, "\"%s\" -> %lld -> \"%s\"",
	      s, (long long)t, out);
}

static void check_time_value(time_t t)
{
	char out[ZEC_TIME_LEN];
	time_t t2;

	memset(out, 'x', sizeof(out));
	zec_time_format(t, out);
	CHECK(memchr(out, '\0', sizeof(out)) != NULL, "%lld: no NUL in \"%.*s\"",
	      (long long)t, (int)sizeof(out), out);
	if (t < 0 || (long long)t > TIME_MAX_4DIGIT)
		return;
	CHECK(strlen(out) == 20, "%lld formats as \"%s\"", (long long)t, out);
	CHECK(zec_time_parse(out, &t2) == 0, "%lld formats as \"%s\", which does "
	      "not parse", (long long)t, out);
	CHECK(t2 == t, "%lld -> \"%s\" -> %lld", (long long)t, out, (long long)t2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_retention(s);
	check_time_text(s);
	check_time_api(s);
	free(s);

	if (size >= sizeof(int64_t)) {
		int64_t v;

		memcpy(&v, data, sizeof(v));
		check_time_value((time_t)v);
		check_time_value((time_t)((uint64_t)v % (TIME_MAX_4DIGIT + 1)));
	}
	return 0;
}
