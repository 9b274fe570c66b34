// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "escape.h"
#include "json.h"
#include "report.h"

static void comm_with_quotes_and_controls_stays_valid(void **state)
{
	char out[128];

	(void)state;
	lw_escape_json("a\"b\\c\n\x01\x7f", out, sizeof(out));
	assert_string_equal(out, "a\\\"b\\\\c\\n\\u0001\\u007f");
}

static void invalid_utf8_is_replaced(void **state)
{
	char out[64];

	(void)state;
	lw_escape_json("x\xff\xc3\xa9", out, sizeof(out));
	assert_string_equal(out, "x\\ufffd\xc3\xa9");
}

static void truncation_never_splits_an_escape(void **state)
{
	char out[6];

	(void)state;
	lw_escape_json("ab\"cd", out, sizeof(out));
	assert_string_equal(out, "ab\\\"c");
	lw_escape_json("abcd\n", out, sizeof(out));
	assert_string_equal(out, "abcd");
}

static void prom_label_escaping(void **state)
{
	char out[64];

	(void)state;
	lw_escape_prom_label("a\"b\\c\nd\te", out, sizeof(out));
	assert_string_equal(out, "a\\\"b\\\\c\\nd?e");
}

static void time_is_rfc3339_utc_millis(void **state)
{
	struct timespec ts = { .tv_sec = 1795910401, .tv_nsec = 123456789 };
	char out[40];

	(void)state;
	lw_format_time(&ts, out, sizeof(out));
	assert_string_equal(out, "2026-11-29T00:00:01.123Z");
}

static void stall_line_has_the_contract_fields(void **state)
{
	struct lw_json j = { 0 };
	struct timespec ts = { .tv_sec = 0 };
	struct lw_event_hdr h = { .pid = 7, .tid = 8 };
	struct lw_stall s = { .duration_ms = 100.5, .cause = LW_CAUSE_BLOCKED };
	const char *line;

	(void)state;
	strcpy(h.comm, "we\"ird");
	strcpy(s.syscall, "fsync");
	s.part_ms[LW_CAUSE_BLOCKED] = 100.5;
	line = lw_json_stall(&j, &ts, &h, &s);
	assert_non_null(line);
	assert_string_equal(line, "{\"type\":\"stall\",\"time\":\"1970-01-01T00:00:00.000Z\","
				  "\"pid\":7,\"tid\":8,\"comm\":\"we\\\"ird\",\"duration_ms\":100.500,"
				  "\"cause\":\"blocked\",\"parts\":{\"cpu\":0.000,\"runqueue\":0.000,"
				  "\"blocked\":100.500},\"syscall\":\"fsync\",\"kind\":\"loop\"}\n");
	lw_json_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(comm_with_quotes_and_controls_stays_valid),
		cmocka_unit_test(invalid_utf8_is_replaced),
		cmocka_unit_test(truncation_never_splits_an_escape),
		cmocka_unit_test(prom_label_escaping),
		cmocka_unit_test(time_is_rfc3339_utc_millis),
		cmocka_unit_test(stall_line_has_the_contract_fields),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
