// SPDX-License-Identifier: GPL-2.0
/*
 * Scale workload: T loop threads holding S TCP sockets on 127.0.0.1 between
 * them (S/2 connections, both ends in the same thread's epoll set), spread
 * over as many processes as the hard RLIMIT_NOFILE demands (raising it needs
 * CAP_SYS_RESOURCE, which the hosts may withhold even from root). Every
 * thread blocks in epoll_wait; a 100 ms timerfd per thread sends one byte
 * over the next of its connections in turn, so every socket sees traffic
 * and every thread keeps iterating, the way a host full of mostly idle
 * servers looks.
 *
 *   scale [--threads T] [--sockets S] [--seconds D]
 *
 * Prints "ready threads=T sockets=S pids=P,P.." once every process has all its
 * connections and threads, and "done" at the end.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* connections per listening port stay well inside the ephemeral port range */
#define CONNS_PER_PORT 20000

struct worker {
	pthread_t th;
	int *fds;		/* pairs: [2i] client end, [2i+1] server end */
	int nconns;
};

static atomic_int stop;

static int listen_any(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4096))
		return -1;
	return fd;
}

static int connect_pair(int lfd, int out[2])
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (getsockname(lfd, (struct sockaddr *)&a, &len))
		return -1;
	out[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (out[0] < 0 || connect(out[0], (struct sockaddr *)&a, sizeof(a)))
		return -1;
	out[1] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (out[1] < 0)
		return -1;
	/* reset on close: 50,000 TIME_WAIT entries would outlive the run */
	setsockopt(out[0], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	return 0;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct itimerspec its = { .it_interval.tv_nsec = 100000000, .it_value.tv_nsec = 100000000 };
	int ep = epoll_create1(EPOLL_CLOEXEC), tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = tfd }, evs[64];
	int next = 0;
	char buf[64];

	if (ep < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev))
		return NULL;
	for (int i = 0; i < 2 * w->nconns; i++) {
		ev.data.fd = w->fds[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, w->fds[i], &ev);
	}
	while (!atomic_load(&stop)) {
		int n = epoll_wait(ep, evs, 64, 200);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == tfd) {
				uint64_t ticks;

				if (read(tfd, &ticks, sizeof(ticks)) < 0)
					continue;
				if (w->nconns && write(w->fds[2 * next], "x", 1) < 0)
					continue;
				if (w->nconns)
					next = (next + 1) % w->nconns;
				continue;
			}
			if (read(fd, buf, sizeof(buf)) < 0)
				continue;
		}
	}
	close(ep);
	close(tfd);
	return NULL;
}

/* One process's share: its sockets, its threads, until the deadline. Writes
 * one byte to ready_fd when set up, exits 0 or 1. */
static int worker(int nthreads, int nsockets, double seconds, int ready_fd)
{
	int nlisten, *lfds, *fds, ready = 0;
	struct worker *w;
	pthread_attr_t attr;

	nlisten = nsockets / 2 / CONNS_PER_PORT + 1;
	lfds = calloc((size_t)nlisten, sizeof(*lfds));
	fds = calloc((size_t)nsockets + 2, sizeof(*fds));
	w = calloc((size_t)nthreads, sizeof(*w));
	if (!lfds || !fds || !w)
		return 1;
	for (int i = 0; i < nlisten; i++) {
		lfds[i] = listen_any();
		if (lfds[i] < 0) {
			fprintf(stderr, "scale: failed to listen: %s\n", strerror(errno));
			return 1;
		}
	}
	for (int c = 0; c < nsockets / 2; c++) {
		if (connect_pair(lfds[c / CONNS_PER_PORT], &fds[2 * c])) {
			fprintf(stderr, "scale: failed to connect pair %d: %s\n", c, strerror(errno));
			return 1;
		}
	}
	/* contiguous slices of the pairs, one per thread */
	for (int t = 0, c = 0; t < nthreads; t++) {
		int n = nsockets / 2 / nthreads + (t < nsockets / 2 % nthreads);

		w[t].fds = &fds[2 * c];
		w[t].nconns = n;
		c += n;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (int t = 0; t < nthreads; t++) {
		if (pthread_create(&w[t].th, &attr, run, &w[t])) {
			fprintf(stderr, "scale: failed to start thread %d\n", t);
			return 1;
		}
		ready++;
	}
	if (write(ready_fd, "r", 1) != 1)
		return 1;
	usleep((useconds_t)(seconds * 1e6));
	atomic_store(&stop, 1);
	for (int t = 0; t < ready; t++)
		pthread_join(w[t].th, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	int nthreads = 1000, nsockets = 100000, nprocs, pipefd[2], failed = 0;
	double seconds = 10;
	struct rlimit rl;
	pid_t *pids;
	char c;

	for (int i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			goto usage;
		if (!strcmp(argv[i], "--threads"))
			nthreads = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--sockets"))
			nsockets = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else
			goto usage;
	}
	if (nthreads < 1 || nthreads > 100000 || nsockets < 0 || nsockets > 1000000 || seconds <= 0)
		goto usage;
	nsockets &= ~1;
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_max < 1024) {
		fprintf(stderr, "scale: RLIMIT_NOFILE too low\n");
		return 1;
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	/* each thread holds an epoll fd and a timerfd; keep 256 spare */
	nprocs = (int)(((rlim_t)nsockets + 2 * (rlim_t)nthreads + rl.rlim_max - 257) /
		       (rl.rlim_max - 256));
	if (nprocs > nthreads)
		nprocs = nthreads;
	pids = calloc((size_t)nprocs, sizeof(*pids));
	if (!pids || pipe(pipefd))
		return 1;
	for (int p = 0; p < nprocs; p++) {
		int t = nthreads / nprocs + (p < nthreads % nprocs);
		int s = (nsockets / 2 / nprocs + (p < nsockets / 2 % nprocs)) * 2;

		pids[p] = fork();
		if (pids[p] < 0)
			return 1;
		if (!pids[p]) {
			close(pipefd[0]);
			_exit(worker(t, s, seconds, pipefd[1]));
		}
	}
	close(pipefd[1]);
	for (int p = 0; p < nprocs; p++) {
		if (read(pipefd[0], &c, 1) != 1) {
			fprintf(stderr, "scale: a worker failed to set up\n");
			failed = 1;
			break;
		}
	}
	if (!failed) {
		printf("ready threads=%d sockets=%d procs=%d pids=", nthreads, nsockets, nprocs);
		for (int p = 0; p < nprocs; p++)
			printf("%s%d", p ? "," : "", (int)pids[p]);
		printf("\n");
		fflush(stdout);
	}
	for (int p = 0; p < nprocs; p++) {
		int st;

		if (failed)
			kill(pids[p], SIGTERM);
		if (waitpid(pids[p], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			failed = 1;
	}
	printf("done %s\n", failed ? "failed" : "ok");
	return failed;
usage:
	fprintf(stderr, "usage: scale [--threads T] [--sockets S] [--seconds D]\n");
	return 2;
}
