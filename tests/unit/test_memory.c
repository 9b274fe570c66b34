// SPDX-License-Identifier: GPL-2.0
/*
 * The memory growth state machine (agent/model/memory.h) on synthetic RSS
 * sequences: steady growth toward a limit gives one event after N rising
 * intervals and the alert rule fires with it; flat memory gives nothing;
 * growth that stops re-arms, and growth that starts again is a new episode;
 * growth too slow to reach the limit within the horizon gives nothing; the
 * slope is least squares over the last N intervals. (The memory_growth
 * alert rule is in test_alerts.c.)
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "model/memory.h"

#define SEC 1000000000ull

static const struct lw_mem_cfg cfg = { .intervals = 5, .horizon_s = 300 };

struct run {
	struct lw_mem_growth g;
	uint64_t t;
	unsigned int reports, growing;
	struct lw_mem_verdict last;
};

/* One interval: RSS rss_kb against a limit of limit_kb with used_kb in use. */
static void step(struct run *r, uint64_t rss_kb, uint64_t limit_kb, uint64_t used_kb)
{
	struct lw_mem_room room = { .limit_kb = limit_kb, .used_kb = used_kb };

	r->t += SEC;
	lw_mem_growth_step(&r->g, r->t, rss_kb, &room, &cfg, &r->last);
	r->reports += r->last.report;
	r->growing += r->last.growing;
}

/* 4 MiB/s into a 64 MiB cgroup: the event at the 5th rising interval, while
 * the limit is still seconds away; once, however long it goes on. */
static void monotonic_growth_gives_one_event(void **state)
{
	struct run r = { 0 };
	uint64_t rss = 2048;

	(void)state;
	step(&r, rss, 65536, rss);
	for (int i = 1; i <= 4; i++) {
		rss += 4096;
		step(&r, rss, 65536, rss);
		assert_false(r.last.growing);
		assert_int_equal(r.last.rising, i);
	}
	rss += 4096;
	step(&r, rss, 65536, rss);
	assert_true(r.last.report);
	assert_true(r.last.growing);
	assert_int_equal(r.last.rising, 5);
	assert_true(fabs(r.last.kb_per_s - 4096) < 1e-6);
	/* 22528 KB used of 65536: 43008 KB left at 4096 KB/s */
	assert_true(fabs(r.last.seconds_to_limit - 43008.0 / 4096) < 1e-6);
	for (int i = 0; i < 5; i++) {
		rss += 4096;
		step(&r, rss, 65536, rss);
		assert_false(r.last.report);
		assert_true(r.last.growing);
	}
	assert_int_equal(r.reports, 1);
}

/* Flat, and flat with a page up and down under load: nothing. */
static void flat_memory_gives_nothing(void **state)
{
	struct run r = { 0 };

	(void)state;
	for (int i = 0; i < 50; i++)
		step(&r, 30000 + (i % 2) * 4, 65536, 30000);
	assert_int_equal(r.reports, 0);
	assert_int_equal(r.growing, 0);
	assert_true(fabs(r.last.kb_per_s) < 1);
	/* exactly flat: no slope, never a limit in sight */
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 20; i++)
		step(&r, 30000, 65536, 30000);
	assert_int_equal(r.reports, 0);
	assert_true(r.last.kb_per_s == 0);
	assert_true(r.last.seconds_to_limit < 0);
}

/* Growth that stops ends its episode; growth that starts again is a new
 * one, with its own event after N more rising intervals. */
static void growth_that_stops_rearms(void **state)
{
	struct run r = { 0 };
	uint64_t rss = 1000;

	(void)state;
	step(&r, rss, 1 << 20, rss);
	for (int i = 0; i < 6; i++) {
		rss += 8192;
		step(&r, rss, 1 << 20, rss);
	}
	assert_int_equal(r.reports, 1);
	step(&r, rss, 1 << 20, rss);		/* the queue drained as fast as it filled */
	assert_false(r.last.growing);
	assert_int_equal(r.last.rising, 0);
	for (int i = 0; i < 4; i++) {
		rss += 8192;
		step(&r, rss, 1 << 20, rss);
	}
	assert_int_equal(r.reports, 1);		/* four rising: not yet */
	rss += 8192;
	step(&r, rss, 1 << 20, rss);
	assert_true(r.last.report);
	assert_int_equal(r.reports, 2);
	/* a dip is a stop too */
	step(&r, rss - 4, 1 << 20, rss);
	assert_false(r.last.growing);
	assert_int_equal(r.reports, 2);
}

/* 64 KB/s toward 1 GiB with 900 MiB left is 4 hours away: beyond the
 * horizon, nothing, however long it rises; the same rate near the limit is
 * an episode. No limit known: nothing. */
static void too_slow_for_the_horizon_gives_nothing(void **state)
{
	struct run r = { 0 };
	uint64_t rss = 100000;

	(void)state;
	for (int i = 0; i < 30; i++) {
		step(&r, rss, 1 << 20, rss);
		rss += 64;
	}
	assert_int_equal(r.reports, 0);
	assert_true(r.last.rising >= 5);
	assert_true(r.last.seconds_to_limit > 300);
	/* same slope, 10 MiB from the limit: 160 s away */
	step(&r, rss, 1 << 20, (1 << 20) - 10240);
	assert_true(r.last.report);
	assert_true(r.last.seconds_to_limit <= 300);

	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 30; i++)
		step(&r, 1000 + 100000 * (uint64_t)i, 0, 0);
	assert_int_equal(r.reports, 0);
	assert_true(r.last.seconds_to_limit < 0);
}

/* Least squares over the last N intervals: a jump before the window does not
 * count, one big step inside is averaged, times need not be even. */
static void slope_is_least_squares_over_the_window(void **state)
{
	struct lw_mem_growth g = { 0 };
	struct lw_mem_room room = { 0 };
	struct lw_mem_verdict v;
	uint64_t t = 0;

	(void)state;
	lw_mem_growth_step(&g, t, 1000000, &room, &cfg, &v);
	assert_true(v.kb_per_s == 0);	/* one sample: no slope */
	for (int i = 1; i <= 8; i++) {
		t += SEC;
		lw_mem_growth_step(&g, t, 1000 + 10 * (uint64_t)i, &room, &cfg, &v);
	}
	/* the drop from 1000000 is out of the 6-sample window */
	assert_true(fabs(v.kb_per_s - 10) < 1e-6);
	assert_true(fabs(lw_mem_growth_slope(&g, 2) - 10) < 1e-6);
	/* samples 2 s apart */
	memset(&g, 0, sizeof(g));
	for (int i = 0; i < 6; i++)
		lw_mem_growth_step(&g, (uint64_t)i * 2 * SEC, 500 + 300 * (uint64_t)i, &room, &cfg, &v);
	assert_true(fabs(v.kb_per_s - 150) < 1e-6);
	/* y = 0 0 0 0 0 600 at t = 0..5: slope 600 * (5 - 2.5) / 17.5 */
	memset(&g, 0, sizeof(g));
	for (int i = 0; i < 6; i++)
		lw_mem_growth_step(&g, (uint64_t)i * SEC, i == 5 ? 600 : 0, &room, &cfg, &v);
	assert_true(fabs(v.kb_per_s - 600 * 2.5 / 17.5) < 1e-6);
}

/* More samples than the ring holds: the oldest go, the slope stays right. */
static void the_ring_wraps(void **state)
{
	struct lw_mem_cfg wide = { .intervals = LW_MEM_WINDOW_MAX, .horizon_s = 300 };
	struct lw_mem_growth g = { 0 };
	struct lw_mem_room room = { .limit_kb = 1ull << 40 };
	struct lw_mem_verdict v;

	(void)state;
	for (uint64_t i = 0; i < 3 * LW_MEM_WINDOW_MAX; i++)
		lw_mem_growth_step(&g, i * SEC, 7 * i, &room, &wide, &v);
	assert_int_equal(g.n, LW_MEM_WINDOW_MAX + 1);
	assert_true(fabs(v.kb_per_s - 7) < 1e-6);
	assert_int_equal(v.rising, 3 * LW_MEM_WINDOW_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(monotonic_growth_gives_one_event),
		cmocka_unit_test(flat_memory_gives_nothing),
		cmocka_unit_test(growth_that_stops_rearms),
		cmocka_unit_test(too_slow_for_the_horizon_gives_nothing),
		cmocka_unit_test(slope_is_least_squares_over_the_window),
		cmocka_unit_test(the_ring_wraps),
	};

	return cmocka_run_group_tests_name("memory", tests, NULL, NULL);
}
