// SPDX-License-Identifier: GPL-2.0
/*
 * Level- and edge-triggered socket scenarios, each a bug and its control:
 *
 *   lt-hotloop    level-triggered fd with one unread byte: every epoll_wait
 *                 returns it again, the loop never consumes it (hot loop);
 *   lt-drain      control: the loop reads everything each time;
 *   et-undrained  EPOLLET, the loop reads only --chunk bytes per edge and
 *                 goes back to epoll_wait with bytes left; once the peer
 *                 stops sending no edge ever comes again: the connection
 *                 starves (hangs) with data in its receive queue;
 *   et-correct    control: EPOLLET, read until EAGAIN;
 *   et-keepalive  control: EPOLLET keep-alive exchange read the way nginx
 *                 reads it: one read takes the whole request, a reply, some
 *                 work (the access log), then back to epoll_wait; the
 *                 client's next request is already there by then, with an
 *                 edge of its own.
 *
 * One loop thread (comm faultlab) owns the accepted side of a loopback TCP
 * connection; a peer thread "fl-client" writes to the other side.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "faultlab.h"
#include "lifecycle.h"
#include "loop.h"
#include "net.h"

#define WAIT_TIMEOUT_MS		100
#define HOT_WORK_US		200	/* "other work" per hot iteration */
#define DRAIN_PERIOD_NS		(20 * FL_NS_PER_MS)
#define DRAIN_MSG_LEN		8
#define ET_PERIOD_NS		(50 * FL_NS_PER_MS)
#define ET_MSG_LEN		4096
#define SETUP_TIMEOUT_NS	(10 * FL_NS_PER_S)
#define KA_REQ_LEN		64
#define KA_REPLY_LEN		256
#define KA_WORK_NS		(100 * 1000)	/* after the reply, before the wait */
#define KA_QUIET_NS		(200 * FL_NS_PER_MS)	/* client stops this early */

enum edge_mode { LT_HOTLOOP, LT_DRAIN, ET_UNDRAINED, ET_CORRECT, ET_KEEPALIVE };

struct edge {
	const struct fl_opts *o;
	enum edge_mode mode;
	struct fl_pair pair;
	struct fl_gate gate;
	atomic_int running;
	int64_t t_start;	/* end of the start delay: the peer begins */
	int64_t t_end;
	pthread_t loop;
	bool loop_started;
	pthread_t peer;
	bool peer_started;
	int loop_tid;
	int peer_tid;
	/* loop counters */
	long iterations;
	long wakeups;		/* times the fd came back readable */
	long reads;
	long eagain_reads;
	long bytes_read;
	long max_consecutive;	/* longest run of iterations returning the fd */
	long bytes_left;	/* FIONREAD on the loop side at the end */
	long replies;
	/* peer counters */
	long sends;
	long bytes_sent;
	long send_eagain;
};

static bool is_et(enum edge_mode m)
{
	return m == ET_UNDRAINED || m == ET_CORRECT || m == ET_KEEPALIVE;
}

static void read_once(struct edge *e, char *buf, size_t len, bool *eof,
		      bool *drained)
{
	ssize_t n;

	do {
		n = read(e->pair.loop_fd, buf, len);
	} while (n < 0 && errno == EINTR);
	e->reads++;
	if (n > 0) {
		e->bytes_read += n;
		return;
	}
	if (n == 0)
		*eof = true;
	else if (errno == EAGAIN)
		e->eagain_reads++;
	*drained = true;
}

/* Handle one readiness report for the connection; returns false on EOF. */
static bool handle_readable(struct edge *e, char *buf)
{
	bool eof = false, drained = false;
	size_t chunk = e->o->chunk;

	switch (e->mode) {
	case LT_HOTLOOP:
		/* The bug: nobody ever reads this fd. */
		break;
	case ET_UNDRAINED:
		/* The bug: one partial read, then back to epoll_wait. */
		read_once(e, buf, chunk, &eof, &drained);
		break;
	case ET_KEEPALIVE:
		read_once(e, buf, 65536, &eof, &drained);
		if (!eof && !drained) {
			static const char reply[KA_REPLY_LEN];

			if (fl_write_all(e->pair.loop_fd, reply, sizeof(reply)) == sizeof(reply))
				e->replies++;
			fl_spin_until_ns(fl_now_ns() + KA_WORK_NS);
		}
		break;
	case LT_DRAIN:
	case ET_CORRECT:
		while (!drained)
			read_once(e, buf, e->mode == ET_CORRECT ? chunk : 65536,
				  &eof, &drained);
		break;
	}
	return !eof;
}

static void *loop_main(void *arg)
{
	struct edge *e = arg;
	uint32_t events = EPOLLIN | (is_et(e->mode) ? EPOLLET : 0);
	struct epoll_event ev[8];
	long consecutive = 0;
	bool open = true;
	char *buf;
	int ep;

	e->loop_tid = fl_gettid();
	buf = malloc(e->o->chunk > 65536 ? e->o->chunk : 65536);
	ep = fl_epoll_new();
	if (!buf || ep < 0 || fl_epoll_add(ep, e->pair.loop_fd, events, 0) < 0) {
		fl_fail_errno("%s: loop setup", e->o->scenario);
		goto out;
	}
	fl_gate_arrive(&e->gate);
	if (fl_gate_pass(&e->gate) < 0)
		goto out;

	while (!fl_stopping() && fl_now_ns() < e->t_end) {
		int n = fl_epoll_wait(ep, ev, 8, WAIT_TIMEOUT_MS);
		bool seen = false;

		if (n < 0) {
			fl_fail_errno("%s: epoll_wait", e->o->scenario);
			break;
		}
		e->iterations++;
		for (int i = 0; i < n; i++) {
			seen = true;
			e->wakeups++;
			if (open && !handle_readable(e, buf)) {
				epoll_ctl(ep, EPOLL_CTL_DEL, e->pair.loop_fd, NULL);
				open = false;
			}
		}
		consecutive = seen ? consecutive + 1 : 0;
		if (consecutive > e->max_consecutive)
			e->max_consecutive = consecutive;
		/* Keeps the hot loop from being a pure spin (see DESIGN). */
		if (e->mode == LT_HOTLOOP && seen)
			fl_sleep_ns(HOT_WORK_US * 1000LL);
	}
out:
	{
		int left = 0;

		if (ioctl(e->pair.loop_fd, FIONREAD, &left) == 0)
			e->bytes_left = left;
	}
	if (ep >= 0)
		close(ep);
	free(buf);
	atomic_fetch_sub(&e->running, 1);
	return NULL;
}

/* Sleep until t, in slices, giving up early on stop. */
static bool wait_until(int64_t t)
{
	while (!fl_stopping() && fl_now_ns() < t) {
		int64_t slice = t - fl_now_ns();

		fl_sleep_ns(slice < 50 * FL_NS_PER_MS ? slice : 50 * FL_NS_PER_MS);
	}
	return !fl_stopping();
}

static void peer_send(struct edge *e, const char *buf, size_t len)
{
	/* Never block: a starved receiver fills the window by design. */
	ssize_t n = send(e->pair.peer_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	e->sends++;
	if (n > 0)
		e->bytes_sent += n;
	if (n < (ssize_t)len)
		e->send_eagain++;
}

/* One request, then its whole reply; false when the loop stopped answering. */
static bool peer_exchange(struct edge *e, const char *req, char *buf)
{
	struct pollfd p = { .fd = e->pair.peer_fd, .events = POLLIN };
	size_t got = 0;

	peer_send(e, req, KA_REQ_LEN);
	while (got < KA_REPLY_LEN) {
		ssize_t n;

		if (poll(&p, 1, WAIT_TIMEOUT_MS) <= 0)
			return false;
		n = recv(e->pair.peer_fd, buf, KA_REPLY_LEN - got, MSG_DONTWAIT);
		if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
			return false;
		if (n > 0)
			got += n;
	}
	return true;
}

static void *peer_main(void *arg)
{
	struct edge *e = arg;
	static char buf[ET_MSG_LEN];
	int64_t next, send_end;

	fl_name_thread("fl-client");
	__atomic_store_n(&e->peer_tid, fl_gettid(), __ATOMIC_RELEASE);
	if (fl_gate_pass(&e->gate) < 0)
		return NULL;
	memset(buf, 'x', sizeof(buf));
	if (!wait_until(e->t_start))
		return NULL;

	switch (e->mode) {
	case LT_HOTLOOP:
		peer_send(e, buf, 1);
		break;
	case LT_DRAIN:
		for (next = e->t_start; wait_until(next) && next < e->t_end;
		     next += DRAIN_PERIOD_NS)
			peer_send(e, buf, DRAIN_MSG_LEN);
		break;
	case ET_UNDRAINED:
	case ET_CORRECT:
		send_end = e->t_start + e->o->send_ns;
		if (send_end > e->t_end)
			send_end = e->t_end;
		for (next = e->t_start; wait_until(next) && next < send_end;
		     next += ET_PERIOD_NS)
			peer_send(e, buf, ET_MSG_LEN);
		break;
	case ET_KEEPALIVE: {
		static char reply[KA_REPLY_LEN];

		while (!fl_stopping() && fl_now_ns() < e->t_end - KA_QUIET_NS &&
		       peer_exchange(e, buf, reply))
			;
		break;
	}
	}
	/* Keep the connection open (idle) until the end of the run. */
	wait_until(e->t_end);
	return NULL;
}

static void emit_ready(struct edge *e)
{
	struct fl_json j;
	int tid = e->loop_tid;

	fl_ready_begin(&j, e->o);
	fl_json_int(&j, "loop_tid", tid);
	fl_json_ints(&j, "tids", &tid, 1);
	fl_json_int(&j, "fd", e->pair.loop_fd);
	fl_json_int(&j, "port", e->pair.loop_port);
	fl_json_int(&j, "local_port", e->pair.loop_port);
	fl_json_int(&j, "remote_port", e->pair.peer_port);
	fl_json_int(&j, "client_tid", e->peer_tid);
	fl_json_str(&j, "trigger", is_et(e->mode) ? "edge" : "level");
	if (e->mode == ET_UNDRAINED || e->mode == ET_CORRECT) {
		fl_json_int(&j, "chunk", e->o->chunk);
		fl_json_ms(&j, "send_s", (double)e->o->send_ns / FL_NS_PER_S);
	}
	fl_json_int(&j, "start_delay_ms", e->o->start_delay_ns / FL_NS_PER_MS);
	fl_json_emit(&j);
}

static void emit_done(struct edge *e, int sig)
{
	struct fl_json j;

	fl_done_begin(&j, e->o, sig);
	fl_json_int(&j, "iterations", e->iterations);
	fl_json_int(&j, "wakeups", e->wakeups);
	fl_json_int(&j, "max_consecutive_wakeups", e->max_consecutive);
	fl_json_int(&j, "reads", e->reads);
	fl_json_int(&j, "eagain_reads", e->eagain_reads);
	fl_json_int(&j, "bytes_sent", e->bytes_sent);
	fl_json_int(&j, "bytes_read", e->bytes_read);
	fl_json_int(&j, "bytes_left", e->bytes_left);
	if (e->mode == ET_KEEPALIVE)
		fl_json_int(&j, "replies", e->replies);
	fl_json_int(&j, "sends", e->sends);
	fl_json_int(&j, "short_sends", e->send_eagain);
	fl_json_emit(&j);
}

int fl_run_edge(const struct fl_opts *o)
{
	struct edge *e;
	int sig = 0, err;

	e = calloc(1, sizeof(*e));
	if (!e) {
		fl_fail("out of memory");
		return 1;
	}
	e->o = o;
	if (!strcmp(o->scenario, "lt-hotloop"))
		e->mode = LT_HOTLOOP;
	else if (!strcmp(o->scenario, "lt-drain"))
		e->mode = LT_DRAIN;
	else if (!strcmp(o->scenario, "et-undrained"))
		e->mode = ET_UNDRAINED;
	else if (!strcmp(o->scenario, "et-keepalive"))
		e->mode = ET_KEEPALIVE;
	else
		e->mode = ET_CORRECT;
	fl_gate_init(&e->gate);
	e->pair.loop_fd = e->pair.peer_fd = -1;

	if (fl_tcp_pair(&e->pair) < 0) {
		fl_fail_errno("cannot set up loopback TCP connection");
		goto done;
	}
	atomic_store(&e->running, 1);
	err = pthread_create(&e->loop, NULL, loop_main, e);
	if (err) {
		atomic_store(&e->running, 0);
		errno = err;
		fl_fail_errno("cannot create loop thread");
		goto done;
	}
	e->loop_started = true;
	err = pthread_create(&e->peer, NULL, peer_main, e);
	if (err) {
		errno = err;
		fl_fail_errno("cannot create peer thread");
		goto done;
	}
	e->peer_started = true;
	if (!fl_gate_wait_all(&e->gate, 1, SETUP_TIMEOUT_NS)) {
		if (!fl_stopping())
			fl_fail("loop thread did not come up within 10 s");
		goto done;
	}
	while (!__atomic_load_n(&e->peer_tid, __ATOMIC_ACQUIRE))
		fl_sleep_ns(FL_NS_PER_MS);
	emit_ready(e);
	/* Times are set before the gate opens, so both threads see them. */
	e->t_start = fl_now_ns() + o->start_delay_ns;
	e->t_end = e->t_start + o->duration_ns;
	fl_gate_open(&e->gate);
	sig = fl_supervise(e->t_end + FL_NS_PER_S, &e->running);
done:
	fl_request_stop();
	if (e->loop_started)
		pthread_join(e->loop, NULL);
	if (e->peer_started)
		pthread_join(e->peer, NULL);
	emit_done(e, sig);
	if (e->pair.loop_fd >= 0)
		close(e->pair.loop_fd);
	if (e->pair.peer_fd >= 0)
		close(e->pair.peer_fd);
	free(e);
	return fl_exit_status();
}
