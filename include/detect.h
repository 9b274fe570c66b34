/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Detection families, shared by the agent (--detect) and the probes, which
 * read the chosen set as a constant before loading: a hook shared by several
 * families runs one program, and the verifier drops the parts of families
 * that are off.
 */
#ifndef LOOPWATCH_DETECT_H
#define LOOPWATCH_DETECT_H

/* Loop lag is the foundation and always on; the others add hooks that fire
 * per packet and can be left out where cost matters. */
enum lw_detect {
	LW_DETECT_LOOP = 1u << 0,
	LW_DETECT_READINESS = 1u << 1,
	LW_DETECT_BACKPRESSURE = 1u << 2,
	LW_DETECT_ALL = (1u << 3) - 1,
	/* The stacks of stalls: not a --detect family but --no-stacks (on by
	 * default); their programs are their own (bpf/stacks.bpf.h). */
	LW_DETECT_STACKS = 1u << 3,
};
/* Families with a bit above: the loader's and the detections' arrays. */
#define LW_FAMILIES 4

/* How epoll waits are hooked (--hooks). */
enum lw_hooks {
	LW_HOOKS_AUTO = 0,	/* fentry where the kernel allows it, else tracepoints */
	LW_HOOKS_FENTRY,
	LW_HOOKS_KPROBE,
	LW_HOOKS_TRACEPOINT,
};

#endif
