/* SPDX-License-Identifier: GPL-2.0 */
/* The one place text from the outside world (comms, paths) is escaped. */
#ifndef LOOPWATCH_ESCAPE_H
#define LOOPWATCH_ESCAPE_H

#include <stddef.h>

/* Write s as the inside of a JSON string into out (always NUL-terminated,
 * truncated on a character boundary of the escaped form). Control characters
 * become \uXXXX, bytes >= 0x80 that do not form valid UTF-8 become \uFFFD.
 * Returns the length written. */
size_t lw_escape_json(const char *s, char *out, size_t outlen);
/* Prometheus label value: backslash, double quote and newline escaped, other
 * control characters replaced by '?'. */
size_t lw_escape_prom_label(const char *s, char *out, size_t outlen);

#endif
