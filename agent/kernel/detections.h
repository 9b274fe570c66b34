/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel let the agent attach, and what that leaves an operator:
 * the logical hooks the probes need (each served by one of several
 * programs, chosen at start), and the detections built on them, each on,
 * degraded or off with the reason. Plain C: the loader fills the hook
 * states, everything here is unit-tested without BPF.
 */
#ifndef LOOPWATCH_DETECTIONS_H
#define LOOPWATCH_DETECTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include "detect.h"

enum lw_hook_id {
	LW_HK_WAIT,		/* epoll wait entry and return */
	LW_HK_CTL,		/* epoll_ctl */
	LW_HK_ACCEPT,		/* accept, accept4 */
	LW_HK_SWITCH,		/* sched_switch */
	LW_HK_EXIT,		/* sched_process_exit */
	LW_HK_WAKING,		/* sched_waking */
	LW_HK_DATA_READY,	/* data or a connection queued on a socket */
	LW_HK_RECV,		/* a socket receive returned */
	LW_HK_SEND,		/* a socket send returned */
	LW_HK_SENDMSG,		/* a TCP send began */
	LW_HK_SOCK_STATE,	/* TCP state changes */
	LW_HK_KFREE,		/* packets dropped */
	LW_HK_RETRANS,		/* TCP retransmits */
	LW_HK_SYNACK,		/* SYN-ACK retransmits */
	LW_HK_EXCEED,		/* protocol memory pressure */
	LW_HK_SWEEP,		/* the per-interval descriptor and socket sweep */
	LW_HK_STACKS,		/* sched_switch, for the stacks of blocked stalls */
	LW_HK_SAMPLE,		/* cpu-clock perf events, for the stacks of cpu stalls */
	LW_HK_WAIT_POLL,	/* poll, ppoll, select, pselect6 waits */
	LW_HK_WAIT_URING,	/* io_uring_enter waits */
	LW_HK_MAX,
};

enum lw_det_id {
	LW_DET_LOOP_LAG,
	LW_DET_STALLS,
	LW_DET_HERD,
	LW_DET_LT_HOT_LOOP,
	LW_DET_UNDRAINED_ET,
	LW_DET_READINESS_LAG,
	LW_DET_BACKPRESSURE,
	LW_DET_DROPS,
	LW_DET_RETRANSMITS,
	LW_DET_FD_HEADROOM,
	LW_DET_STACKS,
	LW_DET_MAX,
};

enum lw_det_state { LW_DET_OFF = 0, LW_DET_DEGRADED, LW_DET_ON };

#define LW_WHY_LEN 240

struct lw_hook_state {
	bool on;			/* its programs loaded and attached */
	const char *path;		/* "tracepoint", "tp_btf", "fentry", "kprobe", "iter" */
	char why[LW_WHY_LEN];		/* when off: what the kernel lacks or refused */
};

struct lw_detection {
	enum lw_det_state state;
	bool asked;			/* its family was asked for (--detect) */
	char why[LW_WHY_LEN];		/* what is missing, when not on */
};

struct lw_detections {
	struct lw_detection det[LW_DET_MAX];
};

/* The start line's and the textfile's name of a detection or a hook. */
const char *lw_det_name(enum lw_det_id d);
const char *lw_hook_name(enum lw_hook_id h);
/* "on", "degraded: ...", "off: ..." into buf. */
const char *lw_det_describe(const struct lw_detection *d, char *buf, size_t len);

/*
 * From the hooks that are on and the families that are on and were asked
 * for (enum lw_detect bits), what each detection can do. family_why[i] says
 * why family bit i is off (NULL: not asked for with --detect).
 */
void lw_detections_compute(struct lw_detections *out, const struct lw_hook_state hooks[LW_HK_MAX],
			   uint32_t families, uint32_t asked, const char *const family_why[LW_FAMILIES]);

#endif
