/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live top-style view (ncurses): a header, one row per process sorted by
 * lag, a pane of recent events, and a per-process page with its threads.
 * While it runs, whatever the agent writes to stdout (the plain view's event
 * lines) and, on a terminal, to stderr (log lines) is captured into the
 * events pane instead of tearing the screen.
 */
#ifndef LOOPWATCH_TOP_H
#define LOOPWATCH_TOP_H

#include <stdbool.h>
#include "model/alerts.h"
#include "model/model.h"
#include "views/report.h"

struct lw_top;

/* Take over the terminal on stdout. Returns 0, or -errno / -ENOTTY after
 * which nothing was changed. */
int lw_top_start(struct lw_top **out, unsigned int interval_s);
/* The fd keys arrive on (for the agent's epoll loop), or -1. */
int lw_top_input_fd(const struct lw_top *t);
/* Handle pending keys; true when the user asked to quit. */
bool lw_top_keys(struct lw_top *t);
/* The interval changed (config reload): rates per second follow it. */
void lw_top_set_interval(struct lw_top *t, unsigned int interval_s);
/* The terminal changed size (SIGWINCH). */
void lw_top_resize(struct lw_top *t);
/* New figures at the end of an interval (before lw_model_end_interval). */
void lw_top_interval(struct lw_top *t, const struct lw_model *m, const struct lw_alerts *alerts,
		     const struct lw_agent_stats *st);
/* Move what was written to stdout/stderr since the last call into the
 * events pane. */
void lw_top_collect(struct lw_top *t);
/* Give the terminal back as it was, replay the last log lines to stderr. */
void lw_top_stop(struct lw_top *t);

#endif
