// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "loop.h"
#include "util/syscalls.h"

/* Generated from linux-libc-dev's asm/unistd_64.h by the Makefile. */
static const char *const syscall_names[] = {
#include "syscall_names.h"
};

const char *lw_syscall_name(uint32_t nr, char *buf, unsigned long len)
{
	if (nr == LW_NR_PAGEFAULT)
		return "pagefault";
	if (nr == LW_NR_OTHER)
		return "other";
	if (nr < sizeof(syscall_names) / sizeof(syscall_names[0]) && syscall_names[nr])
		return syscall_names[nr];
	snprintf(buf, len, "syscall_%u", nr);
	return buf;
}
