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

void zec_log(enum zec_log_level level, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char msg[2048];
	va_list ap;

	if (!zec_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
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
