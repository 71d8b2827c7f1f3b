/*
 * zec_log.c - logging to stderr or syslog.
 */
#include "zec_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static struct {
	const char *ident;
	int use_syslog;
	enum zec_log_level level;
} log_cfg = { "zec", 0, ZEC_LOG_INFO };

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void zec_log_init(const char *ident, int use_syslog, enum zec_log_level level)
{
	log_cfg.ident = ident;
	log_cfg.use_syslog = use_syslog;
	log_cfg.level = level;
	if (use_syslog)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

void zec_log_set_level(enum zec_log_level level)
{
	__atomic_store_n(&log_cfg.level, level, __ATOMIC_RELAXED);
}

int zec_log_enabled(enum zec_log_level level)
{
	return level <= __atomic_load_n(&log_cfg.level, __ATOMIC_RELAXED);
}

int zec_log_level_parse(const char *name, enum zec_log_level *out)
{
	for (int i = 0; i <= ZEC_LOG_DEBUG; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum zec_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * The escape for byte c into out (at least 4 bytes): "\n", "\xNN", ... for
 * control characters, c itself otherwise.  Returns the length written.
 */
static size_t escape_byte(unsigned char c, char *out)
{
	static const char hex[] = "0123456789abcdef";

	if (c == '\n' || c == '\r' || c == '\t') {
		out[0] = '\\';
		out[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		return 2;
	}
	if (c < 0x20 || c == 0x7f) {
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[c >> 4];
		out[3] = hex[c & 0xf];
		return 4;
	}
	out[0] = (char)c;
	return 1;
}

void zlog_sanitize(char *buf, size_t size, const char *src)
{
	size_t len = 0;

	if (size == 0)
		return;
	for (; *src; src++) {
		char esc[4];
		size_t n = escape_byte((unsigned char)*src, esc);

		if (len + n >= size)
			break;
		memcpy(buf + len, esc, n);
		len += n;
	}
	buf[len] = '\0';
}

/* escape_byte, plus \" and \\ for a quoted value. */
static size_t quote_byte(unsigned char c, char *out)
{
	if (c == '"' || c == '\\') {
		out[0] = '\\';
		out[1] = (char)c;
		return 2;
	}
	return escape_byte(c, out);
}

char *zlog_quote(char *buf, size_t size, const char *s)
{
	static const char more[] = "...\"";
	size_t need = 2, len = 1, limit;
	char esc[4];
	int cut;

	if (size < 8) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	if (!s) {
		memcpy(buf, "\"-\"", 4);
		return buf;
	}
	for (const char *p = s; *p; p++)
		need += quote_byte((unsigned char)*p, esc);
	cut = need + 1 > size;
	/* the end of the escapes: room left for ..." or the closing quote, and NUL */
	limit = cut ? size - sizeof(more) : size - 2;
	buf[0] = '"';
	for (; *s; s++) {
		size_t n = quote_byte((unsigned char)*s, esc);

		if (len + n > limit)
			break;
		memcpy(buf + len, esc, n);
		len += n;
	}
	if (cut) {
		memcpy(buf + len, more, sizeof(more));
	} else {
		buf[len++] = '"';
		buf[len] = '\0';
	}
	return buf;
}

void zec_log(enum zec_log_level level, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char raw[2048], msg[2048];
	va_list ap;

	if (!zec_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* one event, one line: no value may end it or start another */
	zlog_sanitize(msg, sizeof(msg), raw);
	if (log_cfg.use_syslog) {
		syslog(prio[level], "%s: %s", level_names[level], msg);
	} else {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		/* one fprintf: stdio locks the stream, so lines never interleave */
		fprintf(stderr, "%s.%03ldZ %s %s: %s\n", when, ts.tv_nsec / 1000000,
		        log_cfg.ident, level_names[level], msg);
	}
}

const char *zlog_esc(const char *in, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!out || size == 0)
		return "";
	if (!in || !*in) {
		snprintf(out, size, "%s", size > 1 ? "-" : "");
		return out;
	}
	for (; *in; in++) {
		unsigned char ch = (unsigned char)*in;
		char buf[4];
		size_t n;

		if (ch == '"' || ch == '\\') {
			buf[0] = '\\';
			buf[1] = (char)ch;
			n = 2;
		} else if (ch >= 0x20 && ch < 0x7f) {
			buf[0] = (char)ch;
			n = 1;
		} else {
			buf[0] = '\\';
			buf[1] = 'x';
			buf[2] = hex[ch >> 4];
			buf[3] = hex[ch & 15];
			n = 4;
		}
		if (o + n + 1 > size) {
			/* cut: end in "..." when there is room for it */
			if (size >= 4) {
				while (o + 4 > size)
					o--;
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(out + o, buf, n);
		o += n;
	}
	out[o] = '\0';
	return out;
}
