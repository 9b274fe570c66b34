/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the top view knows, fed from records (agent/model/record.h) and log
 * lines, and changed by keys: the rows of the last interval, the loop
 * threads, the recent events, the sort, the selection and the page shown.
 * No terminal in here, and no reading of /proc but through thread_name,
 * which is called when the figures arrive or a page opens, never while
 * drawing. agent/views/top_render.h lays it out; agent/views/top.c is the
 * terminal around both.
 */
#ifndef LOOPWATCH_TOP_STATE_H
#define LOOPWATCH_TOP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "model/record.h"
#include "model/runtime.h"
#include "util/log.h"

#define LW_TOP_EV_LINES 256
#define LW_TOP_LOG_REPLAY 10
#define LW_TOP_LINE_LEN 240
#define LW_TOP_STACKS 16		/* processes whose last stall's stack is kept */
#define LW_TOP_STACK_FRAMES 12

enum lw_top_sort {
	LW_TOP_SORT_LAG_MAX, LW_TOP_SORT_LAG_P99, LW_TOP_SORT_STALLS, LW_TOP_SORT_WAKEUPS,
	LW_TOP_SORT_FUTILE, LW_TOP_SORT_RETR, LW_TOP_SORT_PID, LW_TOP_SORT_COMM, LW_TOP_SORT_MAX,
};

/* One process of the last interval. */
struct lw_top_row {
	uint32_t pid;
	char comm[LW_COMM_LEN];
	unsigned int loops;
	double p99, max;
	uint64_t stalls;
	int cause;		/* the most frequent cause this interval, -1: none */
	double open_ms;		/* longest stall still in progress, 0: none */
	uint64_t wakeups, futile, undrained;
	double futile_pct;
	double rcvq, sndq, acceptq;
	double retr_s;
	uint64_t drops;
	char alerts[64];
	enum lw_runtime rt;	/* not loops: its threads are not measured */
};

enum lw_top_thread_state { LW_TOP_BUSY, LW_TOP_WAITING, LW_TOP_EXITED };

/* One loop thread of the last interval. */
struct lw_top_thread {
	uint32_t tid, pid;
	enum lw_top_thread_state state;
	double iter_s;		/* iterations per second; < 0: not known yet */
	uint64_t stalls;	/* since the thread started */
	double p99_all_ms;	/* lag p99 since the thread started */
	char name[32];		/* its own comm; "" until its page is open */
};

/* One line of the events pane. */
struct lw_top_evline {
	uint32_t pid;		/* whom it is about; 0: no one (a log line) */
	uint64_t seq;
	bool alert;		/* an alert transition (its log line is the same text) */
	char when[12];		/* HH:MM:SS */
	char text[LW_TOP_LINE_LEN];
};

/* The last stall's stack of one process, for its page. */
struct lw_top_stack {
	uint32_t pid;			/* 0: free */
	uint64_t seq;			/* when it came: the oldest is reused */
	unsigned int n, samples, sampled;
	char frame[LW_TOP_STACK_FRAMES][LW_TOP_LINE_LEN];
};

struct lw_top_iter {
	uint32_t tid;
	uint64_t iterations;
};

typedef void (*lw_top_name_fn)(uint32_t pid, uint32_t tid, char *out, size_t len);

struct lw_top_state {
	unsigned int interval_s;
	bool have_data;
	/* the last interval, frozen while paused */
	struct lw_top_row *rows;
	size_t nrows, rows_cap;
	struct lw_top_thread *threads;	/* sorted by tid */
	size_t nthreads, threads_cap;
	struct lw_top_iter *iters;	/* the last record's counts, for rates */
	size_t niters, iters_cap;
	struct lw_agent_stats st;
	uint64_t lost_total;
	unsigned int loops, firing;
	char when[16];
	enum lw_top_sort sort;
	bool paused;
	size_t sel, top_row;		/* top_row: first row shown (render scrolls) */
	uint32_t sel_pid;
	bool detail;
	uint32_t detail_pid;
	struct lw_top_evline ev[LW_TOP_EV_LINES];
	size_t ev_next, ev_n;
	uint64_t seq, tick_seq;		/* tick_seq: the first line of the last tick */
	char logs[LW_TOP_LOG_REPLAY][LW_TOP_LINE_LEN];
	size_t logs_n;
	struct lw_top_stack stacks[LW_TOP_STACKS];
	lw_top_name_fn thread_name;	/* NULL: names stay "?" */
};

extern const char *const lw_top_sort_names[LW_TOP_SORT_MAX];

void lw_top_state_init(struct lw_top_state *s, unsigned int interval_s, lw_top_name_fn name);
void lw_top_state_free(struct lw_top_state *s);
/* One event as it happens, into the events pane. */
void lw_top_state_event(struct lw_top_state *s, const struct lw_event_rec *e);
/* The interval record: its events into the pane; unless paused, the rows
 * and threads. */
void lw_top_state_interval(struct lw_top_state *s, const struct lw_interval_rec *r);
/* A log line, into the pane (about no process) and the replay at exit; the
 * log line of an alert the pane already shows is not shown twice. now is
 * the wall clock (seconds). */
void lw_top_state_log(struct lw_top_state *s, enum lw_log_level level, const char *line,
		      time_t now);
/* The last log lines, oldest first, for the terminal after the view. */
size_t lw_top_state_replay(const struct lw_top_state *s, const char *out[LW_TOP_LOG_REPLAY]);

/* Keys. */
void lw_top_state_sort(struct lw_top_state *s, int key);	/* wraps around */
void lw_top_state_move(struct lw_top_state *s, long by);
void lw_top_state_open(struct lw_top_state *s);		/* the selected process's page */
void lw_top_state_back(struct lw_top_state *s);
void lw_top_state_pause(struct lw_top_state *s);

const struct lw_top_row *lw_top_state_row(const struct lw_top_state *s, uint32_t pid);
/* The stack of pid's last stall that had one, or NULL. */
const struct lw_top_stack *lw_top_state_stack(const struct lw_top_state *s, uint32_t pid);
/* The i-th line of the pane from the oldest (i < ev_n). */
const struct lw_top_evline *lw_top_state_line(const struct lw_top_state *s, size_t i);

#endif
