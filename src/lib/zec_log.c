/*
 * zec_log.c - logging to stderr, syslog or a file (-o log_file).
 *
 * A file is opened for appending and every line goes out in one write(2),
 * so lines from several threads (or processes) never interleave; after
 * logrotate moved it, zec_log_reopen() (SIGHUP) opens the path again.
 */
#include "zec_log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "zec_clock.h"

static struct {
	const char *ident;
	int use_syslog;
	enum zec_log_level level;
	int fd;                      /* -1: stderr or syslog */
	char *path;                  /* the log file, for zec_log_reopen */
} log_cfg = { "zec", 0, ZEC_LOG_INFO, -1, NULL };

static pthread_mutex_t file_lock = PTHREAD_MUTEX_INITIALIZER;

static int open_append(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);

	return fd < 0 ? -errno : fd;
}

/* Makes fd (and path, NULL for none) the log target; takes both. */
static void set_target(int fd, char *path)
{
	pthread_mutex_lock(&file_lock);
	if (log_cfg.fd >= 0)
		close(log_cfg.fd);
	free(log_cfg.path);
	log_cfg.fd = fd;
	log_cfg.path = path;
	pthread_mutex_unlock(&file_lock);
}

int zec_log_to_file(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return -ENOMEM;
	fd = open_append(path);
	if (fd < 0) {
		free(copy);
		return fd;
	}
	set_target(fd, copy);
	return 0;
}

int zec_log_to_fd(int fd)
{
	set_target(fd, NULL);
	return 0;
}

int zec_log_reopen(void)
{
	int fd, ret = 0;

	pthread_mutex_lock(&file_lock);
	if (log_cfg.path) {
		fd = open_append(log_cfg.path);
		if (fd < 0) {
			ret = fd;       /* keep writing to the old file */
		} else {
			close(log_cfg.fd);
			log_cfg.fd = fd;
		}
	}
	pthread_mutex_unlock(&file_lock);
	return ret;
}

void zec_log_close(void)
{
	set_target(-1, NULL);
}

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

/* "2026-11-28T19:50:21.123Z": the wall clock, UTC, to the millisecond. */
static void stamp(char *buf, size_t size)
{
	long long ms = zec_clock_wall_ms();
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;
	char day[32];

	gmtime_r(&sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03lldZ", day, ms % 1000);
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
	pthread_mutex_lock(&file_lock);
	if (log_cfg.fd >= 0) {
		char when[40], line[2200];
		int n;

		stamp(when, sizeof(when));
		n = snprintf(line, sizeof(line), "%s %s %s: %s\n", when,
		             log_cfg.ident, level_names[level], msg);
		if (n > (int)sizeof(line) - 1) {
			n = (int)sizeof(line) - 1;
			line[n - 1] = '\n';
		}
		if (write(log_cfg.fd, line, (size_t)n) < 0) {
			/* nowhere left to say it */
		}
		pthread_mutex_unlock(&file_lock);
		return;
	}
	pthread_mutex_unlock(&file_lock);
	if (log_cfg.use_syslog) {
		syslog(prio[level], "%s: %s", level_names[level], msg);
	} else {
		char when[40];

		stamp(when, sizeof(when));
		/* one fprintf: stdio locks the stream, so lines never interleave */
		fprintf(stderr, "%s %s %s: %s\n", when, log_cfg.ident, level_names[level], msg);
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
