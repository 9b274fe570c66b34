/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From a stack record (include/stack.h) to named frames: the user stack is
 * unwound with elfutils' libdwfl from the captured registers and stack copy
 * by the CFI of each binary (.eh_frame, .debug_frame), or walked by frame
 * pointers where that gives more; each frame is named from the ELF symbol
 * tables (.symtab, .dynsym, a debug file found by build-id or debuglink
 * under /usr/lib/debug, a perf map /tmp/perf-PID.map for JIT code) only when
 * its address lies inside the symbol: otherwise it is "0xADDR (module)",
 * ADDR being the module's own address (what nm and addr2line use).
 *
 * Caller frames show the address of their call (return address - 1), so a
 * frame's offset is always inside the function it names.
 *
 * Processes are cached by pid with the mappings read when they were first
 * seen (a process that has exited since can still be named), read again
 * when an address falls in none of them (an exec, a dlopen, new JIT code).
 */
#ifndef LOOPWATCH_STACKS_UNWIND_H
#define LOOPWATCH_STACKS_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "stack.h"

#define LW_STACK_FRAMES 32
#define LW_FRAME_LEN 160

/* Named frames, leaf first. */
struct lw_stack {
	unsigned int n;
	char frame[LW_STACK_FRAMES][LW_FRAME_LEN];
};

struct lw_uw_proc;
struct lw_ksyms;
struct lw_name_slot;
/* Frame names kept (about 180 bytes each). */
#define LW_UW_NAMES 4096

struct lw_unwinder {
	struct lw_uw_proc **procs;	/* most recently used last */
	size_t nprocs;
	struct lw_ksyms *ksyms;		/* /proc/kallsyms, read at the first kernel stack */
	const char *kallsyms_path;
	struct lw_name_slot *names;	/* by module build-id and address */
	uint64_t unwinds, frames, name_hits;	/* totals, for the tests and the bench */
};

void lw_unwinder_init(struct lw_unwinder *u);
void lw_unwinder_free(struct lw_unwinder *u);
/* Read /proc/kallsyms now: at start, while the agent still has the
 * privilege that shows its addresses, and before the first stall, which
 * would otherwise wait for it (0.2 s here, seconds on a slow machine). */
void lw_unwinder_preload(struct lw_unwinder *u);
/* Read pid's mappings now (a loop process first seen, or after its exec),
 * so that its stacks can be named after it exits. */
void lw_unwinder_seen(struct lw_unwinder *u, uint32_t pid);
/* The user stack of a capture (and its kernel stack into kernel when not
 * NULL and the record has one). Returns the number of user frames. */
unsigned int lw_unwind(struct lw_unwinder *u, const struct lw_stk_capture *c, struct lw_stack *user,
		       struct lw_stack *kernel);

/* One address of pid's user space, named by the rule above (frame of a
 * caller: pass addr - 1). For the tests. */
void lw_unwinder_name(struct lw_unwinder *u, uint32_t pid, uint64_t addr, char *out, size_t len);

#endif
