// SPDX-License-Identifier: GPL-2.0
/*
 * lossy scenario: TCP over a link that loses packets, so the sender
 * retransmits. The kernel here has no sch_netem, so the loss is an nftables
 * rule ("numgen random mod 10 0 drop") in a network namespace of our own.
 *
 * Two namespaces, lwfl-<pid>-tx and lwfl-<pid>-rx, joined by a veth pair
 * with 10.253.0.1 and 10.253.0.2 and no route anywhere else: nothing of this
 * can reach a real network. A forked receiver process lives in the rx
 * namespace and reads everything; this process's loop thread joins the tx
 * namespace, connects, and streams for --send-s seconds once the start delay
 * is over. When all of it is acknowledged it prints a "sent" line (with the
 * socket's own retransmit count and the tx namespace's RetransSegs), keeps
 * the namespaces until --duration-s is over (so a test can read their
 * counters), then removes them; also on SIGINT/SIGTERM, and stale ones of
 * dead faultlab processes at start.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "faultlab.h"
#include "lifecycle.h"
#include "loop.h"

#define NETNS_DIR		"/run/netns"
#define NS_PREFIX		"lwfl-"
#define TX_ADDR			"10.253.0.1"
#define RX_ADDR			"10.253.0.2"
#define RX_PORT			7777
#define LOSS_MOD		10	/* one packet in LOSS_MOD is dropped */
#define CHUNK			65536
#define WAIT_TIMEOUT_MS		100
#define SETUP_TIMEOUT_NS	(10 * FL_NS_PER_S)
#define ACK_TIMEOUT_NS		(20 * FL_NS_PER_S)

extern char **environ;

struct lossy {
	const struct fl_opts *o;
	char tx[32], rx[32];	/* namespace names */
	char va[16], vb[16];	/* veth ends */
	bool ns_made;
	pid_t receiver;
	int fd;			/* the sender's socket */
	int local_port;
	struct fl_gate gate;
	atomic_int running;
	atomic_int sent;	/* the stream is over and acknowledged */
	int64_t t_start, t_send_end, t_end;
	pthread_t loop;
	bool loop_started;
	int loop_tid;
	/* results */
	long writes;
	long bytes;
	long unacked_at_end;
	long sock_retrans;	/* tcpi_total_retrans of the sender's socket */
	long ns_retrans_before;	/* RetransSegs of the tx namespace */
	long ns_retrans_after;
};

/* Run a command (no shell); returns its exit status or -1. */
static int run(const char *const argv[], bool quiet)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, err;

	posix_spawn_file_actions_init(&fa);
	if (quiet)
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	err = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err) {
		errno = err;
		return -1;
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int must(const char *const argv[])
{
	int rc = run(argv, false);

	if (rc) {
		char cmd[512] = "";

		for (int i = 0; argv[i]; i++) {
			strncat(cmd, argv[i], sizeof(cmd) - strlen(cmd) - 2);
			strncat(cmd, " ", sizeof(cmd) - strlen(cmd) - 1);
		}
		fl_fail("lossy: '%s' failed (status %d)", cmd, rc);
		return -1;
	}
	return 0;
}

static void ns_delete(const char *name)
{
	const char *argv[] = { "ip", "netns", "delete", name, NULL };

	run(argv, true);
}

/* Namespaces left by a faultlab that was killed before it could clean up. */
static void remove_stale(void)
{
	DIR *d = opendir(NETNS_DIR);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char proc[64];
		int pid;

		if (strncmp(de->d_name, NS_PREFIX, strlen(NS_PREFIX)) ||
		    sscanf(de->d_name + strlen(NS_PREFIX), "%d-", &pid) != 1)
			continue;
		snprintf(proc, sizeof(proc), "/proc/%d", pid);
		if (access(proc, F_OK) == 0)
			continue;
		ns_delete(de->d_name);
	}
	closedir(d);
}

static int ns_setup(struct lossy *l)
{
	const char *c1[] = { "ip", "netns", "add", l->tx, NULL };
	const char *c2[] = { "ip", "netns", "add", l->rx, NULL };

	/* from here on, teardown deletes both (a missing one quietly) */
	l->ns_made = true;
	if (must(c1) || must(c2))
		return -1;
	{
		/* Both ends are created inside their namespaces: the pair never
		 * exists in ours, even for a moment. */
		const char *c[] = { "ip", "-n", l->tx, "link", "add", l->va, "type", "veth",
				    "peer", "name", l->vb, "netns", l->rx, NULL };
		const char *a1[] = { "ip", "-n", l->tx, "addr", "add", TX_ADDR "/24", "dev", l->va, NULL };
		const char *a2[] = { "ip", "-n", l->rx, "addr", "add", RX_ADDR "/24", "dev", l->vb, NULL };
		const char *u1[] = { "ip", "-n", l->tx, "link", "set", l->va, "up", NULL };
		const char *u2[] = { "ip", "-n", l->rx, "link", "set", l->vb, "up", NULL };
		const char *u3[] = { "ip", "-n", l->tx, "link", "set", "lo", "up", NULL };
		const char *u4[] = { "ip", "-n", l->rx, "link", "set", "lo", "up", NULL };

		if (must(c) || must(a1) || must(a2) || must(u1) || must(u2) || must(u3) || must(u4))
			return -1;
	}
	return 0;
}

/* The loss starts once the connection is up, so set-up is not slowed by
 * lost SYNs; only data towards the receiver is dropped. */
static int ns_lose(struct lossy *l)
{
	char rule[128];
	const char *t[] = { "ip", "netns", "exec", l->rx, "nft", "add", "table", "inet", "lwfl", NULL };
	const char *c[] = { "ip", "netns", "exec", l->rx, "nft", "add", "chain", "inet", "lwfl", "input",
			    "{ type filter hook input priority 0 ; }", NULL };
	const char *r[] = { "ip", "netns", "exec", l->rx, "nft", "add", "rule", "inet", "lwfl", "input",
			    rule, NULL };

	snprintf(rule, sizeof(rule), "tcp dport %d numgen random mod %d 0 drop", RX_PORT, LOSS_MOD);
	return must(t) || must(c) || must(r) ? -1 : 0;
}

static void ns_teardown(struct lossy *l)
{
	if (!l->ns_made)
		return;
	/* Deleting a namespace takes its veth end, the pair and the rules. */
	ns_delete(l->tx);
	ns_delete(l->rx);
	l->ns_made = false;
}

static int enter_ns(const char *name)
{
	char path[128];
	int fd, rc;

	snprintf(path, sizeof(path), NETNS_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	return rc;
}

/* RetransSegs of the calling thread's network namespace. */
static long ns_retrans_segs(void)
{
	char hdr[1024], val[1024];
	long v = -1;
	FILE *f = fopen("/proc/thread-self/net/snmp", "re");

	if (!f)
		return -1;
	while (fgets(hdr, sizeof(hdr), f) && fgets(val, sizeof(val), f)) {
		char *hs, *vs, *h, *x;

		if (strncmp(hdr, "Tcp:", 4))
			continue;
		h = strtok_r(hdr, " \n", &hs);
		x = strtok_r(val, " \n", &vs);
		while (h && x) {
			if (!strcmp(h, "RetransSegs"))
				v = atol(x);
			h = strtok_r(NULL, " \n", &hs);
			x = strtok_r(NULL, " \n", &vs);
		}
	}
	fclose(f);
	return v;
}

/* The receiver: a process of its own in the rx namespace, reading all. */
static void receiver_main(struct lossy *l, pid_t parent, int ready_fd)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(RX_PORT) };
	static char buf[CHUNK];
	int one = 1, lfd, c;
	char ok = 1;

	fl_signals_child();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	inet_pton(AF_INET, RX_ADDR, &sin.sin_addr);
	lfd = -1;
	if (enter_ns(l->rx) == 0)
		lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(lfd, 1) < 0)
		ok = 0;
	if (write(ready_fd, &ok, 1) != 1 || !ok)
		_exit(1);
	close(ready_fd);
	c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (c >= 0 && !fl_stopping()) {
		ssize_t n = read(c, buf, sizeof(buf));

		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
	_exit(0);
}

static int start_receiver(struct lossy *l)
{
	pid_t parent = getpid();
	int p[2];
	char ok = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);	/* nothing buffered may be duplicated */
	l->receiver = fork();
	if (l->receiver < 0) {
		fl_fail_errno("lossy: fork");
		return -1;
	}
	if (l->receiver == 0) {
		close(p[0]);
		receiver_main(l, parent, p[1]);
	}
	close(p[1]);
	if (read(p[0], &ok, 1) != 1 || !ok) {
		fl_fail("lossy: the receiver could not listen in %s", l->rx);
		close(p[0]);
		return -1;
	}
	close(p[0]);
	return 0;
}

static int sender_connect(struct lossy *l)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(RX_PORT) };
	int fd;

	inet_pton(AF_INET, RX_ADDR, &sin.sin_addr);
	if (enter_ns(l->tx) < 0)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		close(fd);
		return -1;
	}
	{
		struct sockaddr_in me;
		socklen_t len = sizeof(me);

		getsockname(fd, (struct sockaddr *)&me, &len);
		l->local_port = ntohs(me.sin_port);
	}
	return fd;
}

static long outq(int fd)
{
	int n = 0;

	return ioctl(fd, SIOCOUTQ, &n) == 0 ? n : -1;
}

static void emit_sent(struct lossy *l)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	struct fl_json j;

	if (getsockopt(l->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0)
		l->sock_retrans = ti.tcpi_total_retrans;
	l->ns_retrans_after = ns_retrans_segs();
	fl_json_begin(&j, "sent");
	fl_json_int(&j, "pid", getpid());
	fl_json_int(&j, "bytes", l->bytes);
	fl_json_int(&j, "unacked", l->unacked_at_end);
	fl_json_int(&j, "socket_retransmits", l->sock_retrans);
	fl_json_int(&j, "ns_retrans_segs", l->ns_retrans_after - l->ns_retrans_before);
	fl_json_emit(&j);
}

static void *loop_main(void *arg)
{
	struct lossy *l = arg;
	static char buf[CHUNK];
	struct epoll_event ev[4];
	bool streaming = true;
	int64_t ack_deadline = 0;
	int ep;

	l->loop_tid = fl_gettid();
	memset(buf, 's', sizeof(buf));
	/* This thread alone moves into the tx namespace. */
	l->fd = sender_connect(l);
	ep = fl_epoll_new();
	if (l->fd < 0 || ep < 0 || fl_epoll_add(ep, l->fd, EPOLLOUT, 0) < 0) {
		fl_fail_errno("lossy: cannot connect to " RX_ADDR " in %s", l->tx);
		goto out;
	}
	fl_gate_arrive(&l->gate);
	if (fl_gate_pass(&l->gate) < 0)
		goto out;
	l->ns_retrans_before = ns_retrans_segs();

	/* The run lasts --duration-s, longer if the last data is still being
	 * retransmitted (bounded by ACK_TIMEOUT_NS). */
	while (!fl_stopping() && (fl_now_ns() < l->t_end || !atomic_load(&l->sent))) {
		int64_t now = fl_now_ns();
		int n;

		if (streaming && now >= l->t_send_end) {
			streaming = false;
			ack_deadline = now + ACK_TIMEOUT_NS;
			epoll_ctl(ep, EPOLL_CTL_DEL, l->fd, NULL);
		}
		if (!streaming && !atomic_load(&l->sent)) {
			l->unacked_at_end = outq(l->fd);
			if (l->unacked_at_end == 0 || now >= ack_deadline) {
				emit_sent(l);
				atomic_store(&l->sent, 1);
			}
		}
		n = fl_epoll_wait(ep, ev, 4, streaming && now >= l->t_start ? WAIT_TIMEOUT_MS : 10);
		if (n < 0) {
			fl_fail_errno("lossy: epoll_wait");
			break;
		}
		if (!streaming || fl_now_ns() < l->t_start)
			continue;
		for (int i = 0; i < n; i++) {
			ssize_t w = send(l->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);

			l->writes++;
			if (w > 0)
				l->bytes += w;
			else if (w < 0 && errno != EAGAIN && errno != EINTR)
				fl_fail_errno("lossy: send");
		}
	}
out:
	if (ep >= 0)
		close(ep);
	atomic_fetch_sub(&l->running, 1);
	return NULL;
}

static void emit_ready(struct lossy *l)
{
	struct fl_json j;

	fl_ready_begin(&j, l->o);
	fl_json_int(&j, "loop_tid", l->loop_tid);
	fl_json_ints(&j, "tids", &l->loop_tid, 1);
	fl_json_int(&j, "receiver_pid", l->receiver);
	fl_json_int(&j, "fd", l->fd);
	fl_json_int(&j, "local_port", l->local_port);
	fl_json_int(&j, "remote_port", RX_PORT);
	fl_json_str(&j, "remote_addr", RX_ADDR);
	fl_json_str(&j, "netns_tx", l->tx);
	fl_json_str(&j, "netns_rx", l->rx);
	fl_json_int(&j, "loss_one_in", LOSS_MOD);
	fl_json_ms(&j, "send_s", (double)l->o->send_ns / FL_NS_PER_S);
	fl_json_int(&j, "start_delay_ms", l->o->start_delay_ns / FL_NS_PER_MS);
	fl_json_emit(&j);
}

static void emit_done(struct lossy *l, int sig)
{
	struct fl_json j;

	fl_done_begin(&j, l->o, sig);
	fl_json_int(&j, "writes", l->writes);
	fl_json_int(&j, "bytes", l->bytes);
	fl_json_bool(&j, "acknowledged", l->unacked_at_end == 0);
	fl_json_int(&j, "socket_retransmits", l->sock_retrans);
	fl_json_int(&j, "ns_retrans_segs", l->ns_retrans_after - l->ns_retrans_before);
	fl_json_emit(&j);
}

int fl_run_lossy(const struct fl_opts *o)
{
	struct lossy *l;
	int sig = 0, err;

	if (geteuid() != 0) {
		fl_fail("lossy: creating network namespaces needs root");
		return 1;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		fl_fail("out of memory");
		return 1;
	}
	l->o = o;
	l->fd = -1;
	snprintf(l->tx, sizeof(l->tx), NS_PREFIX "%d-tx", getpid());
	snprintf(l->rx, sizeof(l->rx), NS_PREFIX "%d-rx", getpid());
	snprintf(l->va, sizeof(l->va), "lwfl%da", getpid());
	snprintf(l->vb, sizeof(l->vb), "lwfl%db", getpid());
	fl_gate_init(&l->gate);
	remove_stale();
	/* The receiver is forked while this process still has one thread. */
	if (ns_setup(l) < 0 || start_receiver(l) < 0)
		goto done;
	atomic_store(&l->running, 1);
	err = pthread_create(&l->loop, NULL, loop_main, l);
	if (err) {
		atomic_store(&l->running, 0);
		errno = err;
		fl_fail_errno("cannot create loop thread");
		goto done;
	}
	l->loop_started = true;
	if (!fl_gate_wait_all(&l->gate, 1, SETUP_TIMEOUT_NS)) {
		if (!fl_stopping())
			fl_fail("lossy: the sender did not connect within 10 s");
		goto done;
	}
	if (ns_lose(l) < 0)
		goto done;
	emit_ready(l);
	l->t_start = fl_now_ns() + o->start_delay_ns;
	l->t_send_end = l->t_start + o->send_ns;
	l->t_end = l->t_start + o->duration_ns;
	if (l->t_end < l->t_send_end)
		l->t_end = l->t_send_end;
	fl_gate_open(&l->gate);
	/* Streaming may outlast the duration while the last data is
	 * retransmitted; the acknowledgement wait is bounded too. */
	sig = fl_supervise(l->t_end + ACK_TIMEOUT_NS, &l->running);
done:
	fl_request_stop();
	if (l->loop_started)
		pthread_join(l->loop, NULL);
	if (l->fd >= 0)
		close(l->fd);
	if (l->receiver > 0) {
		kill(l->receiver, SIGTERM);
		while (waitpid(l->receiver, NULL, 0) < 0 && errno == EINTR)
			;
	}
	ns_teardown(l);
	emit_done(l, sig);
	free(l);
	return fl_exit_status();
}
