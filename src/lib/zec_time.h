/*
 * zec_time.h - the API's time format and zecfs's retention values.
 *
 * The API uses UTC "yyyy-MM-ddTHH:mm:ssZ" (20 characters).  Retention values
 * typed by a user are that, a relative "+<N>{m,h,d,w}", or "permanent".
 */
#ifndef ZEC_TIME_H
#define ZEC_TIME_H

#include <time.h>

#define ZEC_TIME_LEN 21     /* "2027-01-01T00:00:00Z" and a NUL */

/* 1000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: zec_time_format writes
 * 20 plain characters for any time between them. */
#define ZEC_TIME_FOUR_DIGITS_FROM (-30610224000LL)
#define ZEC_TIME_FOUR_DIGITS_TO   253402300799LL

/* Strict parse of yyyy-MM-ddTHH:mm:ssZ; -EINVAL otherwise.  For what zecfs
 * sends and what users type. */
int zec_time_parse(const char *s, time_t *out);

/*
 * Parse of a time the server sends (createTime), in any layout the CSI driver
 * accepts (zenlayer-cloud-csi-driver pkg/disk/rpcserver/controllerserver.go,
 * snapCreateTimeLayouts and parseSnapCreationTime): RFC 3339 with or without
 * fractional seconds, 'Z' or a +hh:mm/-hh:mm offset; yyyy-MM-ddTHH:mm:ss and
 * yyyy-MM-dd HH:mm:ss (UTC), the latter also with an offset; yyyy-MM-dd;
 * epoch seconds, or milliseconds when 13 digits or more.  Surrounding white
 * space is ignored; fractions are truncated.  -EINVAL otherwise.
 */
int zec_time_parse_api(const char *s, time_t *out);
void zec_time_format(time_t t, char out[ZEC_TIME_LEN]);

enum zec_retention_kind {
	ZEC_RETENTION_ABSOLUTE,     /* at */
	ZEC_RETENTION_RELATIVE,     /* now + seconds */
	ZEC_RETENTION_PERMANENT,    /* kept forever */
};

struct zec_retention {
	enum zec_retention_kind kind;
	time_t at;                  /* ABSOLUTE */
	long long seconds;          /* RELATIVE */
};

/*
 * Parses a retention value as a user writes it.  Leading and trailing
 * white space (a trailing newline from echo) is ignored.  -EINVAL when it is
 * none of the three forms.  Does not check the 24-hour rule.
 */
int zec_retention_parse(const char *s, struct zec_retention *out);

/* The absolute time a retention stands for, taken at 'now'. */
time_t zec_retention_resolve(const struct zec_retention *r, time_t now);

/* Text form: the time, "+<N><unit>" in the largest exact unit, or "permanent". */
void zec_retention_format(const struct zec_retention *r, char *buf, size_t size);

#endif /* ZEC_TIME_H */
