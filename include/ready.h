/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Readiness hand-over: herds, level-triggered hot loops, undrained
 * edge-triggered sockets and readiness lag (DESIGN.md "Herd", "Undrained
 * edge-triggered socket", "Readiness lag"). Map keys and values of
 * bpf/ready.bpf.h, the records it sends, and the knobs of the state machines
 * in ready_sm.h. Shared by BPF and userspace: fixed-width types only.
 */
#ifndef LOOPWATCH_READY_H
#define LOOPWATCH_READY_H

#include "event.h"
#include "loop.h"

/* Events of one wait call that are followed; the rest are not looked at. */
#define LW_RD_SLOTS 8
/* A level-triggered fd returned readable this many iterations in a row with
 * nothing consumed from it is a hot loop. */
#define LW_RD_HOT_RUN 64
/* While a hot loop goes on it is reported again at most this often. */
#define LW_RD_HOT_REPEAT_NS 1000000000ull
/* A wake-up of a loop thread is charged to the readiness event that ran on
 * the same CPU at most this long before it, with no context switch between. */
#define LW_RD_WAKE_WINDOW_NS 1000000ull
/* A wait that returns 0 events this much before its timeout was woken for
 * nothing (timer slack is far below this). */
#define LW_RD_EARLY_NS 1000000ull
/* Fan-out: loop threads woken for one event before it is a herd. */
#define LW_RD_HERD_MIN 2

/* epoll flags as the system calls see them (vmlinux.h has no macros). */
#define LW_EPOLLIN 0x001u
#define LW_EPOLLOUT 0x004u
#define LW_EPOLLEXCLUSIVE (1u << 28)
#define LW_EPOLLONESHOT (1u << 30)
#define LW_EPOLLET (1u << 31)
#define LW_EPOLL_CTL_ADD 1
#define LW_EPOLL_CTL_DEL 2
#define LW_EPOLL_CTL_MOD 3
#define LW_EAGAIN 11

/* What an fd is, as far as these detections care. */
enum lw_rd_kind {
	LW_RD_UNKNOWN = 0,	/* not resolved yet */
	LW_RD_NOTSOCK,		/* eventfd, timerfd, pipe... */
	LW_RD_TCP,		/* a TCP connection: unread bytes are known */
	LW_RD_TCP_LISTEN,
	LW_RD_SOCK,		/* any other socket */
};

/* A socket as the fd table shows it (filled by the probes' fd walk). */
struct lw_rd_sockinfo {
	__u64 sk;
	__u32 kind;		/* enum lw_rd_kind */
	__u16 lport;		/* host order */
	__u16 rport;
};

/*
 * Registrations, three entries per (process, epoll fd, fd): by fd (epoll_ctl
 * names the fd), by user data (what a wait call returns) and by socket (what
 * sk_data_ready names). fd numbers are reused after close() without any
 * epoll_ctl; the next ADD of the number replaces all three.
 */
enum lw_rd_reg_kind { LW_RD_BY_FD = 1, LW_RD_BY_DATA, LW_RD_BY_SK };

struct lw_rd_reg_key {
	__u32 pid;
	__s32 epfd;
	__u32 kind;		/* enum lw_rd_reg_kind */
	__u32 pad;
	__u64 val;		/* fd, user data or socket */
};
_Static_assert(sizeof(struct lw_rd_reg_key) == 24, "lw_rd_reg_key layout");

struct lw_rd_reg {
	__u64 data;
	__u64 sk;		/* 0: not a socket or not resolved yet (see kind) */
	__s32 fd;
	__u32 events;		/* as registered: EPOLLIN, EPOLLET, EPOLLONESHOT... */
	__u32 kind;		/* enum lw_rd_kind */
	__u32 pad;
};
_Static_assert(sizeof(struct lw_rd_reg) == 32, "lw_rd_reg layout");

/*
 * A watched socket, keyed by its struct sock address. One entry however many
 * epoll instances watch it. The fan-out event in progress lives here because
 * the threads it woke resolve it on other CPUs; ev_pending counts the woken
 * threads not yet resolved plus one while the waker may still wake more.
 */
struct lw_rd_sock {
	__u64 ready_ts;		/* first arrival not handed over yet; 0: none */
	__u64 edge_ts;		/* last sk_data_ready */
	__u32 kind;		/* enum lw_rd_kind */
	__u16 lport;
	__u16 rport;
	/* fan-out event */
	__u64 ev_ts;		/* its sk_data_ready: the event's identity */
	__s32 ev_pending;
	__u32 ev_woken;
	__u32 ev_futile;
	__u32 ev_pid;		/* the process that took it, else the first woken */
	__s32 ev_fd;		/* the socket's fd in that process */
	__u32 ev_taken;		/* a woken thread found something */
	char ev_comm[LW_COMM_LEN];
	/* undrained edge-triggered episode */
	__u64 und_ts;		/* last wait entered with bytes left; 0: none */
	__u64 drained_ts;	/* last read that found it empty (EAGAIN or EOF) */
	__u32 und_bytes;	/* bytes left at und_ts */
	__u32 und_pid;
	__u32 und_tid;
	__s32 und_fd;
	__u32 und_reported;	/* this episode was reported */
	__u32 pad[3];
};
_Static_assert(sizeof(struct lw_rd_sock) == 120, "lw_rd_sock layout");

/* One event a wait call returned. */
struct lw_rd_slot {
	__u64 data;		/* user data as returned */
	__u64 sk;		/* 0: not a socket we know */
	__s32 fd;		/* -1: registration not seen */
	__u32 reg_events;	/* as registered; 0 when not seen */
	__u32 rev;		/* as returned */
	__u32 run;		/* returns in a row with nothing consumed */
	__u64 hot_ns;		/* last hot-loop report of this run; 0: none */
	__u8 kind;		/* enum lw_rd_kind */
	__u8 consumed;		/* a read or accept on it got something */
	__u8 eagain;		/* a read or accept on it found it empty */
	__u8 eof;
	__u32 copied;		/* TCP: copied_seq when returned; any reader moves it */
	__u32 rcv_end;		/* ET TCP: rcv_nxt when returned, the bytes this edge told of */
	__u32 pad;
};
_Static_assert(sizeof(struct lw_rd_slot) == 56, "lw_rd_slot layout");

/* Value of the ready_threads map, keyed by tid. Written by the thread's own
 * probes, except woken/wake_* which its waker sets while it sleeps. */
struct lw_rd_thread {
	__u32 pid;
	__u32 exited;		/* the agent deletes it after its last read */
	__u64 start_time;	/* tells a reused tid apart */
	__u64 proc_start_time;
	char comm[LW_COMM_LEN];
	/* the wait call in progress, or the last one */
	__u64 events_ptr;
	__u64 deadline_ns;	/* ~0: no timeout */
	__s32 epfd;
	__s32 op_fd;		/* accept in flight */
	__u8 in_wait;
	__u8 woken;		/* woken inside the wait call in progress: 1, or 2
				 * while the sleep it raced with completes */
	__u8 pending_first;	/* returned events; first read or accept not seen */
	__u8 cur;		/* slots[cur] holds what the last wait returned */
	__u8 nslots[2];
	__u8 et_slots;		/* of them, edge-triggered TCP: checked at entry */
	__u8 op_slots;		/* of them, sockets whose receives matter (edge-
				 * triggered TCP, other level-triggered sockets) */
	__s32 slot_epfd;	/* the epoll fd they came from */
	__u32 era;		/* lw_rd_era of the wait call in progress */
	__u64 slot_gen;		/* lw_rd_gen when they were resolved */
	__u64 wake_sk;		/* the event that woke it, if charged to one */
	__u64 wake_ev;
	__s32 wake_fd;		/* that socket's fd here */
	__u32 pad2;
	struct lw_rd_slot slots[2][LW_RD_SLOTS];
	/* running totals, read by the agent every interval */
	__u64 wakeups;
	__u64 futile;
	__u64 ready_hist[LW_LAG_SLOTS];	/* readiness lag, same slots as loop lag */
	__u64 ready_max_ns[2];		/* per epoch, as lw_thread.max_lag_ns */
	__u64 ready_epoch[2];
};
_Static_assert(sizeof(struct lw_rd_thread) == 1312, "lw_rd_thread layout");

/* Per CPU: the readiness event whose wake-ups are running on this CPU. */
struct lw_rd_cur {
	__u64 sk;
	__u64 ts;
	__u32 woke;		/* it woke a loop thread: its event is open */
	__u32 pad;
};

/* epoll_ctl in flight, between its entry and its exit. */
struct lw_rd_ctl {
	__s32 epfd;
	__s32 op;
	__s32 fd;
	__u32 events;
	__u64 data;
};

/* struct epoll_event as user space lays it out on x86-64 (packed). */
struct lw_rd_epev {
	__u32 events;
	__u32 data_lo;
	__u32 data_hi;
};
_Static_assert(sizeof(struct lw_rd_epev) == 12, "lw_rd_epev layout");

struct lw_herd_event {
	struct lw_event_hdr hdr;	/* pid/comm: the owning process; tid 0 */
	__u64 sk;
	__u64 ev_ts;
	__u32 woken;
	__u32 futile;
	__s32 fd;
	__u16 port;
	__u16 pad;
};
_Static_assert(sizeof(struct lw_herd_event) == 72, "lw_herd_event layout");

struct lw_hot_event {
	struct lw_event_hdr hdr;
	__s32 fd;
	__u32 wakeups;			/* returns in a row with nothing consumed */
	__u16 lport;
	__u16 rport;
	__u32 pad;
};
_Static_assert(sizeof(struct lw_hot_event) == 56, "lw_hot_event layout");

struct lw_undrained_event {
	struct lw_event_hdr hdr;
	__u64 sk;			/* to follow the socket for starvation */
	__s32 fd;
	__u32 bytes_left;
	__u16 lport;
	__u16 rport;
	__u32 pad;
	/* found by the sweep: the file of the epoll instance that holds the
	 * socket edge-triggered, and hdr.tid is the pid; 0 from a wait call */
	__u64 ep_file;
};
_Static_assert(sizeof(struct lw_undrained_event) == 72, "lw_undrained_event layout");

#endif
