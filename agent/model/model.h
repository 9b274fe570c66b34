/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-memory model every view renders: per process, the figures of the
 * current interval and running totals. Filled from map snapshots and events;
 * no BPF in here, so it is unit-tested on synthetic input.
 */
#ifndef LOOPWATCH_MODEL_H
#define LOOPWATCH_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "loop.h"
#include "model/memory.h"
#include "model/runtime.h"
#include "model/stall.h"

struct lw_memcg_entry;		/* agent/model/memsweep.h */

/* Retransmits to one remote address (backpressure); the interval keeps the
 * LW_RETRANS_REMOTES largest. */
#define LW_RETRANS_REMOTES 4
struct lw_retrans_remote {
	char addr[48];			/* INET6_ADDRSTRLEN and a bit */
	uint64_t count;
};

/* Figures of one process for one interval (counts are for the interval,
 * ratios are high-water marks). */
struct lw_interval {
	uint32_t loops;			/* loop threads alive */
	uint32_t wait_kinds;		/* their home waits: bits 1 << enum lw_wait_kind */
	uint64_t iterations;
	uint64_t lag_hist[LW_LAG_SLOTS];
	uint64_t lag_max_ns;
	uint64_t open_stall_ns;		/* longest busy window still open at the
					 * tick, once old enough (agent/model/open_stall.h) */
	uint64_t stalls;		/* from the thread map: never lost */
	uint64_t stalls_by_cause[LW_CAUSE_MAX]; /* from stall events */
	uint64_t parked_stalls;		/* of the stall events, kind parked */
	/* Threads whose every stall event this interval was parked
	 * (lw_stall_kind_of()), and the largest lag of the others: the
	 * loop_lag rule reads that one when there are parked threads. */
	uint32_t parked_threads;
	uint64_t loop_lag_max_ns;
	uint64_t wakeups, futile, herds, lt_hot_loops, undrained_et, et_starved;
	uint64_t ready_hist[LW_LAG_SLOTS];
	uint64_t ready_max_ns;
	double rcvq_max_ratio, sndq_max_ratio, acceptq_max_ratio;
	uint64_t retransmits, drops, snd_eagain, accept_overflows, saturated;
	uint64_t fds, fd_limit;
	uint64_t snd_partial, mem_pressure, sock_mem;	/* backpressure, see agent/model/bp.h */
	uint64_t snd_wait_ns;
	/* the always-on tier's signs for the detail tier (agent/model/tier.h):
	 * futile wake-ups it sees by itself (lw_thread.futile_seen), and sockets
	 * whose unread bytes outlived a sweep */
	uint64_t futile_seen, lingering;
	struct lw_retrans_remote retrans_remote[LW_RETRANS_REMOTES];	/* largest first */
	unsigned int nretrans_remote;
	/* memory, from the sweep (agent/model/memsweep.h) */
	bool rss_known;			/* read this interval: false once it has exited */
	uint64_t rss_kb;
	double rss_growth_kb_per_s;	/* slope over the last intervals */
	bool mem_growing;		/* toward its limit within the horizon: the
					 * memory_growth rule reads it */
	double mem_seconds_to_limit;	/* < 0: not rising or no limit */
	const struct lw_memcg_entry *memcg;	/* the memory cgroup that binds it;
						 * NULL: none known */
	/* connections made (bpf/connect.bpf.h, agent/model/storm.h, ports.h) */
	uint64_t connect_attempts, connect_failures, syn_retrans, connect_addrnotavail;
	uint64_t retry_storms;		/* storms it took part in */
	double retry_storm;		/* their largest synchrony; 0: none */
	double ports_max_ratio;		/* ephemeral ports in use of the range, its fullest tuple */
	bool active;			/* anything seen: the process gets a summary */
	bool incomplete;		/* events were lost this interval: event-based
					 * counts may be short */
};

/* Running totals since the agent started, for the textfile. */
struct lw_totals {
	uint64_t lag_hist[LW_LAG_SLOTS];
	double lag_sum_s;
	uint64_t stalls_by_cause[LW_CAUSE_MAX];
	uint64_t wakeups, futile, herds, undrained_et, drops, retransmits;
	uint64_t connect_attempts, connect_failures, connect_addrnotavail, syn_retrans;
};

struct lw_proc {
	uint32_t pid;
	uint64_t start_time;		/* with pid, the process's identity */
	char comm[LW_COMM_LEN];
	/* Its runtime (agent/model/runtime.h): for one whose threads are not loops,
	 * the thread map's lag, iterations and stalls and its stall events
	 * are left out; socket figures still count. */
	enum lw_runtime runtime;
	struct lw_exe_id exe;		/* what it was classified by */
	bool rt_done;			/* classified since first seen or its exec */
	bool rt_need_tid;		/* a thread seen in a wait call decides */
	unsigned int rt_age;		/* intervals since its last re-check */
	struct lw_interval iv;
	struct lw_totals tot;
	unsigned int idle_intervals;	/* consecutive intervals with nothing seen */
	/* memory: its RSS over the last intervals, its own memory cgroup and
	 * the sweep that last read which it is (agent/model/memsweep.h) */
	struct lw_mem_growth mem;
	struct lw_memcg_entry *memcg;
	uint64_t memcg_seen;
};

/* One entry of the kernel's thread map. */
struct lw_thread_snap {
	uint32_t tid;
	struct lw_thread t;
};

/* Kinds of one thread's stall events this interval. */
struct lw_tid_kinds {
	uint32_t tid;
	uint32_t loop, parked;
};
#define LW_MAX_TID_KINDS 4096

struct lw_model {
	struct lw_proc **procs;		/* sorted by pid */
	struct lw_tid_kinds *kinds;	/* this interval's, unsorted; bounded: a
					 * thread with no room counts as a loop */
	size_t nkinds, kinds_cap;
	size_t nprocs, cap;
	struct lw_thread_snap *prev;	/* last interval's snapshot, sorted by tid */
	size_t nprev;
	uint64_t events, lost_events;	/* this interval */
	uint64_t missed_runs;		/* program runs the kernel skipped, this interval */
	uint64_t events_total, lost_total, missed_total;
	/* does a pid still exist? replaced in tests */
	bool (*pid_alive)(uint32_t pid, uint64_t start_time);
	/* Recognises runtimes (lw_rt_classify() on rt_cache in the agent);
	 * NULL: every process is taken as loops (the unit tests' default). */
	unsigned int (*classify)(void *ctx, uint32_t pid, uint32_t tid, struct lw_exe_id *id,
				 enum lw_runtime *rt);
	void *classify_ctx;
};

/* Are the process's threads measured as loops? */
static inline bool lw_proc_loops(const struct lw_proc *p)
{
	return lw_runtime_loops(p->runtime);
}

/* Lag quantile of the interval in ms: from the histogram, never above the
 * exact maximum the probes kept. */
double lw_interval_lag_ms(const struct lw_interval *iv, double q);
/* Stalls of the interval: the map's count, or the events' when a thread
 * exited before its last count was read. */
uint64_t lw_interval_stalls(const struct lw_interval *iv);

void lw_model_init(struct lw_model *m);
void lw_model_free(struct lw_model *m);
/* Find a process, creating it (or replacing a dead one whose pid was reused)
 * when start_time differs; start_time 0 matches any. Marks it active. */
struct lw_proc *lw_model_proc(struct lw_model *m, uint32_t pid, uint64_t start_time,
			      const char *comm);
struct lw_proc *lw_model_find(const struct lw_model *m, uint32_t pid);
/* Fold a snapshot of the thread map into the interval. epoch is the epoch
 * that just ended. The model takes the malloc()ed array, sorts it and keeps it
 * until the next call, also when it fails part way (-ENOMEM). */
int lw_model_apply_threads(struct lw_model *m, struct lw_thread_snap *snaps, size_t n,
			   uint64_t epoch);
/* Does another live thread of pid wait on the epoll fd tid last waited on?
 * (Go's and tokio's parked threads do: agent/model/stall.h.) */
bool lw_model_shared_wait(const struct lw_model *m, uint32_t pid, uint32_t tid);
/* The thread map as the last lw_model_apply_threads() folded it, sorted by
 * tid: what each thread's figures are now. Valid until the next fold. */
const struct lw_thread_snap *lw_model_threads(const struct lw_model *m, size_t *n);
/* Is thread tid of pid (classified now if due) to be measured as a loop? */
bool lw_model_is_loop(struct lw_model *m, uint32_t pid, uint32_t tid, const char *comm);
/* A stall event of thread tid: counted (by s->kind too), and true when it
 * is to be reported (false for a process whose threads are not loops). */
bool lw_model_add_stall(struct lw_model *m, uint32_t pid, uint32_t tid, const char *comm,
			const struct lw_stall *s);
/* Classify p now if it is due (first seen, comm changed, or a thread seen in
 * a wait call is needed and tid is one). Called by the model itself; exposed
 * for the readers of the thread map outside it. */
void lw_model_classify(struct lw_model *m, struct lw_proc *p, uint32_t tid);
/* Close the interval: totals absorb it, it is cleared, processes that exited
 * are forgotten. */
void lw_model_end_interval(struct lw_model *m);

#endif
