// SPDX-License-Identifier: GPL-2.0
/*
 * Delayed DNS responder thread "fl-dns" (see dns_responder.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "dns_responder.h"
#include "lifecycle.h"
#include "net.h"

#define DNS_HDR 12

/*
 * Build a NOERROR reply with one A record for the question in q. Only the
 * header and question are echoed: any EDNS OPT record in the additional
 * section is dropped, which a resolver accepts. Returns reply length, or 0
 * if the query is not something we can answer.
 */
static size_t build_reply(const unsigned char *q, size_t qlen,
			  unsigned char *r, size_t rcap)
{
	static const unsigned char answer[] = {
		0xc0, DNS_HDR,		/* name: pointer to the question */
		0x00, 0x01,		/* type A */
		0x00, 0x01,		/* class IN */
		0x00, 0x00, 0x00, 0x00,	/* TTL 0: nothing should cache it */
		0x00, 0x04,		/* rdlength */
		127, 0, 0, 1,
	};
	size_t off = DNS_HDR;
	bool is_a;

	if (qlen < DNS_HDR || q[4] != 0 || q[5] != 1 || (q[2] & 0x80))
		return 0;
	while (off < qlen && q[off]) {
		if (q[off] > 63)
			return 0;
		off += q[off] + 1;
	}
	off += 1 + 4;		/* root label, qtype, qclass */
	if (off > qlen || off + sizeof(answer) > rcap)
		return 0;
	is_a = q[off - 4] == 0 && q[off - 3] == 1;

	memcpy(r, q, off);
	r[2] = 0x80 | (q[2] & 0x79);	/* QR, keep opcode and RD */
	r[3] = 0x80;			/* RA, RCODE 0 */
	r[6] = 0;
	r[7] = is_a ? 1 : 0;		/* ANCOUNT */
	r[8] = r[9] = r[10] = r[11] = 0;
	if (!is_a)
		return off;
	memcpy(r + off, answer, sizeof(answer));
	return off + sizeof(answer);
}

static void *dns_main(void *arg)
{
	struct fl_dns *d = arg;
	unsigned char q[1500], r[1600];

	fl_name_thread("fl-dns");
	__atomic_store_n(&d->tid, fl_gettid(), __ATOMIC_RELEASE);
	while (!fl_stopping()) {
		struct pollfd pfd = { .fd = d->fd, .events = POLLIN };
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		int64_t due;
		ssize_t n;
		size_t rlen;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = recvfrom(d->fd, q, sizeof(q), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n < 0)
			continue;
		due = fl_now_ns() + d->delay_ns;
		rlen = build_reply(q, n, r, sizeof(r));
		if (!rlen) {
			d->malformed++;
			continue;
		}
		/* The delay is the fault: the asking loop blocks this long. */
		fl_sleep_until_ns(due);
		if (sendto(d->fd, r, rlen, 0, (struct sockaddr *)&from, flen) ==
		    (ssize_t)rlen)
			d->answered++;
	}
	return NULL;
}

int fl_dns_start(struct fl_dns *d, int64_t delay_ns)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int err;

	d->started = false;
	d->delay_ns = delay_ns;
	d->answered = d->malformed = 0;
	d->tid = 0;
	d->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (d->fd < 0)
		return -1;
	if (bind(d->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		goto err;
	d->port = fl_local_port(d->fd);
	err = pthread_create(&d->thread, NULL, dns_main, d);
	if (err) {
		errno = err;
		goto err;
	}
	d->started = true;
	/* "ready" reports the tid: it must be known before we return. */
	while (!__atomic_load_n(&d->tid, __ATOMIC_ACQUIRE))
		fl_sleep_ns(FL_NS_PER_MS);
	return 0;
err:
	err = errno;
	close(d->fd);
	d->fd = -1;
	errno = err;
	return -1;
}

void fl_dns_stop(struct fl_dns *d)
{
	if (!d->started)
		return;
	pthread_join(d->thread, NULL);
	close(d->fd);
	d->started = false;
}
