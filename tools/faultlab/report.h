// SPDX-License-Identifier: GPL-2.0
/*
 * JSON-lines reporting on stdout. Tests parse these lines with jq, so each
 * object is built in a private buffer and written with one locked fwrite:
 * lines from concurrent loop threads never interleave.
 */
#ifndef FAULTLAB_REPORT_H
#define FAULTLAB_REPORT_H

#include <stdbool.h>
#include <stddef.h>

struct fl_json {
	char buf[65536];	/* herd arrays for up to 1024 workers */
	size_t len;
	bool first;		/* no comma before the next member */
	bool overflow;		/* line too long: emit refuses it */
};

void fl_report_init(void);

void fl_json_begin(struct fl_json *j, const char *event);
void fl_json_str(struct fl_json *j, const char *key, const char *val);
void fl_json_int(struct fl_json *j, const char *key, long long v);
void fl_json_bool(struct fl_json *j, const char *key, bool v);
void fl_json_ms(struct fl_json *j, const char *key, double ms);
void fl_json_ints(struct fl_json *j, const char *key, const int *v, size_t n);
void fl_json_longs(struct fl_json *j, const char *key, const long *v, size_t n);
void fl_json_emit(struct fl_json *j);

/* The one line every injected fault produces. */
void fl_report_inject(const char *cause, double ms, int tid, long seq);

#endif
