/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory sweep, once per interval (agent/main.c on_interval): for every
 * process of the model, its RSS from /proc/PID/statm, its memory cgroup
 * from /proc/PID/cgroup (read again every LW_MEMCG_RECHECK sweeps: processes
 * rarely move) and that cgroup's usage, limit, OOM kills and limit hits from
 * cgroupfs; the growth state machine (agent/model/memory.h) judges the RSS.
 * Results land in the process's struct lw_interval; memory_growth events in
 * the sweep's own array. Userspace only: no probe is involved.
 *
 * Each memory cgroup is read once per sweep however many processes are in
 * it. The cgroup that binds a process is its own or, when that has no
 * limit, the nearest ancestor that has one (the limit that will OOM-kill
 * it); chosen again every LW_MEMCG_RECHECK sweeps. A cgroup no process of
 * the model uses any more is forgotten.
 */
#ifndef LOOPWATCH_MEMSWEEP_H
#define LOOPWATCH_MEMSWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "model/memcg.h"
#include "model/memory.h"
#include "model/model.h"

#define LW_MEMCG_RECHECK 10

struct lw_memcg_entry {
	struct lw_memcg_id id;
	struct lw_memcg_stat now;	/* the last good read */
	bool ok;			/* read this sweep */
	bool read_before;		/* now holds an earlier read */
	uint64_t oom_kills, limit_hits;	/* since the sweep before: this interval's */
	uint64_t swept;			/* the sweep that read it */
	uint64_t used;			/* the last sweep a process needed it */
	struct lw_memcg_entry *binding;	/* itself, or the nearest ancestor with a limit */
	uint64_t resolved;		/* the sweep that chose binding */
};

/* A memory_growth line: pointed at by its event record, valid until the
 * next sweep. */
struct lw_mem_growth_event {
	uint32_t pid;
	char comm[LW_COMM_LEN];
	uint64_t rss_kb;
	double kb_per_s;
	unsigned int intervals;		/* RSS rose in this many intervals in a row */
	bool host;			/* counted against the host's memory: no cgroup limit */
	char memcg[LW_CG_PATH_MAX];	/* the binding memory cgroup ("" if unknown) */
	uint64_t usage_kb, working_set_kb, limit_kb;
	double seconds_to_limit;
};

struct lw_memsweep {
	struct lw_memcg_mounts mounts;
	char proc[64];			/* "/proc"; a fixture tree in tests */
	struct lw_memcg_entry **cgs;	/* sorted by (version, path) */
	size_t ncgs, cgs_cap;
	uint64_t sweeps;
	uint64_t host_total_kb, host_avail_kb;	/* /proc/meminfo, this sweep */
	long page_kb;
	struct lw_mem_growth_event *out;	/* this sweep's events */
	size_t nout, out_cap;
};

/* proc_root: "/proc"; mountinfo: "/proc/self/mountinfo". A host without a
 * memory cgroup hierarchy still gets RSS and growth against its memory. */
void lw_memsweep_init(struct lw_memsweep *s, const char *proc_root, const char *mountinfo);
void lw_memsweep_free(struct lw_memsweep *s);
/* One sweep over the model's processes at monotonic time now_ns. Returns
 * 0 or -ENOMEM (the processes that found no room lack their cgroup). */
int lw_memsweep_run(struct lw_memsweep *s, struct lw_model *m, const struct lw_mem_cfg *cfg,
		    uint64_t now_ns);

/* What the process's memory counts against: "memcg" or "host". */
static inline const char *lw_mem_limit_of(const struct lw_mem_growth_event *e)
{
	return e->host ? "host" : "memcg";
}

#endif
