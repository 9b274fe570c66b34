// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <sys/syscall.h>
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

bool lw_syscall_is_wait(uint32_t nr)
{
	switch (nr) {
	case __NR_epoll_wait:
	case __NR_epoll_pwait:
	case __NR_epoll_pwait2:
	case __NR_poll:
	case __NR_ppoll:
	case __NR_select:
	case __NR_pselect6:
	case __NR_io_uring_enter:
		return true;
	default:
		return false;
	}
}

const char *lw_wait_kind_name(uint32_t kind)
{
	static const char *const names[LW_WAIT_KINDS] = {
		[LW_WAIT_EPOLL] = "epoll",
		[LW_WAIT_POLL] = "poll",
		[LW_WAIT_SELECT] = "select",
		[LW_WAIT_URING] = "io_uring",
	};

	return kind < LW_WAIT_KINDS && names[kind] ? names[kind] : "";
}
