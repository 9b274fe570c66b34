// SPDX-License-Identifier: GPL-2.0
/*
 * The wait kinds behind fl_waiter (see waiter.h).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "clock.h"
#include "lifecycle.h"
#include "waiter.h"

#define URING_ENTRIES	32
/* user_data of our own requests; slots use their index. */
#define UD_TIMEOUT	(~0ULL)
#define UD_REMOVE	(~0ULL - 1)

static const char *const kind_names[] = {
	[FL_WAIT_EPOLL] = "epoll",
	[FL_WAIT_POLL] = "poll",
	[FL_WAIT_SELECT] = "select",
	[FL_WAIT_URING] = "io_uring",
};

const char *fl_wait_kind_name(enum fl_wait_kind k)
{
	return kind_names[k];
}

int fl_waiter_init(struct fl_waiter *w, enum fl_wait_kind kind)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->kind = kind;
	w->epfd = -1;
	switch (kind) {
	case FL_WAIT_EPOLL:
		/* CLOEXEC: forked children must not share the instance. */
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		return w->epfd < 0 ? -1 : 0;
	case FL_WAIT_URING:
		ret = io_uring_queue_init(URING_ENTRIES, &w->ring, 0);
		if (ret < 0) {
			errno = -ret;
			return -1;
		}
		w->ring_ready = true;
		w->ext_arg = w->ring.features & IORING_FEAT_EXT_ARG;
		return 0;
	default:
		return 0;
	}
}

static int slot_of(const struct fl_waiter *w, int fd)
{
	for (int i = 0; i < w->nfds; i++) {
		if (w->active[i] && w->fds[i] == fd)
			return i;
	}
	return -1;
}

int fl_waiter_add(struct fl_waiter *w, int fd, uint64_t data)
{
	int i;

	if (w->kind == FL_WAIT_EPOLL) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = data };

		return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
	}
	if (slot_of(w, fd) >= 0) {
		errno = EEXIST;
		return -1;
	}
	if (w->kind == FL_WAIT_SELECT && fd >= FD_SETSIZE) {
		errno = EBADF;
		return -1;
	}
	/* A free slot whose io_uring poll is still out waits for its CQE. */
	for (i = 0; i < w->nfds && (w->active[i] || w->armed[i]); i++)
		;
	if (i == FL_WAITER_MAX_FDS) {
		errno = ENOSPC;
		return -1;
	}
	if (i == w->nfds)
		w->nfds++;
	w->fds[i] = fd;
	w->data[i] = data;
	w->active[i] = true;
	w->armed[i] = false;
	return 0;
}

int fl_waiter_del(struct fl_waiter *w, int fd)
{
	int i;

	if (w->kind == FL_WAIT_EPOLL)
		return epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
	i = slot_of(w, fd);
	if (i < 0) {
		errno = ENOENT;
		return -1;
	}
	w->active[i] = false;
	if (w->kind == FL_WAIT_URING && w->armed[i]) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);

		/* Cancelled at the next submit; its CQE frees the slot. */
		if (sqe) {
			io_uring_prep_poll_remove(sqe, i);
			io_uring_sqe_set_data64(sqe, UD_REMOVE);
		}
	}
	return 0;
}

static uint32_t from_poll(short revents)
{
	uint32_t e = 0;

	if (revents & POLLIN)
		e |= EPOLLIN;
	if (revents & POLLERR)
		e |= EPOLLERR;
	if (revents & (POLLHUP | POLLNVAL))
		e |= EPOLLHUP;
	return e;
}

static int wait_poll(struct fl_waiter *w, struct epoll_event *ev, int max, int timeout_ms)
{
	struct pollfd pfd[FL_WAITER_MAX_FDS];
	int slot[FL_WAITER_MAX_FDS];
	int n = 0, r, out = 0;

	for (int i = 0; i < w->nfds; i++) {
		if (!w->active[i])
			continue;
		pfd[n] = (struct pollfd){ .fd = w->fds[i], .events = POLLIN };
		slot[n++] = i;
	}
	r = poll(pfd, n, timeout_ms);
	if (r <= 0)
		return r;
	for (int k = 0; k < n && out < max; k++) {
		if (!pfd[k].revents)
			continue;
		ev[out].events = from_poll(pfd[k].revents);
		ev[out++].data.u64 = w->data[slot[k]];
	}
	return out;
}

static int wait_select(struct fl_waiter *w, struct epoll_event *ev, int max, int timeout_ms)
{
	struct timeval tv = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000,
	};
	int maxfd = -1, r, out = 0;
	fd_set rd;

	FD_ZERO(&rd);
	for (int i = 0; i < w->nfds; i++) {
		if (!w->active[i])
			continue;
		FD_SET(w->fds[i], &rd);
		if (w->fds[i] > maxfd)
			maxfd = w->fds[i];
	}
	r = select(maxfd + 1, &rd, NULL, NULL, &tv);
	if (r <= 0)
		return r;
	for (int i = 0; i < w->nfds && out < max; i++) {
		if (!w->active[i] || !FD_ISSET(w->fds[i], &rd))
			continue;
		ev[out].events = EPOLLIN;
		ev[out++].data.u64 = w->data[i];
	}
	return out;
}

/* Polls are one-shot: re-arm each fd whose last one completed, so an fd
 * still readable from before completes again at once (level-triggered). */
static int uring_arm(struct fl_waiter *w)
{
	struct io_uring_sqe *sqe;
	int ret;

	for (int i = 0; i < w->nfds; i++) {
		if (!w->active[i] || w->armed[i])
			continue;
		sqe = io_uring_get_sqe(&w->ring);
		if (!sqe)
			break;
		io_uring_prep_poll_add(sqe, w->fds[i], POLLIN);
		io_uring_sqe_set_data64(sqe, i);
		w->armed[i] = true;
	}
	if (!io_uring_sq_ready(&w->ring))
		return 0;
	ret = io_uring_submit(&w->ring);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return 0;
}

static int wait_uring(struct fl_waiter *w, struct epoll_event *ev, int max, int timeout_ms)
{
	struct io_uring_getevents_arg arg = { 0 };
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0;
	int ret, out = 0;

	w->ts.tv_sec = timeout_ms / 1000;
	w->ts.tv_nsec = (long long)(timeout_ms % 1000) * FL_NS_PER_MS;
	if (!w->ext_arg && !w->timeout_out) {
		/* Before 5.11 a wait carries no timeout: a timeout request that
		 * completes at the first other completion or when it runs out. */
		struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);

		if (sqe) {
			io_uring_prep_timeout(sqe, &w->ts, 1, 0);
			io_uring_sqe_set_data64(sqe, UD_TIMEOUT);
			w->timeout_out = true;
		}
	}
	if (uring_arm(w) < 0)
		return -1;
	/* The wait itself, made here rather than through liburing's helpers,
	 * which skip the system call (or drop GETEVENTS) when completions are
	 * already in the ring: each iteration of this loop enters the kernel
	 * to wait, as a loop blocked in io_uring_enter does. */
	if (w->ext_arg) {
		arg.ts = (uint64_t)(uintptr_t)&w->ts;
		ret = io_uring_enter2(w->ring.ring_fd, 0, 1,
				      IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
				      (sigset_t *)&arg, sizeof(arg));
	} else {
		ret = io_uring_enter(w->ring.ring_fd, 0, 1, IORING_ENTER_GETEVENTS, NULL);
	}
	if (ret < 0 && ret != -ETIME) {
		errno = -ret;
		return -1;
	}
	io_uring_for_each_cqe(&w->ring, head, cqe) {
		uint64_t ud = io_uring_cqe_get_data64(cqe);

		if (out == max)
			break;
		seen++;
		if (ud == UD_TIMEOUT) {
			w->timeout_out = false;
			continue;
		}
		if (ud == UD_REMOVE || ud >= (uint64_t)w->nfds)
			continue;
		w->armed[ud] = false;
		if (!w->active[ud] || cqe->res == -ECANCELED)
			continue;
		ev[out].events = cqe->res < 0 ? EPOLLERR : from_poll(cqe->res);
		ev[out++].data.u64 = w->data[ud];
	}
	io_uring_cq_advance(&w->ring, seen);
	return out;
}

int fl_waiter_wait(struct fl_waiter *w, struct epoll_event *ev, int max, int timeout_ms)
{
	int n;

	for (;;) {
		w->waits++;
		switch (w->kind) {
		case FL_WAIT_EPOLL:
			n = epoll_wait(w->epfd, ev, max, timeout_ms);
			break;
		case FL_WAIT_POLL:
			n = wait_poll(w, ev, max, timeout_ms);
			break;
		case FL_WAIT_SELECT:
			n = wait_select(w, ev, max, timeout_ms);
			break;
		default:
			n = wait_uring(w, ev, max, timeout_ms);
			break;
		}
		if (n >= 0 || errno != EINTR)
			return n;
		if (fl_stopping())
			return 0;
	}
}

void fl_waiter_close(struct fl_waiter *w)
{
	if (w->epfd >= 0)
		close(w->epfd);
	w->epfd = -1;
	if (w->ring_ready)
		io_uring_queue_exit(&w->ring);
	w->ring_ready = false;
}
