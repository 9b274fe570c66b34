/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runtimes whose threads are not per-thread event loops (docs/runtimes.md).
 * A Go program's threads call epoll_pwait for the netpoller now and then,
 * run goroutines, and park in a futex when there is no work; any thread may
 * be the next to poll. From one wait to the next is not an iteration of a
 * loop and a park is idleness, so such a process gets no loop lag, stalls or
 * loop_lag alert; its socket figures still count.
 *
 * A process is classified when the model first sees it, again when its comm
 * changes (an exec) and every LW_RT_RECHECK intervals, by the identity of
 * /proc/PID/exe (device, inode, mtime): the ELF is read once per executable
 * and the verdict cached. For one that is not Go, the name of the first
 * thread seen in a wait call says whether it is a tokio worker (one procfs
 * read per process).
 * Plain C, unit-tested on crafted files and a fake /proc.
 */
#ifndef LOOPWATCH_RUNTIME_H
#define LOOPWATCH_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lw_runtime {
	LW_RT_OTHER = 0,	/* nothing recognised: threads in wait calls are loops */
	LW_RT_GO,		/* .note.go.buildid / .go.buildinfo / a "Go" ELF note */
	LW_RT_TOKIO,		/* threads named tokio-runtime-w (tokio's default) */
	LW_RT_MAX,
};

/* What the ELF alone says (cached per executable). */
enum lw_rt_elf {
	LW_ELF_OTHER = 0,	/* a thread's name may still say tokio */
	LW_ELF_GO,
};

/* Executables whose verdicts are kept; the least recently used goes first. */
#define LW_RT_CACHE 512
/* Intervals between re-checks of a process's executable (a cheap statx; the
 * ELF is read again only if the identity changed). */
#define LW_RT_RECHECK 30

/* What a process ran, as /proc/PID/exe shows it. All zero: unknown (a kernel
 * thread, a process gone, no permission). */
struct lw_exe_id {
	uint64_t dev, ino;
	int64_t mtime_ns;
};

struct lw_rt_entry {
	struct lw_exe_id id;
	enum lw_rt_elf elf;
	uint64_t used;			/* for eviction */
};

struct lw_rt_cache {
	const char *proc;		/* "/proc"; a fake tree in tests */
	struct lw_rt_entry e[LW_RT_CACHE];
	size_t n;
	uint64_t clock;
	uint64_t elf_reads, hits;	/* for tests and debugging */
};

const char *lw_runtime_name(enum lw_runtime rt);
/* Why a runtime's threads are not measured as loops; NULL for LW_RT_OTHER. */
const char *lw_runtime_reason(enum lw_runtime rt);
/* Are the threads of this runtime per-thread loops? */
static inline bool lw_runtime_loops(enum lw_runtime rt)
{
	return rt == LW_RT_OTHER || rt >= LW_RT_MAX;
}

void lw_rt_cache_init(struct lw_rt_cache *c, const char *proc_root);

/* What an ELF file says: LW_ELF_GO from its section names (.note.go.buildid,
 * .go.buildinfo) or, without section headers, a note of owner "Go" in a
 * PT_NOTE segment; else LW_ELF_OTHER (also for a file that is not ELF or
 * cannot be read). Only headers and notes are read, never whole sections. */
enum lw_rt_elf lw_rt_elf_fd(int fd);
enum lw_rt_elf lw_rt_elf_path(const char *path);
/* Is thread tid of pid named like a tokio worker (tokio-runtime-w...)? */
bool lw_rt_tokio_thread(const char *proc_root, uint32_t pid, uint32_t tid);

/* Flags of lw_rt_classify(). */
#define LW_RT_F_NEW 1u		/* the executable changed: the verdict is fresh */
#define LW_RT_F_NEED_TID 2u	/* not Go: the name of a thread seen in a wait
				 * call decides tokio; call again with one */

/* Classify process pid. tid: a thread of it seen in a wait call, 0 if none
 * yet. *id is what it ran when last classified (zero: never) and gets what it
 * runs now; *rt holds the last verdict and gets the new one (kept when the
 * executable is the same and no tid was asked for). Returns LW_RT_F_*. */
unsigned int lw_rt_classify(struct lw_rt_cache *c, uint32_t pid, uint32_t tid,
			    struct lw_exe_id *id, enum lw_runtime *rt);

#endif
