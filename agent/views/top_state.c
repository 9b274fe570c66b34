// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "model/hist.h"
#include "model/stacks.h"
#include "views/report.h"
#include "views/top_state.h"

const char *const lw_top_sort_names[LW_TOP_SORT_MAX] = {
	"lag max", "lag p99", "stalls", "wake-ups", "futile %", "retransmits/s", "pid", "comm",
};

void lw_top_state_init(struct lw_top_state *s, unsigned int interval_s, lw_top_name_fn name)
{
	memset(s, 0, sizeof(*s));
	s->interval_s = interval_s;
	s->thread_name = name;
}

void lw_top_state_free(struct lw_top_state *s)
{
	free(s->rows);
	free(s->threads);
	free(s->iters);
	s->rows = NULL;
	s->threads = NULL;
	s->iters = NULL;
}

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	void *p;

	if (need <= *cap)
		return 0;
	p = realloc(*arr, need * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = need;
	return 0;
}

static struct lw_top_evline *new_line(struct lw_top_state *s, uint32_t pid, time_t when)
{
	struct lw_top_evline *e = &s->ev[s->ev_next];
	struct tm tm;

	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->seq = s->seq++;
	localtime_r(&when, &tm);
	strftime(e->when, sizeof(e->when), "%H:%M:%S", &tm);
	s->ev_next = (s->ev_next + 1) % LW_TOP_EV_LINES;
	if (s->ev_n < LW_TOP_EV_LINES)
		s->ev_n++;
	return e;
}

const struct lw_top_evline *lw_top_state_line(const struct lw_top_state *s, size_t i)
{
	return &s->ev[(s->ev_next + LW_TOP_EV_LINES - s->ev_n + i) % LW_TOP_EV_LINES];
}

/* The pane's line of an event: the plain view's line for it, an alert's
 * log line; the record, not the text, says whose it is. */
const struct lw_top_stack *lw_top_state_stack(const struct lw_top_state *s, uint32_t pid)
{
	for (size_t i = 0; i < LW_TOP_STACKS; i++)
		if (s->stacks[i].pid == pid && pid)
			return &s->stacks[i];
	return NULL;
}

/* A stall's stack, copied: the record's is gone after the call. */
static void keep_stack(struct lw_top_state *s, uint32_t pid, const struct lw_stall *st)
{
	const struct lw_stall_stacks *k = st ? st->stacks : NULL;
	struct lw_top_stack *t = NULL;

	if (!k || !k->user.n)
		return;
	for (size_t i = 0; i < LW_TOP_STACKS && !t; i++)
		if (s->stacks[i].pid == pid)
			t = &s->stacks[i];
	if (!t) {
		/* the oldest slot; a free one has seq 0 */
		t = &s->stacks[0];
		for (size_t i = 1; i < LW_TOP_STACKS; i++)
			if (s->stacks[i].seq < t->seq)
				t = &s->stacks[i];
	}
	t->pid = pid;
	t->seq = ++s->seq;
	t->samples = k->samples;
	t->sampled = k->sampled;
	t->n = k->user.n < LW_TOP_STACK_FRAMES ? k->user.n : LW_TOP_STACK_FRAMES;
	for (unsigned int i = 0; i < t->n; i++)
		snprintf(t->frame[i], sizeof(t->frame[i]), "%s", k->user.frame[i]);
}

void lw_top_state_event(struct lw_top_state *s, const struct lw_event_rec *e)
{
	struct lw_top_evline *l;
	FILE *f;

	if (e->type == LW_REC_STALL)
		keep_stack(s, e->pid, e->u.stall.s);
	else if (e->type == LW_REC_STALL_IN_PROGRESS)
		keep_stack(s, e->pid, &e->u.open.o->s);
	l = new_line(s, e->pid, e->time.tv_sec);

	if (e->type == LW_REC_ALERT) {
		lw_alert_describe(e->u.alert.al, e->u.alert.sustain, l->text, sizeof(l->text));
		l->alert = true;
		return;
	}
	f = fmemopen(l->text, sizeof(l->text), "w");
	if (f) {
		lw_table_event(f, e);
		fclose(f);
	}
	/* fmemopen keeps the last byte for the terminator */
	l->text[sizeof(l->text) - 1] = '\0';
	l->text[strcspn(l->text, "\n")] = '\0';
}

void lw_top_state_log(struct lw_top_state *s, enum lw_log_level level, const char *line,
		      time_t now)
{
	struct lw_top_evline *l;

	(void)level;
	if (!line[0])
		return;
	snprintf(s->logs[s->logs_n % LW_TOP_LOG_REPLAY], LW_TOP_LINE_LEN, "%s", line);
	s->logs_n++;
	/* an alert of this tick is already in the pane, under its process */
	for (size_t i = s->ev_n; i-- > 0;) {
		const struct lw_top_evline *e = lw_top_state_line(s, i);

		if (e->seq < s->tick_seq)
			break;
		if (e->alert && !strncmp(e->text, line, sizeof(e->text) - 1))
			return;
	}
	l = new_line(s, 0, now);
	snprintf(l->text, sizeof(l->text), "%s", line);
}

size_t lw_top_state_replay(const struct lw_top_state *s, const char *out[LW_TOP_LOG_REPLAY])
{
	size_t first = s->logs_n > LW_TOP_LOG_REPLAY ? s->logs_n - LW_TOP_LOG_REPLAY : 0, n = 0;

	for (size_t i = first; i < s->logs_n; i++)
		out[n++] = s->logs[i % LW_TOP_LOG_REPLAY];
	return n;
}

static double sort_value(const struct lw_top_row *r, enum lw_top_sort k)
{
	switch (k) {
	/* a loop hung in a stall has no finished iteration to show its lag */
	case LW_TOP_SORT_LAG_MAX: return r->max > r->open_ms ? r->max : r->open_ms;
	case LW_TOP_SORT_LAG_P99: return r->p99;
	case LW_TOP_SORT_STALLS: return (double)r->stalls;
	case LW_TOP_SORT_WAKEUPS: return (double)r->wakeups;
	case LW_TOP_SORT_FUTILE: return r->futile_pct;
	case LW_TOP_SORT_RETR: return r->retr_s;
	default: return 0;
	}
}

static int cmp_pid(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct lw_top_row *x = a, *y = b;
	enum lw_top_sort k = *(const enum lw_top_sort *)arg;
	double vx, vy;
	int c;

	if (k == LW_TOP_SORT_PID)
		return cmp_pid(x->pid, y->pid);
	if (k == LW_TOP_SORT_COMM) {
		c = strcmp(x->comm, y->comm);
		return c ? c : cmp_pid(x->pid, y->pid);
	}
	/* an alert firing sorts first whatever the key: it is what to look at */
	if (!!x->alerts[0] != !!y->alerts[0])
		return y->alerts[0] ? 1 : -1;
	vx = sort_value(x, k);
	vy = sort_value(y, k);
	if (vx != vy)
		return vx < vy ? 1 : -1;
	return cmp_pid(x->pid, y->pid);
}

static void sort_rows(struct lw_top_state *s)
{
	qsort_r(s->rows, s->nrows, sizeof(*s->rows), cmp_rows, &s->sort);
	s->sel = 0;
	for (size_t i = 0; i < s->nrows; i++)
		if (s->rows[i].pid == s->sel_pid)
			s->sel = i;
}

const struct lw_top_row *lw_top_state_row(const struct lw_top_state *s, uint32_t pid)
{
	for (size_t i = 0; i < s->nrows; i++)
		if (s->rows[i].pid == pid)
			return &s->rows[i];
	return NULL;
}

static int main_cause(const struct lw_interval *iv)
{
	int best = -1;
	uint64_t n = 0;

	for (int c = 0; c < LW_CAUSE_MAX; c++)
		if (iv->stalls_by_cause[c] > n) {
			n = iv->stalls_by_cause[c];
			best = c;
		}
	return best;
}

static void fill_row(struct lw_top_row *r, const struct lw_proc *p, const struct lw_alerts *alerts,
		     double secs)
{
	const struct lw_interval *iv = &p->iv;

	memset(r, 0, sizeof(*r));
	r->pid = p->pid;
	memcpy(r->comm, p->comm, sizeof(r->comm));
	r->loops = iv->loops;
	r->p99 = lw_interval_lag_ms(iv, 0.99);
	r->max = (double)iv->lag_max_ns / 1e6;
	r->stalls = lw_interval_stalls(iv);
	r->cause = main_cause(iv);
	r->open_ms = (double)iv->open_stall_ns / 1e6;
	r->wakeups = iv->wakeups;
	r->futile = iv->futile;
	r->futile_pct = iv->wakeups ? 100.0 * (double)iv->futile / (double)iv->wakeups : 0;
	r->undrained = iv->undrained_et;
	r->rcvq = iv->rcvq_max_ratio;
	r->sndq = iv->sndq_max_ratio;
	r->acceptq = iv->acceptq_max_ratio;
	r->retr_s = (double)iv->retransmits / secs;
	r->drops = iv->drops;
	r->rt = p->runtime;
	if (alerts)
		lw_alerts_names(alerts, p->pid, p->start_time, r->alerts, sizeof(r->alerts));
}

static void take_rows(struct lw_top_state *s, const struct lw_interval_rec *r, double secs)
{
	const struct lw_model *m = r->model;

	s->loops = 0;
	s->nrows = 0;
	if (grow((void **)&s->rows, &s->rows_cap, m->nprocs + 1, sizeof(*s->rows)))
		return;
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct lw_proc *p = m->procs[i];

		s->loops += p->iv.loops;
		if (!p->iv.active && !p->iv.loops)
			continue;
		fill_row(&s->rows[s->nrows++], p, r->alerts, secs);
	}
}

static const struct lw_top_iter *find_iter(const struct lw_top_state *s, uint32_t tid)
{
	size_t lo = 0, hi = s->niters;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->iters[mid].tid == tid)
			return &s->iters[mid];
		if (s->iters[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The names of the threads of the page open: read when the figures come or
 * the page opens, so drawing never waits on /proc. */
static void name_threads(struct lw_top_state *s)
{
	for (size_t i = 0; i < s->nthreads; i++) {
		struct lw_top_thread *t = &s->threads[i];

		t->name[0] = '\0';
		if (s->detail && t->pid == s->detail_pid && s->thread_name)
			s->thread_name(t->pid, t->tid, t->name, sizeof(t->name));
		if (!t->name[0])
			snprintf(t->name, sizeof(t->name), "?");
	}
}

static void take_threads(struct lw_top_state *s, const struct lw_interval_rec *r, double secs)
{
	s->nthreads = 0;
	if (grow((void **)&s->threads, &s->threads_cap, r->nthreads + 1, sizeof(*s->threads)))
		return;
	for (size_t i = 0; i < r->nthreads; i++) {
		const struct lw_thread_snap *snap = &r->threads[i];
		const struct lw_top_iter *before = find_iter(s, snap->tid);
		struct lw_top_thread *t = &s->threads[s->nthreads++];
		uint64_t hist[LW_LAG_SLOTS];

		memset(t, 0, sizeof(*t));
		t->tid = snap->tid;
		t->pid = snap->t.pid;
		t->state = snap->t.exited ? LW_TOP_EXITED
			 : snap->t.in_wait ? LW_TOP_WAITING : LW_TOP_BUSY;
		t->iter_s = before && snap->t.iterations >= before->iterations
				    ? (double)(snap->t.iterations - before->iterations) / secs
				    : -1;
		t->stalls = snap->t.stalls;
		for (int k = 0; k < LW_LAG_SLOTS; k++)
			hist[k] = snap->t.lag_hist[k];
		t->p99_all_ms = lw_hist_quantile_ms(hist, LW_LAG_SLOTS, 0.99);
	}
	name_threads(s);
}

/* Each thread's count now, the base of the next interval's rates. */
static void note_iters(struct lw_top_state *s, const struct lw_interval_rec *r)
{
	s->niters = 0;
	if (grow((void **)&s->iters, &s->iters_cap, r->nthreads + 1, sizeof(*s->iters)))
		return;
	for (size_t i = 0; i < r->nthreads; i++) {
		s->iters[i].tid = r->threads[i].tid;
		s->iters[i].iterations = r->threads[i].t.iterations;
	}
	s->niters = r->nthreads;
}

void lw_top_state_interval(struct lw_top_state *s, const struct lw_interval_rec *r)
{
	double secs = r->interval_s ? (double)r->interval_s : 1.0;
	time_t now = r->now.tv_sec;
	struct tm tm;

	s->interval_s = r->interval_s;
	s->tick_seq = s->seq;
	for (size_t i = 0; i < r->nevents; i++)
		lw_top_state_event(s, &r->events[i]);
	if (!s->paused) {
		localtime_r(&now, &tm);
		strftime(s->when, sizeof(s->when), "%H:%M:%S", &tm);
		s->st = r->agent;
		/* skipped program runs are events lost as much as dropped records */
		s->lost_total = r->model->lost_total + r->model->lost_events +
				r->model->missed_total + r->model->missed_runs;
		s->firing = r->alerts ? r->alerts->firing : 0;
		take_rows(s, r, secs);
		take_threads(s, r, secs);
		s->have_data = true;
		sort_rows(s);
	}
	note_iters(s, r);
}

void lw_top_state_sort(struct lw_top_state *s, int key)
{
	s->sort = (enum lw_top_sort)((key + LW_TOP_SORT_MAX) % LW_TOP_SORT_MAX);
	sort_rows(s);
}

void lw_top_state_move(struct lw_top_state *s, long by)
{
	long n = (long)s->sel + by;

	if (n < 0 || !s->nrows)
		n = 0;
	else if (n >= (long)s->nrows)
		n = (long)s->nrows - 1;
	s->sel = (size_t)n;
	if (s->nrows)
		s->sel_pid = s->rows[s->sel].pid;
}

void lw_top_state_open(struct lw_top_state *s)
{
	if (!s->nrows || s->detail)
		return;
	s->detail = true;
	s->detail_pid = s->rows[s->sel].pid;
	name_threads(s);
}

void lw_top_state_back(struct lw_top_state *s)
{
	s->detail = false;
}

void lw_top_state_pause(struct lw_top_state *s)
{
	s->paused = !s->paused;
}
