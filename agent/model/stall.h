/* SPDX-License-Identifier: GPL-2.0 */
/* A stall as reported: its parts and the cause, the largest part. */
#ifndef LOOPWATCH_STALL_H
#define LOOPWATCH_STALL_H

#include <stdbool.h>
#include <stdint.h>
#include "loop.h"

enum lw_cause { LW_CAUSE_CPU = 0, LW_CAUSE_RUNQUEUE, LW_CAUSE_BLOCKED, LW_CAUSE_MAX };

/* What the stall most likely is (docs/runtimes.md "Parked threads"). */
enum lw_stall_kind {
	LW_KIND_LOOP = 0,	/* an iteration of a loop that took this long */
	LW_KIND_PARKED,		/* an idle park of a pool thread, not a stall */
};

struct lw_stall {
	double duration_ms;
	double part_ms[LW_CAUSE_MAX];
	enum lw_cause cause;
	char syscall[32];	/* for blocked: the call slept in longest; else "" */
	bool nested;		/* that call is a wait: a private loop inside the window */
	uint32_t wait_kind;	/* the thread's home wait (enum lw_wait_kind) */
	enum lw_stall_kind kind;
	const struct lw_stall_stacks *stacks;	/* NULL: none (agent/model/stacks.h) */
};

const char *lw_cause_name(enum lw_cause cause);
const char *lw_stall_kind_name(enum lw_stall_kind kind);
/* The rule for threads of no recognised runtime: a stall is a park when it
 * was blocked, longest in futex, and its thread's last wait was on an epoll
 * instance another thread of its process waits on too (shared_wait): the
 * threads take turns polling one instance, as a Go netpoller or a tokio I/O
 * driver does. A thread that is its instance's only waiter (a
 * single-threaded loop, one epoll per thread) is never parked. */
enum lw_stall_kind lw_stall_kind_of(const struct lw_stall *s, bool shared_wait);
void lw_stall_from_event(const struct lw_stall_event *e, struct lw_stall *out);

#endif
