/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connections made, part of the backpressure family: connection attempts
 * and their outcomes from inet_sock_set_state, SYNs sent again from
 * tcp_retransmit_skb, and (from the sweep) the ephemeral ports in use per
 * (local address, remote address:port) against the namespace's range.
 *
 * tcp_v4_connect and tcp_v6_connect enter SYN_SENT before they look for a
 * local port, and go back to CLOSE when none is free (EADDRNOTAVAIL): a
 * SYN_SENT to CLOSE of a socket that never had a source port is that
 * failure, seen with no system call hook; one that had a port was refused,
 * reset or timed out (or closed by its owner while connecting). The state
 * is announced after the port is given back (inet_num is 0 by then in
 * every case); inet_sport, set when the port was found, stays.
 *
 * Counts aggregate per process (lw_bp_procs) and per process and remote
 * (lw_cn_remotes); the ring buffer carries one small record per attempt for
 * its timing, at most LW_CN_EVENTS_PER_INTERVAL an interval.
 *
 * Included by backpressure.bpf.h, whose socket ownership it uses.
 */
#ifndef LOOPWATCH_CONNECT_BPF_H
#define LOOPWATCH_CONNECT_BPF_H

#include "common.bpf.h"
#include "compat.bpf.h"
#include "connect.h"

#define LW_TCP_CLOSE 7

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LW_CN_MAX_REMOTES);
	__type(key, struct lw_cn_key);
	__type(value, struct lw_cn_counts);
} lw_cn_remotes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LW_CN_MAX_TUPLES);
	__type(key, struct lw_port_key);
	__type(value, struct lw_port_use);
} lw_cn_ports SEC(".maps");

/* Attempt records sent in epoch lw_cn_sent_epoch - 1. Racing CPUs may send
 * a few past the bound: it bounds the ring's load, not an exact count. */
__u64 lw_cn_sent_epoch;
__u64 lw_cn_sent;

enum cn_what { CN_ATTEMPT, CN_FAILURE, CN_SYN_RETRANS, CN_ADDRNOTAVAIL };

static __always_inline void cn_remote(struct lw_cn_key *k, __u32 pid, const struct sock *sk)
{
	k->pid = pid;
	k->family = sk->__sk_common.skc_family;
	k->port = bpf_ntohs(sk->__sk_common.skc_dport);
	__builtin_memset(k->addr, 0, sizeof(k->addr));
	if (k->family == LW_AF_INET6)
		BPF_CORE_READ_INTO(&k->addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	else
		__builtin_memcpy(k->addr, &sk->__sk_common.skc_daddr, 4);
}

static __always_inline void cn_add(__u64 *v)
{
	__sync_fetch_and_add(v, 1);
}

static __always_inline void cn_count(const struct sock *sk, const struct lw_bp_sock *s,
				     enum cn_what what, struct lw_cn_key *k)
{
	struct lw_bp_proc *p = bp_proc(s);
	struct lw_cn_counts *c;

	cn_remote(k, s->pid, sk);
	c = bpf_map_lookup_elem(&lw_cn_remotes, k);
	if (!c || c->start_time != s->start_time) {
		struct lw_cn_counts zero = { .start_time = s->start_time };

		/* a reused pid's old counts are not this process's */
		c = lw_map_init(&lw_cn_remotes, k, &zero, c ? BPF_EXIST : BPF_NOEXIST);
		if (!c)
			c = bpf_map_lookup_elem(&lw_cn_remotes, k);
	}
	switch (what) {
	case CN_ATTEMPT:
		if (p)
			cn_add(&p->connect_attempts);
		if (c)
			cn_add(&c->attempts);
		break;
	case CN_FAILURE:
		if (p)
			cn_add(&p->connect_failures);
		if (c)
			cn_add(&c->failures);
		break;
	case CN_SYN_RETRANS:
		if (p)
			cn_add(&p->syn_retrans);
		if (c)
			cn_add(&c->syn_retrans);
		break;
	case CN_ADDRNOTAVAIL:
		if (p)
			cn_add(&p->connect_addrnotavail);
		if (c)
			cn_add(&c->addrnotavail);
		break;
	}
}

static __always_inline void cn_emit(const struct lw_bp_sock *s, const struct sock *sk,
				    const struct lw_cn_key *k)
{
	__u64 e1 = lw_epoch + 1;
	struct lw_cn_event *e;

	if (lw_cn_sent_epoch != e1) {
		lw_cn_sent_epoch = e1;
		lw_cn_sent = 0;
	}
	if (lw_cn_sent >= LW_CN_EVENTS_PER_INTERVAL)
		return;
	__sync_fetch_and_add(&lw_cn_sent, 1);
	e = lw_event_reserve(sizeof(*e), LW_EV_CONNECT, s->pid, s->tid, s->comm);
	if (!e)
		return;
	e->sk = (__u64)sk;
	e->family = k->family;
	e->port = k->port;
	e->pad = 0;
	__builtin_memcpy(e->addr, k->addr, sizeof(e->addr));
	bpf_ringbuf_submit(e, 0);
}

/* After bp_sock_state, which made the connecting socket its thread's. */
static __always_inline void cn_sock_state(const struct sock *sk, int oldstate, int newstate)
{
	struct lw_cn_key k;
	struct lw_bp_sock *s;

	if (sk->sk_protocol != LW_IPPROTO_TCP)
		return;
	if (newstate == LW_TCP_SYN_SENT) {
		s = bp_get(sk);
		if (!s)
			return;
		cn_count(sk, s, CN_ATTEMPT, &k);
		cn_emit(s, sk, &k);
	} else if (oldstate == LW_TCP_SYN_SENT && newstate == LW_TCP_CLOSE) {
		s = bp_get(sk);
		if (!s)
			return;
		cn_count(sk, s,
			 BPF_CORE_READ((const struct inet_sock *)sk, inet_sport) ? CN_FAILURE :
										    CN_ADDRNOTAVAIL,
			 &k);
	}
}

/* From tcp_retransmit_skb: a SYN that went out again. */
static __always_inline void cn_retransmit(const struct sock *sk, const struct lw_bp_sock *s)
{
	struct lw_cn_key k;

	if (sk->__sk_common.skc_state == LW_TCP_SYN_SENT)
		cn_count(sk, s, CN_SYN_RETRANS, &k);
}

/*
 * From the sweep's descriptor pass: a connected TCP socket whose local port
 * is in its namespace's ip_local_port_range holds one of the ports that
 * connections to its remote address:port from its local address can use.
 * (Accepted connections keep their listener's port, outside the range as a
 * rule.) The pass visits one process's descriptors after another, so the
 * holder of the most is found by runs.
 */
static __always_inline void cn_sweep_port(const struct sock *sk, __u32 pid, __u64 start_time,
					  const char *comm)
{
	struct lw_port_key k = {};
	struct lw_port_use *u;
	__u32 lo = 0, hi = 0, lport, state;
	__u64 e1 = lw_epoch + 1;
	struct net *net;

	state = sk->__sk_common.skc_state;
	if (state == LW_TCP_LISTEN || state == LW_TCP_CLOSE)
		return;
	k.port = bpf_ntohs(sk->__sk_common.skc_dport);
	lport = sk->__sk_common.skc_num;
	if (!k.port || !lport)
		return;
	net = BPF_CORE_READ(sk, __sk_common.skc_net.net);
	if (!net)
		return;
	lw_net_port_range(net, &lo, &hi);
	if (lport < lo || lport > hi || hi < lo)
		return;
	k.netns = BPF_CORE_READ(net, ns.inum);
	k.family = sk->__sk_common.skc_family;
	if (k.family == LW_AF_INET6) {
		BPF_CORE_READ_INTO(&k.laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&k.raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else {
		__u32 la = sk->__sk_common.skc_rcv_saddr, ra = sk->__sk_common.skc_daddr;

		__builtin_memcpy(k.laddr, &la, 4);
		__builtin_memcpy(k.raddr, &ra, 4);
	}
	u = bpf_map_lookup_elem(&lw_cn_ports, &k);
	if (!u) {
		struct lw_port_use zero = {};

		u = lw_map_init(&lw_cn_ports, &k, &zero, BPF_NOEXIST);
		if (!u)
			return;
	}
	if (u->epoch != e1) {
		u->epoch = e1;
		u->used = 0;
		u->pid = 0;
		u->pid_used = 0;
		u->cur_pid = 0;
		u->cur_used = 0;
	}
	u->lo = lo;
	u->hi = hi;
	u->used++;
	if (u->cur_pid != pid) {
		u->cur_pid = pid;
		u->cur_used = 0;
	}
	u->cur_used++;
	if (u->cur_used > u->pid_used) {
		if (u->pid != pid) {
			u->pid = pid;
			u->start_time = start_time;
			__builtin_memcpy(u->comm, comm, LW_COMM_LEN);
		}
		u->pid_used = u->cur_used;
	}
}

#endif
