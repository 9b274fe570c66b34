/* SPDX-License-Identifier: GPL-2.0 */
/* Builds one JSON-lines object at a time into a growing buffer. */
#ifndef LOOPWATCH_JSON_H
#define LOOPWATCH_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "util/strbuf.h"

struct lw_json {
	struct lw_strbuf sb;	/* failed: out of memory, the object is dropped, not cut */
	bool need_comma;
};

/* RFC 3339, UTC, milliseconds: 2026-11-28T22:40:01.123Z */
void lw_format_time(const struct timespec *realtime, char *out, size_t len);

void lw_json_free(struct lw_json *j);
/* Start an object with "type" and "time". */
void lw_json_begin(struct lw_json *j, const char *type, const struct timespec *realtime);
void lw_json_str(struct lw_json *j, const char *key, const char *val);
void lw_json_u64(struct lw_json *j, const char *key, uint64_t val);
void lw_json_bool(struct lw_json *j, const char *key, bool val);
void lw_json_i64(struct lw_json *j, const char *key, int64_t val);
/* Fixed three decimals; non-finite values are written as 0. */
void lw_json_num(struct lw_json *j, const char *key, double val);
void lw_json_obj_begin(struct lw_json *j, const char *key);
void lw_json_obj_end(struct lw_json *j);
/* "key":["a","b",...] */
void lw_json_str_array(struct lw_json *j, const char *key, const char *const *vals, size_t n);
/* Close the object and return the line, newline included; NULL if failed. */
const char *lw_json_end(struct lw_json *j);

#endif
