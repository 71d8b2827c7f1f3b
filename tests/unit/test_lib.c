/*
 * test_lib.c - the pure logic of src/lib: API times, retention values,
 * the snapshot name rule, log-line escaping, numbers and JSON strings'
 * plain runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "zec_log.h"
#include "zec_name.h"
#include "zec_num.h"
#include "zec_plain.h"
#include "zec_time.h"

static void test_time(void)
{
	static const char *const bad[] = {
		"2027-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2027-13-01T00:00:00Z",
		"2027-00-10T00:00:00Z", "2027-01-00T00:00:00Z", "2027-01-01T24:00:00Z",
		"2027-01-01T00:60:00Z", "2027-01-01T00:00:60Z", "2027-01-01 00:00:00Z",
		"2027-01-01T00:00:00", "2027-01-01T00:00:00+00:00", "2027-1-01T00:00:00Z",
		"2027-01-01T00:00:00Zx", "", "garbage", "1969-12-31T23:59:59Z",
		"2027-01-01T0a:00:00Z", "+7d",
	};
	char buf[ZEC_TIME_LEN];
	time_t t = 0;

	CHECK(zec_time_parse("2027-01-01T00:00:00Z", &t) == 0 && t == 1798761600,
	      "time: 2027-01-01T00:00:00Z");
	CHECK(zec_time_parse("2024-02-29T12:34:56Z", &t) == 0 && t == 1709210096,
	      "time: leap day 2024-02-29");
	CHECK(zec_time_parse("1970-01-01T00:00:00Z", &t) == 0 && t == 0,
	      "time: the epoch");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(zec_time_parse(bad[i], &t) == -EINVAL, "time: \"%s\" rejected", bad[i]);
	CHECK(zec_time_parse(NULL, &t) == -EINVAL, "time: NULL rejected");
	zec_time_format(1709210096, buf);
	CHECK(strcmp(buf, "2024-02-29T12:34:56Z") == 0, "time: format");
}

/* xorshift64: the same numbers on every run. */
static unsigned long long next_random(unsigned long long x)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

/* The format and the parse agree with gmtime_r/strftime and timegm. */
static void test_time_libc(void)
{
	static const long long edges[] = {
		0, -1, 86399, 86400, 951782400 /* 2000-02-29 */, 4107456000 /* 2100-02-28 */,
		-30610224000LL - 1, -30610224000LL, 253402300799LL, 253402300800LL,
		-62167219200LL /* 0000-01-01 */, 1709210096,
	};
	unsigned long long x = 88172645463325252ULL;
	int bad_fmt = 0, bad_parse = 0;

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]) + 200000; i++) {
		char want[64], got[ZEC_TIME_LEN];
		long long v;
		struct tm tm;
		time_t t, back = 0;

		if (i < sizeof(edges) / sizeof(edges[0])) {
			v = edges[i];
		} else {
			x = next_random(x);
			/* years about -700 to 10500, most of them 1970-2400 */
			v = i % 4 ? (long long)(x % 13569465600ULL) :
			            (long long)(x % 353402300800ULL) - 80000000000LL;
		}
		t = (time_t)v;
		if (!gmtime_r(&t, &tm) ||
		    strftime(want, ZEC_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			strcpy(want, "1970-01-01T00:00:00Z");
		zec_time_format(t, got);
		if (strcmp(want, got) != 0 && bad_fmt++ < 5)
			CHECK(0, "time: %lld formats as %s, strftime: %s", v, got, want);
		if (v >= 0 && v <= 253402300799LL &&
		    (zec_time_parse(want, &back) != 0 || back != t) && bad_parse++ < 5)
			CHECK(0, "time: %s parses to %lld, not %lld", want, (long long)back, v);
	}
	CHECK(bad_fmt == 0, "time: the format agrees with strftime (%d differ)", bad_fmt);
	CHECK(bad_parse == 0, "time: the parse is the format's inverse (%d differ)", bad_parse);
}

/* zec_u64_dec writes what printf's %llu does, and says its length. */
static void test_u64_dec(void)
{
	static const uint64_t edges[] = { 0, 1, 9, 10, 11, 99, 100, 101, 999, 1000,
		9999999999999999999ULL, 10000000000000000000ULL, UINT64_MAX - 1, UINT64_MAX };
	unsigned long long x = 2463534242ULL;
	int bad = 0;

	/* each power of ten and its neighbours: where the digit count turns */
	for (uint64_t p = 1, i = 0; i < 20; i++, p *= 10) {
		for (uint64_t v = p - 1; v <= p + 1 && v >= p - 1; v++) {
			char want[32];

			snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
			if (zec_u64_dec_len(v) != strlen(want) && bad++ < 5)
				CHECK(0, "u64: %s counted %zu digits", want, zec_u64_dec_len(v));
		}
		if (i == 19)
			break;              /* 10^20 does not fit */
	}
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]) + 100000; i++) {
		char want[32], got[ZEC_U64_DEC_LEN];
		uint64_t v;
		size_t n;

		if (i < sizeof(edges) / sizeof(edges[0])) {
			v = edges[i];
		} else {
			x = next_random(x);
			v = x >> (i % 64);      /* every length of number */
		}
		snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
		n = zec_u64_dec(v, got);
		if ((strcmp(want, got) != 0 || n != strlen(want) || zec_u64_dec_len(v) != n) &&
		    bad++ < 5)
			CHECK(0, "u64: %s written as %s (%zu)", want, got, n);
	}
	CHECK(bad == 0, "u64: every number written as %%llu writes it (%d differ)", bad);
}

static void test_retention(void)
{
	static const char *const bad[] = {
		"", "   ", "garbage", "+0d", "+d", "+", "+7", "+7x", "+-1d", "7d",
		"+1.5d", "+ 7d", "2027-02-30T00:00:00Z", "Permanent", "+99999999999w",
		"permanent forever",
	};
	struct zec_retention r;
	char buf[64];

	CHECK(zec_retention_parse("+7d", &r) == 0 && r.kind == ZEC_RETENTION_RELATIVE &&
	      r.seconds == 7 * 86400, "retention: +7d");
	zec_retention_format(&r, buf, sizeof(buf));
	CHECK(strcmp(buf, "+1w") == 0, "retention: +7d formats as +1w (got %s)", buf);
	CHECK(zec_retention_resolve(&r, 1000) == 1000 + 7 * 86400,
	      "retention: +7d resolves from now");
	CHECK(zec_retention_parse("+2w", &r) == 0 && r.seconds == 14 * 86400,
	      "retention: +2w");
	zec_retention_format(&r, buf, sizeof(buf));
	CHECK(strcmp(buf, "+2w") == 0, "retention: +2w formats as +2w");
	CHECK(zec_retention_parse("+90m", &r) == 0 && r.seconds == 5400,
	      "retention: +90m");
	zec_retention_format(&r, buf, sizeof(buf));
	CHECK(strcmp(buf, "+90m") == 0, "retention: +90m formats as +90m");
	CHECK(zec_retention_parse("+36h", &r) == 0 && r.seconds == 36 * 3600,
	      "retention: +36h");
	CHECK(zec_retention_parse("permanent", &r) == 0 &&
	      r.kind == ZEC_RETENTION_PERMANENT, "retention: permanent");
	zec_retention_format(&r, buf, sizeof(buf));
	CHECK(strcmp(buf, "permanent") == 0, "retention: permanent formats");
	CHECK(zec_retention_parse("  +3d\n", &r) == 0 && r.seconds == 3 * 86400,
	      "retention: white space and newline ignored");
	CHECK(zec_retention_parse("permanent\n", &r) == 0 &&
	      r.kind == ZEC_RETENTION_PERMANENT, "retention: permanent with newline");
	CHECK(zec_retention_parse("2027-01-01T00:00:00Z\n", &r) == 0 &&
	      r.kind == ZEC_RETENTION_ABSOLUTE && r.at == 1798761600,
	      "retention: absolute time");
	zec_retention_format(&r, buf, sizeof(buf));
	CHECK(strcmp(buf, "2027-01-01T00:00:00Z") == 0, "retention: absolute formats");
	CHECK(zec_retention_resolve(&r, 5) == 1798761600, "retention: absolute resolves");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(zec_retention_parse(bad[i], &r) == -EINVAL,
		      "retention: \"%s\" rejected", bad[i]);
	CHECK(zec_retention_parse(NULL, &r) == -EINVAL, "retention: NULL rejected");
}

static void test_names(void)
{
	char n63[64], n64[65];

	memset(n63, 'a', 63);
	n63[63] = '\0';
	memset(n64, 'a', 64);
	n64[64] = '\0';
	CHECK(zec_snapshot_name_check("ab") == ZEC_NAME_OK, "name: ab ok");
	CHECK(zec_snapshot_name_check("fs-snap.001") == ZEC_NAME_OK, "name: fs-snap.001 ok");
	CHECK(zec_snapshot_name_check("A9") == ZEC_NAME_OK, "name: A9 ok");
	CHECK(zec_snapshot_name_check(n63) == ZEC_NAME_OK, "name: 63 characters ok");
	CHECK(zec_snapshot_name_check(n64) == ZEC_NAME_TOO_LONG, "name: 64 characters too long");
	CHECK(zec_snapshot_name_check("a") == ZEC_NAME_TOO_SHORT, "name: one character too short");
	CHECK(zec_snapshot_name_check("") == ZEC_NAME_TOO_SHORT, "name: empty too short");
	CHECK(zec_snapshot_name_check(NULL) == ZEC_NAME_TOO_SHORT, "name: NULL too short");
	CHECK(zec_snapshot_name_check("a_b") == ZEC_NAME_BAD_CHAR, "name: underscore bad");
	CHECK(zec_snapshot_name_check("a b") == ZEC_NAME_BAD_CHAR, "name: space bad");
	CHECK(zec_snapshot_name_check("a/b") == ZEC_NAME_BAD_CHAR, "name: slash bad");
	CHECK(zec_snapshot_name_check("caf\xc3\xa9") == ZEC_NAME_BAD_CHAR, "name: UTF-8 bad");
	CHECK(zec_snapshot_name_check("-ab") == ZEC_NAME_BAD_EDGE, "name: leading - bad");
	CHECK(zec_snapshot_name_check("ab.") == ZEC_NAME_BAD_EDGE, "name: trailing . bad");
	CHECK(zec_snapshot_name_check("..") == ZEC_NAME_BAD_EDGE, "name: .. bad");
}

/* The disk name rule: SDK zec20250901/models.go ModifyDisksAttributesRequest. */
static void test_disk_names(void)
{
	char n64[65], n65[66];

	memset(n64, 'd', 64);
	n64[64] = '\0';
	memset(n65, 'd', 65);
	n65[65] = '\0';
	CHECK(zec_disk_name_check("a") == ZEC_NAME_OK, "disk name: one character ok");
	CHECK(zec_disk_name_check("web_01-data.v2") == ZEC_NAME_OK, "disk name: _ - . ok");
	CHECK(zec_disk_name_check(n64) == ZEC_NAME_OK, "disk name: 64 characters ok");
	CHECK(zec_disk_name_check(n65) == ZEC_NAME_TOO_LONG, "disk name: 65 too long");
	CHECK(zec_disk_name_check("") == ZEC_NAME_TOO_SHORT, "disk name: empty");
	CHECK(zec_disk_name_check(NULL) == ZEC_NAME_TOO_SHORT, "disk name: NULL");
	CHECK(zec_disk_name_check("a b") == ZEC_NAME_BAD_CHAR, "disk name: space bad");
	CHECK(zec_disk_name_check("a/b") == ZEC_NAME_BAD_CHAR, "disk name: slash bad");
	CHECK(zec_disk_name_check("caf\xc3\xa9") == ZEC_NAME_BAD_CHAR, "disk name: UTF-8 bad");
	CHECK(zec_disk_name_check("_ab") == ZEC_NAME_BAD_EDGE, "disk name: leading _ bad");
	CHECK(zec_disk_name_check("ab-") == ZEC_NAME_BAD_EDGE, "disk name: trailing - bad");
	CHECK(zec_disk_name_check(".") == ZEC_NAME_BAD_EDGE, "disk name: . bad");
}

/* Every createTime layout of zenlayer-cloud-csi-driver
 * pkg/disk/rpcserver/controllerserver.go (snapCreateTimeLayouts, epochs). */
static void test_time_api(void)
{
	static const struct { const char *s; long long t; } good[] = {
		{ "2026-11-01T02:00:00Z", 1793498400 },                 /* RFC3339 */
		{ "2026-11-01T02:00:00.123456789Z", 1793498400 },       /* RFC3339Nano */
		{ "2026-11-01T02:00:00.5Z", 1793498400 },
		{ "2026-11-01T10:00:00+08:00", 1793498400 },            /* offset */
		{ "2026-10-31T21:30:00-04:30", 1793498400 },
		{ "2026-11-01T10:00:00.25+08:00", 1793498400 },
		{ "2026-11-01T02:00:00", 1793498400 },                  /* no zone: UTC */
		{ "2026-11-01 02:00:00", 1793498400 },                  /* space */
		{ "2026-11-01 02:00:00.75", 1793498400 },
		{ "2026-11-01 10:00:00+08:00", 1793498400 },            /* space, Z07:00 */
		{ "2026-11-01 02:00:00Z", 1793498400 },
		{ "2026-11-01", 1793491200 },                           /* date only */
		{ "1793498400", 1793498400 },                           /* epoch s */
		{ "1793498400000", 1793498400 },                        /* epoch ms */
		{ "1793498400999", 1793498400 },
		{ "  2026-11-01T02:00:00Z\n", 1793498400 },
	};
	static const char *const bad[] = {
		"", "  ", "garbage", "2026-11-01T02:00", "2026-11-01X02:00:00Z",
		"2026-11-01T02:00:00+0800", "2026-11-01T02:00:00+08", "2026-11-01T02:00:00.Z",
		"2026-11-01T02:00:00ZZ", "2026-13-01T02:00:00Z", "2026-02-30 00:00:00",
		"2026-11-01T24:00:00Z", "0", "-1793498400", "17935848O0", "2026-1-01",
		"2026-11-01T02:00:00+24:00", "12345678901234567",
	};
	time_t t;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		t = 0;
		CHECK(zec_time_parse_api(good[i].s, &t) == 0 && (long long)t == good[i].t,
		      "time api: \"%s\" is %lld (got %lld)", good[i].s, good[i].t, (long long)t);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(zec_time_parse_api(bad[i], &t) == -EINVAL, "time api: \"%s\" rejected", bad[i]);
	CHECK(zec_time_parse_api(NULL, &t) == -EINVAL, "time api: NULL rejected");
	/* the strict parser stays strict */
	CHECK(zec_time_parse("2026-11-01 02:00:00", &t) == -EINVAL, "time: space still rejected");
}

static void test_sanitize(void)
{
	char out[64], small[6];
	char line[4096];
	FILE *f;
	int saved;
	size_t n;

	zlog_sanitize(out, sizeof(out), "a\nb\rc\td\x02" "e\x7f\\f\"");
	CHECK(strcmp(out, "a\\nb\\rc\\td\\x02e\\x7f\\f\"") == 0,
	      "sanitize: control characters escaped, the rest kept (got %s)", out);
	zlog_sanitize(small, sizeof(small), "abcd\n");
	CHECK(strcmp(small, "abcd") == 0, "sanitize: an escape is never cut in half (got %s)", small);

	/* the line zec_log writes: one line whatever the values */
	f = tmpfile();
	CHECK(f != NULL, "sanitize: tmpfile");
	if (!f)
		return;
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fileno(f), STDERR_FILENO);
	zec_log_init("test", 0, ZEC_LOG_INFO);
	zlog_info("rejected code=%s requestId=%s", "X\n2026-01-01T00:00:00.000Z zecfs error: forged",
	          "r\r1");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(line, 1, sizeof(line) - 1, f);
	line[n] = '\0';
	fclose(f);
	CHECK(n > 0 && strchr(line, '\n') == line + n - 1,
	      "log: a value with a newline still makes exactly one line");
	CHECK(strstr(line, "code=X\\n2026-01-01T00:00:00.000Z zecfs error: forged requestId=r\\r1\n") != NULL,
	      "log: the newline and CR are written as \\n and \\r (got %s)", line);
}

/*
 * The end of a plain run found eight bytes at a time is the first byte a
 * byte-by-byte scan stops at: each kind of stop byte at every position of
 * runs of 0-40 bytes, at every alignment, among bytes just above and below
 * the limits; then random bytes.
 */
static void test_plain_end(void)
{
	static const unsigned char stops[] = { '"', '\\', 0x00, 0x01, 0x1f, '\n' };
	static const unsigned char fills[] = { 'a', 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xff };
	unsigned long long x = 88172645463325252ULL;
	unsigned char buf[64];
	int bad = 0, checked = 0;

	for (size_t len = 0; len <= 40; len++) {
		for (size_t at = 0; at <= len; at++) {
			for (size_t k = 0; k < sizeof(stops) * sizeof(fills); k++) {
				size_t off = k % 8;
				const char *p = (const char *)buf + off, *want, *got;

				memset(buf, fills[k / sizeof(stops)], sizeof(buf));
				if (at < len)
					buf[off + at] = stops[k % sizeof(stops)];
				want = p;
				while (want < p + len && zec_plain_byte((unsigned char)*want))
					want++;
				got = zec_plain_end(p, p + len);
				checked++;
				if (got != want)
					bad++;
			}
		}
	}
	for (int round = 0; round < 200000; round++) {
		size_t len = (size_t)(round % 41);
		const char *p = (const char *)buf, *want;

		for (size_t i = 0; i < len; i++) {
			x = next_random(x);
			/* mostly plain, with a stop byte now and then */
			buf[i] = (unsigned char)(x % 23 ? 0x20 + (x >> 8) % 224 : (x >> 8) % 0x24);
		}
		want = p;
		while (want < p + len && zec_plain_byte((unsigned char)*want))
			want++;
		checked++;
		if (zec_plain_end(p, p + len) != want)
			bad++;
	}
	CHECK(bad == 0, "plain: a run's end is where a byte-by-byte scan stops (%d of %d differ)",
	      bad, checked);
}

int main(void)
{
	test_time();
	test_time_libc();
	test_u64_dec();
	test_plain_end();
	test_time_api();
	test_retention();
	test_names();
	test_disk_names();
	test_sanitize();
	return check_summary();
}
