// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "util/escape.h"
#include "util/json.h"

void lw_format_time(const struct timespec *realtime, char *out, size_t len)
{
	struct tm tm;
	time_t sec = realtime->tv_sec;

	gmtime_r(&sec, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 realtime->tv_nsec / 1000000);
}

/* Most lines fit; the rest double from here. */
#define JSON_FIRST_CAP 512

void lw_json_free(struct lw_json *j)
{
	lw_strbuf_free(&j->sb);
	memset(j, 0, sizeof(*j));
}

static void put(struct lw_json *j, const char *s, size_t n)
{
	lw_strbuf_append(&j->sb, s, n);
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

	lw_strbuf_reset(&j->sb);
	lw_strbuf_reserve(&j->sb, JSON_FIRST_CAP);
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
	lw_strbuf_appendf(&j->sb, "%" PRIu64, val);
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
	lw_strbuf_appendf(&j->sb, "%" PRId64, val);
}

void lw_json_num(struct lw_json *j, const char *k, double val)
{
	key(j, k);
	lw_strbuf_appendf(&j->sb, "%.3f", isfinite(val) ? val : 0.0);
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

void lw_json_str_array(struct lw_json *j, const char *k, const char *const *vals, size_t n)
{
	key(j, k);
	put(j, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			put(j, ",", 1);
		put_string(j, vals[i]);
	}
	put(j, "]", 1);
}

const char *lw_json_end(struct lw_json *j)
{
	put(j, "}\n", 2);
	return j->sb.failed ? NULL : j->sb.buf;
}
