// SPDX-License-Identifier: GPL-2.0
/*
 * two-loops: the healthy control for nested waits. One loop thread owns two
 * epoll instances, a main loop and a "signal" loop, each with a timerfd of
 * its own, and waits on them in turn. Both are its loops: every wait is an
 * iteration, none is a stall. A watcher that took the second instance's
 * waits for waits nested inside a busy window would report stalls of the
 * signal loop's length and count half the iterations.
 *
 * Each timer is armed one-shot right before its wait, so that every wait
 * blocks for its whole delay (periodic timers would have expired during the
 * other loop's wait and return at once).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "clock.h"
#include "faultlab.h"
#include "lifecycle.h"
#include "loop.h"

#define MAIN_DELAY_NS	(10 * FL_NS_PER_MS)
#define SIGNAL_DELAY_NS	(25 * FL_NS_PER_MS)
/* Bounds each wait if a timer was somehow lost; never reached normally. */
#define WAIT_BOUND_MS	200

struct side {
	const char *name;
	int64_t delay_ns;
	int ep;
	int tfd;
	long waits;
};

struct two_loops {
	const struct fl_opts *o;
	struct fl_gate gate;
	atomic_int running;
	pid_t tid;
	struct side side[2];
	struct fl_iter it;
};

static int arm_once(int tfd, int64_t ns)
{
	struct itimerspec its = { .it_value = fl_ns_to_ts(ns) };

	return timerfd_settime(tfd, 0, &its, NULL);
}

static void *loop_main(void *arg)
{
	struct two_loops *t = arg;
	struct epoll_event ev[2];
	int64_t t0, end;

	t->tid = fl_gettid();
	for (int i = 0; i < 2; i++) {
		struct side *s = &t->side[i];

		s->ep = fl_epoll_new();
		s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (s->ep < 0 || s->tfd < 0 || fl_epoll_add(s->ep, s->tfd, EPOLLIN, i) < 0) {
			fl_fail_errno("two-loops: %s loop setup", s->name);
			goto out;
		}
	}
	fl_gate_arrive(&t->gate);
	t0 = fl_gate_pass(&t->gate);
	if (t0 < 0)
		goto out;
	end = t0 + t->o->start_delay_ns + t->o->duration_ns;

	for (int turn = 0; !fl_stopping() && fl_now_ns() < end; turn ^= 1) {
		struct side *s = &t->side[turn];
		int n;

		if (arm_once(s->tfd, s->delay_ns) < 0) {
			fl_fail_errno("two-loops: arm %s timer", s->name);
			break;
		}
		fl_iter_enter(&t->it);
		n = fl_epoll_wait(s->ep, ev, 2, WAIT_BOUND_MS);
		fl_iter_return(&t->it);
		if (n < 0) {
			fl_fail_errno("two-loops: %s epoll_wait", s->name);
			break;
		}
		s->waits++;
		fl_timerfd_drain(s->tfd);
	}
out:
	for (int i = 0; i < 2; i++) {
		if (t->side[i].tfd >= 0)
			close(t->side[i].tfd);
		if (t->side[i].ep >= 0)
			close(t->side[i].ep);
	}
	atomic_fetch_sub(&t->running, 1);
	return NULL;
}

int fl_run_two_loops(const struct fl_opts *o)
{
	struct two_loops t = {
		.o = o,
		.side = {
			{ .name = "main", .delay_ns = MAIN_DELAY_NS, .ep = -1, .tfd = -1 },
			{ .name = "signal", .delay_ns = SIGNAL_DELAY_NS, .ep = -1, .tfd = -1 },
		},
	};
	struct fl_json j;
	pthread_t thread;
	int sig = 0, err;

	fl_gate_init(&t.gate);
	atomic_store(&t.running, 1);
	err = pthread_create(&thread, NULL, loop_main, &t);
	if (err) {
		errno = err;
		fl_fail_errno("cannot create loop thread");
		return fl_exit_status();
	}
	if (!fl_stopping() && fl_gate_wait_all(&t.gate, 1, 10 * FL_NS_PER_S)) {
		int eps[2] = { t.side[0].ep, t.side[1].ep };
		int tids[1] = { t.tid };

		fl_ready_begin(&j, o);
		fl_json_int(&j, "loop_tid", t.tid);
		fl_json_ints(&j, "tids", tids, 1);
		fl_json_str(&j, "wait", "epoll");
		fl_json_ints(&j, "epfds", eps, 2);
		fl_json_ms(&j, "main_ms", fl_ns_to_ms(MAIN_DELAY_NS));
		fl_json_ms(&j, "signal_ms", fl_ns_to_ms(SIGNAL_DELAY_NS));
		fl_json_int(&j, "start_delay_ms", o->start_delay_ns / FL_NS_PER_MS);
		fl_json_emit(&j);
		fl_gate_open(&t.gate);
		sig = fl_supervise(t.gate.t0 + o->start_delay_ns + o->duration_ns +
				   5 * FL_NS_PER_S, &t.running);
	} else if (!fl_stopping()) {
		fl_fail("loop thread did not come up within 10 s");
	}
	fl_request_stop();
	pthread_join(thread, NULL);

	fl_done_begin(&j, o, sig);
	fl_json_int(&j, "main_waits", t.side[0].waits);
	fl_json_int(&j, "signal_waits", t.side[1].waits);
	fl_json_int(&j, "waits", t.side[0].waits + t.side[1].waits);
	fl_json_int(&j, "iterations", t.it.iterations);
	fl_json_ms(&j, "max_clean_iteration_ms", fl_ns_to_ms(t.it.max_busy_ns));
	fl_json_emit(&j);
	return fl_exit_status();
}
