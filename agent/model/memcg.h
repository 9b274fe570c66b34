/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory cgroups, read from cgroupfs: where the memory controller's
 * hierarchy is mounted (cgroup v2, or v1 on hybrid hosts), which memory
 * cgroup a process is in (/proc/PID/cgroup), and a cgroup's usage, limit,
 * OOM kills and limit hits. No state: the sweep (agent/model/memsweep.h)
 * decides what to read when. Paths are parameters, so the unit tests run it
 * on fixture trees.
 */
#ifndef LOOPWATCH_MEMCG_H
#define LOOPWATCH_MEMCG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lw_cg_version { LW_CG_NONE = 0, LW_CG_V1 = 1, LW_CG_V2 = 2 };

/* A cgroup's path inside its hierarchy ("/system.slice/nginx.service"). */
#define LW_CG_PATH_MAX 512

/* Where the memory controller can be read. */
struct lw_memcg_mounts {
	char v1[PATH_MAX];		/* mount point of the v1 memory hierarchy, "" if none */
	char v1_root[LW_CG_PATH_MAX];	/* the hierarchy's path at that mount point */
	char v2[PATH_MAX];		/* mount point of cgroup2, "" if none */
	char v2_root[LW_CG_PATH_MAX];
	bool v2_memory;			/* cgroup2 has the memory controller */
};

/* One memory cgroup. */
struct lw_memcg_id {
	enum lw_cg_version v;
	char path[LW_CG_PATH_MAX];
};

/* What a memory cgroup says of itself; sizes in bytes. */
struct lw_memcg_stat {
	uint64_t usage;		/* memory.current, memory.usage_in_bytes */
	uint64_t limit;		/* memory.max, memory.limit_in_bytes; 0: none */
	uint64_t inactive_file;	/* page cache reclaim takes first (memory.stat) */
	uint64_t oom_kills;	/* memory.events oom_kill, memory.oom_control oom_kill */
	uint64_t limit_hits;	/* memory.events max, memory.failcnt */
	uint64_t ino;		/* the directory's inode: a cgroup made again
				 * under the same path is another cgroup */
};

/* Find the hierarchies in a mountinfo file (/proc/self/mountinfo); v2's
 * controllers are read from its cgroup.controllers. 0, or -errno when the
 * file cannot be read (no mount found is not an error: both stay ""). */
int lw_memcg_read_mounts(const char *mountinfo, struct lw_memcg_mounts *m);

/* The memory cgroup in the text of a /proc/PID/cgroup: the v1 line whose
 * controllers include memory when v1 has it mounted, else the v2 line
 * ("0::/path") when cgroup2 has the memory controller. 0, or -ENOENT. */
int lw_memcg_parse_proc(const struct lw_memcg_mounts *m, const char *text, struct lw_memcg_id *out);
/* The same from proc_root/PID/cgroup ("/proc"). */
int lw_memcg_of_pid(const struct lw_memcg_mounts *m, const char *proc_root, uint32_t pid,
		    struct lw_memcg_id *out);

/* The cgroup's directory: its hierarchy's mount point and its path below the
 * mount's root. -ENOENT for a cgroup the mount does not show (outside its
 * root, or seen from another cgroup namespace: "/../x"). */
int lw_memcg_dir(const struct lw_memcg_mounts *m, const struct lw_memcg_id *id, char *out,
		 size_t len);

/* The cgroup one level up; false for the top of the mount (its root). */
bool lw_memcg_parent(const struct lw_memcg_mounts *m, const struct lw_memcg_id *id,
		     struct lw_memcg_id *parent);

/* Read a cgroup's figures from its directory. 0, or -errno (-ENOENT for
 * the v2 root, which has no memory files). */
int lw_memcg_read(enum lw_cg_version v, const char *dir, struct lw_memcg_stat *st);

/* The value of "key N" in a flat-keyed cgroup file's text; -ENOENT. */
int lw_memcg_key(const char *text, const char *key, uint64_t *val);

#endif
