// SPDX-License-Identifier: GPL-2.0
/* What a refused or missing hook costs: only the detections built on it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "detect.h"
#include "kernel/detections.h"

static const char *const no_why[LW_FAMILIES] = { NULL, NULL, NULL, NULL };

static void all_on(struct lw_hook_state h[LW_HK_MAX])
{
	memset(h, 0, sizeof(struct lw_hook_state) * LW_HK_MAX);
	for (int i = 0; i < LW_HK_MAX; i++) {
		h[i].on = true;
		h[i].path = "tp_btf";
	}
}

static void expect(const struct lw_detections *d, enum lw_det_id id, enum lw_det_state st)
{
	char buf[LW_WHY_LEN + 16];

	if (d->det[id].state != st)
		print_error("%s: expected state %d, got %d (%s)\n", lw_det_name(id), st,
			    d->det[id].state, lw_det_describe(&d->det[id], buf, sizeof(buf)));
	assert_int_equal(d->det[id].state, st);
}

static void everything_on(void **state)
{
	struct lw_hook_state h[LW_HK_MAX];
	struct lw_detections d;

	(void)state;
	all_on(h);
	lw_detections_compute(&d, h, LW_DETECT_ALL | LW_DETECT_STACKS, LW_DETECT_ALL | LW_DETECT_STACKS, no_why);
	for (int i = 0; i < LW_DET_MAX; i++)
		expect(&d, (enum lw_det_id)i, LW_DET_ON);
}

/* The 6.12 case: tcp_retransmit_skb's program refused; only retransmits go. */
static void refused_retransmit_costs_only_retransmits(void **state)
{
	struct lw_hook_state h[LW_HK_MAX];
	struct lw_detections d;
	char buf[LW_WHY_LEN + 16];

	(void)state;
	all_on(h);
	h[LW_HK_RETRANS].on = false;
	snprintf(h[LW_HK_RETRANS].why, sizeof(h[LW_HK_RETRANS].why),
		 "bp_retransmit refused: func 'tcp_retransmit_skb' doesn't have 3-th argument");
	lw_detections_compute(&d, h, LW_DETECT_ALL | LW_DETECT_STACKS, LW_DETECT_ALL | LW_DETECT_STACKS, no_why);
	for (int i = 0; i < LW_DET_MAX; i++)
		expect(&d, (enum lw_det_id)i, i == LW_DET_RETRANSMITS ? LW_DET_OFF : LW_DET_ON);
	lw_det_describe(&d.det[LW_DET_RETRANSMITS], buf, sizeof(buf));
	assert_string_equal(buf, "off: tcp_retransmit_skb (bp_retransmit refused: func "
				 "'tcp_retransmit_skb' doesn't have 3-th argument)");
}

/* The 6.18.44 case: the sweep refused leaves queue backpressure running on
 * the per-packet hooks, degraded, and takes only descriptor headroom. */
static void refused_sweep_degrades_backpressure(void **state)
{
	struct lw_hook_state h[LW_HK_MAX];
	struct lw_detections d;

	(void)state;
	all_on(h);
	h[LW_HK_SWEEP].on = false;
	lw_detections_compute(&d, h, LW_DETECT_ALL | LW_DETECT_STACKS, LW_DETECT_ALL | LW_DETECT_STACKS, no_why);
	expect(&d, LW_DET_BACKPRESSURE, LW_DET_DEGRADED);
	expect(&d, LW_DET_FD_HEADROOM, LW_DET_OFF);
	expect(&d, LW_DET_LOOP_LAG, LW_DET_ON);
	expect(&d, LW_DET_HERD, LW_DET_ON);
	expect(&d, LW_DET_DROPS, LW_DET_ON);
}

/* A missing receive hook: undrained ET needs it, hot loops only lose part. */
static void missing_recv(void **state)
{
	struct lw_hook_state h[LW_HK_MAX];
	struct lw_detections d;

	(void)state;
	all_on(h);
	h[LW_HK_RECV].on = false;
	lw_detections_compute(&d, h, LW_DETECT_ALL | LW_DETECT_STACKS, LW_DETECT_ALL | LW_DETECT_STACKS, no_why);
	expect(&d, LW_DET_UNDRAINED_ET, LW_DET_OFF);
	expect(&d, LW_DET_LT_HOT_LOOP, LW_DET_DEGRADED);
	expect(&d, LW_DET_HERD, LW_DET_DEGRADED);
	expect(&d, LW_DET_READINESS_LAG, LW_DET_ON);
	expect(&d, LW_DET_STALLS, LW_DET_ON);
}

/* The 5.10 case: readiness off for want of bpf_loop, with the reason. */
static void family_off_says_why(void **state)
{
	const char *const why[LW_FAMILIES] = { NULL, "the kernel lacks bpf_loop (5.17)", NULL, NULL };
	struct lw_hook_state h[LW_HK_MAX];
	struct lw_detections d;
	char buf[LW_WHY_LEN + 16];

	(void)state;
	all_on(h);
	lw_detections_compute(&d, h, LW_DETECT_LOOP | LW_DETECT_BACKPRESSURE, LW_DETECT_ALL, why);
	expect(&d, LW_DET_HERD, LW_DET_OFF);
	assert_true(d.det[LW_DET_HERD].asked);
	assert_string_equal(lw_det_describe(&d.det[LW_DET_HERD], buf, sizeof(buf)),
			    "off: the kernel lacks bpf_loop (5.17)");
	expect(&d, LW_DET_BACKPRESSURE, LW_DET_ON);
	expect(&d, LW_DET_STALLS, LW_DET_ON);
}

static void not_asked_for(void **state)
{
	struct lw_hook_state h[LW_HK_MAX];
	struct lw_detections d;
	char buf[LW_WHY_LEN + 16];

	(void)state;
	all_on(h);
	lw_detections_compute(&d, h, LW_DETECT_LOOP, LW_DETECT_LOOP, no_why);
	expect(&d, LW_DET_DROPS, LW_DET_OFF);
	assert_false(d.det[LW_DET_DROPS].asked);
	assert_string_equal(lw_det_describe(&d.det[LW_DET_DROPS], buf, sizeof(buf)),
			    "off: not asked for (--detect)");
}

/* Without sched_switch loop lag still runs; only the stall split goes. */
static void no_switch_keeps_lag(void **state)
{
	struct lw_hook_state h[LW_HK_MAX];
	struct lw_detections d;

	(void)state;
	all_on(h);
	h[LW_HK_SWITCH].on = false;
	lw_detections_compute(&d, h, LW_DETECT_ALL | LW_DETECT_STACKS, LW_DETECT_ALL | LW_DETECT_STACKS, no_why);
	expect(&d, LW_DET_LOOP_LAG, LW_DET_ON);
	expect(&d, LW_DET_STALLS, LW_DET_OFF);
	expect(&d, LW_DET_HERD, LW_DET_OFF);
	expect(&d, LW_DET_BACKPRESSURE, LW_DET_ON);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(everything_on),
		cmocka_unit_test(refused_retransmit_costs_only_retransmits),
		cmocka_unit_test(refused_sweep_degrades_backpressure),
		cmocka_unit_test(missing_recv),
		cmocka_unit_test(family_off_says_why),
		cmocka_unit_test(not_asked_for),
		cmocka_unit_test(no_switch_keeps_lag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
