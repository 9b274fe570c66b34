// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "util/escape.h"
#include "util/json.h"
#include "views/report.h"

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
	line = lw_json_start(&j, &ts, "6.1.0-50-cloud-amd64", hooks, &d);
	assert_non_null(line);
	assert_string_equal(line,
		"{\"type\":\"start\",\"time\":\"1970-01-01T00:00:00.000Z\","
		"\"kernel\":\"6.1.0-50-cloud-amd64\",\"hooks\":\"fentry\",\"detections\":{"
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
		"\"stack_sample\":\"tp_btf\"}}\n");
	lw_json_free(&j);
}

static void agent_line_has_the_contract_fields(void **state)
{
	struct lw_agent_stats st = { .events = 12, .lost_events = 1, .cpu_pct = 0.25,
				     .cpu_ns = 5, .rss_kb = 6100, .threads = 3, .procs = 2,
				     .threads_dropped = 0 };
	struct lw_json j = { 0 };
	struct timespec ts = { .tv_sec = 0 };
	const char *line;

	(void)state;
	line = lw_json_agent(&j, &ts, &st);
	assert_non_null(line);
	assert_string_equal(line, "{\"type\":\"agent\",\"time\":\"1970-01-01T00:00:00.000Z\","
				  "\"events\":12,\"lost_events\":1,\"cpu_pct\":0.250,\"rss_kb\":6100,"
				  "\"threads\":3,\"procs\":2,\"threads_dropped\":0}\n");
	lw_json_free(&j);
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
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
