// SPDX-License-Identifier: GPL-2.0
/*
 * Stop flag, failure reporting, signals and the run supervisor.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "lifecycle.h"

atomic_int fl_stop_flag;
atomic_int fl_failed_flag;

static void vfail(bool with_errno, const char *fmt, va_list ap)
{
	int saved = errno;
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno)
		fprintf(stderr, "faultlab: %s: %s\n", msg, strerror(saved));
	else
		fprintf(stderr, "faultlab: %s\n", msg);
	atomic_store(&fl_failed_flag, 1);
	fl_request_stop();
}

void fl_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(false, fmt, ap);
	va_end(ap);
}

void fl_fail_errno(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(true, fmt, ap);
	va_end(ap);
}

bool fl_failed(void)
{
	return atomic_load(&fl_failed_flag);
}

static void fill_stop_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

void fl_signals_init(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	sigset_t set;

	/* Peers that vanish must yield EPIPE, not kill the whole scenario. */
	sigaction(SIGPIPE, &sa, NULL);
	fill_stop_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void child_stop_handler(int sig)
{
	(void)sig;
	atomic_store(&fl_stop_flag, 1);
}

void fl_signals_child(void)
{
	/* No SA_RESTART: epoll_wait must return EINTR so the loop sees stop. */
	struct sigaction sa = { .sa_handler = child_stop_handler };
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fill_stop_set(&set);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int fl_supervise(int64_t deadline_ns, atomic_int *running)
{
	sigset_t set;

	fill_stop_set(&set);
	for (;;) {
		int64_t left = deadline_ns - fl_now_ns();
		struct timespec ts;
		int sig;

		if (fl_stopping() || (running && atomic_load(running) == 0) ||
		    left <= 0)
			break;
		/* Short slices so a finished scenario is noticed promptly. */
		if (left > 20 * FL_NS_PER_MS)
			left = 20 * FL_NS_PER_MS;
		ts = fl_ns_to_ts(left);
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig > 0) {
			fprintf(stderr, "faultlab: got %s, stopping\n",
				strsignal(sig));
			fl_request_stop();
			return sig;
		}
	}
	fl_request_stop();
	return 0;
}

pid_t fl_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

void fl_name_thread(const char *name)
{
	pthread_setname_np(pthread_self(), name);
}

void fl_gate_init(struct fl_gate *g)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cond, &ca);
	pthread_condattr_destroy(&ca);
	g->arrived = 0;
	g->open = false;
	g->t0 = 0;
}

void fl_gate_arrive(struct fl_gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->arrived++;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

bool fl_gate_wait_all(struct fl_gate *g, int n, int64_t timeout_ns)
{
	int64_t deadline = fl_now_ns() + timeout_ns;
	bool ok;

	pthread_mutex_lock(&g->lock);
	while (g->arrived < n && !fl_stopping() && fl_now_ns() < deadline) {
		/* Bounded slices: a failing thread sets fl_stop, not the cond. */
		struct timespec ts = fl_ns_to_ts(fl_now_ns() + 20 * FL_NS_PER_MS);

		pthread_cond_timedwait(&g->cond, &g->lock, &ts);
	}
	ok = g->arrived >= n && !fl_stopping();
	pthread_mutex_unlock(&g->lock);
	return ok;
}

void fl_gate_open(struct fl_gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->open = true;
	g->t0 = fl_now_ns();
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

int64_t fl_gate_pass(struct fl_gate *g)
{
	int64_t t0 = -1;

	pthread_mutex_lock(&g->lock);
	while (!g->open && !fl_stopping()) {
		struct timespec ts = fl_ns_to_ts(fl_now_ns() + 20 * FL_NS_PER_MS);

		pthread_cond_timedwait(&g->cond, &g->lock, &ts);
	}
	if (g->open)
		t0 = g->t0;
	pthread_mutex_unlock(&g->lock);
	return t0;
}
