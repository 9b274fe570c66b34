// SPDX-License-Identifier: GPL-2.0
/*
 * Readiness hand-over. The first half runs the probes' own state machines
 * (bpf/ready_sm.h) on synthetic kernel event sequences, with fake maps,
 * a fake fd table and recorded emits; the second half tests the agent side
 * (agent/model/readiness.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ready.h"
#include "settings/options.h"
#include "model/readiness.h"

#define US 1000ull
#define MS 1000000ull

/* ---- fake BPF maps: fixed slots, so looked-up pointers stay valid as in
 * the kernel's hash maps ---- */
#define FAKE_SLOTS 512

struct fake_map {
	size_t ksz, vsz;
	unsigned char used[FAKE_SLOTS];
	unsigned char keys[FAKE_SLOTS][32];
	unsigned char vals[FAKE_SLOTS][sizeof(struct lw_rd_sock) > sizeof(struct lw_rd_reg) ?
				       sizeof(struct lw_rd_sock) : sizeof(struct lw_rd_reg)];
};

static struct fake_map ready_regs = { .ksz = sizeof(struct lw_rd_reg_key),
				      .vsz = sizeof(struct lw_rd_reg) };
static struct fake_map ready_socks = { .ksz = sizeof(__u64), .vsz = sizeof(struct lw_rd_sock) };
static __u64 lw_rd_gen;

static void *fake_lookup(struct fake_map *m, const void *key)
{
	for (int i = 0; i < FAKE_SLOTS; i++)
		if (m->used[i] && !memcmp(m->keys[i], key, m->ksz))
			return m->vals[i];
	return NULL;
}

static int fake_update(struct fake_map *m, const void *key, const void *val)
{
	void *v = fake_lookup(m, key);

	if (!v) {
		for (int i = 0; i < FAKE_SLOTS && !v; i++) {
			if (m->used[i])
				continue;
			m->used[i] = 1;
			memcpy(m->keys[i], key, m->ksz);
			v = m->vals[i];
		}
	}
	assert_non_null(v);
	memmove(v, val, m->vsz);
	return 0;
}

static void *fake_lookup_or_init(struct fake_map *m, const void *key, const void *init)
{
	void *v = fake_lookup(m, key);

	if (v)
		return v;
	fake_update(m, key, init);
	return fake_lookup(m, key);
}

static int fake_delete(struct fake_map *m, const void *key)
{
	for (int i = 0; i < FAKE_SLOTS; i++) {
		if (m->used[i] && !memcmp(m->keys[i], key, m->ksz)) {
			m->used[i] = 0;
			return 0;
		}
	}
	return -ENOENT;
}

static size_t fake_count(const struct fake_map *m)
{
	size_t n = 0;

	for (int i = 0; i < FAKE_SLOTS; i++)
		n += m->used[i];
	return n;
}

/* ---- fake kernel: the calling process's fd table and TCP queues ---- */
#define MAX_FDS 64

struct fake_proc {
	struct lw_rd_sockinfo fds[MAX_FDS];	/* kind UNKNOWN: not open */
};

/* A socket as the kernel has it now: its TCP queue and its ports, which
 * connect() may set after the socket was registered. */
struct fake_tcp {
	__u64 sk;
	__u32 unread, copied;
	__u16 lport, rport;
};

static struct fake_proc *current;
static struct fake_tcp tcp[16];

static int lw_rd_fd_sock(int fd, struct lw_rd_sockinfo *si)
{
	memset(si, 0, sizeof(*si));
	si->kind = LW_RD_NOTSOCK;
	if (fd < 0 || fd >= MAX_FDS || current->fds[fd].kind == LW_RD_UNKNOWN)
		return -1;
	*si = current->fds[fd];
	return 0;
}

/* task: the struct fake_proc. Any open fd of the socket stands for the one
 * the instance watches: lw_rd_reg_late checks the instance registered it. */
static __s32 lw_rd_task_watch_fd(__u64 task, __s32 epfd, __u64 sk, struct lw_rd_sockinfo *si)
{
	const struct fake_proc *p = (const struct fake_proc *)(uintptr_t)task;

	(void)epfd;
	for (int fd = 0; p && sk && fd < MAX_FDS; fd++)
		if (p->fds[fd].sk == sk) {
			*si = p->fds[fd];
			return fd;
		}
	return -1;
}

static struct fake_tcp *tcp_of(__u64 sk)
{
	for (int i = 0; i < 16; i++)
		if (tcp[i].sk == sk)
			return &tcp[i];
	for (int i = 0; i < 16; i++)
		if (!tcp[i].sk) {
			tcp[i].sk = sk;
			return &tcp[i];
		}
	fail();
	return NULL;
}

static __u32 lw_rd_unread(__u64 sk)
{
	return tcp_of(sk)->unread;
}

static __u32 lw_rd_copied(__u64 sk)
{
	return tcp_of(sk)->copied;
}

static __u32 lw_rd_rcv_nxt(__u64 sk)
{
	return tcp_of(sk)->copied + tcp_of(sk)->unread;
}

static void lw_rd_sk_ports(__u64 sk, __u16 *lport, __u16 *rport)
{
	/* the probes read no socket at address 0 */
	if (!sk) {
		*lport = *rport = 0;
		return;
	}
	*lport = tcp_of(sk)->lport;
	*rport = tcp_of(sk)->rport;
}

/* ---- recorded emits ---- */
static struct lw_herd_event herds[64];
static int nherds;
static struct lw_hot_event hots[64];
static int nhots;
static struct lw_undrained_event unds[64];
static int nunds;

static void lw_rd_emit_herd(const struct lw_rd_sock *s, __u64 sk)
{
	struct lw_herd_event *e = &herds[nherds++];
	__u16 rport;

	memset(e, 0, sizeof(*e));
	e->hdr.pid = s->ev_pid;
	memcpy(e->hdr.comm, s->ev_comm, LW_COMM_LEN);
	e->sk = sk;
	e->ev_ts = s->ev_ts;
	e->woken = s->ev_woken;
	e->futile = s->ev_futile;
	e->fd = s->ev_fd;
	lw_rd_sk_ports(sk, &e->port, &rport);
}

static void lw_rd_emit_hot(const struct lw_rd_thread *t, __u32 tid, const struct lw_rd_slot *sl,
			   const struct lw_rd_sock *s)
{
	struct lw_hot_event *e = &hots[nhots++];

	(void)s;
	memset(e, 0, sizeof(*e));
	e->hdr.pid = t->pid;
	e->hdr.tid = tid;
	e->fd = sl->fd;
	e->wakeups = sl->run;
	lw_rd_sk_ports(sl->sk, &e->lport, &e->rport);
}

static void lw_rd_emit_undrained(const struct lw_rd_thread *t, __u32 tid,
				 const struct lw_rd_slot *sl, const struct lw_rd_sock *s)
{
	struct lw_undrained_event *e = &unds[nunds++];

	memset(e, 0, sizeof(*e));
	e->hdr.pid = t->pid;
	e->hdr.tid = tid;
	e->sk = sl->sk;
	e->fd = sl->fd;
	e->bytes_left = s->und_bytes;
	lw_rd_sk_ports(sl->sk, &e->lport, &e->rport);
}

#define LW_RD_INLINE static inline
#define LW_RD_LOOKUP(map, key) fake_lookup(map, key)
#define LW_RD_UPDATE(map, key, val) fake_update(map, key, val)
#define LW_RD_LOOKUP_OR_INIT(map, key, init) fake_lookup_or_init(map, key, init)
#define LW_RD_DELETE(map, key) fake_delete(map, key)
#define LW_RD_FOR(n, fn, ctx)                          \
	do {                                           \
		for (__u32 i_ = 0; i_ < (n); i_++)     \
			if (fn(i_, ctx))               \
				break;                 \
	} while (0)
#include "ready_sm.h"
#include "views/report.h"

/* ---- the scenario's world ---- */
enum { SK_L = 0x1000, SK_A = 0x2000, SK_B = 0x3000, SK_C = 0x4000, SK_D = 0x5000 };

static struct fake_proc procs[4];
static struct lw_rd_cur cpus[2];
static __u64 now;

struct th {
	__u32 tid;
	struct fake_proc *proc;
	struct lw_rd_thread t;
};

static int setup(void **state)
{
	(void)state;
	memset(&ready_regs.used, 0, sizeof(ready_regs.used));
	memset(&ready_socks.used, 0, sizeof(ready_socks.used));
	memset(procs, 0, sizeof(procs));
	memset(cpus, 0, sizeof(cpus));
	memset(tcp, 0, sizeof(tcp));
	nherds = nhots = nunds = 0;
	now = 1000 * MS;
	return 0;
}

static void open_sock(struct fake_proc *p, int fd, __u64 sk, __u32 kind, __u16 lport, __u16 rport)
{
	p->fds[fd] = (struct lw_rd_sockinfo){ .sk = sk, .kind = kind, .lport = lport, .rport = rport };
	tcp_of(sk)->lport = lport;
	tcp_of(sk)->rport = rport;
}

static void open_other(struct fake_proc *p, int fd)
{
	p->fds[fd] = (struct lw_rd_sockinfo){ .kind = LW_RD_NOTSOCK };
}

static void ctl(struct fake_proc *p, __u32 pid, int epfd, int op, int fd, __u32 events, __u64 data)
{
	struct lw_rd_ctl c = { .epfd = epfd, .op = op, .fd = fd, .events = events, .data = data };

	current = p;
	lw_rd_ctl(pid, &c);
}

static void th_init(struct th *h, struct fake_proc *p, __u32 pid, __u32 tid)
{
	memset(h, 0, sizeof(*h));
	h->tid = tid;
	h->proc = p;
	h->t.pid = pid;
	h->t.op_fd = -1;
	snprintf(h->t.comm, sizeof(h->t.comm), "srv%u", pid);
}

static void enter(struct th *h, int epfd, long timeout_ms)
{
	current = h->proc;
	lw_rd_wait_enter(&h->t, h->tid, epfd, 0x7000, timeout_ms < 0 ? ~0ull : now + timeout_ms * MS,
			 now);
}

/* The wait returns ret events with these user data (EPOLLIN each). */
static void ret_data(struct th *h, long ret, const __u64 *data)
{
	struct lw_rd_epev ev[LW_RD_SLOTS] = {};
	__u32 n = ret > 0 ? (ret < LW_RD_SLOTS ? ret : LW_RD_SLOTS) : 0;

	for (__u32 i = 0; i < n; i++) {
		ev[i].events = LW_EPOLLIN;
		ev[i].data_lo = (__u32)data[i];
		ev[i].data_hi = (__u32)(data[i] >> 32);
	}
	current = h->proc;
	lw_rd_wait_exit(&h->t, h->tid, ret, ev, n, now, 0);
}

static void ret1(struct th *h, __u64 data)
{
	ret_data(h, 1, &data);
}

static void wake(struct th *h, int cpu)
{
	lw_rd_waking(&h->t, &cpus[cpu], now, 0, (__u64)(uintptr_t)h->proc);
}

static void data_ready(int cpu, __u64 sk)
{
	struct lw_rd_sock *s = lw_rd_data_sock(&cpus[cpu], sk);

	if (s)
		lw_rd_data_ready(&cpus[cpu], s, sk, now);
}

/* A context switch on cpu; h (or NULL) goes to sleep in it. */
static void switch_out(int cpu, struct th *h)
{
	if (cpus[cpu].sk)
		lw_rd_close(&cpus[cpu]);
	if (h)
		lw_rd_sleep(&h->t);
}

static struct lw_rd_sock *sock(__u64 sk)
{
	return fake_lookup(&ready_socks, &sk);
}

/* A connection on listener SK_L (fd 5, user data 5) wakes the three
 * threads t[] waiting on it: t[take] accepts it, t[eagain] finds EAGAIN,
 * t[sleep] goes back to sleep inside its wait; the waker is still on CPU 0. */
static void connection_wakes_three(struct th t[3], int take, int eagain, int sleep)
{
	now += MS;
	data_ready(0, SK_L);
	for (int i = 0; i < 3; i++)
		wake(&t[i], 0);
	assert_int_equal(sock(SK_L)->ev_woken, 3);
	now += 20 * US;
	ret1(&t[take], 5);
	lw_rd_accept(&t[take].t, 5, 9, now);
	ret1(&t[eagain], 5);
	lw_rd_accept(&t[eagain].t, 5, -LW_EAGAIN, now);
	switch_out(1, &t[sleep]);
}

/* Three threads of one process, each with its own epoll instance, all watch
 * one listener: one connection wakes all three; one takes it, one finds
 * EAGAIN, one goes back to sleep inside the wait. One herd, reported when
 * the waker is done and every woken thread has resolved. */
static void herd_shared_listener(void **state)
{
	struct th t[3];

	(void)state;
	open_sock(&procs[0], 5, SK_L, LW_RD_TCP_LISTEN, 8080, 0);
	for (int i = 0; i < 3; i++) {
		th_init(&t[i], &procs[0], 100, 101 + i);
		ctl(&procs[0], 100, 10 + i, LW_EPOLL_CTL_ADD, 5, LW_EPOLLIN, 5);
		enter(&t[i], 10 + i, -1);
	}
	assert_non_null(sock(SK_L));
	connection_wakes_three(t, 0, 1, 2);
	assert_int_equal(nherds, 0);	/* the waker may still wake more */
	switch_out(0, NULL);
	assert_int_equal(nherds, 1);
	assert_int_equal(herds[0].woken, 3);
	assert_int_equal(herds[0].futile, 2);
	assert_int_equal(herds[0].hdr.pid, 100);
	assert_int_equal(herds[0].fd, 5);
	assert_int_equal(herds[0].port, 8080);
	assert_int_equal(t[0].t.wakeups, 1);
	assert_int_equal(t[0].t.futile, 0);
	assert_int_equal(t[1].t.wakeups, 1);
	assert_int_equal(t[1].t.futile, 1);
	assert_int_equal(t[2].t.wakeups, 1);
	assert_int_equal(t[2].t.futile, 1);
	/* nothing more comes of it */
	enter(&t[0], 10, -1);
	enter(&t[1], 11, -1);
	switch_out(0, NULL);
	assert_int_equal(nherds, 1);
}

/* Two threads of one process, each on its own epoll instance holding
 * listener fd 5, both woken by one connection; the waker has switched out. */
static void two_woken_on_listener(struct th t[2])
{
	open_sock(&procs[0], 5, SK_L, LW_RD_TCP_LISTEN, 8080, 0);
	for (int i = 0; i < 2; i++) {
		th_init(&t[i], &procs[0], 100, 101 + i);
		ctl(&procs[0], 100, 10 + i, LW_EPOLL_CTL_ADD, 5, LW_EPOLLIN, 0xabc0 + i);
		enter(&t[i], 10 + i, -1);
	}
	data_ready(0, SK_L);
	wake(&t[0], 0);
	wake(&t[1], 0);
	switch_out(0, NULL);
}

/* The waker finishes first; the last woken thread to resolve reports. */
static void herd_reported_by_last_thread(void **state)
{
	struct th t[2];

	(void)state;
	two_woken_on_listener(t);
	assert_int_equal(nherds, 0);
	ret1(&t[1], 0xabc1);
	lw_rd_accept(&t[1].t, 5, 7, now);
	assert_int_equal(nherds, 0);
	switch_out(1, &t[0]);
	assert_int_equal(nherds, 1);
	assert_int_equal(herds[0].woken, 2);
	assert_int_equal(herds[0].futile, 1);
}

/* Forked workers: the socket is one, the fd numbers and processes differ.
 * The herd belongs to the process that took the connection. */
static void herd_across_processes(void **state)
{
	struct th a, b;

	(void)state;
	open_sock(&procs[0], 3, SK_L, LW_RD_TCP_LISTEN, 9000, 0);
	open_sock(&procs[1], 4, SK_L, LW_RD_TCP_LISTEN, 9000, 0);
	th_init(&a, &procs[0], 200, 200);
	th_init(&b, &procs[1], 201, 201);
	ctl(&procs[0], 200, 7, LW_EPOLL_CTL_ADD, 3, LW_EPOLLIN, 3);
	ctl(&procs[1], 201, 7, LW_EPOLL_CTL_ADD, 4, LW_EPOLLIN, 4);
	assert_int_equal(fake_count(&ready_socks), 1);	/* one entry, two watchers */
	enter(&a, 7, -1);
	enter(&b, 7, -1);
	data_ready(1, SK_L);
	wake(&a, 1);
	wake(&b, 1);
	switch_out(1, NULL);
	switch_out(0, &a);		/* a finds nothing */
	ret1(&b, 4);
	lw_rd_accept(&b.t, 4, 10, now);
	assert_int_equal(nherds, 1);
	assert_int_equal(herds[0].woken, 2);
	assert_int_equal(herds[0].futile, 1);
	assert_int_equal(herds[0].hdr.pid, 201);
	assert_int_equal(herds[0].fd, 4);
	assert_string_equal(herds[0].hdr.comm, "srv201");
}

/* Two threads woken for one event, and each takes a connection (a second
 * one arrived with the first): no wake-up was wasted, so no herd. */
static void every_woken_thread_served_is_no_herd(void **state)
{
	struct th t[2];

	(void)state;
	two_woken_on_listener(t);
	ret1(&t[0], 0xabc0);
	lw_rd_accept(&t[0].t, 5, 7, now);
	ret1(&t[1], 0xabc1);
	lw_rd_accept(&t[1].t, 5, 8, now);
	switch_out(1, NULL);
	assert_int_equal(sock(SK_L)->ev_woken, 2);
	assert_int_equal(nherds, 0);
}

/* EPOLLEXCLUSIVE or SO_REUSEPORT: one thread woken, it takes the connection. */
static void single_wakeup_is_no_herd(void **state)
{
	struct th t;

	(void)state;
	open_sock(&procs[0], 5, SK_L, LW_RD_TCP_LISTEN, 8080, 0);
	th_init(&t, &procs[0], 100, 101);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 5, LW_EPOLLIN | LW_EPOLLEXCLUSIVE, 5);
	enter(&t, 10, -1);
	data_ready(0, SK_L);
	wake(&t, 0);
	switch_out(0, NULL);
	ret1(&t, 5);
	lw_rd_accept(&t.t, 5, 8, now);
	assert_int_equal(nherds, 0);
	assert_int_equal(t.t.wakeups, 1);
	assert_int_equal(t.t.futile, 0);
	assert_int_equal(sock(SK_L)->ev_pending, 0);
}

/* A wake-up is charged to the event on its CPU only if the thread's epoll
 * instance watches that socket, and only right after it. */
static void wakeup_charged_only_to_watched_recent_event(void **state)
{
	struct th t;

	(void)state;
	open_sock(&procs[0], 5, SK_L, LW_RD_TCP_LISTEN, 8080, 0);
	open_sock(&procs[0], 6, SK_A, LW_RD_TCP, 8080, 40000);
	th_init(&t, &procs[0], 100, 101);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 5, LW_EPOLLIN, 5);
	ctl(&procs[0], 100, 11, LW_EPOLL_CTL_ADD, 6, LW_EPOLLIN, 6);	/* another epoll */
	enter(&t, 10, -1);
	data_ready(0, SK_A);
	wake(&t, 0);
	assert_int_equal(t.t.wake_sk, 0);
	assert_int_equal(sock(SK_A)->ev_woken, 0);
	switch_out(1, &t);	/* woken for something else, asleep again */
	assert_int_equal(t.t.futile, 1);
	data_ready(0, SK_L);
	now += 2 * MS;
	wake(&t, 0);
	assert_int_equal(t.t.wake_sk, 0);
	assert_int_equal(cpus[0].sk, 0);	/* a stale event is closed */
}

/* A wake-up that lands while the thread is still switching out to sleep:
 * that switch-out is the sleep it ends, not a futile second one; a real
 * second sleep after it is. */
static void wakeup_racing_with_sleep(void **state)
{
	struct th t;

	(void)state;
	th_init(&t, &procs[0], 100, 101);
	enter(&t, 10, -1);
	lw_rd_waking(&t.t, &cpus[0], now, 1, (__u64)(uintptr_t)t.proc);
	switch_out(1, &t);
	assert_int_equal(t.t.futile, 0);
	ret_data(&t, 1, (__u64[]){ 9 });
	assert_int_equal(t.t.wakeups, 1);
	assert_int_equal(t.t.futile, 0);
	enter(&t, 10, -1);
	lw_rd_waking(&t.t, &cpus[0], now, 1, (__u64)(uintptr_t)t.proc);
	switch_out(1, &t);
	switch_out(1, &t);
	assert_int_equal(t.t.wakeups, 2);
	assert_int_equal(t.t.futile, 1);
}

/* A wait that returns nothing before its timeout was woken for nothing; one
 * that times out was not woken at all. */
static void zero_returns(void **state)
{
	struct th t;

	(void)state;
	th_init(&t, &procs[0], 100, 101);
	enter(&t, 10, 1000);
	now += 5 * MS;
	wake(&t, 0);
	ret_data(&t, 0, NULL);
	assert_int_equal(t.t.wakeups, 1);
	assert_int_equal(t.t.futile, 1);
	enter(&t, 10, 10);
	now += 10 * MS;
	wake(&t, 0);		/* the timer */
	ret_data(&t, 0, NULL);
	assert_int_equal(t.t.wakeups, 1);
	assert_int_equal(t.t.futile, 1);
	enter(&t, 10, -1);
	ret_data(&t, -4, NULL);	/* EINTR */
	assert_int_equal(t.t.wakeups, 1);
}

/* close() then a new socket under the same number, registered again without
 * EPOLL_CTL_DEL: everything maps to the new socket, nothing to the old. */
static void fd_reuse(void **state)
{
	struct th t;
	struct lw_rd_reg_key k;
	struct lw_rd_reg *r;

	(void)state;
	th_init(&t, &procs[0], 100, 101);
	open_sock(&procs[0], 7, SK_A, LW_RD_TCP, 80, 1111);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 7, LW_EPOLLIN, 7);
	open_sock(&procs[0], 8, SK_C, LW_RD_TCP, 80, 3333);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 8, LW_EPOLLIN, 0x1000);
	/* both closed; the numbers come back as new connections */
	open_sock(&procs[0], 7, SK_B, LW_RD_TCP, 80, 2222);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 7, LW_EPOLLIN | LW_EPOLLET, 7);
	open_sock(&procs[0], 8, SK_D, LW_RD_TCP, 80, 4444);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 8, LW_EPOLLIN, 0x2000);

	lw_rd_key(&k, 100, 10, LW_RD_BY_DATA, 7);
	r = fake_lookup(&ready_regs, &k);
	assert_non_null(r);
	assert_int_equal(r->sk, SK_B);
	assert_int_equal(r->events, LW_EPOLLIN | LW_EPOLLET);
	lw_rd_key(&k, 100, 10, LW_RD_BY_SK, SK_A);
	assert_null(fake_lookup(&ready_regs, &k));
	lw_rd_key(&k, 100, 10, LW_RD_BY_DATA, 0x1000);
	assert_null(fake_lookup(&ready_regs, &k));	/* the old data is gone */
	lw_rd_key(&k, 100, 10, LW_RD_BY_SK, SK_C);
	assert_null(fake_lookup(&ready_regs, &k));

	/* the old socket's readiness does not wake this loop's events */
	enter(&t, 10, -1);
	data_ready(0, SK_A);
	wake(&t, 0);
	assert_int_equal(t.t.wake_sk, 0);
	switch_out(0, NULL);
	data_ready(0, SK_B);
	wake(&t, 0);
	assert_int_equal(t.t.wake_sk, SK_B);
	ret1(&t, 7);
	assert_int_equal(t.t.slots[t.t.cur][0].sk, SK_B);
	assert_int_equal(t.t.slots[t.t.cur][0].fd, 7);
	/* data the old registration used now maps to nothing */
	enter(&t, 10, -1);
	ret1(&t, 0x1000);
	assert_int_equal(t.t.slots[t.t.cur][0].fd, -1);
	assert_int_equal(t.t.slots[t.t.cur][0].sk, 0);
}

/* MOD keeps what the fd is; DEL forgets all three entries; an fd that is not
 * a socket is registered as such. */
static void mod_and_del(void **state)
{
	struct lw_rd_reg_key k;
	struct lw_rd_reg *r;

	(void)state;
	open_sock(&procs[0], 7, SK_A, LW_RD_TCP, 80, 1111);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 7, LW_EPOLLIN, 7);
	open_other(&procs[0], 7);	/* would resolve differently now */
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_MOD, 7, LW_EPOLLIN | LW_EPOLLET, 0x77);
	lw_rd_key(&k, 100, 10, LW_RD_BY_DATA, 0x77);
	r = fake_lookup(&ready_regs, &k);
	assert_non_null(r);
	assert_int_equal(r->sk, SK_A);
	assert_int_equal(r->kind, LW_RD_TCP);
	lw_rd_key(&k, 100, 10, LW_RD_BY_DATA, 7);
	assert_null(fake_lookup(&ready_regs, &k));
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_DEL, 7, 0, 0);
	assert_int_equal(fake_count(&ready_regs), 0);
	open_other(&procs[0], 9);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 9, LW_EPOLLIN, 9);
	lw_rd_key(&k, 100, 10, LW_RD_BY_DATA, 9);
	r = fake_lookup(&ready_regs, &k);
	assert_non_null(r);
	assert_int_equal(r->kind, LW_RD_NOTSOCK);
	assert_int_equal(fake_count(&ready_regs), 2);	/* no by-socket entry */
}

/* What the last return resolved is reused for the same data, until any
 * epoll_ctl changes registrations or the thread waits on another epoll. */
static void returned_set_cache(void **state)
{
	struct th t;

	(void)state;
	open_sock(&procs[0], 5, SK_A, LW_RD_TCP, 80, 1111);
	open_sock(&procs[0], 6, SK_B, LW_RD_TCP, 80, 2222);
	th_init(&t, &procs[0], 100, 101);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 5, LW_EPOLLIN, 5);
	ctl(&procs[0], 100, 11, LW_EPOLL_CTL_ADD, 6, LW_EPOLLIN | LW_EPOLLET, 5);
	enter(&t, 10, -1);
	ret1(&t, 5);
	assert_int_equal(t.t.slots[t.t.cur][0].sk, SK_A);
	assert_int_equal(t.t.slot_gen, lw_rd_gen);
	/* the same data from another epoll instance is another registration */
	enter(&t, 11, -1);
	ret1(&t, 5);
	assert_int_equal(t.t.slots[t.t.cur][0].sk, SK_B);
	assert_int_equal(t.t.et_slots, 1);
	/* MOD elsewhere bumps the generation: looked up again, now ET */
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_MOD, 5, LW_EPOLLIN | LW_EPOLLET, 5);
	enter(&t, 10, -1);
	ret1(&t, 5);
	assert_int_equal(t.t.slots[t.t.cur][0].sk, SK_A);
	assert_int_equal(t.t.slots[t.t.cur][0].reg_events, LW_EPOLLIN | LW_EPOLLET);
	assert_int_equal(t.t.et_slots, 1);
	/* EPOLLOUT toggled around a write, same data: nothing changes, the
	 * generation stays, so the returned set stays cached */
	{
		__u64 gen = lw_rd_gen;

		ctl(&procs[0], 100, 10, LW_EPOLL_CTL_MOD, 5, LW_EPOLLIN | LW_EPOLLOUT | LW_EPOLLET, 5);
		ctl(&procs[0], 100, 10, LW_EPOLL_CTL_MOD, 5, LW_EPOLLIN | LW_EPOLLET, 5);
		assert_int_equal(lw_rd_gen, gen);
		/* ... but dropping EPOLLET is a change */
		ctl(&procs[0], 100, 10, LW_EPOLL_CTL_MOD, 5, LW_EPOLLIN, 5);
		assert_int_equal(lw_rd_gen, gen + 1);
		enter(&t, 10, -1);
		ret1(&t, 5);
		assert_int_equal(t.t.et_slots, 0);
		ctl(&procs[0], 100, 10, LW_EPOLL_CTL_MOD, 5, LW_EPOLLIN | LW_EPOLLET, 5);
	}
	/* a DEL too: the data maps to nothing any more */
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_DEL, 5, 0, 0);
	enter(&t, 10, -1);
	ret1(&t, 5);
	assert_int_equal(t.t.slots[t.t.cur][0].sk, 0);
	assert_int_equal(t.t.et_slots, 0);
}

/* A registration as the agent seeds it from /proc: by fd and by data, the
 * socket unknown. */
static void seed(__u32 pid, int epfd, int fd, __u32 events, __u64 data)
{
	struct lw_rd_reg_key k;
	struct lw_rd_reg reg = { .fd = fd, .events = events, .data = data };

	lw_rd_key(&k, pid, epfd, LW_RD_BY_FD, (__u64)(__u32)fd);
	fake_update(&ready_regs, &k, &reg);
	lw_rd_key(&k, pid, epfd, LW_RD_BY_DATA, data);
	fake_update(&ready_regs, &k, &reg);
}

/* A registration seeded from /proc (kind unknown) is resolved in the
 * process the first time a wait returns it. */
static void seeded_registration_resolves(void **state)
{
	struct lw_rd_reg_key k;
	struct th t;

	(void)state;
	seed(100, 10, 5, LW_EPOLLIN, 55);
	open_sock(&procs[0], 5, SK_L, LW_RD_TCP_LISTEN, 8080, 0);
	th_init(&t, &procs[0], 100, 101);
	enter(&t, 10, -1);
	ret1(&t, 55);
	assert_int_equal(t.t.slots[t.t.cur][0].sk, SK_L);
	assert_non_null(sock(SK_L));
	lw_rd_key(&k, 100, 10, LW_RD_BY_SK, SK_L);
	assert_non_null(fake_lookup(&ready_regs, &k));
}

/* Three threads whose registrations of one listener were seeded (the
 * detail tier engaged after they were made); one of them has had it
 * returned since. The next connection still counts all three woken: the
 * other two registrations are tied to the socket at their wake-up. */
static void seeded_herd_counts_every_woken_thread(void **state)
{
	struct th t[3];

	(void)state;
	open_sock(&procs[0], 5, SK_L, LW_RD_TCP_LISTEN, 8080, 0);
	for (int i = 0; i < 3; i++) {
		th_init(&t[i], &procs[0], 100, 101 + i);
		seed(100, 10 + i, 5, LW_EPOLLIN, 5);
	}
	enter(&t[0], 10, -1);
	ret1(&t[0], 5);
	lw_rd_accept(&t[0].t, 5, 9, now);
	for (int i = 0; i < 3; i++)
		enter(&t[i], 10 + i, -1);
	connection_wakes_three(t, 1, 2, 0);
	switch_out(0, NULL);
	assert_int_equal(nherds, 1);
	assert_int_equal(herds[0].woken, 3);
	assert_int_equal(herds[0].futile, 2);
	assert_int_equal(herds[0].fd, 5);
}

/* Level-triggered socket returned again and again, nothing consumed: one
 * report when the run reaches LW_RD_HOT_RUN, then at most once a second. */
static void lt_hot_loop(void **state)
{
	struct th t;
	int i;

	(void)state;
	open_sock(&procs[0], 5, SK_A, LW_RD_TCP, 80, 1111);
	open_other(&procs[0], 6);
	open_sock(&procs[0], 7, SK_B, LW_RD_TCP, 80, 2222);
	th_init(&t, &procs[0], 100, 101);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 5, LW_EPOLLIN, 5);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 6, LW_EPOLLIN, 6);	/* timerfd */
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 7, LW_EPOLLIN | LW_EPOLLET, 7);
	for (i = 1; i <= LW_RD_HOT_RUN + 10; i++) {
		__u64 d[3] = { 5, 6, 7 };

		enter(&t, 10, -1);
		now += 100 * US;
		ret_data(&t, 3, d);
		if (i == LW_RD_HOT_RUN - 1)
			assert_int_equal(nhots, 0);
	}
	assert_int_equal(nhots, 1);	/* neither the timerfd nor the ET socket */
	assert_int_equal(hots[0].fd, 5);
	assert_int_equal(hots[0].wakeups, LW_RD_HOT_RUN);
	assert_int_equal(hots[0].hdr.tid, 101);
	now += LW_RD_HOT_REPEAT_NS;
	enter(&t, 10, -1);
	ret1(&t, 5);
	assert_int_equal(nhots, 2);
	assert_int_equal(hots[1].wakeups, LW_RD_HOT_RUN + 11);
	/* a read ends the run */
	lw_rd_recv(&t.t, SK_A, 1, 0, now);
	enter(&t, 10, -1);
	ret1(&t, 5);
	assert_int_equal(t.t.slots[t.t.cur][0].run, 1);
	/* so does a reader the probes do not see (splice): copied_seq moves */
	for (i = 0; i < 3; i++) {
		enter(&t, 10, -1);
		ret1(&t, 5);
	}
	assert_int_equal(t.t.slots[t.t.cur][0].run, 4);
	tcp_of(SK_A)->copied += 100;
	enter(&t, 10, -1);
	ret1(&t, 5);
	assert_int_equal(t.t.slots[t.t.cur][0].run, 1);
	/* a peek consumes nothing */
	lw_rd_recv(&t.t, SK_A, 1, 1, now);
	enter(&t, 10, -1);
	ret1(&t, 5);
	assert_int_equal(t.t.slots[t.t.cur][0].run, 2);
}

/* After the first receive of a return, a level-triggered TCP server's
 * receives cost one lookup: copied_seq shows what they consumed. Sockets
 * without it (UDP, unix) and edge-triggered ones are still followed. */
static void receives_after_the_first(void **state)
{
	struct th t;
	__u64 d[3] = { 5, 6, 7 };
	struct lw_rd_slot *sl;

	(void)state;
	open_sock(&procs[0], 5, SK_A, LW_RD_TCP, 80, 1111);
	open_sock(&procs[0], 6, SK_B, LW_RD_TCP, 80, 2222);
	open_sock(&procs[0], 7, SK_C, LW_RD_SOCK, 53, 0);
	th_init(&t, &procs[0], 100, 101);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 5, LW_EPOLLIN, 5);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 6, LW_EPOLLIN, 6);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 7, LW_EPOLLIN, 7);
	enter(&t, 10, -1);
	ret_data(&t, 2, d);
	assert_int_equal(t.t.op_slots, 0);
	sl = t.t.slots[t.t.cur];
	lw_rd_recv(&t.t, SK_A, 10, 0, now);
	lw_rd_recv(&t.t, SK_B, 10, 0, now);
	assert_int_equal(sl[0].consumed, 1);
	assert_int_equal(sl[1].consumed, 0);	/* skipped: copied_seq tells */
	enter(&t, 10, -1);
	ret_data(&t, 3, d);
	assert_int_equal(t.t.op_slots, 1);
	sl = t.t.slots[t.t.cur];
	lw_rd_recv(&t.t, SK_A, 10, 0, now);
	lw_rd_recv(&t.t, SK_C, 10, 0, now);
	assert_int_equal(sl[2].consumed, 1);
}

/* EPOLLET socket left with bytes in it: one report per episode, und_ts kept
 * fresh for the starvation watch; EAGAIN ends the episode. */
static void undrained_et(void **state)
{
	struct th t;
	struct lw_rd_sock *s;

	(void)state;
	open_sock(&procs[0], 5, SK_A, LW_RD_TCP, 80, 1111);
	th_init(&t, &procs[0], 100, 101);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 5, LW_EPOLLIN | LW_EPOLLET, 5);
	enter(&t, 10, -1);
	tcp_of(SK_A)->unread = 4096;
	data_ready(0, SK_A);
	ret1(&t, 5);
	lw_rd_recv(&t.t, SK_A, 100, 0, now);
	tcp_of(SK_A)->unread = 3996;
	now += 10 * US;
	enter(&t, 10, -1);
	assert_int_equal(nunds, 1);
	assert_int_equal(unds[0].fd, 5);
	assert_int_equal(unds[0].bytes_left, 3996);
	assert_int_equal(unds[0].hdr.tid, 101);
	s = sock(SK_A);
	assert_int_equal(s->und_ts, now);
	/* the next edge, the same mistake: no second report, fresher und_ts */
	now += 50 * MS;
	data_ready(0, SK_A);
	ret1(&t, 5);
	lw_rd_recv(&t.t, SK_A, 100, 0, now);
	tcp_of(SK_A)->unread = 7992;
	now += 10 * US;
	enter(&t, 10, -1);
	assert_int_equal(nunds, 1);
	assert_int_equal(s->und_ts, now);
	assert_int_equal(s->und_bytes, 7992);
	assert_true(s->edge_ts < s->und_ts);
	/* read to EAGAIN: the episode ends; a new one is reported again */
	data_ready(0, SK_A);
	ret1(&t, 5);
	lw_rd_recv(&t.t, SK_A, 7992, 0, now);
	lw_rd_recv(&t.t, SK_A, -LW_EAGAIN, 0, now);
	tcp_of(SK_A)->unread = 0;
	enter(&t, 10, -1);
	assert_int_equal(s->und_ts, 0);
	assert_int_equal(s->und_reported, 0);
	tcp_of(SK_A)->unread = 500;
	data_ready(0, SK_A);
	ret1(&t, 5);
	lw_rd_recv(&t.t, SK_A, 100, 0, now);
	enter(&t, 10, -1);
	assert_int_equal(nunds, 2);
}

/* A socket registered before connect() had no ports then: the report names
 * the ones it has when it is sent, as the probes read them. */
static void undrained_ports_when_reported(void **state)
{
	struct th t;

	(void)state;
	open_sock(&procs[0], 5, SK_A, LW_RD_TCP, 0, 0);
	th_init(&t, &procs[0], 100, 101);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 5, LW_EPOLLIN | LW_EPOLLET, 5);
	open_sock(&procs[0], 5, SK_A, LW_RD_TCP, 80, 1111);	/* connect() */
	enter(&t, 10, -1);
	tcp_of(SK_A)->unread = 4096;
	data_ready(0, SK_A);
	ret1(&t, 5);
	lw_rd_recv(&t.t, SK_A, 100, 0, now);
	tcp_of(SK_A)->unread = 3996;
	now += 10 * US;
	enter(&t, 10, -1);
	assert_int_equal(nunds, 1);
	assert_int_equal(sock(SK_A)->lport, 0);
	assert_int_equal(unds[0].lport, 80);
	assert_int_equal(unds[0].rport, 1111);
}

/* Not undrained: read to EAGAIN (et-correct), end of file, EPOLLONESHOT,
 * level-triggered, and an fd closed and reused before the next wait. */
static void undrained_et_controls(void **state)
{
	struct th t;

	(void)state;
	open_sock(&procs[0], 5, SK_A, LW_RD_TCP, 80, 1111);
	open_sock(&procs[0], 6, SK_B, LW_RD_TCP, 80, 2222);
	open_sock(&procs[0], 7, SK_C, LW_RD_TCP, 80, 3333);
	open_sock(&procs[0], 8, SK_D, LW_RD_TCP, 80, 4444);
	th_init(&t, &procs[0], 100, 101);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 5, LW_EPOLLIN | LW_EPOLLET, 5);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 6, LW_EPOLLIN | LW_EPOLLET | LW_EPOLLONESHOT, 6);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 7, LW_EPOLLIN, 7);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 8, LW_EPOLLIN | LW_EPOLLET, 8);
	tcp_of(SK_A)->unread = 10;	/* arrived after the EAGAIN: a new edge */
	tcp_of(SK_B)->unread = 10;
	tcp_of(SK_C)->unread = 10;
	tcp_of(SK_D)->unread = 10;
	for (int round = 0; round < 2; round++) {
		__u64 d[4] = { 5, 6, 7, 8 };

		enter(&t, 10, -1);
		ret_data(&t, 4, d);
		lw_rd_recv(&t.t, SK_A, 100, 0, now);
		lw_rd_recv(&t.t, SK_A, -LW_EAGAIN, 0, now);
		lw_rd_recv(&t.t, SK_B, 1, 0, now);
		lw_rd_recv(&t.t, SK_C, 1, 0, now);
		if (round == 0) {
			lw_rd_recv(&t.t, SK_D, 0, 0, now);	/* end of file */
		} else {
			lw_rd_recv(&t.t, SK_D, 1, 0, now);
			open_sock(&procs[0], 8, SK_L, LW_RD_TCP, 80, 5555);	/* reused */
		}
	}
	enter(&t, 10, -1);
	assert_int_equal(nunds, 0);
}

/* A keep-alive client's next request arrives while the loop, having read
 * the last one whole, is still on its way back to the wait: those bytes
 * raised an edge of their own, so they are no episode. Bytes that were
 * there at the hand-over and are still unread are one, whatever came
 * after them. */
static void undrained_not_for_bytes_after_handover(void **state)
{
	struct th t;
	struct fake_tcp *q;

	(void)state;
	open_sock(&procs[0], 5, SK_A, LW_RD_TCP, 80, 1111);
	th_init(&t, &procs[0], 100, 101);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 5, LW_EPOLLIN | LW_EPOLLET, 5);
	q = tcp_of(SK_A);
	q->unread = 100;
	for (int req = 0; req < 3; req++) {
		enter(&t, 10, -1);
		data_ready(0, SK_A);
		ret1(&t, 5);
		lw_rd_recv(&t.t, SK_A, 100, 0, now);	/* the request, whole */
		q->copied += 100;
		q->unread -= 100;
		q->unread += 100;			/* the next one, early */
		now += 10 * US;
	}
	enter(&t, 10, -1);
	assert_int_equal(nunds, 0);
	/* read 20 of the 100 handed over; 40 more arrive: the 80 are an episode */
	data_ready(0, SK_A);
	ret1(&t, 5);
	lw_rd_recv(&t.t, SK_A, 20, 0, now);
	q->copied += 20;
	q->unread -= 20;
	q->unread += 40;
	enter(&t, 10, -1);
	assert_int_equal(nunds, 1);
	assert_int_equal(unds[0].bytes_left, 120);
}

/* Readiness lag: from the first arrival not handed over to the return that
 * hands it over, counted once. */
static void readiness_lag(void **state)
{
	struct th t, u;

	(void)state;
	open_sock(&procs[0], 5, SK_A, LW_RD_TCP, 80, 1111);
	th_init(&t, &procs[0], 100, 101);
	th_init(&u, &procs[0], 100, 102);
	ctl(&procs[0], 100, 10, LW_EPOLL_CTL_ADD, 5, LW_EPOLLIN, 5);
	ctl(&procs[0], 100, 11, LW_EPOLL_CTL_ADD, 5, LW_EPOLLIN, 5);
	enter(&t, 10, -1);
	enter(&u, 11, -1);
	data_ready(0, SK_A);
	now += 40 * US;
	data_ready(0, SK_A);	/* more before the hand-over: the first counts */
	now += 10 * US;
	ret1(&t, 5);
	assert_int_equal(t.t.ready_hist[5], 1);	/* 50 us: [32, 64) us */
	assert_int_equal(t.t.ready_max_ns[0], 50 * US);
	ret1(&u, 5);				/* the same data again: not counted */
	for (int s = 0; s < LW_LAG_SLOTS; s++)
		assert_int_equal(u.t.ready_hist[s], 0);
	enter(&t, 10, -1);
	now += 100 * MS;
	data_ready(0, SK_A);
	now += 98 * MS;
	ret1(&t, 5);
	assert_int_equal(t.t.ready_max_ns[0], 98 * MS);
}

/* A woken thread that exits resolves its event. */
static void exit_resolves(void **state)
{
	struct th t[2];

	(void)state;
	open_sock(&procs[0], 5, SK_L, LW_RD_TCP_LISTEN, 8080, 0);
	for (int i = 0; i < 2; i++) {
		th_init(&t[i], &procs[0], 100, 101 + i);
		ctl(&procs[0], 100, 10 + i, LW_EPOLL_CTL_ADD, 5, LW_EPOLLIN, 5);
		enter(&t[i], 10 + i, -1);
	}
	data_ready(0, SK_L);
	wake(&t[0], 0);
	wake(&t[1], 0);
	switch_out(0, &t[0]);
	lw_rd_exit(&t[1].t);
	assert_int_equal(nherds, 1);
	assert_int_equal(herds[0].woken, 2);
	assert_int_equal(herds[0].futile, 1);
	assert_int_equal(t[1].t.exited, 1);
}

/* ---- agent side ---- */

static bool always(uint32_t pid, uint64_t st)
{
	(void)pid;
	(void)st;
	return true;
}

static struct lw_rd_snap *rsnap(size_t n)
{
	return calloc(n, sizeof(struct lw_rd_snap));
}

/* Interval figures are deltas; a reused tid starts from zero; a thread with
 * nothing new does not make its process show up. */
static void agent_fold_threads(void **state)
{
	struct lw_readiness r;
	struct lw_model m;
	struct lw_rd_snap *a = rsnap(2), *b = rsnap(2);
	struct lw_proc *p;

	(void)state;
	lw_model_init(&m);
	m.pid_alive = always;
	lw_rd_init(&r, 200);
	a[0] = (struct lw_rd_snap){ .tid = 11, .t = { .pid = 10, .start_time = 1, .wakeups = 9,
						       .futile = 7 } };
	a[0].t.ready_hist[5] = 4;
	a[0].t.ready_max_ns[0] = 60 * US;
	a[1] = (struct lw_rd_snap){ .tid = 21, .t = { .pid = 20, .start_time = 1 } };
	assert_int_equal(lw_rd_apply_threads(&r, &m, a, 2, 0), 0);
	p = lw_model_find(&m, 10);
	assert_non_null(p);
	assert_int_equal(p->iv.wakeups, 9);
	assert_int_equal(p->iv.futile, 7);
	assert_int_equal(p->iv.ready_hist[5], 4);
	assert_int_equal(p->iv.ready_max_ns, 60 * US);
	assert_null(lw_model_find(&m, 20));
	assert_true(lw_rd_ready_ms(&p->iv, 0.99) <= 0.060 + 1e-9);
	lw_model_end_interval(&m);
	b[0] = a[0];
	b[0].t.wakeups = 12;
	b[0].t.futile = 8;
	b[1] = (struct lw_rd_snap){ .tid = 21, .t = { .pid = 20, .start_time = 2, .wakeups = 3 } };
	assert_int_equal(lw_rd_apply_threads(&r, &m, b, 2, 1), 0);
	p = lw_model_find(&m, 10);
	assert_int_equal(p->iv.wakeups, 3);
	assert_int_equal(p->iv.futile, 1);
	assert_int_equal(p->iv.ready_hist[5], 0);
	assert_int_equal(p->iv.ready_max_ns, 0);	/* epoch 0's maximum is old */
	assert_int_equal(lw_model_find(&m, 20)->iv.wakeups, 3);
	lw_rd_free(&r);
	lw_model_free(&m);
}

static void agent_herd_lines_capped(void **state)
{
	struct lw_readiness r;
	struct lw_model m;
	struct lw_herd_event e = { .hdr = { .pid = 10, .comm = "srv" }, .woken = 8, .futile = 7 };
	int printed = 0;

	(void)state;
	lw_model_init(&m);
	m.pid_alive = always;
	lw_rd_init(&r, 200);
	for (int i = 0; i < LW_RD_HERD_LINES + 5; i++)
		printed += lw_rd_on_herd(&r, &m, &e);
	assert_int_equal(printed, LW_RD_HERD_LINES);
	assert_int_equal(lw_model_find(&m, 10)->iv.herds, LW_RD_HERD_LINES + 5);
	lw_model_end_interval(&m);
	lw_rd_end_interval(&r);
	assert_true(lw_rd_on_herd(&r, &m, &e));
	lw_rd_free(&r);
	lw_model_free(&m);
}

/* The kernel's socket entries, as the starvation watch reads them. */
static struct lw_rd_sock ksocks[4];
static __u64 ksock_keys[4];

static int fake_sock(void *ctx, uint64_t sk, struct lw_rd_sock *out)
{
	(void)ctx;
	for (int i = 0; i < 4; i++)
		if (ksock_keys[i] == sk) {
			*out = ksocks[i];
			return 0;
		}
	return -ENOENT;
}

static void agent_starvation(void **state)
{
	struct lw_readiness r;
	struct lw_model m;
	struct lw_starved out[4];
	struct lw_undrained_event e = { .hdr = { .pid = 10, .tid = 11, .comm = "srv" }, .sk = SK_A,
					.fd = 5, .bytes_left = 3996, .lport = 80, .rport = 1111 };
	uint64_t t0 = 5000 * MS;

	(void)state;
	lw_model_init(&m);
	m.pid_alive = always;
	lw_rd_init(&r, 200);
	memset(ksocks, 0, sizeof(ksocks));
	ksock_keys[0] = SK_A;
	ksocks[0] = (struct lw_rd_sock){ .und_ts = t0, .edge_ts = t0 - 10 * US, .und_bytes = 8000,
					 .und_pid = 10, .und_tid = 11, .und_fd = 5 };
	assert_false(lw_rd_watching(&r));
	lw_rd_on_undrained(&r, &m, &e);
	lw_rd_on_undrained(&r, &m, &e);		/* one watch per socket */
	assert_int_equal(r.npend, 1);
	assert_int_equal(lw_model_find(&m, 10)->iv.undrained_et, 2);
	assert_true(lw_rd_watching(&r));
	assert_int_equal(lw_rd_check_ms(&r), 50);
	assert_int_equal(lw_rd_check_starved(&r, &m, t0 + 199 * MS, fake_sock, NULL, out, 4), 0);
	assert_int_equal(lw_rd_check_starved(&r, &m, t0 + 230 * MS, fake_sock, NULL, out, 4), 1);
	assert_int_equal(out[0].pid, 10);
	assert_int_equal(out[0].tid, 11);
	assert_int_equal(out[0].fd, 5);
	assert_int_equal(out[0].bytes_left, 8000);
	assert_int_equal(out[0].lport, 80);
	assert_int_equal(out[0].rport, 1111);
	assert_float_equal(out[0].starved_ms, 230.0, 1e-6);
	assert_int_equal(lw_model_find(&m, 10)->iv.et_starved, 1);
	/* once per episode */
	assert_int_equal(lw_rd_check_starved(&r, &m, t0 + 900 * MS, fake_sock, NULL, out, 4), 0);
	/* data came again, the loop took one more chunk and stopped: again */
	ksocks[0].edge_ts = t0 + 1000 * MS;
	ksocks[0].und_ts = t0 + 1000 * MS + 20 * US;
	assert_int_equal(lw_rd_check_starved(&r, &m, t0 + 1100 * MS, fake_sock, NULL, out, 4), 0);
	assert_int_equal(lw_rd_check_starved(&r, &m, t0 + 1300 * MS, fake_sock, NULL, out, 4), 1);
	/* a new edge after the last re-entry: the bytes will be handed over */
	ksocks[0].edge_ts = t0 + 1400 * MS;
	ksocks[0].und_ts = t0 + 1300 * MS;
	assert_int_equal(lw_rd_check_starved(&r, &m, t0 + 1700 * MS, fake_sock, NULL, out, 4), 0);
	/* drained: let go */
	ksocks[0].und_ts = 0;
	assert_int_equal(lw_rd_check_starved(&r, &m, t0 + 1800 * MS, fake_sock, NULL, out, 4), 0);
	assert_false(lw_rd_watching(&r));
	/* closed (the entry is gone): let go */
	lw_rd_on_undrained(&r, &m, &e);
	ksock_keys[0] = 0;
	assert_int_equal(lw_rd_check_starved(&r, &m, t0 + 9000 * MS, fake_sock, NULL, out, 4), 0);
	assert_false(lw_rd_watching(&r));
	lw_rd_free(&r);
	lw_model_free(&m);
}

static void agent_json_lines(void **state)
{
	struct lw_json j = {};
	struct timespec ts = { .tv_sec = 0 };
	struct lw_herd_event h = { .hdr = { .pid = 10, .comm = "srv" }, .woken = 8, .futile = 7,
				   .fd = 3, .port = 8080 };
	struct lw_starved s = { .pid = 10, .tid = 11, .comm = "srv", .fd = 5, .bytes_left = 7,
				.lport = 80, .rport = 1111, .starved_ms = 250.5 };
	const char *line;

	(void)state;
	line = lw_json_herd(&j, &ts, &h);
	assert_non_null(strstr(line, "\"type\":\"herd\""));
	assert_non_null(strstr(line, "\"pid\":10,\"comm\":\"srv\",\"woken\":8,\"futile\":7,\"fd\":3,\"port\":8080}"));
	line = lw_json_starved(&j, &ts, &s);
	assert_non_null(strstr(line, "\"type\":\"et_starved\""));
	assert_non_null(strstr(line, "\"fd\":5,\"bytes_left\":7,\"local_port\":80,\"remote_port\":1111,\"starved_ms\":250.500}"));
	lw_json_free(&j);
}

/* --max-sockets sizes the socket and registration maps. */
static void option_max_sockets(void **state)
{
	struct lw_options o;
	char err[128];
	char *ok[] = { "loopwatch", "--max-sockets", "100000", NULL };
	char *bad[] = { "loopwatch", "--max-sockets", "63", NULL };

	(void)state;
	lw_options_defaults(&o);
	assert_int_equal(o.max_sockets, 65536);
	assert_int_equal(lw_options_parse(&o, 3, ok, stdout, err, sizeof(err)), LW_OPT_RUN);
	assert_int_equal(o.max_sockets, 100000);
	assert_true(o.set_mask & LW_SET_MAX_SOCKETS);
	lw_options_defaults(&o);
	assert_true(lw_options_parse(&o, 3, bad, stdout, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "--max-sockets"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(herd_shared_listener, setup),
		cmocka_unit_test_setup(herd_reported_by_last_thread, setup),
		cmocka_unit_test_setup(herd_across_processes, setup),
		cmocka_unit_test_setup(every_woken_thread_served_is_no_herd, setup),
		cmocka_unit_test_setup(single_wakeup_is_no_herd, setup),
		cmocka_unit_test_setup(wakeup_charged_only_to_watched_recent_event, setup),
		cmocka_unit_test_setup(wakeup_racing_with_sleep, setup),
		cmocka_unit_test_setup(zero_returns, setup),
		cmocka_unit_test_setup(fd_reuse, setup),
		cmocka_unit_test_setup(mod_and_del, setup),
		cmocka_unit_test_setup(returned_set_cache, setup),
		cmocka_unit_test_setup(seeded_registration_resolves, setup),
		cmocka_unit_test_setup(seeded_herd_counts_every_woken_thread, setup),
		cmocka_unit_test_setup(lt_hot_loop, setup),
		cmocka_unit_test_setup(receives_after_the_first, setup),
		cmocka_unit_test_setup(undrained_et, setup),
		cmocka_unit_test_setup(undrained_ports_when_reported, setup),
		cmocka_unit_test_setup(undrained_et_controls, setup),
		cmocka_unit_test_setup(undrained_not_for_bytes_after_handover, setup),
		cmocka_unit_test_setup(readiness_lag, setup),
		cmocka_unit_test_setup(exit_resolves, setup),
		cmocka_unit_test(agent_fold_threads),
		cmocka_unit_test(agent_herd_lines_capped),
		cmocka_unit_test(agent_starvation),
		cmocka_unit_test(agent_json_lines),
		cmocka_unit_test(option_max_sockets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
