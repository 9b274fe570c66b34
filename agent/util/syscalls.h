/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LOOPWATCH_SYSCALLS_H
#define LOOPWATCH_SYSCALLS_H

#include <stdint.h>

/* The kernel's name of an x86-64 system call ("clock_nanosleep"), "pagefault"
 * for LW_NR_PAGEFAULT, "other" for LW_NR_OTHER, "syscall_<nr>" if unknown.
 * The returned string lives in buf or is static. */
const char *lw_syscall_name(uint32_t nr, char *buf, unsigned long len);

#endif
