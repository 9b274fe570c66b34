// SPDX-License-Identifier: GPL-2.0
/*
 * JSON-lines writer for faultlab's stdout contract (see report.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/escape.h"
#include "report.h"

void fl_report_init(void)
{
	/*
	 * Line buffered even when stdout is a pipe: a test waits for "ready"
	 * before attaching the agent, so the line must not sit in a buffer.
	 */
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static void put(struct fl_json *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct fl_json *j, const char *fmt, ...)
{
	size_t room = sizeof(j->buf) - j->len;
	va_list ap;
	int n;

	if (j->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(j->buf + j->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		j->overflow = true;
		return;
	}
	j->len += n;
}

/* Keys are literals; values are escaped in case a path ever lands here,
 * by the agent's own escaper: the tests read both with one parser. */
static void put_string(struct fl_json *j, const char *s)
{
	char esc[6 * 256 + 1];

	lw_escape_json(s, esc, sizeof(esc));
	put(j, "\"%s\"", esc);
}

static void put_key(struct fl_json *j, const char *key)
{
	if (!j->first)
		put(j, ",");
	j->first = false;
	put_string(j, key);
	put(j, ":");
}

void fl_json_begin(struct fl_json *j, const char *event)
{
	j->len = 0;
	j->first = true;
	j->overflow = false;
	put(j, "{");
	fl_json_str(j, "event", event);
}

void fl_json_str(struct fl_json *j, const char *key, const char *val)
{
	put_key(j, key);
	put_string(j, val);
}

void fl_json_int(struct fl_json *j, const char *key, long long v)
{
	put_key(j, key);
	put(j, "%lld", v);
}

void fl_json_bool(struct fl_json *j, const char *key, bool v)
{
	put_key(j, key);
	put(j, "%s", v ? "true" : "false");
}

void fl_json_ms(struct fl_json *j, const char *key, double ms)
{
	put_key(j, key);
	put(j, "%.3f", ms);
}

void fl_json_ints(struct fl_json *j, const char *key, const int *v, size_t n)
{
	put_key(j, key);
	put(j, "[");
	for (size_t i = 0; i < n; i++)
		put(j, "%s%d", i ? "," : "", v[i]);
	put(j, "]");
}

void fl_json_longs(struct fl_json *j, const char *key, const long *v, size_t n)
{
	put_key(j, key);
	put(j, "[");
	for (size_t i = 0; i < n; i++)
		put(j, "%s%ld", i ? "," : "", v[i]);
	put(j, "]");
}

void fl_json_emit(struct fl_json *j)
{
	put(j, "}\n");
	if (j->overflow) {
		/* A truncated object would break every jq consumer. */
		fprintf(stderr, "faultlab: internal error: JSON line too long, dropped\n");
		return;
	}
	flockfile(stdout);
	fwrite(j->buf, 1, j->len, stdout);
	fflush(stdout);
	funlockfile(stdout);
}

void fl_report_inject(const char *cause, double ms, int tid, long seq)
{
	struct fl_json j;

	fl_json_begin(&j, "inject");
	fl_json_str(&j, "cause", cause);
	fl_json_ms(&j, "ms", ms);
	fl_json_int(&j, "tid", tid);
	fl_json_int(&j, "seq", seq);
	fl_json_emit(&j);
}
