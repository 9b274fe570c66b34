// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "model/hist.h"

static void empty_histogram_is_zero(void **state)
{
	uint64_t h[LW_LAG_SLOTS] = { 0 };

	(void)state;
	assert_true(lw_hist_quantile_ms(h, LW_LAG_SLOTS, 0.99) == 0.0);
}

static void slot_bounds_are_powers_of_two(void **state)
{
	(void)state;
	assert_true(lw_hist_slot_lo_us(0) == 0.0);
	assert_true(lw_hist_slot_hi_us(0) == 2.0);
	assert_true(lw_hist_slot_lo_us(10) == 1024.0);
	assert_true(lw_hist_slot_hi_us(10) == 2048.0);
}

/* 99 fast iterations in [16, 32) us and one in [65.5, 131) ms: p50 is fast,
 * p99 still fast, p100 lands in the slow slot. */
static void quantiles_pick_the_right_slot(void **state)
{
	uint64_t h[LW_LAG_SLOTS] = { 0 };
	double p50, p99, p100;

	(void)state;
	h[4] = 99;
	h[16] = 1;
	p50 = lw_hist_quantile_ms(h, LW_LAG_SLOTS, 0.50);
	p99 = lw_hist_quantile_ms(h, LW_LAG_SLOTS, 0.99);
	p100 = lw_hist_quantile_ms(h, LW_LAG_SLOTS, 1.0);
	assert_true(p50 >= 0.016 && p50 < 0.032);
	assert_true(p99 >= 0.016 && p99 <= 0.032);
	assert_true(p100 >= 65.536 && p100 <= 131.072);
}

static void interpolates_inside_a_slot(void **state)
{
	uint64_t h[LW_LAG_SLOTS] = { 0 };

	(void)state;
	h[10] = 100;	/* [1024, 2048) us */
	assert_float_equal(lw_hist_quantile_ms(h, LW_LAG_SLOTS, 0.5), 1.536, 1e-9);
}

/* The probes' slot function agrees with the bounds the agent reads back. */
static void probe_slots_match_the_bounds(void **state)
{
	(void)state;
	assert_int_equal(lw_lag_slot(0), 0);
	assert_int_equal(lw_lag_slot(1999), 0);
	assert_int_equal(lw_lag_slot(2000), 1);
	assert_int_equal(lw_lag_slot(1024000), 10);
	assert_int_equal(lw_lag_slot(2047999), 10);
	assert_int_equal(lw_lag_slot(2048000), 11);
	assert_int_equal(lw_lag_slot(~0ull), LW_LAG_SLOTS - 1);
	for (unsigned int s = 1; s < LW_LAG_SLOTS - 1; s++)
		assert_int_equal(lw_lag_slot((uint64_t)lw_hist_slot_lo_us(s) * 1000), s);
}

/* A quantile interpolated past the exact maximum reads the maximum. */
static void capped_quantile_never_passes_the_max(void **state)
{
	uint64_t h[LW_LAG_SLOTS] = { 0 };

	(void)state;
	h[lw_lag_slot(100000000ull)] = 10;	/* ten lags in [65.5, 131) ms */
	assert_true(lw_hist_quantile_ms(h, LW_LAG_SLOTS, 0.99) > 100.0);
	assert_true(lw_hist_quantile_capped_ms(h, LW_LAG_SLOTS, 0.99, 100000000ull) == 100.0);
	/* no maximum kept: the interpolated value stands */
	assert_true(lw_hist_quantile_capped_ms(h, LW_LAG_SLOTS, 0.99, 0) ==
		    lw_hist_quantile_ms(h, LW_LAG_SLOTS, 0.99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_histogram_is_zero),
		cmocka_unit_test(slot_bounds_are_powers_of_two),
		cmocka_unit_test(quantiles_pick_the_right_slot),
		cmocka_unit_test(interpolates_inside_a_slot),
		cmocka_unit_test(probe_slots_match_the_bounds),
		cmocka_unit_test(capped_quantile_never_passes_the_max),
	};

	return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}
