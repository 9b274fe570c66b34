/* SPDX-License-Identifier: GPL-2.0 */
/* Renderers of the model: JSON lines and the plain table. */
#ifndef LOOPWATCH_REPORT_H
#define LOOPWATCH_REPORT_H

#include <stdio.h>
#include <time.h>
#include "kernel/detections.h"
#include "util/json.h"
#include "model/model.h"
#include "model/stall.h"

struct lw_agent_stats {
	uint64_t events, lost_events;
	double cpu_pct;
	uint64_t cpu_ns;		/* all the CPU time the agent has used */
	uint64_t rss_kb;
	uint64_t threads, procs;	/* state the agent holds: bounded */
	uint64_t threads_dropped;	/* loop threads the kernel map had no room for */
};

/* JSON lines; each returns the line (newline included) or NULL. */
/* A stall line's "stack", "kernel_stack" and "stack_samples" (nothing for NULL). */
void lw_json_stall_stacks(struct lw_json *j, const struct lw_stall_stacks *st);
/* The plain view's (and so the top view's) line under a stall: its stack,
 * functions only, leaf first. */
void lw_table_stall_stack(FILE *out, const struct lw_event_hdr *h,
			  const struct lw_stall_stacks *st);
const char *lw_json_stall(struct lw_json *j, const struct timespec *now,
			  const struct lw_event_hdr *h, const struct lw_stall *s);
/* A stall still open at a tick (agent/model/open_stall.h): the stall's fields so
 * far, and started, the wall-clock time it began. */
const char *lw_json_stall_in_progress(struct lw_json *j, const struct timespec *now,
				      const struct lw_event_hdr *h, const struct lw_stall *s,
				      const struct timespec *started);
const char *lw_json_summary(struct lw_json *j, const struct timespec *now,
			    const struct lw_proc *p);
/* Once, after attaching: the kernel, the epoll hook path and each detection. */
const char *lw_json_start(struct lw_json *j, const struct timespec *now, const char *kernel,
			  const struct lw_hook_state hooks[LW_HK_MAX], const struct lw_detections *d);
const char *lw_json_agent(struct lw_json *j, const struct timespec *now,
			  const struct lw_agent_stats *a);

/* The plain view for a terminal. */
void lw_table_stall(FILE *out, const struct lw_event_hdr *h, const struct lw_stall *s);
void lw_table_stall_in_progress(FILE *out, const struct lw_event_hdr *h, const struct lw_stall *s);
void lw_table_interval(FILE *out, const struct lw_model *m, const struct lw_agent_stats *a);

#endif
