// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "model/open_stall.h"
#include "views/report.h"

#define MS 1000000ull
#define S 1000000000ull
#define NR_READ 0
#define NR_FSYNC 74
#define NR_CLOCK_NANOSLEEP 230

/* A thread 1234 of process 100 whose busy window opened at start_ms. */
static void busy(struct lw_thread_snap *s, uint32_t tid, uint64_t start_ms)
{
	memset(s, 0, sizeof(*s));
	s->tid = tid;
	s->t.pid = 100;
	s->t.start_time = 5;
	s->t.proc_start_time = 6;
	s->t.wait_exit_ns = start_ms * MS;
	strcpy(s->t.comm, "srv");
}

static double parts_sum(const struct lw_stall *s)
{
	return s->part_ms[LW_CAUSE_CPU] + s->part_ms[LW_CAUSE_RUNQUEUE] +
	       s->part_ms[LW_CAUSE_BLOCKED];
}

static void threshold_is_the_larger_of_stall_and_interval(void **state)
{
	(void)state;
	assert_int_equal(lw_open_threshold_ns(50, 1), 1 * S);
	assert_int_equal(lw_open_threshold_ns(2500, 1), 2500 * MS);
	assert_int_equal(lw_open_threshold_ns(50, 10), 10 * S);
}

/* Asleep right now: the sleep so far joins what was charged at earlier
 * switch-ins, to the same system call. */
static void split_while_blocked(void **state)
{
	struct lw_thread_snap th;
	struct lw_stall_event e;
	struct lw_stall s;

	(void)state;
	busy(&th, 1234, 1000);
	th.t.runq_ns = 10 * MS;
	th.t.blocked_ns = 500 * MS;
	th.t.sys[0] = (struct lw_sys_slot){ .nr = NR_CLOCK_NANOSLEEP, .ns = 500 * MS };
	th.t.off_since_ns = 2000 * MS;
	th.t.off_kind = LW_OFF_BLOCKED;
	th.t.off_nr = NR_CLOCK_NANOSLEEP;
	assert_true(lw_open_window(&th.t, 4500 * MS, &e));
	assert_int_equal(e.duration_ns, 3500 * MS);
	assert_int_equal(e.runq_ns, 10 * MS);
	assert_int_equal(e.blocked_ns, 3000 * MS);
	assert_int_equal(e.cpu_ns, 490 * MS);
	assert_int_equal(e.sys[0].nr, NR_CLOCK_NANOSLEEP);
	assert_int_equal(e.sys[0].ns, 3000 * MS);
	assert_int_equal(e.sys[1].ns, 0);
	lw_stall_from_event(&e, &s);
	assert_int_equal(s.cause, LW_CAUSE_BLOCKED);
	assert_string_equal(s.syscall, "clock_nanosleep");
	assert_float_equal(s.duration_ms, 3500.0, 1e-9);
	assert_float_equal(parts_sum(&s), 3500.0, 1e-6);
}

/* Asleep in a call not seen before in this window: it takes a free slot, and
 * becomes the named call once it is the longest. */
static void split_while_blocked_in_a_new_call(void **state)
{
	struct lw_thread_snap th;
	struct lw_stall_event e;
	struct lw_stall s;

	(void)state;
	busy(&th, 1234, 1000);
	th.t.blocked_ns = 40 * MS;
	th.t.sys[0] = (struct lw_sys_slot){ .nr = NR_READ, .ns = 40 * MS };
	th.t.off_since_ns = 1100 * MS;
	th.t.off_kind = LW_OFF_BLOCKED;
	th.t.off_nr = NR_FSYNC;
	assert_true(lw_open_window(&th.t, 3100 * MS, &e));
	assert_int_equal(e.sys[0].ns, 40 * MS);
	assert_int_equal(e.sys[1].nr, NR_FSYNC);
	assert_int_equal(e.sys[1].ns, 2000 * MS);
	lw_stall_from_event(&e, &s);
	assert_string_equal(s.syscall, "fsync");
}

/* Runnable but off CPU right now: the wait for a CPU so far is runqueue. */
static void split_while_runnable(void **state)
{
	struct lw_thread_snap th;
	struct lw_stall_event e;
	struct lw_stall s;

	(void)state;
	busy(&th, 1234, 1000);
	th.t.runq_ns = 100 * MS;
	th.t.off_since_ns = 1500 * MS;
	th.t.off_kind = LW_OFF_RUNNABLE;
	th.t.off_nr = NR_FSYNC;	/* stale from an earlier sleep: not charged */
	assert_true(lw_open_window(&th.t, 3000 * MS, &e));
	assert_int_equal(e.runq_ns, 1600 * MS);
	assert_int_equal(e.blocked_ns, 0);
	assert_int_equal(e.cpu_ns, 400 * MS);
	assert_int_equal(e.sys[0].ns, 0);
	lw_stall_from_event(&e, &s);
	assert_int_equal(s.cause, LW_CAUSE_RUNQUEUE);
	assert_string_equal(s.syscall, "");
}

/* On CPU the whole time (an endless loop): all cpu. */
static void split_on_cpu(void **state)
{
	struct lw_thread_snap th;
	struct lw_stall_event e;
	struct lw_stall s;

	(void)state;
	busy(&th, 1234, 1000);
	th.t.runq_ns = 3 * MS;
	assert_true(lw_open_window(&th.t, 4000 * MS, &e));
	lw_stall_from_event(&e, &s);
	assert_int_equal(s.cause, LW_CAUSE_CPU);
	assert_float_equal(s.part_ms[LW_CAUSE_CPU], 2997.0, 1e-9);
	assert_float_equal(s.part_ms[LW_CAUSE_RUNQUEUE], 3.0, 1e-9);
}

/* Torn reads: sums of an older, longer window, a switch-out from before
 * this window began, slots larger than the blocked time. No part may exceed
 * the duration and the parts still add up to it. */
static void torn_values_are_clamped(void **state)
{
	struct lw_thread_snap th;
	struct lw_stall_event e;
	struct lw_stall s;

	(void)state;
	busy(&th, 1234, 1000);
	th.t.runq_ns = 900 * S;
	th.t.blocked_ns = 700 * S;
	th.t.sys[0] = (struct lw_sys_slot){ .nr = NR_READ, .ns = 800 * S };
	th.t.off_since_ns = 10 * MS;	/* before the window */
	th.t.off_kind = LW_OFF_BLOCKED;
	th.t.off_nr = NR_READ;
	assert_true(lw_open_window(&th.t, 2000 * MS, &e));
	assert_int_equal(e.duration_ns, 1000 * MS);
	assert_true(e.runq_ns <= e.duration_ns);
	assert_true(e.blocked_ns <= e.duration_ns);
	assert_int_equal(e.cpu_ns, 0);
	for (int i = 0; i < LW_SYS_SLOTS; i++)
		assert_true(e.sys[i].ns <= e.blocked_ns);
	lw_stall_from_event(&e, &s);
	for (int c = 0; c < LW_CAUSE_MAX; c++)
		assert_true(s.part_ms[c] <= s.duration_ms + 1e-9);
	assert_float_equal(parts_sum(&s), 1000.0, 1e-6);

	/* a switch-out stamped after the clock reading adds nothing */
	busy(&th, 1234, 1000);
	th.t.off_since_ns = 9000 * MS;
	th.t.off_kind = LW_OFF_BLOCKED;
	assert_true(lw_open_window(&th.t, 2000 * MS, &e));
	assert_int_equal(e.blocked_ns, 0);
	assert_int_equal(e.cpu_ns, 1000 * MS);
}

static void no_window_in_wait_exited_or_unstarted(void **state)
{
	struct lw_open_stalls os = { 0 };
	struct lw_thread_snap th[4];
	struct lw_stall_event e;

	(void)state;
	busy(&th[0], 1, 0);
	th[0].t.in_wait = 1;
	busy(&th[1], 2, 0);
	th[1].t.exited = 1;
	busy(&th[2], 3, 0);
	th[2].t.wait_exit_ns = 0;	/* entered a wait, never returned yet */
	busy(&th[3], 4, 9000);		/* a start after the clock reading */
	for (int i = 0; i < 4; i++)
		assert_false(lw_open_window(&th[i].t, 5000 * MS, &e));
	assert_int_equal(lw_open_stalls_tick(&os, NULL, th, 4, 5000 * MS, 1 * S), 0);
	assert_int_equal(os.nseen, 0);
	lw_open_stalls_free(&os);
}

/* Reported at the first tick where the window is at least the threshold old,
 * then only when its age has doubled since the last report. */
static void threshold_then_doubling(void **state)
{
	static const struct {
		uint64_t age_ms;
		int reports;
	} ticks[] = {
		{ 400, 0 }, { 999, 0 }, { 1300, 1 }, { 2300, 0 }, { 2599, 0 }, { 2600, 1 },
		{ 3600, 0 }, { 5199, 0 }, { 5300, 1 }, { 9000, 0 }, { 10600, 1 },
	};
	struct lw_open_stalls os = { 0 };
	struct lw_thread_snap th;
	int total = 0;

	(void)state;
	busy(&th, 1234, 1000);
	th.t.blocked_ns = 0;
	for (size_t i = 0; i < sizeof(ticks) / sizeof(ticks[0]); i++) {
		int n = lw_open_stalls_tick(&os, NULL, &th, 1, (1000 + ticks[i].age_ms) * MS, 1 * S);

		assert_int_equal(n, ticks[i].reports);
		if (n) {
			assert_int_equal(os.out[0].hdr.pid, 100);
			assert_int_equal(os.out[0].hdr.tid, 1234);
			assert_string_equal(os.out[0].hdr.comm, "srv");
			assert_int_equal(os.out[0].started_ns, 1000 * MS);
			assert_float_equal(os.out[0].s.duration_ms, (double)ticks[i].age_ms, 1e-9);
		}
		total += n;
	}
	/* about log2(age / threshold) lines over 10.6 s, not one per tick */
	assert_int_equal(total, 4);
	lw_open_stalls_free(&os);
}

/* The key is (tid, window start): a new window of the same thread starts
 * over, and a window that ended is forgotten. */
static void new_window_resets(void **state)
{
	struct lw_open_stalls os = { 0 };
	struct lw_thread_snap th;

	(void)state;
	busy(&th, 1234, 1000);
	assert_int_equal(lw_open_stalls_tick(&os, NULL, &th, 1, 2500 * MS, 1 * S), 1);
	assert_int_equal(lw_open_stalls_tick(&os, NULL, &th, 1, 3500 * MS, 1 * S), 0);
	/* the thread came back and is stuck again: a new window */
	th.t.wait_exit_ns = 3600 * MS;
	assert_int_equal(lw_open_stalls_tick(&os, NULL, &th, 1, 4500 * MS, 1 * S), 0);
	assert_int_equal(os.nseen, 0);
	assert_int_equal(lw_open_stalls_tick(&os, NULL, &th, 1, 4700 * MS, 1 * S), 1);
	assert_float_equal(os.out[0].s.duration_ms, 1100.0, 1e-9);
	/* in its wait call at one tick: forgotten; the same start later (a
	 * reused tid reading as the old window) is reported afresh */
	th.t.in_wait = 1;
	assert_int_equal(lw_open_stalls_tick(&os, NULL, &th, 1, 4800 * MS, 1 * S), 0);
	assert_int_equal(os.nseen, 0);
	th.t.in_wait = 0;
	assert_int_equal(lw_open_stalls_tick(&os, NULL, &th, 1, 4900 * MS, 1 * S), 1);
	lw_open_stalls_free(&os);
}

/* Several threads: each its own state; the model gets each process's
 * longest open window, reported this tick or not. */
static void threads_apart_and_model_marked(void **state)
{
	struct lw_open_stalls os = { 0 };
	struct lw_thread_snap th[3];
	struct lw_model m;
	struct lw_proc *p, *q;

	(void)state;
	lw_model_init(&m);
	p = lw_model_proc(&m, 100, 6, "srv");
	q = lw_model_proc(&m, 200, 7, "other");
	busy(&th[0], 11, 1000);
	busy(&th[1], 12, 1500);
	busy(&th[2], 21, 2900);
	th[2].t.pid = 200;
	assert_int_equal(lw_open_stalls_tick(&os, &m, th, 3, 3000 * MS, 1 * S), 2);
	assert_int_equal(os.out[0].hdr.tid, 11);
	assert_int_equal(os.out[1].hdr.tid, 12);
	assert_int_equal(p->iv.open_stall_ns, 2000 * MS);
	assert_int_equal(q->iv.open_stall_ns, 0);	/* 100 ms: below the threshold */
	/* 3.2 and 2.7 s: not yet twice 2 and 1.5 s; 21 is now 1.3 s old */
	p->iv.open_stall_ns = 0;
	assert_int_equal(lw_open_stalls_tick(&os, &m, th, 3, 4200 * MS, 1 * S), 1);
	assert_int_equal(os.out[0].hdr.tid, 21);
	assert_int_equal(os.out[0].hdr.pid, 200);
	assert_string_equal(os.out[0].hdr.comm, "srv");
	assert_int_equal(p->iv.open_stall_ns, 3200 * MS);
	assert_int_equal(q->iv.open_stall_ns, 1300 * MS);
	assert_int_equal(os.nseen, 3);
	lw_open_stalls_free(&os);
	lw_model_free(&m);
}

static void started_is_wall_clock_of_the_window_start(void **state)
{
	struct lw_open_stall o = { .started_ns = 1000 * MS };
	struct timespec now = { .tv_sec = 1700000000, .tv_nsec = 250 * 1000000 }, out;

	(void)state;
	lw_open_started(&o, 4500 * MS, &now, &out);
	assert_int_equal(out.tv_sec, 1699999996);
	assert_int_equal(out.tv_nsec, 750 * 1000000);
}

/* The line carries the stall's fields, named as in a stall line, and when it
 * began. */
static void json_line_shares_the_stall_fields(void **state)
{
	struct lw_open_stalls os = { 0 };
	struct lw_thread_snap th;
	struct lw_json j = { 0 };
	struct timespec now = { .tv_sec = 1700000000, .tv_nsec = 0 }, started;
	const char *line;
	char stall[1024];

	(void)state;
	busy(&th, 1234, 1000);
	th.t.off_since_ns = 1000 * MS;
	th.t.off_kind = LW_OFF_BLOCKED;
	th.t.off_nr = NR_CLOCK_NANOSLEEP;
	assert_int_equal(lw_open_stalls_tick(&os, NULL, &th, 1, 3000 * MS, 1 * S), 1);
	line = lw_json_stall(&j, &now, &os.out[0].hdr, &os.out[0].s);
	assert_non_null(line);
	snprintf(stall, sizeof(stall), "%s", strchr(line, ',') + 1);
	stall[strlen(stall) - 2] = '\0';	/* drop "}\n" */
	lw_open_started(&os.out[0], 3000 * MS, &now, &started);
	line = lw_json_stall_in_progress(&j, &now, &os.out[0].hdr, &os.out[0].s, &started);
	assert_non_null(line);
	assert_non_null(strstr(line, "{\"type\":\"stall_in_progress\","));
	assert_non_null(strstr(line, stall));
	assert_non_null(strstr(line, "\"duration_ms\":2000.000,\"cause\":\"blocked\""));
	assert_non_null(strstr(line, "\"syscall\":\"clock_nanosleep\""));
	assert_non_null(strstr(line, ",\"started\":\"2023-11-14T22:13:18.000Z\"}\n"));
	lw_json_free(&j);
	lw_open_stalls_free(&os);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(threshold_is_the_larger_of_stall_and_interval),
		cmocka_unit_test(split_while_blocked),
		cmocka_unit_test(split_while_blocked_in_a_new_call),
		cmocka_unit_test(split_while_runnable),
		cmocka_unit_test(split_on_cpu),
		cmocka_unit_test(torn_values_are_clamped),
		cmocka_unit_test(no_window_in_wait_exited_or_unstarted),
		cmocka_unit_test(threshold_then_doubling),
		cmocka_unit_test(new_window_resets),
		cmocka_unit_test(threads_apart_and_model_marked),
		cmocka_unit_test(started_is_wall_clock_of_the_window_start),
		cmocka_unit_test(json_line_shares_the_stall_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
