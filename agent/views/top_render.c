// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "settings/options.h"
#include "views/top_render.h"

int lw_grid_init(struct lw_grid *g, int w, int h)
{
	memset(g, 0, sizeof(*g));
	if (w < 1 || h < 1)
		return -EINVAL;
	g->cells = malloc((size_t)h * (size_t)(w + 1));
	g->attr = calloc((size_t)h, 1);
	if (!g->cells || !g->attr) {
		lw_grid_free(g);
		return -ENOMEM;
	}
	g->w = w;
	g->h = h;
	return 0;
}

void lw_grid_free(struct lw_grid *g)
{
	free(g->cells);
	free(g->attr);
	memset(g, 0, sizeof(*g));
}

const char *lw_grid_line(const struct lw_grid *g, int y)
{
	return g->cells + (size_t)y * (size_t)(g->w + 1);
}

static void clear(struct lw_grid *g)
{
	for (int y = 0; y < g->h; y++) {
		char *l = g->cells + (size_t)y * (size_t)(g->w + 1);

		memset(l, ' ', (size_t)g->w);
		l[g->w] = '\0';
		g->attr[y] = 0;
	}
}

static void put_line(struct lw_grid *g, int y, const char *s, unsigned char attr)
{
	char *l;
	size_t n;

	if (y < 0 || y >= g->h)
		return;
	l = g->cells + (size_t)y * (size_t)(g->w + 1);
	memset(l, ' ', (size_t)g->w);
	n = strlen(s);
	memcpy(l, s, n < (size_t)g->w ? n : (size_t)g->w);
	g->attr[y] = attr;
}

static void fmt_pct(char *out, size_t len, double ratio, bool known)
{
	if (known)
		snprintf(out, len, "%.0f", ratio * 100);
	else
		snprintf(out, len, "-");
}

static void draw_header(const struct lw_top_state *s, struct lw_grid *g)
{
	char line[512];
	double eps = s->interval_s ? (double)s->st.events / s->interval_s : 0;

	snprintf(line, sizeof(line), "loopwatch %s  %s  interval %u s  sort: %s%s", LW_VERSION,
		 s->when[0] ? s->when : "--:--:--", s->interval_s, lw_top_sort_names[s->sort],
		 s->paused ? "  [PAUSED]" : "");
	put_line(g, 0, line, LW_GRID_BOLD);
	snprintf(line, sizeof(line),
		 "loops tracked %u  processes %zu  events/s %.1f  lost %llu (total %llu)  alerts firing %u  agent cpu %.1f%%  rss %llu MB",
		 s->loops, s->nrows, eps, (unsigned long long)(s->st.lost_events + s->st.missed_runs),
		 (unsigned long long)s->lost_total, s->firing, s->st.cpu_pct,
		 (unsigned long long)s->st.rss_kb / 1024);
	put_line(g, 1, line, s->firing ? LW_GRID_ALERT : 0);
}

/* The newest lines that fit, at the bottom like a log; only those about pid
 * unless it is 0. */
static int draw_events(const struct lw_top_state *s, struct lw_grid *g, int y, int h,
		       uint32_t pid)
{
	size_t idx[LW_TOP_EV_LINES], n = 0;
	char line[LW_TOP_LINE_LEN + 16];

	if (h < 2)
		return y;
	put_line(g, y++, pid ? "RECENT EVENTS OF THIS PROCESS" : "RECENT EVENTS", LW_GRID_REVERSE);
	h--;
	for (size_t i = 0; i < s->ev_n; i++)
		if (!pid || lw_top_state_line(s, i)->pid == pid)
			idx[n++] = i;
	for (size_t i = n > (size_t)h ? n - (size_t)h : 0; i < n; i++) {
		const struct lw_top_evline *e = lw_top_state_line(s, idx[i]);

		snprintf(line, sizeof(line), "%s %s", e->when, e->text);
		put_line(g, y++, line, 0);
	}
	return y;
}

static void row_line(const struct lw_top_row *r, char *line, size_t len)
{
	char fut[8], rq[8], sq[8], open_s[24];

	if (r->open_ms > 0)
		snprintf(open_s, sizeof(open_s), "%.0f", r->open_ms);
	else
		snprintf(open_s, sizeof(open_s), "-");
	fmt_pct(fut, sizeof(fut), r->futile_pct / 100, r->wakeups > 0);
	fmt_pct(rq, sizeof(rq), r->rcvq, true);
	fmt_pct(sq, sizeof(sq), r->sndq, true);
	if (!lw_runtime_loops(r->rt)) {
		/* marked, not hidden: its socket figures still count */
		char rt[16];

		snprintf(rt, sizeof(rt), "[%s]", lw_runtime_name(r->rt));
		snprintf(line, len,
			 "%7u %-15.15s %4s %8s %8s %6s %-8s %8s %7llu %5s %5llu %5s %5s %6.1f %s",
			 r->pid, r->comm, "-", "-", "-", "-", rt, "-", (unsigned long long)r->wakeups,
			 fut, (unsigned long long)r->undrained, rq, sq, r->retr_s,
			 r->alerts[0] ? r->alerts : "-");
		return;
	}
	snprintf(line, len,
		 "%7u %-15.15s %4u %8.2f %8.2f %6llu %-8s %8s %7llu %5s %5llu %5s %5s %6.1f %s",
		 r->pid, r->comm, r->loops, r->p99, r->max, (unsigned long long)r->stalls,
		 r->cause >= 0 ? lw_cause_name((enum lw_cause)r->cause) : "-", open_s,
		 (unsigned long long)r->wakeups, fut, (unsigned long long)r->undrained, rq, sq,
		 r->retr_s, r->alerts[0] ? r->alerts : "-");
}

static void draw_list(struct lw_top_state *s, struct lw_grid *g)
{
	int evh = g->h >= 20 ? (g->h - 6) / 3 : 0;
	int y = 3, list_h;
	char line[512];

	if (evh > 12)
		evh = 12;
	list_h = g->h - 1 - (y + 1) - evh;
	snprintf(line, sizeof(line), "%7s %-15s %4s %8s %8s %6s %-8s %8s %7s %5s %5s %5s %5s %6s %s",
		 "PID", "COMM", "THR", "P99_MS", "MAX_MS", "STALLS", "CAUSE", "OPEN_MS", "WAKEUPS",
		 "FUT%", "UNDET", "RCVQ%", "SNDQ%", "RETR/s", "ALERT");
	put_line(g, y, line, LW_GRID_REVERSE);
	if (!s->have_data)
		put_line(g, y + 1, "  waiting for the first interval...", 0);
	if (list_h < 1)
		list_h = 1;
	if (s->sel >= s->nrows)
		s->sel = s->nrows ? s->nrows - 1 : 0;
	if (s->sel < s->top_row)
		s->top_row = s->sel;
	if (s->sel >= s->top_row + (size_t)list_h)
		s->top_row = s->sel - (size_t)list_h + 1;
	for (int k = 0; k < list_h && s->top_row + (size_t)k < s->nrows; k++) {
		size_t i = s->top_row + (size_t)k;
		const struct lw_top_row *r = &s->rows[i];
		unsigned char a = 0;

		row_line(r, line, sizeof(line));
		if (r->alerts[0])
			a |= LW_GRID_ALERT;
		if (i == s->sel)
			a |= LW_GRID_REVERSE;
		put_line(g, y + 1 + k, line, a);
	}
	if (s->nrows)
		s->sel_pid = s->rows[s->sel].pid;
	draw_events(s, g, y + 1 + list_h, evh, 0);
	put_line(g, g->h - 1,
		 "q quit  p pause  </> sort  m max  9 p99  s stalls  w wake-ups  f futile  r retr  n pid  c comm  Up/Down select  Enter open",
		 LW_GRID_REVERSE);
}

static const char *state_name(enum lw_top_thread_state st)
{
	return st == LW_TOP_EXITED ? "exited" : st == LW_TOP_WAITING ? "waiting" : "busy";
}

/* The process's last stall's stack, leaf first, while the screen has room
 * for the events below it. Returns the next free line. */
static int draw_stack(const struct lw_top_state *s, struct lw_grid *g, int y)
{
	const struct lw_top_stack *k = lw_top_state_stack(s, s->detail_pid);
	char line[LW_TOP_LINE_LEN + 16];

	if (!k)
		return y;
	if (k->samples)
		snprintf(line, sizeof(line), "LAST STALL'S STACK (%u of %u samples)", k->samples,
			 k->sampled);
	else
		snprintf(line, sizeof(line), "LAST STALL'S STACK");
	put_line(g, y++, line, LW_GRID_BOLD);
	for (unsigned int i = 0; i < k->n && y < g->h - 4; i++) {
		snprintf(line, sizeof(line), "  %s", k->frame[i]);
		put_line(g, y++, line, 0);
	}
	return y;
}

static void draw_detail(const struct lw_top_state *s, struct lw_grid *g)
{
	const struct lw_top_row *r = lw_top_state_row(s, s->detail_pid);
	int y = 3, nthreads = 0;
	char line[512];

	if (!r) {
		snprintf(line, sizeof(line), "PID %u: not seen in the last interval (exited?)",
			 s->detail_pid);
		put_line(g, y++, line, LW_GRID_BOLD);
	} else {
		snprintf(line, sizeof(line),
			 "PID %u (%s)  loop threads %u  lag p99 %.2f ms  max %.2f ms  stalls %llu%s%s%s  alerts: %s",
			 r->pid, r->comm, r->loops, r->p99, r->max, (unsigned long long)r->stalls,
			 r->cause >= 0 ? " (" : "",
			 r->cause >= 0 ? lw_cause_name((enum lw_cause)r->cause) : "",
			 r->cause >= 0 ? ")" : "", r->alerts[0] ? r->alerts : "none");
		put_line(g, y++, line, LW_GRID_BOLD | (r->alerts[0] ? LW_GRID_ALERT : 0));
		if (!lw_runtime_loops(r->rt)) {
			snprintf(line, sizeof(line), "runtime %s: threads are not loops (%s); no loop lag or stalls",
				 lw_runtime_name(r->rt), lw_runtime_reason(r->rt));
			put_line(g, y++, line, 0);
		}
		snprintf(line, sizeof(line),
			 "wake-ups %llu  futile %llu  undrained ET %llu  queues rcv %.0f%% snd %.0f%% accept %.0f%%  retransmits %.1f/s  drops %llu",
			 (unsigned long long)r->wakeups, (unsigned long long)r->futile,
			 (unsigned long long)r->undrained, r->rcvq * 100, r->sndq * 100,
			 r->acceptq * 100, r->retr_s, (unsigned long long)r->drops);
		put_line(g, y++, line, 0);
	}
	y++;
	snprintf(line, sizeof(line), "%8s %-16s %-8s %9s %8s %12s", "TID", "THREAD", "STATE",
		 "ITER/s", "STALLS", "P99_MS(all)");
	put_line(g, y++, line, LW_GRID_REVERSE);
	for (size_t i = 0; i < s->nthreads && y < g->h / 2 + 2; i++) {
		const struct lw_top_thread *t = &s->threads[i];
		char rate[24];

		if (t->pid != s->detail_pid)
			continue;
		nthreads++;
		if (r && !lw_runtime_loops(r->rt)) {
			/* the probes' raw counts of a thread that is not a loop
			 * would read as stalls: only its state is shown */
			snprintf(line, sizeof(line), "%8u %-16s %-8s %9s %8s %12s", t->tid, t->name,
				 state_name(t->state), "-", "-", "-");
			put_line(g, y++, line, 0);
			continue;
		}
		if (t->iter_s >= 0)
			snprintf(rate, sizeof(rate), "%.0f", t->iter_s);
		else
			snprintf(rate, sizeof(rate), "-");
		snprintf(line, sizeof(line), "%8u %-16s %-8s %9s %8llu %12.3f", t->tid, t->name,
			 state_name(t->state), rate, (unsigned long long)t->stalls, t->p99_all_ms);
		put_line(g, y++, line, 0);
	}
	if (!nthreads)
		put_line(g, y++, "  no loop thread", 0);
	y = draw_stack(s, g, y + 1);
	y++;
	draw_events(s, g, y, g->h - 1 - y, s->detail_pid);
	put_line(g, g->h - 1, "Esc/Left back  q quit  p pause", LW_GRID_REVERSE);
}

void lw_top_render(struct lw_top_state *s, struct lw_grid *g)
{
	clear(g);
	draw_header(s, g);
	if (s->detail)
		draw_detail(s, g);
	else
		draw_list(s, g);
}
