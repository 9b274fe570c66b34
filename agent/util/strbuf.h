/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A growing text buffer for the renderers (JSON lines, Prometheus textfile).
 * Out of memory is sticky: once an append fails, the text is incomplete, so
 * every later append is ignored and the owner drops the whole text instead of
 * emitting a cut one.
 */
#ifndef LOOPWATCH_STRBUF_H
#define LOOPWATCH_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct lw_strbuf {
	char *buf;	/* NUL-terminated once anything was appended */
	size_t len, cap;
	bool failed;	/* an append or reserve ran out of memory */
};

/* Empty the text and clear failed; the memory is kept for the next text. */
void lw_strbuf_reset(struct lw_strbuf *sb);
/* Make cap at least cap bytes (NUL included), so a text of known typical
 * size grows once; sets failed if that memory is not there. */
void lw_strbuf_reserve(struct lw_strbuf *sb, size_t cap);
void lw_strbuf_append(struct lw_strbuf *sb, const char *s, size_t n);
/* Formats straight into the buffer, of any length; an output error of
 * vsnprintf sets failed like out of memory does. */
void lw_strbuf_appendf(struct lw_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void lw_strbuf_vappendf(struct lw_strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Release the memory; sb is then empty and usable again. */
void lw_strbuf_free(struct lw_strbuf *sb);

#endif
