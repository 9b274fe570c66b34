// SPDX-License-Identifier: GPL-2.0
/*
 * Tiny epoll loop helpers: creation, registration, an EINTR-safe wait and
 * per-iteration busy-time accounting (the same quantity loopwatch calls
 * loop lag: from a wait call's return to the next wait call's entry).
 */
#ifndef FAULTLAB_LOOP_H
#define FAULTLAB_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

int fl_epoll_new(void);
int fl_epoll_add(int ep, int fd, uint32_t events, uint64_t data);
/* epoll_wait that restarts on EINTR unless a stop was requested (then 0). */
int fl_epoll_wait(int ep, struct epoll_event *ev, int max, int timeout_ms);

/* Periodic CLOCK_MONOTONIC timerfd, non-blocking. */
int fl_timerfd_periodic(int64_t period_ns);
/* Read the expiration count; 0 if none pending. */
uint64_t fl_timerfd_drain(int fd);

struct fl_iter {
	long iterations;
	int64_t t_return;	/* last return from the wait call */
	int64_t max_busy_ns;	/* longest iteration without injected fault */
	int64_t sum_busy_ns;
	int faulted;		/* this iteration carried an injected fault */
};

/* Call right after the wait call returns... */
void fl_iter_return(struct fl_iter *it);
/* ...and right before the next wait call. */
void fl_iter_enter(struct fl_iter *it);

#endif
