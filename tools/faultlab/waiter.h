// SPDX-License-Identifier: GPL-2.0
/*
 * One readiness interface over the four ways a loop thread can wait:
 * epoll_wait, poll, select and io_uring_enter. Scenarios write their loop
 * once against it, so the stall scenario's loop is the same loop whichever
 * call it blocks in, and loopwatch's figures can be compared across them.
 *
 * Interest is "readable" only (what every faultlab loop needs), level-
 * triggered: an fd that is still readable at the next wait is returned
 * again, whatever the kind.
 */
#ifndef FAULTLAB_WAITER_H
#define FAULTLAB_WAITER_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

enum fl_wait_kind {
	FL_WAIT_EPOLL,
	FL_WAIT_POLL,
	FL_WAIT_SELECT,
	FL_WAIT_URING,
};

/* "epoll", "poll", "select", "io_uring": what loopwatch names the kind. */
const char *fl_wait_kind_name(enum fl_wait_kind k);

#define FL_WAITER_MAX_FDS 8

struct fl_waiter {
	enum fl_wait_kind kind;
	int epfd;		/* epoll */
	int nfds;		/* poll, select, io_uring: the fd table */
	int fds[FL_WAITER_MAX_FDS];
	uint64_t data[FL_WAITER_MAX_FDS];
	bool active[FL_WAITER_MAX_FDS];
	bool armed[FL_WAITER_MAX_FDS];	/* io_uring: a poll request is out */
	struct io_uring ring;
	bool ring_ready;
	bool ext_arg;		/* the kernel takes a wait timeout in the call */
	bool timeout_out;	/* no EXT_ARG: a timeout request is out */
	struct __kernel_timespec ts;
	long waits;		/* wait calls made, for the done line */
};

/* 0, or -1 with errno set. */
int fl_waiter_init(struct fl_waiter *w, enum fl_wait_kind kind);
int fl_waiter_add(struct fl_waiter *w, int fd, uint64_t data);
int fl_waiter_del(struct fl_waiter *w, int fd);
/*
 * One blocking wait of at most timeout_ms (>= 0). Fills ev[] (events are
 * EPOLLIN/EPOLLERR/EPOLLHUP, data.u64 as added) and returns how many, 0 on
 * timeout or when a stop was requested during an EINTR, -1 with errno set.
 * Each call is exactly one wait system call that may block: io_uring_enter
 * with IORING_ENTER_GETEVENTS and min_complete 1 (the re-arming of polls
 * is submitted by a separate, non-waiting call before it).
 */
int fl_waiter_wait(struct fl_waiter *w, struct epoll_event *ev, int max, int timeout_ms);
void fl_waiter_close(struct fl_waiter *w);

#endif
