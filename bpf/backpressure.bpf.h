// SPDX-License-Identifier: GPL-2.0
/*
 * Backpressure: how full the receive, send and accept queues of a process's
 * TCP/UDP sockets get, what is dropped for want of buffer space, what TCP
 * sends again, and (from a sweep the agent runs every interval) how close a
 * process is to its descriptor limit.
 *
 * A socket learns its owner in process context (a read, a write, connect,
 * listen, or the sweep finding it in a descriptor table) and keeps it in
 * socket-local storage, so the softirq and timer paths (data arriving,
 * drops, retransmits) charge the right process. Everything aggregates per
 * process in lw_bp_procs; the ring buffer carries only queues that cross
 * LW_BP_NOTABLE or drop, at most once per socket and queue per interval.
 *
 * Included once, by loopwatch.bpf.c, which runs the handlers of hooks shared
 * with other families; the programs of hooks only this family uses are here.
 */
#ifndef LOOPWATCH_BACKPRESSURE_BPF_H
#define LOOPWATCH_BACKPRESSURE_BPF_H

#include "common.bpf.h"
#include <bpf/bpf_endian.h>
#include "backpressure.h"

#define LW_AF_INET 2
#define LW_AF_INET6 10
#define LW_IPPROTO_TCP 6
#define LW_IPPROTO_UDP 17
#define LW_TCP_SYN_SENT 2
#define LW_TCP_SYN_RECV 3
#define LW_TCP_LISTEN 10
#define LW_EAGAIN 11
#define LW_RLIMIT_NOFILE 7
#define LW_O_NONBLOCK 04000
#define LW_MSG_DONTWAIT 0x40

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	/* CLONE: an accepted connection starts out owned by its listener's process */
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct lw_bp_sock);
} lw_bp_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LW_BP_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct lw_bp_proc);
} lw_bp_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LW_BP_MAX_REMOTES);
	__type(key, struct lw_bp_remote_key);
	__type(value, __u64);
} lw_bp_remotes SEC(".maps");

/* Process entries are created from this (too large for the stack); static
 * keeps it out of the skeleton, which would need this header everywhere. */
static const struct lw_bp_proc lw_bp_zero_proc = {};

static __always_inline bool bp_tracked(const struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;
	__u16 proto = sk->sk_protocol;

	return (family == LW_AF_INET || family == LW_AF_INET6) &&
	       (proto == LW_IPPROTO_TCP || proto == LW_IPPROTO_UDP);
}

static __always_inline __u32 bp_ratio(__u64 queued, __u64 limit)
{
	__u64 r;

	if (!limit)
		return 0;
	r = queued * LW_BP_ONE / limit;
	return r > 0xffffffffull ? 0xffffffffu : (__u32)r;
}

static __always_inline __u32 bp_rmem(const struct sock *sk)
{
	int v = sk->sk_backlog.rmem_alloc.counter;

	return v > 0 ? v : 0;
}

/* TCP accounts queued send data in sk_wmem_queued; UDP only in sk_wmem_alloc,
 * which holds one extra reference while the socket lives. */
static __always_inline __u32 bp_wmem(const struct sock *sk, bool tcp)
{
	int v = tcp ? sk->sk_wmem_queued : (int)sk->sk_wmem_alloc.refs.counter - 1;

	return v > 0 ? v : 0;
}

/*
 * A clone's storage is its listener's, copied when the connection was
 * accepted: keep the owner, start everything else afresh. Also catches
 * clones made before the probes were attached.
 */
static __always_inline void bp_fix_clone(struct lw_bp_sock *s, const struct sock *sk)
{
	if (s->self == (__u64)sk)
		return;
	s->self = (__u64)sk;
	s->is_listener = 0;
	s->fd = -1;
	s->hw_epoch = 0;
	s->drops_pending = 0;
	s->drops_seen = 0;
	s->rcv_mark = 0;
	s->copied_mark = 0;
	__builtin_memset(s->ev_epoch, 0, sizeof(s->ev_epoch));
}

/* The process entry a socket charges; created on the first charge, and
 * started over when a newer process has taken the pid. */
static __always_inline struct lw_bp_proc *bp_proc(const struct lw_bp_sock *s)
{
	__u32 pid = s->pid;
	struct lw_bp_proc *p = bpf_map_lookup_elem(&lw_bp_procs, &pid);

	if (p && (p->start_time == s->start_time || !p->start_time)) {
		p->start_time = s->start_time;
		return p;
	}
	/* a socket of a dead process whose pid lives on must not reset it */
	if (p && p->start_time > s->start_time)
		return NULL;
	/* Threads of a new process racing to make its entry (a pool connecting
	 * at once): only the first makes it, the others count in that one; an
	 * entry made again over it would lose their counts. */
	p = lw_map_init(&lw_bp_procs, &pid, &lw_bp_zero_proc, p ? BPF_EXIST : BPF_NOEXIST);
	if (!p) {
		p = bpf_map_lookup_elem(&lw_bp_procs, &pid);
		return p && (p->start_time == s->start_time || !p->start_time) ? p : NULL;
	}
	p->start_time = s->start_time;
	__builtin_memcpy(p->comm, s->comm, LW_COMM_LEN);
	return p;
}

/*
 * Storage of a socket the current task uses: created on first use, its owner
 * switched when another process uses it (a descriptor passed on or inherited).
 * NULL for sockets that are not TCP/UDP or whose owner is filtered out; those
 * cost this one lookup from then on.
 */
static __always_inline struct lw_bp_sock *bp_own(struct sock *sk)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32;
	struct lw_bp_sock *s = bpf_sk_storage_get(&lw_bp_socks, sk, NULL, 0);
	struct task_struct *task;
	char comm[LW_COMM_LEN];

	if (s && s->pid == pid) {
		bp_fix_clone(s, sk);
		s->tid = (__u32)id;
		return s->watched ? s : NULL;
	}
	if (!s) {
		if (!bp_tracked(sk))
			return NULL;
		s = bpf_sk_storage_get(&lw_bp_socks, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
		if (!s)
			return NULL;
		s->self = (__u64)sk;
		s->is_tcp = sk->sk_protocol == LW_IPPROTO_TCP;
	}
	bp_fix_clone(s, sk);
	task = bpf_get_current_task_btf();
	bpf_probe_read_kernel_str(comm, sizeof(comm), task->group_leader->comm);
	s->pid = pid;
	s->tid = (__u32)id;
	s->start_time = task->group_leader->start_time;
	s->fd = -1;
	__builtin_memcpy(s->comm, comm, LW_COMM_LEN);
	s->watched = lw_process_wanted(pid, comm);
	if (!s->watched)
		return NULL;
	bp_proc(s);
	return s;
}

/* Storage of a socket seen outside its owner's context; NULL if unwatched. */
static __always_inline struct lw_bp_sock *bp_get(const struct sock *sk)
{
	struct lw_bp_sock *s;

	if (!sk)
		return NULL;
	s = bpf_sk_storage_get(&lw_bp_socks, (struct sock *)sk, NULL, 0);
	if (!s || !s->watched)
		return NULL;
	bp_fix_clone(s, sk);
	return s;
}

static __always_inline void bp_emit(const struct sock *sk, struct lw_bp_sock *s, __u32 q,
				    __u32 ratio, __u32 queued, __u32 limit)
{
	__u64 e1 = lw_epoch + 1;
	struct lw_bp_event *e;

	if (q >= LW_BPQ_MAX || s->ev_epoch[q] == e1)
		return;
	e = lw_event_reserve(sizeof(*e), LW_EV_BACKPRESSURE, s->pid, s->tid, s->comm);
	if (!e)
		return;
	s->ev_epoch[q] = e1;
	e->queue = q;
	e->fd = s->fd;
	e->ratio = ratio;
	e->drops = 0;
	if (q != LW_BPQ_SND) {
		e->drops = s->drops_pending;
		s->drops_pending = 0;
	}
	e->queued = queued;
	e->limit = limit;
	e->local_port = sk->__sk_common.skc_num;
	e->remote_port = bpf_ntohs(sk->__sk_common.skc_dport);
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
}

/*
 * One occupancy sample: the socket's and its process's high-water marks,
 * and an event when the queue is notably full or dropped something. Most
 * samples neither raise the mark nor report: they are told apart with
 * multiplications, and only the rest pay for a division.
 */
static __always_inline void bp_sample(const struct sock *sk, struct lw_bp_sock *s, __u32 q,
				      __u32 queued, __u32 limit)
{
	__u64 epoch = lw_epoch, e1 = epoch + 1, scaled = (__u64)queued * LW_BP_ONE;
	bool rising, notable;
	__u32 ratio;

	if (q >= LW_BPQ_MAX || !limit)
		return;
	if (s->hw_epoch != e1) {
		s->hw_epoch = e1;
		__builtin_memset(s->hw, 0, sizeof(s->hw));
	}
	rising = scaled > (__u64)s->hw[q] * limit;
	notable = (scaled >= (__u64)LW_BP_NOTABLE * limit ||
		   (q != LW_BPQ_SND && s->drops_pending)) && s->ev_epoch[q] != e1;
	if (!rising && !notable)
		return;
	ratio = bp_ratio(queued, limit);
	/* the process entry is touched only when this socket's mark rises */
	if (rising) {
		struct lw_bp_proc *p = bp_proc(s);
		__u32 slot = epoch & 1;

		s->hw[q] = ratio;
		if (p) {
			if (p->hw_epoch[slot] != epoch) {
				p->hw_epoch[slot] = epoch;
				__builtin_memset(p->hw[slot], 0, sizeof(p->hw[slot]));
			}
			if (ratio > p->hw[slot][q])
				p->hw[slot][q] = ratio;
		}
	}
	if (notable)
		bp_emit(sk, s, q, ratio, queued, limit);
}

static __always_inline void bp_sample_rcv(const struct sock *sk, struct lw_bp_sock *s)
{
	bp_sample(sk, s, LW_BPQ_RCV, bp_rmem(sk), sk->sk_rcvbuf);
}

static __always_inline void bp_sample_snd(const struct sock *sk, struct lw_bp_sock *s)
{
	bp_sample(sk, s, LW_BPQ_SND, bp_wmem(sk, s->is_tcp), sk->sk_sndbuf);
}

/* A listener's queue, and the connections it refused since the last look:
 * tcp_listendrop() counts each one in the listener's sk_drops. */
/* An edge-triggered socket whose bytes lay a whole interval with nothing
 * read and nothing arrived: no edge came, and none will. The readiness
 * entry check sees this only at a wait call after a hand-over, which such a
 * socket never gets again; a socket stuck before the detail tier engaged
 * would go unreported. So the sweep opens the episode (undrained_et), and
 * the agent's starvation watch takes it from there, as for any other.
 * Whether an epoll instance holds it edge-triggered is read from the
 * socket's file, as the kernel has it now: epoll_ctl is watched only while
 * the detail tier is engaged. Which of the process's threads waits on that
 * instance is for the agent to find (ep_file): the record's tid is the pid. */
static __always_inline void bp_still_et(const struct sock *sk, const struct lw_bp_sock *s)
{
	__u64 key = (__u64)sk, ep_file;
	struct lw_rd_sock fresh = {}, *rs;
	struct lw_undrained_event *e;
	struct epitem *epi;
	__u32 left;

	if (s->fd < 0)
		return;
	rs = bpf_map_lookup_elem(&ready_socks, &key);
	if (rs && rs->und_reported)
		return;
	epi = lw_file_epitem(BPF_CORE_READ(sk, sk_socket, file), 0,
			     LW_EPOLLIN | LW_EPOLLET | LW_EPOLLONESHOT, LW_EPOLLIN | LW_EPOLLET);
	if (!epi)
		return;
	ep_file = (__u64)BPF_CORE_READ(epi, ep, file);
	left = lw_rd_unread(key);
	if (!left)
		return;
	if (!rs) {
		fresh.kind = LW_RD_TCP;
		rs = bpf_map_lookup_or_try_init(&ready_socks, &key, &fresh);
		if (!rs)
			return;
	}
	rs->und_ts = bpf_ktime_get_ns();
	rs->und_bytes = left;
	rs->und_pid = s->pid;
	rs->und_tid = 0;
	rs->und_fd = s->fd;
	rs->und_reported = 1;
	e = lw_event_reserve(sizeof(*e), LW_EV_UNDRAINED_ET, s->pid, s->pid, s->comm);
	if (!e)
		return;
	e->sk = key;
	e->fd = s->fd;
	e->bytes_left = left;
	lw_rd_sk_ports(key, &e->lport, &e->rport);
	e->pad = 0;
	e->ep_file = ep_file;
	bpf_ringbuf_submit(e, 0);
}

/* Bytes the last sweep saw arrive that nobody has read since: copied_seq
 * short of the rcv_nxt marked then. A loop that drains what it is handed
 * never shows it, however busy; one that leaves bytes does at the second
 * sweep. */
static __always_inline void bp_sample_linger(const struct sock *sk, struct lw_bp_sock *s)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	__u32 nxt = BPF_CORE_READ(tp, rcv_nxt), copied = BPF_CORE_READ(tp, copied_seq);

	if (s->rcv_mark && nxt != copied && (__s32)(copied - s->rcv_mark) < 0) {
		struct lw_bp_proc *p = bp_proc(s);

		if (p)
			__sync_fetch_and_add(&p->lingering, 1);
		if (nxt == s->rcv_mark && copied == s->copied_mark)
			bp_still_et(sk, s);
	}
	s->rcv_mark = nxt ? nxt : 1;
	s->copied_mark = copied;
}

static __always_inline void bp_sample_accept(const struct sock *sk, struct lw_bp_sock *s)
{
	__u32 drops = lw_sk_drops(sk);

	if (drops != s->drops_seen) {
		__u32 d = drops - s->drops_seen;
		struct lw_bp_proc *p = bp_proc(s);

		s->drops_seen = drops;
		s->drops_pending += d;
		if (p)
			__sync_fetch_and_add(&p->accept_overflows, d);
	}
	bp_sample(sk, s, LW_BPQ_ACCEPT, sk->sk_ack_backlog, sk->sk_max_ack_backlog);
}

static __always_inline void bp_recv(struct sock *sk)
{
	struct lw_bp_sock *s = bp_own(sk);

	if (s)
		bp_sample_rcv(sk, s);
}

/* The first chunk of a TCP send: how many bytes the caller asked for, which
 * sock_send_length does not say, and when a blocking one began. */
static __always_inline void bp_send_begin(const struct sock *sk, const struct msghdr *msg)
{
	struct lw_bp_sock *s;
	__u64 want;

	if (!sk || !msg)
		return;
	/* A send that fits twice over cannot be cut short (queued memory grows
	 * by at most twice the payload): most sends stop here, before any
	 * lookup. */
	want = msg->msg_iter.count;
	if ((__u64)sk->sk_wmem_queued + 2 * want < (__u64)sk->sk_sndbuf)
		return;
	s = bpf_sk_storage_get(&lw_bp_socks, (struct sock *)sk, NULL, 0);
	if (!s || !s->watched || s->send_want)
		return;
	s->send_want = want > 0xffffffffull ? 0xffffffffu : (__u32)want;
	/* a blocking send that may not fit can sleep for room: time it */
	if (!(msg->msg_flags & LW_MSG_DONTWAIT)) {
		struct socket *sock = sk->sk_socket;
		struct file *file = sock ? sock->file : NULL;

		if (file && !(file->f_flags & LW_O_NONBLOCK))
			s->send_start = bpf_ktime_get_ns();
	}
}

SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(bp_sendmsg, const struct sock *sk, const struct msghdr *msg, const struct sk_buff *skb,
	     int size_goal)
{
	bp_send_begin(sk, msg);
	return 0;
}

/* Before the tcp_sendmsg_locked tracepoint (6.13): the function itself. */
SEC("fentry/tcp_sendmsg_locked")
int BPF_PROG(bp_fentry_sendmsg, struct sock *sk, struct msghdr *msg, size_t size)
{
	bp_send_begin(sk, msg);
	return 0;
}

static __always_inline void bp_send(struct sock *sk, int ret)
{
	struct lw_bp_sock *s;
	struct lw_bp_proc *p;
	__u32 want;

	if (!sk)
		return;
	s = bp_own(sk);
	if (!s)
		return;
	want = s->send_want;
	s->send_want = 0;
	if (s->send_start) {
		__u64 waited = bpf_ktime_get_ns() - s->send_start;

		s->send_start = 0;
		p = bp_proc(s);
		if (p)
			__sync_fetch_and_add(&p->snd_wait_ns, waited);
	}
	if (ret == -LW_EAGAIN) {
		p = bp_proc(s);
		if (p)
			__sync_fetch_and_add(&p->snd_eagain, 1);
	} else if (ret > 0 && want && (__u32)ret < want) {
		/* the send buffer filled up part way through */
		p = bp_proc(s);
		if (p)
			__sync_fetch_and_add(&p->snd_partial, 1);
	}
	bp_sample_snd(sk, s);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(bp_send_length, struct sock *sk, int ret, int flags)
{
	bp_send(sk, ret);
	return 0;
}

/* Kernels before 6.3 lack sock_send_length: the function every socket send
 * goes through (write, send*, sendmsg) says the same. */
SEC("fexit/sock_sendmsg")
int BPF_PROG(bp_fexit_sendmsg, struct socket *sock, struct msghdr *msg, int ret)
{
	bp_send(sock ? sock->sk : NULL, ret);
	return 0;
}

/* Data (or, on a listener, a connection) was queued: the receive side's
 * true high-water mark, seen even when the owner does not read. */
static __always_inline void bp_data_ready(const struct sock *sk)
{
	struct lw_bp_sock *s;

	/* Per packet: a queue under an eighth full is left to the reads' samples
	 * and costs no lookup (listeners, whose queue is not in rmem, go on). */
	if (sk->__sk_common.skc_state != LW_TCP_LISTEN &&
	    (__u64)bp_rmem(sk) * 8 < (__u64)(sk->sk_rcvbuf > 0 ? sk->sk_rcvbuf : 0))
		return;
	s = bp_get(sk);
	if (!s)
		return;
	if (s->is_listener)
		bp_sample_accept(sk, s);
	else
		bp_sample_rcv(sk, s);
}

/* connect() and listen() run in the owner's context: learn the owner before
 * any packet flows. A clone (LISTEN -> SYN_RECV) is set up on its own. */
static __always_inline void bp_sock_state(const struct sock *sk, int oldstate, int newstate)
{
	struct lw_bp_sock *s;

	if (sk->sk_protocol != LW_IPPROTO_TCP)
		return;
	if (newstate == LW_TCP_LISTEN) {
		s = bp_own((struct sock *)sk);
		if (s) {
			s->is_listener = 1;
			s->drops_seen = lw_sk_drops(sk);
		}
	} else if (newstate == LW_TCP_SYN_SENT) {
		bp_own((struct sock *)sk);
	} else if (oldstate == LW_TCP_LISTEN && newstate == LW_TCP_SYN_RECV) {
		bp_get(sk);
	}
}

static __always_inline bool bp_drop_reason_counts(int reason)
{
	return LW_DROP_REASON_IS(reason, SKB_DROP_REASON_SOCKET_RCVBUFF) ||
	       LW_DROP_REASON_IS(reason, SKB_DROP_REASON_PROTO_MEM) ||
	       LW_DROP_REASON_IS(reason, SKB_DROP_REASON_SOCKET_BACKLOG) ||
	       LW_DROP_REASON_IS(reason, SKB_DROP_REASON_TCP_ZEROWINDOW) ||
	       LW_DROP_REASON_IS(reason, SKB_DROP_REASON_TCP_OFO_DROP);
}

/*
 * Packets the kernel threw away because a socket had no room: receive
 * buffer full, protocol memory exhausted, backlog full, data past a zero
 * window. (sock_rcvqueue_full does not fire for TCP or UDP on 6.x kernels;
 * these drops all pass through kfree_skb with a reason, since 6.11 with the
 * receiving socket too; before that only the packet's own owner is known.)
 * The arguments are taken from ctx by hand: a kernel without the 4th one
 * refuses a program that merely loads it.
 */
SEC("tp_btf/kfree_skb")
int bp_kfree_skb(unsigned long long *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)ctx[0];
	int reason = (int)ctx[2];
	struct lw_bp_sock *s;
	struct lw_bp_proc *p;
	struct sock *sk;

	if (!bp_drop_reason_counts(reason))
		return 0;
	if (lw_k_kfree_skb_has_sk)
		sk = (struct sock *)ctx[3];
	else
		sk = skb ? skb->sk : NULL;
	if (!sk)
		return 0;
	s = bp_get(sk);
	if (!s)
		return 0;
	p = bp_proc(s);
	if (p)
		__sync_fetch_and_add(&p->drops, 1);
	s->drops_pending++;
	bp_sample_rcv(sk, s);
	return 0;
}

/* The process entry a watched socket charges, for hooks outside its owner's context. */
static __always_inline struct lw_bp_proc *bp_proc_of(const struct sock *sk)
{
	struct lw_bp_sock *s = bp_get(sk);

	return s ? bp_proc(s) : NULL;
}

/* Connections made use the ownership above; their counting is its own file. */
#include "connect.bpf.h"

SEC("tp_btf/sock_exceed_buf_limit")
int BPF_PROG(bp_exceed_buf, struct sock *sk, struct proto *prot, long allocated, int kind)
{
	struct lw_bp_proc *p = bp_proc_of(sk);

	if (p)
		__sync_fetch_and_add(&p->mem_pressure, 1);
	return 0;
}

static __always_inline void bp_charge_remote(__u32 pid, const struct sock *sk, __u64 n)
{
	struct lw_bp_remote_key k = { .pid = pid };
	__u64 zero = 0, *v;

	k.family = sk->__sk_common.skc_family;
	if (k.family == LW_AF_INET6)
		BPF_CORE_READ_INTO(&k.addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	else
		__builtin_memcpy(k.addr, &sk->__sk_common.skc_daddr, 4);
	v = bpf_map_lookup_or_try_init(&lw_bp_remotes, &k, &zero);
	if (v)
		__sync_fetch_and_add(v, n);
}

/* Fires in softirq or timer context, after the segment went out again (or,
 * since 6.17, failed to: err != 0 is not counted, as RetransSegs does not
 * count it). */
SEC("tp_btf/tcp_retransmit_skb")
int bp_retransmit(unsigned long long *ctx)
{
	const struct sock *sk = (const struct sock *)ctx[0];
	const struct sk_buff *skb = (const struct sk_buff *)ctx[1];
	struct lw_bp_sock *s;
	struct lw_bp_proc *p;
	struct tcp_skb_cb cb;
	__u64 segs;

	/* before 6.17 the tracepoint fired only for segments that went out */
	if (lw_k_retransmit_has_err && (int)ctx[2])
		return 0;
	s = bp_get(sk);
	if (!s)
		return 0;
	cn_retransmit(sk, s);
	p = bp_proc(s);
	if (!p)
		return 0;
	/* a TSO skb goes out as tcp_skb_pcount() segments, each one counted */
	if (bpf_probe_read_kernel(&cb, sizeof(cb), skb->cb))
		segs = 1;
	else
		segs = cb.tcp_gso_segs ? cb.tcp_gso_segs : 1;
	__sync_fetch_and_add(&p->retransmits, segs);
	bp_charge_remote(s->pid, sk, segs);
	return 0;
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(bp_retransmit_synack, const struct sock *sk, const struct request_sock *req)
{
	struct lw_bp_proc *p = bp_proc_of(sk);

	if (p)
		__sync_fetch_and_add(&p->retransmits, 1);
	return 0;
}

/*
 * The sweep: the agent runs these iterators once per interval, after adding
 * the processes of its model to lw_bp_procs. For those processes only, the
 * task_file pass counts descriptors, reads RLIMIT_NOFILE, sums socket memory
 * and notes which descriptor holds each socket. A socket reached from a
 * file is an untrusted pointer to newer verifiers, good for reading but not
 * for socket storage, so the tcp and udp passes, whose sockets are trusted,
 * then sample every noted socket's queues (so a socket nobody touches still
 * shows) and report listener overflows. The tcp and udp iterators walk the
 * agent's own network namespace.
 */
#define LW_BP_MAX_SWEPT 65536

/* A socket the task_file pass found, by address; trusted for one sweep. */
struct lw_bp_swept {
	__u64 epoch;		/* epoch + 1 of the sweep that found it */
	__u64 start_time;	/* the holder's */
	__u32 pid;
	__s32 fd;
	char comm[LW_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LW_BP_MAX_SWEPT);
	__type(key, __u64);
	__type(value, struct lw_bp_swept);
} lw_bp_swept SEC(".maps");

SEC("iter/task_file")
int bp_sweep(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct lw_bp_swept sw = {};
	__u64 e1 = lw_epoch + 1, key;
	struct lw_bp_proc *p;
	struct socket *sock;
	struct sock *sk;
	__u32 pid;

	if (!task || !file)
		return 0;
	pid = task->tgid;
	p = bpf_map_lookup_elem(&lw_bp_procs, &pid);
	if (!p)
		return 0;
	if (p->sweep_epoch != e1) {
		p->sweep_epoch = e1;
		p->fds = 0;
		p->sock_mem = 0;
		p->fd_limit = task->signal->rlim[LW_RLIMIT_NOFILE].rlim_cur;
	}
	p->fds++;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	sk = sock->sk;
	if (!sk || !bp_tracked(sk))
		return 0;
	p->sock_mem += bp_rmem(sk) + bp_wmem(sk, sk->sk_protocol == LW_IPPROTO_TCP);
	sw.epoch = e1;
	sw.pid = pid;
	sw.fd = ctx->fd;
	sw.start_time = task->group_leader->start_time;
	bpf_probe_read_kernel_str(sw.comm, sizeof(sw.comm), task->group_leader->comm);
	key = (__u64)sk;
	/* a socket held by two descriptors holds one port */
	if (sk->sk_protocol == LW_IPPROTO_TCP) {
		struct lw_bp_swept *seen = bpf_map_lookup_elem(&lw_bp_swept, &key);

		if (!seen || seen->epoch != e1)
			cn_sweep_port(sk, pid, sw.start_time, sw.comm);
	}
	bpf_map_update_elem(&lw_bp_swept, &key, &sw, BPF_ANY);
	return 0;
}

static __always_inline void bp_sweep_sock(struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct lw_bp_swept *sw = bpf_map_lookup_elem(&lw_bp_swept, &key);
	struct lw_bp_sock *s;

	if (!sw || sw->epoch != lw_epoch + 1 || !bp_tracked(sk))
		return;
	s = bpf_sk_storage_get(&lw_bp_socks, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	if (!s)
		return;
	if (s->pid != sw->pid || !s->self) {
		/* first seen here: the descriptor's holder owns it */
		s->self = (__u64)sk;
		s->pid = sw->pid;
		s->tid = sw->pid;
		s->start_time = sw->start_time;
		s->is_tcp = sk->sk_protocol == LW_IPPROTO_TCP;
		s->is_listener = s->is_tcp && sk->__sk_common.skc_state == LW_TCP_LISTEN;
		s->drops_seen = s->is_listener ? lw_sk_drops(sk) : 0;
		__builtin_memcpy(s->comm, sw->comm, LW_COMM_LEN);
		s->watched = 1;
	}
	bp_fix_clone(s, sk);
	if (!s->watched)
		return;
	s->fd = sw->fd;
	if (s->is_listener) {
		bp_sample_accept(sk, s);
		return;
	}
	bp_sample_rcv(sk, s);
	bp_sample_snd(sk, s);
	if (s->is_tcp)
		bp_sample_linger(sk, s);
}

SEC("iter/tcp")
int bp_sweep_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_sock *tp;

	if (!skc)
		return 0;
	/* listeners and established sockets; request and time-wait ones are no full sockets */
	tp = bpf_skc_to_tcp_sock(skc);
	if (tp)
		bp_sweep_sock((struct sock *)tp);
	return 0;
}

SEC("iter/udp")
int bp_sweep_udp(struct bpf_iter__udp *ctx)
{
	struct udp_sock *udp = ctx->udp_sk;

	if (udp)
		bp_sweep_sock((struct sock *)udp);
	return 0;
}

#endif
