/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loop threads: the per-thread state the probes keep for every thread seen in
 * a loop wait (epoll, poll, select, io_uring), and the stall record. See
 * DESIGN.md "What is measured" and docs/detections.md "Home and nested waits".
 */
#ifndef LOOPWATCH_LOOP_H
#define LOOPWATCH_LOOP_H

#include "event.h"

/* Lag histogram: slot 0 holds [0, 2) us, slot i >= 1 holds [2^i, 2^(i+1)) us. */
#define LW_LAG_SLOTS 32
/* Distinct system calls whose sleeps one busy window keeps apart. */
#define LW_SYS_SLOTS 4
/* Pseudo system call number for sleeps outside any system call. */
#define LW_NR_PAGEFAULT 0xffffffffu
/* Pseudo number collecting the sleeps of calls that found no free slot. */
#define LW_NR_OTHER 0xfffffffeu

/* Histogram slot of a lag, shared by the probes of every family (and by the
 * unit tests): floor(log2(us)), unrolled by halves so the verifier sees no
 * loop. */
static inline __attribute__((always_inline)) __u32 lw_lag_slot(__u64 ns)
{
	__u64 us = ns / 1000;
	__u32 slot = 0;

	if (us < 2)
		return 0;
	if (us >> 32) { us >>= 32; slot += 32; }
	if (us >> 16) { us >>= 16; slot += 16; }
	if (us >> 8) { us >>= 8; slot += 8; }
	if (us >> 4) { us >>= 4; slot += 4; }
	if (us >> 2) { us >>= 2; slot += 2; }
	if (us >> 1) { slot += 1; }
	return slot < LW_LAG_SLOTS ? slot : LW_LAG_SLOTS - 1;
}

/* The kinds of loop wait. A wait's key is its kind and the fd that names
 * its instance: the epoll fd, the first pollfd's fd, the lowest fd of a
 * select's read set, the ring's fd. */
enum lw_wait_kind {
	LW_WAIT_NONE = 0,
	LW_WAIT_EPOLL,		/* epoll_wait, epoll_pwait, epoll_pwait2 */
	LW_WAIT_POLL,		/* poll, ppoll */
	LW_WAIT_SELECT,		/* select, pselect6 */
	LW_WAIT_URING,		/* io_uring_enter with IORING_ENTER_GETEVENTS */
	LW_WAIT_KINDS,
};

static inline __attribute__((always_inline)) __u32 lw_wait_key(__u32 kind, __s32 fd)
{
	return kind << 24 | ((__u32)fd & 0xffffffu);
}

static inline __attribute__((always_inline)) __u32 lw_wait_key_kind(__u32 key)
{
	return key >> 24;
}

static inline __attribute__((always_inline)) __u32 lw_wait_key_fd(__u32 key)
{
	return key & 0xffffffu;
}

enum lw_off_kind {
	LW_OFF_NONE = 0,
	LW_OFF_RUNNABLE = 1,	/* preempted or yielded: waiting for a CPU */
	LW_OFF_BLOCKED = 2,	/* asleep */
};

struct lw_sys_slot {
	__u32 nr;
	__u32 pad;
	__u64 ns;
};

/* Charge a sleep to its system call: the call's own slot, the first free
 * one, or LW_NR_OTHER in the last slot when all are taken. The probes charge
 * each sleep when the thread comes back; the agent, an ongoing one the same
 * way when it reports a stall still in progress. */
static inline __attribute__((always_inline)) void lw_charge_sleep(struct lw_sys_slot *sys,
								   __u32 nr, __u64 ns)
{
	for (int i = 0; i < LW_SYS_SLOTS; i++) {
		if (sys[i].nr == nr && sys[i].ns) {
			sys[i].ns += ns;
			return;
		}
		if (!sys[i].ns) {
			sys[i].nr = nr;
			sys[i].ns = ns;
			return;
		}
	}
	sys[LW_SYS_SLOTS - 1].nr = LW_NR_OTHER;
	sys[LW_SYS_SLOTS - 1].ns += ns;
}

/* Value of the lw_threads map, keyed by tid. Written only by the thread's
 * own probes (they run one at a time for a given thread), read by the agent. */
struct lw_thread {
	__u32 pid;
	__u16 in_wait;		/* inside a home wait call now */
	__u16 exited;		/* the thread is gone; the agent deletes the entry
				 * after folding its last counts in */
	__u64 start_time;	/* task start time: tells a reused tid apart */
	__u64 proc_start_time;	/* the process's: tells a reused pid apart */
	__u64 wait_enter_ns;
	__u64 wait_exit_ns;	/* start of the current busy window; 0: none yet */
	/* current busy window */
	__u64 off_since_ns;	/* switched out at; 0 when on CPU */
	__u32 off_kind;		/* enum lw_off_kind */
	__u32 off_nr;		/* system call slept in, or LW_NR_PAGEFAULT */
	__u64 runq_ns;
	__u64 blocked_ns;
	struct lw_sys_slot sys[LW_SYS_SLOTS];
	/* running totals, read by the agent every interval */
	__u64 iterations;
	__u64 stalls;
	__u64 busy_ns;
	/* Largest lag per interval. The agent bumps lw_epoch at each interval's
	 * end; slot (epoch & 1) is written, the other is left for it to read. */
	__u64 max_lag_ns[2];
	__u64 max_epoch[2];
	__u64 lag_hist[LW_LAG_SLOTS];
	char comm[LW_COMM_LEN];	/* the process's comm */
	/* Loop saturation: maxevents of the current wait call, and the running
	 * total of wait calls that returned that many events. */
	__u32 maxevents;
	__u32 place;		/* as lw_busy counts it (enum loop_place, bpf/loop.bpf.h) */
	__u64 saturated;
	/* a herd's sign, seen by the always-on tier while the readiness
	 * hand-over is off (docs/performance.md): accepts that found nothing,
	 * and wake-ups inside a wait call that slept again in it */
	__u64 futile_seen;
	__s32 epfd;		/* of the epoll wait in progress or the last one; -1
				 * when the home wait is not epoll */
	/* The home waits (keys, lw_wait_key()): [0] the instance the thread
	 * waits on most, [1] a second one it waits on in turn with the first.
	 * home_file: the struct file of each key's fd when it was taken, so
	 * that a closed home is told from a nested wait. */
	__u32 home[2];
	__u64 home_file[2];
	/* Waits on another instance inside the current busy window: its key
	 * and how many in a row. cohome_key/cohome_run: the instance that the
	 * last windows each waited on exactly once, and how many windows. */
	__u32 nested_key;
	__u16 nested_run;
	__u16 cohome_run;
	__u32 cohome_key;
	__u32 pad_home;
};
_Static_assert(sizeof(struct lw_thread) == 536, "lw_thread layout");

struct lw_stall_event {
	struct lw_event_hdr hdr;
	__u64 duration_ns;
	__u64 cpu_ns;
	__u64 runq_ns;
	__u64 blocked_ns;
	struct lw_sys_slot sys[LW_SYS_SLOTS];
	__u64 started_ns;	/* the window's start: names its stack records */
	__u32 wait_kind;	/* of the thread's home wait (enum lw_wait_kind) */
	__u32 pad;
};
_Static_assert(sizeof(struct lw_stall_event) == 152, "lw_stall_event layout");

#endif
