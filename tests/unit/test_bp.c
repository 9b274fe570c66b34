// SPDX-License-Identifier: GPL-2.0
/* Backpressure aggregation and attribution on synthetic map snapshots. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "model/bp.h"
#include "model/decode.h"
#include "views/report.h"

static uint32_t dead_pid;

static bool alive_but_one(uint32_t pid, uint64_t start)
{
	(void)start;
	return pid != dead_pid;
}

static void model(struct lw_model *m)
{
	lw_model_init(m);
	m->pid_alive = alive_but_one;
	dead_pid = 0;
}

static struct lw_bp_snap *snaps(size_t n)
{
	return calloc(n, sizeof(struct lw_bp_snap));
}

static void proc(struct lw_bp_snap *s, uint32_t pid, uint64_t start)
{
	s->pid = pid;
	s->p.start_time = start;
	strcpy(s->p.comm, "srv");
}

static void apply(struct lw_bp_state *st, struct lw_model *m, struct lw_bp_snap *s, size_t n,
		  uint64_t epoch)
{
	uint32_t *dead;
	size_t ndead;

	assert_int_equal(lw_bp_apply(st, m, s, n, epoch, &dead, &ndead), 0);
	free(dead);
}

/* Counters are running totals in the map: each interval reports its share. */
static void counters_are_deltas(void **state)
{
	struct lw_bp_state st = { 0 };
	struct lw_bp_snap *a = snaps(1), *b = snaps(1);
	struct lw_model m;
	struct lw_proc *p;

	(void)state;
	model(&m);
	proc(&a[0], 10, 7);
	a[0].p.retransmits = 40;
	a[0].p.drops = 3;
	a[0].p.snd_eagain = 5;
	a[0].p.snd_partial = 2;
	a[0].p.accept_overflows = 9;
	a[0].p.mem_pressure = 1;
	a[0].p.snd_wait_ns = 250000000;
	apply(&st, &m, a, 1, 0);
	p = lw_model_find(&m, 10);
	assert_non_null(p);
	assert_true(p->iv.active);
	assert_int_equal(p->iv.retransmits, 40);
	assert_int_equal(p->iv.drops, 3);
	assert_int_equal(p->iv.snd_eagain, 5);
	assert_int_equal(p->iv.snd_partial, 2);
	assert_int_equal(p->iv.accept_overflows, 9);
	assert_int_equal(p->iv.mem_pressure, 1);
	assert_int_equal(p->iv.snd_wait_ns, 250000000);
	lw_model_end_interval(&m);

	proc(&b[0], 10, 7);
	b[0].p.retransmits = 45;
	b[0].p.drops = 3;
	b[0].p.snd_eagain = 5;
	b[0].p.snd_partial = 2;
	b[0].p.accept_overflows = 9;
	b[0].p.mem_pressure = 1;
	b[0].p.snd_wait_ns = 1250000000;
	apply(&st, &m, b, 1, 1);
	assert_int_equal(p->iv.retransmits, 5);
	assert_int_equal(p->iv.drops, 0);
	assert_int_equal(p->iv.accept_overflows, 0);
	assert_int_equal(p->iv.snd_wait_ns, 1000000000);
	lw_model_end_interval(&m);
	assert_int_equal(p->tot.retransmits, 45);
	assert_int_equal(p->tot.drops, 3);
	lw_bp_state_free(&st);
	lw_model_free(&m);
}

/* A new process on a reused pid starts from zero, not from the old totals. */
static void reused_pid_starts_over(void **state)
{
	struct lw_bp_state st = { 0 };
	struct lw_bp_snap *a = snaps(1), *b = snaps(1);
	struct lw_model m;
	struct lw_proc *p;

	(void)state;
	model(&m);
	proc(&a[0], 10, 7);
	a[0].p.retransmits = 1000;
	apply(&st, &m, a, 1, 0);
	lw_model_end_interval(&m);
	proc(&b[0], 10, 99);
	b[0].p.retransmits = 4;
	apply(&st, &m, b, 1, 1);
	p = lw_model_find(&m, 10);
	assert_non_null(p);
	assert_int_equal(p->start_time, 99);
	assert_int_equal(p->iv.retransmits, 4);
	lw_bp_state_free(&st);
	lw_model_free(&m);
}

/* High-water marks count only in the epoch that wrote them. */
static void ratios_come_from_their_epoch(void **state)
{
	struct lw_bp_state st = { 0 };
	struct lw_bp_snap *a = snaps(1);
	struct lw_model m;
	struct lw_proc *p;

	(void)state;
	model(&m);
	proc(&a[0], 10, 7);
	a[0].p.hw_epoch[1] = 3;
	a[0].p.hw[1][LW_BPQ_RCV] = 950000;
	a[0].p.hw[1][LW_BPQ_SND] = 1010000;
	a[0].p.hw[1][LW_BPQ_ACCEPT] = 1250000;
	a[0].p.hw_epoch[0] = 2;		/* the previous interval's, stale */
	a[0].p.hw[0][LW_BPQ_RCV] = 999999;
	apply(&st, &m, a, 1, 3);
	p = lw_model_find(&m, 10);
	assert_non_null(p);
	assert_float_equal(p->iv.rcvq_max_ratio, 0.95, 1e-9);
	assert_float_equal(p->iv.sndq_max_ratio, 1.01, 1e-9);
	/* the accept queue admits one more than the backlog: above 1.0 */
	assert_float_equal(p->iv.acceptq_max_ratio, 1.25, 1e-9);
	lw_model_end_interval(&m);

	/* next interval: the slot of epoch 3 is now stale */
	a = snaps(1);
	proc(&a[0], 10, 7);
	a[0].p.hw_epoch[1] = 3;
	a[0].p.hw[1][LW_BPQ_RCV] = 950000;
	apply(&st, &m, a, 1, 4);
	assert_false(p->iv.active);
	assert_float_equal(p->iv.rcvq_max_ratio, 0, 1e-9);
	lw_bp_state_free(&st);
	lw_model_free(&m);
}

/* A process with no loop gets a summary only for notable intervals; a loop
 * process gets its backpressure figures whatever they are. */
static void only_notable_processes_without_loops(void **state)
{
	struct lw_bp_state st = { 0 };
	struct lw_bp_snap *a = snaps(3);
	struct lw_thread_snap *t = calloc(1, sizeof(*t));
	struct lw_model m;
	struct lw_proc *p;

	(void)state;
	model(&m);
	t[0].tid = 31;
	t[0].t.pid = 30;
	t[0].t.proc_start_time = 3;
	strcpy(t[0].t.comm, "loop");
	assert_int_equal(lw_model_apply_threads(&m, t, 1, 5), 0);

	proc(&a[0], 10, 1);		/* quiet: a socket at 10 % */
	a[0].p.hw_epoch[1] = 5;
	a[0].p.hw[1][LW_BPQ_RCV] = 100000;
	proc(&a[1], 20, 2);		/* half full: notable */
	a[1].p.hw_epoch[1] = 5;
	a[1].p.hw[1][LW_BPQ_SND] = 500000;
	proc(&a[2], 30, 3);		/* the loop process, quiet sockets */
	a[2].p.hw_epoch[1] = 5;
	a[2].p.hw[1][LW_BPQ_RCV] = 20000;
	a[2].p.sweep_epoch = 6;
	a[2].p.fds = 12;
	a[2].p.fd_limit = 1024;
	a[2].p.sock_mem = 4096;
	apply(&st, &m, a, 3, 5);
	assert_null(lw_model_find(&m, 10));
	p = lw_model_find(&m, 20);
	assert_non_null(p);
	assert_true(p->iv.active);
	assert_string_equal(p->comm, "srv");
	p = lw_model_find(&m, 30);
	assert_non_null(p);
	assert_float_equal(p->iv.rcvq_max_ratio, 0.02, 1e-9);
	assert_int_equal(p->iv.fds, 12);
	assert_int_equal(p->iv.fd_limit, 1024);
	assert_int_equal(p->iv.sock_mem, 4096);
	assert_string_equal(p->comm, "loop");
	lw_bp_state_free(&st);
	lw_model_free(&m);
}

/* Descriptor counts come from this interval's sweep only; a process close to
 * its limit is notable without a loop. */
static void headroom_from_the_current_sweep(void **state)
{
	struct lw_bp_state st = { 0 };
	struct lw_bp_snap *a = snaps(2);
	struct lw_model m;
	struct lw_proc *p;

	(void)state;
	model(&m);
	proc(&a[0], 10, 1);
	a[0].p.sweep_epoch = 8;		/* swept in epoch 7 */
	a[0].p.fds = 240;
	a[0].p.fd_limit = 256;
	proc(&a[1], 20, 2);
	a[1].p.sweep_epoch = 7;		/* last interval's sweep: stale */
	a[1].p.fds = 255;
	a[1].p.fd_limit = 256;
	apply(&st, &m, a, 2, 7);
	p = lw_model_find(&m, 10);
	assert_non_null(p);
	assert_int_equal(p->iv.fds, 240);
	assert_int_equal(p->iv.fd_limit, 256);
	assert_null(lw_model_find(&m, 20));
	lw_bp_state_free(&st);
	lw_model_free(&m);
}

static void dead_processes_are_returned(void **state)
{
	struct lw_bp_state st = { 0 };
	struct lw_bp_snap *a = snaps(2);
	struct lw_model m;
	uint32_t *dead;
	size_t ndead;

	(void)state;
	model(&m);
	dead_pid = 20;
	proc(&a[0], 20, 1);
	a[0].p.drops = 2;
	proc(&a[1], 10, 1);
	assert_int_equal(lw_bp_apply(&st, &m, a, 2, 0, &dead, &ndead), 0);
	assert_int_equal(ndead, 1);
	assert_int_equal(dead[0], 20);
	/* its last counts still reach the model */
	assert_int_equal(lw_model_find(&m, 20)->iv.drops, 2);
	free(dead);
	lw_bp_state_free(&st);
	lw_model_free(&m);
}

static void remote(struct lw_bp_remote_snap *r, uint32_t pid, const char *addr, uint64_t n)
{
	memset(r, 0, sizeof(*r));
	r->key.pid = pid;
	if (strchr(addr, ':')) {
		r->key.family = AF_INET6;
		inet_pton(AF_INET6, addr, r->key.addr);
	} else {
		r->key.family = AF_INET;
		inet_pton(AF_INET, addr, r->key.addr);
	}
	r->count = n;
}

/* Per remote address: the largest few, largest first, for active processes. */
static void retransmits_by_remote(void **state)
{
	struct lw_bp_remote_snap r[7];
	struct lw_model m;
	struct lw_proc *p;

	(void)state;
	model(&m);
	p = lw_model_proc(&m, 10, 1, "srv");
	remote(&r[0], 10, "10.0.0.1", 5);
	remote(&r[1], 10, "10.0.0.2", 50);
	remote(&r[2], 10, "fd00::2", 7);
	remote(&r[3], 10, "10.0.0.3", 1);
	remote(&r[4], 10, "10.0.0.4", 9);
	remote(&r[5], 10, "10.0.0.1", 6);	/* same address again: adds up */
	remote(&r[6], 99, "10.9.9.9", 100);	/* not in the model: ignored */
	lw_bp_apply_remotes(&m, r, 7);
	assert_int_equal(p->iv.nretrans_remote, LW_RETRANS_REMOTES);
	assert_string_equal(p->iv.retrans_remote[0].addr, "10.0.0.2");
	assert_int_equal(p->iv.retrans_remote[0].count, 50);
	assert_string_equal(p->iv.retrans_remote[1].addr, "10.0.0.1");
	assert_int_equal(p->iv.retrans_remote[1].count, 11);
	assert_string_equal(p->iv.retrans_remote[2].addr, "10.0.0.4");
	assert_string_equal(p->iv.retrans_remote[3].addr, "fd00::2");
	assert_null(lw_model_find(&m, 99));
	lw_model_free(&m);
}

static void event_marks_process_active(void **state)
{
	struct lw_bp_event e;
	struct lw_model m;
	struct lw_proc *p;

	(void)state;
	model(&m);
	memset(&e, 0, sizeof(e));
	e.hdr.type = LW_EV_BACKPRESSURE;
	e.hdr.pid = 42;
	strcpy(e.hdr.comm, "worker");
	lw_bp_add_event(&m, &e);
	p = lw_model_find(&m, 42);
	assert_non_null(p);
	assert_true(p->iv.active);
	assert_string_equal(p->comm, "worker");
	lw_model_free(&m);
}

/* Loop saturation folds from the thread map like iterations do. */
static void saturation_is_a_delta(void **state)
{
	struct lw_thread_snap *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct lw_model m;
	struct lw_proc *p;

	(void)state;
	model(&m);
	a[0].tid = 11;
	a[0].t.pid = 10;
	a[0].t.start_time = 5;
	a[0].t.saturated = 700;
	assert_int_equal(lw_model_apply_threads(&m, a, 1, 0), 0);
	p = lw_model_find(&m, 10);
	assert_int_equal(p->iv.saturated, 700);
	lw_model_end_interval(&m);
	b[0] = a[0];
	b[0].t.saturated = 930;
	assert_int_equal(lw_model_apply_threads(&m, b, 1, 1), 0);
	assert_int_equal(p->iv.saturated, 230);
	lw_model_free(&m);
}

static void json_event_and_summary(void **state)
{
	struct timespec now = { .tv_sec = 1, .tv_nsec = 0 };
	struct lw_json j = { 0 };
	struct lw_bp_event e;
	struct lw_model m;
	struct lw_proc *p;
	const char *line;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.hdr.pid = 7;
	e.hdr.tid = 8;
	strcpy(e.hdr.comm, "srv");
	e.queue = LW_BPQ_ACCEPT;
	e.ratio = 1250000;
	e.drops = 3;
	e.fd = -1;
	e.local_port = 8080;
	e.queued = 5;
	e.limit = 4;
	line = lw_json_backpressure(&j, &now, &e);
	assert_non_null(line);
	assert_non_null(strstr(line, "\"type\":\"backpressure\""));
	assert_non_null(strstr(line, "\"pid\":7,\"tid\":8,\"comm\":\"srv\""));
	assert_non_null(strstr(line, "\"queue\":\"accept\",\"ratio\":1.250,\"drops\":3,\"fd\":-1"));
	assert_non_null(strstr(line, "\"local_port\":8080,\"remote_port\":0"));

	model(&m);
	p = lw_model_proc(&m, 7, 1, "srv");
	p->iv.fds = 240;
	p->iv.fd_limit = 256;
	p->iv.sock_mem = 8192;
	p->iv.snd_wait_ns = 1500000;
	snprintf(p->iv.retrans_remote[0].addr, sizeof(p->iv.retrans_remote[0].addr), "10.0.0.2");
	p->iv.retrans_remote[0].count = 12;
	p->iv.nretrans_remote = 1;
	line = lw_json_summary(&j, &now, p);
	assert_non_null(line);
	assert_non_null(strstr(line, "\"fds\":240,\"fd_limit\":256"));
	assert_non_null(strstr(line, "\"sock_mem_kb\":8"));
	assert_non_null(strstr(line, "\"snd_wait_ms\":1.500"));
	assert_non_null(strstr(line, "\"retransmits_by_remote\":{\"10.0.0.2\":12}"));
	lw_model_free(&m);
	lw_json_free(&j);
}

static void decoder_takes_backpressure_records(void **state)
{
	union lw_event_any out;
	struct lw_bp_event e;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.hdr.type = LW_EV_BACKPRESSURE;
	e.hdr.size = sizeof(e);
	e.queue = LW_BPQ_RCV;
	e.ratio = 990000;
	assert_int_equal(lw_decode(&e, sizeof(e), &out), LW_EV_BACKPRESSURE);
	assert_int_equal(out.bp.ratio, 990000);
	e.hdr.size = sizeof(e) - 8;
	assert_int_equal(lw_decode(&e, sizeof(e), &out), -EINVAL);
	assert_string_equal(lw_bp_queue_name(LW_BPQ_SND), "snd");
	assert_string_equal(lw_bp_queue_name(99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counters_are_deltas),
		cmocka_unit_test(reused_pid_starts_over),
		cmocka_unit_test(ratios_come_from_their_epoch),
		cmocka_unit_test(only_notable_processes_without_loops),
		cmocka_unit_test(headroom_from_the_current_sweep),
		cmocka_unit_test(dead_processes_are_returned),
		cmocka_unit_test(retransmits_by_remote),
		cmocka_unit_test(event_marks_process_active),
		cmocka_unit_test(saturation_is_a_delta),
		cmocka_unit_test(json_event_and_summary),
		cmocka_unit_test(decoder_takes_backpressure_records),
	};

	return cmocka_run_group_tests_name("backpressure", tests, NULL, NULL);
}
