/*
 * zec_log.h - one-line, lower-case, greppable log events.
 *
 * Messages go to stderr (foreground) or syslog (daemon).  Callers write
 * "event key=value ..." lines; never a secret.
 */
#ifndef ZEC_LOG_H
#define ZEC_LOG_H

#include <stddef.h>

enum zec_log_level {
	ZEC_LOG_ERROR = 0,
	ZEC_LOG_WARN,
	ZEC_LOG_INFO,
	ZEC_LOG_DEBUG,
};

void zec_log_init(const char *ident, int use_syslog, enum zec_log_level level);
/*
 * Lines go to a file (appended, one write a line) instead, from now on;
 * 0 or -errno (then nothing changes).
 */
int zec_log_to_file(const char *path);
/* Lines go to fd (taken over), e.g. a copy of stderr kept across a detach. */
int zec_log_to_fd(int fd);
/* Opens the log file's path again (after logrotate moved it); -errno. */
int zec_log_reopen(void);
void zec_log_close(void);
void zec_log_set_level(enum zec_log_level level);
int zec_log_enabled(enum zec_log_level level);
/* -EINVAL for an unknown name; names are error, warn, info, debug. */
int zec_log_level_parse(const char *name, enum zec_log_level *out);

/*
 * Formats and writes one line.  Whatever the values, the line stays one
 * line: control characters (below 0x20, and 0x7f) in the formatted text are
 * written as \n, \r, \t or \xNN, so a value cannot forge a line.
 */
void zec_log(enum zec_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Escapes a value from a user or the server for a log line: printable ASCII
 * is kept, except '"' and '\\' which are written \" and \\; every other byte
 * (newlines, controls, non-ASCII) becomes \xHH, so a value can never forge a
 * line or a key.  The result is cut to fit 'size' (ending in "...").  NULL or
 * "" gives "-".  Returns out.  ZLOG_ESC_MAX is a comfortable buffer size.
 */
#define ZLOG_ESC_MAX 512
const char *zlog_esc(const char *in, char *out, size_t size);
/*
 * zlog_esc into a buffer of its own that lives to the end of the enclosing
 * block, for a log call's arguments:
 *
 *	zlog_info("snapshot created path=%s request_id=%s",
 *	          ZLOG_ESC(path), ZLOG_ESC(res.request_id));
 */
#define ZLOG_ESC(s) zlog_esc((s), (char[ZLOG_ESC_MAX]){ 0 }, ZLOG_ESC_MAX)

/* The line-level escaping zec_log applies, exposed for tests: writes src
 * with control characters escaped into buf (always NUL-terminated). */
void zlog_sanitize(char *buf, size_t size, const char *src);

#define zlog_error(...) zec_log(ZEC_LOG_ERROR, __VA_ARGS__)
#define zlog_warn(...)  zec_log(ZEC_LOG_WARN, __VA_ARGS__)
#define zlog_info(...)  zec_log(ZEC_LOG_INFO, __VA_ARGS__)
#define zlog_debug(...) zec_log(ZEC_LOG_DEBUG, __VA_ARGS__)

#endif /* ZEC_LOG_H */
