// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback-only TCP helpers. Every address here is 127.0.0.1: faultlab
 * must never put traffic on a real interface.
 */
#ifndef FAULTLAB_NET_H
#define FAULTLAB_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Listening socket on 127.0.0.1:port (0 = ephemeral); *port_out gets it. */
int fl_listen_loopback(int port, bool reuseport, bool nonblock, int backlog,
		       int *port_out);
/* Blocking connect to 127.0.0.1:port with TCP_NODELAY. */
int fl_connect_loopback(int port);

/* An established loopback connection: loop side and peer side. */
struct fl_pair {
	int loop_fd;		/* accepted side, non-blocking, for the loop */
	int peer_fd;		/* connecting side, blocking, for the peer */
	int loop_port;		/* local port of loop_fd (the listener's) */
	int peer_port;		/* local port of peer_fd (ephemeral) */
};

/* peer_fd is blocking, with a 100 ms receive timeout (fl_read_exact). */
int fl_tcp_pair(struct fl_pair *p);

int fl_local_port(int fd);

/* Blocking full write (EINTR-safe, no SIGPIPE). */
ssize_t fl_write_all(int fd, const void *buf, size_t len);
/*
 * Read exactly len bytes from a blocking socket with a receive timeout
 * (fl_tcp_pair gives peer_fd one), so that fl_stop is honoured between
 * slices. Returns len, 0 on EOF, -1 on error or stop.
 */
ssize_t fl_read_exact(int fd, void *buf, size_t len);
/* Read until EAGAIN; returns bytes read, or -1 on EOF/error. */
ssize_t fl_read_drain(int fd, void *buf, size_t cap, size_t *total);

#endif
