// SPDX-License-Identifier: GPL-2.0
/*
 * The home-wait state machine the probes run (bpf/loop_home.h), on synthetic
 * sequences of wait calls: which waits end a busy window (home) and which
 * are part of it (nested), with a fake descriptor table for the files.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>

#define LW_LOOP_INLINE static inline

/* the calling task's descriptor table: fd -> a file's address (0: closed) */
static __u64 fd_table[64];

static __u64 lw_loop_fd_file(__u32 fd)
{
	return fd < 64 ? fd_table[fd] : 0;
}

#include "loop_home.h"

static __u64 next_file = 0x1000;

static void open_fd(int fd)
{
	fd_table[fd] = next_file += 0x100;
}

static void close_fd(int fd)
{
	fd_table[fd] = 0;
}

/* A thread whose first wait is on key: the probes take that as its home. */
static void thread_start(struct lw_thread *t, __u32 key)
{
	memset(t, 0, sizeof(*t));
	loop_take_home(t, key);
}

/* A wait from a busy window: 'h' home, 'n' nested, 'f' home with the
 * window dropped (a new home). */
static char wait_on(struct lw_thread *t, __u32 key)
{
	bool fresh = false;

	if (!loop_is_home(t, key, &fresh))
		return 'n';
	return fresh ? 'f' : 'h';
}

static __u32 ep(int fd)
{
	return lw_wait_key(LW_WAIT_EPOLL, fd);
}

static __u32 pl(int fd)
{
	return lw_wait_key(LW_WAIT_POLL, fd);
}

static int setup(void **state)
{
	(void)state;
	memset(fd_table, 0, sizeof(fd_table));
	return 0;
}

/* Node's spawnSync: a private epoll instance, created for the call, waited
 * on several times, closed; the main loop's windows around it. */
static void spawnsync_waits_are_nested(void **state)
{
	struct lw_thread t;

	(void)state;
	open_fd(13);
	thread_start(&t, ep(13));
	for (int i = 0; i < 50; i++)
		assert_int_equal(wait_on(&t, ep(13)), 'h');
	for (int call = 0; call < 20; call++) {
		open_fd(20);
		for (int i = 0; i < 3 + call % 3; i++)
			assert_int_equal(wait_on(&t, ep(20)), 'n');
		close_fd(20);
		/* the main loop turns again: this wait ends the stalled window */
		assert_int_equal(wait_on(&t, ep(13)), 'h');
	}
	assert_int_equal(t.home[0], ep(13));
	assert_int_equal(t.home[1], 0);
}

/* Python's subprocess.run inside asyncio: poll on the child's pipes. Once
 * per window, every window: still nested, for it is another kind. */
static void poll_inside_an_epoll_loop_is_nested(void **state)
{
	struct lw_thread t;

	(void)state;
	open_fd(3);
	thread_start(&t, ep(3));
	for (int call = 0; call < 20; call++) {
		open_fd(7);
		assert_int_equal(wait_on(&t, pl(7)), 'n');
		close_fd(7);
		assert_int_equal(wait_on(&t, ep(3)), 'h');
	}
	assert_int_equal(t.home[1], 0);
}

/* A main loop and a signal loop waited on in turn: after a few windows of
 * one wait each on the second, both are homes and every wait is an
 * iteration. */
static void two_instances_in_turn_are_both_homes(void **state)
{
	struct lw_thread t;
	int nested = 0;

	(void)state;
	open_fd(4);
	open_fd(5);
	thread_start(&t, ep(4));
	for (int i = 0; i < 40; i++) {
		nested += wait_on(&t, ep(5)) == 'n';
		assert_int_equal(wait_on(&t, ep(4)), 'h');
	}
	assert_int_equal(nested, LOOP_COHOME_WINDOWS);
	assert_int_equal(t.home[1], ep(5));
}

/* A second home closed and its number reused by a private loop: that
 * loop's waits are nested again. */
static void a_reused_second_home_is_nested(void **state)
{
	struct lw_thread t;

	(void)state;
	open_fd(4);
	open_fd(5);
	thread_start(&t, ep(4));
	for (int i = 0; i < 10; i++) {
		wait_on(&t, ep(5));
		wait_on(&t, ep(4));
	}
	assert_int_equal(t.home[1], ep(5));
	close_fd(5);
	open_fd(5);
	assert_int_equal(wait_on(&t, ep(5)), 'n');
	assert_int_equal(wait_on(&t, ep(5)), 'n');
	assert_int_equal(wait_on(&t, ep(4)), 'h');
}

/* The home closed (asyncio.run() twice, a new loop on another fd): the
 * first wait on the new instance takes the home and drops the window. */
static void a_closed_home_gives_way_at_once(void **state)
{
	struct lw_thread t;

	(void)state;
	open_fd(6);
	thread_start(&t, ep(6));
	for (int i = 0; i < 100; i++)
		wait_on(&t, ep(6));
	close_fd(6);
	open_fd(8);
	assert_int_equal(wait_on(&t, ep(8)), 'f');
	assert_int_equal(t.home[0], ep(8));
	for (int i = 0; i < 10; i++)
		assert_int_equal(wait_on(&t, ep(8)), 'h');
}

/* The home's number reused by the new loop: the same key, nothing to do. */
static void a_home_reopened_on_its_number_stays_home(void **state)
{
	struct lw_thread t;

	(void)state;
	open_fd(6);
	thread_start(&t, ep(6));
	wait_on(&t, ep(6));
	close_fd(6);
	open_fd(6);
	assert_int_equal(wait_on(&t, ep(6)), 'h');
}

/* A loop left open but no longer waited on: after LOOP_REHOME_RUN waits in
 * a row on another instance, that one is home. */
static void a_long_run_elsewhere_takes_the_home(void **state)
{
	struct lw_thread t;
	int i;

	(void)state;
	open_fd(6);
	open_fd(9);
	thread_start(&t, ep(6));
	for (i = 0; i < 10; i++)
		wait_on(&t, ep(6));
	for (i = 1; i <= LOOP_REHOME_RUN; i++)
		assert_int_equal(wait_on(&t, ep(9)), 'n');
	assert_int_equal(wait_on(&t, ep(9)), 'f');
	assert_int_equal(wait_on(&t, ep(9)), 'h');
	assert_int_equal(wait_on(&t, ep(6)), 'n');
}

/* A second instance waited on once in some windows but not in others is
 * no second home: the run must be unbroken. */
static void an_occasional_single_wait_stays_nested(void **state)
{
	struct lw_thread t;

	(void)state;
	open_fd(4);
	open_fd(5);
	thread_start(&t, ep(4));
	for (int i = 0; i < 40; i++) {
		if (i % 4 == 0)
			assert_int_equal(wait_on(&t, ep(5)), 'n');
		assert_int_equal(wait_on(&t, ep(4)), 'h');
	}
	assert_int_equal(t.home[1], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(spawnsync_waits_are_nested, setup),
		cmocka_unit_test_setup(poll_inside_an_epoll_loop_is_nested, setup),
		cmocka_unit_test_setup(two_instances_in_turn_are_both_homes, setup),
		cmocka_unit_test_setup(a_reused_second_home_is_nested, setup),
		cmocka_unit_test_setup(a_closed_home_gives_way_at_once, setup),
		cmocka_unit_test_setup(a_home_reopened_on_its_number_stays_home, setup),
		cmocka_unit_test_setup(a_long_run_elsewhere_takes_the_home, setup),
		cmocka_unit_test_setup(an_occasional_single_wait_stays_nested, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
