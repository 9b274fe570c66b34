// SPDX-License-Identifier: GPL-2.0
/*
 * The runqueue-stall hog: a SCHED_FIFO thread pinned to a loop thread's CPU
 * that, when kicked, preempts the loop and burns the CPU for a fixed time.
 * The loop stays runnable the whole time but cannot run: a pure runqueue
 * stall, which is what loopwatch must attribute to "runqueue".
 */
#ifndef FAULTLAB_HOG_H
#define FAULTLAB_HOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define FL_HOG_PRIO 10

struct fl_hog {
	pthread_t thread;
	bool started;
	int efd;		/* eventfd the hog blocks on */
	int cpu;
	int64_t spin_ns;
	pid_t tid;
	long runs;
};

/* Returns 0, or -1 with errno (EPERM: SCHED_FIFO not allowed). */
int fl_hog_start(struct fl_hog *h, int cpu, int64_t spin_ns);
int fl_hog_kick(struct fl_hog *h);
void fl_hog_stop(struct fl_hog *h);

#endif
