/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connections made: attempts and their outcomes per process and remote
 * address:port (retry storms), and the ephemeral ports in use per (local
 * address, remote address:port) against the network namespace's
 * ip_local_port_range. Shared by bpf/connect.bpf.h and the agent; part of
 * the backpressure family. See docs/detections.md "Retry storms".
 */
#ifndef LOOPWATCH_CONNECT_H
#define LOOPWATCH_CONNECT_H

#include "event.h"

/* Sizes of the maps (LRU: a host with more loses the coldest). */
#define LW_CN_MAX_REMOTES 4096
#define LW_CN_MAX_TUPLES 4096
/* Attempt records the probes send per interval at most; past it, attempts
 * are still counted (lw_cn_counts) but their timing is not sent. */
#define LW_CN_EVENTS_PER_INTERVAL 4096

/* Per process and remote address:port (map lw_cn_remotes). */
struct lw_cn_key {
	__u32 pid;
	__u16 family;		/* AF_INET or AF_INET6 */
	__u16 port;		/* host order */
	__u8 addr[16];		/* network order; IPv4 in the first 4 bytes */
};
_Static_assert(sizeof(struct lw_cn_key) == 24, "lw_cn_key layout");

/* Running totals; the agent takes differences. */
struct lw_cn_counts {
	__u64 start_time;	/* the process's: a reused pid starts over */
	__u64 attempts;		/* inet_sock_set_state to SYN_SENT */
	__u64 failures;		/* SYN_SENT to CLOSE with a local port: refused, reset, timed out */
	__u64 syn_retrans;	/* SYNs sent again */
	__u64 addrnotavail;	/* SYN_SENT to CLOSE before a local port was found: EADDRNOTAVAIL */
};
_Static_assert(sizeof(struct lw_cn_counts) == 40, "lw_cn_counts layout");

/* One connection attempt, for its timing (bounded per interval). */
struct lw_cn_event {
	struct lw_event_hdr hdr;
	__u64 sk;		/* the socket's address: tells sockets apart */
	__u16 family;
	__u16 port;		/* remote, host order */
	__u32 pad;
	__u8 addr[16];		/* remote */
};
_Static_assert(sizeof(struct lw_cn_event) == 72, "lw_cn_event layout");

/* Ephemeral ports in use per network namespace, local address and remote
 * address:port (map lw_cn_ports), rewritten by every sweep. */
struct lw_port_key {
	__u32 netns;		/* the namespace's inode number */
	__u16 family;
	__u16 port;		/* remote, host order */
	__u8 laddr[16];
	__u8 raddr[16];
};
_Static_assert(sizeof(struct lw_port_key) == 40, "lw_port_key layout");

struct lw_port_use {
	__u64 epoch;		/* epoch + 1 of the sweep that counted */
	__u64 start_time;	/* of pid */
	__u32 used;		/* connected sockets holding a port of the range */
	__u16 lo, hi;		/* ip_local_port_range of the namespace */
	__u32 pid;		/* the process holding the most of them */
	__u32 pid_used;		/* how many it holds */
	__u32 cur_pid;		/* the process the sweep is in, and its count so far */
	__u32 cur_used;
	char comm[LW_COMM_LEN];	/* pid's */
};
_Static_assert(sizeof(struct lw_port_use) == 56, "lw_port_use layout");

#endif
