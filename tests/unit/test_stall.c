// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "model/stall.h"

#define MS 1000000ull

static void blocked_stall_names_the_longest_call(void **state)
{
	struct lw_stall_event e = { .duration_ns = 100 * MS, .cpu_ns = 2 * MS, .runq_ns = 1 * MS,
				    .blocked_ns = 97 * MS };
	struct lw_stall s;

	(void)state;
	e.sys[0] = (struct lw_sys_slot){ .nr = 0 /* read */, .ns = 7 * MS };
	e.sys[1] = (struct lw_sys_slot){ .nr = 74 /* fsync */, .ns = 90 * MS };
	lw_stall_from_event(&e, &s);
	assert_int_equal(s.cause, LW_CAUSE_BLOCKED);
	assert_string_equal(s.syscall, "fsync");
	assert_float_equal(s.duration_ms, 100.0, 1e-9);
	assert_float_equal(s.part_ms[LW_CAUSE_CPU] + s.part_ms[LW_CAUSE_RUNQUEUE] +
				   s.part_ms[LW_CAUSE_BLOCKED],
			   100.0, 1e-9);
}

/* Blocked longest in a wait call: a private loop inside the window. */
static void blocked_in_a_wait_is_nested(void **state)
{
	struct lw_stall_event e = { .duration_ns = 150 * MS, .cpu_ns = 2 * MS,
				    .blocked_ns = 148 * MS, .wait_kind = LW_WAIT_EPOLL };
	struct lw_stall s;

	(void)state;
	e.sys[0] = (struct lw_sys_slot){ .nr = 61 /* wait4 */, .ns = 1 * MS };
	e.sys[1] = (struct lw_sys_slot){ .nr = 281 /* epoll_pwait */, .ns = 147 * MS };
	lw_stall_from_event(&e, &s);
	assert_string_equal(s.syscall, "epoll_pwait");
	assert_true(s.nested);
	assert_int_equal(s.wait_kind, LW_WAIT_EPOLL);
	e.sys[1].nr = 7; /* poll */
	lw_stall_from_event(&e, &s);
	assert_true(s.nested);
	e.sys[1].nr = 74; /* fsync */
	lw_stall_from_event(&e, &s);
	assert_false(s.nested);
}

static void cpu_stall_has_no_syscall(void **state)
{
	struct lw_stall_event e = { .duration_ns = 80 * MS, .cpu_ns = 79 * MS, .blocked_ns = 1 * MS };
	struct lw_stall s;

	(void)state;
	e.sys[0] = (struct lw_sys_slot){ .nr = 230, .ns = 1 * MS };
	lw_stall_from_event(&e, &s);
	assert_int_equal(s.cause, LW_CAUSE_CPU);
	assert_string_equal(s.syscall, "");
}

static void runqueue_wins_when_largest(void **state)
{
	struct lw_stall_event e = { .duration_ns = 100 * MS, .cpu_ns = 3 * MS, .runq_ns = 97 * MS };
	struct lw_stall s;

	(void)state;
	lw_stall_from_event(&e, &s);
	assert_int_equal(s.cause, LW_CAUSE_RUNQUEUE);
	assert_string_equal(lw_cause_name(s.cause), "runqueue");
}

static void pagefault_sleep_is_named(void **state)
{
	struct lw_stall_event e = { .duration_ns = 60 * MS, .cpu_ns = 1 * MS, .blocked_ns = 59 * MS };
	struct lw_stall s;

	(void)state;
	e.sys[0] = (struct lw_sys_slot){ .nr = LW_NR_PAGEFAULT, .ns = 59 * MS };
	lw_stall_from_event(&e, &s);
	assert_string_equal(s.syscall, "pagefault");
}

/* Parts measured on different CPUs may overshoot the window a little; they
 * are scaled so that they still add up to the duration. */
static void overshooting_parts_are_scaled(void **state)
{
	struct lw_stall_event e = { .duration_ns = 100 * MS, .cpu_ns = 0, .runq_ns = 20 * MS,
				    .blocked_ns = 81 * MS };
	struct lw_stall s;

	(void)state;
	lw_stall_from_event(&e, &s);
	assert_float_equal(s.part_ms[LW_CAUSE_RUNQUEUE] + s.part_ms[LW_CAUSE_BLOCKED], 100.0, 1e-6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(blocked_stall_names_the_longest_call),
		cmocka_unit_test(blocked_in_a_wait_is_nested),
		cmocka_unit_test(cpu_stall_has_no_syscall),
		cmocka_unit_test(runqueue_wins_when_largest),
		cmocka_unit_test(pagefault_sleep_is_named),
		cmocka_unit_test(overshooting_parts_are_scaled),
	};

	return cmocka_run_group_tests_name("stall", tests, NULL, NULL);
}
