// SPDX-License-Identifier: GPL-2.0
/*
 * churn: many short-lived loop threads (or processes), each running two
 * epoll_wait iterations and exiting, so that the agent's kernel and user
 * state can be checked to stay bounded as threads come and go.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "faultlab.h"
#include "lifecycle.h"

/* Alive at once: enough churn to matter, few enough for a 2-core machine. */
#define CHURN_BATCH 64

static void short_loop(void)
{
	struct epoll_event ev;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return;
	for (int i = 0; i < 3; i++)
		epoll_wait(ep, &ev, 1, 0);
	close(ep);
}

static void *churn_thread(void *arg)
{
	(void)arg;
	short_loop();
	return NULL;
}

static long churn_threads(long total)
{
	pthread_t th[CHURN_BATCH];
	long done = 0;

	while (done < total && !fl_stopping()) {
		int n = 0;

		for (; n < CHURN_BATCH && done + n < total; n++)
			if (pthread_create(&th[n], NULL, churn_thread, NULL))
				break;
		for (int i = 0; i < n; i++)
			pthread_join(th[i], NULL);
		if (!n) {
			fl_fail("pthread_create failed");
			break;
		}
		done += n;
	}
	return done;
}

static long churn_processes(long total)
{
	long done = 0;

	while (done < total && !fl_stopping()) {
		int n = 0;

		for (; n < CHURN_BATCH && done + n < total; n++) {
			pid_t p = fork();

			if (p == 0) {
				short_loop();
				_exit(0);
			}
			if (p < 0)
				break;
		}
		for (int i = 0; i < n; i++)
			wait(NULL);
		if (!n) {
			fl_fail_errno("fork");
			break;
		}
		done += n;
	}
	return done;
}

int fl_run_churn(const struct fl_opts *o)
{
	struct fl_json j;
	long done;

	fl_ready_begin(&j, o);
	fl_json_int(&j, "loop_tid", fl_gettid());
	fl_json_int(&j, "count", o->count);
	fl_json_emit(&j);
	if (o->start_delay_ns) {
		struct timespec d = { o->start_delay_ns / FL_NS_PER_S, o->start_delay_ns % FL_NS_PER_S };

		nanosleep(&d, NULL);
	}
	done = o->processes ? churn_processes(o->count) : churn_threads(o->count);
	fl_done_begin(&j, o, 0);
	fl_json_int(&j, o->processes ? "processes" : "threads", done);
	fl_json_emit(&j);
	return fl_exit_status();
}
