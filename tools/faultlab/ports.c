// SPDX-License-Identifier: GPL-2.0
/*
 * port-exhaust: in a network namespace of its own, ip_local_port_range is
 * shrunk to --count ports (default 20), and connections to one listener on
 * 127.0.0.1 take them: first up to 90 % of the range, held for --ms
 * (default 2500, longer than a watcher's interval), then the rest one by
 * one every --every-ms (default 100), then --extra more (default 3) that
 * fail with EADDRNOTAVAIL. The wall-clock times of reaching 90 % and of the
 * first EADDRNOTAVAIL are printed, so a watcher's warning can be placed
 * between them. Needs root (unshare).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "clock.h"
#include "faultlab.h"
#include "lifecycle.h"

#define PORTS_FIRST 40000
#define PORTS_LISTEN 5000

static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		err = -1;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		err = -1;
	close(fd);
	return err;
}

static int set_range(int lo, int hi)
{
	char buf[32];
	int fd = open("/proc/sys/net/ipv4/ip_local_port_range", O_WRONLY | O_CLOEXEC), n, err = 0;

	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%d %d\n", lo, hi);
	if (write(fd, buf, (size_t)n) != n)
		err = -1;
	close(fd);
	return err;
}

static int connect_lo(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORTS_LISTEN) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int fl_run_ports(const struct fl_opts *o)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORTS_LISTEN) };
	int n = (int)o->count, held = 0, lfd, one = 1, extra = o->extra;
	int warn_at = (9 * n + 9) / 10;	/* the first count at or above 90 % */
	long long at90 = 0, first_eaddr = 0;
	long addrnotavail = 0, other = 0, attempts = 0;
	struct fl_json j;
	int *fds;

	if (n < 2) {
		fl_fail("port-exhaust needs --count of at least 2");
		return fl_exit_status();
	}
	fds = calloc((size_t)n, sizeof(*fds));
	if (!fds) {
		fl_fail("out of memory");
		return fl_exit_status();
	}
	if (unshare(CLONE_NEWNET)) {
		fl_fail_errno("unshare(CLONE_NEWNET) (port-exhaust needs root)");
		return fl_exit_status();
	}
	if (lo_up() || set_range(PORTS_FIRST, PORTS_FIRST + n - 1)) {
		fl_fail_errno("cannot set up the namespace's loopback and port range");
		return fl_exit_status();
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 4096)) {
		fl_fail_errno("cannot listen on 127.0.0.1:%d", PORTS_LISTEN);
		return fl_exit_status();
	}
	fl_ready_begin(&j, o);
	fl_json_int(&j, "port", PORTS_LISTEN);
	fl_json_int(&j, "range_lo", PORTS_FIRST);
	fl_json_int(&j, "range_hi", PORTS_FIRST + n - 1);
	fl_json_int(&j, "ports", n);
	fl_json_int(&j, "warn_at", warn_at);
	fl_json_emit(&j);
	if (o->start_delay_ns)
		fl_sleep_ns(o->start_delay_ns);
	while (!fl_stopping() && (held < n || extra > 0)) {
		int fd = connect_lo();

		attempts++;
		if (fd >= 0) {
			int afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (afd < 0) {
				fl_fail_errno("accept4");
				close(fd);
				break;
			}
			/* the accepted side holds the listener's port, outside the range */
			fds[held++] = fd;
			(void)afd;
		} else if (fd == -EADDRNOTAVAIL) {
			if (!addrnotavail++)
				first_eaddr = wall_ms();
			extra--;
		} else {
			other++;
			extra--;
		}
		if (held == warn_at && !at90) {
			at90 = wall_ms();
			fl_sleep_ns((int64_t)(o->ms * FL_NS_PER_MS));
		} else if (held > warn_at || fd < 0) {
			fl_sleep_ns((int64_t)(o->every_ms * FL_NS_PER_MS));
		}
	}
	/* a watcher's last sweep sees the range full */
	fl_sleep_ns((int64_t)(o->every_ms * FL_NS_PER_MS) + FL_NS_PER_S);
	fl_done_begin(&j, o, 0);
	fl_json_int(&j, "ports", n);
	fl_json_int(&j, "held", held);
	fl_json_int(&j, "attempts", attempts);
	fl_json_int(&j, "addrnotavail", addrnotavail);
	fl_json_int(&j, "other_errors", other);
	fl_json_int(&j, "at_90pct_ms", at90);
	fl_json_int(&j, "first_addrnotavail_ms", first_eaddr);
	fl_json_emit(&j);
	for (int i = 0; i < held; i++)
		close(fds[i]);
	close(lfd);
	free(fds);
	return fl_exit_status();
}
