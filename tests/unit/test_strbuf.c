// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <wchar.h>
#include <cmocka.h>
#include "util/strbuf.h"

static void grows_across_many_appends(void **state)
{
	struct lw_strbuf sb = { 0 };

	(void)state;
	for (int i = 0; i < 10000; i++)
		lw_strbuf_append(&sb, "abc", 3);
	assert_false(sb.failed);
	assert_int_equal(sb.len, 30000);
	assert_true(sb.cap > sb.len);
	assert_int_equal(strlen(sb.buf), 30000);
	for (size_t i = 0; i < sb.len; i += 3)
		assert_memory_equal(sb.buf + i, "abc", 3);
	lw_strbuf_free(&sb);
}

static void long_printf_arrives_whole(void **state)
{
	struct lw_strbuf sb = { 0 };
	char big[3001];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* a small first buffer, so the format does not fit and is redone */
	lw_strbuf_append(&sb, "<", 1);
	assert_true(sb.cap < 3000);
	lw_strbuf_appendf(&sb, "%s|%d", big, 42);
	lw_strbuf_appendf(&sb, "%c", '>');
	assert_false(sb.failed);
	assert_int_equal(sb.len, 1 + 3000 + 3 + 1);
	assert_int_equal(sb.buf[0], '<');
	assert_memory_equal(sb.buf + 1, big, 3000);
	assert_string_equal(sb.buf + 3001, "|42>");
	lw_strbuf_free(&sb);
}

static void printf_into_an_empty_buffer(void **state)
{
	struct lw_strbuf sb = { 0 };

	(void)state;
	lw_strbuf_appendf(&sb, "%u-%s", 7u, "x");
	assert_string_equal(sb.buf, "7-x");
	assert_int_equal(sb.len, 3);
	lw_strbuf_free(&sb);
}

static void always_nul_terminated(void **state)
{
	struct lw_strbuf sb = { 0 };

	(void)state;
	/* an empty append still yields a valid empty string */
	lw_strbuf_append(&sb, "", 0);
	assert_non_null(sb.buf);
	assert_string_equal(sb.buf, "");
	lw_strbuf_append(&sb, "ab", 2);
	assert_int_equal(sb.buf[sb.len], '\0');
	lw_strbuf_appendf(&sb, "%s", "");
	assert_string_equal(sb.buf, "ab");
	lw_strbuf_appendf(&sb, "%d", 12345);
	assert_string_equal(sb.buf, "ab12345");
	lw_strbuf_reset(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	lw_strbuf_free(&sb);
}

static void reserve_sets_the_first_capacity(void **state)
{
	struct lw_strbuf sb = { 0 };

	(void)state;
	lw_strbuf_reserve(&sb, 16384);
	assert_true(sb.cap >= 16384);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
	lw_strbuf_append(&sb, "q", 1);
	lw_strbuf_reserve(&sb, 10);
	assert_true(sb.cap >= 16384);
	assert_string_equal(sb.buf, "q");
	lw_strbuf_free(&sb);
}

static void failed_stays_failed_until_reset(void **state)
{
	struct lw_strbuf sb = { 0 };
	size_t cap;

	(void)state;
	lw_strbuf_append(&sb, "keep", 4);
	cap = sb.cap;
	sb.failed = true;
	lw_strbuf_append(&sb, "more", 4);
	lw_strbuf_appendf(&sb, "%s", "more");
	lw_strbuf_reserve(&sb, 1 << 20);
	assert_true(sb.failed);
	assert_int_equal(sb.len, 4);
	assert_int_equal(sb.cap, cap);
	assert_string_equal(sb.buf, "keep");
	lw_strbuf_reset(&sb);
	assert_false(sb.failed);
	lw_strbuf_append(&sb, "new", 3);
	assert_string_equal(sb.buf, "new");
	lw_strbuf_free(&sb);
}

static void impossible_size_fails_cleanly(void **state)
{
	struct lw_strbuf sb = { 0 };

	(void)state;
	lw_strbuf_append(&sb, "ab", 2);
	lw_strbuf_reserve(&sb, SIZE_MAX);
	assert_true(sb.failed);
	assert_string_equal(sb.buf, "ab");
	lw_strbuf_free(&sb);
}

static void format_error_fails_and_keeps_the_text(void **state)
{
	/* not ASCII: an encoding error in the C locale, after "xy" was written */
	const wchar_t w[] = { L'a', 0x20ac, 0 };
	struct lw_strbuf sb = { 0 };

	(void)state;
	lw_strbuf_append(&sb, "keep", 4);
	lw_strbuf_appendf(&sb, "xy%ls", w);
	assert_true(sb.failed);
	assert_int_equal(sb.len, 4);
	assert_string_equal(sb.buf, "keep");
	lw_strbuf_free(&sb);
}

static void free_resets(void **state)
{
	struct lw_strbuf sb = { 0 };

	(void)state;
	lw_strbuf_appendf(&sb, "%d", 1);
	sb.failed = true;
	lw_strbuf_free(&sb);
	assert_null(sb.buf);
	assert_int_equal(sb.len, 0);
	assert_int_equal(sb.cap, 0);
	assert_false(sb.failed);
	/* usable again after free */
	lw_strbuf_append(&sb, "z", 1);
	assert_string_equal(sb.buf, "z");
	lw_strbuf_free(&sb);
	lw_strbuf_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grows_across_many_appends),
		cmocka_unit_test(long_printf_arrives_whole),
		cmocka_unit_test(printf_into_an_empty_buffer),
		cmocka_unit_test(always_nul_terminated),
		cmocka_unit_test(reserve_sets_the_first_capacity),
		cmocka_unit_test(failed_stays_failed_until_reset),
		cmocka_unit_test(impossible_size_fails_cleanly),
		cmocka_unit_test(format_error_fails_and_keeps_the_text),
		cmocka_unit_test(free_resets),
	};

	return cmocka_run_group_tests_name("strbuf", tests, NULL, NULL);
}
