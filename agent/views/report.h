/* SPDX-License-Identifier: GPL-2.0 */
/* Renderers of the model: JSON lines and the plain table. */
#ifndef LOOPWATCH_REPORT_H
#define LOOPWATCH_REPORT_H

#include <stdio.h>
#include <time.h>
#include "kernel/detections.h"
#include "util/json.h"
#include "model/model.h"
#include "model/alerts.h"
#include "model/bp.h"
#include "model/memsweep.h"
#include "model/readiness.h"
#include "model/record.h"
#include "model/stall.h"

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
			  const struct lw_hook_state hooks[LW_HK_MAX], const struct lw_detections *d,
			  const char *detail);
const char *lw_json_agent(struct lw_json *j, const struct timespec *now,
			  const struct lw_agent_stats *a);

/* The plain view for a terminal. */
void lw_table_stall(FILE *out, const struct lw_event_hdr *h, const struct lw_stall *s);
void lw_table_stall_in_progress(FILE *out, const struct lw_event_hdr *h, const struct lw_stall *s);
void lw_table_interval(FILE *out, const struct lw_model *m, const struct lw_agent_stats *a);
/* The plain view's line for one event (none for an alert). */
void lw_table_event(FILE *out, const struct lw_event_rec *e);

/* Readiness: herds, hot loops, undrained and starved sockets. */
const char *lw_json_herd(struct lw_json *j, const struct timespec *now,
			 const struct lw_herd_event *e);
const char *lw_json_hot(struct lw_json *j, const struct timespec *now,
			const struct lw_hot_event *e);
const char *lw_json_undrained(struct lw_json *j, const struct timespec *now,
			      const struct lw_undrained_event *e);
const char *lw_json_starved(struct lw_json *j, const struct timespec *now,
			    const struct lw_starved *s);
/* The plain view's lines. */
void lw_table_herd(FILE *out, const struct lw_herd_event *e);
void lw_table_hot(FILE *out, const struct lw_hot_event *e);
void lw_table_undrained(FILE *out, const struct lw_undrained_event *e);
void lw_table_starved(FILE *out, const struct lw_starved *s);

/* Backpressure. */
const char *lw_json_backpressure(struct lw_json *j, const struct timespec *now,
				 const struct lw_bp_event *e);
void lw_table_backpressure(FILE *out, const struct lw_bp_event *e);
/* The per-process backpressure block of the plain view. */
void lw_table_bp_interval(FILE *out, const struct lw_model *m);

/* Memory: the memory_growth line, the summary's memory fields, the table's line. */
const char *lw_json_mem_growth(struct lw_json *j, const struct timespec *now,
			       const struct lw_mem_growth_event *e);
void lw_json_mem_fields(struct lw_json *j, const struct lw_interval *iv);
void lw_table_mem_growth(FILE *out, const struct lw_mem_growth_event *e);

/* Connections made: the retry_storm line, the ports warning, the summary's
 * fields, the table's lines. */
const char *lw_json_storm(struct lw_json *j, const struct timespec *now, const struct lw_storm *s);
const char *lw_json_ports(struct lw_json *j, const struct timespec *now,
			  const struct lw_ports_event *e);
void lw_json_connect_fields(struct lw_json *j, const struct lw_interval *iv);
void lw_table_storm(FILE *out, const struct lw_storm *s);
void lw_table_ports(FILE *out, const struct lw_ports_event *e);

/* The "alert" JSON line and the log line of a transition. */
const char *lw_json_alert(struct lw_json *j, const struct timespec *now, const struct lw_alert *al);
void lw_alert_describe(const struct lw_alert *al, unsigned int sustain, char *out, size_t len);

#endif
