// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/strbuf.h"

/* Smallest allocation: below this, doubling would realloc for every few bytes. */
#define STRBUF_MIN_CAP 64

/* Room for need bytes in all, NUL included; doubling keeps appends amortised O(1). */
static bool grow(struct lw_strbuf *sb, size_t need)
{
	size_t cap = sb->cap ? sb->cap : STRBUF_MIN_CAP;
	char *b;

	if (sb->failed)
		return false;
	if (need <= sb->cap)
		return true;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			goto fail;
		cap *= 2;
	}
	b = realloc(sb->buf, cap);
	if (!b)
		goto fail;
	/* a first allocation must read as the empty text */
	if (!sb->buf)
		b[0] = '\0';
	sb->buf = b;
	sb->cap = cap;
	return true;
fail:
	sb->failed = true;
	return false;
}

void lw_strbuf_reset(struct lw_strbuf *sb)
{
	sb->len = 0;
	sb->failed = false;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void lw_strbuf_reserve(struct lw_strbuf *sb, size_t cap)
{
	grow(sb, cap);
}

void lw_strbuf_append(struct lw_strbuf *sb, const char *s, size_t n)
{
	if (n > SIZE_MAX - sb->len - 1) {
		sb->failed = true;
		return;
	}
	if (!grow(sb, sb->len + n + 1))
		return;
	if (n)
		memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void lw_strbuf_vappendf(struct lw_strbuf *sb, const char *fmt, va_list ap)
{
	size_t room = sb->cap - sb->len;
	va_list again;
	int n;

	if (sb->failed)
		return;
	/* the first try usually fits; the copy is for the second, after growing */
	va_copy(again, ap);
	n = vsnprintf(sb->buf ? sb->buf + sb->len : NULL, room, fmt, ap);
	if (n >= 0 && (size_t)n >= room && grow(sb, sb->len + (size_t)n + 1))
		n = vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, again);
	va_end(again);
	if (n >= 0 && !sb->failed) {
		sb->len += (size_t)n;
		return;
	}
	sb->failed = true;
	/* a cut try may have overwritten the terminator */
	if (sb->buf)
		sb->buf[sb->len] = '\0';
}

void lw_strbuf_appendf(struct lw_strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lw_strbuf_vappendf(sb, fmt, ap);
	va_end(ap);
}

void lw_strbuf_free(struct lw_strbuf *sb)
{
	free(sb->buf);
	memset(sb, 0, sizeof(*sb));
}
