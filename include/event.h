/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records the probes send to the agent through the ring buffer. Every record
 * starts with struct lw_event_hdr; its type says which struct follows.
 * Shared by BPF and userspace: fixed-width types only, explicit padding.
 */
#ifndef LOOPWATCH_EVENT_H
#define LOOPWATCH_EVENT_H

/* BPF code gets the __u* types from vmlinux.h, which clashes with the uapi header. */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define LW_COMM_LEN 16

enum lw_event_type {
	LW_EV_STALL = 1,
	LW_EV_HERD = 2,
	LW_EV_LT_HOT_LOOP = 3,
	LW_EV_UNDRAINED_ET = 4,
	LW_EV_BACKPRESSURE = 5,
	LW_EV_CONNECT = 6,	/* a connection attempt (include/connect.h) */
	LW_EV_TYPE_MAX,
};

struct lw_event_hdr {
	__u32 type;	/* enum lw_event_type */
	__u32 size;	/* whole record, header included */
	__u32 pid;	/* tgid */
	__u32 tid;
	__u64 ts_ns;	/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	char comm[LW_COMM_LEN]; /* the process's (group leader's) comm */
};
_Static_assert(sizeof(struct lw_event_hdr) == 40, "lw_event_hdr layout");

/* Counters the probes keep per CPU in the lw_stats array; index = enum. */
enum lw_stat {
	LW_STAT_EVENTS_LOST = 0,	/* ring buffer reservations that failed */
	LW_STAT_THREADS_DROPPED,	/* loop threads the map had no room for */
	LW_STAT_MAX,
};

#endif
