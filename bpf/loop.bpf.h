// SPDX-License-Identifier: GPL-2.0
/*
 * Loop lag and stalls. A loop thread's busy window runs from the return of a
 * home wait call (epoll, poll, select or io_uring; loop_home.h) to its next
 * entry; sched_switch splits the window into time on CPU, time runnable in a
 * run queue and time asleep, charged to the system call the thread slept in.
 *
 * Handlers only: the epoll and scheduler hooks are shared with the readiness
 * family, so their programs are in loopwatch.bpf.c, one per hook; the other
 * waits' programs are in waits.bpf.h.
 */
#ifndef LOOPWATCH_LOOP_BPF_H
#define LOOPWATCH_LOOP_BPF_H

#include "common.bpf.h"

#define TASK_RUNNING 0
#define LW_ENOSYS 38

const struct lw_thread lw_zero_thread = {};

/* Where a loop thread is, as lw_busy counts it (lw_thread.place). */
enum loop_place { LOOP_OUT = 0, LOOP_BUSY, LOOP_WAITING };
#define LOOP_BUSY_MASK 0xffffu
#define LOOP_WAIT_SHIFT 16

static __always_inline struct lw_busy_slot *loop_slot(__u32 tid)
{
	__u32 k = tid & (LW_BUSY_SLOTS - 1);

	return bpf_map_lookup_elem(&lw_busy, &k);
}

/* May tid be in a busy window? False only when no loop thread of its slot is. */
static __always_inline bool loop_maybe_busy(__u32 tid)
{
	struct lw_busy_slot *c = loop_slot(tid);

	return !c || (c->count & LOOP_BUSY_MASK);
}

static __always_inline __u32 loop_place_count(__u32 place)
{
	return place == LOOP_BUSY ? 1 : place == LOOP_WAITING ? 1u << LOOP_WAIT_SHIFT : 0;
}

/* The thread moves into a busy window, a wait call, or out: its slot's
 * counts follow, in one add (the difference wraps as it should). */
static __always_inline void loop_place(struct lw_thread *t, __u32 tid, __u32 place)
{
	struct lw_busy_slot *c;

	if (t->place == place)
		return;
	c = loop_slot(tid);
	if (!c)
		return;
	if (t->place == LOOP_WAITING && c->woken == tid)
		c->woken = 0;
	/* the result unused: a plain atomic add, which every kernel takes */
	__sync_fetch_and_add(&c->count, loop_place_count(place) - loop_place_count(t->place));
	t->place = place;
}

static __always_inline void loop_emit_stall(struct lw_thread *t, __u32 tid, __u64 busy)
{
	struct lw_stall_event *e;
	__u64 off = t->runq_ns + t->blocked_ns;

	e = lw_event_reserve(sizeof(*e), LW_EV_STALL, t->pid, tid, t->comm);
	if (!e)
		return;
	e->duration_ns = busy;
	e->cpu_ns = busy > off ? busy - off : 0;
	e->runq_ns = t->runq_ns;
	e->blocked_ns = t->blocked_ns;
	__builtin_memcpy(e->sys, t->sys, sizeof(e->sys));
	e->started_ns = t->wait_exit_ns;
	e->wait_kind = lw_wait_key_kind(t->home[0]);
	bpf_ringbuf_submit(e, 0);
}

/* The struct file behind the current task's fd, as an address to compare
 * (0: none); rare callers only (a home taken, a wait on another instance). */
static __always_inline __u64 lw_loop_fd_file(__u32 fd)
{
	struct task_struct *task = lw_current_task();
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
	unsigned int max = BPF_CORE_READ(task, files, fdt, max_fds);
	struct file *f = NULL;

	if (fd >= max || bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
		return 0;
	return (__u64)f;
}

#define LW_LOOP_INLINE static __always_inline
#include "loop_home.h"

/* id: bpf_get_current_pid_tgid(); key: lw_wait_key() of the wait. Returns
 * the time of entry, which the other families share, or 0 for a thread that
 * is not watched (which costs one lookup and, as long as its process is
 * filtered out, a look at its name) and for a nested wait. */
static __always_inline __u64 loop_wait_enter(__u64 id, __u32 key, int epfd, __u32 maxevents)
{
	__u32 tid = (__u32)id, pid = id >> 32;
	struct lw_thread *t = bpf_map_lookup_elem(&lw_threads, &tid);
	bool fresh = false;
	__u64 now;

	if (!t || t->exited) {
		/* a plain address before 5.11: read only through BPF_CORE_READ */
		struct task_struct *task = lw_current_task();
		char comm[LW_COMM_LEN];

		BPF_CORE_READ_STR_INTO(&comm, task, group_leader, comm);
		if (!lw_process_wanted(pid, comm))
			return 0;
		/* an exited thread's entry is started over in place */
		t = t ? lw_map_init(&lw_threads, &tid, &lw_zero_thread, BPF_EXIST) :
			bpf_map_lookup_or_try_init(&lw_threads, &tid, &lw_zero_thread);
		if (!t) {
			lw_stat_inc(LW_STAT_THREADS_DROPPED);
			return 0;
		}
		now = bpf_ktime_get_ns();
		__builtin_memcpy(t->comm, comm, LW_COMM_LEN);
		t->pid = pid;
		t->start_time = BPF_CORE_READ(task, start_time);
		t->proc_start_time = BPF_CORE_READ(task, group_leader, start_time);
		loop_take_home(t, key);
		t->in_wait = 1;
		t->wait_enter_ns = now;
		t->maxevents = maxevents;
		t->epfd = epfd;
		loop_place(t, tid, LOOP_WAITING);
		return now;
	}
	if (t->in_wait)
		return bpf_ktime_get_ns();
	if (!loop_is_home(t, key, &fresh))
		return 0;
	now = bpf_ktime_get_ns();
	t->in_wait = 1;
	loop_place(t, tid, LOOP_WAITING);
	t->wait_enter_ns = now;
	t->maxevents = maxevents;
	t->epfd = epfd;
	if (fresh)
		t->wait_exit_ns = 0;
	if (!t->wait_exit_ns)
		return now;

	__u64 busy = now - t->wait_exit_ns;
	__u64 epoch = lw_epoch;
	__u32 slot = epoch & 1;

	t->iterations++;
	t->busy_ns += busy;
	t->lag_hist[lw_lag_slot(busy)]++;
	if (t->max_epoch[slot] != epoch || busy > t->max_lag_ns[slot]) {
		t->max_epoch[slot] = epoch;
		t->max_lag_ns[slot] = busy;
	}
	if (busy >= lw_stall_ns) {
		t->stalls++;
		loop_emit_stall(t, tid, busy);
	}
	return now;
}

/* Returns the time of return, or 0 for a thread that is not watched and for
 * the return of a nested wait (no home wait is in progress). */
static __always_inline __u64 loop_wait_exit(__u64 id, long ret)
{
	__u32 tid = (__u32)id;
	struct lw_thread *t = bpf_map_lookup_elem(&lw_threads, &tid);
	__u64 now;

	if (!t || !t->in_wait)
		return 0;
	now = bpf_ktime_get_ns();
	/* a full batch: more may be ready than the loop asked for */
	if (ret > 0 && ret == t->maxevents)
		t->saturated++;
	t->in_wait = 0;
	loop_place(t, tid, LOOP_BUSY);
	t->wait_exit_ns = now;
	t->off_since_ns = 0;
	t->runq_ns = 0;
	/* the system call slots fill only with blocked time */
	if (t->blocked_ns) {
		t->blocked_ns = 0;
		__builtin_memset(t->sys, 0, sizeof(t->sys));
	}
	return now;
}

/* poll, ppoll: the first pollfd's fd names the set. One fd waited on is a
 * blocking call with a timeout (a shell's terminal, a client's socket), not
 * a loop: 0, no loop wait. */
static __always_inline __u32 loop_poll_key(const void *ufds, __u32 nfds)
{
	int fd;

	if (nfds < 2 || bpf_probe_read_user(&fd, sizeof(fd), ufds))
		return 0;
	return lw_wait_key(LW_WAIT_POLL, fd);
}

/* Index of the lowest set bit of a non-zero word, by halves. */
static __always_inline __u32 loop_lowest_bit(__u64 w)
{
	__u32 n = 0;

	if (!(w & 0xffffffffull)) { w >>= 32; n += 32; }
	if (!(w & 0xffffull)) { w >>= 16; n += 16; }
	if (!(w & 0xffull)) { w >>= 8; n += 8; }
	if (!(w & 0xfull)) { w >>= 4; n += 4; }
	if (!(w & 0x3ull)) { w >>= 2; n += 2; }
	if (!(w & 0x1ull)) { n += 1; }
	return n;
}

#define LOOP_SELECT_WORDS 16	/* FD_SETSIZE's 1024 fds */

/* select, pselect6: the lowest fd of the read set names it; a set of one fd
 * (and nothing above it) is no loop, as for poll. */
static __always_inline __u32 loop_select_key(int n, const __u64 *inp)
{
	__u64 w = 0;
	__u32 base = 0;

	if (n < 1 || !inp)
		return 0;
#pragma unroll
	for (int i = 0; i < LOOP_SELECT_WORDS; i++) {
		if (i * 64 >= n || bpf_probe_read_user(&w, sizeof(w), &inp[i]))
			return 0;
		if (w) {
			base = i * 64;
			break;
		}
	}
	if (!w)
		return 0;
	base += loop_lowest_bit(w);
	if ((w & (w - 1)) == 0 && (int)base + 1 == n)
		return 0;
	return lw_wait_key(LW_WAIT_SELECT, base);
}

#define LOOP_IORING_ENTER_GETEVENTS 1u

/* io_uring_enter waits only when it asks for completions and at least one. */
static __always_inline __u32 loop_uring_key(int fd, __u32 min_complete, __u32 flags)
{
	if (!(flags & LOOP_IORING_ENTER_GETEVENTS) || !min_complete)
		return 0;
	return lw_wait_key(LW_WAIT_URING, fd);
}

/* The waits other than epoll: loop lag alone, no readiness (epoll only). */
static __always_inline void loop_other_enter(__u32 key)
{
	if (key)
		loop_wait_enter(bpf_get_current_pid_tgid(), key, -1, 0);
}

static __always_inline void loop_other_exit(long ret)
{
	loop_wait_exit(bpf_get_current_pid_tgid(), ret);
}

/* What is a thread that goes to sleep now sleeping in? At system call entry
 * x86-64 stores -ENOSYS in the saved ax and the call number in orig_ax; after
 * a fault from user space ax holds the user's value and orig_ax an error code. */
static __always_inline __u32 loop_sleeping_in(struct task_struct *task)
{
	struct pt_regs *regs = lw_task_regs(task);
	long ax = BPF_CORE_READ(regs, ax);

	if (ax == -LW_ENOSYS)
		return (__u32)BPF_CORE_READ(regs, orig_ax);
	return LW_NR_PAGEFAULT;
}

static __always_inline void loop_sched_switch(bool preempt, struct task_struct *prev,
					      struct task_struct *next, unsigned int prev_state)
{
	__u32 prev_tid = prev->pid, next_tid = next->pid;
	struct lw_busy_slot *ps = loop_slot(prev_tid), *ns = loop_slot(next_tid);
	struct lw_thread *t;
	__u64 now = 0;

	/* woken inside its wait call and asleep there again: it found nothing.
	 * Rare, so the lookup that makes sure is paid only then. */
	if (ps && ps->woken == prev_tid) {
		ps->woken = 0;
		if (!preempt && prev_state != TASK_RUNNING) {
			t = bpf_map_lookup_elem(&lw_threads, &prev_tid);
			if (t && t->in_wait)
				__sync_fetch_and_add(&t->futile_seen, 1);
		}
	}
	if (ns && (ns->count >> LOOP_WAIT_SHIFT))
		ns->woken = next_tid;

	/* most switches are of threads in no busy window: one array read each */
	t = !ps || (ps->count & LOOP_BUSY_MASK) ? bpf_map_lookup_elem(&lw_threads, &prev_tid) : NULL;
	if (t && !t->in_wait && t->wait_exit_ns) {
		now = bpf_ktime_get_ns();
		t->off_since_ns = now;
		if (preempt || prev_state == TASK_RUNNING) {
			t->off_kind = LW_OFF_RUNNABLE;
		} else {
			t->off_kind = LW_OFF_BLOCKED;
			t->off_nr = loop_sleeping_in(prev);
		}
	}

	/* a thread switched out in its busy window is still in it */
	if (ns && !(ns->count & LOOP_BUSY_MASK))
		return;
	t = bpf_map_lookup_elem(&lw_threads, &next_tid);
	if (!t || !t->off_since_ns)
		return;
	if (!now)
		now = bpf_ktime_get_ns();
	if (!t->in_wait) {
		__u64 off = now - t->off_since_ns;

		if (t->off_kind == LW_OFF_RUNNABLE) {
			t->runq_ns += off;
		} else {
			t->blocked_ns += off;
			lw_charge_sleep(t->sys, t->off_nr, off);
		}
	}
	t->off_since_ns = 0;
}

/* A thread that finished iterations since the agent last read the map is
 * only marked: the agent folds in its last counts, then deletes it. One with
 * nothing new goes at once, so that thread churn does not fill the map. A
 * reused tid re-initialises a marked entry. */
static __always_inline void loop_task_exit(struct task_struct *task)
{
	__u32 tid = task->pid;
	struct lw_thread *t = bpf_map_lookup_elem(&lw_threads, &tid);
	__u64 epoch = lw_epoch;

	if (!t)
		return;
	loop_place(t, tid, LOOP_OUT);
	if (t->max_epoch[epoch & 1] == epoch && t->iterations)
		t->exited = 1;
	else
		bpf_map_delete_elem(&lw_threads, &tid);
}

#endif
