/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the views are given, read-only (docs/architecture.md "Data path").
 *
 * An event record is one thing that happened: a stall, a herd, an alert
 * transition... It names its process and thread and points at the model's
 * own structure for the rest, valid for the length of the call it is passed
 * to (a view that keeps one copies what it needs).
 *
 * An interval record is one whole interval at its tick: the model (per
 * process, the loop, readiness and backpressure figures of struct
 * lw_interval), the thread maps as folded (per thread), the agent's own
 * cost, the alert rules' state, and the events the tick itself found:
 * stalls still in progress, memory growth, then alert transitions. It is built by the tick
 * (agent/main.c on_interval) before any view sees it and no view writes to
 * it; it is valid until the model's next interval starts.
 */
#ifndef LOOPWATCH_RECORD_H
#define LOOPWATCH_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "backpressure.h"
#include "event.h"
#include "ready.h"
#include "model/alerts.h"
#include "model/memsweep.h"
#include "model/model.h"
#include "model/open_stall.h"
#include "model/ports.h"
#include "model/readiness.h"
#include "model/stall.h"
#include "model/storm.h"
#include "model/tier.h"

enum lw_rec_type {
	LW_REC_STALL = 0,
	LW_REC_STALL_IN_PROGRESS,
	LW_REC_HERD,
	LW_REC_LT_HOT_LOOP,
	LW_REC_UNDRAINED_ET,
	LW_REC_ET_STARVED,
	LW_REC_BACKPRESSURE,
	LW_REC_MEMORY_GROWTH,
	LW_REC_RETRY_STORM,
	LW_REC_PORTS,		/* a backpressure line of queue "ports" */
	LW_REC_ALERT,
	LW_REC_MAX,
};

struct lw_event_rec {
	enum lw_rec_type type;
	struct timespec time;		/* wall clock when the agent learnt of it */
	uint32_t pid, tid;		/* whom it is about; tid 0: the process */
	union {
		struct {
			const struct lw_event_hdr *hdr;
			const struct lw_stall *s;
		} stall;
		struct {			/* LW_REC_STALL_IN_PROGRESS */
			const struct lw_open_stall *o;
			struct timespec started;	/* wall clock of its start */
		} open;
		const struct lw_herd_event *herd;
		const struct lw_hot_event *hot;
		const struct lw_undrained_event *undrained;
		const struct lw_starved *starved;
		const struct lw_bp_event *bp;
		const struct lw_mem_growth_event *mem;
		const struct lw_storm *storm;
		const struct lw_ports_event *ports;
		struct {
			const struct lw_alert *al;
			unsigned int sustain;	/* intervals it took, for the log line */
		} alert;
	} u;
};

/* The agent's own cost and the state it holds. */
struct lw_agent_stats {
	uint64_t events, lost_events;
	uint64_t missed_runs;		/* program runs the kernel skipped */
	double cpu_pct;
	uint64_t cpu_ns;		/* all the CPU time the agent has used */
	uint64_t rss_kb;
	uint64_t threads, procs;	/* state the agent holds: bounded */
	uint64_t threads_dropped;	/* loop threads the kernel map had no room for */
	/* the detail tier (agent/model/tier.h): NULL in records without one */
	const struct lw_tier *detail;
	double detail_s;		/* seconds engaged since the start */
	double detail_engaged_s;	/* of the engage under way */
};

struct lw_interval_rec {
	struct timespec now;		/* wall clock at the tick */
	unsigned int interval_s;	/* the interval's nominal length */
	bool final;			/* the partial interval at shutdown: the
					 * alert rules did not judge it */
	const struct lw_model *model;	/* per process: procs[i]->iv */
	const struct lw_thread_snap *threads;	/* loop threads, sorted by tid */
	size_t nthreads;
	const struct lw_rd_snap *ready_threads;	/* readiness per thread, by tid */
	size_t nready_threads;
	struct lw_agent_stats agent;
	const struct lw_alerts *alerts;	/* after this interval's evaluation */
	const struct lw_event_rec *events;	/* stalls in progress, memory growth,
						 * then alerts */
	size_t nevents;
};

/* The tick's events while it is being built: the alert transitions are
 * copied (the rules hand them over on the stack), the rest point into the
 * model. */
struct lw_record {
	struct lw_interval_rec rec;
	struct lw_event_rec *ev;
	size_t nev, ev_cap;
	struct lw_alert *alerts;
	size_t nalerts, alerts_cap;
};

/* Start a tick's record: no events yet. */
void lw_record_begin(struct lw_record *r);
/* Add one event the tick found; -ENOMEM drops it (the caller says so). */
int lw_record_add(struct lw_record *r, const struct lw_event_rec *e);
/* Add an alert transition (copied), of time now. */
int lw_record_alert(struct lw_record *r, const struct lw_alert *al, const struct timespec *now,
		    unsigned int sustain);
/* The record as the views get it, its event list complete. */
const struct lw_interval_rec *lw_record_done(struct lw_record *r);
void lw_record_free(struct lw_record *r);

/* An event record of a ring-buffer record or a starvation found. */
void lw_event_rec_stall(struct lw_event_rec *e, const struct timespec *now,
			const struct lw_event_hdr *h, const struct lw_stall *s);
void lw_event_rec_open(struct lw_event_rec *e, const struct timespec *now,
		       const struct lw_open_stall *o, const struct timespec *started);
void lw_event_rec_herd(struct lw_event_rec *e, const struct timespec *now,
		       const struct lw_herd_event *h);
void lw_event_rec_hot(struct lw_event_rec *e, const struct timespec *now,
		      const struct lw_hot_event *h);
void lw_event_rec_undrained(struct lw_event_rec *e, const struct timespec *now,
			    const struct lw_undrained_event *u);
void lw_event_rec_starved(struct lw_event_rec *e, const struct timespec *now,
			  const struct lw_starved *s);
void lw_event_rec_bp(struct lw_event_rec *e, const struct timespec *now,
		     const struct lw_bp_event *b);
/* A retry storm and a ports warning of the tick (agent/model/storm.h, ports.h). */
void lw_event_rec_storm(struct lw_event_rec *e, const struct timespec *now,
			const struct lw_storm *s);
void lw_event_rec_ports(struct lw_event_rec *e, const struct timespec *now,
			const struct lw_ports_event *p);
/* A memory_growth the sweep found (agent/model/memsweep.h). */
void lw_event_rec_mem_growth(struct lw_event_rec *e, const struct timespec *now,
			     const struct lw_mem_growth_event *m);

#endif
