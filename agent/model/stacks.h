/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stacks of stalls: the stack records (include/stack.h) kept until the
 * stall of their busy window is reported, and the stack that stall gets.
 *
 *  - A blocked stall gets the stack of the longest sleep captured in its
 *    window (a sleep still going on counts as long as it has lasted so far),
 *    its user stack and its kernel stack.
 *  - Any other gets the most frequent of the user stacks sampled in its
 *    window, with the number of samples behind it; a blocked one without a
 *    capture falls back to these too.
 *
 * A window is known by (tid, its start). The last LW_STK_KEEP captures are
 * kept raw, unwound only when their stall asks; samples are unwound as they
 * come (so their stacks can be counted), for the last LW_STK_GROUPS windows.
 * The unwinder is a function, so that the tests can feed synthetic records.
 */
#ifndef LOOPWATCH_STACKS_H
#define LOOPWATCH_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "stack.h"
#include "model/stacks_unwind.h"

#define LW_STK_KEEP 48
#define LW_STK_GROUPS 16
#define LW_STK_DISTINCT 6

/* What a stall line shows (JSON "stack", "kernel_stack", "stack_samples"). */
struct lw_stall_stacks {
	struct lw_stack user;
	struct lw_stack kernel;		/* blocked stalls only; n 0 otherwise */
	unsigned int samples;		/* samples behind user; 0 for a capture */
	unsigned int sampled;		/* samples the window had in all */
};

typedef unsigned int (*lw_stk_unwind_fn)(void *ctx, const struct lw_stk_capture *c,
					 struct lw_stack *user, struct lw_stack *kernel);

struct lw_stk_slot {
	struct lw_stk_capture *raw;	/* NULL: free */
	uint64_t slept_ns;		/* 0: the sleep has not ended yet */
	uint64_t order;
};

struct lw_stk_group {
	uint32_t pid, tid;
	uint64_t window_ns;
	uint64_t order;			/* 0: free */
	unsigned int total, n;
	unsigned int count[LW_STK_DISTINCT];
	struct lw_stack st[LW_STK_DISTINCT];
};

struct lw_stacks {
	struct lw_stk_slot slot[LW_STK_KEEP];
	struct lw_stk_group *groups;	/* LW_STK_GROUPS */
	uint64_t order;
	lw_stk_unwind_fn unwind;
	void *unwind_ctx;
	uint64_t records, dropped;	/* stack records taken in, and of them malformed */
	uint64_t unwind_ns, unwinds;	/* time spent unwinding (the bench) */
	uint64_t first_unwind_ns;	/* of them the first, which fills the caches */
};

int lw_stacks_init(struct lw_stacks *st, lw_stk_unwind_fn fn, void *ctx);
void lw_stacks_free(struct lw_stacks *st);
/* Is this ring-buffer record a stack record? */
bool lw_stacks_is_record(const void *data, size_t len);
/* Take one stack record in. Returns 0, or -EINVAL for a malformed one. */
int lw_stacks_add(struct lw_stacks *st, const void *data, size_t len);
/*
 * The stacks of the window of tid that started at window_ns, into out.
 * blocked: the stall's cause. now_ns (CLOCK_MONOTONIC) prices a sleep
 * still going on. done: the window has ended (a stall, not one in
 * progress): its records are let go. False when there are none.
 */
bool lw_stacks_for_window(struct lw_stacks *st, uint32_t tid, uint64_t window_ns, bool blocked,
			  uint64_t now_ns, bool done, struct lw_stall_stacks *out);

#endif
