// SPDX-License-Identifier: GPL-2.0
/* The detail tier's switch on synthetic interval sequences. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "model/tier.h"

#define S 1000000000ull

static const uint32_t pid = 4242;

/* One interval of process pid with iv's figures; returns the tier's answer. */
static bool tick(struct lw_tier *t, const struct lw_interval *iv, unsigned int n)
{
	uint32_t trig = lw_tier_triggers(iv, 1);

	return lw_tier_step(t, trig, trig ? &pid : NULL, trig ? 1 : 0, (uint64_t)n * S);
}

static void healthy_figures_cross_no_trigger(void **state)
{
	struct lw_interval iv = { .wakeups = 150000, .futile = 9, .rcvq_max_ratio = 0.3,
				  .sndq_max_ratio = 0.1, .acceptq_max_ratio = 0.49 };

	(void)state;
	assert_int_equal(lw_tier_triggers(&iv, 1), 0);
	/* many futile wake-ups, but a small share of a busy server's */
	iv.futile = 1000;
	assert_int_equal(lw_tier_triggers(&iv, 1), 0);
	/* the per-second floor scales with the interval */
	iv.wakeups = 20;
	iv.futile = 15;
	assert_int_equal(lw_tier_triggers(&iv, 2), 0);
	assert_int_equal(lw_tier_triggers(&iv, 1), LW_TRIG_FUTILE);
}

static void each_trigger_on_its_own(void **state)
{
	struct lw_interval herd = { .wakeups = 40, .futile = 30 };
	struct lw_interval queue = { .rcvq_max_ratio = 0.5 };
	struct lw_interval snd = { .sndq_max_ratio = 0.7 };
	struct lw_interval acc = { .acceptq_max_ratio = 1.2 };
	struct lw_interval drops = { .drops = 1 };
	struct lw_interval over = { .accept_overflows = 3 };
	struct lw_interval stall = { .stalls = 1 };
	struct lw_interval open = { .open_stall_ns = 2 * S };
	struct lw_interval found = { .herds = 1 };
	struct lw_interval eagain = { .snd_eagain = 4 };
	struct lw_interval linger = { .lingering = 1 };
	struct lw_interval starved = { .et_starved = 1 };
	struct lw_interval undrained = { .undrained_et = 3, .lt_hot_loops = 2 };
	/* the always-on tier's sign of a herd: accepts that find nothing, one
	 * in ten iterations and ten a second; fewer are any server's noise */
	struct lw_interval accepts = { .iterations = 270, .futile_seen = 30 };
	struct lw_interval few = { .iterations = 300, .futile_seen = 9 };
	struct lw_interval rare = { .iterations = 3000, .futile_seen = 200 };

	(void)state;
	assert_int_equal(lw_tier_triggers(&herd, 1), LW_TRIG_FUTILE);
	assert_int_equal(lw_tier_triggers(&queue, 1), LW_TRIG_QUEUE);
	assert_int_equal(lw_tier_triggers(&snd, 1), LW_TRIG_QUEUE);
	assert_int_equal(lw_tier_triggers(&acc, 1), LW_TRIG_QUEUE);
	assert_int_equal(lw_tier_triggers(&drops, 1), LW_TRIG_DROPS);
	assert_int_equal(lw_tier_triggers(&over, 1), LW_TRIG_DROPS);
	assert_int_equal(lw_tier_triggers(&stall, 1), LW_TRIG_STALL);
	assert_int_equal(lw_tier_triggers(&open, 1), LW_TRIG_STALL);
	assert_int_equal(lw_tier_triggers(&found, 1), LW_TRIG_FOUND);
	assert_int_equal(lw_tier_triggers(&eagain, 1), LW_TRIG_FOUND);
	assert_int_equal(lw_tier_triggers(&linger, 1), LW_TRIG_LINGER);
	assert_int_equal(lw_tier_triggers(&starved, 1), LW_TRIG_LINGER);
	assert_int_equal(lw_tier_triggers(&undrained, 1), LW_TRIG_FOUND);
	assert_int_equal(lw_tier_triggers(&accepts, 1), LW_TRIG_FUTILE);
	assert_int_equal(lw_tier_triggers(&accepts, 5), 0);
	assert_int_equal(lw_tier_triggers(&few, 1), 0);
	assert_int_equal(lw_tier_triggers(&rare, 1), 0);
}

/* Engage on the trigger's interval, stay while it persists and for N-1
 * quiet ones, release on the Nth; the time engaged is counted exactly. */
static void engage_hold_release(void **state)
{
	struct lw_interval quiet = { .wakeups = 100 };
	struct lw_interval drops = { .drops = 2 };
	struct lw_tier t;
	unsigned int n = 0;

	(void)state;
	lw_tier_init(&t, LW_TIER_ON_DEMAND, 3, 0);
	for (; n < 5; n++)
		assert_false(tick(&t, &quiet, n));
	assert_true(tick(&t, &drops, n++));		/* engaged at 5 s */
	assert_int_equal(t.why, LW_TRIG_DROPS);
	assert_int_equal(t.npids, 1);
	assert_int_equal(t.pids[0], pid);
	for (int i = 0; i < 4; i++)
		assert_true(tick(&t, &drops, n++));	/* symptom persists */
	assert_true(tick(&t, &quiet, n++));		/* quiet 1 */
	assert_true(tick(&t, &quiet, n++));		/* quiet 2 */
	assert_true(lw_tier_seconds(&t, 11 * S) == 6.0);
	assert_false(tick(&t, &quiet, n++));		/* quiet 3: released at 12 s */
	assert_int_equal(t.npids, 0);
	assert_true(lw_tier_seconds(&t, 30 * S) == 7.0);
	assert_int_equal(t.engages, 1);
}

/* A symptom every other interval, with N = 3, never releases it. */
static void no_flapping(void **state)
{
	struct lw_interval quiet = { 0 };
	struct lw_interval stall = { .stalls = 1 };
	struct lw_tier t;

	(void)state;
	lw_tier_init(&t, LW_TIER_ON_DEMAND, 3, 0);
	for (unsigned int n = 0; n < 40; n++)
		assert_true(tick(&t, n % 3 == 0 ? &stall : &quiet, n));
	assert_int_equal(t.engages, 1);
	/* then quiet for good: released once, after 3 */
	assert_true(tick(&t, &quiet, 40));
	assert_true(tick(&t, &quiet, 41));
	assert_false(tick(&t, &quiet, 42));
	assert_int_equal(t.engages, 1);
	/* and engaged again by the next symptom */
	assert_true(tick(&t, &stall, 43));
	assert_int_equal(t.engages, 2);
}

static void forced_and_none_ignore_triggers(void **state)
{
	struct lw_interval quiet = { 0 };
	struct lw_interval stall = { .stalls = 1 };
	struct lw_tier f, none;

	(void)state;
	lw_tier_init(&f, LW_TIER_FORCED, 3, 0);
	lw_tier_init(&none, LW_TIER_NONE, 3, 0);
	for (unsigned int n = 0; n < 10; n++) {
		assert_true(tick(&f, &quiet, n));
		assert_false(tick(&none, &stall, n));
	}
	assert_true(lw_tier_seconds(&f, 10 * S) == 10.0);
	assert_true(lw_tier_seconds(&none, 10 * S) == 0.0);
}

static void failed_engage_stops_the_clock(void **state)
{
	struct lw_interval stall = { .stalls = 1 };
	struct lw_tier t;

	(void)state;
	lw_tier_init(&t, LW_TIER_ON_DEMAND, 2, 0);
	assert_true(tick(&t, &stall, 1));
	lw_tier_failed(&t, 1 * S);
	assert_false(t.engaged);
	assert_true(lw_tier_seconds(&t, 5 * S) == 0.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(healthy_figures_cross_no_trigger),
		cmocka_unit_test(each_trigger_on_its_own),
		cmocka_unit_test(engage_hold_release),
		cmocka_unit_test(no_flapping),
		cmocka_unit_test(forced_and_none_ignore_triggers),
		cmocka_unit_test(failed_engage_stops_the_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
