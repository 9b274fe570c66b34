/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LOOPWATCH_SYSCALLS_H
#define LOOPWATCH_SYSCALLS_H

#include <stdbool.h>
#include <stdint.h>

/* The kernel's name of an x86-64 system call ("clock_nanosleep"), "pagefault"
 * for LW_NR_PAGEFAULT, "other" for LW_NR_OTHER, "syscall_<nr>" if unknown.
 * The returned string lives in buf or is static. */
const char *lw_syscall_name(uint32_t nr, char *buf, unsigned long len);
/* Is nr a call that waits for a loop's events (epoll, poll, select,
 * io_uring_enter)? A stall blocked longest in one waited in a nested loop. */
bool lw_syscall_is_wait(uint32_t nr);
/* "epoll", "poll", "select", "io_uring" (enum lw_wait_kind), "" for none. */
const char *lw_wait_kind_name(uint32_t kind);

#endif
