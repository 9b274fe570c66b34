// SPDX-License-Identifier: GPL-2.0
/*
 * bench load generator: C connections to 127.0.0.1:PORT, each with exactly
 * one request of B bytes in flight (closed loop), so the server is saturated
 * whenever C exceeds what one round trip hides. Latency is measured per
 * request from the send to the last byte of the echo.
 *
 *   echo_load --port P [--conns C] [--size B] [--seconds S] [--warmup-ms W]
 *
 * Prints one line: requests, all_requests (warm-up included), seconds, rps,
 * p50_us, p99_us, max_us. Figures other than all_requests leave out the
 * requests that completed during the warm-up.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 4096
#define MAX_SIZE 4096
/* 1 us buckets up to 1 s; slower requests land in the last one */
#define HIST_US 1000000

struct conn {
	int fd;
	size_t got;
	uint64_t sent_ns;
};

static uint32_t hist[HIST_US + 1];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double quantile_us(uint64_t total, double q)
{
	uint64_t want = (uint64_t)((double)total * q), seen = 0;

	if (want >= total)
		want = total - 1;
	for (uint32_t i = 0; i <= HIST_US; i++) {
		seen += hist[i];
		if (seen > want)
			return (double)i;
	}
	return (double)HIST_US;
}

static int dial(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

int main(int argc, char **argv)
{
	int port = 0, nconns = 64, size = 64, ep;
	double seconds = 5, warmup_ms = 500;
	static struct conn conns[MAX_CONNS];
	static struct epoll_event evs[MAX_CONNS];
	static char req[MAX_SIZE], buf[MAX_SIZE];
	uint64_t t0, start, end, total = 0, all = 0, max_ns = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			goto usage;
		if (!strcmp(a, "--port"))
			port = atoi(v);
		else if (!strcmp(a, "--conns"))
			nconns = atoi(v);
		else if (!strcmp(a, "--size"))
			size = atoi(v);
		else if (!strcmp(a, "--seconds"))
			seconds = atof(v);
		else if (!strcmp(a, "--warmup-ms"))
			warmup_ms = atof(v);
		else
			goto usage;
		i++;
	}
	if (port <= 0 || port > 65535 || nconns < 1 || nconns > MAX_CONNS || size < 1 ||
	    size > MAX_SIZE || seconds <= 0 || warmup_ms < 0)
		goto usage;

	memset(req, 'x', sizeof(req));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return 1;
	for (int i = 0; i < nconns; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };

		conns[i].fd = dial(port);
		if (conns[i].fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev)) {
			fprintf(stderr, "echo_load: failed to connect to 127.0.0.1:%d: %s\n", port,
				strerror(errno));
			return 1;
		}
	}
	t0 = now_ns();
	start = t0 + (uint64_t)(warmup_ms * 1e6);
	end = start + (uint64_t)(seconds * 1e9);
	for (int i = 0; i < nconns; i++) {
		conns[i].sent_ns = now_ns();
		if (write(conns[i].fd, req, (size_t)size) != size)
			return 1;
	}
	for (;;) {
		int n = epoll_wait(ep, evs, nconns, 1000);
		uint64_t now = now_ns();

		if (n < 0 && errno != EINTR) {
			perror("echo_load: epoll_wait");
			return 1;
		}
		if (now >= end)
			break;
		for (int i = 0; i < n; i++) {
			struct conn *c = &conns[evs[i].data.u32];
			ssize_t r = read(c->fd, buf, (size_t)size - c->got);

			if (r <= 0) {
				fprintf(stderr, "echo_load: the server closed a connection\n");
				return 1;
			}
			c->got += (size_t)r;
			if (c->got < (size_t)size)
				continue;
			all++;
			if (now >= start) {
				uint64_t ns = now - c->sent_ns, us = ns / 1000;

				hist[us < HIST_US ? us : HIST_US]++;
				total++;
				if (ns > max_ns)
					max_ns = ns;
			}
			c->got = 0;
			c->sent_ns = now_ns();
			if (write(c->fd, req, (size_t)size) != size) {
				fprintf(stderr, "echo_load: short write\n");
				return 1;
			}
		}
	}
	if (!total) {
		fprintf(stderr, "echo_load: no request completed\n");
		return 1;
	}
	printf("requests=%llu all_requests=%llu seconds=%.3f rps=%.0f p50_us=%.0f p99_us=%.0f max_us=%.0f\n",
	       (unsigned long long)total, (unsigned long long)all, seconds, (double)total / seconds,
	       quantile_us(total, 0.50), quantile_us(total, 0.99), (double)max_ns / 1000.0);
	return 0;
usage:
	fprintf(stderr, "usage: echo_load --port P [--conns C] [--size B] [--seconds S] [--warmup-ms W]\n");
	return 2;
}
