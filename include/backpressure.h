/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Backpressure: socket queue occupancy, drops, accept queues, retransmits
 * and headroom. Map values and the event record shared by
 * bpf/backpressure.bpf.h and the agent. See DESIGN.md "Backpressure".
 */
#ifndef LOOPWATCH_BACKPRESSURE_H
#define LOOPWATCH_BACKPRESSURE_H

#include "event.h"

enum lw_bp_queue {
	LW_BPQ_RCV = 0,		/* sk_rmem_alloc / sk_rcvbuf */
	LW_BPQ_SND = 1,		/* sk_wmem_queued / sk_sndbuf */
	LW_BPQ_ACCEPT = 2,	/* sk_ack_backlog / sk_max_ack_backlog */
	LW_BPQ_MAX,
};

/* Ratios travel as fixed point so the probes need no floating point. */
#define LW_BP_ONE 1000000u
/* A queue at least this full is reported as a backpressure event. */
#define LW_BP_NOTABLE 900000u

/* Sizes of the maps; all are LRU, so a host with more loses the coldest. */
#define LW_BP_MAX_PROCS 8192
#define LW_BP_MAX_REMOTES 4096

/*
 * Per-process figures (map lw_bp_procs, keyed by pid). Counters are running
 * totals the agent takes differences of; high-water marks are kept per
 * interval in slot (epoch & 1) like the loop threads' max lag; the sweep
 * fields are rewritten by every sweep (iter/task_file) the agent runs.
 */
struct lw_bp_proc {
	__u64 start_time;	/* the process's: a reused pid starts over */
	__u64 retransmits;	/* TCP segments (and SYN-ACKs) sent again */
	__u64 drops;		/* packets dropped for want of buffer space */
	__u64 mem_pressure;	/* sock_exceed_buf_limit: protocol memory exhausted */
	__u64 snd_eagain;	/* sends that returned EAGAIN */
	__u64 snd_partial;	/* sends cut short by a full send buffer */
	__u64 accept_overflows;	/* connections its listeners refused */
	__u64 snd_wait_ns;	/* blocking sends that did not fit: time inside them */
	__u64 hw_epoch[2];
	__u32 hw[2][LW_BPQ_MAX];	/* LW_BP_ONE = 1.0 */
	__u64 sweep_epoch;	/* epoch + 1 of the sweep that wrote the fields below */
	__u64 fds;		/* open file descriptors */
	__u64 fd_limit;		/* RLIMIT_NOFILE, soft */
	__u64 sock_mem;		/* bytes held by its TCP/UDP sockets' queues */
	/* TCP sockets whose unread bytes were there at the sweep before too: a
	 * loop that leaves them (an undrained edge, a hot loop, a slow reader),
	 * the detail tier's trigger (docs/performance.md) */
	__u64 lingering;
	/* connections made (bpf/connect.bpf.h): include/connect.h says what each is */
	__u64 connect_attempts;
	__u64 connect_failures;
	__u64 syn_retrans;
	__u64 connect_addrnotavail;
	char comm[LW_COMM_LEN];
};
_Static_assert(sizeof(struct lw_bp_proc) == 192, "lw_bp_proc layout");

/*
 * Per-socket state, in socket-local storage (freed with the socket, so a
 * recycled struct sock never inherits an old owner). Cloned into the
 * connections a listener accepts, which start out charged to its owner.
 */
struct lw_bp_sock {
	__u32 pid;		/* owner (tgid) */
	__u32 tid;		/* last thread that used it in process context */
	__u64 start_time;	/* owner's start time */
	__u64 self;		/* address of this socket; a fresh clone holds its listener's */
	__u64 hw_epoch;		/* epoch + 1 of hw[] */
	__u64 ev_epoch[LW_BPQ_MAX]; /* epoch + 1 of the last event per queue */
	__u32 hw[LW_BPQ_MAX];	/* this socket's high-water marks of hw_epoch */
	__u32 drops_pending;	/* drops (overflows for a listener) no event carried yet */
	__u32 drops_seen;	/* listener: its sk_drops at the last look */
	__s32 fd;		/* -1 until a sweep finds it in the owner's table */
	__u8 watched;		/* 0: a filtered-out process owns it */
	__u8 is_listener;
	__u8 is_tcp;
	__u8 pad;
	__u32 send_want;	/* bytes the send under way asked for */
	__u64 send_start;	/* a blocking send that may wait for room began */
	char comm[LW_COMM_LEN];
	__u32 rcv_mark;		/* TCP: rcv_nxt at the last sweep */
	__u32 copied_mark;	/* TCP: copied_seq at the last sweep */
};
_Static_assert(sizeof(struct lw_bp_sock) == 120, "lw_bp_sock layout");

/* Retransmits per process and remote address (map lw_bp_remotes). */
struct lw_bp_remote_key {
	__u32 pid;
	__u16 family;		/* AF_INET or AF_INET6 */
	__u16 pad;
	__u8 addr[16];		/* network order; IPv4 in the first 4 bytes */
};
_Static_assert(sizeof(struct lw_bp_remote_key) == 24, "lw_bp_remote_key layout");

/* A queue crossed LW_BP_NOTABLE or dropped: at most one per socket and queue
 * per interval. */
struct lw_bp_event {
	struct lw_event_hdr hdr;
	__u32 queue;		/* enum lw_bp_queue */
	__s32 fd;		/* -1 when not known yet */
	__u32 ratio;		/* LW_BP_ONE = 1.0 */
	__u32 drops;		/* packets (rcv) or connections (accept) dropped since the last event */
	__u32 queued;		/* bytes, or connections for accept */
	__u32 limit;		/* bytes, or the accept backlog */
	__u16 local_port;
	__u16 remote_port;
	__u32 pad;
};
_Static_assert(sizeof(struct lw_bp_event) == 72, "lw_bp_event layout");

#endif
