// SPDX-License-Identifier: GPL-2.0
/*
 * The retry-storm judge (agent/model/storm.h) and the ephemeral ports fold
 * (agent/model/ports.h) on synthetic sequences: 50 clients retrying in step
 * with exact doubling give one retry_storm per interval with the peak at
 * all of them and backoff "exponential"; the same clients with full jitter
 * give none; one client retrying gives none; attempts and failures are the
 * map's differences, a reused pid counted from zero; ports at 90 % of the
 * range warn, below do not, stale tuples are handed back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "model/model.h"
#include "model/ports.h"
#include "model/storm.h"

#define MS 1000000ull

static const struct lw_storm_cfg cfg = { .sync_ratio = 0.5, .min_clients = 10 };

static void attempt(struct lw_storm_state *st, uint64_t ts, uint32_t pid, uint32_t tid,
		    uint64_t sk, uint16_t port)
{
	struct lw_cn_event e;

	memset(&e, 0, sizeof(e));
	e.hdr.type = LW_EV_CONNECT;
	e.hdr.ts_ns = ts;
	e.hdr.pid = pid;
	e.hdr.tid = tid;
	strcpy(e.hdr.comm, "client");
	e.family = AF_INET;
	e.port = port;
	e.addr[0] = 127;
	e.addr[3] = 1;
	e.sk = sk;
	assert_int_equal(lw_storm_add(st, &e), 0);
}

/* The map as the probes would hold it: running totals of one pid. */
static struct lw_cn_snap *totals(uint32_t pid, uint64_t start, uint16_t port, uint64_t att,
				 uint64_t fail)
{
	struct lw_cn_snap *s = calloc(1, sizeof(*s));

	s->key.pid = pid;
	s->key.family = AF_INET;
	s->key.port = port;
	s->key.addr[0] = 127;
	s->key.addr[3] = 1;
	s->c.start_time = start;
	s->c.attempts = att;
	s->c.failures = fail;
	return s;
}

/* Rounds of n clients at t0 + base * (2^k - 1), one interval per call. */
static void storm_rounds(bool jitter, unsigned int n, size_t *storms, struct lw_storm *last)
{
	struct lw_storm_state st = { 0 };
	struct lw_model m;
	uint64_t att = 0;
	unsigned int seed = 7;

	lw_model_init(&m);
	*storms = 0;
	for (int iv = 0; iv < 4; iv++) {
		/* one round per interval: 200, 400, 800 ms apart */
		for (unsigned int c = 0; c < n; c++) {
			uint64_t when = (uint64_t)((1u << iv) - 1) * 200 * MS;

			if (jitter)
				when += (uint64_t)(rand_r(&seed) % (200u << iv)) * MS;
			else
				when += c * 100000ull;	/* 0.1 ms apart: threads waking together */
			attempt(&st, 1000 * MS + when, 100, 1000 + c, att + c + 1, 8080);
		}
		att += n;
		assert_int_equal(lw_storm_interval(&st, &m, totals(100, 5, 8080, att, att), 1, &cfg), 0);
		*storms += st.nout;
		if (st.nout)
			*last = st.out[0];
		lw_model_end_interval(&m);
	}
	lw_storm_free(&st);
	lw_model_free(&m);
}

static void in_step_is_a_storm(void **state)
{
	struct lw_storm s = { 0 };
	size_t storms;

	(void)state;
	storm_rounds(false, 50, &storms, &s);
	assert_int_equal(storms, 4);
	assert_int_equal(s.peak_20ms, 50);
	assert_int_equal(s.clients, 50);
	assert_int_equal(s.attempts, 50);
	assert_int_equal(s.failures, 50);
	assert_int_equal(s.processes, 1);
	assert_int_equal(s.sockets, 50);
	assert_true(s.synchrony > 0.99);
	assert_string_equal(s.remote, "127.0.0.1:8080");
	assert_int_equal(s.pid, 100);
	/* by the third round every client has two waits, the second twice the first */
	assert_int_equal(s.backoff, LW_BACKOFF_EXPONENTIAL);
}

static void full_jitter_is_none(void **state)
{
	struct lw_storm s = { 0 };
	size_t storms;

	(void)state;
	storm_rounds(true, 50, &storms, &s);
	assert_int_equal(storms, 0);
}

static void one_client_is_none(void **state)
{
	struct lw_storm s = { 0 };
	size_t storms;

	(void)state;
	storm_rounds(false, 1, &storms, &s);
	assert_int_equal(storms, 0);
}

static void peak_is_a_sliding_window(void **state)
{
	struct lw_storm_state st = { 0 };
	struct lw_model m;

	(void)state;
	lw_model_init(&m);
	/* 12 clients at 15..25 ms straddle the 20 ms boundary: one window holds them all */
	for (unsigned int c = 0; c < 12; c++)
		attempt(&st, 15 * MS + c * 900000ull, 7, 70 + c, c + 1, 443);
	/* and 12 more 30 ms later, each in a window of its own */
	for (unsigned int c = 0; c < 12; c++)
		attempt(&st, 60 * MS + c * 30 * MS, 7, 70 + c, 100 + c, 443);
	assert_int_equal(lw_storm_interval(&st, &m, totals(7, 1, 443, 24, 24), 1, &cfg), 0);
	assert_int_equal(st.nout, 1);
	assert_int_equal(st.out[0].peak_20ms, 12);
	assert_int_equal(st.out[0].clients, 12);
	assert_int_equal(st.out[0].attempts, 24);
	assert_true(lw_model_find(&m, 7)->iv.retry_storms == 1);
	lw_storm_free(&st);
	lw_model_free(&m);
}

static void counts_are_differences(void **state)
{
	struct lw_storm_state st = { 0 };
	struct lw_model m;

	(void)state;
	lw_model_init(&m);
	for (unsigned int c = 0; c < 20; c++)
		attempt(&st, 5 * MS, 9, 90 + c, c + 1, 80);
	assert_int_equal(lw_storm_interval(&st, &m, totals(9, 1, 80, 120, 100), 1, &cfg), 0);
	assert_int_equal(st.out[0].attempts, 120);
	for (unsigned int c = 0; c < 20; c++)
		attempt(&st, 1005 * MS, 9, 90 + c, 100 + c, 80);
	assert_int_equal(lw_storm_interval(&st, &m, totals(9, 1, 80, 140, 120), 1, &cfg), 0);
	assert_int_equal(st.out[0].attempts, 20);
	assert_int_equal(st.out[0].failures, 20);
	/* the pid is another process now: its totals are its own */
	for (unsigned int c = 0; c < 20; c++)
		attempt(&st, 2005 * MS, 9, 90 + c, 200 + c, 80);
	assert_int_equal(lw_storm_interval(&st, &m, totals(9, 2, 80, 20, 20), 1, &cfg), 0);
	assert_int_equal(st.out[0].attempts, 20);
	/* no failure: clients in step that get in are no storm */
	for (unsigned int c = 0; c < 20; c++)
		attempt(&st, 3005 * MS, 9, 90 + c, 300 + c, 80);
	assert_int_equal(lw_storm_interval(&st, &m, totals(9, 2, 80, 40, 20), 1, &cfg), 0);
	assert_int_equal(st.nout, 0);
	lw_storm_free(&st);
	lw_model_free(&m);
}

static struct lw_port_snap tuple(uint64_t epoch1, uint32_t used, uint16_t lo, uint16_t hi)
{
	struct lw_port_snap s;

	memset(&s, 0, sizeof(s));
	s.key.netns = 4026531840u;
	s.key.family = AF_INET;
	s.key.port = 5000;
	s.key.laddr[0] = s.key.raddr[0] = 127;
	s.key.laddr[3] = s.key.raddr[3] = 1;
	s.u.epoch = epoch1;
	s.u.used = used;
	s.u.lo = lo;
	s.u.hi = hi;
	s.u.pid = 33;
	s.u.start_time = 3;
	strcpy(s.u.comm, "proxy");
	return s;
}

static void ports_warn_at_the_ratio(void **state)
{
	struct lw_ports_state st = { 0 };
	struct lw_port_snap s[3];
	size_t *stale, nstale;
	struct lw_model m;

	(void)state;
	lw_model_init(&m);
	s[0] = tuple(11, 17, 40000, 40019);	/* 85 % */
	s[1] = tuple(11, 18, 40000, 40019);	/* 90 % */
	s[1].key.port = 6000;
	s[2] = tuple(10, 20, 40000, 40019);	/* an older sweep's */
	s[2].key.port = 7000;
	assert_int_equal(lw_ports_apply(&st, &m, s, 3, 10, 0.9, &stale, &nstale), 0);
	assert_int_equal(st.nout, 1);
	assert_int_equal(st.out[0].used, 18);
	assert_int_equal(st.out[0].range, 20);
	assert_string_equal(st.out[0].remote, "127.0.0.1:6000");
	assert_string_equal(st.out[0].local, "127.0.0.1");
	assert_int_equal(nstale, 1);
	assert_int_equal(stale[0], 2);
	assert_true(lw_model_find(&m, 33)->iv.ports_max_ratio > 0.899);
	free(stale);
	lw_ports_free(&st);
	lw_model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_step_is_a_storm),
		cmocka_unit_test(full_jitter_is_none),
		cmocka_unit_test(one_client_is_none),
		cmocka_unit_test(peak_is_a_sliding_window),
		cmocka_unit_test(counts_are_differences),
		cmocka_unit_test(ports_warn_at_the_ratio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
