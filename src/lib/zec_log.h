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
void zec_log_set_level(enum zec_log_level level);
int zec_log_enabled(enum zec_log_level level);
/* -EINVAL for an unknown name; names are error, warn, info, debug. */
int zec_log_level_parse(const char *name, enum zec_log_level *out);

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

#define zlog_error(...) zec_log(ZEC_LOG_ERROR, __VA_ARGS__)
#define zlog_warn(...)  zec_log(ZEC_LOG_WARN, __VA_ARGS__)
#define zlog_info(...)  zec_log(ZEC_LOG_INFO, __VA_ARGS__)
#define zlog_debug(...) zec_log(ZEC_LOG_DEBUG, __VA_ARGS__)

#endif /* ZEC_LOG_H */
