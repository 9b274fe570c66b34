// SPDX-License-Identifier: GPL-2.0
/*
 * Monotonic time helpers. Everything in faultlab is measured on
 * CLOCK_MONOTONIC so that wall-clock steps (NTP) never distort an
 * injected fault's reported length.
 */
#ifndef FAULTLAB_CLOCK_H
#define FAULTLAB_CLOCK_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

#define FL_NS_PER_MS	1000000LL
#define FL_NS_PER_S	1000000000LL

static inline int64_t fl_ts_to_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * FL_NS_PER_S + ts->tv_nsec;
}

static inline struct timespec fl_ns_to_ts(int64_t ns)
{
	struct timespec ts = {
		.tv_sec = ns / FL_NS_PER_S,
		.tv_nsec = ns % FL_NS_PER_S,
	};
	return ts;
}

/* vDSO on Linux: no system call, which matters for the pure-CPU stall. */
static inline int64_t fl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return fl_ts_to_ns(&ts);
}

/* CPU time actually consumed by the calling thread (a real syscall). */
static inline int64_t fl_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return fl_ts_to_ns(&ts);
}

static inline double fl_ns_to_ms(int64_t ns)
{
	return (double)ns / (double)FL_NS_PER_MS;
}

/* Absolute deadline so that EINTR restarts never stretch the sleep. */
static inline void fl_sleep_until_ns(int64_t deadline)
{
	struct timespec ts = fl_ns_to_ts(deadline);

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static inline void fl_sleep_ns(int64_t ns)
{
	fl_sleep_until_ns(fl_now_ns() + ns);
}

/* Busy-wait on the vDSO clock: stays on CPU and makes no system call. */
static inline void fl_spin_until_ns(int64_t deadline)
{
	while (fl_now_ns() < deadline)
		;
}

#endif
