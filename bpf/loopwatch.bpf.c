// SPDX-License-Identifier: GPL-2.0
/*
 * One program per kernel hook. Every program a hook runs costs a dispatch
 * whatever it does (on the per-packet socket hooks, about 1 % of a saturated
 * echo server's throughput each), so a hook that several detection families
 * need runs one program that calls each family's handler in turn. lw_detect
 * is a load-time constant: the verifier drops the handlers of families that
 * are off, and the agent does not load a program none of whose families is on.
 *
 * The families (loop.bpf.h, ready.bpf.h, backpressure.bpf.h) are compiled
 * here as one unit; the hooks only one family uses keep their programs there.
 */
#include "common.bpf.h"
#include "detect.h"
#include "loop.bpf.h"
#include "ready.bpf.h"
#include "backpressure.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 lw_detect = LW_DETECT_ALL;

#define READINESS_ON (lw_detect & LW_DETECT_READINESS)
#define BACKPRESSURE_ON (lw_detect & LW_DETECT_BACKPRESSURE)

/* Loop lag and readiness; readiness follows only threads loop lag watches,
 * and shares its clock reading. maxevents is args[2] of all three wait calls;
 * the timeout is milliseconds in args[3], except epoll_pwait2's timespec. */
#define EPOLL_WAIT_HOOKS(call, ts_timeout)                                     \
	SEC("tracepoint/syscalls/sys_enter_" #call)                            \
	int enter_##call(struct trace_event_raw_sys_enter *ctx)                \
	{                                                                      \
		__u64 id = bpf_get_current_pid_tgid();                         \
		__u64 now = loop_wait_enter(id, ctx->args[2]);                 \
									       \
		if (now && READINESS_ON)                                       \
			rd_wait_enter(ctx, id, now, ts_timeout);               \
		return 0;                                                      \
	}                                                                      \
	SEC("tracepoint/syscalls/sys_exit_" #call)                             \
	int exit_##call(struct trace_event_raw_sys_exit *ctx)                  \
	{                                                                      \
		__u64 id = bpf_get_current_pid_tgid();                         \
		__u64 now = loop_wait_exit(id, ctx->ret);                      \
									       \
		if (now && READINESS_ON)                                       \
			rd_wait_exit(ctx, id, now);                            \
		return 0;                                                      \
	}

EPOLL_WAIT_HOOKS(epoll_wait, false)
EPOLL_WAIT_HOOKS(epoll_pwait, false)
EPOLL_WAIT_HOOKS(epoll_pwait2, true)

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	loop_sched_switch(preempt, prev, next, prev_state);
	if (READINESS_ON)
		rd_sched_switch(preempt, prev, prev_state);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(task_exit, struct task_struct *task)
{
	loop_task_exit(task);
	if (READINESS_ON)
		rd_task_exit(task);
	return 0;
}

/* Every receive on a socket, whatever the system call (read, recv*, readv). */
SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv, struct sock *sk, int ret, int flags)
{
	if (!sk)
		return 0;
	if (READINESS_ON)
		rd_recv(sk, ret, flags);
	if (BACKPRESSURE_ON)
		bp_recv(sk);
	return 0;
}

/* Fires per packet, and about 3,000 times a second on an idle host. */
SEC("tp_btf/sk_data_ready")
int BPF_PROG(sk_data_ready, const struct sock *sk)
{
	if (!sk)
		return 0;
	if (READINESS_ON)
		rd_data_ready(sk);
	if (BACKPRESSURE_ON)
		bp_data_ready(sk);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(sock_state, const struct sock *sk, const int oldstate, const int newstate)
{
	if (!sk)
		return 0;
	if (READINESS_ON)
		rd_sock_state(sk, newstate);
	if (BACKPRESSURE_ON)
		bp_sock_state(sk, oldstate, newstate);
	return 0;
}
