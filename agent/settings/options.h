/* SPDX-License-Identifier: GPL-2.0 */
/* Command line (DESIGN.md "Interfaces"). */
#ifndef LOOPWATCH_OPTIONS_H
#define LOOPWATCH_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "event.h"
#include "detect.h"

#define LW_MAX_PIDS 1024
#define LW_VERSION "0.1.0"

enum lw_view { LW_VIEW_AUTO = 0, LW_VIEW_TOP, LW_VIEW_JSON };

struct lw_options {
	uint32_t pids[LW_MAX_PIDS];
	unsigned int npids;
	char comm[LW_COMM_LEN];		/* "" = every process */
	unsigned int duration_s;	/* 0 = until a signal */
	unsigned int interval_s;
	enum lw_view view;
	const char *prom_file;
	const char *config;
	const char *alert_exec;
	unsigned int lag_ms;
	unsigned int stall_ms;
	unsigned int sustain;
	unsigned int starve_ms;
	unsigned int max_threads;
	unsigned int max_sockets;	/* watched sockets tracked in the kernel */
	unsigned int max_series;
	unsigned int mem_growth_intervals;	/* memory_growth: RSS rising this many intervals */
	unsigned int mem_horizon_s;		/* ... toward a limit it reaches within this */
	uint32_t detect;		/* enum lw_detect bits: families whose probes load */
	unsigned int detail_release;	/* quiet intervals before the detail tier goes */
	enum lw_hooks hooks;		/* how epoll waits are hooked */
	bool stacks;			/* the stacks of stalls (--no-stacks) */
	int verbose;
	/* which options the command line set, so a config file does not override them */
	uint32_t set_mask;
};

/* Append the pids of a list separated by any of seps to pids (*n of them
 * so far, LW_MAX_PIDS at most). 0, -EINVAL with the first bad token in bad,
 * or -E2BIG. */
int lw_parse_pids(const char *s, const char *seps, uint32_t *pids, unsigned int *n, char *bad,
		  size_t badlen);
/* Parse "auto", "fentry", "kprobe" or "tracepoint". */
int lw_parse_hooks(const char *s, enum lw_hooks *out);
/* Parse "loop,readiness,backpressure" (or "all") into lw_detect bits. */
int lw_parse_detect(const char *s, uint32_t *out);

enum lw_opt_bit {
	LW_SET_LAG = 1u << 0,
	LW_SET_STALL = 1u << 1,
	LW_SET_SUSTAIN = 1u << 2,
	LW_SET_INTERVAL = 1u << 3,
	LW_SET_PROM = 1u << 4,
	LW_SET_STARVE = 1u << 5,
	LW_SET_VIEW = 1u << 6,
	LW_SET_MAX_SERIES = 1u << 7,
	LW_SET_ALERT_EXEC = 1u << 8,
	LW_SET_COMM = 1u << 9,
	LW_SET_PIDS = 1u << 10,
	LW_SET_MAX_THREADS = 1u << 11,
	LW_SET_MAX_SOCKETS = 1u << 12,
	LW_SET_STACKS = 1u << 13,
	LW_SET_DETECT = 1u << 14,
	LW_SET_DETAIL_RELEASE = 1u << 15,
	LW_SET_MEM_INTERVALS = 1u << 16,
	LW_SET_MEM_HORIZON = 1u << 17,
};

enum lw_opt_result { LW_OPT_RUN = 0, LW_OPT_EXIT = 1 };

/* Every field at its default (agent/settings/table.c). */
void lw_options_defaults(struct lw_options *o);
/* --help. */
void lw_options_usage(FILE *out);
/* Parse argv. Returns LW_OPT_RUN, LW_OPT_EXIT after printing help or the
 * version to out, or -EINVAL with a one-line reason in err. */
int lw_options_parse(struct lw_options *o, int argc, char **argv, void *out, char *err,
		     size_t errlen);
/* The one checked number parser: decimal, whole string, within [min, max]. */
int lw_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *val);

#endif
