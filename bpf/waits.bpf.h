// SPDX-License-Identifier: GPL-2.0
/*
 * The loop waits other than epoll: poll, ppoll, select, pselect6 and
 * io_uring_enter. Loop lag and stalls only (readiness is epoll's alone), by
 * one of three hook paths the agent chooses at start, per hook (poll and
 * select; io_uring): fentry/fexit on the system calls' x86-64 entry points,
 * kprobes on the same, or their tracepoints. The entry points take the
 * user's registers: arguments in di, si, dx, r10.
 */
#ifndef LOOPWATCH_WAITS_BPF_H
#define LOOPWATCH_WAITS_BPF_H

#include "loop.bpf.h"

#define ARG0(r) BPF_CORE_READ(r, di)
#define ARG1(r) BPF_CORE_READ(r, si)
#define ARG2(r) BPF_CORE_READ(r, dx)
#define ARG3(r) BPF_CORE_READ(r, r10)

SEC("tracepoint/syscalls/sys_enter_poll")
int enter_poll(struct trace_event_raw_sys_enter *ctx)
{
	loop_other_enter(loop_poll_key((const void *)ctx->args[0], ctx->args[1]));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_poll")
int exit_poll(struct trace_event_raw_sys_exit *ctx)
{
	loop_other_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_ppoll")
int enter_ppoll(struct trace_event_raw_sys_enter *ctx)
{
	loop_other_enter(loop_poll_key((const void *)ctx->args[0], ctx->args[1]));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_ppoll")
int exit_ppoll(struct trace_event_raw_sys_exit *ctx)
{
	loop_other_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_select")
int enter_select(struct trace_event_raw_sys_enter *ctx)
{
	loop_other_enter(loop_select_key((int)ctx->args[0], (const __u64 *)ctx->args[1]));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_select")
int exit_select(struct trace_event_raw_sys_exit *ctx)
{
	loop_other_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_pselect6")
int enter_pselect6(struct trace_event_raw_sys_enter *ctx)
{
	loop_other_enter(loop_select_key((int)ctx->args[0], (const __u64 *)ctx->args[1]));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_pselect6")
int exit_pselect6(struct trace_event_raw_sys_exit *ctx)
{
	loop_other_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_io_uring_enter")
int enter_io_uring(struct trace_event_raw_sys_enter *ctx)
{
	loop_other_enter(loop_uring_key((int)ctx->args[0], ctx->args[2], ctx->args[3]));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_io_uring_enter")
int exit_io_uring(struct trace_event_raw_sys_exit *ctx)
{
	loop_other_exit(ctx->ret);
	return 0;
}

SEC("fentry/__x64_sys_poll")
int BPF_PROG(fentry_poll, const struct pt_regs *regs)
{
	loop_other_enter(loop_poll_key((const void *)ARG0(regs), ARG1(regs)));
	return 0;
}

SEC("fexit/__x64_sys_poll")
int BPF_PROG(fexit_poll, const struct pt_regs *regs, long ret)
{
	loop_other_exit(ret);
	return 0;
}

SEC("fentry/__x64_sys_ppoll")
int BPF_PROG(fentry_ppoll, const struct pt_regs *regs)
{
	loop_other_enter(loop_poll_key((const void *)ARG0(regs), ARG1(regs)));
	return 0;
}

SEC("fexit/__x64_sys_ppoll")
int BPF_PROG(fexit_ppoll, const struct pt_regs *regs, long ret)
{
	loop_other_exit(ret);
	return 0;
}

SEC("fentry/__x64_sys_select")
int BPF_PROG(fentry_select, const struct pt_regs *regs)
{
	loop_other_enter(loop_select_key((int)ARG0(regs), (const __u64 *)ARG1(regs)));
	return 0;
}

SEC("fexit/__x64_sys_select")
int BPF_PROG(fexit_select, const struct pt_regs *regs, long ret)
{
	loop_other_exit(ret);
	return 0;
}

SEC("fentry/__x64_sys_pselect6")
int BPF_PROG(fentry_pselect6, const struct pt_regs *regs)
{
	loop_other_enter(loop_select_key((int)ARG0(regs), (const __u64 *)ARG1(regs)));
	return 0;
}

SEC("fexit/__x64_sys_pselect6")
int BPF_PROG(fexit_pselect6, const struct pt_regs *regs, long ret)
{
	loop_other_exit(ret);
	return 0;
}

SEC("fentry/__x64_sys_io_uring_enter")
int BPF_PROG(fentry_io_uring, const struct pt_regs *regs)
{
	loop_other_enter(loop_uring_key((int)ARG0(regs), ARG2(regs), ARG3(regs)));
	return 0;
}

SEC("fexit/__x64_sys_io_uring_enter")
int BPF_PROG(fexit_io_uring, const struct pt_regs *regs, long ret)
{
	loop_other_exit(ret);
	return 0;
}

/* kprobes: the entry point's one argument is the user's registers */
#define KREGS(ctx) ((const struct pt_regs *)PT_REGS_PARM1(ctx))

SEC("kprobe/__x64_sys_poll")
int kprobe_poll(struct pt_regs *ctx)
{
	const struct pt_regs *regs = KREGS(ctx);

	loop_other_enter(loop_poll_key((const void *)ARG0(regs), ARG1(regs)));
	return 0;
}

SEC("kretprobe/__x64_sys_poll")
int kretprobe_poll(struct pt_regs *ctx)
{
	loop_other_exit(PT_REGS_RC(ctx));
	return 0;
}

SEC("kprobe/__x64_sys_ppoll")
int kprobe_ppoll(struct pt_regs *ctx)
{
	const struct pt_regs *regs = KREGS(ctx);

	loop_other_enter(loop_poll_key((const void *)ARG0(regs), ARG1(regs)));
	return 0;
}

SEC("kretprobe/__x64_sys_ppoll")
int kretprobe_ppoll(struct pt_regs *ctx)
{
	loop_other_exit(PT_REGS_RC(ctx));
	return 0;
}

SEC("kprobe/__x64_sys_select")
int kprobe_select(struct pt_regs *ctx)
{
	const struct pt_regs *regs = KREGS(ctx);

	loop_other_enter(loop_select_key((int)ARG0(regs), (const __u64 *)ARG1(regs)));
	return 0;
}

SEC("kretprobe/__x64_sys_select")
int kretprobe_select(struct pt_regs *ctx)
{
	loop_other_exit(PT_REGS_RC(ctx));
	return 0;
}

SEC("kprobe/__x64_sys_pselect6")
int kprobe_pselect6(struct pt_regs *ctx)
{
	const struct pt_regs *regs = KREGS(ctx);

	loop_other_enter(loop_select_key((int)ARG0(regs), (const __u64 *)ARG1(regs)));
	return 0;
}

SEC("kretprobe/__x64_sys_pselect6")
int kretprobe_pselect6(struct pt_regs *ctx)
{
	loop_other_exit(PT_REGS_RC(ctx));
	return 0;
}

SEC("kprobe/__x64_sys_io_uring_enter")
int kprobe_io_uring(struct pt_regs *ctx)
{
	const struct pt_regs *regs = KREGS(ctx);

	loop_other_enter(loop_uring_key((int)ARG0(regs), ARG2(regs), ARG3(regs)));
	return 0;
}

SEC("kretprobe/__x64_sys_io_uring_enter")
int kretprobe_io_uring(struct pt_regs *ctx)
{
	loop_other_exit(PT_REGS_RC(ctx));
	return 0;
}

#endif
