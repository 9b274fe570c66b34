// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback TCP helpers (see net.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lifecycle.h"
#include "net.h"

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	return sin;
}

int fl_local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		return -1;
	return ntohs(sin.sin_port);
}

int fl_listen_loopback(int port, bool reuseport, bool nonblock, int backlog,
		       int *port_out)
{
	int type = SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0);
	struct sockaddr_in sin = loopback(port);
	int one = 1;
	int fd;

	fd = socket(AF_INET, type, 0);
	if (fd < 0)
		return -1;
	if (reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto err;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, backlog) < 0)
		goto err;
	if (port_out)
		*port_out = fl_local_port(fd);
	return fd;
err:
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	return -1;
}

int fl_connect_loopback(int port)
{
	struct sockaddr_in sin = loopback(port);
	int one = 1;
	int fd, r;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* Small request/reply exchanges: never wait on Nagle. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	do {
		r = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int fl_tcp_pair(struct fl_pair *p)
{
	struct timeval slice = { .tv_usec = 100000 };
	int one = 1;
	int lfd, e;

	p->loop_fd = p->peer_fd = -1;
	/* A backlog of 1 would be a full accept queue (ratio 1.0) for a moment:
	 * the healthy control must not look like backpressure. */
	lfd = fl_listen_loopback(0, false, false, 16, &p->loop_port);
	if (lfd < 0)
		return -1;
	/* On loopback the handshake completes into the backlog at once. */
	p->peer_fd = fl_connect_loopback(p->loop_port);
	if (p->peer_fd < 0)
		goto err;
	do {
		p->loop_fd = accept4(lfd, NULL, NULL,
				     SOCK_NONBLOCK | SOCK_CLOEXEC);
	} while (p->loop_fd < 0 && errno == EINTR);
	if (p->loop_fd < 0)
		goto err;
	setsockopt(p->loop_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* 100 ms slices: a stalled loop may take long to reply. */
	if (setsockopt(p->peer_fd, SOL_SOCKET, SO_RCVTIMEO, &slice, sizeof(slice)) < 0)
		goto err;
	p->peer_port = fl_local_port(p->peer_fd);
	close(lfd);
	return 0;
err:
	e = errno;
	if (p->peer_fd >= 0)
		close(p->peer_fd);
	close(lfd);
	p->peer_fd = -1;
	errno = e;
	return -1;
}

ssize_t fl_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(fd, p + done, len - done, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += n;
	}
	return done;
}

ssize_t fl_read_exact(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		if (fl_stopping())
			return -1;
		/* A blocking recv, not poll: the client thread must never look
		 * like a loop of its own (a thread waiting in poll is one). */
		n = recv(fd, p + done, len - done, 0);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		done += n;
	}
	return done;
}

ssize_t fl_read_drain(int fd, void *buf, size_t cap, size_t *total)
{
	ssize_t got = 0;

	for (;;) {
		ssize_t n = read(fd, buf, cap);

		if (n > 0) {
			got += n;
			if (total)
				*total += n;
			continue;
		}
		if (n == 0)
			return -1;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return got;
		return -1;
	}
}
