// SPDX-License-Identifier: GPL-2.0
/*
 * The top view from records to a screen of characters, no terminal: which
 * process a row and an event line belong to is decided by the record, never
 * by text, so a comm or a log line that reads "pid N" is charged to no one
 * else; every event type reaches the pane; /proc is read when figures
 * arrive or a page opens, never while drawing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "model/record.h"
#include "model/stacks.h"
#include "views/top_render.h"
#include "views/top_state.h"
#include "views/report.h"

#define W 150
#define H 40

static unsigned int name_calls;

static void fake_name(uint32_t pid, uint32_t tid, char *out, size_t len)
{
	name_calls++;
	snprintf(out, len, "t%u.%u", pid, tid);
}

/* Two processes whose comms read like another's pid. */
struct world {
	struct lw_model m;
	struct lw_thread_snap th[3];
	struct lw_top_state s;
	struct lw_grid g;
};

static void world_init(struct world *w)
{
	struct lw_proc *p;

	setenv("TZ", "UTC", 1);
	lw_model_init(&w->m);
	p = lw_model_proc(&w->m, 42, 1, "pid 7 worker");
	p->iv.loops = 1;
	p->iv.lag_max_ns = 250000000;	/* 250 ms: sorts first by max lag */
	p->iv.stalls = 3;
	p = lw_model_proc(&w->m, 7, 1, "quiet");
	p->iv.loops = 1;
	p->iv.lag_max_ns = 1000000;
	memset(w->th, 0, sizeof(w->th));
	w->th[0].tid = 42;
	w->th[0].t.pid = 42;
	w->th[0].t.iterations = 1000;
	w->th[1].tid = 43;
	w->th[1].t.pid = 42;
	w->th[1].t.in_wait = 1;
	w->th[2].tid = 7;
	w->th[2].t.pid = 7;
	name_calls = 0;
	lw_top_state_init(&w->s, 1, fake_name);
	assert_int_equal(lw_grid_init(&w->g, W, H), 0);
}

static void world_free(struct world *w)
{
	lw_top_state_free(&w->s);
	lw_grid_free(&w->g);
	lw_model_free(&w->m);
}

static void rec_init(struct lw_interval_rec *r, struct world *w, long sec)
{
	memset(r, 0, sizeof(*r));
	r->now.tv_sec = sec;
	r->interval_s = 1;
	r->model = &w->m;
	r->threads = w->th;
	r->nthreads = 3;
}

static int line_with(const struct lw_grid *g, int from, const char *what)
{
	for (int y = from; y < g->h; y++)
		if (strstr(lw_grid_line(g, y), what))
			return y;
	return -1;
}

static int pane_start(const struct lw_grid *g)
{
	return line_with(g, 0, "RECENT EVENTS");
}

static unsigned int pid_of_row(const char *line)
{
	return (unsigned int)strtoul(line, NULL, 10);
}

static void hdr(struct lw_event_hdr *h, uint32_t pid, uint32_t tid, const char *comm)
{
	memset(h, 0, sizeof(*h));
	h->pid = pid;
	h->tid = tid;
	snprintf(h->comm, sizeof(h->comm), "%s", comm);
}

/* Go to pid's row and open its page. */
static void open_page(struct lw_top_state *s, uint32_t pid)
{
	lw_top_state_move(s, -(long)s->nrows);
	while (s->rows[s->sel].pid != pid && s->sel + 1 < s->nrows)
		lw_top_state_move(s, 1);
	assert_int_equal(s->rows[s->sel].pid, pid);
	lw_top_state_open(s);
}

static void rows_and_events_belong_to_the_record_s_pid(void **state)
{
	struct world w;
	struct lw_interval_rec r;
	struct lw_event_hdr h;
	struct lw_stall st = { .duration_ms = 120, .cause = LW_CAUSE_CPU };
	struct lw_event_rec e;
	struct timespec t = { .tv_sec = 3600 };
	int y, pane;

	(void)state;
	world_init(&w);
	st.part_ms[LW_CAUSE_CPU] = 120;
	/* a stall of pid 42, whose comm names pid 7 */
	hdr(&h, 42, 42, "pid 7 worker");
	lw_event_rec_stall(&e, &t, &h, &st);
	lw_top_state_event(&w.s, &e);
	/* a log line that names pid 7 (first, as a text search would take it) and pid 123 */
	lw_top_state_log(&w.s, LW_LOG_WARN, "restarted pid 7 after pid 123 left", 3600);
	rec_init(&r, &w, 3601);
	lw_top_state_interval(&w.s, &r);
	lw_top_render(&w.s, &w.g);

	y = line_with(&w.g, 0, "pid 7 worker");
	assert_true(y > 3);
	assert_int_equal(pid_of_row(lw_grid_line(&w.g, y)), 42);
	assert_string_equal(strtok(strstr(lw_grid_line(&w.g, y), "pid 7 worker") + 12, " "),
			    "1");	/* its one loop thread, next column */
	y = line_with(&w.g, 0, " quiet ");
	assert_int_equal(pid_of_row(lw_grid_line(&w.g, y)), 7);
	pane = pane_start(&w.g);
	assert_true(pane > y);
	assert_true(line_with(&w.g, pane, "01:00:00 STALL pid 42 tid 42 pid 7 worker") > pane);
	assert_true(line_with(&w.g, pane, "restarted pid 7 after pid 123 left") > pane);

	/* pid 7's page: none of it is pid 7's */
	open_page(&w.s, 7);
	lw_top_render(&w.s, &w.g);
	assert_int_equal(line_with(&w.g, 0, "PID 7 (quiet)"), 3);
	pane = line_with(&w.g, 0, "RECENT EVENTS OF THIS PROCESS");
	assert_true(pane > 0);
	assert_int_equal(line_with(&w.g, pane, "STALL"), -1);
	assert_int_equal(line_with(&w.g, pane, "restarted"), -1);

	/* pid 42's page: its stall, not the log line */
	lw_top_state_back(&w.s);
	open_page(&w.s, 42);
	lw_top_render(&w.s, &w.g);
	assert_int_equal(line_with(&w.g, 0, "PID 42 (pid 7 worker)"), 3);
	pane = line_with(&w.g, 0, "RECENT EVENTS OF THIS PROCESS");
	assert_true(line_with(&w.g, pane, "STALL pid 42 tid 42") > pane);
	assert_int_equal(line_with(&w.g, pane, "restarted"), -1);
	world_free(&w);
}

/* The process page: its threads with their names, rates from the last two
 * records; the names are read when the page opens and when figures come. */
static void threads_are_named_outside_drawing(void **state)
{
	struct world w;
	struct lw_interval_rec r;
	int y;

	(void)state;
	world_init(&w);
	rec_init(&r, &w, 10);
	lw_top_state_interval(&w.s, &r);
	assert_int_equal(name_calls, 0);	/* no page open: nothing read */
	open_page(&w.s, 42);
	assert_int_equal(name_calls, 2);	/* its two threads, at the key */
	lw_top_render(&w.s, &w.g);
	lw_top_render(&w.s, &w.g);
	assert_int_equal(name_calls, 2);	/* drawing reads nothing */
	y = line_with(&w.g, 0, "t42.42");
	assert_true(y > 0);
	assert_non_null(strstr(lw_grid_line(&w.g, y), "busy"));
	assert_non_null(strstr(lw_grid_line(&w.g, y), "        -"));	/* no rate yet */
	assert_true(line_with(&w.g, 0, "t42.43") > 0);
	assert_int_equal(line_with(&w.g, 0, "t7.7"), -1);

	w.th[0].t.iterations = 1500;
	rec_init(&r, &w, 11);
	lw_top_state_interval(&w.s, &r);
	assert_int_equal(name_calls, 4);
	lw_top_render(&w.s, &w.g);
	y = line_with(&w.g, 0, "t42.42");
	assert_non_null(strstr(lw_grid_line(&w.g, y), "      500 "));
	world_free(&w);
}

/* One of each type: each in the pane, charged to its pid. */
static void every_event_type_reaches_the_pane(void **state)
{
	struct world w;
	struct lw_event_hdr h;
	struct lw_stall st = { .duration_ms = 50, .cause = LW_CAUSE_BLOCKED };
	struct lw_open_stall o;
	struct lw_herd_event herd;
	struct lw_hot_event hot;
	struct lw_undrained_event und;
	struct lw_starved sv;
	struct lw_bp_event bp;
	struct lw_mem_growth_event mg;
	struct lw_alert al;
	struct lw_record rb = { 0 };
	struct lw_event_rec e;
	struct timespec t = { .tv_sec = 100 };
	static const char *const want[] = {
		"STALL pid 42", "STALL IN PROGRESS pid 42", "HERD pid 42", "HOT LOOP pid 42",
		"UNDRAINED pid 42", "STARVED pid 42", "BACKPRESSURE pid 42", "MEMORY GROWTH pid 42",
		"alert loop_lag firing: pid 42 (pid 7 worker)",
	};
	int pane;

	(void)state;
	world_init(&w);
	hdr(&h, 42, 42, "pid 7 worker");
	lw_event_rec_stall(&e, &t, &h, &st);
	lw_top_state_event(&w.s, &e);
	memset(&herd, 0, sizeof(herd));
	hdr(&herd.hdr, 42, 0, "pid 7 worker");
	herd.woken = 4;
	herd.futile = 3;
	lw_event_rec_herd(&e, &t, &herd);
	lw_top_state_event(&w.s, &e);
	memset(&hot, 0, sizeof(hot));
	hdr(&hot.hdr, 42, 42, "pid 7 worker");
	lw_event_rec_hot(&e, &t, &hot);
	lw_top_state_event(&w.s, &e);
	memset(&und, 0, sizeof(und));
	hdr(&und.hdr, 42, 42, "pid 7 worker");
	lw_event_rec_undrained(&e, &t, &und);
	lw_top_state_event(&w.s, &e);
	memset(&sv, 0, sizeof(sv));
	sv.pid = 42;
	sv.tid = 42;
	strcpy(sv.comm, "pid 7 worker");
	lw_event_rec_starved(&e, &t, &sv);
	lw_top_state_event(&w.s, &e);
	memset(&bp, 0, sizeof(bp));
	hdr(&bp.hdr, 42, 42, "pid 7 worker");
	lw_event_rec_bp(&e, &t, &bp);
	lw_top_state_event(&w.s, &e);
	memset(&mg, 0, sizeof(mg));
	mg.pid = 42;
	strcpy(mg.comm, "pid 7 worker");
	lw_event_rec_mem_growth(&e, &t, &mg);
	lw_top_state_event(&w.s, &e);

	/* the tick's own: a stall in progress and an alert */
	lw_record_begin(&rb);
	memset(&o, 0, sizeof(o));
	hdr(&o.hdr, 42, 42, "pid 7 worker");
	o.s.duration_ms = 900;
	lw_event_rec_open(&e, &t, &o, &t);
	assert_int_equal(lw_record_add(&rb, &e), 0);
	memset(&al, 0, sizeof(al));
	al.rule = LW_RULE_LOOP_LAG;
	al.firing = true;
	al.value = 250;
	al.threshold = 100;
	al.pid = 42;
	strcpy(al.comm, "pid 7 worker");
	assert_int_equal(lw_record_alert(&rb, &al, &t, 3), 0);
	rec_init(&rb.rec, &w, 101);
	lw_top_state_interval(&w.s, lw_record_done(&rb));
	/* the alert's log line comes after it: not a second line in the pane */
	{
		char line[512];

		lw_alert_describe(&al, 3, line, sizeof(line));
		lw_top_state_log(&w.s, LW_LOG_WARN, line, 101);
	}
	assert_int_equal(w.s.ev_n, 9);
	{
		const char *replay[LW_TOP_LOG_REPLAY];

		assert_int_equal(lw_top_state_replay(&w.s, replay), 1);	/* but replayed */
		assert_non_null(strstr(replay[0], "alert loop_lag firing"));
	}
	lw_top_render(&w.s, &w.g);
	pane = pane_start(&w.g);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_true(line_with(&w.g, pane, want[i]) > pane);
	open_page(&w.s, 42);
	lw_top_render(&w.s, &w.g);
	pane = line_with(&w.g, 0, "RECENT EVENTS OF THIS PROCESS");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_true(line_with(&w.g, pane, want[i]) > pane);
	lw_record_free(&rb);
	world_free(&w);
}

/* Paused: the rows stay, new events still come in. */
static void pause_freezes_the_rows(void **state)
{
	struct world w;
	struct lw_interval_rec r;
	struct lw_event_hdr h;
	struct lw_stall st = { .duration_ms = 50 };
	struct lw_event_rec e;
	struct timespec t = { .tv_sec = 5 };

	(void)state;
	world_init(&w);
	rec_init(&r, &w, 5);
	lw_top_state_interval(&w.s, &r);
	lw_top_state_pause(&w.s);
	lw_model_find(&w.m, 7)->iv.lag_max_ns = 900000000;
	hdr(&h, 7, 7, "quiet");
	lw_event_rec_stall(&e, &t, &h, &st);
	lw_top_state_event(&w.s, &e);
	rec_init(&r, &w, 6);
	lw_top_state_interval(&w.s, &r);
	lw_top_render(&w.s, &w.g);
	assert_true(line_with(&w.g, 0, "[PAUSED]") == 0);
	assert_true(line_with(&w.g, 0, "   250.00 ") < line_with(&w.g, 0, " quiet "));
	assert_true(line_with(&w.g, pane_start(&w.g), "STALL pid 7") > 0);
	world_free(&w);
}

/* A small terminal: every line fits, the key help stays at the bottom. */
static void small_screen_fits(void **state)
{
	struct world w;
	struct lw_interval_rec r;
	struct lw_grid g;

	(void)state;
	world_init(&w);
	rec_init(&r, &w, 5);
	lw_top_state_interval(&w.s, &r);
	assert_int_equal(lw_grid_init(&g, 60, 8), 0);
	lw_top_render(&w.s, &g);
	for (int y = 0; y < g.h; y++)
		assert_int_equal(strlen(lw_grid_line(&g, y)), 60);
	assert_int_equal(strncmp(lw_grid_line(&g, 0), "loopwatch ", 10), 0);
	assert_int_equal(strncmp(lw_grid_line(&g, 7), "q quit", 6), 0);
	assert_true(g.attr[7] & LW_GRID_REVERSE);
	lw_grid_free(&g);
	world_free(&w);
}

/* A process's page shows the stack of its last stall that had one, leaf
 * first; another process's page shows none, and a later stall without a
 * stack leaves the last one shown. */
static void page_shows_the_last_stall_s_stack(void **state)
{
	static struct lw_stall_stacks k1, k2;
	struct world w;
	struct lw_interval_rec r;
	struct lw_event_hdr h;
	struct lw_stall st = { .duration_ms = 150, .cause = LW_CAUSE_BLOCKED };
	struct lw_event_rec e;
	struct timespec t = { .tv_sec = 3600 };
	int y;

	(void)state;
	world_init(&w);
	hdr(&h, 42, 42, "pid 7 worker");
	k1.user.n = 2;
	snprintf(k1.user.frame[0], LW_FRAME_LEN, "old_leaf+0x1 (srv)");
	snprintf(k1.user.frame[1], LW_FRAME_LEN, "main+0x2 (srv)");
	st.stacks = &k1;
	lw_event_rec_stall(&e, &t, &h, &st);
	lw_top_state_event(&w.s, &e);
	k2.user.n = 3;
	snprintf(k2.user.frame[0], LW_FRAME_LEN, "clock_nanosleep+0x5b (libc.so.6)");
	snprintf(k2.user.frame[1], LW_FRAME_LEN, "fl_inject_sleep+0x20 (faultlab)");
	snprintf(k2.user.frame[2], LW_FRAME_LEN, "main+0x99 (faultlab)");
	st.stacks = &k2;
	lw_top_state_event(&w.s, &e);
	/* the record's buffers are the model's: gone after the call */
	memset(&k2, 0, sizeof(k2));
	st.stacks = NULL;
	lw_top_state_event(&w.s, &e);
	rec_init(&r, &w, 3601);
	lw_top_state_interval(&w.s, &r);

	open_page(&w.s, 42);
	lw_top_render(&w.s, &w.g);
	y = line_with(&w.g, 0, "LAST STALL'S STACK");
	assert_true(y > 3);
	assert_int_equal(line_with(&w.g, y, "clock_nanosleep+0x5b (libc.so.6)"), y + 1);
	assert_int_equal(line_with(&w.g, y, "fl_inject_sleep+0x20 (faultlab)"), y + 2);
	assert_int_equal(line_with(&w.g, y, "main+0x99 (faultlab)"), y + 3);
	assert_int_equal(line_with(&w.g, 0, "old_leaf"), -1);
	assert_true(line_with(&w.g, y, "RECENT EVENTS OF THIS PROCESS") > y + 3);

	lw_top_state_back(&w.s);
	open_page(&w.s, 7);
	lw_top_render(&w.s, &w.g);
	assert_int_equal(line_with(&w.g, 0, "LAST STALL'S STACK"), -1);
	world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rows_and_events_belong_to_the_record_s_pid),
		cmocka_unit_test(threads_are_named_outside_drawing),
		cmocka_unit_test(every_event_type_reaches_the_pane),
		cmocka_unit_test(pause_freezes_the_rows),
		cmocka_unit_test(small_screen_fits),
		cmocka_unit_test(page_shows_the_last_stall_s_stack),
	};

	return cmocka_run_group_tests_name("top", tests, NULL, NULL);
}
