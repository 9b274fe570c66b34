// SPDX-License-Identifier: GPL-2.0
/*
 * bench echo server: the workload of the saturation benchmark. Each of K
 * loop threads runs a level-triggered epoll loop over its own SO_REUSEPORT
 * listener on 127.0.0.1 and echoes what it reads. It does nothing but system
 * calls, so it is the worst case for per-syscall tracing overhead: any real
 * server spends more time per request in its own code.
 *
 *   echo_server [--port P] [--threads K]
 *
 * Prints "port N" once listening, then serves until SIGINT/SIGTERM.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_THREADS 64
#define BATCH 64

static int listen_on(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1024)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int bound_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len))
		return -1;
	return ntohs(a.sin_port);
}

static void accept_all(int ep, int lfd)
{
	int one = 1;

	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN };

		if (c < 0)
			return;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ev.data.fd = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev))
			close(c);
	}
}

static void *serve(void *arg)
{
	int lfd = (int)(long)arg, ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event evs[BATCH], ev = { .events = EPOLLIN, .data.fd = lfd };
	char buf[16384];

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev)) {
		perror("echo_server: epoll");
		exit(1);
	}
	for (;;) {
		int n = epoll_wait(ep, evs, BATCH, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			ssize_t r;

			if (fd == lfd) {
				accept_all(ep, lfd);
				continue;
			}
			r = read(fd, buf, sizeof(buf));
			if (r > 0) {
				/* replies are small: a short write only happens to a
				 * client that stopped reading, and then it is dropped */
				if (write(fd, buf, (size_t)r) != r)
					close(fd);
			} else if (r == 0 || errno != EAGAIN) {
				close(fd);
			}
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int port = 0, threads = 1;
	pthread_t tids[MAX_THREADS];
	sigset_t set;
	int sig;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc) {
			port = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			threads = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: echo_server [--port P] [--threads K]\n");
			return 2;
		}
	}
	if (threads < 1 || threads > MAX_THREADS || port < 0 || port > 65535) {
		fprintf(stderr, "echo_server: --threads 1..%d, --port 0..65535\n", MAX_THREADS);
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (int i = 0; i < threads; i++) {
		int lfd = listen_on(port);

		if (lfd < 0) {
			fprintf(stderr, "echo_server: failed to listen on 127.0.0.1:%d: %s\n", port,
				strerror(errno));
			return 1;
		}
		port = bound_port(lfd);
		if (pthread_create(&tids[i], NULL, serve, (void *)(long)lfd)) {
			fprintf(stderr, "echo_server: failed to start a thread\n");
			return 1;
		}
	}
	printf("port %d\n", port);
	fflush(stdout);
	sigwait(&set, &sig);
	return 0;
}
