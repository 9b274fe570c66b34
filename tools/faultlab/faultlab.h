// SPDX-License-Identifier: GPL-2.0
/*
 * faultlab: reproduces loopwatch's failure modes on demand (stalls, herds,
 * hot level-triggered loops, undrained edge-triggered sockets) with known
 * ground truth printed as JSON lines, so the agent can be tested end to end.
 */
#ifndef FAULTLAB_H
#define FAULTLAB_H

#include <stdbool.h>
#include <stdint.h>

#include "inject.h"
#include "report.h"
#include "waiter.h"

struct fl_opts {
	const char *scenario;
	int64_t start_delay_ns;
	bool has_duration;
	int64_t duration_ns;
	/* stall, *-loop, nested, healthy */
	enum fl_wait_kind wait;		/* what the loop blocks in */
	enum fl_wait_kind private_kind;	/* nested: its private loop's kind */
	enum fl_cause cause;
	double ms;
	double every_ms;
	long count;
	int threads;
	/* herd */
	int workers;
	bool processes;
	bool exclusive;
	bool reuseport;
	double rate;
	/* et-* */
	long chunk;
	int64_t send_ns;
	/* mem-grow */
	double limit_mb;
	double grow_mb_s;
	double stop_mb;
	/* retry-storm, port-exhaust */
	int clients;
	bool jitter_full;
	double down_ms;
	int extra;
};

/* Scenario entry points; each returns the process exit status. */
int fl_run_stall(const struct fl_opts *o);
int fl_run_healthy(const struct fl_opts *o);
int fl_run_herd(const struct fl_opts *o);
int fl_run_edge(const struct fl_opts *o);
int fl_run_backpressure(const struct fl_opts *o);
int fl_run_lossy(const struct fl_opts *o);
int fl_run_churn(const struct fl_opts *o);
int fl_run_memgrow(const struct fl_opts *o);
int fl_run_two_loops(const struct fl_opts *o);
int fl_run_storm(const struct fl_opts *o);
int fl_run_ports(const struct fl_opts *o);

/* "ready"/"done" objects start with the same members in every scenario. */
void fl_ready_begin(struct fl_json *j, const struct fl_opts *o);
void fl_done_begin(struct fl_json *j, const struct fl_opts *o, int signal);

/* Exit status for a finished run: 1 if any thread failed. */
int fl_exit_status(void);

#endif
