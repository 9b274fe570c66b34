// SPDX-License-Identifier: GPL-2.0
/*
 * One program per kernel hook. Every program a hook runs costs a dispatch
 * whatever it does (on the per-packet socket hooks, about 1 % of a saturated
 * echo server's throughput each), so a hook that several detection families
 * need runs one program that calls each family's handler in turn. lw_detect
 * is a load-time constant: the verifier drops the handlers of families that
 * are off, and the agent does not load a program none of whose families is on.
 *
 * The families (loop.bpf.h, ready.bpf.h, backpressure.bpf.h with its
 * connect.bpf.h) are compiled here as one unit; the hooks only one family
 * uses keep their programs there (waits.bpf.h: loop lag's waits other than
 * epoll).
 */
#include "common.bpf.h"
#include "detect.h"
#include "loop.bpf.h"
#include "ready.bpf.h"
#include "backpressure.bpf.h"
#include "stacks.bpf.h"
#include "waits.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 lw_detect = LW_DETECT_ALL;

#define READINESS_ON (lw_detect & LW_DETECT_READINESS)
#define BACKPRESSURE_ON (lw_detect & LW_DETECT_BACKPRESSURE)

/*
 * Epoll waits, by three hook paths the agent chooses between at start:
 * fentry/fexit on do_epoll_wait (only epoll waits pay), kprobes on the same
 * function, or the system call tracepoints (which put every system call of
 * the host on the tracing slow path). Each path comes in two variants: with
 * readiness, and loop lag alone, for kernels before 5.17 that lack bpf_loop
 * (readiness uses it, and such a kernel refuses a program that merely
 * mentions it, or, before 5.12, its atomic fetch-and-add). Loop lag and
 * readiness share the clock reading; readiness
 * follows only threads loop lag watches.
 */
static __always_inline void wait_enter(bool readiness, int epfd, __u64 events, __u32 maxevents,
				       __u32 timeout_kind, __u64 timeout)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 now = loop_wait_enter(id, lw_wait_key(LW_WAIT_EPOLL, epfd), epfd, maxevents);

	if (readiness && now && READINESS_ON)
		rd_wait_enter(id, now, epfd, events, timeout_kind, timeout);
}

static __always_inline void wait_exit(bool readiness, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 now = loop_wait_exit(id, ret);

	if (readiness && now && READINESS_ON)
		rd_wait_exit(id, now, ret);
}

/*
 * The programs are written out one by one, not pasted by a macro, so that
 * each name is found where it is defined. maxevents is args[2] of all three
 * wait calls; the timeout is milliseconds in args[3], except epoll_pwait2's
 * timespec. The lag_ programs are the loop-lag-alone variants.
 */
static __always_inline int tp_enter(bool readiness, struct trace_event_raw_sys_enter *ctx,
				    __u32 timeout_kind)
{
	wait_enter(readiness, (int)ctx->args[0], ctx->args[1], ctx->args[2], timeout_kind,
		   ctx->args[3]);
	return 0;
}

static __always_inline int tp_exit(bool readiness, struct trace_event_raw_sys_exit *ctx)
{
	wait_exit(readiness, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_epoll_wait")
int enter_epoll_wait(struct trace_event_raw_sys_enter *ctx)
{
	return tp_enter(true, ctx, RD_TIMEOUT_MS);
}

SEC("tracepoint/syscalls/sys_exit_epoll_wait")
int exit_epoll_wait(struct trace_event_raw_sys_exit *ctx)
{
	return tp_exit(true, ctx);
}

SEC("tracepoint/syscalls/sys_enter_epoll_pwait")
int enter_epoll_pwait(struct trace_event_raw_sys_enter *ctx)
{
	return tp_enter(true, ctx, RD_TIMEOUT_MS);
}

SEC("tracepoint/syscalls/sys_exit_epoll_pwait")
int exit_epoll_pwait(struct trace_event_raw_sys_exit *ctx)
{
	return tp_exit(true, ctx);
}

SEC("tracepoint/syscalls/sys_enter_epoll_pwait2")
int enter_epoll_pwait2(struct trace_event_raw_sys_enter *ctx)
{
	return tp_enter(true, ctx, RD_TIMEOUT_USER_TS);
}

SEC("tracepoint/syscalls/sys_exit_epoll_pwait2")
int exit_epoll_pwait2(struct trace_event_raw_sys_exit *ctx)
{
	return tp_exit(true, ctx);
}

SEC("tracepoint/syscalls/sys_enter_epoll_wait")
int lag_enter_epoll_wait(struct trace_event_raw_sys_enter *ctx)
{
	return tp_enter(false, ctx, RD_TIMEOUT_MS);
}

SEC("tracepoint/syscalls/sys_exit_epoll_wait")
int lag_exit_epoll_wait(struct trace_event_raw_sys_exit *ctx)
{
	return tp_exit(false, ctx);
}

SEC("tracepoint/syscalls/sys_enter_epoll_pwait")
int lag_enter_epoll_pwait(struct trace_event_raw_sys_enter *ctx)
{
	return tp_enter(false, ctx, RD_TIMEOUT_MS);
}

SEC("tracepoint/syscalls/sys_exit_epoll_pwait")
int lag_exit_epoll_pwait(struct trace_event_raw_sys_exit *ctx)
{
	return tp_exit(false, ctx);
}

SEC("tracepoint/syscalls/sys_enter_epoll_pwait2")
int lag_enter_epoll_pwait2(struct trace_event_raw_sys_enter *ctx)
{
	return tp_enter(false, ctx, RD_TIMEOUT_USER_TS);
}

SEC("tracepoint/syscalls/sys_exit_epoll_pwait2")
int lag_exit_epoll_pwait2(struct trace_event_raw_sys_exit *ctx)
{
	return tp_exit(false, ctx);
}

/* do_epoll_wait(epfd, events, maxevents, to): every epoll wait call, by
 * fentry/fexit or by kprobes. */
#define DO_EPOLL_WAIT_TIMEOUT (lw_k_epoll_timeout_ms ? RD_TIMEOUT_MS : RD_TIMEOUT_KERNEL_TS)

static __always_inline int do_wait_enter(bool readiness, int epfd, void *events, int maxevents,
					 void *to)
{
	wait_enter(readiness, epfd, (__u64)events, maxevents, DO_EPOLL_WAIT_TIMEOUT, (__u64)to);
	return 0;
}

static __always_inline int do_wait_exit(bool readiness, int ret)
{
	wait_exit(readiness, ret);
	return 0;
}

SEC("fentry/do_epoll_wait")
int BPF_PROG(fentry_epoll_wait, int epfd, void *events, int maxevents, void *to)
{
	return do_wait_enter(true, epfd, events, maxevents, to);
}

SEC("fexit/do_epoll_wait")
int BPF_PROG(fexit_epoll_wait, int epfd, void *events, int maxevents, void *to, int ret)
{
	return do_wait_exit(true, ret);
}

SEC("kprobe/do_epoll_wait")
int BPF_KPROBE(kprobe_epoll_wait, int epfd, void *events, int maxevents, void *to)
{
	return do_wait_enter(true, epfd, events, maxevents, to);
}

SEC("kretprobe/do_epoll_wait")
int BPF_KRETPROBE(kretprobe_epoll_wait, int ret)
{
	return do_wait_exit(true, ret);
}

SEC("fentry/do_epoll_wait")
int BPF_PROG(lag_fentry_epoll_wait, int epfd, void *events, int maxevents, void *to)
{
	return do_wait_enter(false, epfd, events, maxevents, to);
}

SEC("fexit/do_epoll_wait")
int BPF_PROG(lag_fexit_epoll_wait, int epfd, void *events, int maxevents, void *to, int ret)
{
	return do_wait_exit(false, ret);
}

SEC("kprobe/do_epoll_wait")
int BPF_KPROBE(lag_kprobe_epoll_wait, int epfd, void *events, int maxevents, void *to)
{
	return do_wait_enter(false, epfd, events, maxevents, to);
}

SEC("kretprobe/do_epoll_wait")
int BPF_KRETPROBE(lag_kretprobe_epoll_wait, int ret)
{
	return do_wait_exit(false, ret);
}

/* The scheduler hooks, also in two variants (before 5.12 a kernel refuses
 * a program with readiness's atomic fetch-and-add in it, even where it
 * never runs). The switch's arguments are taken from ctx by hand: before
 * 5.18 there is no 4th one. */
static __always_inline int on_switch(bool readiness, unsigned long long *ctx)
{
	bool preempt = (bool)ctx[0];
	struct task_struct *prev = (struct task_struct *)ctx[1];
	struct task_struct *next = (struct task_struct *)ctx[2];
	unsigned int prev_state = lw_switch_prev_state(ctx, prev);

	loop_sched_switch(preempt, prev, next, prev_state);
	if (readiness && READINESS_ON && lw_rd_era)
		rd_sched_switch(preempt, prev, prev_state);
	return 0;
}

static __always_inline int on_exit(bool readiness, struct task_struct *task)
{
	loop_task_exit(task);
	if (readiness && READINESS_ON)
		rd_task_exit(task);
	return 0;
}

SEC("tp_btf/sched_switch")
int sched_switch(unsigned long long *ctx)
{
	return on_switch(true, ctx);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(task_exit, struct task_struct *task)
{
	return on_exit(true, task);
}

SEC("tp_btf/sched_switch")
int lag_sched_switch(unsigned long long *ctx)
{
	return on_switch(false, ctx);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(lag_task_exit, struct task_struct *task)
{
	return on_exit(false, task);
}

/* Every receive on a socket, whatever the system call (read, recv*, readv). */
static __always_inline void sock_recv(struct sock *sk, int ret, int flags)
{
	if (!sk)
		return;
	if (READINESS_ON)
		rd_recv(sk, ret, flags);
	if (BACKPRESSURE_ON)
		bp_recv(sk);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv_length, struct sock *sk, int ret, int flags)
{
	sock_recv(sk, ret, flags);
	return 0;
}

/* Before 6.3 there is no sock_recv_length: every socket receive returns
 * through sock_recvmsg. */
SEC("fexit/sock_recvmsg")
int BPF_PROG(fexit_sock_recvmsg, struct socket *sock, struct msghdr *msg, int flags, int ret)
{
	sock_recv(sock ? sock->sk : NULL, ret, flags);
	return 0;
}

/* Fires per packet, and about 3,000 times a second on an idle host. */
static __always_inline void data_ready(const struct sock *sk)
{
	if (!sk)
		return;
	if (READINESS_ON)
		rd_data_ready(sk);
	if (BACKPRESSURE_ON)
		bp_data_ready(sk);
}

SEC("tp_btf/sk_data_ready")
int BPF_PROG(sk_data_ready, const struct sock *sk)
{
	data_ready(sk);
	return 0;
}

/* Before the sk_data_ready tracepoint: the default data-ready callback,
 * which TCP and UDP sockets use. */
SEC("fentry/sock_def_readable")
int BPF_PROG(fentry_sock_def_readable, struct sock *sk)
{
	data_ready(sk);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(sock_state, const struct sock *sk, const int oldstate, const int newstate)
{
	if (!sk)
		return 0;
	if (READINESS_ON)
		rd_sock_state(sk, newstate);
	if (BACKPRESSURE_ON) {
		bp_sock_state(sk, oldstate, newstate);
		cn_sock_state(sk, oldstate, newstate);
	}
	return 0;
}
