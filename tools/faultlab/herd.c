// SPDX-License-Identifier: GPL-2.0
/*
 * herd scenario: N workers (threads, or processes with --processes), each
 * with its own epoll fd, all waiting on one shared listening socket.
 *
 * Without EPOLLEXCLUSIVE every incoming connection wakes every worker; one
 * wins accept4() and the rest get EAGAIN: the thundering herd loopwatch
 * must report as one fan-out with ~N woken and ~N-1 futile. --exclusive
 * (EPOLLEXCLUSIVE) and --reuseport (one listener per worker) are the two
 * fixes and serve as controls.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "faultlab.h"
#include "lifecycle.h"
#include "loop.h"
#include "net.h"

#define WORKER_WAIT_MS		1000
#define REQ_LEN			16
#define REPLY_LEN		16
#define CLIENT_TIMEOUT_NS	(2 * FL_NS_PER_S)
#define SETUP_TIMEOUT_NS	(10 * FL_NS_PER_S)
#define LISTEN_BACKLOG		1024
#define EV_LISTENER		UINT64_MAX

/* Lives in a MAP_SHARED mapping so forked workers can report into it. */
struct worker_slot {
	int pid;
	int tid;
	int lfd;
	long wakeups;		/* epoll_wait returned events */
	long timeouts;		/* epoll_wait returned 0 */
	long accepts;
	long futile;		/* accept4 failed with EAGAIN */
	long served;
	long errors;
	long vcsw_start;	/* voluntary context switches, from /proc */
	long vcsw_end;
};

struct herd_shared {
	atomic_int ready;
	struct worker_slot w[];
};

struct herd {
	const struct fl_opts *o;
	struct herd_shared *sh;
	size_t sh_len;
	int port;
	int *lfds;		/* one shared, or one per worker with reuseport */
	pthread_t *threads;
	int nthreads;
	pid_t *children;
	int nchildren;
	/* client */
	pthread_t client;
	bool client_started;
	int client_tid;
	int64_t t_start;	/* when connections begin */
	int64_t t_end;
	long connections;
	long failed;
	atomic_int client_running;
};

struct worker_arg {
	struct herd *h;
	int idx;
};

/* A connection the worker accepted: answer it once the request is in. */
static void serve(struct worker_slot *ws, int ep, int fd)
{
	static const char reply[REPLY_LEN] = "faultlab reply\n";
	char req[256];
	ssize_t n;

	do {
		n = read(fd, req, sizeof(req));
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;		/* not all there yet; level-triggered, wait */
	if (n > 0) {
		if (send(fd, reply, sizeof(reply), MSG_DONTWAIT | MSG_NOSIGNAL) ==
		    (ssize_t)sizeof(reply))
			ws->served++;
		else
			ws->errors++;
	}
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
}

static void worker_loop(struct herd *h, int idx)
{
	struct worker_slot *ws = &h->sh->w[idx];
	uint32_t events = EPOLLIN | (h->o->exclusive ? EPOLLEXCLUSIVE : 0);
	int lfd = h->lfds[h->o->reuseport ? idx : 0];
	struct epoll_event ev[16];
	int ep;

	ws->pid = getpid();
	ws->tid = fl_gettid();
	ws->lfd = lfd;
	/* Own epoll instance per worker: the herd happens on the listener. */
	ep = fl_epoll_new();
	if (ep < 0 || fl_epoll_add(ep, lfd, events, EV_LISTENER) < 0) {
		fl_fail_errno("herd worker %d: epoll setup", idx);
		return;
	}
	atomic_fetch_add(&h->sh->ready, 1);

	while (!fl_stopping()) {
		int n = fl_epoll_wait(ep, ev, 16, WORKER_WAIT_MS);

		if (n < 0) {
			fl_fail_errno("herd worker %d: epoll_wait", idx);
			break;
		}
		if (n == 0) {
			ws->timeouts++;
			continue;
		}
		ws->wakeups++;
		for (int i = 0; i < n; i++) {
			int c;

			if (ev[i].data.u64 != EV_LISTENER) {
				serve(ws, ep, (int)ev[i].data.u64);
				continue;
			}
			/* Exactly one accept per wake-up, as a naive server does. */
			c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (c < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					ws->futile++;
				else if (errno != EINTR)
					ws->errors++;
				continue;
			}
			ws->accepts++;
			if (fl_epoll_add(ep, c, EPOLLIN, (uint64_t)c) < 0) {
				ws->errors++;
				close(c);
			}
		}
	}
	close(ep);
}

/* Only there to interrupt epoll_wait (EINTR) when the run stops. */
static void wake_handler(int sig)
{
	(void)sig;
}

static void *worker_thread(void *arg)
{
	struct worker_arg *wa = arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	worker_loop(wa->h, wa->idx);
	return NULL;
}

static void worker_process(struct herd *h, int idx, pid_t parent)
{
	fl_signals_child();
	/* Never outlive the parent, whatever kills it. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	if (h->o->reuseport) {
		for (int i = 0; i < h->o->workers; i++) {
			if (i != idx)
				close(h->lfds[i]);
		}
	}
	worker_loop(h, idx);
	_exit(fl_failed() ? 1 : 0);
}

/* Wait for a readable fd without outliving the run or the deadline. */
static bool wait_readable(int fd, int64_t deadline)
{
	while (!fl_stopping() && fl_now_ns() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 50) > 0)
			return true;
	}
	return false;
}

static bool one_connection(int port)
{
	static const char req[REQ_LEN] = "faultlab req\n";
	int64_t deadline = fl_now_ns() + CLIENT_TIMEOUT_NS;
	char rep[REPLY_LEN];
	size_t got = 0;
	bool ok = false;
	int fd;

	fd = fl_connect_loopback(port);
	if (fd < 0)
		return false;
	if (fl_write_all(fd, req, sizeof(req)) < 0)
		goto out;
	while (got < sizeof(rep) && wait_readable(fd, deadline)) {
		ssize_t n = recv(fd, rep + got, sizeof(rep) - got, MSG_DONTWAIT);

		if (n == 0)
			break;
		if (n > 0)
			got += n;
	}
	ok = got == sizeof(rep);
out:
	close(fd);
	return ok;
}

static void *client_main(void *arg)
{
	struct herd *h = arg;
	int64_t period = (int64_t)(FL_NS_PER_S / h->o->rate);
	int64_t next;

	fl_name_thread("fl-client");
	__atomic_store_n(&h->client_tid, fl_gettid(), __ATOMIC_RELEASE);
	next = h->t_start;
	while (!fl_stopping()) {
		/* Sleep in slices so a stop is honoured even at low rates. */
		while (!fl_stopping() && fl_now_ns() < next) {
			int64_t slice = next - fl_now_ns();

			fl_sleep_ns(slice < 50 * FL_NS_PER_MS ? slice : 50 * FL_NS_PER_MS);
		}
		if (fl_stopping() || fl_now_ns() >= h->t_end)
			break;
		if (one_connection(h->port))
			h->connections++;
		else if (!fl_stopping())
			h->failed++;
		next += period;
		if (next < fl_now_ns())
			next = fl_now_ns();	/* no catch-up bursts */
	}
	atomic_store(&h->client_running, 0);
	return NULL;
}

static int setup_listeners(struct herd *h)
{
	int n = h->o->reuseport ? h->o->workers : 1;

	h->lfds = calloc(n, sizeof(int));
	if (!h->lfds)
		return -1;
	for (int i = 0; i < n; i++)
		h->lfds[i] = -1;
	for (int i = 0; i < n; i++) {
		/* First bind picks the port; reuseport siblings join it. */
		h->lfds[i] = fl_listen_loopback(i ? h->port : 0, h->o->reuseport,
						true, LISTEN_BACKLOG,
						i ? NULL : &h->port);
		if (h->lfds[i] < 0) {
			fl_fail_errno("herd: cannot listen on 127.0.0.1");
			return -1;
		}
	}
	return 0;
}

static int start_workers(struct herd *h, struct worker_arg *args)
{
	int n = h->o->workers;
	pid_t parent = getpid();

	for (int i = 0; i < n; i++) {
		args[i].h = h;
		args[i].idx = i;
		if (h->o->processes) {
			pid_t pid;

			fflush(NULL);	/* nothing buffered may be duplicated */
			pid = fork();
			if (pid < 0) {
				fl_fail_errno("herd: fork");
				return -1;
			}
			if (pid == 0)
				worker_process(h, i, parent);
			h->children[h->nchildren++] = pid;
		} else {
			int err = pthread_create(&h->threads[i], NULL,
						 worker_thread, &args[i]);
			if (err) {
				errno = err;
				fl_fail_errno("herd: cannot create worker thread");
				return -1;
			}
			h->nthreads++;
		}
	}
	return 0;
}

static bool wait_workers_ready(struct herd *h)
{
	int64_t deadline = fl_now_ns() + SETUP_TIMEOUT_NS;

	while (atomic_load(&h->sh->ready) < h->o->workers) {
		if (fl_stopping() || fl_now_ns() > deadline)
			return false;
		/* A worker process that died during setup never gets ready. */
		for (int i = 0; i < h->nchildren; i++) {
			if (waitpid(h->children[i], NULL, WNOHANG) == h->children[i]) {
				fl_fail("herd: worker process %d exited during setup",
					h->children[i]);
				h->children[i] = -1;
				return false;
			}
		}
		fl_sleep_ns(FL_NS_PER_MS);
	}
	return true;
}

/*
 * Voluntary context switches of a worker. A worker sleeps only inside
 * epoll_wait, so each one is a wake-up, including those the kernel undoes
 * silently: a woken epoll_wait that finds the listener already drained by
 * another worker goes back to sleep without returning to user space. Those
 * herd victims never show up as EAGAIN, so this is the ground truth for
 * loopwatch's "woken" count.
 */
static long read_vcsw(int pid, int tid)
{
	char path[64], line[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
			break;
	}
	fclose(f);
	return v;
}

static void snapshot_vcsw(struct herd *h, bool end)
{
	for (int i = 0; i < h->o->workers; i++) {
		struct worker_slot *ws = &h->sh->w[i];
		long v = read_vcsw(ws->pid, ws->tid);

		if (end)
			ws->vcsw_end = v;
		else
			ws->vcsw_start = v;
	}
}

static void emit_ready(struct herd *h)
{
	int n = h->o->workers;
	int pids[1024], tids[1024], fds[1024];
	struct fl_json j;

	for (int i = 0; i < n; i++) {
		pids[i] = h->sh->w[i].pid;
		tids[i] = h->sh->w[i].tid;
		fds[i] = h->sh->w[i].lfd;
	}
	fl_ready_begin(&j, h->o);
	fl_json_int(&j, "loop_tid", tids[0]);
	fl_json_ints(&j, "pids", pids, n);
	fl_json_ints(&j, "tids", tids, n);
	fl_json_int(&j, "fd", fds[0]);
	fl_json_ints(&j, "fds", fds, n);
	fl_json_int(&j, "port", h->port);
	fl_json_int(&j, "workers", n);
	fl_json_str(&j, "mode", h->o->processes ? "processes" : "threads");
	fl_json_str(&j, "wakeup", h->o->exclusive ? "exclusive" :
		    h->o->reuseport ? "reuseport" : "shared");
	fl_json_ms(&j, "rate", h->o->rate);
	fl_json_int(&j, "client_tid", h->client_tid);
	fl_json_int(&j, "start_delay_ms", h->o->start_delay_ns / FL_NS_PER_MS);
	fl_json_emit(&j);
}

static void emit_done(struct herd *h, int sig)
{
	long wakeups = 0, timeouts = 0, accepts = 0, futile = 0, served = 0;
	long errors = 0, acc[1024], fut[1024], sw[1024], switches = 0;
	int n = h->o->workers;
	struct fl_json j;

	for (int i = 0; i < n; i++) {
		struct worker_slot *ws = &h->sh->w[i];

		wakeups += ws->wakeups;
		timeouts += ws->timeouts;
		accepts += ws->accepts;
		futile += ws->futile;
		served += ws->served;
		errors += ws->errors;
		acc[i] = ws->accepts;
		fut[i] = ws->futile;
		sw[i] = ws->vcsw_start >= 0 && ws->vcsw_end >= 0 ?
			ws->vcsw_end - ws->vcsw_start : -1;
		switches += sw[i] > 0 ? sw[i] : 0;
	}
	fl_done_begin(&j, h->o, sig);
	fl_json_int(&j, "connections", h->connections);
	fl_json_int(&j, "failed_connections", h->failed);
	fl_json_int(&j, "accepts", accepts);
	fl_json_int(&j, "futile", futile);
	fl_json_int(&j, "wakeups", wakeups);
	fl_json_int(&j, "timeouts", timeouts);
	fl_json_int(&j, "served", served);
	fl_json_int(&j, "errors", errors);
	fl_json_longs(&j, "accepts_per_worker", acc, n);
	fl_json_longs(&j, "futile_per_worker", fut, n);
	/* Kernel-side wake-ups (returns + timeouts + silent herd wake-ups). */
	fl_json_int(&j, "sleeps", switches);
	fl_json_longs(&j, "sleeps_per_worker", sw, n);
	fl_json_emit(&j);
}

static void stop_workers(struct herd *h)
{
	for (int i = 0; i < h->nchildren; i++) {
		if (h->children[i] > 0)
			kill(h->children[i], SIGTERM);
	}
	for (int i = 0; i < h->nchildren; i++) {
		int status;

		if (h->children[i] <= 0)
			continue;
		while (waitpid(h->children[i], &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fl_fail("herd: worker process %d failed", h->children[i]);
	}
	/*
	 * Kick worker threads out of epoll_wait; one that was just about to
	 * enter it still notices the stop within one wait timeout.
	 */
	for (int i = 0; i < h->nthreads; i++)
		pthread_kill(h->threads[i], SIGUSR1);
	for (int i = 0; i < h->nthreads; i++)
		pthread_join(h->threads[i], NULL);
}

int fl_run_herd(const struct fl_opts *o)
{
	struct worker_arg *args = NULL;
	struct herd h = { .o = o };
	int n = o->workers;
	int sig = 0, err;

	h.sh_len = sizeof(*h.sh) + n * sizeof(h.sh->w[0]);
	h.sh = mmap(NULL, h.sh_len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	h.threads = calloc(n, sizeof(*h.threads));
	h.children = calloc(n, sizeof(*h.children));
	args = calloc(n, sizeof(*args));
	if (h.sh == MAP_FAILED || !h.threads || !h.children || !args) {
		fl_fail("out of memory");
		return 1;
	}
	if (!o->processes) {
		/* No SA_RESTART: the signal must make epoll_wait fail EINTR. */
		struct sigaction sa = { .sa_handler = wake_handler };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
	}
	/* Workers (and forks) first, while this process has one thread. */
	if (setup_listeners(&h) == 0 && start_workers(&h, args) == 0 &&
	    wait_workers_ready(&h)) {
		int64_t t0 = fl_now_ns();

		h.t_start = t0 + o->start_delay_ns;
		h.t_end = h.t_start + o->duration_ns;
		atomic_store(&h.client_running, 1);
		err = pthread_create(&h.client, NULL, client_main, &h);
		if (err) {
			errno = err;
			fl_fail_errno("herd: cannot create client thread");
		} else {
			h.client_started = true;
			while (!__atomic_load_n(&h.client_tid, __ATOMIC_ACQUIRE))
				fl_sleep_ns(FL_NS_PER_MS);
			emit_ready(&h);
			snapshot_vcsw(&h, false);
			/* The client ends the run; the deadline is a safety net. */
			sig = fl_supervise(h.t_end + CLIENT_TIMEOUT_NS + FL_NS_PER_S,
					   &h.client_running);
			/* Before the workers are told to exit (which wakes them). */
			snapshot_vcsw(&h, true);
		}
	} else if (!fl_stopping()) {
		fl_fail("herd: workers did not come up within 10 s");
	}
	fl_request_stop();
	if (h.client_started)
		pthread_join(h.client, NULL);
	stop_workers(&h);
	emit_done(&h, sig);
	for (int i = 0; h.lfds && i < (o->reuseport ? n : 1); i++) {
		if (h.lfds[i] >= 0)
			close(h.lfds[i]);
	}
	free(h.lfds);
	free(h.threads);
	free(h.children);
	free(args);
	munmap(h.sh, h.sh_len);
	return fl_exit_status();
}
