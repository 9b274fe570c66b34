// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "escape.h"
#include "json.h"

void lw_format_time(const struct timespec *realtime, char *out, size_t len)
{
	struct tm tm;
	time_t sec = realtime->tv_sec;

	gmtime_r(&sec, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 realtime->tv_nsec / 1000000);
}

void lw_json_free(struct lw_json *j)
{
	free(j->buf);
	memset(j, 0, sizeof(*j));
}

static void put(struct lw_json *j, const char *s, size_t n)
{
	if (j->failed)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 512;
		char *b;

		while (cap < j->len + n + 1)
			cap *= 2;
		b = realloc(j->buf, cap);
		if (!b) {
			j->failed = true;
			return;
		}
		j->buf = b;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void putf(struct lw_json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct lw_json *j, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(j, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void put_string(struct lw_json *j, const char *s)
{
	char esc[512];
	size_t n = lw_escape_json(s, esc, sizeof(esc));

	put(j, "\"", 1);
	put(j, esc, n);
	put(j, "\"", 1);
}

static void key(struct lw_json *j, const char *k)
{
	if (j->need_comma)
		put(j, ",", 1);
	put_string(j, k);
	put(j, ":", 1);
	j->need_comma = true;
}

void lw_json_begin(struct lw_json *j, const char *type, const struct timespec *realtime)
{
	char t[40];

	j->len = 0;
	j->failed = false;
	j->need_comma = false;
	put(j, "{", 1);
	lw_json_str(j, "type", type);
	lw_format_time(realtime, t, sizeof(t));
	lw_json_str(j, "time", t);
}

void lw_json_str(struct lw_json *j, const char *k, const char *val)
{
	key(j, k);
	put_string(j, val);
}

void lw_json_u64(struct lw_json *j, const char *k, uint64_t val)
{
	key(j, k);
	putf(j, "%" PRIu64, val);
}

void lw_json_bool(struct lw_json *j, const char *k, bool val)
{
	key(j, k);
	if (val)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void lw_json_i64(struct lw_json *j, const char *k, int64_t val)
{
	key(j, k);
	putf(j, "%" PRId64, val);
}

void lw_json_num(struct lw_json *j, const char *k, double val)
{
	key(j, k);
	putf(j, "%.3f", isfinite(val) ? val : 0.0);
}

void lw_json_obj_begin(struct lw_json *j, const char *k)
{
	key(j, k);
	put(j, "{", 1);
	j->need_comma = false;
}

void lw_json_obj_end(struct lw_json *j)
{
	put(j, "}", 1);
	j->need_comma = true;
}

const char *lw_json_end(struct lw_json *j)
{
	put(j, "}\n", 2);
	return j->failed ? NULL : j->buf;
}
