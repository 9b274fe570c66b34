/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The detail tier's switch: which intervals show a symptom worth paying
 * the per-packet hooks for, and when the tier is engaged and released
 * (docs/performance.md "Tiers"). Pure: the tick feeds it each interval's
 * figures, the loader makes or destroys the links it asks for.
 */
#ifndef LOOPWATCH_TIER_H
#define LOOPWATCH_TIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "model/model.h"

/* What an interval of one process showed, as bits. */
enum lw_trigger {
	LW_TRIG_FUTILE = 1u << 0,	/* futile wake-ups rose */
	LW_TRIG_QUEUE = 1u << 1,	/* a socket queue at least half full */
	LW_TRIG_DROPS = 1u << 2,	/* drops or listener overflows */
	LW_TRIG_STALL = 1u << 3,	/* a stall, finished or still open */
	LW_TRIG_FOUND = 1u << 4,	/* the detail tier itself found something */
	LW_TRIG_LINGER = 1u << 5,	/* unread bytes outlive a sweep */
};
#define LW_TRIG_NAMES 6

/* Futile wake-ups that count as a rise: this many a second, and this share
 * of all wake-ups (one in ten); below, a few are the noise of any server. */
#define LW_TIER_FUTILE_PER_S 10
#define LW_TIER_FUTILE_SHARE 10
#define LW_TIER_QUEUE_RATIO 0.5
#define LW_TIER_PIDS 8

enum lw_tier_mode {
	LW_TIER_NONE = 0,	/* no family with a detail hook is loaded */
	LW_TIER_ON_DEMAND,
	LW_TIER_FORCED,		/* --detect: on for good */
};

struct lw_tier {
	enum lw_tier_mode mode;
	unsigned int release_after;	/* quiet intervals before release */
	bool engaged;
	unsigned int quiet;		/* quiet intervals since the last trigger */
	uint32_t why;			/* the triggers that engaged it or kept it */
	uint32_t pids[LW_TIER_PIDS];	/* the processes concerned, last interval */
	unsigned int npids;
	uint64_t since_ns;		/* monotonic, of the engage */
	uint64_t total_ns;		/* engaged time of past engages */
	uint64_t engages;
};

void lw_tier_init(struct lw_tier *t, enum lw_tier_mode mode, unsigned int release_after,
		  uint64_t now_ns);
/* The triggers one process's interval crosses. */
uint32_t lw_tier_triggers(const struct lw_interval *iv, unsigned int interval_s);
/* One interval: the triggers of every process and who crossed them, in.
 * Returns whether the tier is to be engaged from now on. */
bool lw_tier_step(struct lw_tier *t, uint32_t triggers, const uint32_t *pids, size_t npids,
		  uint64_t now_ns);
/* The loader could not engage it after all. */
void lw_tier_failed(struct lw_tier *t, uint64_t now_ns);
/* Seconds engaged since the agent started, the current engage included. */
double lw_tier_seconds(const struct lw_tier *t, uint64_t now_ns);
const char *lw_tier_mode_name(enum lw_tier_mode m);
const char *lw_trigger_name(unsigned int bit);

#endif
