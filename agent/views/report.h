/* SPDX-License-Identifier: GPL-2.0 */
/* Renderers of the model: JSON lines and the plain table. */
#ifndef LOOPWATCH_REPORT_H
#define LOOPWATCH_REPORT_H

#include <stdio.h>
#include <time.h>
#include "kernel/detections.h"
#include "util/json.h"
#include "model/model.h"
#include "model/record.h"
#include "model/stall.h"

/* JSON lines; each returns the line (newline included) or NULL. */
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

#endif
