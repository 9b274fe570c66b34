// SPDX-License-Identifier: GPL-2.0
/*
 * epoll/timerfd helpers shared by the loop threads of every scenario.
 */
#include <errno.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "clock.h"
#include "lifecycle.h"
#include "loop.h"

int fl_epoll_new(void)
{
	/* CLOEXEC: forked herd workers must not share a parent's epoll fd. */
	return epoll_create1(EPOLL_CLOEXEC);
}

int fl_epoll_add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

int fl_epoll_wait(int ep, struct epoll_event *ev, int max, int timeout_ms)
{
	int n;

	while ((n = epoll_wait(ep, ev, max, timeout_ms)) < 0 && errno == EINTR) {
		if (fl_stopping())
			return 0;
	}
	return n;
}

int fl_timerfd_periodic(int64_t period_ns)
{
	struct itimerspec its = {
		.it_interval = fl_ns_to_ts(period_ns),
		.it_value = fl_ns_to_ts(period_ns),
	};
	int fd;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

uint64_t fl_timerfd_drain(int fd)
{
	uint64_t n;
	ssize_t r;

	do {
		r = read(fd, &n, sizeof(n));
	} while (r < 0 && errno == EINTR);
	return r == sizeof(n) ? n : 0;
}

void fl_iter_return(struct fl_iter *it)
{
	it->t_return = fl_now_ns();
	it->faulted = 0;
}

void fl_iter_enter(struct fl_iter *it)
{
	int64_t busy;

	if (!it->t_return)
		return;		/* first wait call: no iteration before it */
	busy = fl_now_ns() - it->t_return;
	it->iterations++;
	it->sum_busy_ns += busy;
	if (!it->faulted && busy > it->max_busy_ns)
		it->max_busy_ns = busy;
}
