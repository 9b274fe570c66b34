// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "settings/options.h"

static int parse(struct lw_options *o, char *err, int argc, ...)
{
	char *argv[32];
	va_list ap;

	argv[0] = "loopwatch";
	va_start(ap, argc);
	for (int i = 1; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	lw_options_defaults(o);
	return lw_options_parse(o, argc, argv, stderr, err, 256);
}

static void defaults_match_the_design(void **state)
{
	struct lw_options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, 1), LW_OPT_RUN);
	assert_int_equal(o.interval_s, 1);
	assert_int_equal(o.lag_ms, 50);
	assert_int_equal(o.stall_ms, 50);
	assert_int_equal(o.sustain, 3);
	assert_int_equal(o.starve_ms, 200);
	assert_int_equal(o.duration_s, 0);
	assert_int_equal(o.view, LW_VIEW_AUTO);
}

static void pid_list_and_numbers(void **state)
{
	struct lw_options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, 10, "-p", "12,34", "--json", "-d", "5", "--stall-ms", "20",
			       "-c", "a-very-long-command-name"),
			 LW_OPT_RUN);
	assert_int_equal(o.npids, 2);
	assert_int_equal(o.pids[1], 34);
	assert_int_equal(o.duration_s, 5);
	assert_int_equal(o.stall_ms, 20);
	assert_int_equal(o.view, LW_VIEW_JSON);
	assert_string_equal(o.comm, "a-very-long-com");
}

static void bad_values_are_rejected_with_a_reason(void **state)
{
	struct lw_options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, 3, "-d", "-5"), -EINVAL);
	assert_non_null(strstr(err, "--duration"));
	assert_int_equal(parse(&o, err, 3, "--stall-ms", "abc"), -EINVAL);
	assert_non_null(strstr(err, "'abc'"));
	assert_int_equal(parse(&o, err, 3, "-i", "0"), -EINVAL);
	assert_int_equal(parse(&o, err, 3, "-p", "1,,x"), -EINVAL);
	assert_int_equal(parse(&o, err, 3, "--lag-ms", "99999999999999999999999"), -EINVAL);
	assert_int_equal(parse(&o, err, 3, "--lag-ms", "10ms"), -EINVAL);
}

static void unknown_flags_and_stray_arguments_fail(void **state)
{
	struct lw_options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, 2, "--bogus"), -EINVAL);
	assert_non_null(strstr(err, "--bogus"));
	assert_int_equal(parse(&o, err, 2, "-Z"), -EINVAL);
	assert_non_null(strstr(err, "-Z"));
	assert_int_equal(parse(&o, err, 2, "-d"), -EINVAL);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(parse(&o, err, 2, "stray"), -EINVAL);
}

static void detect_families(void **state)
{
	uint32_t d;

	(void)state;
	assert_int_equal(lw_parse_detect("loop", &d), 0);
	assert_int_equal(d, LW_DETECT_LOOP);
	assert_int_equal(lw_parse_detect("backpressure", &d), 0);
	assert_int_equal(d, LW_DETECT_LOOP | LW_DETECT_BACKPRESSURE); /* loop is always on */
	assert_int_equal(lw_parse_detect("loop,readiness,backpressure", &d), 0);
	assert_int_equal(d, LW_DETECT_ALL);
	assert_int_equal(lw_parse_detect("all", &d), 0);
	assert_int_equal(d, LW_DETECT_ALL);
	assert_int_equal(lw_parse_detect("", &d), -EINVAL);
	assert_int_equal(lw_parse_detect("loop,", &d), -EINVAL);
	assert_int_equal(lw_parse_detect(",loop", &d), -EINVAL);
	assert_int_equal(lw_parse_detect("loopy", &d), -EINVAL);
}

static void checked_number_parser(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(lw_parse_uint("42", 1, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(lw_parse_uint("", 0, 100, &v), -EINVAL);
	assert_int_equal(lw_parse_uint(" 4", 0, 100, &v), -EINVAL);
	assert_int_equal(lw_parse_uint("+4", 0, 100, &v), -EINVAL);
	assert_int_equal(lw_parse_uint("101", 0, 100, &v), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_match_the_design),
		cmocka_unit_test(pid_list_and_numbers),
		cmocka_unit_test(bad_values_are_rejected_with_a_reason),
		cmocka_unit_test(unknown_flags_and_stray_arguments_fail),
		cmocka_unit_test(checked_number_parser),
		cmocka_unit_test(detect_families),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
