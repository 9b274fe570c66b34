/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The state machines of readiness hand-over, written once for two homes: the
 * probes (bpf/ready.bpf.h) run them in the kernel, and the unit tests
 * (tests/unit/test_ready.c) run the very same code on synthetic event
 * sequences with fake maps. So nothing here calls a BPF helper directly.
 *
 * The includer defines, before including this file:
 *   LW_RD_INLINE                     static inline / static __always_inline
 *   LW_RD_FOR(n, fn, ctx)            call long fn(__u32 i, void *ctx) for i in
 *                                    [0, n) until it returns non-zero
 *                                    (bpf_loop in the kernel: the verifier
 *                                    checks the body once, not per slot)
 *   LW_RD_LOOKUP(map, key)           pointer to the value or NULL
 *   LW_RD_UPDATE(map, key, val)      insert or replace
 *   LW_RD_LOOKUP_OR_INIT(map, key, init)
 *                                    the value, inserted from init when
 *                                    there is none; NULL when the map is full
 *   LW_RD_DELETE(map, key)
 *   ready_regs, ready_socks          the maps (keys and values in ready.h)
 *   __u64 lw_rd_gen                  registration generation (a global)
 *   int lw_rd_fd_sock(int fd, struct lw_rd_sockinfo *si)
 *                                    what the calling process's fd is; 0 or
 *                                    -1 when the fd is not open
 *   __s32 lw_rd_task_watch_fd(__u64 task, __s32 epfd, __u64 sk,
 *                             struct lw_rd_sockinfo *si)
 *                                    the fd under which task's epoll
 *                                    instance epfd watches socket sk (and
 *                                    what sk is), -1 for none
 *   __u32 lw_rd_unread(__u64 sk)     bytes a TCP socket holds unread
 *   __u32 lw_rd_copied(__u64 sk)     a TCP socket's copied_seq: how far
 *                                    readers got, by whatever call
 *   __u32 lw_rd_rcv_nxt(__u64 sk)    a TCP socket's rcv_nxt: how far the
 *                                    bytes received reach
 *   void lw_rd_sk_ports(__u64 sk, __u16 *lport, __u16 *rport)
 *                                    the socket's ports as they are now
 *   lw_rd_emit_herd(s, sk), lw_rd_emit_hot(t, tid, slot, s),
 *   lw_rd_emit_undrained(t, tid, slot, s)
 *                                    send a record; its ports come from
 *                                    lw_rd_sk_ports, not from the socket's
 *                                    entry (one registered before connect()
 *                                    had none then)
 * All times are CLOCK_MONOTONIC nanoseconds.
 */
#ifndef LOOPWATCH_READY_SM_H
#define LOOPWATCH_READY_SM_H

#include "ready.h"

/* The includer's part of the contract above, checked by the compiler. */
#if !defined(LW_RD_INLINE) || !defined(LW_RD_FOR) || !defined(LW_RD_LOOKUP) || \
	!defined(LW_RD_UPDATE) || !defined(LW_RD_LOOKUP_OR_INIT) || !defined(LW_RD_DELETE)
#error "ready_sm.h: define LW_RD_INLINE, LW_RD_FOR, LW_RD_LOOKUP, LW_RD_UPDATE, LW_RD_LOOKUP_OR_INIT and LW_RD_DELETE first"
#endif
static int lw_rd_fd_sock(int fd, struct lw_rd_sockinfo *si);
static __s32 lw_rd_task_watch_fd(__u64 task, __s32 epfd, __u64 sk, struct lw_rd_sockinfo *si);
static __u32 lw_rd_unread(__u64 sk);
static __u32 lw_rd_copied(__u64 sk);
static __u32 lw_rd_rcv_nxt(__u64 sk);
static void lw_rd_sk_ports(__u64 sk, __u16 *lport, __u16 *rport);
static void lw_rd_emit_herd(const struct lw_rd_sock *s, __u64 sk);
static void lw_rd_emit_hot(const struct lw_rd_thread *t, __u32 tid, const struct lw_rd_slot *sl,
			   const struct lw_rd_sock *s);
static void lw_rd_emit_undrained(const struct lw_rd_thread *t, __u32 tid,
				 const struct lw_rd_slot *sl, const struct lw_rd_sock *s);

LW_RD_INLINE void lw_rd_key(struct lw_rd_reg_key *k, __u32 pid, __s32 epfd, __u32 kind, __u64 val)
{
	k->pid = pid;
	k->epfd = epfd;
	k->kind = kind;
	k->pad = 0;
	k->val = val;
}

/* Same slots as the loop-lag histogram: [0, 2) us, then powers of two. */
LW_RD_INLINE __u32 lw_rd_lag_slot(__u64 ns)
{
	return lw_lag_slot(ns);
}

/* The socket's entry, created the first time a loop registers it. An entry
 * that exists is shared by every epoll instance watching the socket. */
LW_RD_INLINE void lw_rd_sock_watch(const struct lw_rd_sockinfo *si)
{
	struct lw_rd_sock fresh = {};
	struct lw_rd_sock *s = LW_RD_LOOKUP_OR_INIT(&ready_socks, &si->sk, &fresh);

	if (!s)
		return;
	s->kind = si->kind;
	s->lport = si->lport;
	s->rport = si->rport;
}

/* Forget the entries of fd in (pid, epfd) that point at it; used before a
 * registration is replaced or removed. */
LW_RD_INLINE void lw_rd_unreg(__u32 pid, __s32 epfd, __s32 fd, __u64 data, __u64 sk)
{
	struct lw_rd_reg_key k;
	struct lw_rd_reg *r;

	lw_rd_key(&k, pid, epfd, LW_RD_BY_DATA, data);
	r = LW_RD_LOOKUP(&ready_regs, &k);
	if (r && r->fd == fd)
		LW_RD_DELETE(&ready_regs, &k);
	if (!sk)
		return;
	lw_rd_key(&k, pid, epfd, LW_RD_BY_SK, sk);
	r = LW_RD_LOOKUP(&ready_regs, &k);
	if (r && r->fd == fd)
		LW_RD_DELETE(&ready_regs, &k);
}

LW_RD_INLINE void lw_rd_reg_store(__u32 pid, __s32 epfd, const struct lw_rd_reg *reg)
{
	struct lw_rd_reg_key k;

	lw_rd_key(&k, pid, epfd, LW_RD_BY_FD, (__u64)(__u32)reg->fd);
	LW_RD_UPDATE(&ready_regs, &k, reg);
	lw_rd_key(&k, pid, epfd, LW_RD_BY_DATA, reg->data);
	LW_RD_UPDATE(&ready_regs, &k, reg);
	if (!reg->sk)
		return;
	lw_rd_key(&k, pid, epfd, LW_RD_BY_SK, reg->sk);
	LW_RD_UPDATE(&ready_regs, &k, reg);
}

/* Registrations changed: what loops remember of their last returns is stale.
 * Bumped after the maps are written, so a loop that read the old value looks
 * them up again next time. */
LW_RD_INLINE void lw_rd_changed(void)
{
	__sync_fetch_and_add(&lw_rd_gen, 1);
}

/* The registered bits the state machines read (lw_rd_et_candidate, lw_rd_take). */
#define LW_RD_EVENTS_USED (LW_EPOLLET | LW_EPOLLONESHOT)

/* An EPOLL_CTL_MOD that keeps the user data and every bit the state machines
 * read changes nothing they keep. Clients that toggle EPOLLOUT around each
 * write (wrk, redis's ae) make two such calls a request: they cost one
 * lookup, and leave every loop's returned-set cache valid. */
LW_RD_INLINE int lw_rd_ctl_moot(__u32 pid, const struct lw_rd_ctl *c)
{
	struct lw_rd_reg_key k;
	struct lw_rd_reg *old;

	if (c->op != LW_EPOLL_CTL_MOD || c->fd < 0)
		return 0;
	lw_rd_key(&k, pid, c->epfd, LW_RD_BY_FD, (__u64)(__u32)c->fd);
	old = LW_RD_LOOKUP(&ready_regs, &k);
	return old && old->data == c->data && old->kind != LW_RD_UNKNOWN &&
	       !((old->events ^ c->events) & LW_RD_EVENTS_USED);
}

/*
 * A successful epoll_ctl of process pid. An fd closed without EPOLL_CTL_DEL
 * leaves its entries behind; the ADD that registers the reused number
 * replaces them, so what a wait returns always maps to the live fd.
 */
LW_RD_INLINE void lw_rd_ctl(__u32 pid, const struct lw_rd_ctl *c)
{
	struct lw_rd_sockinfo si = {};
	struct lw_rd_reg_key k;
	struct lw_rd_reg reg = {};
	struct lw_rd_reg *old;

	if (c->fd < 0 || lw_rd_ctl_moot(pid, c))
		return;
	lw_rd_key(&k, pid, c->epfd, LW_RD_BY_FD, (__u64)(__u32)c->fd);
	old = LW_RD_LOOKUP(&ready_regs, &k);
	if (old) {
		__u64 odata = old->data, osk = old->sk;
		__u32 okind = old->kind;

		lw_rd_unreg(pid, c->epfd, c->fd, odata, osk);
		if (c->op == LW_EPOLL_CTL_DEL) {
			LW_RD_DELETE(&ready_regs, &k);
			lw_rd_changed();
			return;
		}
		/* MOD keeps the file: what it is was learnt already */
		if (c->op == LW_EPOLL_CTL_MOD) {
			reg.sk = osk;
			reg.kind = okind;
		}
	} else if (c->op == LW_EPOLL_CTL_DEL) {
		return;
	}
	if (reg.kind == LW_RD_UNKNOWN && lw_rd_fd_sock(c->fd, &si) == 0) {
		reg.sk = si.sk;
		reg.kind = si.kind;
		if (si.sk)
			lw_rd_sock_watch(&si);
	}
	reg.data = c->data;
	reg.fd = c->fd;
	reg.events = c->events;
	lw_rd_reg_store(pid, c->epfd, &reg);
	lw_rd_changed();
}

/* A registration learnt before the socket was: resolve it now (entries the
 * agent seeds from /proc at each engage come this way). */
LW_RD_INLINE void lw_rd_reg_resolve(__u32 pid, __s32 epfd, struct lw_rd_reg *reg)
{
	struct lw_rd_sockinfo si = {};
	struct lw_rd_reg_key k;

	if (lw_rd_fd_sock(reg->fd, &si)) {
		reg->kind = LW_RD_NOTSOCK;
		return;
	}
	reg->sk = si.sk;
	reg->kind = si.kind;
	if (!si.sk)
		return;
	lw_rd_sock_watch(&si);
	lw_rd_key(&k, pid, epfd, LW_RD_BY_SK, si.sk);
	LW_RD_UPDATE(&ready_regs, &k, reg);
	lw_rd_key(&k, pid, epfd, LW_RD_BY_FD, (__u64)(__u32)reg->fd);
	LW_RD_UPDATE(&ready_regs, &k, reg);
}

/* A herd wastes wake-ups: two or more loop threads woken for one event and
 * at least one of them for nothing. Threads that each found work (a second
 * connection arriving with the first) are no herd. */
#define LW_RD_IS_HERD(s) ((s)->ev_woken >= LW_RD_HERD_MIN && (s)->ev_futile > 0)

/* One woken thread is done with its event; the last one out reports it. */
LW_RD_INLINE void lw_rd_event_put(struct lw_rd_sock *s, __u64 sk)
{
	if (__sync_fetch_and_add(&s->ev_pending, -1) == 1 && LW_RD_IS_HERD(s))
		lw_rd_emit_herd(s, sk);
}

/* The thread knows whether its wake-up found anything: tell its event. */
LW_RD_INLINE void lw_rd_resolve(struct lw_rd_thread *t, int futile)
{
	__u64 sk = t->wake_sk;
	struct lw_rd_sock *s;

	if (!sk)
		return;
	t->wake_sk = 0;
	s = LW_RD_LOOKUP(&ready_socks, &sk);
	if (!s || s->ev_ts != t->wake_ev)
		return;
	if (futile) {
		__sync_fetch_and_add(&s->ev_futile, 1);
	} else if (!s->ev_taken) {
		/* the process that took the event owns it */
		s->ev_taken = 1;
		s->ev_pid = t->pid;
		s->ev_fd = t->wake_fd;
		__builtin_memcpy(s->ev_comm, t->comm, LW_COMM_LEN);
	}
	lw_rd_event_put(s, sk);
}

/* The waker is done on this CPU: it can wake no more threads for its event. */
LW_RD_INLINE void lw_rd_close(struct lw_rd_cur *c)
{
	if (c->woke) {
		__u64 sk = c->sk;
		struct lw_rd_sock *s = LW_RD_LOOKUP(&ready_socks, &sk);

		if (s && s->ev_ts == c->ts)
			lw_rd_event_put(s, sk);
	}
	c->sk = 0;
	c->woke = 0;
}

/* sk_data_ready: data or a connection arrived. Wake-ups follow at once, on
 * this CPU, before anything else runs here. First: end the event before it
 * and find the socket's entry (NULL: no loop watches it). */
LW_RD_INLINE struct lw_rd_sock *lw_rd_data_sock(struct lw_rd_cur *c, __u64 sk)
{
	if (c->sk)
		lw_rd_close(c);
	return LW_RD_LOOKUP(&ready_socks, &sk);
}

/* Then, for a watched socket only, the clock is read and its event opens. */
LW_RD_INLINE void lw_rd_data_ready(struct lw_rd_cur *c, struct lw_rd_sock *s, __u64 sk, __u64 now)
{
	if (!s->ready_ts)
		s->ready_ts = now;
	s->edge_ts = now;
	c->sk = sk;
	c->ts = now;
	c->woke = 0;
}

/* A wake-up for a socket whose registration in the thread's instance was
 * read from /proc (made while epoll_ctl was not watched) and is not tied to
 * the socket yet, since no wait of this thread returned it: tie it now, from
 * the socket's own epoll items, so that the first events after an engage
 * count every thread they wake and not only those that took one before. */
LW_RD_INLINE struct lw_rd_reg *lw_rd_reg_late(const struct lw_rd_thread *t, __u64 task, __u64 sk)
{
	struct lw_rd_sockinfo si = {};
	struct lw_rd_reg_key k;
	struct lw_rd_reg *reg;
	__s32 fd = lw_rd_task_watch_fd(task, t->epfd, sk, &si);

	if (fd < 0)
		return NULL;
	lw_rd_key(&k, t->pid, t->epfd, LW_RD_BY_FD, (__u64)(__u32)fd);
	reg = LW_RD_LOOKUP(&ready_regs, &k);
	if (!reg || reg->kind != LW_RD_UNKNOWN)
		return NULL;
	reg->sk = si.sk;
	reg->kind = si.kind;
	lw_rd_sock_watch(&si);
	lw_rd_key(&k, t->pid, t->epfd, LW_RD_BY_SK, sk);
	LW_RD_UPDATE(&ready_regs, &k, reg);
	return LW_RD_LOOKUP(&ready_regs, &k);
}

/* sched_waking of a loop thread (task: its struct task_struct). It is
 * charged to the event running on this CPU only if the epoll instance it
 * waits on watches that socket. on_cpu: the thread is still on its CPU, in
 * the middle of going to sleep; the switch-out that follows is that sleep,
 * not a second one. */
LW_RD_INLINE void lw_rd_waking(struct lw_rd_thread *t, struct lw_rd_cur *c, __u64 now,
			       int on_cpu, __u64 task)
{
	struct lw_rd_reg_key k;
	struct lw_rd_reg *reg;
	struct lw_rd_sock *s;
	__u64 sk;

	if (!t->in_wait)
		return;
	t->woken = on_cpu ? 2 : 1;
	if (!c || !c->sk)
		return;
	if (now - c->ts > LW_RD_WAKE_WINDOW_NS) {
		lw_rd_close(c);
		return;
	}
	/* a wake-up still charged (it slept uninterruptibly since) keeps it */
	if (t->wake_sk)
		return;
	sk = c->sk;
	lw_rd_key(&k, t->pid, t->epfd, LW_RD_BY_SK, sk);
	reg = LW_RD_LOOKUP(&ready_regs, &k);
	if (!reg)
		reg = lw_rd_reg_late(t, task, sk);
	if (!reg)
		return;
	s = LW_RD_LOOKUP(&ready_socks, &sk);
	if (!s)
		return;
	if (s->ev_ts != c->ts) {
		/* a new event; one still open on another CPU is reported as is */
		if (s->ev_pending > 0 && LW_RD_IS_HERD(s))
			lw_rd_emit_herd(s, sk);
		s->ev_ts = c->ts;
		s->ev_woken = 0;
		s->ev_futile = 0;
		s->ev_taken = 0;
		s->ev_pid = t->pid;
		s->ev_fd = reg->fd;
		__builtin_memcpy(s->ev_comm, t->comm, LW_COMM_LEN);
		s->ev_pending = 1;	/* held open until lw_rd_close */
		c->woke = 1;
	}
	__sync_fetch_and_add(&s->ev_woken, 1);
	__sync_fetch_and_add(&s->ev_pending, 1);
	t->wake_sk = sk;
	t->wake_ev = c->ts;
	t->wake_fd = reg->fd;
}

/* The thread was switched out asleep (TASK_INTERRUPTIBLE, not preempted).
 * Woken inside a wait call, it ran and is asleep again in it: it found
 * nothing. */
LW_RD_INLINE void lw_rd_sleep(struct lw_rd_thread *t)
{
	if (!t->in_wait || !t->woken)
		return;
	if (t->woken == 2) {
		/* the wake-up raced with this very sleep: it has not run yet */
		t->woken = 1;
		return;
	}
	t->woken = 0;
	t->wakeups++;
	t->futile++;
	lw_rd_resolve(t, 1);
}

/* The edge-triggered TCP sockets the entry check looks at. */
LW_RD_INLINE int lw_rd_et_candidate(const struct lw_rd_slot *sl)
{
	return sl->kind == LW_RD_TCP && (sl->reg_events & LW_EPOLLET) &&
	       !(sl->reg_events & LW_EPOLLONESHOT) && (sl->rev & LW_EPOLLIN);
}

/* An edge-triggered TCP socket handed over last time that the thread leaves
 * with bytes in it that were there when it was handed over, not having seen
 * it empty: no new edge will come for those bytes. Bytes that arrived after
 * the hand-over raised an edge of their own (a keep-alive client's next
 * request racing the loop back to its wait), so they are no episode.
 * Reported once per episode; the agent watches und_ts for the hang
 * (starvation). */
LW_RD_INLINE void lw_rd_check_slot(struct lw_rd_thread *t, __u32 tid, struct lw_rd_slot *sl,
				   __u64 now)
{
	struct lw_rd_sockinfo si = {};
	struct lw_rd_sock *s;
	__u64 sk = sl->sk;
	__u32 left;

	if (!lw_rd_et_candidate(sl) || sl->eagain || sl->eof)
		return;
	s = LW_RD_LOOKUP(&ready_socks, &sk);
	if (!s)
		return;
	left = lw_rd_unread(sk);
	if (!left) {
		s->und_reported = 0;
		s->und_ts = 0;
		return;
	}
	if ((__s32)(lw_rd_copied(sk) - sl->rcv_end) >= 0)
		return;
	/* closed since, or the number reused: not this socket any more */
	if (lw_rd_fd_sock(sl->fd, &si) || si.sk != sk)
		return;
	s->und_ts = now;
	s->und_bytes = left;
	s->und_pid = t->pid;
	s->und_tid = tid;
	s->und_fd = sl->fd;
	if (s->und_reported)
		return;
	s->und_reported = 1;
	lw_rd_emit_undrained(t, tid, sl, s);
}

struct lw_rd_loop {
	struct lw_rd_thread *t;
	const struct lw_rd_epev *ev;
	__u64 gen;
	__u64 now;
	__u64 epoch;
	__u32 tid;
	__u32 socks;
	__u32 et;
	__u32 ops;
};

static long lw_rd_check_cb(__u32 i, void *ctx)
{
	struct lw_rd_loop *x = ctx;
	struct lw_rd_thread *t = x->t;

	if (i >= LW_RD_SLOTS)
		return 1;
	lw_rd_check_slot(t, x->tid, &t->slots[t->cur & 1][i], x->now);
	return 0;
}

/* Entry of a wait call. */
LW_RD_INLINE void lw_rd_wait_enter(struct lw_rd_thread *t, __u32 tid, __s32 epfd, __u64 evptr,
				   __u64 deadline, __u64 now)
{
	struct lw_rd_loop x = { .t = t, .now = now, .tid = tid };
	__u32 n = t->nslots[t->cur & 1];

	/* returned events, nothing read or accepted from them: not futile */
	t->pending_first = 0;
	lw_rd_resolve(t, 0);
	if (n > LW_RD_SLOTS)
		n = LW_RD_SLOTS;
	if (t->et_slots)
		LW_RD_FOR(n, lw_rd_check_cb, &x);
	t->in_wait = 1;
	t->woken = 0;
	t->epfd = epfd;
	t->events_ptr = evptr;
	t->deadline_ns = deadline;
}

LW_RD_INLINE void lw_rd_ready_lag(struct lw_rd_thread *t, struct lw_rd_sock *s, __u64 now,
				  __u64 epoch)
{
	__u64 ts = s->ready_ts, lag;
	__u32 e = epoch & 1;

	if (!ts || ts > now)
		return;
	s->ready_ts = 0;
	lag = now - ts;
	t->ready_hist[lw_rd_lag_slot(lag) & (LW_LAG_SLOTS - 1)]++;
	if (t->ready_epoch[e] != epoch || lag > t->ready_max_ns[e]) {
		t->ready_epoch[e] = epoch;
		t->ready_max_ns[e] = lag;
	}
}

/* One returned event: where it came from, and whether it continues a run of
 * level-triggered returns nobody consumes. Returns LW_RD_TOOK_* bits. */
#define LW_RD_TOOK_SOCK 1
#define LW_RD_TOOK_ET 2
#define LW_RD_TOOK_OP 4
LW_RD_INLINE int lw_rd_take(struct lw_rd_thread *t, __u32 tid, struct lw_rd_slot *sl,
			    const struct lw_rd_epev *ev, __u64 gen, __u64 now, __u64 epoch)
{
	__u32 prev = t->cur & 1, np = t->nslots[prev];
	__u64 data = ev->data_lo | ((__u64)ev->data_hi << 32);
	struct lw_rd_slot *p = NULL;
	struct lw_rd_sock *s = NULL;
	int took = LW_RD_TOOK_SOCK;
	struct lw_rd_reg_key k;
	struct lw_rd_reg *reg;
	__u64 sk;

	__builtin_memset(sl, 0, sizeof(*sl));
	sl->data = data;
	sl->fd = -1;
	sl->rev = ev->events;
	sl->run = 1;
	for (__u32 j = 0; j < LW_RD_SLOTS; j++) {
		if (j >= np)
			break;
		if (t->slots[prev][j].data == data) {
			p = &t->slots[prev][j];
			break;
		}
	}
	if (p && t->slot_gen == gen && t->slot_epfd == t->epfd) {
		/* returned last time too and no epoll_ctl anywhere since: the
		 * busy loop's common case costs no registration lookup */
		sl->sk = p->sk;
		sl->fd = p->fd;
		sl->reg_events = p->reg_events;
		sl->kind = p->kind;
	} else {
		lw_rd_key(&k, t->pid, t->epfd, LW_RD_BY_DATA, data);
		reg = LW_RD_LOOKUP(&ready_regs, &k);
		if (!reg)
			return 0;
		if (reg->kind == LW_RD_UNKNOWN)
			lw_rd_reg_resolve(t->pid, t->epfd, reg);
		sl->sk = reg->sk;
		sl->fd = reg->fd;
		sl->reg_events = reg->events;
		sl->kind = reg->kind;
		if (p && (p->fd != sl->fd || p->sk != sl->sk))
			p = NULL;
	}
	sk = sl->sk;
	if (!sk)
		return 0;
	s = LW_RD_LOOKUP(&ready_socks, &sk);
	if (s)
		lw_rd_ready_lag(t, s, now, epoch);
	if (lw_rd_et_candidate(sl)) {
		sl->rcv_end = lw_rd_rcv_nxt(sk);
		return LW_RD_TOOK_SOCK | LW_RD_TOOK_ET | LW_RD_TOOK_OP;
	}
	/* Only sockets: what is consumed from them is visible (receives, accepts,
	 * and for TCP copied_seq, which splice and friends move too). */
	if ((sl->reg_events & LW_EPOLLET) || !(ev->events & LW_EPOLLIN))
		return LW_RD_TOOK_SOCK;
	if (sl->kind == LW_RD_TCP)
		sl->copied = lw_rd_copied(sk);
	else if (sl->kind == LW_RD_SOCK)
		took |= LW_RD_TOOK_OP;
	if (p && !p->consumed && !p->eof && p->copied == sl->copied) {
		sl->run = p->run + 1;
		sl->hot_ns = p->hot_ns;
	}
	if (sl->run >= LW_RD_HOT_RUN && (!sl->hot_ns || now - sl->hot_ns >= LW_RD_HOT_REPEAT_NS)) {
		sl->hot_ns = now;
		lw_rd_emit_hot(t, tid, sl, s);
	}
	return took;
}

static long lw_rd_take_cb(__u32 i, void *ctx)
{
	struct lw_rd_loop *x = ctx;
	struct lw_rd_thread *t = x->t;
	int took;

	if (i >= LW_RD_SLOTS)
		return 1;
	/* the new set goes to the other half; the last one is still compared */
	took = lw_rd_take(t, x->tid, &t->slots[(t->cur & 1) ^ 1][i], &x->ev[i], x->gen, x->now,
			  x->epoch);
	x->socks += took & LW_RD_TOOK_SOCK;
	x->et += !!(took & LW_RD_TOOK_ET);
	x->ops += !!(took & LW_RD_TOOK_OP);
	return 0;
}

/* Return of a wait call: ret events at ev (n of them read, n <= LW_RD_SLOTS). */
LW_RD_INLINE void lw_rd_wait_exit(struct lw_rd_thread *t, __u32 tid, long ret,
				  const struct lw_rd_epev *ev, __u32 n, __u64 now, __u64 epoch)
{
	struct lw_rd_loop x = { .t = t, .ev = ev, .gen = lw_rd_gen, .now = now, .epoch = epoch,
				.tid = tid };
	__u32 nxt = (t->cur & 1) ^ 1;
	int woken = t->woken;

	if (!t->in_wait)
		return;
	t->in_wait = 0;
	t->woken = 0;
	if (ret <= 0)
		n = 0;
	else if (n > ret)
		n = ret;
	if (n > LW_RD_SLOTS)
		n = LW_RD_SLOTS;
	/* one event is the common case: a direct call costs less than a loop */
	if (n == 1)
		lw_rd_take_cb(0, &x);
	else if (n)
		LW_RD_FOR(n, lw_rd_take_cb, &x);
	t->nslots[nxt] = n;
	t->et_slots = x.et;
	t->op_slots = x.ops;
	t->slot_epfd = t->epfd;
	t->slot_gen = x.gen;
	t->cur = nxt;

	if (ret > 0) {
		t->wakeups++;
		/* futile or not is known at the first read or accept */
		if (x.socks)
			t->pending_first = 1;
		else
			lw_rd_resolve(t, 0);
	} else if (ret == 0 && woken && now + LW_RD_EARLY_NS < t->deadline_ns) {
		t->wakeups++;
		t->futile++;
		lw_rd_resolve(t, 1);
	} else {
		lw_rd_resolve(t, 0);
	}
}

/* A read or accept on a returned fd finished with ret (bytes, a new fd, 0
 * for end of file, or -errno). */
LW_RD_INLINE void lw_rd_op(struct lw_rd_thread *t, struct lw_rd_slot *sl, long ret, int peek,
			   __u64 now)
{
	int futile = ret == -LW_EAGAIN;

	if (ret > 0) {
		if (!peek)
			sl->consumed = 1;
	} else {
		if (futile)
			sl->eagain = 1;
		else
			sl->eof = 1;	/* end of file or an error: nothing more to read */
		if (sl->sk) {
			__u64 sk = sl->sk;
			struct lw_rd_sock *s = LW_RD_LOOKUP(&ready_socks, &sk);

			if (s) {
				s->drained_ts = now;
				s->und_reported = 0;
				s->und_ts = 0;
			}
		}
	}
	if (!t->pending_first)
		return;
	t->pending_first = 0;
	if (futile)
		t->futile++;
	lw_rd_resolve(t, futile);
}

/* sock_recv_length: a receive on sk by this thread returned ret. Once the
 * first one after a return is seen, only edge-triggered TCP sockets (EAGAIN
 * ends an undrained episode) and level-triggered non-TCP sockets (no
 * copied_seq to show consumption) need the rest: a busy level-triggered TCP
 * server pays one lookup per receive. */
LW_RD_INLINE void lw_rd_recv(struct lw_rd_thread *t, __u64 sk, long ret, int peek, __u64 now)
{
	__u32 cur = t->cur & 1, n = t->nslots[cur];

	if (!t->pending_first && !t->op_slots)
		return;

	for (__u32 i = 0; i < LW_RD_SLOTS; i++) {
		if (i >= n)
			break;
		if (t->slots[cur][i].sk == sk) {
			lw_rd_op(t, &t->slots[cur][i], ret, peek, now);
			return;
		}
	}
}

/* accept/accept4 on fd returned ret. */
LW_RD_INLINE void lw_rd_accept(struct lw_rd_thread *t, __s32 fd, long ret, __u64 now)
{
	__u32 cur = t->cur & 1, n = t->nslots[cur];

	for (__u32 i = 0; i < LW_RD_SLOTS; i++) {
		if (i >= n)
			break;
		if (t->slots[cur][i].fd == fd) {
			/* a new fd, even 0, is a connection taken */
			lw_rd_op(t, &t->slots[cur][i], ret >= 0 ? 1 : ret, 0, now);
			return;
		}
	}
}

/* The thread exits: its event must not wait for it. */
LW_RD_INLINE void lw_rd_exit(struct lw_rd_thread *t)
{
	t->pending_first = 0;
	lw_rd_resolve(t, 0);
	t->in_wait = 0;
	t->exited = 1;
}

#endif
