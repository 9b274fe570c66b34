// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "util/escape.h"
#include "util/json.h"
#include "model/alerts.h"
#include "model/bp.h"
#include "model/memsweep.h"
#include "model/readiness.h"
#include "views/report.h"
#include "views/view.h"

static const struct timespec t0 = { .tv_sec = 0 };

static void hdr(struct lw_event_hdr *h, uint32_t pid, uint32_t tid, const char *comm)
{
	memset(h, 0, sizeof(*h));
	h->pid = pid;
	h->tid = tid;
	strcpy(h->comm, comm);
}

/* The line as built, byte for byte. */
static void golden(struct lw_json *j, const char *line, const char *want)
{
	assert_non_null(line);
	assert_string_equal(line, want);
	lw_json_free(j);
}

static void comm_with_quotes_and_controls_stays_valid(void **state)
{
	char out[128];

	(void)state;
	lw_escape_json("a\"b\\c\n\x01\x7f", out, sizeof(out));
	assert_string_equal(out, "a\\\"b\\\\c\\n\\u0001\\u007f");
}

static void invalid_utf8_is_replaced(void **state)
{
	char out[64];

	(void)state;
	lw_escape_json("x\xff\xc3\xa9", out, sizeof(out));
	assert_string_equal(out, "x\\ufffd\xc3\xa9");
}

static void truncation_never_splits_an_escape(void **state)
{
	char out[6];

	(void)state;
	lw_escape_json("ab\"cd", out, sizeof(out));
	assert_string_equal(out, "ab\\\"c");
	lw_escape_json("abcd\n", out, sizeof(out));
	assert_string_equal(out, "abcd");
}

static void prom_label_escaping(void **state)
{
	char out[64];

	(void)state;
	lw_escape_prom_label("a\"b\\c\nd\te", out, sizeof(out));
	assert_string_equal(out, "a\\\"b\\\\c\\nd?e");
}

static void time_is_rfc3339_utc_millis(void **state)
{
	struct timespec ts = { .tv_sec = 1795910401, .tv_nsec = 123456789 };
	char out[40];

	(void)state;
	lw_format_time(&ts, out, sizeof(out));
	assert_string_equal(out, "2026-11-29T00:00:01.123Z");
}

static void stall_line_has_the_contract_fields(void **state)
{
	struct lw_json j = { 0 };
	struct timespec ts = { .tv_sec = 0 };
	struct lw_event_hdr h = { .pid = 7, .tid = 8 };
	struct lw_stall s = { .duration_ms = 100.5, .cause = LW_CAUSE_BLOCKED };
	const char *line;

	(void)state;
	strcpy(h.comm, "we\"ird");
	strcpy(s.syscall, "fsync");
	s.part_ms[LW_CAUSE_BLOCKED] = 100.5;
	line = lw_json_stall(&j, &ts, &h, &s);
	assert_non_null(line);
	assert_string_equal(line, "{\"type\":\"stall\",\"time\":\"1970-01-01T00:00:00.000Z\","
				  "\"pid\":7,\"tid\":8,\"comm\":\"we\\\"ird\",\"duration_ms\":100.500,"
				  "\"cause\":\"blocked\",\"parts\":{\"cpu\":0.000,\"runqueue\":0.000,"
				  "\"blocked\":100.500},\"syscall\":\"fsync\",\"kind\":\"loop\"}\n");
	lw_json_free(&j);
}

/* The start line: kernel, epoll hook path, each detection and each hook. */
static void start_line_has_the_contract_fields(void **state)
{
	struct lw_hook_state hooks[LW_HK_MAX];
	struct lw_detections d;
	struct lw_json j = { 0 };
	struct timespec ts = { .tv_sec = 0 };
	const char *line;

	(void)state;
	memset(hooks, 0, sizeof(hooks));
	memset(&d, 0, sizeof(d));
	for (int h = 0; h < LW_HK_MAX; h++) {
		hooks[h].on = h != LW_HK_RETRANS;
		hooks[h].path = h == LW_HK_WAIT ? "fentry" : "tp_btf";
	}
	for (int i = 0; i < LW_DET_MAX; i++)
		d.det[i].state = LW_DET_ON;
	d.det[LW_DET_RETRANSMITS].state = LW_DET_OFF;
	strcpy(d.det[LW_DET_RETRANSMITS].why, "tcp_retransmit_skb (bp_retransmit refused: \"x\")");
	d.det[LW_DET_DROPS].state = LW_DET_DEGRADED;
	strcpy(d.det[LW_DET_DROPS].why, "sock_exceed_buf_limit (no tracepoint)");
	line = lw_json_start(&j, &ts, "6.1.0-50-cloud-amd64", hooks, &d, "on demand");
	assert_non_null(line);
	assert_string_equal(line,
		"{\"type\":\"start\",\"time\":\"1970-01-01T00:00:00.000Z\","
		"\"kernel\":\"6.1.0-50-cloud-amd64\",\"hooks\":\"fentry\",\"detail\":\"on demand\","
		"\"detections\":{"
		"\"loop_lag\":\"on\",\"stalls\":\"on\",\"herd\":\"on\",\"lt_hot_loop\":\"on\","
		"\"undrained_et\":\"on\",\"readiness_lag\":\"on\",\"backpressure\":\"on\","
		"\"drops\":\"degraded: sock_exceed_buf_limit (no tracepoint)\","
		"\"retransmits\":\"off: tcp_retransmit_skb (bp_retransmit refused: \\\"x\\\")\","
		"\"fd_headroom\":\"on\",\"stacks\":\"on\"},\"hook_paths\":{\"epoll_wait\":\"fentry\","
		"\"epoll_ctl\":\"tp_btf\",\"accept\":\"tp_btf\",\"sched_switch\":\"tp_btf\","
		"\"sched_process_exit\":\"tp_btf\",\"sched_waking\":\"tp_btf\","
		"\"sk_data_ready\":\"tp_btf\",\"sock_recv\":\"tp_btf\",\"sock_send\":\"tp_btf\","
		"\"tcp_sendmsg\":\"tp_btf\",\"inet_sock_set_state\":\"tp_btf\","
		"\"kfree_skb\":\"tp_btf\",\"tcp_retransmit_skb\":\"off\","
		"\"tcp_retransmit_synack\":\"tp_btf\",\"sock_exceed_buf_limit\":\"tp_btf\","
		"\"socket_sweep\":\"tp_btf\",\"stack_capture\":\"tp_btf\","
		"\"stack_sample\":\"tp_btf\",\"poll_select\":\"tp_btf\",\"io_uring_enter\":\"tp_btf\"}}\n");
	lw_json_free(&j);
}

static void agent_line_has_the_contract_fields(void **state)
{
	struct lw_agent_stats st = { .events = 12, .lost_events = 1, .missed_runs = 4, .cpu_pct = 0.25,
				     .cpu_ns = 5, .rss_kb = 6100, .threads = 3, .procs = 2,
				     .threads_dropped = 0 };
	struct lw_json j = { 0 };
	struct timespec ts = { .tv_sec = 0 };
	const char *line;

	(void)state;
	line = lw_json_agent(&j, &ts, &st);
	assert_non_null(line);
	assert_string_equal(line, "{\"type\":\"agent\",\"time\":\"1970-01-01T00:00:00.000Z\","
				  "\"events\":12,\"lost_events\":1,\"missed_runs\":4,\"cpu_pct\":0.250,\"rss_kb\":6100,"
				  "\"threads\":3,\"procs\":2,\"threads_dropped\":0}\n");
	lw_json_free(&j);
}

/* The detail tier: which is engaged, why, for whom and for how long. */
static void agent_line_shows_the_detail_tier(void **state)
{
	struct lw_tier t;
	struct lw_agent_stats st = { .events = 1, .detail = &t, .detail_s = 7.5,
				     .detail_engaged_s = 2.25 };
	uint32_t pids[] = { 41, 42 };
	struct lw_json j = { 0 };
	struct timespec ts = { .tv_sec = 0 };
	const char *line;

	(void)state;
	lw_tier_init(&t, LW_TIER_ON_DEMAND, 5, 0);
	lw_tier_step(&t, LW_TRIG_STALL | LW_TRIG_QUEUE, pids, 2, 1);
	line = lw_json_agent(&j, &ts, &st);
	assert_non_null(line);
	assert_string_equal(line, "{\"type\":\"agent\",\"time\":\"1970-01-01T00:00:00.000Z\","
				  "\"events\":1,\"lost_events\":0,\"missed_runs\":0,\"cpu_pct\":0.000,\"rss_kb\":0,"
				  "\"threads\":0,\"procs\":0,\"threads_dropped\":0,"
				  "\"detail\":{\"mode\":\"on demand\",\"engaged\":true,"
				  "\"triggers\":\"queue,stall\",\"pids\":\"41,42\",\"engaged_s\":2.250,"
				  "\"seconds_total\":7.500,\"engages\":1}}\n");
	lw_json_free(&j);
}

static void stall_in_progress_line(void **state)
{
	struct lw_json j = { 0 };
	struct lw_event_hdr h;
	struct lw_stall s = { .duration_ms = 2500.25, .cause = LW_CAUSE_CPU,
			      .kind = LW_KIND_LOOP };
	struct timespec now = { .tv_sec = 1795910401, .tv_nsec = 500000000 };
	struct timespec started = { .tv_sec = 1795910398, .tv_nsec = 999000000 };

	(void)state;
	hdr(&h, 31, 32, "busy");
	s.part_ms[LW_CAUSE_CPU] = 2400.125;
	s.part_ms[LW_CAUSE_RUNQUEUE] = 100.125;
	golden(&j, lw_json_stall_in_progress(&j, &now, &h, &s, &started),
		"{\"type\":\"stall_in_progress\",\"time\":\"2026-11-29T00:00:01.500Z\","
		"\"pid\":31,\"tid\":32,\"comm\":\"busy\",\"duration_ms\":2500.250,"
		"\"cause\":\"cpu\",\"parts\":{\"cpu\":2400.125,\"runqueue\":100.125,"
		"\"blocked\":0.000},\"kind\":\"loop\","
		"\"started\":\"2026-11-28T23:59:58.999Z\"}\n");
}

/* A parked stall: kind parked, no syscall for a cpu cause. */
static void parked_stall_line(void **state)
{
	struct lw_json j = { 0 };
	struct lw_event_hdr h;
	struct lw_stall s = { .duration_ms = 12, .cause = LW_CAUSE_BLOCKED, .kind = LW_KIND_PARKED };

	(void)state;
	hdr(&h, 5, 6, "gopool");
	s.part_ms[LW_CAUSE_BLOCKED] = 12;
	strcpy(s.syscall, "futex");
	golden(&j, lw_json_stall(&j, &t0, &h, &s),
		"{\"type\":\"stall\",\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":5,\"tid\":6,"
		"\"comm\":\"gopool\",\"duration_ms\":12.000,\"cause\":\"blocked\","
		"\"parts\":{\"cpu\":0.000,\"runqueue\":0.000,\"blocked\":12.000},"
		"\"syscall\":\"futex\",\"kind\":\"parked\"}\n");
}

/* The memory cgroup the summaries point at. */
static struct lw_memcg_entry memcg = {
	.id = { .v = LW_CG_V1, .path = "/system.slice/nginx.service" },
	.now = { .usage = 48u << 20, .limit = 64u << 20 },
	.ok = true,
	.oom_kills = 1,
	.limit_hits = 17,
};

static void fill_summary(struct lw_proc *p)
{
	struct lw_interval *iv = &p->iv;

	memset(p, 0, sizeof(*p));
	p->pid = 4242;
	strcpy(p->comm, "nginx");
	p->runtime = LW_RT_OTHER;
	iv->loops = 2;
	iv->iterations = 123456;
	iv->lag_hist[8] = 90;		/* a few hundred microseconds */
	iv->lag_hist[14] = 10;		/* some tens of milliseconds */
	iv->lag_max_ns = 21500000;
	iv->stalls = 3;
	iv->parked_stalls = 1;
	iv->wakeups = 1000;
	iv->futile = 250;
	iv->herds = 4;
	iv->lt_hot_loops = 5;
	iv->undrained_et = 6;
	iv->et_starved = 7;
	iv->ready_hist[10] = 50;
	iv->ready_max_ns = 1500000;
	iv->rcvq_max_ratio = 0.5;
	iv->sndq_max_ratio = 0.25;
	iv->acceptq_max_ratio = 1;
	iv->retransmits = 8;
	iv->drops = 9;
	iv->snd_eagain = 10;
	iv->accept_overflows = 11;
	iv->saturated = 12;
	iv->fds = 900;
	iv->fd_limit = 1024;
	iv->snd_partial = 13;
	iv->snd_wait_ns = 2250000;
	iv->mem_pressure = 14;
	iv->sock_mem = 64 * 1024;
	strcpy(iv->retrans_remote[0].addr, "10.0.0.2");
	iv->retrans_remote[0].count = 6;
	strcpy(iv->retrans_remote[1].addr, "2001:db8::1");
	iv->retrans_remote[1].count = 2;
	iv->nretrans_remote = 2;
	iv->rss_known = true;
	iv->rss_kb = 40960;
	iv->rss_growth_kb_per_s = 1024.5;
	iv->memcg = &memcg;
	iv->active = true;
	iv->incomplete = true;
}

static void summary_line(void **state)
{
	struct lw_json j = { 0 };
	struct lw_proc p;

	(void)state;
	fill_summary(&p);
	golden(&j, lw_json_summary(&j, &t0, &p),
		"{\"type\":\"summary\",\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":4242,"
		"\"comm\":\"nginx\",\"runtime\":\"other\",\"loops\":2,\"iterations\":123456,"
		"\"lag_p50_ms\":0.398,\"lag_p99_ms\":21.500,\"lag_max_ms\":21.500,\"stalls\":3,"
		"\"parked_stalls\":1,\"wakeups\":1000,\"futile\":250,\"herds\":4,"
		"\"lt_hot_loops\":5,\"undrained_et\":6,\"et_starved\":7,"
		"\"ready_lag_p99_ms\":1.500,\"ready_lag_max_ms\":1.500,"
		"\"rcvq_max_ratio\":0.500,\"sndq_max_ratio\":0.250,\"acceptq_max_ratio\":1.000,"
		"\"retransmits\":8,\"drops\":9,\"snd_eagain\":10,\"accept_overflows\":11,"
		"\"saturated\":12,\"fds\":900,\"fd_limit\":1024,\"snd_partial\":13,"
		"\"snd_wait_ms\":2.250,\"mem_pressure\":14,\"sock_mem_kb\":64,"
		"\"rss_kb\":40960,\"rss_growth_kb_per_s\":1024.500,"
		"\"memcg\":\"/system.slice/nginx.service\",\"memcg_usage_kb\":49152,"
		"\"memcg_limit_kb\":65536,\"memcg_oom_kills\":1,\"memcg_limit_hits\":17,\"connect_attempts\":0,\"connect_failures\":0,\"connect_addrnotavail\":0,\"syn_retransmits\":0,\"retry_storms\":0,\"ports_max_ratio\":0.000,"
		"\"retransmits_by_remote\":{\"10.0.0.2\":6,\"2001:db8::1\":2},"
		"\"incomplete\":true}\n");
}

/* A runtime whose threads are not loops says why it has no lag. */
static void summary_line_not_loops(void **state)
{
	struct lw_json j = { 0 };
	struct lw_proc p;

	(void)state;
	fill_summary(&p);
	p.runtime = LW_RT_GO;
	p.iv.nretrans_remote = 0;
	p.iv.incomplete = false;
	/* exited: no RSS, no cgroup known */
	p.iv.rss_known = false;
	p.iv.rss_kb = 0;
	p.iv.rss_growth_kb_per_s = 0;
	p.iv.memcg = NULL;
	golden(&j, lw_json_summary(&j, &t0, &p),
		"{\"type\":\"summary\",\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":4242,"
		"\"comm\":\"nginx\",\"runtime\":\"go\","
		"\"not_loops\":\"go scheduler: any thread may poll the netpoller and idle threads park in futex\","
		"\"loops\":2,\"iterations\":123456,\"lag_p50_ms\":0.398,\"lag_p99_ms\":21.500,"
		"\"lag_max_ms\":21.500,\"stalls\":3,\"parked_stalls\":1,\"wakeups\":1000,"
		"\"futile\":250,\"herds\":4,\"lt_hot_loops\":5,\"undrained_et\":6,"
		"\"et_starved\":7,\"ready_lag_p99_ms\":1.500,\"ready_lag_max_ms\":1.500,"
		"\"rcvq_max_ratio\":0.500,\"sndq_max_ratio\":0.250,\"acceptq_max_ratio\":1.000,"
		"\"retransmits\":8,\"drops\":9,\"snd_eagain\":10,\"accept_overflows\":11,"
		"\"saturated\":12,\"fds\":900,\"fd_limit\":1024,\"snd_partial\":13,"
		"\"snd_wait_ms\":2.250,\"mem_pressure\":14,\"sock_mem_kb\":64,"
		"\"rss_kb\":0,\"rss_growth_kb_per_s\":0.000,\"memcg\":\"\","
		"\"memcg_usage_kb\":0,\"memcg_limit_kb\":0,\"memcg_oom_kills\":0,"
		"\"memcg_limit_hits\":0,\"connect_attempts\":0,\"connect_failures\":0,\"connect_addrnotavail\":0,\"syn_retransmits\":0,\"retry_storms\":0,\"ports_max_ratio\":0.000,\"retransmits_by_remote\":{},\"incomplete\":false}\n");
}

static void herd_line(void **state)
{
	struct lw_json j = { 0 };
	struct lw_herd_event e;

	(void)state;
	memset(&e, 0, sizeof(e));
	hdr(&e.hdr, 70, 0, "acceptor");
	e.woken = 8;
	e.futile = 7;
	e.fd = 3;
	e.port = 8080;
	golden(&j, lw_json_herd(&j, &t0, &e),
		"{\"type\":\"herd\",\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":70,"
		"\"comm\":\"acceptor\",\"woken\":8,\"futile\":7,\"fd\":3,\"port\":8080}\n");
}

static void hot_loop_line(void **state)
{
	struct lw_json j = { 0 };
	struct lw_hot_event e;

	(void)state;
	memset(&e, 0, sizeof(e));
	hdr(&e.hdr, 71, 72, "spin");
	e.fd = 9;
	e.wakeups = 1000;
	e.lport = 6379;
	e.rport = 40000;
	golden(&j, lw_json_hot(&j, &t0, &e),
		"{\"type\":\"lt_hot_loop\",\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":71,"
		"\"tid\":72,\"comm\":\"spin\",\"fd\":9,\"wakeups\":1000,\"local_port\":6379,"
		"\"remote_port\":40000}\n");
}

static void undrained_line(void **state)
{
	struct lw_json j = { 0 };
	struct lw_undrained_event e;

	(void)state;
	memset(&e, 0, sizeof(e));
	hdr(&e.hdr, 73, 74, "edge");
	e.fd = 11;
	e.bytes_left = 4096;
	e.lport = 443;
	e.rport = 51000;
	golden(&j, lw_json_undrained(&j, &t0, &e),
		"{\"type\":\"undrained_et\",\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":73,"
		"\"tid\":74,\"comm\":\"edge\",\"fd\":11,\"bytes_left\":4096,\"local_port\":443,"
		"\"remote_port\":51000}\n");
}

static void starved_line(void **state)
{
	struct lw_json j = { 0 };
	struct lw_starved s = { .pid = 75, .tid = 76, .fd = 12, .bytes_left = 17, .lport = 443,
				.rport = 52000, .starved_ms = 1234.5 };

	(void)state;
	strcpy(s.comm, "edge");
	golden(&j, lw_json_starved(&j, &t0, &s),
		"{\"type\":\"et_starved\",\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":75,"
		"\"tid\":76,\"comm\":\"edge\",\"fd\":12,\"bytes_left\":17,\"local_port\":443,"
		"\"remote_port\":52000,\"starved_ms\":1234.500}\n");
}

static void backpressure_line(void **state)
{
	struct lw_json j = { 0 };
	struct lw_bp_event e;

	(void)state;
	memset(&e, 0, sizeof(e));
	hdr(&e.hdr, 77, 78, "writer");
	e.queue = LW_BPQ_SND;
	e.fd = -1;
	e.ratio = LW_BP_ONE * 3 / 4;
	e.drops = 2;
	e.queued = 196608;
	e.limit = 262144;
	e.local_port = 5432;
	e.remote_port = 53000;
	golden(&j, lw_json_backpressure(&j, &t0, &e),
		"{\"type\":\"backpressure\",\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":77,"
		"\"tid\":78,\"comm\":\"writer\",\"queue\":\"snd\",\"ratio\":0.750,\"drops\":2,"
		"\"fd\":-1,\"local_port\":5432,\"remote_port\":53000,\"queued\":196608,"
		"\"limit\":262144}\n");
}

static void memory_growth_line(void **state)
{
	struct lw_json j = { 0 };
	struct lw_mem_growth_event e = {
		.pid = 4243, .comm = "queue\"d", .rss_kb = 30720, .kb_per_s = 4096.25,
		.intervals = 5, .memcg = "/lwfl-mem-77", .usage_kb = 31000,
		.working_set_kb = 30900, .limit_kb = 65536, .seconds_to_limit = 8.456,
	};

	(void)state;
	golden(&j, lw_json_mem_growth(&j, &t0, &e),
		"{\"type\":\"memory_growth\",\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":4243,"
		"\"comm\":\"queue\\\"d\",\"rss_kb\":30720,\"rss_growth_kb_per_s\":4096.250,"
		"\"intervals\":5,\"memcg\":\"/lwfl-mem-77\",\"limit_of\":\"memcg\","
		"\"usage_kb\":31000,\"working_set_kb\":30900,\"limit_kb\":65536,"
		"\"seconds_to_limit\":8.456}\n");
	/* no cgroup limit: the host's memory */
	e.host = true;
	e.memcg[0] = '\0';
	golden(&j, lw_json_mem_growth(&j, &t0, &e),
		"{\"type\":\"memory_growth\",\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":4243,"
		"\"comm\":\"queue\\\"d\",\"rss_kb\":30720,\"rss_growth_kb_per_s\":4096.250,"
		"\"intervals\":5,\"memcg\":\"\",\"limit_of\":\"host\","
		"\"usage_kb\":31000,\"working_set_kb\":30900,\"limit_kb\":65536,"
		"\"seconds_to_limit\":8.456}\n");
}

static void alert_lines(void **state)
{
	struct lw_json j = { 0 };
	struct lw_alert a = { .rule = LW_RULE_LOOP_LAG, .firing = true, .value = 120.5,
			      .threshold = 100, .pid = 79 };

	(void)state;
	strcpy(a.comm, "slow");
	golden(&j, lw_json_alert(&j, &t0, &a),
		"{\"type\":\"alert\",\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":79,"
		"\"comm\":\"slow\",\"rule\":\"loop_lag\",\"state\":\"firing\","
		"\"value\":120.500,\"threshold\":100.000,\"unit\":\"ms\"}\n");
	/* backpressure names its queue and drops; a process gone says so */
	a.rule = LW_RULE_BACKPRESSURE;
	a.firing = false;
	a.value = 0.5;
	a.threshold = 0.9;
	a.queue = "accept";
	a.drops = 3;
	a.exited = true;
	golden(&j, lw_json_alert(&j, &t0, &a),
		"{\"type\":\"alert\",\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":79,"
		"\"comm\":\"slow\",\"rule\":\"backpressure\",\"state\":\"resolved\","
		"\"value\":0.500,\"threshold\":0.900,\"unit\":\"ratio\",\"queue\":\"accept\","
		"\"drops\":3,\"reason\":\"exited\"}\n");
	/* memory_growth: seconds to the limit against the horizon */
	memset(&a, 0, sizeof(a));
	a.rule = LW_RULE_MEMORY_GROWTH;
	a.firing = true;
	a.value = 8.5;
	a.threshold = 300;
	a.pid = 79;
	strcpy(a.comm, "slow");
	golden(&j, lw_json_alert(&j, &t0, &a),
		"{\"type\":\"alert\",\"time\":\"1970-01-01T00:00:00.000Z\",\"pid\":79,"
		"\"comm\":\"slow\",\"rule\":\"memory_growth\",\"state\":\"firing\","
		"\"value\":8.500,\"threshold\":300.000,\"unit\":\"s\"}\n");
}

/* The JSON view at a tick: the tick's stalls in progress and memory growth,
 * the summaries of active processes, the agent line, then the alerts judged
 * on them. */
static void json_view_orders_a_tick(void **state)
{
	struct lw_model m;
	struct lw_proc *p;
	struct lw_open_stall o;
	struct lw_alert al = { .rule = LW_RULE_LOOP_LAG, .firing = true, .value = 300,
			       .threshold = 100, .pid = 9 };
	struct lw_mem_growth_event grow = { .pid = 9, .comm = "srv" };
	struct lw_record rb = { 0 };
	struct lw_event_rec e;
	struct lw_viewer v;
	char *text = NULL, types[256] = "";
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(out);
	lw_model_init(&m);
	p = lw_model_proc(&m, 9, 1, "srv");
	p->iv.loops = 1;
	lw_model_proc(&m, 10, 1, "idle")->iv.active = false;
	memset(&o, 0, sizeof(o));
	hdr(&o.hdr, 9, 9, "srv");
	strcpy(al.comm, "srv");
	lw_record_begin(&rb);
	lw_event_rec_open(&e, &t0, &o, &t0);
	assert_int_equal(lw_record_add(&rb, &e), 0);
	lw_event_rec_mem_growth(&e, &t0, &grow);
	assert_int_equal(lw_record_add(&rb, &e), 0);
	assert_int_equal(lw_record_alert(&rb, &al, &t0, 3), 0);
	rb.rec.model = &m;
	rb.rec.agent.procs = 2;
	assert_int_equal(lw_view_json(&v, out), 0);
	v.interval(v.ctx, lw_record_done(&rb));
	v.close(v.ctx);
	fclose(out);
	for (char *l = text; l && *l; l = strchr(l, '\n') + 1) {
		char *t = strstr(l, "\"type\":\"");

		assert_non_null(t);
		t += 8;
		strncat(types, t, strcspn(t, "\""));
		strcat(types, " ");
	}
	assert_string_equal(types, "stall_in_progress memory_growth summary agent alert ");
	free(text);
	lw_record_free(&rb);
	lw_model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(comm_with_quotes_and_controls_stays_valid),
		cmocka_unit_test(invalid_utf8_is_replaced),
		cmocka_unit_test(truncation_never_splits_an_escape),
		cmocka_unit_test(prom_label_escaping),
		cmocka_unit_test(time_is_rfc3339_utc_millis),
		cmocka_unit_test(stall_line_has_the_contract_fields),
		cmocka_unit_test(start_line_has_the_contract_fields),
		cmocka_unit_test(agent_line_has_the_contract_fields),
		cmocka_unit_test(agent_line_shows_the_detail_tier),
		cmocka_unit_test(stall_in_progress_line),
		cmocka_unit_test(parked_stall_line),
		cmocka_unit_test(summary_line),
		cmocka_unit_test(summary_line_not_loops),
		cmocka_unit_test(herd_line),
		cmocka_unit_test(hot_loop_line),
		cmocka_unit_test(undrained_line),
		cmocka_unit_test(starved_line),
		cmocka_unit_test(backpressure_line),
		cmocka_unit_test(memory_growth_line),
		cmocka_unit_test(alert_lines),
		cmocka_unit_test(json_view_orders_a_tick),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
