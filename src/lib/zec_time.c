/*
 * zec_time.c - strict time parsing and formatting, retention values.
 */
#include "zec_time.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static int trimmed(const char *s, char *buf, size_t size);

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - (unsigned)'0';   /* ASCII digits, any locale */

		if (d > 9)
			return -EINVAL;
		v = v * 10 + (int)d;
	}
	*out = v;
	return 0;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar, and
 * back, by counting 400-year eras from March 1 (so a leap day ends its
 * year).  Pure arithmetic: timegm and gmtime_r take glibc's time zone lock
 * on every call, and a walk parses and prints a time for every snapshot on
 * every serving thread.
 */
static long long days_from_civil(int y, int m, int d)
{
	long long yy = m <= 2 ? y - 1 : y;
	long long era = (yy >= 0 ? yy : yy - 399) / 400;
	long long yoe = yy - era * 400;                          /* [0, 399] */
	long long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;   /* [0, 146096] */

	return era * 146097 + doe - 719468;
}

static void civil_from_days(long long z, int *y, int *m, int *d)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* The date yyyy-MM-dd at s (10 characters) and, with clock, the time of
 * day HH:mm:ss at s + 11 (8 characters), as seconds since the epoch. */
static int date_time(const char *s, bool clock, time_t *out)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int Y, M, D, h = 0, m = 0, sec = 0;

	if (s[4] != '-' || s[7] != '-' || digits(s, 4, &Y) || digits(s + 5, 2, &M) ||
	    digits(s + 8, 2, &D))
		return -EINVAL;
	if (clock && (s[13] != ':' || s[16] != ':' || digits(s + 11, 2, &h) ||
	              digits(s + 14, 2, &m) || digits(s + 17, 2, &sec)))
		return -EINVAL;
	if (Y < 1970 || M < 1 || M > 12 || D < 1 || h > 23 || m > 59 || sec > 59)
		return -EINVAL;
	if (D > mdays[M - 1] + (M == 2 && is_leap(Y)))
		return -EINVAL;
	/* four digits from 1970: within any time_t of 64 bits */
	*out = (time_t)(days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec);
	return 0;
}

int zec_time_parse(const char *s, time_t *out)
{
	if (!s || strlen(s) != 20 || s[10] != 'T' || s[19] != 'Z')
		return -EINVAL;
	return date_time(s, true, out);
}

/* Epoch seconds, or milliseconds from 13 digits on (as the CSI driver). */
static int epoch(const char *s, size_t n, time_t *out)
{
	long long v = 0;

	if (n == 0 || n > 16)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v <= 0)
		return -EINVAL;
	*out = (time_t)(n >= 13 ? v / 1000 : v);
	return 0;
}

/* What follows the seconds: [.digits] then nothing, 'Z' (when zone_ok) or
 * +hh:mm / -hh:mm; the offset to subtract in *off. */
static int time_tail(const char *p, bool zone_ok, bool zone_needed, long *off)
{
	int oh, om;

	*off = 0;
	if (*p == '.' || *p == ',') {
		if (!isdigit((unsigned char)p[1]))
			return -EINVAL;
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	if (!*p)
		return zone_needed ? -EINVAL : 0;
	if (!zone_ok)
		return -EINVAL;
	if (p[0] == 'Z' && !p[1])
		return 0;
	if ((p[0] != '+' && p[0] != '-') || strlen(p) != 6 || p[3] != ':' ||
	    digits(p + 1, 2, &oh) || digits(p + 4, 2, &om) || oh > 23 || om > 59)
		return -EINVAL;
	*off = (p[0] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
	return 0;
}

int zec_time_parse_api(const char *s, time_t *out)
{
	char buf[64];
	size_t n;
	long off;
	time_t t;

	if (!s || trimmed(s, buf, sizeof(buf)))
		return -EINVAL;
	n = strlen(buf);
	if (isdigit((unsigned char)buf[0]) && strspn(buf, "0123456789") == n)
		return epoch(buf, n, out);
	if (n == 10)
		return date_time(buf, false, out);
	if (n < 19 || (buf[10] != 'T' && buf[10] != ' ') || date_time(buf, true, &t))
		return -EINVAL;
	/* 'T': RFC 3339 (zone) or no zone; ' ': no zone, or Z07:00 */
	if (time_tail(buf + 19, true, false, &off))
		return -EINVAL;
	*out = t - off;
	return 0;
}
/* n as two digits at p. */
static void two(char *p, int n)
{
	p[0] = (char)('0' + n / 10);
	p[1] = (char)('0' + n % 10);
}

void zec_time_format(time_t t, char out[ZEC_TIME_LEN])
{
	long long days, secs;
	int y, m, d;

	/* years of four digits here; any other year as strftime prints it */
	if ((long long)t < ZEC_TIME_FOUR_DIGITS_FROM || (long long)t > ZEC_TIME_FOUR_DIGITS_TO) {
		struct tm tm;

		if (!gmtime_r(&t, &tm) ||
		    strftime(out, ZEC_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			memcpy(out, "1970-01-01T00:00:00Z", ZEC_TIME_LEN);
		return;
	}
	days = (long long)t / 86400;
	secs = (long long)t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	two(out, y / 100);
	two(out + 2, y % 100);
	out[4] = '-';
	two(out + 5, m);
	out[7] = '-';
	two(out + 8, d);
	out[10] = 'T';
	two(out + 11, (int)(secs / 3600));
	out[13] = ':';
	two(out + 14, (int)(secs / 60 % 60));
	out[16] = ':';
	two(out + 17, (int)(secs % 60));
	memcpy(out + 19, "Z", 2);
}

/* Copies s without surrounding white space; -EINVAL if it does not fit. */
static int trimmed(const char *s, char *buf, size_t size)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || n >= size)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

int zec_retention_parse(const char *s, struct zec_retention *out)
{
	char buf[64];
	long long n = 0, unit;
	size_t len, i;

	if (!s || trimmed(s, buf, sizeof(buf)))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (strcmp(buf, "permanent") == 0) {
		out->kind = ZEC_RETENTION_PERMANENT;
		return 0;
	}
	if (buf[0] != '+') {
		out->kind = ZEC_RETENTION_ABSOLUTE;
		return zec_time_parse(buf, &out->at);
	}
	len = strlen(buf);
	if (len < 3)
		return -EINVAL;
	switch (buf[len - 1]) {
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return -EINVAL;
	}
	for (i = 1; i < len - 1; i++) {
		if (!isdigit((unsigned char)buf[i]))
			return -EINVAL;
		n = n * 10 + (buf[i] - '0');
		if (n > 100LL * 365 * 86400)          /* a century is plenty */
			return -EINVAL;
	}
	if (n <= 0 || n > 100LL * 365 * 86400 / unit)
		return -EINVAL;
	out->kind = ZEC_RETENTION_RELATIVE;
	out->seconds = n * unit;
	return 0;
}

time_t zec_retention_resolve(const struct zec_retention *r, time_t now)
{
	switch (r->kind) {
	case ZEC_RETENTION_ABSOLUTE:
		return r->at;
	case ZEC_RETENTION_RELATIVE:
		return now + (time_t)r->seconds;
	case ZEC_RETENTION_PERMANENT:
	default:
		return 0;
	}
}

void zec_retention_format(const struct zec_retention *r, char *buf, size_t size)
{
	static const struct { long long secs; char unit; } units[] = {
		{ 7 * 86400, 'w' }, { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' },
	};
	char t[ZEC_TIME_LEN];

	switch (r->kind) {
	case ZEC_RETENTION_ABSOLUTE:
		zec_time_format(r->at, t);
		snprintf(buf, size, "%s", t);
		return;
	case ZEC_RETENTION_RELATIVE:
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (r->seconds % units[i].secs == 0) {
				snprintf(buf, size, "+%lld%c",
				         r->seconds / units[i].secs, units[i].unit);
				return;
			}
		}
		snprintf(buf, size, "+%lldm", r->seconds / 60);
		return;
	case ZEC_RETENTION_PERMANENT:
	default:
		snprintf(buf, size, "permanent");
		return;
	}
}
