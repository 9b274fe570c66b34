// SPDX-License-Identifier: GPL-2.0
/* The snapshot helpers every per-interval fold uses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "model/snapshot.h"

struct rec {
	uint32_t key;
	uint32_t pad;
	uint64_t count;
};

static void sorted_then_found(void **state)
{
	struct rec r[] = { { 30, 0, 3 }, { 10, 0, 1 }, { 20, 0, 2 }, { 5, 0, 0 } };
	const struct rec *f;

	(void)state;
	lw_snap_sort(r, 4, sizeof(r[0]));
	assert_int_equal(r[0].key, 5);
	assert_int_equal(r[3].key, 30);
	for (uint32_t k = 5; k <= 30; k += 5) {
		f = lw_snap_find(r, 4, sizeof(r[0]), k);
		if (k == 15 || k == 25) {
			assert_null(f);
		} else {
			assert_non_null(f);
			assert_int_equal(f->key, k);
		}
	}
	assert_null(lw_snap_find(r, 4, sizeof(r[0]), 31));
	assert_null(lw_snap_find(r, 4, sizeof(r[0]), 1));
}

static void empty_snapshot_finds_nothing(void **state)
{
	(void)state;
	lw_snap_sort(NULL, 0, sizeof(struct rec));
	assert_null(lw_snap_find(NULL, 0, sizeof(struct rec), 7));
}

/* A total that went down belongs to an entry that started over. */
static void delta_of_a_restarted_total_is_all_of_it(void **state)
{
	(void)state;
	assert_int_equal(lw_snap_delta(15, 10), 5);
	assert_int_equal(lw_snap_delta(10, 10), 0);
	assert_int_equal(lw_snap_delta(4, 10), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sorted_then_found),
		cmocka_unit_test(empty_snapshot_finds_nothing),
		cmocka_unit_test(delta_of_a_restarted_total_is_all_of_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
