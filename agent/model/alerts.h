/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Alert rules (DESIGN.md "Alerts"): each rule of each process is a small
 * state machine fed once per interval with that process's struct lw_interval.
 * It fires after `sustain` consecutive intervals over the threshold and
 * resolves after as many consecutive intervals below it, so input that flaps
 * faster than that never flaps the alert. Pure C, unit-tested.
 */
#ifndef LOOPWATCH_ALERTS_H
#define LOOPWATCH_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "event.h"
#include "model/model.h"
#include "settings/options.h"

enum lw_rule {
	LW_RULE_LOOP_LAG = 0,
	LW_RULE_ET_STARVED,
	LW_RULE_BACKPRESSURE,
	LW_RULE_HERD,
	LW_RULE_RETRANSMITS,
	LW_RULE_MEMORY_GROWTH,
	LW_RULE_RETRY_STORM,
	LW_RULE_EPHEMERAL_PORTS,
	LW_RULE_MAX,
};

struct lw_alert_cfg {
	unsigned int interval_s;	/* turns per-interval counts into rates */
	unsigned int sustain;		/* intervals to fire, and to resolve */
	double lag_ms;			/* loop_lag: max lag at or above */
	double queue_ratio;		/* backpressure: queue occupancy at or above */
	double herd_futile_ratio;	/* herd: futile / wake-ups at or above ... */
	double herd_min_wakeups_per_s;	/* ... when wake-ups come at least this fast */
	double retransmits_per_s;	/* retransmits: rate at or above */
	unsigned int mem_horizon_s;	/* memory_growth: the limit within this */
	double storm_sync_ratio;	/* retry_storm: peak_20ms / clients at or above ... */
	unsigned int storm_min_clients;	/* ... with at least this many clients */
	double ports_ratio;		/* ephemeral_ports: ports in use of the range at or above */
};

/* One rule of one subject. */
struct lw_rule_sm {
	bool firing;
	unsigned int run;	/* consecutive intervals against the current state */
};

/* What a rule reads from one interval. immediate: fire now, no sustain (a
 * starved connection, a drop). */
struct lw_rule_input {
	bool over;
	bool immediate;
	double value;
	double threshold;
};

/* One transition, as reported. */
struct lw_alert {
	enum lw_rule rule;
	bool firing;
	double value, threshold;
	uint32_t pid;
	char comm[LW_COMM_LEN];
	/* backpressure: the fullest queue ("rcv", "snd", "accept") and drops */
	const char *queue;
	uint64_t drops;
	bool exited;		/* resolved because the process is gone */
};

struct lw_alert_proc {
	uint32_t pid;
	uint64_t start_time;
	char comm[LW_COMM_LEN];
	struct lw_rule_sm sm[LW_RULE_MAX];
	double value[LW_RULE_MAX];	/* last interval's value, for views */
};

struct lw_alerts {
	struct lw_alert_cfg cfg;
	struct lw_alert_proc *procs;	/* sorted by pid; only those with state */
	size_t n, cap;
	unsigned int firing;		/* rules firing over all processes */
};

typedef void (*lw_alert_fn)(void *ctx, const struct lw_alert *al);

const char *lw_rule_name(enum lw_rule r);
/* The rules' own thresholds at their defaults (agent/settings/table.c), and
 * interval, sustain and lag from the options (NULL: the options' defaults). */
void lw_alert_cfg_defaults(struct lw_alert_cfg *c, const struct lw_options *o);
/* What the rules read from the options, once the config file is in too. */
void lw_alert_cfg_from_options(struct lw_alert_cfg *c, const struct lw_options *o);

/* Advance one state machine by one interval; true on a transition. */
bool lw_rule_step(struct lw_rule_sm *s, const struct lw_rule_input *in, unsigned int sustain);
/* What rule r reads from one interval of one process. */
void lw_rule_input(enum lw_rule r, const struct lw_interval *iv, const struct lw_alert_cfg *c,
		   struct lw_rule_input *out);

void lw_alerts_init(struct lw_alerts *a, const struct lw_alert_cfg *cfg);
void lw_alerts_free(struct lw_alerts *a);
/* Evaluate every rule for every process of the model at the end of an
 * interval (before lw_model_end_interval). A process that left the model
 * counts as below every threshold. Calls fn once per transition. Returns 0 or
 * -ENOMEM (figures of the processes that found no room are skipped). */
int lw_alerts_evaluate(struct lw_alerts *a, const struct lw_model *m, lw_alert_fn fn, void *ctx);
bool lw_alerts_active(const struct lw_alerts *a, uint32_t pid, uint64_t start_time,
		      enum lw_rule r);
/* Comma-separated names of the rules firing for a process ("" if none). */
void lw_alerts_names(const struct lw_alerts *a, uint32_t pid, uint64_t start_time, char *out,
		     size_t len);


#endif
