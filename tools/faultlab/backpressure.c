// SPDX-License-Identifier: GPL-2.0
/*
 * Backpressure scenarios, on loopback:
 *
 *   slow-reader      the peer ("fl-peer") sends as fast as TCP lets it; the
 *                    loop reads 16 KiB per readiness and then spends 2 ms
 *                    on it, so its receive queue fills up (SO_RCVBUF is set,
 *                    as many servers do: autotuning would keep growing the
 *                    buffer ahead of the data and blur the figure);
 *   slow-peer        the loop writes 64 KiB every tick to a peer that never
 *                    reads: the send queue fills, writes come back short,
 *                    then with EAGAIN;
 *   blocking-writer  a worker thread ("fl-writer") of the loop's process
 *                    makes blocking 64 KiB writes (SO_SNDTIMEO 200 ms) to a
 *                    peer that never reads: each one sleeps for room;
 *   accept-overflow  a listener with a backlog of 4 that nobody accepts
 *                    from; "fl-client" keeps connecting: the accept queue
 *                    fills and the kernel refuses further connections. The
 *                    clients close at the end of the run, the listener stays
 *                    1.5 s more, so a once-a-second sampler sees the last
 *                    overflow while the process lives;
 *   fd-pressure      lowers its own RLIMIT_NOFILE to 256 and holds 240
 *                    descriptors open while its loop ticks;
 *   saturate         64 descriptors that stay readable, epoll_wait with
 *                    maxevents 16: every wait returns a full batch.
 *
 * Each has one loop thread (comm faultlab) on a 5 ms timerfd tick. Ground
 * truth comes from the kernel's own view where it has one (SO_MEMINFO,
 * TCP_INFO, /proc/net/netstat, /proc/self/fd) and goes into the done line.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "faultlab.h"
#include "lifecycle.h"
#include "loop.h"
#include "net.h"

#define TICK_NS			(5 * FL_NS_PER_MS)
#define WAIT_TIMEOUT_MS		100
#define SETUP_TIMEOUT_NS	(10 * FL_NS_PER_S)
#define READER_CHUNK		16384
#define READER_RCVBUF		(128 * 1024)
#define READER_WORK_NS		(2 * FL_NS_PER_MS)
#define PEER_CHUNK		65536
#define WRITER_CHUNK		65536
#define WRITER_TIMEOUT_MS	200
#define ACCEPT_BACKLOG		4
#define CONNECT_PERIOD_NS	(20 * FL_NS_PER_MS)
#define LINGER_NS		(1500 * FL_NS_PER_MS)
#define MAX_CLIENTS		1024
#define FD_LIMIT		256
#define FD_HEADROOM		16
#define SAT_FDS			64
#define SAT_MAXEVENTS		16
#define SAT_WORK_NS		(1 * FL_NS_PER_MS)

enum bp_mode { SLOW_READER, SLOW_PEER, BLOCKING_WRITER, ACCEPT_OVERFLOW, FD_PRESSURE, SATURATE };

enum { EV_TIMER = -1, EV_CONN = -2 };

struct bp {
	const struct fl_opts *o;
	enum bp_mode mode;
	struct fl_pair pair;
	int lfd;		/* accept-overflow listener */
	int lport;
	int sat_fds[SAT_FDS];
	int *held;		/* fd-pressure: descriptors held open */
	int nheld;
	struct fl_gate gate;
	atomic_int running;
	int64_t t_start;	/* end of the start delay */
	int64_t t_end;
	int64_t t_linger;	/* the loop (and the listener) last until here */
	pthread_t loop, helper;
	bool loop_started, helper_started;
	int loop_tid, helper_tid;
	/* loop counters */
	long iterations;
	long waits;
	long saturated;		/* waits that returned maxevents */
	long reads;
	long bytes_read;
	long writes;
	long bytes_written;
	long partial_writes;
	long eagain_writes;
	double max_rcv_ratio;	/* SO_MEMINFO, sampled by the loop */
	double max_snd_ratio;
	long max_accept_queue;	/* TCP_INFO of the listener */
	long accept_backlog;
	/* helper counters */
	long bytes_sent;
	long sends;		/* blocking-writer */
	long blocked_sends;	/* came back short or with EAGAIN */
	int64_t send_ns;	/* time inside send() */
	long connects;
	long overflows;		/* TcpExtListenOverflows delta, netns-wide */
	long fds;		/* fd-pressure: /proc/self/fd entries */
	long fd_limit;
};

static bool has_helper(enum bp_mode m)
{
	return m == SLOW_READER || m == SLOW_PEER || m == BLOCKING_WRITER || m == ACCEPT_OVERFLOW;
}

/* Sleep until t in slices, giving up early on stop. */
static bool wait_until(int64_t t)
{
	while (!fl_stopping() && fl_now_ns() < t) {
		int64_t slice = t - fl_now_ns();

		fl_sleep_ns(slice < 50 * FL_NS_PER_MS ? slice : 50 * FL_NS_PER_MS);
	}
	return !fl_stopping();
}

/* The kernel's own occupancy of a socket's queues, as loopwatch defines it. */
static void sample_meminfo(struct bp *b, int fd)
{
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mi);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &len) < 0)
		return;
	if (mi[SK_MEMINFO_RCVBUF]) {
		double r = (double)mi[SK_MEMINFO_RMEM_ALLOC] / mi[SK_MEMINFO_RCVBUF];

		if (r > b->max_rcv_ratio)
			b->max_rcv_ratio = r;
	}
	if (mi[SK_MEMINFO_SNDBUF]) {
		double r = (double)mi[SK_MEMINFO_WMEM_QUEUED] / mi[SK_MEMINFO_SNDBUF];

		if (r > b->max_snd_ratio)
			b->max_snd_ratio = r;
	}
}

/* For a listener, TCP_INFO reports the accept queue and its backlog. */
static void sample_listener(struct bp *b)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(b->lfd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return;
	if ((long)ti.tcpi_unacked > b->max_accept_queue)
		b->max_accept_queue = ti.tcpi_unacked;
	b->accept_backlog = ti.tcpi_sacked;
}

static long listen_overflows(void)
{
	char hdr[4096], val[4096];
	long v = -1;
	FILE *f = fopen("/proc/net/netstat", "re");

	if (!f)
		return -1;
	while (fgets(hdr, sizeof(hdr), f) && fgets(val, sizeof(val), f)) {
		char *hs, *vs, *h, *x;

		if (strncmp(hdr, "TcpExt:", 7))
			continue;
		h = strtok_r(hdr, " \n", &hs);
		x = strtok_r(val, " \n", &vs);
		while (h && x) {
			if (!strcmp(h, "ListenOverflows"))
				v = atol(x);
			h = strtok_r(NULL, " \n", &hs);
			x = strtok_r(NULL, " \n", &vs);
		}
	}
	fclose(f);
	return v;
}

static long count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	long n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

static void on_readable(struct bp *b, char *buf)
{
	ssize_t n = read(b->pair.loop_fd, buf, READER_CHUNK);

	b->reads++;
	if (n > 0) {
		b->bytes_read += n;
		/* "processing" the chunk: slower than the peer produces */
		fl_sleep_ns(READER_WORK_NS);
	}
	sample_meminfo(b, b->pair.loop_fd);
}

static void write_chunk(struct bp *b, const char *buf)
{
	ssize_t n = send(b->pair.loop_fd, buf, WRITER_CHUNK, MSG_DONTWAIT | MSG_NOSIGNAL);

	b->writes++;
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			b->eagain_writes++;
	} else {
		b->bytes_written += n;
		if (n < WRITER_CHUNK)
			b->partial_writes++;
	}
	sample_meminfo(b, b->pair.loop_fd);
}

static void start_saturation(struct bp *b)
{
	for (int i = 0; i < SAT_FDS; i++) {
		uint64_t one = 1;

		if (write(b->sat_fds[i], &one, sizeof(one)) != sizeof(one))
			fl_fail_errno("saturate: eventfd write");
	}
}

static int loop_setup(struct bp *b, int ep, int tfd)
{
	if (fl_epoll_add(ep, tfd, EPOLLIN, (uint64_t)EV_TIMER) < 0)
		return -1;
	if (b->mode == SLOW_READER)
		return fl_epoll_add(ep, b->pair.loop_fd, EPOLLIN, (uint64_t)EV_CONN);
	return 0;
}

static void *loop_main(void *arg)
{
	struct bp *b = arg;
	static char buf[WRITER_CHUNK > READER_CHUNK ? WRITER_CHUNK : READER_CHUNK];
	struct epoll_event ev[SAT_MAXEVENTS];
	bool saturating = false;
	int ep, tfd;

	b->loop_tid = fl_gettid();
	memset(buf, 'w', sizeof(buf));
	ep = fl_epoll_new();
	tfd = fl_timerfd_periodic(TICK_NS);
	if (ep < 0 || tfd < 0 || loop_setup(b, ep, tfd) < 0) {
		fl_fail_errno("%s: loop setup", b->o->scenario);
		goto out;
	}
	fl_gate_arrive(&b->gate);
	if (fl_gate_pass(&b->gate) < 0)
		goto out;

	while (!fl_stopping() && fl_now_ns() < b->t_linger) {
		bool started = fl_now_ns() >= b->t_start;
		int n;

		if (b->mode == SATURATE && started && !saturating) {
			/* The timer leaves the set: every return is the full batch. */
			epoll_ctl(ep, EPOLL_CTL_DEL, tfd, NULL);
			for (int i = 0; i < SAT_FDS; i++)
				if (fl_epoll_add(ep, b->sat_fds[i], EPOLLIN, i) < 0)
					fl_fail_errno("saturate: epoll_ctl");
			start_saturation(b);
			saturating = true;
		}
		n = fl_epoll_wait(ep, ev, SAT_MAXEVENTS, WAIT_TIMEOUT_MS);
		if (n < 0) {
			fl_fail_errno("%s: epoll_wait", b->o->scenario);
			break;
		}
		b->iterations++;
		if (started) {
			b->waits++;
			if (n == SAT_MAXEVENTS)
				b->saturated++;
		}
		if (saturating) {
			fl_sleep_ns(SAT_WORK_NS);
			continue;
		}
		for (int i = 0; i < n; i++) {
			if ((int64_t)ev[i].data.u64 == EV_CONN) {
				on_readable(b, buf);
				continue;
			}
			fl_timerfd_drain(tfd);
			if (b->mode == SLOW_PEER && started)
				write_chunk(b, buf);
			if (b->mode == ACCEPT_OVERFLOW)
				sample_listener(b);
		}
	}
out:
	if (tfd >= 0)
		close(tfd);
	if (ep >= 0)
		close(ep);
	atomic_fetch_sub(&b->running, 1);
	return NULL;
}

/* slow-reader's peer: as fast as the window allows, never blocking long. */
static void peer_flood(struct bp *b)
{
	static char buf[PEER_CHUNK];

	memset(buf, 'p', sizeof(buf));
	while (!fl_stopping() && fl_now_ns() < b->t_end) {
		struct pollfd pfd = { .fd = b->pair.peer_fd, .events = POLLOUT };
		ssize_t n;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = send(b->pair.peer_fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			b->bytes_sent += n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
	}
}

/* blocking-writer: every send sleeps until the buffer has room or the
 * timeout ends it; the time inside send() is the ground truth. */
static void blocking_writes(struct bp *b)
{
	static char buf[WRITER_CHUNK];

	memset(buf, 'b', sizeof(buf));
	while (!fl_stopping() && fl_now_ns() < b->t_end) {
		int64_t t0 = fl_now_ns();
		ssize_t n = send(b->pair.loop_fd, buf, sizeof(buf), MSG_NOSIGNAL);

		b->send_ns += fl_now_ns() - t0;
		b->sends++;
		if (n > 0)
			b->bytes_sent += n;
		if (n < (ssize_t)sizeof(buf)) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				break;
			b->blocked_sends++;
		}
	}
}

/* accept-overflow's clients: a non-blocking connect every 20 ms, all kept
 * open so the queue never drains. */
static void connect_storm(struct bp *b)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(b->lport),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fds[MAX_CLIENTS];
	long before = listen_overflows();
	int64_t next = b->t_start;
	int n = 0;

	while (n < MAX_CLIENTS && wait_until(next) && next < b->t_end) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0)
			break;
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
		    errno != EINPROGRESS) {
			close(fd);
			break;
		}
		fds[n++] = fd;
		b->connects++;
		next += CONNECT_PERIOD_NS;
	}
	wait_until(b->t_end);
	/* Closed clients retry no more SYNs: the count is final from here. */
	for (int i = 0; i < n; i++)
		close(fds[i]);
	if (before >= 0)
		b->overflows = listen_overflows() - before;
}

static void *helper_main(void *arg)
{
	struct bp *b = arg;

	fl_name_thread(b->mode == ACCEPT_OVERFLOW ? "fl-client" :
		       b->mode == BLOCKING_WRITER ? "fl-writer" : "fl-peer");
	__atomic_store_n(&b->helper_tid, fl_gettid(), __ATOMIC_RELEASE);
	if (fl_gate_pass(&b->gate) < 0)
		return NULL;
	if (!wait_until(b->t_start))
		return NULL;
	switch (b->mode) {
	case SLOW_READER:
		peer_flood(b);
		break;
	case ACCEPT_OVERFLOW:
		connect_storm(b);
		break;
	case BLOCKING_WRITER:
		blocking_writes(b);
		break;
	default:
		/* slow-peer: hold the connection, never read */
		wait_until(b->t_end);
		break;
	}
	return NULL;
}

static int setup(struct bp *b)
{
	switch (b->mode) {
	case SLOW_READER:
	case SLOW_PEER:
	case BLOCKING_WRITER:
		if (fl_tcp_pair(&b->pair) < 0) {
			fl_fail_errno("cannot set up loopback TCP connection");
			return -1;
		}
		if (b->mode == SLOW_READER) {
			int sz = READER_RCVBUF;

			if (setsockopt(b->pair.loop_fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) < 0) {
				fl_fail_errno("slow-reader: SO_RCVBUF");
				return -1;
			}
		}
		if (b->mode == BLOCKING_WRITER) {
			struct timeval tv = { .tv_usec = WRITER_TIMEOUT_MS * 1000 };

			if (fcntl(b->pair.loop_fd, F_SETFL, 0) < 0 ||
			    setsockopt(b->pair.loop_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
				fl_fail_errno("blocking-writer: socket setup");
				return -1;
			}
		}
		return 0;
	case ACCEPT_OVERFLOW:
		b->lfd = fl_listen_loopback(0, false, true, ACCEPT_BACKLOG, &b->lport);
		if (b->lfd < 0) {
			fl_fail_errno("cannot listen on 127.0.0.1");
			return -1;
		}
		return 0;
	case SATURATE:
		for (int i = 0; i < SAT_FDS; i++) {
			b->sat_fds[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			if (b->sat_fds[i] < 0) {
				fl_fail_errno("saturate: eventfd");
				return -1;
			}
		}
		return 0;
	case FD_PRESSURE:
		return 0;
	}
	return 0;
}

/* After every thread and loop descriptor exists: fill the table up to
 * FD_HEADROOM below the lowered limit. */
static int hold_fds(struct bp *b)
{
	struct rlimit rl;
	long have;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	rl.rlim_cur = FD_LIMIT;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < FD_LIMIT)
		rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		fl_fail_errno("fd-pressure: setrlimit");
		return -1;
	}
	b->fd_limit = rl.rlim_cur;
	have = count_fds();
	b->held = calloc(FD_LIMIT, sizeof(int));
	if (have < 0 || !b->held) {
		fl_fail("fd-pressure: cannot count descriptors");
		return -1;
	}
	while (have + b->nheld < b->fd_limit - FD_HEADROOM) {
		int fd = eventfd(0, EFD_CLOEXEC);

		if (fd < 0) {
			fl_fail_errno("fd-pressure: eventfd");
			return -1;
		}
		b->held[b->nheld++] = fd;
	}
	b->fds = count_fds();
	return 0;
}

static void emit_ready(struct bp *b)
{
	struct fl_json j;
	int tids[2] = { b->loop_tid, b->helper_tid };

	fl_ready_begin(&j, b->o);
	fl_json_int(&j, "loop_tid", b->loop_tid);
	fl_json_ints(&j, "tids", tids, has_helper(b->mode) ? 2 : 1);
	if (has_helper(b->mode))
		fl_json_int(&j, b->mode == ACCEPT_OVERFLOW ? "client_tid" :
			    b->mode == BLOCKING_WRITER ? "writer_tid" : "peer_tid", b->helper_tid);
	switch (b->mode) {
	case SLOW_READER:
	case SLOW_PEER:
	case BLOCKING_WRITER:
		fl_json_int(&j, "fd", b->pair.loop_fd);
		fl_json_int(&j, "port", b->pair.loop_port);
		fl_json_int(&j, "local_port", b->pair.loop_port);
		fl_json_int(&j, "remote_port", b->pair.peer_port);
		break;
	case ACCEPT_OVERFLOW:
		fl_json_int(&j, "fd", b->lfd);
		fl_json_int(&j, "port", b->lport);
		fl_json_int(&j, "local_port", b->lport);
		fl_json_int(&j, "backlog", ACCEPT_BACKLOG);
		break;
	case FD_PRESSURE:
		fl_json_int(&j, "fds", b->fds);
		fl_json_int(&j, "fd_limit", b->fd_limit);
		break;
	case SATURATE:
		fl_json_int(&j, "fd", b->sat_fds[0]);
		fl_json_int(&j, "ready_fds", SAT_FDS);
		fl_json_int(&j, "maxevents", SAT_MAXEVENTS);
		break;
	}
	fl_json_int(&j, "start_delay_ms", b->o->start_delay_ns / FL_NS_PER_MS);
	fl_json_emit(&j);
}

static void emit_done(struct bp *b, int sig)
{
	struct fl_json j;

	fl_done_begin(&j, b->o, sig);
	fl_json_int(&j, "iterations", b->iterations);
	switch (b->mode) {
	case SLOW_READER:
		fl_json_int(&j, "reads", b->reads);
		fl_json_int(&j, "bytes_read", b->bytes_read);
		fl_json_int(&j, "bytes_sent", b->bytes_sent);
		fl_json_ms(&j, "max_rcv_ratio", b->max_rcv_ratio);
		break;
	case BLOCKING_WRITER:
		fl_json_int(&j, "sends", b->sends);
		fl_json_int(&j, "blocked_sends", b->blocked_sends);
		fl_json_int(&j, "bytes_sent", b->bytes_sent);
		fl_json_ms(&j, "send_ms", fl_ns_to_ms(b->send_ns));
		break;
	case SLOW_PEER:
		fl_json_int(&j, "writes", b->writes);
		fl_json_int(&j, "bytes_written", b->bytes_written);
		fl_json_int(&j, "partial_writes", b->partial_writes);
		fl_json_int(&j, "eagain_writes", b->eagain_writes);
		fl_json_ms(&j, "max_snd_ratio", b->max_snd_ratio);
		break;
	case ACCEPT_OVERFLOW:
		fl_json_int(&j, "connects", b->connects);
		fl_json_int(&j, "max_accept_queue", b->max_accept_queue);
		fl_json_int(&j, "accept_backlog", b->accept_backlog);
		fl_json_int(&j, "listen_overflows", b->overflows);
		break;
	case FD_PRESSURE:
		fl_json_int(&j, "fds", b->fds);
		fl_json_int(&j, "fd_limit", b->fd_limit);
		break;
	case SATURATE:
		fl_json_int(&j, "waits", b->waits);
		fl_json_int(&j, "saturated", b->saturated);
		break;
	}
	fl_json_emit(&j);
}

static void release(struct bp *b)
{
	if (b->pair.loop_fd >= 0)
		close(b->pair.loop_fd);
	if (b->pair.peer_fd >= 0)
		close(b->pair.peer_fd);
	if (b->lfd >= 0)
		close(b->lfd);
	for (int i = 0; i < SAT_FDS; i++)
		if (b->sat_fds[i] >= 0)
			close(b->sat_fds[i]);
	for (int i = 0; i < b->nheld; i++)
		close(b->held[i]);
	free(b->held);
}

int fl_run_backpressure(const struct fl_opts *o)
{
	struct bp *b;
	int sig = 0, err;

	b = calloc(1, sizeof(*b));
	if (!b) {
		fl_fail("out of memory");
		return 1;
	}
	b->o = o;
	if (!strcmp(o->scenario, "slow-reader"))
		b->mode = SLOW_READER;
	else if (!strcmp(o->scenario, "slow-peer"))
		b->mode = SLOW_PEER;
	else if (!strcmp(o->scenario, "blocking-writer"))
		b->mode = BLOCKING_WRITER;
	else if (!strcmp(o->scenario, "accept-overflow"))
		b->mode = ACCEPT_OVERFLOW;
	else if (!strcmp(o->scenario, "fd-pressure"))
		b->mode = FD_PRESSURE;
	else
		b->mode = SATURATE;
	b->pair.loop_fd = b->pair.peer_fd = b->lfd = -1;
	for (int i = 0; i < SAT_FDS; i++)
		b->sat_fds[i] = -1;
	fl_gate_init(&b->gate);
	if (setup(b) < 0)
		goto done;

	atomic_store(&b->running, 1);
	err = pthread_create(&b->loop, NULL, loop_main, b);
	if (err) {
		atomic_store(&b->running, 0);
		errno = err;
		fl_fail_errno("cannot create loop thread");
		goto done;
	}
	b->loop_started = true;
	if (has_helper(b->mode)) {
		err = pthread_create(&b->helper, NULL, helper_main, b);
		if (err) {
			errno = err;
			fl_fail_errno("cannot create helper thread");
			goto done;
		}
		b->helper_started = true;
		while (!__atomic_load_n(&b->helper_tid, __ATOMIC_ACQUIRE))
			fl_sleep_ns(FL_NS_PER_MS);
	}
	if (!fl_gate_wait_all(&b->gate, 1, SETUP_TIMEOUT_NS)) {
		if (!fl_stopping())
			fl_fail("loop thread did not come up within 10 s");
		goto done;
	}
	if (b->mode == FD_PRESSURE && hold_fds(b) < 0)
		goto done;
	emit_ready(b);
	b->t_start = fl_now_ns() + o->start_delay_ns;
	b->t_end = b->t_start + o->duration_ns;
	b->t_linger = b->t_end + (b->mode == ACCEPT_OVERFLOW ? LINGER_NS : 0);
	fl_gate_open(&b->gate);
	sig = fl_supervise(b->t_linger + FL_NS_PER_S, &b->running);
done:
	fl_request_stop();
	if (b->loop_started)
		pthread_join(b->loop, NULL);
	if (b->helper_started)
		pthread_join(b->helper, NULL);
	emit_done(b, sig);
	release(b);
	free(b);
	return fl_exit_status();
}
