// SPDX-License-Identifier: GPL-2.0
/*
 * Per-call cost: one thread runs loop iterations of write(eventfd) +
 * epoll_wait(timeout 0) + read(eventfd), the cheapest possible event loop,
 * so what tracing adds per call stands out.
 *
 *   percall [--iterations N]          as fast as it can; prints ns_per_iter
 *   percall --rate R --seconds S      paced: blocks in epoll_wait on a 1 ms
 *                                     timerfd, then runs R/1000 iterations;
 *                                     prints the iterations done
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One iteration; returns the events epoll_wait handed back. */
static int iterate(int ep, int efd)
{
	struct epoll_event ev;
	uint64_t one = 1, v;
	int n;

	if (write(efd, &one, sizeof(one)) != sizeof(one))
		return -1;
	n = epoll_wait(ep, &ev, 1, 0);
	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return -1;
	return n;
}

static int paced(int ep, int efd, double rate, double seconds)
{
	struct itimerspec its = { .it_interval.tv_nsec = 1000000, .it_value.tv_nsec = 1000000 };
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 1 }, got;
	uint64_t end = now_ns() + (uint64_t)(seconds * 1e9), done = 0, want = 0, ticks;
	uint64_t t0 = now_ns();

	if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) || epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev))
		return 1;
	while (now_ns() < end) {
		/* the blocking wait of a real loop; the timer keeps the pace */
		if (epoll_wait(ep, &got, 1, 100) < 0 && errno != EINTR)
			return 1;
		if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
			return 1;
		done++;
		want = (uint64_t)(rate * (double)(now_ns() - t0) / 1e9);
		while (done < want) {
			if (iterate(ep, efd) < 0)
				return 1;
			done++;
		}
	}
	printf("iterations=%llu seconds=%.3f rate=%.0f\n", (unsigned long long)done, seconds,
	       (double)done / ((double)(now_ns() - t0) / 1e9));
	return 0;
}

int main(int argc, char **argv)
{
	long iterations = 1000000;
	double rate = 0, seconds = 5;
	struct epoll_event ev = { .events = EPOLLIN };
	int ep, efd;
	uint64_t t0, t1;

	for (int i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			goto usage;
		if (!strcmp(argv[i], "--iterations"))
			iterations = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--rate"))
			rate = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else
			goto usage;
	}
	if (iterations < 1 || rate < 0 || seconds <= 0)
		goto usage;
	ep = epoll_create1(EPOLL_CLOEXEC);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ep < 0 || efd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev)) {
		perror("percall: setup");
		return 1;
	}
	if (rate > 0)
		return paced(ep, efd, rate, seconds);
	/* warm caches and the thread's entry in any tracer's maps */
	for (int i = 0; i < 10000; i++)
		iterate(ep, efd);
	t0 = now_ns();
	for (long i = 0; i < iterations; i++) {
		if (iterate(ep, efd) != 1) {
			fprintf(stderr, "percall: epoll_wait did not see the eventfd\n");
			return 1;
		}
	}
	t1 = now_ns();
	printf("iterations=%ld ns_per_iter=%.1f\n", iterations, (double)(t1 - t0) / (double)iterations);
	return 0;
usage:
	fprintf(stderr, "usage: percall [--iterations N] | --rate R [--seconds S]\n");
	return 2;
}
