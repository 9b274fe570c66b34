// SPDX-License-Identifier: GPL-2.0
/*
 * Readiness hand-over: herds, level-triggered hot loops, undrained
 * edge-triggered sockets and readiness lag. The hooks here only gather what
 * the kernel knows (registrations, returned events, wake-ups, receives,
 * accepts) and feed the state machines of bpf/ready_sm.h, which the unit
 * tests run on the same code. Only notable events reach the ring buffer.
 *
 * Included once, by loopwatch.bpf.c, which runs the handlers of hooks shared
 * with other families; the programs of hooks only this family uses are here.
 */
#ifndef LOOPWATCH_READY_BPF_H
#define LOOPWATCH_READY_BPF_H

#include "common.bpf.h"
#include <bpf/bpf_endian.h>
#include "ready.h"

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define LW_AF_INET 2
#define LW_AF_INET6 10
#define LW_IPPROTO_TCP 6
#define LW_SOCK_STREAM 1
#define LW_TCP_LISTEN 10
#define LW_TCP_CLOSE 7
#define LW_MSG_PEEK 2
#define LW_TASK_INTERRUPTIBLE 1

#ifndef LW_RD_MAX_SOCKS_DEFAULT
#define LW_RD_MAX_SOCKS_DEFAULT 65536
#endif

/* Per loop thread; the agent sizes it as lw_threads. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LW_MAX_THREADS_DEFAULT);
	__type(key, __u32);
	__type(value, struct lw_rd_thread);
} ready_threads SEC(".maps");

/* Three entries per registration (see ready.h); the agent sizes it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 3 * LW_RD_MAX_SOCKS_DEFAULT);
	__type(key, struct lw_rd_reg_key);
	__type(value, struct lw_rd_reg);
} ready_regs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LW_RD_MAX_SOCKS_DEFAULT);
	__type(key, __u64);
	__type(value, struct lw_rd_sock);
} ready_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lw_rd_cur);
} ready_cur SEC(".maps");

/* The events a wait call returned, copied from user memory: off the stack,
 * which with bpf_loop's callback frame is over 512 bytes on 6.1. */
struct rd_epevs {
	struct lw_rd_epev ev[LW_RD_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rd_epevs);
} ready_epevs SEC(".maps");

/* epoll_ctl calls between entry and exit, by tid. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct lw_rd_ctl);
} ready_ctl SEC(".maps");

/*
 * Per task: may a receive by this thread matter to readiness? A cheap
 * stand-in for lw_rd_thread's pending_first || op_slots, so that the
 * per-receive hook of a busy level-triggered loop, and of every thread that
 * is no loop, tests one task-local word instead of looking the thread up.
 * Set at each wait return; it may stay set after the flags clear (the next
 * receive then looks the thread up and clears it), never the other way.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} ready_recv_wanted SEC(".maps");

/* Bumped by every registration change (ready_sm.h lw_rd_changed). */
__u64 lw_rd_gen = 0;

/* The hand-over's per-wait work is part of the detail tier: the agent sets
 * this to 0 while the tier is off and to a new number at each engage, so a
 * wait entered before an engage, or a thread's state from an earlier one,
 * is never taken for part of this one. Registrations are forgotten at each
 * release and read from /proc at each engage (agent/kernel/probes_ready.c). */
__u32 lw_rd_era = 1;

/* static: kept out of the skeleton, which would need ready.h everywhere */
static const struct lw_rd_thread lw_rd_zero_thread = {};

#define LW_RD_INLINE static __always_inline
#define LW_RD_FOR(n, fn, ctx) bpf_loop(n, fn, ctx, 0)
#define LW_RD_LOOKUP(map, key) bpf_map_lookup_elem(map, key)
#define LW_RD_UPDATE(map, key, val) bpf_map_update_elem(map, key, val, BPF_ANY)
#define LW_RD_LOOKUP_OR_INIT(map, key, init) bpf_map_lookup_or_try_init(map, key, init)
#define LW_RD_DELETE(map, key) bpf_map_delete_elem(map, key)

static __always_inline void rd_sk_info(struct sock *sk, struct lw_rd_sockinfo *si)
{
	__u16 family;

	si->sk = (__u64)sk;
	si->kind = LW_RD_SOCK;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != LW_AF_INET && family != LW_AF_INET6)
		return;
	si->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	si->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (BPF_CORE_READ(sk, sk_protocol) == LW_IPPROTO_TCP &&
	    BPF_CORE_READ(sk, sk_type) == LW_SOCK_STREAM)
		si->kind = BPF_CORE_READ(sk, __sk_common.skc_state) == LW_TCP_LISTEN ?
			   LW_RD_TCP_LISTEN : LW_RD_TCP;
}

/* Walk the current task's fd table to the socket behind fd, if any. */
static __always_inline int lw_rd_fd_sock(int fd, struct lw_rd_sockinfo *si)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file **fds;
	struct fdtable *fdt;
	struct socket *sock;
	struct file *f = NULL;
	struct sock *sk;
	unsigned int max;
	umode_t mode;

	si->sk = 0;
	si->kind = LW_RD_NOTSOCK;
	si->lport = 0;
	si->rport = 0;
	if (fd < 0)
		return -1;
	fdt = BPF_CORE_READ(task, files, fdt);
	max = BPF_CORE_READ(fdt, max_fds);
	if ((unsigned int)fd >= max)
		return -1;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return -1;
	mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return 0;
	sock = BPF_CORE_READ(f, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (sk)
		rd_sk_info(sk, si);
	return 0;
}

/* The fd under which the epoll instance at epfd of task (a struct
 * task_struct's address) watches the socket sk, from the socket's own list
 * of epoll items; -1 for none. */
static __always_inline __s32 lw_rd_task_watch_fd(__u64 task, __s32 epfd, __u64 sk,
						 struct lw_rd_sockinfo *si)
{
	struct fdtable *fdt = BPF_CORE_READ((struct task_struct *)task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *ep = NULL;
	struct epitem *epi;

	if (epfd < 0 || (unsigned int)epfd >= BPF_CORE_READ(fdt, max_fds) ||
	    bpf_probe_read_kernel(&ep, sizeof(ep), &fds[epfd]) || !ep)
		return -1;
	epi = lw_file_epitem(BPF_CORE_READ((struct sock *)sk, sk_socket, file), (__u64)ep, 0, 0);
	if (!epi)
		return -1;
	rd_sk_info((struct sock *)sk, si);
	return BPF_CORE_READ(epi, ffd.fd);
}

/* Unread bytes, as the kernel's own tcp_inq counts them: a FIN takes one
 * sequence number but is no byte. */
static __always_inline __u32 lw_rd_unread(__u64 skp)
{
	struct tcp_sock *tp = (struct tcp_sock *)skp;
	struct sock *sk = (struct sock *)skp;
	__u32 left = BPF_CORE_READ(tp, rcv_nxt) - BPF_CORE_READ(tp, copied_seq);

	/* a socket freed under us reads as garbage: no sane queue is this big */
	if (left > (1u << 30))
		return 0;
	if (left && (BPF_CORE_READ(sk, __sk_common.skc_flags) & (1ul << SOCK_DONE)))
		left--;
	return left;
}

static __always_inline __u32 lw_rd_copied(__u64 skp)
{
	struct tcp_sock *tp = (struct tcp_sock *)skp;

	return BPF_CORE_READ(tp, copied_seq);
}

static __always_inline __u32 lw_rd_rcv_nxt(__u64 skp)
{
	struct tcp_sock *tp = (struct tcp_sock *)skp;

	return BPF_CORE_READ(tp, rcv_nxt);
}

/* Ports read when reporting: a socket registered before connect() had none. */
static __always_inline void lw_rd_sk_ports(__u64 skp, __u16 *lport, __u16 *rport)
{
	struct sock *sk = (struct sock *)skp;

	*lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	*rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

static __always_inline void lw_rd_emit_herd(const struct lw_rd_sock *s, __u64 sk)
{
	struct lw_herd_event *e;
	__u16 rport;

	e = lw_event_reserve(sizeof(*e), LW_EV_HERD, s->ev_pid, 0, s->ev_comm);
	if (!e)
		return;
	e->sk = sk;
	e->ev_ts = s->ev_ts;
	e->woken = s->ev_woken;
	e->futile = s->ev_futile;
	e->fd = s->ev_fd;
	lw_rd_sk_ports(sk, &e->port, &rport);
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void lw_rd_emit_hot(const struct lw_rd_thread *t, __u32 tid,
					   const struct lw_rd_slot *sl, const struct lw_rd_sock *s)
{
	struct lw_hot_event *e;

	e = lw_event_reserve(sizeof(*e), LW_EV_LT_HOT_LOOP, t->pid, tid, t->comm);
	if (!e)
		return;
	e->fd = sl->fd;
	e->wakeups = sl->run;
	lw_rd_sk_ports(sl->sk, &e->lport, &e->rport);
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void lw_rd_emit_undrained(const struct lw_rd_thread *t, __u32 tid,
						 const struct lw_rd_slot *sl,
						 const struct lw_rd_sock *s)
{
	struct lw_undrained_event *e;

	e = lw_event_reserve(sizeof(*e), LW_EV_UNDRAINED_ET, t->pid, tid, t->comm);
	if (!e)
		return;
	e->sk = sl->sk;
	e->fd = sl->fd;
	e->bytes_left = s->und_bytes;
	lw_rd_sk_ports(sl->sk, &e->lport, &e->rport);
	e->pad = 0;
	e->ep_file = 0;
	bpf_ringbuf_submit(e, 0);
}

#include "ready_sm.h"

/* The thread's entry, made when loop.bpf.h has taken it on as a loop thread
 * (so -p and -c apply here too). */
static __always_inline struct lw_rd_thread *rd_thread(__u32 tid)
{
	struct lw_rd_thread *t = bpf_map_lookup_elem(&ready_threads, &tid);
	struct lw_thread *lt;

	if (t && !t->exited)
		return t;
	lt = bpf_map_lookup_elem(&lw_threads, &tid);
	if (!lt || lt->exited)
		return NULL;
	t = lw_map_init(&ready_threads, &tid, &lw_rd_zero_thread, BPF_ANY);
	if (!t)
		return NULL;
	t->pid = lt->pid;
	t->start_time = lt->start_time;
	t->proc_start_time = lt->proc_start_time;
	__builtin_memcpy(t->comm, lt->comm, LW_COMM_LEN);
	t->op_fd = -1;
	return t;
}

/* How each hook path passes a wait call's timeout. */
enum rd_timeout_kind {
	RD_TIMEOUT_MS,		/* int milliseconds, < 0: none */
	RD_TIMEOUT_USER_TS,	/* relative struct __kernel_timespec in user memory, NULL: none */
	RD_TIMEOUT_KERNEL_TS,	/* absolute CLOCK_MONOTONIC timespec64 in the kernel, NULL: none */
};

static __always_inline __u64 rd_deadline(__u32 kind, __u64 val, __u64 now)
{
	struct __kernel_timespec ts;
	int ms = (int)val;

	if (kind == RD_TIMEOUT_MS)
		return ms >= 0 ? now + (__u64)ms * 1000000ull : ~0ull;
	if (!val)
		return ~0ull;
	if (kind == RD_TIMEOUT_USER_TS ? bpf_probe_read_user(&ts, sizeof(ts), (void *)val) :
					 bpf_probe_read_kernel(&ts, sizeof(ts), (void *)val))
		return ~0ull;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0)
		return ~0ull;
	return (kind == RD_TIMEOUT_USER_TS ? now : 0) + (__u64)ts.tv_sec * 1000000000ull +
	       (__u64)ts.tv_nsec;
}

static __always_inline void rd_wait_enter(__u64 id, __u64 now, int epfd, __u64 events,
					  __u32 timeout_kind, __u64 timeout)
{
	__u32 tid = (__u32)id, era = lw_rd_era;
	struct lw_rd_thread *t;

	if (!era)
		return;
	t = rd_thread(tid);
	if (!t)
		return;
	if (t->era != era) {
		/* what it returned in an earlier engage is no last return now */
		t->nslots[0] = t->nslots[1] = 0;
		t->et_slots = 0;
		t->op_slots = 0;
		t->era = era;
	}
	lw_rd_wait_enter(t, tid, epfd, events, rd_deadline(timeout_kind, timeout, now), now);
}

static __always_inline void rd_set_recv_wanted(const struct lw_rd_thread *t, __u64 flags)
{
	__u32 *w = bpf_task_storage_get(&ready_recv_wanted, bpf_get_current_task_btf(), NULL, flags);

	if (w)
		*w = t->pending_first || t->op_slots;
}

static __always_inline void rd_wait_exit(__u64 id, __u64 now, long ret)
{
	__u32 tid = (__u32)id, era = lw_rd_era;
	struct lw_rd_thread *t;
	struct rd_epevs *evs;
	__u32 n = 0, sz, zero = 0;

	/* off: no lookup at all. A thread left in_wait by an earlier engage is
	 * told by its era, here and at its wake-ups. */
	if (!era)
		return;
	t = bpf_map_lookup_elem(&ready_threads, &tid);
	if (!t || !t->in_wait)
		return;
	if (t->era != era) {
		t->in_wait = 0;
		return;
	}
	evs = bpf_map_lookup_elem(&ready_epevs, &zero);
	if (!evs)
		return;
	if (ret > 0) {
		n = ret < LW_RD_SLOTS ? (__u32)ret : LW_RD_SLOTS;
		sz = n * sizeof(evs->ev[0]);
		if (sz > sizeof(evs->ev))
			sz = sizeof(evs->ev);
		if (bpf_probe_read_user(evs->ev, sz, (void *)t->events_ptr))
			n = 0;
	}
	lw_rd_wait_exit(t, tid, ret, evs->ev, n, now, lw_epoch);
	rd_set_recv_wanted(t, BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/* Registrations are kept for every watched process, loop thread or not: the
 * thread that registers is often not the one that waits. */
/* Is the current process one whose registrations are kept? */
static __always_inline bool rd_ctl_wanted(__u32 pid)
{
	struct task_struct *task;
	char comm[LW_COMM_LEN];

	if (pid == lw_self_pid)
		return false;
	if (!lw_filter_pids && !lw_filter_comm)
		return true;
	task = bpf_get_current_task_btf();
	bpf_probe_read_kernel_str(comm, sizeof(comm), task->group_leader->comm);
	return lw_process_wanted(pid, comm);
}

SEC("tracepoint/syscalls/sys_enter_epoll_ctl")
int ready_enter_epoll_ctl(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct lw_rd_ctl c = {};
	struct lw_rd_epev ev;

	if (!rd_ctl_wanted(id >> 32))
		return 0;
	c.epfd = (__s32)ctx->args[0];
	c.op = (__s32)ctx->args[1];
	c.fd = (__s32)ctx->args[2];
	if (c.op != LW_EPOLL_CTL_DEL) {
		if (bpf_probe_read_user(&ev, sizeof(ev), (void *)ctx->args[3]))
			return 0;
		c.events = ev.events;
		c.data = ev.data_lo | ((__u64)ev.data_hi << 32);
	}
	/* decided here, so the exit finds nothing to do */
	if (lw_rd_ctl_moot(id >> 32, &c))
		return 0;
	bpf_map_update_elem(&ready_ctl, &tid, &c, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_epoll_ctl")
int ready_exit_epoll_ctl(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct lw_rd_ctl *c = bpf_map_lookup_elem(&ready_ctl, &tid);

	if (!c)
		return 0;
	if (ctx->ret == 0)
		lw_rd_ctl(id >> 32, c);
	bpf_map_delete_elem(&ready_ctl, &tid);
	return 0;
}

/* The fentry path: the kernel's own copy of the event, and the result, in
 * one program; no system call tracepoint. */
SEC("fexit/do_epoll_ctl")
int BPF_PROG(ready_fexit_epoll_ctl, int epfd, int op, int fd, struct epoll_event *epds,
	     bool nonblock, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct lw_rd_ctl c = {};
	struct lw_rd_epev ev;

	if (ret || !rd_ctl_wanted(id >> 32))
		return 0;
	c.epfd = epfd;
	c.op = op;
	c.fd = fd;
	if (op != LW_EPOLL_CTL_DEL) {
		if (bpf_probe_read_kernel(&ev, sizeof(ev), epds))
			return 0;
		c.events = ev.events;
		c.data = ev.data_lo | ((__u64)ev.data_hi << 32);
	}
	lw_rd_ctl(id >> 32, &c);
	return 0;
}

static __always_inline void rd_accept_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lw_rd_thread *t = bpf_map_lookup_elem(&ready_threads, &tid);

	if (t)
		t->op_fd = (__s32)ctx->args[0];
}

/* A loop thread's accept that found nothing, counted whether or not the
 * hand-over is on: the futile wake-ups of a herd on a shared listener. */
static __always_inline void rd_accept_futile(__u32 tid, long ret)
{
	struct lw_thread *lt;

	if (ret != -LW_EAGAIN)
		return;
	lt = bpf_map_lookup_elem(&lw_threads, &tid);
	if (lt)
		__sync_fetch_and_add(&lt->futile_seen, 1);
}

static __always_inline void rd_accept_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lw_rd_thread *t = bpf_map_lookup_elem(&ready_threads, &tid);

	rd_accept_futile(tid, ctx->ret);
	if (!t || t->op_fd < 0)
		return;
	lw_rd_accept(t, t->op_fd, ctx->ret, bpf_ktime_get_ns());
	t->op_fd = -1;
}

SEC("tracepoint/syscalls/sys_enter_accept4")
int ready_enter_accept4(struct trace_event_raw_sys_enter *ctx)
{
	rd_accept_enter(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int ready_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	rd_accept_exit(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept")
int ready_enter_accept(struct trace_event_raw_sys_enter *ctx)
{
	rd_accept_enter(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int ready_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	rd_accept_exit(ctx);
	return 0;
}

/* The fentry path: accept() and accept4() both end in __sys_accept4. */
SEC("fexit/__sys_accept4")
int BPF_PROG(ready_fexit_accept4, int fd, void *addr, void *addrlen, int flags, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lw_rd_thread *t = bpf_map_lookup_elem(&ready_threads, &tid);

	rd_accept_futile(tid, ret);
	if (t)
		lw_rd_accept(t, fd, ret, bpf_ktime_get_ns());
	return 0;
}

/* Every receive on a socket, whatever the system call (read, recv*, readv). */
static __always_inline void rd_recv(struct sock *sk, int ret, int flags)
{
	__u32 *wanted = bpf_task_storage_get(&ready_recv_wanted, bpf_get_current_task_btf(), NULL, 0);
	struct lw_rd_thread *t;
	__u32 tid;

	if (!wanted || !*wanted)
		return;
	tid = (__u32)bpf_get_current_pid_tgid();
	t = bpf_map_lookup_elem(&ready_threads, &tid);
	/* lw_rd_recv's own first test, made before reading the clock */
	if (t && (t->pending_first || t->op_slots))
		lw_rd_recv(t, (__u64)sk, ret, flags & LW_MSG_PEEK, bpf_ktime_get_ns());
	*wanted = t && (t->pending_first || t->op_slots);
}

/* Fires about 3,000 times a second on an idle host: one per-CPU lookup and,
 * for a socket nobody watches, one hash lookup. */
static __always_inline void rd_data_ready(const struct sock *sk)
{
	__u32 zero = 0;
	struct lw_rd_cur *c = bpf_map_lookup_elem(&ready_cur, &zero);
	struct lw_rd_sock *s;

	if (!c)
		return;
	s = lw_rd_data_sock(c, (__u64)sk);
	if (s)
		lw_rd_data_ready(c, s, (__u64)sk, bpf_ktime_get_ns());
}

SEC("tp_btf/sched_waking")
int BPF_PROG(ready_waking, struct task_struct *p)
{
	__u32 tid = p->pid, zero = 0;
	struct lw_rd_thread *t;

	/* a detail hook: the era tells a thread of an earlier engage */
	if (!lw_rd_era)
		return 0;
	t = bpf_map_lookup_elem(&ready_threads, &tid);
	if (!t || t->era != lw_rd_era)
		return 0;
	lw_rd_waking(t, bpf_map_lookup_elem(&ready_cur, &zero), bpf_ktime_get_ns(),
		     lw_task_on_cpu(p), (__u64)p);
	return 0;
}

/* A context switch ends the wake-ups of the event on this CPU (they run with
 * the wait queue locked); a loop thread that goes back to sleep inside its
 * wait call after a wake-up found nothing. */
static __always_inline void rd_sched_switch(bool preempt, struct task_struct *prev,
					    unsigned int prev_state)
{
	__u32 zero = 0, tid;
	struct lw_rd_cur *c = bpf_map_lookup_elem(&ready_cur, &zero);
	struct lw_rd_thread *t;

	if (c && c->sk)
		lw_rd_close(c);
	if (preempt || !(prev_state & LW_TASK_INTERRUPTIBLE))
		return;
	tid = prev->pid;
	t = bpf_map_lookup_elem(&ready_threads, &tid);
	if (t)
		lw_rd_sleep(t);
}

/* A TCP socket is gone (every one passes through CLOSE before it is freed):
 * forget it before its address is reused. */
static __always_inline void rd_sock_state(const struct sock *sk, int newstate)
{
	__u64 key = (__u64)sk;

	if (newstate == LW_TCP_CLOSE)
		bpf_map_delete_elem(&ready_socks, &key);
}

static __always_inline void rd_task_exit(struct task_struct *task)
{
	__u32 tid = task->pid;
	struct lw_rd_thread *t = bpf_map_lookup_elem(&ready_threads, &tid);

	if (t)
		lw_rd_exit(t);
}

#endif
