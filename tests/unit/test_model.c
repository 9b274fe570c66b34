// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "model/model.h"

#define MS 1000000ull

static bool always_alive(uint32_t pid, uint64_t start)
{
	(void)pid;
	(void)start;
	return true;
}

static bool never_alive(uint32_t pid, uint64_t start)
{
	(void)pid;
	(void)start;
	return false;
}

static struct lw_thread_snap *snaps(size_t n)
{
	return calloc(n, sizeof(struct lw_thread_snap));
}

static void thread(struct lw_thread_snap *s, uint32_t pid, uint32_t tid, uint64_t start)
{
	s->tid = tid;
	s->t.pid = pid;
	s->t.start_time = start;
	s->t.proc_start_time = 1000 + pid;
	strcpy(s->t.comm, "srv");
}

/* Two intervals: counts in the second are deltas, not running totals. */
static void intervals_report_deltas(void **state)
{
	struct lw_model m;
	struct lw_thread_snap *a = snaps(1), *b = snaps(1);
	struct lw_proc *p;

	(void)state;
	lw_model_init(&m);
	m.pid_alive = always_alive;
	thread(&a[0], 10, 11, 5);
	a[0].t.iterations = 100;
	a[0].t.lag_hist[4] = 100;
	a[0].t.max_lag_ns[0] = 3 * MS;
	a[0].t.max_epoch[0] = 0;
	assert_int_equal(lw_model_apply_threads(&m, a, 1, 0), 0);
	p = lw_model_find(&m, 10);
	assert_non_null(p);
	assert_int_equal(p->iv.iterations, 100);
	assert_int_equal(p->iv.lag_max_ns, 3 * MS);
	lw_model_end_interval(&m);

	thread(&b[0], 10, 11, 5);
	b[0].t.iterations = 130;
	b[0].t.lag_hist[4] = 129;
	b[0].t.lag_hist[17] = 1;
	b[0].t.stalls = 1;
	b[0].t.max_lag_ns[1] = 150 * MS;
	b[0].t.max_epoch[1] = 1;
	b[0].t.max_lag_ns[0] = 3 * MS; /* stale slot of epoch 0: ignored */
	assert_int_equal(lw_model_apply_threads(&m, b, 1, 1), 0);
	assert_int_equal(p->iv.iterations, 30);
	assert_int_equal(p->iv.lag_hist[4], 29);
	assert_int_equal(p->iv.lag_hist[17], 1);
	assert_int_equal(p->iv.stalls, 1);
	assert_int_equal(p->iv.lag_max_ns, 150 * MS);
	assert_true(lw_interval_lag_ms(&p->iv, 0.99) <= 150.0);
	lw_model_end_interval(&m);
	assert_int_equal(p->tot.lag_hist[4], 129);
	lw_model_free(&m);
}

/* A tid reused by a new thread must not produce a negative or mixed delta. */
static void reused_tid_starts_from_zero(void **state)
{
	struct lw_model m;
	struct lw_thread_snap *a = snaps(1), *b = snaps(1);

	(void)state;
	lw_model_init(&m);
	m.pid_alive = always_alive;
	thread(&a[0], 10, 11, 5);
	a[0].t.iterations = 1000;
	lw_model_apply_threads(&m, a, 1, 0);
	lw_model_end_interval(&m);
	thread(&b[0], 10, 11, 6);
	b[0].t.iterations = 7;
	lw_model_apply_threads(&m, b, 1, 1);
	assert_int_equal(lw_model_find(&m, 10)->iv.iterations, 7);
	lw_model_free(&m);
}

/* A pid reused by another process starts a fresh record. */
static void reused_pid_is_a_new_process(void **state)
{
	struct lw_model m;
	struct lw_proc *p;

	(void)state;
	lw_model_init(&m);
	p = lw_model_proc(&m, 10, 111, "old");
	p->tot.wakeups = 50;
	p = lw_model_proc(&m, 10, 222, "new");
	assert_int_equal(p->tot.wakeups, 0);
	assert_string_equal(p->comm, "new");
	lw_model_free(&m);
}

/* Threads of several processes fold into their own process. */
static void threads_fold_per_process(void **state)
{
	struct lw_model m;
	struct lw_thread_snap *a = snaps(3);

	(void)state;
	lw_model_init(&m);
	m.pid_alive = always_alive;
	thread(&a[0], 20, 23, 1);
	thread(&a[1], 10, 11, 1);
	thread(&a[2], 20, 21, 1);
	a[0].t.iterations = 1;
	a[1].t.iterations = 2;
	a[2].t.iterations = 4;
	lw_model_apply_threads(&m, a, 3, 0);
	assert_int_equal(m.nprocs, 2);
	assert_int_equal(lw_model_find(&m, 20)->iv.loops, 2);
	assert_int_equal(lw_model_find(&m, 20)->iv.iterations, 5);
	assert_int_equal(lw_model_find(&m, 10)->iv.iterations, 2);
	lw_model_free(&m);
}

/* An exited thread's last counts are kept, then the process is forgotten. */
static void exited_processes_are_forgotten(void **state)
{
	struct lw_model m;
	struct lw_thread_snap *a = snaps(1);

	(void)state;
	lw_model_init(&m);
	m.pid_alive = never_alive;
	thread(&a[0], 10, 11, 1);
	a[0].t.iterations = 3;
	a[0].t.exited = 1;
	lw_model_apply_threads(&m, a, 1, 0);
	assert_int_equal(lw_model_find(&m, 10)->iv.iterations, 3);
	assert_int_equal(lw_model_find(&m, 10)->iv.loops, 0);
	lw_model_end_interval(&m);
	assert_non_null(lw_model_find(&m, 10)); /* active this interval: kept once */
	lw_model_apply_threads(&m, snaps(0), 0, 1);
	lw_model_end_interval(&m);
	assert_null(lw_model_find(&m, 10));
	lw_model_free(&m);
}

static void stall_events_count_when_the_map_lost_them(void **state)
{
	struct lw_model m;
	struct lw_stall s = { .cause = LW_CAUSE_BLOCKED };

	(void)state;
	lw_model_init(&m);
	lw_model_add_stall(&m, 10, 11, "srv", &s);
	lw_model_add_stall(&m, 10, 11, "srv", &s);
	assert_int_equal(lw_interval_stalls(&lw_model_find(&m, 10)->iv), 2);
	assert_true(lw_model_find(&m, 10)->iv.active);
	lw_model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(intervals_report_deltas),
		cmocka_unit_test(reused_tid_starts_from_zero),
		cmocka_unit_test(reused_pid_is_a_new_process),
		cmocka_unit_test(threads_fold_per_process),
		cmocka_unit_test(exited_processes_are_forgotten),
		cmocka_unit_test(stall_events_count_when_the_map_lost_them),
	};

	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
