/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stack records (bpf/stacks.bpf.h): what a loop thread's user stack looked
 * like when it went to sleep inside a busy window, or when a CPU sample
 * found it burning one. They travel in their own ring buffer, so that a
 * burst of these large records never crowds out a stall record.
 *
 * Most distribution binaries have no frame pointers: the record carries the
 * user registers and a copy of the top of the user stack, which the agent
 * unwinds with the binaries' CFI (.eh_frame), as perf --call-graph dwarf
 * does. The frame-pointer walk (bpf_get_stack) comes along for binaries
 * that have frame pointers.
 */
#ifndef LOOPWATCH_STACK_H
#define LOOPWATCH_STACK_H

#include "event.h"

/* Record types; numbered apart from enum lw_event_type, whose records
 * travel in the other ring buffer. */
enum lw_stk_type {
	LW_STK_CAPTURE = 64,	/* struct lw_stk_capture */
	LW_STK_SLEPT = 65,	/* struct lw_stk_slept */
};

enum lw_stk_kind {
	LW_STK_KIND_SLEEP = 1,	/* at a switch-out, the thread asleep */
	LW_STK_KIND_SAMPLE = 2,	/* a cpu-clock sample while on CPU */
};

/* Pages of user stack copied from the page holding sp upwards: 12 to 16
 * KiB above sp. Page-aligned reads: one that faults (the top of the stack)
 * ends the copy without losing what came before. */
#define LW_STK_PAGES 4
#define LW_STK_PAGE 4096
#define LW_STK_BYTES (LW_STK_PAGES * LW_STK_PAGE)
/* Frames of the frame-pointer walks, user and kernel. */
#define LW_STK_FP_FRAMES 32
#define LW_STK_KFRAMES 24

/* The x86-64 user registers in DWARF order (rax, rdx, rcx, rbx, rsi, rdi,
 * rbp, rsp, r8..r15), then rip: the order libdw's unwinder takes them. */
#define LW_STK_NREGS 17
#define LW_STK_REG_BP 6
#define LW_STK_REG_SP 7
#define LW_STK_REG_IP 16

/* Captures one busy window may take, and the per-thread budget: a thread
 * may capture LW_STK_BURST times in a row, then one per LW_STK_REFILL_NS. A
 * healthy loop sleeps only inside its wait call and never captures. */
#define LW_STK_PER_WINDOW 3
#define LW_STK_BURST 4
#define LW_STK_REFILL_NS 20000000ull
/* Samples one busy window may take (99 Hz: over half a second of CPU). */
#define LW_STK_SAMPLES_PER_WINDOW 64
#define LW_STK_SAMPLE_HZ 99

struct lw_stk_capture {
	struct lw_event_hdr hdr;	/* type LW_STK_CAPTURE */
	__u64 window_ns;	/* start of the busy window (lw_thread.wait_exit_ns) */
	__u32 seq;		/* per thread, from 1 */
	__u16 kind;		/* enum lw_stk_kind */
	__u16 flags;
	__u64 regs[LW_STK_NREGS];
	__u64 stack_base;	/* user address of data[0]: sp rounded down to a page */
	__u32 stack_len;	/* bytes of data copied (a multiple of LW_STK_PAGE) */
	__u32 nr;		/* the system call slept in, or LW_NR_PAGEFAULT */
	__u32 fp_len;		/* bytes of fp_ips, as bpf_get_stack returned */
	__u32 k_len;		/* bytes of k_ips */
	__u64 fp_ips[LW_STK_FP_FRAMES];
	__u64 k_ips[LW_STK_KFRAMES];
	__u8 data[LW_STK_BYTES];
};
_Static_assert(sizeof(struct lw_stk_capture) == 40 + 16 + 136 + 24 + 256 + 192 + LW_STK_BYTES,
	       "lw_stk_capture layout");

/* The sleep a capture was taken at has ended: how long it lasted. The
 * agent reports the stack of the longest sleep of a blocked stall. */
struct lw_stk_slept {
	struct lw_event_hdr hdr;	/* type LW_STK_SLEPT */
	__u64 window_ns;
	__u32 seq;
	__u32 pad;
	__u64 slept_ns;
};
_Static_assert(sizeof(struct lw_stk_slept) == 64, "lw_stk_slept layout");

#endif
