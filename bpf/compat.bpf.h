/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel differences, all in one place: one shim per change, each naming
 * the kernel version that made it. The probes are compiled once against one
 * vmlinux.h; what differs is chosen at load time, by CO-RE (a field or a
 * helper exists or not) or by a constant the agent sets from the running
 * kernel's BTF before load (agent/kernel_features.c), so the verifier drops
 * the branch this kernel cannot take.
 */
#ifndef LOOPWATCH_COMPAT_BPF_H
#define LOOPWATCH_COMPAT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

/* Set by the agent from the tracepoints' prototypes in the kernel's BTF. */
/* 5.18 gave sched_switch its 4th argument, prev_state. */
const volatile bool lw_k_switch_has_state __weak = true;
/* 6.11 gave kfree_skb its 4th argument, the receiving socket. */
const volatile bool lw_k_kfree_skb_has_sk __weak = true;
/* 6.17 gave tcp_retransmit_skb its 3rd argument, err. */
const volatile bool lw_k_retransmit_has_err __weak = true;
/* 5.11 changed do_epoll_wait's 4th argument from a timeout in milliseconds
 * to a pointer to an absolute CLOCK_MONOTONIC deadline. */
const volatile bool lw_k_epoll_timeout_ms __weak = false;

/* 5.11: bpf_get_current_task_btf(). Before it, the same task as a plain
 * address, which only BPF_CORE_READ may follow: callers read through it
 * with BPF_CORE_READ whatever the kernel. */
static __always_inline struct task_struct *lw_current_task(void)
{
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf))
		return bpf_get_current_task_btf();
	return (struct task_struct *)bpf_get_current_task();
}

/* 5.14 renamed task_struct.state to __state (and made it unsigned int). */
struct task_struct___pre_5_14 {
	long state;
} __attribute__((preserve_access_index));

/* prev_state of sched_switch: its argument since 5.18, before that the
 * task's state as the scheduler left it (which the preempt flag, checked
 * first by every caller, makes right for a preempted task). */
static __always_inline unsigned int lw_switch_prev_state(unsigned long long *ctx,
							 struct task_struct *prev)
{
	if (lw_k_switch_has_state)
		return (unsigned int)ctx[3];
	if (bpf_core_field_exists(prev->__state))
		return BPF_CORE_READ(prev, __state);
	return (unsigned int)BPF_CORE_READ((struct task_struct___pre_5_14 *)prev, state);
}

/* 5.15: bpf_task_pt_regs(). Before it, x86-64 keeps a task's user registers
 * at the top of its kernel stack (THREAD_SIZE 16 KiB, no padding). */
#define LW_THREAD_SIZE (4096 << 2)
static __always_inline struct pt_regs *lw_task_regs(struct task_struct *task)
{
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs))
		return (struct pt_regs *)bpf_task_pt_regs(task);
	return (struct pt_regs *)(BPF_CORE_READ(task, stack) + LW_THREAD_SIZE) - 1;
}

/* task_struct.on_cpu, read whatever shape this kernel gives it (a plain
 * int until 7.x, where direct access no longer relocates). */
static __always_inline int lw_task_on_cpu(struct task_struct *p)
{
	if (!bpf_core_field_exists(p->on_cpu))
		return 0;
	return (int)BPF_CORE_READ_BITFIELD_PROBED(p, on_cpu);
}

/* 6.18 moved most protocols' drop counts into per-NUMA-node counters
 * (sk_drop_counters) beside sk_drops; before, sk_drops held them all. */
static __always_inline __u32 lw_sk_drops(const struct sock *sk)
{
	struct numa_drop_counters *ndc;
	__u32 n = 0;

	if (bpf_core_field_exists(sk->sk_drops))
		n = BPF_CORE_READ(sk, sk_drops.counter);
	if (!bpf_core_field_exists(sk->sk_drop_counters))
		return n;
	ndc = BPF_CORE_READ(sk, sk_drop_counters);
	if (ndc)
		n += BPF_CORE_READ(ndc, drops0.counter) + BPF_CORE_READ(ndc, drops1.counter);
	return n;
}

/* Drop reasons come and go between kernels (5.17 introduced them): a
 * reason this kernel lacks is never the one passed. */
#define LW_DROP_REASON_IS(r, name)                                              \
	(bpf_core_enum_value_exists(enum skb_drop_reason, name) &&              \
	 (r) == bpf_core_enum_value(enum skb_drop_reason, name))

/* 6.3 packed ip_local_port_range into one u32 (low 16 bits the first port,
 * high 16 the last) where it had been int range[2] under a seqlock. The
 * range of the socket's own network namespace, whatever the kernel. */
struct local_ports___pre_6_3 {
	int range[2];
} __attribute__((preserve_access_index));
struct netns_ipv4___pre_6_3 {
	struct local_ports___pre_6_3 ip_local_ports;
} __attribute__((preserve_access_index));
struct net___pre_6_3 {
	struct netns_ipv4___pre_6_3 ipv4;
} __attribute__((preserve_access_index));

static __always_inline void lw_net_port_range(const struct net *net, __u32 *lo, __u32 *hi)
{
	const struct net___pre_6_3 *old = (const void *)net;

	if (bpf_core_field_exists(old->ipv4.ip_local_ports.range)) {
		int r[2] = {};

		BPF_CORE_READ_INTO(&r, old, ipv4.ip_local_ports.range);
		*lo = (__u32)r[0];
		*hi = (__u32)r[1];
	} else {
		__u32 r = BPF_CORE_READ(net, ipv4.ip_local_ports.range);

		*lo = r & 0xffff;
		*hi = r >> 16;
	}
}

/* The epoll items watching a file, from the file itself: 5.11 made
 * file.f_ep an hlist of them (before, the list f_ep_links). The first of at
 * most LW_EP_WATCHERS that belongs to the instance whose file is ep_file
 * (any, for 0) and whose registered events, masked with mask, equal want;
 * NULL for none, and always NULL before 5.11, where readiness (the only
 * caller, which needs bpf_loop of 5.17) never runs. */
#define LW_EP_WATCHERS 8
static __always_inline struct epitem *lw_file_epitem(struct file *f, __u64 ep_file, __u32 mask,
						     __u32 want)
{
	struct hlist_head *head;
	struct hlist_node *n;

	if (!f || !bpf_core_field_exists(f->f_ep))
		return NULL;
	head = BPF_CORE_READ(f, f_ep);
	if (!head)
		return NULL;
	n = BPF_CORE_READ(head, first);
	for (int i = 0; i < LW_EP_WATCHERS && n; i++) {
		struct epitem *epi = (void *)((char *)n - bpf_core_field_offset(struct epitem, fllink));

		if ((BPF_CORE_READ(epi, event.events) & mask) == want &&
		    (!ep_file || (__u64)BPF_CORE_READ(epi, ep, file) == ep_file))
			return epi;
		n = BPF_CORE_READ(n, next);
	}
	return NULL;
}

#endif
