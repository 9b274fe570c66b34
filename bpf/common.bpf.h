/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Maps, settings and helpers shared by every probe file. The probe files are
 * linked into one object (bpftool gen object), so each map below exists once:
 * the definitions are weak and identical in every file that includes this.
 */
#ifndef LOOPWATCH_COMMON_BPF_H
#define LOOPWATCH_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "compat.bpf.h"
#include "event.h"
#include "loop.h"

#ifndef LW_MAX_THREADS_DEFAULT
#define LW_MAX_THREADS_DEFAULT 16384
#endif

/* Loop threads by tid. LRU: a host with more loop threads than the map holds
 * loses the coldest ones rather than refusing new ones. Resized by the agent. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LW_MAX_THREADS_DEFAULT);
	__type(key, __u32);
	__type(value, struct lw_thread);
} lw_threads SEC(".maps") __weak;

/*
 * Loop threads by tid modulo the size, counted in a busy window (low 16
 * bits of count) and inside a wait call (high 16): a context switch of a
 * thread whose slot counts none in a busy window is no loop thread's busy
 * window, known from one array read (inlined) instead of two lookups of
 * lw_threads. Slots are shared, so a count only means "look it up". woken is
 * the tid last switched in while its slot counts a thread in a wait call:
 * one that sleeps again before it returns found nothing (a futile wake-up),
 * told without a lookup.
 */
#define LW_BUSY_SLOTS 65536
struct lw_busy_slot {
	__u32 count;
	__u32 woken;
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LW_BUSY_SLOTS);
	__type(key, __u32);
	__type(value, struct lw_busy_slot);
} lw_busy SEC(".maps") __weak;

/* Processes to watch when -p is given (value unused). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} lw_pid_filter SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} lw_events SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LW_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lw_stats SEC(".maps") __weak;

/* Set before load. */
const volatile bool lw_filter_pids __weak = false;
const volatile bool lw_filter_comm __weak = false;
const volatile char lw_comm[LW_COMM_LEN] __weak = {};
/* The agent's own process: its loop and sockets are not what it reports on. */
const volatile __u32 lw_self_pid __weak = 0;
/* Changed at run time by the agent. */
__u64 lw_stall_ns __weak = 50000000;
__u64 lw_epoch __weak = 0;

static __always_inline void lw_stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&lw_stats, &idx);

	if (v)
		(*v)++;
}

/* Reserve a record on ring and fill its header; a failed reservation is
 * counted so that loss is never silent. */
static __always_inline void *lw_ring_reserve(void *ring, __u32 size, __u32 type, __u32 pid,
					     __u32 tid, const char *comm)
{
	struct lw_event_hdr *h = bpf_ringbuf_reserve(ring, size, 0);

	if (!h) {
		lw_stat_inc(LW_STAT_EVENTS_LOST);
		return NULL;
	}
	h->type = type;
	h->size = size;
	h->pid = pid;
	h->tid = tid;
	h->ts_ns = bpf_ktime_get_ns();
	__builtin_memcpy(h->comm, comm, LW_COMM_LEN);
	return h;
}

static __always_inline void *lw_event_reserve(__u32 size, __u32 type, __u32 pid, __u32 tid,
					      const char *comm)
{
	return lw_ring_reserve(&lw_events, size, type, pid, tid, comm);
}

/* Put init at key (flags as for bpf_map_update_elem) and return the map's
 * own copy to fill in place: values too large for the BPF stack start as a
 * static of zeroes. NULL when the map refused it. */
static __always_inline void *lw_map_init(void *map, const void *key, const void *init, __u64 flags)
{
	if (bpf_map_update_elem(map, key, init, flags))
		return NULL;
	return bpf_map_lookup_elem(map, key);
}

#define LW_EEXIST 17

/* The entry at key, created from init when there is none. Another CPU may
 * create it between the two look-ups: then its entry is the one returned,
 * never overwritten. NULL when the map is full or refused it. */
static __always_inline void *bpf_map_lookup_or_try_init(void *map, const void *key,
							const void *init)
{
	void *val = bpf_map_lookup_elem(map, key);
	long err;

	if (val)
		return val;
	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	if (err && err != -LW_EEXIST)
		return NULL;
	return bpf_map_lookup_elem(map, key);
}

static __always_inline bool lw_comm_matches(const char *comm)
{
	for (int i = 0; i < LW_COMM_LEN; i++) {
		if (comm[i] != lw_comm[i])
			return false;
		if (!comm[i])
			return true;
	}
	return true;
}

/* Should the current process be watched? Only called when a thread is first
 * seen, never on the hot path of a known thread. */
static __always_inline bool lw_process_wanted(__u32 pid, const char *comm)
{
	if (pid == lw_self_pid)
		return false;
	if (lw_filter_pids && !bpf_map_lookup_elem(&lw_pid_filter, &pid))
		return false;
	if (lw_filter_comm && !lw_comm_matches(comm))
		return false;
	return true;
}

#endif
