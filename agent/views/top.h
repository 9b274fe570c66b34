/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live top-style view (ncurses): a header, one row per process sorted by
 * lag, a pane of recent events, and a per-process page with its threads.
 * It renders records (agent/model/record.h) through agent/views/top_state.h
 * and agent/views/top_render.h and copies the grid to the terminal; on a
 * terminal, log lines reach its events pane through the logger's print
 * callback instead of tearing the screen. Its struct lw_viewer is made by
 * lw_view_top() (agent/views/view.h).
 */
#ifndef LOOPWATCH_TOP_H
#define LOOPWATCH_TOP_H

#include <stdbool.h>
#include "views/top_state.h"

struct lw_top;

/* Take over the terminal on stdout. Returns 0, or -errno / -ENOTTY after
 * which nothing was changed. */
int lw_top_start(struct lw_top **out, unsigned int interval_s);
/* The fd keys arrive on (for the agent's epoll loop), or -1. */
int lw_top_input_fd(const struct lw_top *t);
/* Handle pending keys; true when the user asked to quit. */
bool lw_top_keys(struct lw_top *t);
/* The terminal changed size (SIGWINCH). */
void lw_top_resize(struct lw_top *t);
/* An event as it happens, and the record at the end of an interval. */
void lw_top_event(struct lw_top *t, const struct lw_event_rec *e);
void lw_top_interval(struct lw_top *t, const struct lw_interval_rec *r);
/* Give the terminal back as it was, replay the last log lines to stderr. */
void lw_top_stop(struct lw_top *t);

#endif
