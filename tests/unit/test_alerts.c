// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "model/alerts.h"
#include "views/report.h"

#define MS 1000000ull

/* A model of up to 4 processes we fill by hand each interval. */
struct fixture {
	struct lw_proc procs[4];
	struct lw_proc *ptrs[4];
	struct lw_model m;
	struct lw_alerts a;
	struct lw_alert got[32];
	int ngot;
};

static void collect(void *ctx, const struct lw_alert *al)
{
	struct fixture *f = ctx;

	if (f->ngot < 32)
		f->got[f->ngot++] = *al;
}

static void setup(struct fixture *f, unsigned int sustain)
{
	struct lw_alert_cfg cfg;

	memset(f, 0, sizeof(*f));
	lw_alert_cfg_defaults(&cfg, NULL);
	cfg.sustain = sustain;
	lw_alerts_init(&f->a, &cfg);
	for (int i = 0; i < 4; i++) {
		f->procs[i].pid = 100 + (uint32_t)i;
		f->procs[i].start_time = 5000 + (uint64_t)i;
		snprintf(f->procs[i].comm, sizeof(f->procs[i].comm), "srv%d", i);
		f->ptrs[i] = &f->procs[i];
	}
	f->m.procs = f->ptrs;
	f->m.nprocs = 1;
}

/* One interval in which process 0 had this max lag; returns transitions. */
static int lag_interval(struct fixture *f, uint64_t lag_ms)
{
	int before = f->ngot;

	memset(&f->procs[0].iv, 0, sizeof(f->procs[0].iv));
	f->procs[0].iv.active = true;
	f->procs[0].iv.lag_max_ns = lag_ms * MS;
	assert_int_equal(lw_alerts_evaluate(&f->a, &f->m, collect, f), 0);
	return f->ngot - before;
}

static void fires_after_exactly_sustain_intervals(void **state)
{
	struct fixture f;

	(void)state;
	for (unsigned int sustain = 1; sustain <= 5; sustain++) {
		setup(&f, sustain);
		for (unsigned int i = 1; i < sustain; i++) {
			assert_int_equal(lag_interval(&f, 80), 0);
			assert_false(lw_alerts_active(&f.a, 100, 5000, LW_RULE_LOOP_LAG));
		}
		assert_int_equal(lag_interval(&f, 80), 1);
		assert_int_equal(f.got[0].rule, LW_RULE_LOOP_LAG);
		assert_true(f.got[0].firing);
		assert_int_equal(f.got[0].pid, 100);
		assert_string_equal(f.got[0].comm, "srv0");
		assert_true(f.got[0].value > 79.9 && f.got[0].value < 80.1);
		assert_true(f.got[0].threshold > 49.9 && f.got[0].threshold < 50.1);
		assert_true(lw_alerts_active(&f.a, 100, 5000, LW_RULE_LOOP_LAG));
		assert_int_equal(f.a.firing, 1);
		/* staying over reports nothing more */
		assert_int_equal(lag_interval(&f, 90), 0);
		lw_alerts_free(&f.a);
	}
}

static void threshold_is_inclusive_and_below_resets_the_count(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 3);
	assert_int_equal(lag_interval(&f, 50), 0);
	assert_int_equal(lag_interval(&f, 50), 0);
	assert_int_equal(lag_interval(&f, 49), 0);	/* run broken */
	assert_int_equal(lag_interval(&f, 50), 0);
	assert_int_equal(lag_interval(&f, 50), 0);
	assert_int_equal(lag_interval(&f, 50), 1);
	assert_true(f.got[0].firing);
	lw_alerts_free(&f.a);
}

static void resolves_after_sustain_quiet_intervals(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 3);
	for (int i = 0; i < 3; i++)
		lag_interval(&f, 100);
	assert_int_equal(f.ngot, 1);
	assert_int_equal(lag_interval(&f, 1), 0);
	assert_int_equal(lag_interval(&f, 1), 0);
	assert_true(lw_alerts_active(&f.a, 100, 5000, LW_RULE_LOOP_LAG));
	assert_int_equal(lag_interval(&f, 2), 1);
	assert_false(f.got[1].firing);
	assert_false(f.got[1].exited);
	assert_true(f.got[1].value > 1.9 && f.got[1].value < 2.1);
	assert_false(lw_alerts_active(&f.a, 100, 5000, LW_RULE_LOOP_LAG));
	assert_int_equal(f.a.firing, 0);
	/* a quiet process holds no state */
	assert_int_equal(f.a.n, 0);
	lw_alerts_free(&f.a);
}

static void flapping_input_does_not_flap_the_alert(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 3);
	/* over, below, over, over, below ...: never three in a row */
	for (int i = 0; i < 30; i++)
		lag_interval(&f, i % 3 == 2 ? 10 : 200);
	assert_int_equal(f.ngot, 0);
	for (int i = 0; i < 3; i++)
		lag_interval(&f, 200);
	assert_int_equal(f.ngot, 1);
	/* firing: below, below, over ... never three quiet ones in a row */
	for (int i = 0; i < 30; i++)
		lag_interval(&f, i % 3 == 2 ? 200 : 10);
	assert_int_equal(f.ngot, 1);
	assert_true(lw_alerts_active(&f.a, 100, 5000, LW_RULE_LOOP_LAG));
	lw_alerts_free(&f.a);
}

static void a_process_that_left_resolves_after_sustain(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 2);
	lag_interval(&f, 100);
	lag_interval(&f, 100);
	assert_int_equal(f.ngot, 1);
	f.m.nprocs = 0;
	assert_int_equal(lw_alerts_evaluate(&f.a, &f.m, collect, &f), 0);
	assert_int_equal(f.ngot, 1);
	assert_int_equal(lw_alerts_evaluate(&f.a, &f.m, collect, &f), 0);
	assert_int_equal(f.ngot, 2);
	assert_false(f.got[1].firing);
	assert_true(f.got[1].exited);
	assert_int_equal(f.got[1].pid, 100);
	assert_string_equal(f.got[1].comm, "srv0");
	assert_int_equal(f.a.n, 0);
	lw_alerts_free(&f.a);
}

static void a_reused_pid_ends_the_old_alert(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 1);
	lag_interval(&f, 100);
	assert_int_equal(f.ngot, 1);
	f.procs[0].start_time = 9999;
	assert_int_equal(lag_interval(&f, 100), 2);
	assert_false(f.got[1].firing);
	assert_true(f.got[1].exited);
	assert_true(f.got[2].firing);
	assert_true(lw_alerts_active(&f.a, 100, 9999, LW_RULE_LOOP_LAG));
	assert_false(lw_alerts_active(&f.a, 100, 5000, LW_RULE_LOOP_LAG));
	lw_alerts_free(&f.a);
}

static void other_rules_read_their_fields(void **state)
{
	struct lw_alert_cfg c;
	struct lw_interval iv;
	struct lw_rule_input in;

	(void)state;
	lw_alert_cfg_defaults(&c, NULL);
	c.interval_s = 2;

	memset(&iv, 0, sizeof(iv));
	iv.et_starved = 1;
	lw_rule_input(LW_RULE_ET_STARVED, &iv, &c, &in);
	assert_true(in.over && in.immediate);

	memset(&iv, 0, sizeof(iv));
	iv.sndq_max_ratio = 0.95;
	lw_rule_input(LW_RULE_BACKPRESSURE, &iv, &c, &in);
	assert_true(in.over);
	assert_false(in.immediate);
	assert_true(in.value > 0.94 && in.value < 0.96);
	iv.sndq_max_ratio = 0.5;
	lw_rule_input(LW_RULE_BACKPRESSURE, &iv, &c, &in);
	assert_false(in.over);
	iv.drops = 1;
	lw_rule_input(LW_RULE_BACKPRESSURE, &iv, &c, &in);
	assert_true(in.over && in.immediate);

	/* all futile, but 10 wake-ups in 2 s is not a meaningful rate */
	memset(&iv, 0, sizeof(iv));
	iv.wakeups = 10;
	iv.futile = 10;
	lw_rule_input(LW_RULE_HERD, &iv, &c, &in);
	assert_false(in.over);
	iv.wakeups = 100;
	iv.futile = 49;
	lw_rule_input(LW_RULE_HERD, &iv, &c, &in);
	assert_false(in.over);
	iv.futile = 50;
	lw_rule_input(LW_RULE_HERD, &iv, &c, &in);
	assert_true(in.over);

	memset(&iv, 0, sizeof(iv));
	iv.retransmits = 19;
	lw_rule_input(LW_RULE_RETRANSMITS, &iv, &c, &in);
	assert_false(in.over);
	iv.retransmits = 20;
	lw_rule_input(LW_RULE_RETRANSMITS, &iv, &c, &in);
	assert_true(in.over);
	assert_true(in.value > 9.9 && in.value < 10.1);
}

static void starved_connection_fires_at_once(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 3);
	f.procs[0].iv.et_starved = 2;
	assert_int_equal(lw_alerts_evaluate(&f.a, &f.m, collect, &f), 0);
	assert_int_equal(f.ngot, 1);
	assert_int_equal(f.got[0].rule, LW_RULE_ET_STARVED);
	assert_true(f.got[0].firing);
	f.procs[0].iv.et_starved = 0;
	for (int i = 0; i < 2; i++)
		lw_alerts_evaluate(&f.a, &f.m, collect, &f);
	assert_int_equal(f.ngot, 1);
	lw_alerts_evaluate(&f.a, &f.m, collect, &f);
	assert_int_equal(f.ngot, 2);
	assert_false(f.got[1].firing);
	lw_alerts_free(&f.a);
}

static void processes_are_independent_and_named(void **state)
{
	struct fixture f;
	char names[64];

	(void)state;
	setup(&f, 1);
	f.m.nprocs = 3;
	f.procs[1].iv.lag_max_ns = 70 * MS;
	f.procs[2].iv.retransmits = 100;
	f.procs[2].iv.rcvq_max_ratio = 1.0;
	assert_int_equal(lw_alerts_evaluate(&f.a, &f.m, collect, &f), 0);
	assert_int_equal(f.ngot, 3);
	assert_int_equal(f.a.firing, 3);
	lw_alerts_names(&f.a, 102, 0, names, sizeof(names));
	assert_string_equal(names, "backpressure,retransmits");
	lw_alerts_names(&f.a, 100, 0, names, sizeof(names));
	assert_string_equal(names, "");
	assert_true(lw_alerts_active(&f.a, 101, 5001, LW_RULE_LOOP_LAG));
	lw_alerts_free(&f.a);
}

static void json_line_has_the_design_fields(void **state)
{
	struct lw_alert al = {
		.rule = LW_RULE_LOOP_LAG, .firing = true, .value = 100.5, .threshold = 50, .pid = 42,
	};
	struct timespec now = { .tv_sec = 0, .tv_nsec = 0 };
	struct lw_json j = { 0 };
	char line[256];
	const char *s;

	(void)state;
	strcpy(al.comm, "a\"b");
	s = lw_json_alert(&j, &now, &al);
	assert_non_null(s);
	assert_string_equal(s, "{\"type\":\"alert\",\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":42,"
			       "\"comm\":\"a\\\"b\",\"rule\":\"loop_lag\",\"state\":\"firing\","
			       "\"value\":100.500,\"threshold\":50.000,\"unit\":\"ms\"}\n");
	lw_alert_describe(&al, 3, line, sizeof(line));
	assert_string_equal(line, "alert loop_lag firing: pid 42 (a\\\"b) max loop lag 100.5 ms >= "
				  "50 ms, 3 interval(s) in a row");
	lw_json_free(&j);
}

/* The memory_growth rule fires in the interval of the event and resolves
 * sustain intervals after the growth stops. */
static void memory_growth_fires_with_its_event(void **state)
{
	struct lw_alert_cfg c;
	struct lw_interval iv = { 0 };
	struct lw_rule_input in;
	struct lw_rule_sm sm = { 0 };

	(void)state;
	lw_alert_cfg_defaults(&c, NULL);
	assert_int_equal(c.mem_horizon_s, 300);
	lw_rule_input(LW_RULE_MEMORY_GROWTH, &iv, &c, &in);
	assert_false(in.over);
	assert_false(lw_rule_step(&sm, &in, 3));
	iv.mem_growing = true;
	iv.mem_seconds_to_limit = 42;
	lw_rule_input(LW_RULE_MEMORY_GROWTH, &iv, &c, &in);
	assert_true(in.over && in.immediate);
	assert_true(in.value == 42 && in.threshold == 300);
	assert_true(lw_rule_step(&sm, &in, 3));
	assert_true(sm.firing);
	iv.mem_growing = false;
	lw_rule_input(LW_RULE_MEMORY_GROWTH, &iv, &c, &in);
	assert_false(lw_rule_step(&sm, &in, 3));
	assert_false(lw_rule_step(&sm, &in, 3));
	assert_true(lw_rule_step(&sm, &in, 3));
	assert_false(sm.firing);
	assert_string_equal(lw_rule_name(LW_RULE_MEMORY_GROWTH), "memory_growth");
}

/* retry_storm fires with the storm's interval; ephemeral_ports at the
 * ports ratio or on any EADDRNOTAVAIL, at once; both resolve after sustain
 * quiet intervals. */
static void connect_rules_fire_at_once(void **state)
{
	struct lw_alert_cfg c;
	struct lw_interval iv = { 0 };
	struct lw_rule_input in;
	struct lw_rule_sm sm = { 0 }, ps = { 0 };

	(void)state;
	lw_alert_cfg_defaults(&c, NULL);
	assert_true(c.storm_sync_ratio == 0.5 && c.storm_min_clients == 10 && c.ports_ratio == 0.9);
	lw_rule_input(LW_RULE_RETRY_STORM, &iv, &c, &in);
	assert_false(in.over);
	iv.retry_storms = 1;
	iv.retry_storm = 0.96;
	lw_rule_input(LW_RULE_RETRY_STORM, &iv, &c, &in);
	assert_true(in.over && in.immediate && in.value == 0.96);
	assert_true(lw_rule_step(&sm, &in, 3));
	memset(&iv, 0, sizeof(iv));
	lw_rule_input(LW_RULE_RETRY_STORM, &iv, &c, &in);
	assert_false(lw_rule_step(&sm, &in, 3));
	assert_false(lw_rule_step(&sm, &in, 3));
	assert_true(lw_rule_step(&sm, &in, 3));
	iv.ports_max_ratio = 0.85;
	lw_rule_input(LW_RULE_EPHEMERAL_PORTS, &iv, &c, &in);
	assert_false(in.over);
	iv.ports_max_ratio = 0.9;
	lw_rule_input(LW_RULE_EPHEMERAL_PORTS, &iv, &c, &in);
	assert_true(in.over && in.immediate);
	assert_true(lw_rule_step(&ps, &in, 3));
	iv.ports_max_ratio = 0.1;
	iv.connect_addrnotavail = 1;
	lw_rule_input(LW_RULE_EPHEMERAL_PORTS, &iv, &c, &in);
	assert_true(in.over);
	assert_string_equal(lw_rule_name(LW_RULE_RETRY_STORM), "retry_storm");
	assert_string_equal(lw_rule_name(LW_RULE_EPHEMERAL_PORTS), "ephemeral_ports");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fires_after_exactly_sustain_intervals),
		cmocka_unit_test(threshold_is_inclusive_and_below_resets_the_count),
		cmocka_unit_test(resolves_after_sustain_quiet_intervals),
		cmocka_unit_test(flapping_input_does_not_flap_the_alert),
		cmocka_unit_test(a_process_that_left_resolves_after_sustain),
		cmocka_unit_test(a_reused_pid_ends_the_old_alert),
		cmocka_unit_test(other_rules_read_their_fields),
		cmocka_unit_test(memory_growth_fires_with_its_event),
		cmocka_unit_test(connect_rules_fire_at_once),
		cmocka_unit_test(starved_connection_fires_at_once),
		cmocka_unit_test(processes_are_independent_and_named),
		cmocka_unit_test(json_line_has_the_design_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
