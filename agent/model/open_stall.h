/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stalls in progress. A stall is reported by the probes only when it ends,
 * i.e. when the thread enters its next wait call; a loop that hangs (a
 * deadlock, an endless CPU loop, minutes on a dead NFS server) would say
 * nothing while it hangs. The thread map already holds the start of every
 * open busy window and its split so far, so at each interval tick the agent
 * reports windows that are old enough itself, with no probe change.
 *
 * A window is reported once it is at least the threshold old at a tick
 * (max(--stall-ms, interval): a short stall that merely spans a tick is not
 * reported twice), then again each time its age has at least doubled since
 * its last report, so a thread that left its loop for good gives about
 * log2(age / threshold) lines, not one per interval. A window is known by
 * (tid, its start).
 */
#ifndef LOOPWATCH_OPEN_STALL_H
#define LOOPWATCH_OPEN_STALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "loop.h"
#include "model/model.h"
#include "model/stall.h"

/* One report: the window's split so far, as a stall line would give it. */
struct lw_open_stall {
	struct lw_event_hdr hdr;	/* pid, tid, comm; ts_ns: the tick (monotonic) */
	uint64_t started_ns;		/* the window's start (CLOCK_MONOTONIC) */
	struct lw_stall s;
};

/* A window already reported, and its age then. */
struct lw_open_seen {
	uint32_t tid;
	uint64_t started_ns;
	uint64_t reported_ns;
};

struct lw_open_stalls {
	struct lw_open_seen *seen;	/* sorted by tid; only windows still open */
	size_t nseen;
	struct lw_open_stall *out;	/* the reports of the last tick */
	size_t nout, cap;
};

/* The age a window must reach before it is reported: the larger of the stall
 * threshold and the interval. */
uint64_t lw_open_threshold_ns(unsigned int stall_ms, unsigned int interval_s);

/* The busy window thread t is in at now_ns (CLOCK_MONOTONIC), split as the
 * probes would split it if it ended now: the off-CPU stretch in progress is
 * added to runqueue or blocked (and to its system call). The map is read
 * without locking, so torn values are clamped: no part exceeds the duration.
 * False when there is no open window (in a wait call, exited, none yet). */
bool lw_open_window(const struct lw_thread *t, uint64_t now_ns, struct lw_stall_event *out);

void lw_open_stalls_free(struct lw_open_stalls *os);

/* One interval tick over a snapshot of the thread map read just before
 * now_ns. Fills os->out with the windows to report now and returns how many,
 * or -ENOMEM (nothing reported, the state is kept). With a model, each
 * process's iv.open_stall_ns gets its longest window at least threshold_ns
 * old, reported this tick or not, and the threads of a process whose runtime
 * is not loops (lw_proc_loops()) are left out. */
int lw_open_stalls_tick(struct lw_open_stalls *os, struct lw_model *m,
			const struct lw_thread_snap *snaps, size_t n, uint64_t now_ns,
			uint64_t threshold_ns);

/* Wall-clock time of a window's start, from a pair of clock readings taken
 * together (CLOCK_MONOTONIC now_ns, CLOCK_REALTIME *now). */
void lw_open_started(const struct lw_open_stall *o, uint64_t now_ns, const struct timespec *now,
		     struct timespec *out);

#endif
