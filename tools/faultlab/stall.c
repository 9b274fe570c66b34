// SPDX-License-Identifier: GPL-2.0
/*
 * stall, poll-loop, select-loop, uring-loop, nested and healthy scenarios.
 *
 * Each loop thread runs a real loop: a 5 ms timerfd tick plus one
 * loopback TCP connection on which its own "fl-client" thread sends small
 * requests that the loop echoes back. In "stall", the timer handler injects
 * a fault every --every-ms; everything else the loop does is short, so the
 * only long iterations are the injected ones and loopwatch's stall list can
 * be compared one to one with our "inject" lines. "healthy" is the same loop
 * with no faults and a faster client, the negative control. The loop waits
 * in epoll_wait, or in poll, select or io_uring_enter for the *-loop
 * scenarios (waiter.h): one loop, four wait calls. "nested" is the epoll
 * loop whose fault is a private loop of its own (fl_inject_private).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "faultlab.h"
#include "lifecycle.h"
#include "loop.h"
#include "net.h"
#include "waiter.h"

#define TICK_NS			(5 * FL_NS_PER_MS)
#define STALL_CLIENT_PERIOD_NS	(10 * FL_NS_PER_MS)
#define HEALTHY_CLIENT_PERIOD_NS (FL_NS_PER_S / 2000)
#define WAIT_TIMEOUT_MS		100
#define REQ_LEN			16
#define SETUP_TIMEOUT_NS	(10 * FL_NS_PER_S)

enum { EV_TIMER, EV_CONN };

struct echo_loop {
	int idx;
	const struct fl_opts *o;
	struct fl_gate *gate;
	atomic_int *running;
	pthread_t thread;
	bool thread_started;
	pthread_t client;
	bool client_started;
	pid_t tid;
	pid_t client_tid;
	struct fl_pair pair;
	struct fl_injector inj;
	int64_t client_period_ns;
	/* loop thread counters */
	struct fl_iter it;
	long injections;
	double inject_ms;
	long ticks;
	long waits;
	long echoed_bytes;
	/* client thread counters */
	long requests;
	long replies;
	int64_t max_rtt_ns;
};

/* Echo whatever the client sent; level-triggered, so read until EAGAIN. */
static int serve_conn(struct echo_loop *l)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(l->pair.loop_fd, buf, sizeof(buf));

		if (n == 0)
			return -1;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		/* Replies are tiny; the send buffer cannot be full here. */
		if (send(l->pair.loop_fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
			l->echoed_bytes += n;
	}
}

static void *loop_main(void *arg)
{
	struct echo_loop *l = arg;
	const struct fl_opts *o = l->o;
	bool inject = o->cause != FL_CAUSE_NONE;
	int64_t period = (int64_t)(o->every_ms * FL_NS_PER_MS);
	int64_t t0, next_inject, end_natural, end_bound, end;
	struct epoll_event ev[8];
	bool conn_open = true, waiter_open = false;
	struct fl_waiter w;
	int tfd = -1;

	l->tid = fl_gettid();
	if (fl_injector_attach(&l->inj) < 0)
		goto out;
	if (fl_waiter_init(&w, o->wait) < 0) {
		fl_fail_errno("loop %d: %s setup", l->idx, fl_wait_kind_name(o->wait));
		goto out;
	}
	waiter_open = true;
	tfd = fl_timerfd_periodic(TICK_NS);
	if (tfd < 0 || fl_waiter_add(&w, tfd, EV_TIMER) < 0 ||
	    fl_waiter_add(&w, l->pair.loop_fd, EV_CONN) < 0) {
		fl_fail_errno("loop %d: %s/timerfd setup", l->idx, fl_wait_kind_name(o->wait));
		goto out;
	}
	fl_gate_arrive(l->gate);
	t0 = fl_gate_pass(l->gate);
	if (t0 < 0)
		goto out;

	/* Faults start one period after the start delay: a clean baseline. */
	next_inject = t0 + o->start_delay_ns + period;
	if (!inject)
		end_natural = INT64_MAX;
	else if (o->count == 0)
		end_natural = next_inject;
	else
		end_natural = INT64_MAX; /* set after the last injection */
	end_bound = o->has_duration || !inject ?
		t0 + o->start_delay_ns + o->duration_ns : INT64_MAX;

	while (!fl_stopping()) {
		int64_t now = fl_now_ns();
		int timeout, n;

		end = end_natural < end_bound ? end_natural : end_bound;
		if (now >= end)
			break;
		timeout = WAIT_TIMEOUT_MS;
		if ((end - now) / FL_NS_PER_MS + 1 < timeout)
			timeout = (end - now) / FL_NS_PER_MS + 1;

		fl_iter_enter(&l->it);
		n = fl_waiter_wait(&w, ev, 8, timeout);
		fl_iter_return(&l->it);
		if (n < 0) {
			fl_fail_errno("loop %d: %s wait", l->idx, fl_wait_kind_name(o->wait));
			break;
		}
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u64 == EV_CONN) {
				if (conn_open && serve_conn(l) < 0) {
					/* Peer gone: keep ticking, stop polling it. */
					fl_waiter_del(&w, l->pair.loop_fd);
					conn_open = false;
				}
				continue;
			}
			l->ticks += fl_timerfd_drain(tfd);
			if (!inject || l->injections >= o->count ||
			    fl_now_ns() < next_inject)
				continue;

			double ms = fl_injector_fire(&l->inj);

			l->it.faulted = 1;
			l->injections++;
			l->inject_ms += ms;
			fl_report_inject(fl_cause_name(o->cause), ms, l->tid,
					 l->injections);
			next_inject += period;
			/* Faults longer than the period: keep a gap, no burst. */
			if (next_inject < fl_now_ns())
				next_inject = fl_now_ns() + period;
			/* Exit one period after the last fault. */
			if (l->injections == o->count)
				end_natural = next_inject;
		}
	}
out:
	fl_injector_detach(&l->inj);
	/* Wake the client out of its read so it exits now. */
	shutdown(l->pair.loop_fd, SHUT_RDWR);
	if (tfd >= 0)
		close(tfd);
	if (waiter_open) {
		l->waits = w.waits;
		fl_waiter_close(&w);
	}
	atomic_fetch_sub(l->running, 1);
	return NULL;
}

static void *client_main(void *arg)
{
	struct echo_loop *l = arg;
	char req[REQ_LEN], rep[REQ_LEN];
	int64_t next;

	fl_name_thread("fl-client");
	__atomic_store_n(&l->client_tid, fl_gettid(), __ATOMIC_RELEASE);
	if (fl_gate_pass(l->gate) < 0)
		return NULL;
	memset(req, 0, sizeof(req));
	snprintf(req, sizeof(req), "faultlab %d\n", l->idx);
	next = fl_now_ns();
	while (!fl_stopping()) {
		int64_t sent = fl_now_ns(), rtt;

		if (fl_write_all(l->pair.peer_fd, req, sizeof(req)) < 0)
			break;
		l->requests++;
		if (fl_read_exact(l->pair.peer_fd, rep, sizeof(rep)) <= 0)
			break;
		l->replies++;
		rtt = fl_now_ns() - sent;
		if (rtt > l->max_rtt_ns)
			l->max_rtt_ns = rtt;
		/* Fixed schedule, but never a catch-up burst after a stall. */
		next += l->client_period_ns;
		if (next < fl_now_ns())
			next = fl_now_ns();
		fl_sleep_until_ns(next);
	}
	return NULL;
}

static void emit_ready(const struct fl_opts *o, struct echo_loop *loops)
{
	int n = o->threads;
	int tids[256], fds[256], ports[256], rports[256], ctids[256];
	int aux[256], aux2[256];
	struct fl_json j;

	for (int i = 0; i < n; i++) {
		tids[i] = loops[i].tid;
		fds[i] = loops[i].pair.loop_fd;
		ports[i] = loops[i].pair.loop_port;
		rports[i] = loops[i].pair.peer_port;
		ctids[i] = loops[i].client_tid;
	}
	fl_ready_begin(&j, o);
	fl_json_int(&j, "loop_tid", tids[0]);
	fl_json_ints(&j, "tids", tids, n);
	fl_json_int(&j, "fd", fds[0]);
	fl_json_int(&j, "port", ports[0]);
	fl_json_int(&j, "local_port", ports[0]);
	fl_json_int(&j, "remote_port", rports[0]);
	fl_json_ints(&j, "fds", fds, n);
	fl_json_ints(&j, "ports", ports, n);
	fl_json_ints(&j, "client_tids", ctids, n);
	fl_json_int(&j, "threads", n);
	fl_json_int(&j, "start_delay_ms", o->start_delay_ns / FL_NS_PER_MS);
	fl_json_str(&j, "wait", fl_wait_kind_name(o->wait));
	if (o->cause == FL_CAUSE_NESTED)
		fl_json_str(&j, "private", fl_wait_kind_name(o->private_kind));
	if (o->cause != FL_CAUSE_NONE) {
		fl_json_str(&j, "cause", fl_cause_name(o->cause));
		fl_json_ms(&j, "ms", o->ms);
		fl_json_ms(&j, "every_ms", o->every_ms);
		fl_json_int(&j, "count", o->count);
	}
	if (o->cause == FL_CAUSE_RUNQUEUE) {
		for (int i = 0; i < n; i++) {
			aux[i] = loops[i].inj.hog.tid;
			aux2[i] = loops[i].inj.cpu;
		}
		fl_json_ints(&j, "hog_tids", aux, n);
		fl_json_ints(&j, "cpus", aux2, n);
	}
	if (o->cause == FL_CAUSE_DNS) {
		for (int i = 0; i < n; i++) {
			aux[i] = loops[i].inj.dns.tid;
			aux2[i] = loops[i].inj.dns.port;
		}
		fl_json_ints(&j, "dns_tids", aux, n);
		fl_json_ints(&j, "dns_ports", aux2, n);
	}
	if (o->cause == FL_CAUSE_FSYNC)
		fl_json_str(&j, "path", loops[0].inj.path);
	fl_json_emit(&j);
}

static void emit_done(const struct fl_opts *o, struct echo_loop *loops,
		      int sig)
{
	long injections = 0, iterations = 0, requests = 0, replies = 0;
	long ticks = 0, rounds = 0, errors = 0, waits = 0;
	int64_t max_busy = 0, max_rtt = 0;
	double inject_ms = 0;
	struct fl_json j;

	for (int i = 0; i < o->threads; i++) {
		struct echo_loop *l = &loops[i];

		injections += l->injections;
		inject_ms += l->inject_ms;
		iterations += l->it.iterations;
		ticks += l->ticks;
		waits += l->waits;
		requests += l->requests;
		replies += l->replies;
		rounds += l->inj.rounds;
		errors += l->inj.errors;
		if (l->it.max_busy_ns > max_busy)
			max_busy = l->it.max_busy_ns;
		if (l->max_rtt_ns > max_rtt)
			max_rtt = l->max_rtt_ns;
	}
	fl_done_begin(&j, o, sig);
	fl_json_int(&j, "injections", injections);
	fl_json_ms(&j, "inject_ms_total", inject_ms);
	fl_json_int(&j, "iterations", iterations);
	fl_json_int(&j, "waits", waits);
	/* Longest iteration that carried no injected fault. */
	fl_json_ms(&j, "max_clean_iteration_ms", fl_ns_to_ms(max_busy));
	fl_json_int(&j, "ticks", ticks);
	fl_json_int(&j, "requests", requests);
	fl_json_int(&j, "replies", replies);
	fl_json_ms(&j, "max_rtt_ms", fl_ns_to_ms(max_rtt));
	if (o->cause == FL_CAUSE_FSYNC || o->cause == FL_CAUSE_DNS)
		fl_json_int(&j, o->cause == FL_CAUSE_DNS ? "lookups" : "fsyncs",
			    rounds);
	/* The private loops' waits: the nested waits loopwatch should see. */
	if (o->cause == FL_CAUSE_NESTED)
		fl_json_int(&j, "private_wakeups", rounds);
	fl_json_int(&j, "errors", errors);
	fl_json_emit(&j);
}

static int run_echo(const struct fl_opts *o, int64_t client_period_ns)
{
	struct echo_loop *loops;
	atomic_int running = 0;
	struct fl_gate gate;
	int64_t t0, bound;
	int sig = 0, err;
	int n = o->threads;

	loops = calloc(n, sizeof(*loops));
	if (!loops) {
		fl_fail("out of memory");
		return 1;
	}
	fl_gate_init(&gate);
	for (int i = 0; i < n; i++) {
		loops[i].pair.loop_fd = loops[i].pair.peer_fd = -1;
		loops[i].inj.file_fd = -1;
	}
	for (int i = 0; i < n && !fl_stopping(); i++) {
		struct echo_loop *l = &loops[i];

		l->idx = i;
		l->o = o;
		l->gate = &gate;
		l->running = &running;
		l->client_period_ns = client_period_ns;
		if (fl_tcp_pair(&l->pair) < 0) {
			fl_fail_errno("cannot set up loopback TCP connection");
			break;
		}
		if (fl_injector_prepare(&l->inj, o->cause, o->ms, i) < 0)
			break;
		l->inj.private_kind = o->private_kind;
		atomic_fetch_add(&running, 1);
		err = pthread_create(&l->thread, NULL, loop_main, l);
		if (err) {
			atomic_fetch_sub(&running, 1);
			errno = err;
			fl_fail_errno("cannot create loop thread");
			break;
		}
		l->thread_started = true;
		err = pthread_create(&l->client, NULL, client_main, l);
		if (err) {
			errno = err;
			fl_fail_errno("cannot create client thread");
			break;
		}
		l->client_started = true;
	}

	if (!fl_stopping() && fl_gate_wait_all(&gate, n, SETUP_TIMEOUT_NS)) {
		/* Client tids are set before they block on the gate. */
		for (int i = 0; i < n; i++) {
			while (!__atomic_load_n(&loops[i].client_tid, __ATOMIC_ACQUIRE))
				fl_sleep_ns(FL_NS_PER_MS);
		}
		emit_ready(o, loops);
		fl_gate_open(&gate);
		t0 = gate.t0;
		/* Loops end themselves; this is only the safety net. */
		if (o->has_duration || o->cause == FL_CAUSE_NONE)
			bound = o->duration_ns;
		else
			bound = (o->count + 1) *
				(int64_t)((o->every_ms + o->ms) * FL_NS_PER_MS);
		sig = fl_supervise(t0 + o->start_delay_ns + bound +
				   5 * FL_NS_PER_S, &running);
	} else if (!fl_stopping()) {
		fl_fail("loop threads did not come up within 10 s");
	}
	fl_request_stop();

	for (int i = 0; i < n; i++) {
		if (loops[i].thread_started)
			pthread_join(loops[i].thread, NULL);
		if (loops[i].client_started)
			pthread_join(loops[i].client, NULL);
	}
	for (int i = 0; i < n; i++) {
		fl_injector_release(&loops[i].inj);
		if (loops[i].pair.loop_fd >= 0)
			close(loops[i].pair.loop_fd);
		if (loops[i].pair.peer_fd >= 0)
			close(loops[i].pair.peer_fd);
	}
	emit_done(o, loops, sig);
	free(loops);
	return fl_exit_status();
}

int fl_run_stall(const struct fl_opts *o)
{
	return run_echo(o, STALL_CLIENT_PERIOD_NS);
}

int fl_run_healthy(const struct fl_opts *o)
{
	return run_echo(o, HEALTHY_CLIENT_PERIOD_NS);
}
