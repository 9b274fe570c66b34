// SPDX-License-Identifier: GPL-2.0
/*
 * Stacks of stalls (include/stack.h). Two programs of their own, so that a
 * kernel that refuses them costs only the stacks, never loop lag:
 *
 *  - stk_sched_switch, beside loop lag's sched_switch program: a loop thread
 *    that goes to sleep inside a busy window has its user registers, the top
 *    of its user stack and its kernel stack captured at the switch-out, a
 *    few times per window at most and within a per-thread budget; when it
 *    comes back, a small record says how long that sleep was.
 *  - stk_sample, on a cpu-clock perf event on every CPU: returns at once
 *    unless the thread on CPU is a loop thread whose busy window is older
 *    than lw_stk_sample_ns, and then captures its user stack.
 *
 * Both read loop lag's thread map and never write it.
 */
#ifndef LOOPWATCH_STACKS_BPF_H
#define LOOPWATCH_STACKS_BPF_H

#include "common.bpf.h"
#include "loop.bpf.h"
#include "stack.h"

/* Per loop thread that captured: the window counted, the budget. */
struct lw_stk_thread {
	__u64 window_ns;	/* the busy window the counts below are of */
	__u64 tat_ns;		/* budget: the time the thread's captures are paid up to */
	__u64 out_ns;		/* switch-out of the sleep captured last */
	__u32 seq;		/* last capture's number */
	__u32 out_seq;		/* capture whose sleep is in progress; 0: none */
	__u16 captures;		/* sleeps captured in this window */
	__u16 samples;		/* samples taken in this window */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LW_MAX_THREADS_DEFAULT);
	__type(key, __u32);
	__type(value, struct lw_stk_thread);
} lw_stk_threads SEC(".maps");

/* 2 MiB: about 120 captures in flight (the agent maps it twice over, so
 * its RSS counts 4 MiB). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 21);
} lw_stk_events SEC(".maps");

/* Set by the agent: half of --stall-ms. */
__u64 lw_stk_sample_ns = 25000000;

static __always_inline void *stk_reserve(__u32 size, __u32 type, __u32 pid, __u32 tid,
					 const char *comm)
{
	return lw_ring_reserve(&lw_stk_events, size, type, pid, tid, comm);
}

/* The thread's state, reset at each new busy window. */
static __always_inline struct lw_stk_thread *stk_state(__u32 tid, __u64 window_ns)
{
	struct lw_stk_thread *s = bpf_map_lookup_elem(&lw_stk_threads, &tid);
	struct lw_stk_thread zero = {};

	if (!s)
		s = lw_map_init(&lw_stk_threads, &tid, &zero, BPF_NOEXIST);
	if (s && s->window_ns != window_ns) {
		s->window_ns = window_ns;
		s->captures = 0;
		s->samples = 0;
	}
	return s;
}

/* The per-thread budget (a leaky bucket): LW_STK_BURST in a row, then one
 * per LW_STK_REFILL_NS. */
static __always_inline bool stk_budget(struct lw_stk_thread *s, __u64 now)
{
	__u64 tat = s->tat_ns > now ? s->tat_ns : now;

	if (tat - now > (LW_STK_BURST - 1) * LW_STK_REFILL_NS)
		return false;
	s->tat_ns = tat + LW_STK_REFILL_NS;
	return true;
}

static __always_inline void stk_capture(void *ctx, struct task_struct *task,
					const struct lw_thread *t, __u32 tid, __u32 seq,
					__u16 kind, __u32 nr)
{
	struct lw_stk_capture *e;
	struct pt_regs *regs;
	__u64 base;
	long n;

	e = stk_reserve(sizeof(*e), LW_STK_CAPTURE, t->pid, tid, t->comm);
	if (!e)
		return;
	e->window_ns = t->wait_exit_ns;
	e->seq = seq;
	e->kind = kind;
	e->flags = 0;
	e->nr = nr;
	regs = lw_task_regs(task);
	e->regs[0] = BPF_CORE_READ(regs, ax);
	e->regs[1] = BPF_CORE_READ(regs, dx);
	e->regs[2] = BPF_CORE_READ(regs, cx);
	e->regs[3] = BPF_CORE_READ(regs, bx);
	e->regs[4] = BPF_CORE_READ(regs, si);
	e->regs[5] = BPF_CORE_READ(regs, di);
	e->regs[6] = BPF_CORE_READ(regs, bp);
	e->regs[7] = BPF_CORE_READ(regs, sp);
	e->regs[8] = BPF_CORE_READ(regs, r8);
	e->regs[9] = BPF_CORE_READ(regs, r9);
	e->regs[10] = BPF_CORE_READ(regs, r10);
	e->regs[11] = BPF_CORE_READ(regs, r11);
	e->regs[12] = BPF_CORE_READ(regs, r12);
	e->regs[13] = BPF_CORE_READ(regs, r13);
	e->regs[14] = BPF_CORE_READ(regs, r14);
	e->regs[15] = BPF_CORE_READ(regs, r15);
	e->regs[16] = BPF_CORE_READ(regs, ip);
	base = e->regs[LW_STK_REG_SP] & ~(__u64)(LW_STK_PAGE - 1);
	e->stack_base = base;
	e->stack_len = 0;
	for (int i = 0; i < LW_STK_PAGES; i++) {
		if (bpf_probe_read_user(e->data + i * LW_STK_PAGE, LW_STK_PAGE,
					(const void *)(base + i * LW_STK_PAGE)))
			break;
		e->stack_len += LW_STK_PAGE;
	}
	n = bpf_get_stack(ctx, e->fp_ips, sizeof(e->fp_ips), BPF_F_USER_STACK);
	e->fp_len = n > 0 ? (__u32)n : 0;
	e->k_len = 0;
	if (kind == LW_STK_KIND_SLEEP) {
		n = bpf_get_stack(ctx, e->k_ips, sizeof(e->k_ips), 0);
		e->k_len = n > 0 ? (__u32)n : 0;
	}
	bpf_ringbuf_submit(e, 0);
}

/* A loop thread goes to sleep inside its busy window. */
static __always_inline void stk_on_sleep(void *ctx, struct task_struct *prev, __u32 tid,
					 const struct lw_thread *t)
{
	struct lw_stk_thread *s = stk_state(tid, t->wait_exit_ns);
	__u64 now;

	if (!s || s->captures >= LW_STK_PER_WINDOW)
		return;
	now = bpf_ktime_get_ns();
	if (!stk_budget(s, now))
		return;
	s->captures++;
	s->seq++;
	s->out_seq = s->seq;
	s->out_ns = now;
	stk_capture(ctx, prev, t, tid, s->seq, LW_STK_KIND_SLEEP, loop_sleeping_in(prev));
}

/* The thread of a capture is back: how long did that sleep last? */
static __always_inline void stk_on_wake(__u32 tid)
{
	struct lw_stk_thread *s = bpf_map_lookup_elem(&lw_stk_threads, &tid);
	struct lw_stk_slept *e;
	struct lw_thread *t;

	if (!s || !s->out_seq)
		return;
	t = bpf_map_lookup_elem(&lw_threads, &tid);
	e = t ? stk_reserve(sizeof(*e), LW_STK_SLEPT, t->pid, tid, t->comm) : NULL;
	if (e) {
		e->window_ns = s->window_ns;
		e->seq = s->out_seq;
		e->pad = 0;
		e->slept_ns = bpf_ktime_get_ns() - s->out_ns;
		bpf_ringbuf_submit(e, 0);
	}
	s->out_seq = 0;
}

SEC("tp_btf/sched_switch")
int stk_sched_switch(unsigned long long *ctx)
{
	bool preempt = (bool)ctx[0];
	struct task_struct *prev = (struct task_struct *)ctx[1];
	struct task_struct *next = (struct task_struct *)ctx[2];
	__u32 prev_tid = prev->pid, next_tid = next->pid;
	struct lw_thread *t;

	/* both ends matter only to a thread in its busy window: most switches
	 * are of other threads, and cost one array read each */
	t = loop_maybe_busy(prev_tid) ? bpf_map_lookup_elem(&lw_threads, &prev_tid) : NULL;
	if (t && !t->in_wait && t->wait_exit_ns && !t->exited && !preempt &&
	    lw_switch_prev_state(ctx, prev) != TASK_RUNNING)
		stk_on_sleep(ctx, prev, prev_tid, t);
	if (next_tid && loop_maybe_busy(next_tid))
		stk_on_wake(next_tid);
	return 0;
}

SEC("perf_event")
int stk_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct lw_thread *t = bpf_map_lookup_elem(&lw_threads, &tid);
	struct lw_stk_thread *s;

	if (!t || t->in_wait || !t->wait_exit_ns || t->exited ||
	    bpf_ktime_get_ns() - t->wait_exit_ns < lw_stk_sample_ns)
		return 0;
	s = stk_state(tid, t->wait_exit_ns);
	if (!s || s->samples >= LW_STK_SAMPLES_PER_WINDOW)
		return 0;
	s->samples++;
	s->seq++;
	stk_capture(ctx, lw_current_task(), t, tid, s->seq, LW_STK_KIND_SAMPLE, 0);
	return 0;
}

#endif
