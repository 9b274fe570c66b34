/* SPDX-License-Identifier: GPL-2.0 */
/* A stall as reported: its parts and the cause, the largest part. */
#ifndef LOOPWATCH_STALL_H
#define LOOPWATCH_STALL_H

#include "loop.h"

enum lw_cause { LW_CAUSE_CPU = 0, LW_CAUSE_RUNQUEUE, LW_CAUSE_BLOCKED, LW_CAUSE_MAX };

struct lw_stall {
	double duration_ms;
	double part_ms[LW_CAUSE_MAX];
	enum lw_cause cause;
	char syscall[32];	/* for blocked: the call slept in longest; else "" */
};

const char *lw_cause_name(enum lw_cause cause);
void lw_stall_from_event(const struct lw_stall_event *e, struct lw_stall *out);

#endif
