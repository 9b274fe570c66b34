/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory growth of one process (DESIGN.md "Resource headroom": resident
 * memory that grows for several intervals in a row is the outside sign of an
 * unbounded in-process queue). Fed the process's RSS once per interval, it
 * keeps the slope over the last intervals (least squares, so one large
 * allocation does not read as a trend) and decides when growth is an
 * episode worth a line: RSS rose in each of the last N intervals at a rate
 * that would take what the process counts against (its memory cgroup's
 * limit, or the host's memory) to the limit within the horizon. One event
 * per episode; an interval in which RSS does not rise ends the episode and
 * re-arms it. Pure C, unit-tested on synthetic sequences.
 */
#ifndef LOOPWATCH_MEMORY_H
#define LOOPWATCH_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

/* The most intervals the slope and the run can span (--mem-intervals). */
#define LW_MEM_WINDOW_MAX 60

struct lw_mem_cfg {
	unsigned int intervals;	/* N: rising intervals in a row */
	unsigned int horizon_s;	/* ... at a rate that reaches the limit within this */
};

struct lw_mem_sample {
	uint64_t t_ns;		/* monotonic */
	uint64_t rss_kb;
};

struct lw_mem_growth {
	struct lw_mem_sample s[LW_MEM_WINDOW_MAX + 1];	/* ring; the newest at next - 1 */
	unsigned int n, next;
	unsigned int rising;	/* samples in a row above the one before */
	bool reported;		/* this episode has had its event */
};

/* What the process's memory counts against, now. */
struct lw_mem_room {
	uint64_t limit_kb;	/* 0: no limit known */
	uint64_t used_kb;	/* what already counts against it */
};

struct lw_mem_verdict {
	double kb_per_s;		/* slope over the last N intervals */
	unsigned int rising;
	double seconds_to_limit;	/* at that slope; < 0: never (not rising, or no limit) */
	bool growing;			/* rising N intervals in a row, the limit within the horizon */
	bool report;			/* the first growing interval of the episode */
};

/* One interval's sample (t_ns after the last one's). */
void lw_mem_growth_step(struct lw_mem_growth *g, uint64_t t_ns, uint64_t rss_kb,
			const struct lw_mem_room *room, const struct lw_mem_cfg *cfg,
			struct lw_mem_verdict *v);
/* Least-squares slope in KB/s over the newest `samples` samples (fewer if
 * there are fewer); 0 with less than two. */
double lw_mem_growth_slope(const struct lw_mem_growth *g, unsigned int samples);

#endif
