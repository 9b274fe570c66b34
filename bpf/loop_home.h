/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A loop thread's home wait and the nested waits inside its busy windows
 * (DESIGN.md "Loop thread"), written once for two homes: the probes
 * (bpf/loop.bpf.h) run it in the kernel and the unit tests
 * (tests/unit/test_loop_home.c) on synthetic wait sequences.
 *
 * The includer defines LW_LOOP_INLINE (static inline / static
 * __always_inline) and, before including this file,
 *   __u64 lw_loop_fd_file(__u32 fd)  the struct file behind the calling
 *                                    task's fd as an address, 0 for none;
 *                                    called only when a home is taken or a
 *                                    wait is on another instance (rare).
 */
#ifndef LOOPWATCH_LOOP_HOME_H
#define LOOPWATCH_LOOP_HOME_H

#include "loop.h"

#ifndef LW_LOOP_INLINE
#error "loop_home.h: define LW_LOOP_INLINE first"
#endif

/* A private loop that waits this many times in a row without its thread's
 * home loop turning is taken to be the new home (a loop left open but no
 * longer used); the window it ran in is dropped, not reported. */
#define LOOP_REHOME_RUN 64
/* Windows in a row that each wait once on the same second instance before
 * it is taken as a second home, waited on in turn with the first. */
#define LOOP_COHOME_WINDOWS 4

LW_LOOP_INLINE void loop_take_home(struct lw_thread *t, __u32 key)
{
	t->home[0] = key;
	t->home[1] = 0;
	t->home_file[0] = lw_loop_fd_file(lw_wait_key_fd(key));
	t->home_file[1] = 0;
	t->nested_key = 0;
	t->nested_run = 0;
	t->cohome_key = 0;
	t->cohome_run = 0;
}

/* A home wait ends a busy window: what its nested waits say. A second
 * instance of the same kind waited on exactly once in each of the last
 * windows is a loop waited on in turn; a private loop waits on its own
 * instance more than once, or not in every window. */
LW_LOOP_INLINE void loop_window_nested(struct lw_thread *t, __u32 key)
{
	__u32 k = t->nested_key;

	if (k && t->nested_run == 1 && lw_wait_key_kind(k) == lw_wait_key_kind(key)) {
		if (k != t->cohome_key) {
			t->cohome_key = k;
			t->cohome_run = 0;
		}
		if (++t->cohome_run >= LOOP_COHOME_WINDOWS) {
			t->home[1] = k;
			t->home_file[1] = lw_loop_fd_file(lw_wait_key_fd(k));
			t->cohome_key = 0;
			t->cohome_run = 0;
		}
	} else {
		t->cohome_run = 0;
	}
	t->nested_key = 0;
	t->nested_run = 0;
}

/* Is a wait on key, from a busy window, a home wait? If not, it is nested:
 * part of the window, and its sleep is charged by sched_switch to the call
 * it sleeps in. A home whose fd no longer holds the file it held, or a
 * nested instance waited on LOOP_REHOME_RUN times in a row, gives way to
 * key; *fresh then says the window is dropped. */
LW_LOOP_INLINE bool loop_is_home(struct lw_thread *t, __u32 key, bool *fresh)
{
	/* a second home closed and its fd reused is one no longer */
	if (key == t->home[1] && lw_loop_fd_file(lw_wait_key_fd(key)) != t->home_file[1])
		t->home[1] = 0;
	if (key == t->home[0] || key == t->home[1]) {
		if (t->nested_key || t->cohome_run)
			loop_window_nested(t, key);
		return true;
	}
	if (key == t->nested_key) {
		t->nested_run++;
	} else {
		t->nested_key = key;
		t->nested_run = 1;
	}
	if (t->nested_run > LOOP_REHOME_RUN ||
	    lw_loop_fd_file(lw_wait_key_fd(t->home[0])) != t->home_file[0]) {
		loop_take_home(t, key);
		*fresh = true;
		return true;
	}
	return false;
}

#endif
