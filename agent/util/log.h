/* SPDX-License-Identifier: GPL-2.0 */
/* Messages on stderr, one line each, prefixed "loopwatch: ". Under systemd
 * (JOURNAL_STREAM set) lines carry a syslog priority prefix journald reads.
 * A view that owns the terminal takes the lines instead (lw_log_set_print). */
#ifndef LOOPWATCH_LOG_H
#define LOOPWATCH_LOG_H

#include <stdarg.h>

enum lw_log_level { LW_LOG_ERR = 3, LW_LOG_WARN = 4, LW_LOG_INFO = 6, LW_LOG_DEBUG = 7 };

/* Where lines go instead of stderr: one formatted line, without the
 * "loopwatch: " prefix, the priority prefix or a newline. */
typedef void (*lw_log_fn)(enum lw_log_level level, const char *line);

void lw_log_init(int verbose);
/* Send lines to fn from now on (NULL: stderr again); returns the one
 * before, so a caller can put it back. */
lw_log_fn lw_log_set_print(lw_log_fn fn);
void lw_log(enum lw_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lw_vlog(enum lw_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define lw_err(...) lw_log(LW_LOG_ERR, __VA_ARGS__)
#define lw_warn(...) lw_log(LW_LOG_WARN, __VA_ARGS__)
#define lw_info(...) lw_log(LW_LOG_INFO, __VA_ARGS__)
#define lw_debug(...) lw_log(LW_LOG_DEBUG, __VA_ARGS__)

#endif
