// SPDX-License-Identifier: GPL-2.0
/*
 * retry-storm: N client threads reconnect to a loopback port that refuses
 * (a bound socket that does not listen answers every SYN with a reset) for
 * --down-ms, then listens. Each client backs off exponentially from --ms:
 * with --jitter none it waits exactly base * 2^k after its k-th attempt, all
 * starting together (the storm); with --jitter full it waits a uniform
 * random time in [0, base * 2^k] before every attempt, the first too (the
 * cure). Each client counts its own attempts, refusals and the connection
 * that finally succeeds, so the agent's counts can be checked exactly.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "clock.h"
#include "faultlab.h"
#include "lifecycle.h"
#include "net.h"

#define STORM_MAX_DELAY_NS (3200 * FL_NS_PER_MS)

struct client {
	pthread_t th;
	struct storm *st;
	int idx;
	pid_t tid;
	long attempts, refused, errors;
	bool connected;
};

struct storm {
	struct fl_gate gate;
	atomic_int running;
	int port;
	int64_t base_ns;
	bool jitter;
	struct client *c;
};

static int64_t jitter_ns(unsigned int *seed, int64_t max_ns)
{
	return (int64_t)((double)rand_r(seed) / ((double)RAND_MAX + 1) * (double)max_ns);
}

static int try_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		err = -errno;
	close(fd);
	return err;
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	struct storm *st = c->st;
	unsigned int seed = 0x5eed + (unsigned int)c->idx * 7919u;
	int64_t delay = st->base_ns, next;

	c->tid = fl_gettid();
	fl_name_thread("fl-client");
	fl_gate_arrive(&st->gate);
	next = fl_gate_pass(&st->gate);
	if (next < 0)
		goto out;
	if (st->jitter)
		next += jitter_ns(&seed, st->base_ns);
	while (!fl_stopping()) {
		int err;

		fl_sleep_until_ns(next);
		if (fl_stopping())
			break;
		err = try_connect(st->port);
		c->attempts++;
		if (!err) {
			c->connected = true;
			break;
		}
		if (err == -ECONNREFUSED)
			c->refused++;
		else
			c->errors++;
		/* spaced from this attempt's deadline: exact doubling */
		next += st->jitter ? jitter_ns(&seed, 2 * delay) : delay;
		delay = delay * 2 > STORM_MAX_DELAY_NS ? STORM_MAX_DELAY_NS : delay * 2;
	}
out:
	atomic_fetch_sub(&st->running, 1);
	return NULL;
}

int fl_run_storm(const struct fl_opts *o)
{
	struct storm st = { .base_ns = (int64_t)(o->ms * FL_NS_PER_MS), .jitter = o->jitter_full };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), n = o->clients, sig = 0, started = 0;
	struct sockaddr_in a = { .sin_family = AF_INET };
	long attempts = 0, refused = 0, errors = 0, connected = 0, most = 0;
	socklen_t alen = sizeof(a);
	int64_t t0, up_at, deadline;
	struct fl_json j;
	int *tids;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen)) {
		fl_fail_errno("cannot bind a loopback port");
		return fl_exit_status();
	}
	st.port = ntohs(a.sin_port);
	st.c = calloc((size_t)n, sizeof(*st.c));
	tids = calloc((size_t)n, sizeof(*tids));
	if (!st.c || !tids) {
		fl_fail("out of memory");
		return fl_exit_status();
	}
	fl_gate_init(&st.gate);
	for (int i = 0; i < n; i++) {
		st.c[i].st = &st;
		st.c[i].idx = i;
		atomic_fetch_add(&st.running, 1);
		if (pthread_create(&st.c[i].th, NULL, client_main, &st.c[i])) {
			atomic_fetch_sub(&st.running, 1);
			fl_fail("pthread_create failed");
			break;
		}
		started++;
	}
	if (started < n || !fl_gate_wait_all(&st.gate, n, 10 * FL_NS_PER_S)) {
		fl_request_stop();
		fl_gate_open(&st.gate);
		goto join;
	}
	for (int i = 0; i < n; i++)
		tids[i] = st.c[i].tid;
	fl_ready_begin(&j, o);
	fl_json_int(&j, "port", st.port);
	fl_json_int(&j, "clients", n);
	fl_json_str(&j, "jitter", st.jitter ? "full" : "none");
	fl_json_ms(&j, "base_ms", o->ms);
	fl_json_ms(&j, "down_ms", o->down_ms);
	fl_json_ints(&j, "tids", tids, (size_t)n);
	fl_json_emit(&j);
	if (o->start_delay_ns)
		fl_sleep_ns(o->start_delay_ns);
	fl_gate_open(&st.gate);
	t0 = st.gate.t0;
	up_at = t0 + (int64_t)(o->down_ms * FL_NS_PER_MS);
	deadline = t0 + o->duration_ns;
	/* the refusing phase, then the port listens: every client gets in */
	while (!fl_stopping() && fl_now_ns() < up_at && atomic_load(&st.running))
		fl_sleep_ns(5 * FL_NS_PER_MS);
	if (listen(fd, 4096)) {
		fl_fail_errno("listen");
	} else {
		struct fl_json u;

		fl_json_begin(&u, "listening");
		fl_json_ms(&u, "at_ms", fl_ns_to_ms(fl_now_ns() - t0));
		fl_json_emit(&u);
	}
	sig = fl_supervise(deadline, &st.running);
join:
	fl_request_stop();
	for (int i = 0; i < started; i++) {
		pthread_join(st.c[i].th, NULL);
		attempts += st.c[i].attempts;
		refused += st.c[i].refused;
		errors += st.c[i].errors;
		connected += st.c[i].connected;
		if (st.c[i].attempts > most)
			most = st.c[i].attempts;
	}
	close(fd);
	fl_done_begin(&j, o, sig);
	fl_json_int(&j, "port", st.port);
	fl_json_int(&j, "clients", n);
	fl_json_int(&j, "attempts", attempts);
	fl_json_int(&j, "failures", refused + errors);
	fl_json_int(&j, "refused", refused);
	fl_json_int(&j, "other_errors", errors);
	fl_json_int(&j, "connected", connected);
	fl_json_int(&j, "most_attempts_per_client", most);
	fl_json_emit(&j);
	free(st.c);
	free(tids);
	return fl_exit_status();
}
