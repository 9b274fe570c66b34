// SPDX-License-Identifier: GPL-2.0
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "model/hist.h"
#include "settings/options.h"
#include "util/selfstat.h"
#include "views/top.h"

#define EV_LINES 256
#define LOG_REPLAY 10
#define LINE_LEN 240

enum sort_key {
	SORT_LAG_MAX, SORT_LAG_P99, SORT_STALLS, SORT_WAKEUPS, SORT_FUTILE, SORT_RETR, SORT_PID,
	SORT_COMM, SORT_MAX,
};

static const char *const sort_names[SORT_MAX] = {
	"lag max", "lag p99", "stalls", "wake-ups", "futile %", "retransmits/s", "pid", "comm",
};

struct row {
	uint32_t pid;
	char comm[LW_COMM_LEN];
	unsigned int loops;
	double p99, max;
	uint64_t stalls;
	int cause;		/* the most frequent cause this interval, -1: none */
	double open_ms;		/* longest stall still in progress, 0: none */
	uint64_t wakeups, futile, undrained;
	double futile_pct;
	double rcvq, sndq, acceptq;
	double retr_s;
	uint64_t drops;
	char alerts[64];
	enum lw_runtime rt;	/* not LW_RT_OTHER: threads are not loops */
};

struct evline {
	uint32_t pid;		/* 0: not about one process */
	char text[LINE_LEN];
};

struct thread_rate {
	uint32_t tid;
	uint64_t iterations;
};

struct lw_top {
	SCREEN *scr;
	FILE *tty_out, *tty_in;
	FILE *orig_out, *orig_err;
	FILE *cap_out, *cap_err;
	char *out_buf, *err_buf;
	size_t out_len, err_len;
	unsigned int interval_s;
	bool have_data;
	/* the last interval, frozen while paused */
	struct row *rows;
	size_t nrows, rows_cap;
	struct lw_agent_stats st;
	uint64_t lost_total;
	unsigned int loops, firing;
	char when[16];
	const struct lw_model *m;	/* for the threads of the process page */
	enum sort_key sort;
	bool paused;
	size_t sel, top_row;
	uint32_t sel_pid;
	bool detail;
	uint32_t detail_pid;
	struct thread_rate *rates, *prev_rates;
	size_t nrates, nprev_rates;
	struct evline ev[EV_LINES];
	size_t ev_next, ev_n;
	char logs[LOG_REPLAY][LINE_LEN];
	size_t logs_n;
	bool colors;
};

/* The one view alive, for the handlers that must give the terminal back. */
static struct lw_top *active;

static void restore_terminal(void)
{
	if (active && active->scr && !isendwin())
		endwin();
}

/* Best effort on a crash: endwin() is not async-signal-safe, but a dead
 * agent that leaves the terminal in raw mode is worse. */
static void on_crash(int sig)
{
	restore_terminal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_crash_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	static bool done;
	struct sigaction sa;

	if (done)
		return;
	done = true;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	atexit(restore_terminal);
}

static uint32_t find_pid(const char *s)
{
	const char *p = strstr(s, "pid ");
	size_t skip = 4;

	if (!p) {
		p = strstr(s, "\"pid\":");
		skip = 6;
	}
	return p ? (uint32_t)strtoul(p + skip, NULL, 10) : 0;
}

static void add_line(struct lw_top *t, const char *s, size_t n, bool log)
{
	struct evline *e = &t->ev[t->ev_next];
	char when[16];
	time_t now = time(NULL);
	struct tm tm;

	/* journald prefixes and our own name say nothing inside the view */
	if (n > 3 && s[0] == '<' && s[2] == '>') {
		s += 3;
		n -= 3;
	}
	if (n >= 11 && !strncmp(s, "loopwatch: ", 11)) {
		s += 11;
		n -= 11;
	}
	if (!n)
		return;
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	snprintf(e->text, sizeof(e->text), "%s %.*s", when, (int)n, s);
	e->pid = find_pid(e->text);
	t->ev_next = (t->ev_next + 1) % EV_LINES;
	if (t->ev_n < EV_LINES)
		t->ev_n++;
	if (log) {
		snprintf(t->logs[t->logs_n % LOG_REPLAY], LINE_LEN, "%.*s", (int)n, s);
		t->logs_n++;
	}
}

static void take(struct lw_top *t, FILE *f, char **buf, size_t *len, bool log)
{
	size_t start = 0;

	if (!f)
		return;
	fflush(f);
	for (size_t i = 0; i < *len; i++) {
		if ((*buf)[i] != '\n')
			continue;
		add_line(t, *buf + start, i - start, log);
		start = i + 1;
	}
	if (start < *len)
		add_line(t, *buf + start, *len - start, log);
	/* write from the start again: the next flush reports only new bytes */
	if (*len) {
		fseeko(f, 0, SEEK_SET);
		fflush(f);
	}
}

void lw_top_collect(struct lw_top *t)
{
	if (!t)
		return;
	take(t, t->cap_out, &t->out_buf, &t->out_len, false);
	take(t, t->cap_err, &t->err_buf, &t->err_len, true);
}

static double sort_value(const struct row *r, enum sort_key k)
{
	switch (k) {
	/* a loop hung in a stall has no finished iteration to show its lag */
	case SORT_LAG_MAX: return r->max > r->open_ms ? r->max : r->open_ms;
	case SORT_LAG_P99: return r->p99;
	case SORT_STALLS: return (double)r->stalls;
	case SORT_WAKEUPS: return (double)r->wakeups;
	case SORT_FUTILE: return r->futile_pct;
	case SORT_RETR: return r->retr_s;
	default: return 0;
	}
}

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct row *x = a, *y = b;
	enum sort_key k = *(const enum sort_key *)arg;
	double vx, vy;
	int c;

	if (k == SORT_PID)
		return x->pid < y->pid ? -1 : x->pid > y->pid;
	if (k == SORT_COMM) {
		c = strcmp(x->comm, y->comm);
		return c ? c : (x->pid < y->pid ? -1 : x->pid > y->pid);
	}
	/* an alert firing sorts first whatever the key: it is what to look at */
	if (!!x->alerts[0] != !!y->alerts[0])
		return y->alerts[0] ? 1 : -1;
	vx = sort_value(x, k);
	vy = sort_value(y, k);
	if (vx != vy)
		return vx < vy ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static void sort_rows(struct lw_top *t)
{
	qsort_r(t->rows, t->nrows, sizeof(*t->rows), cmp_rows, &t->sort);
	t->sel = 0;
	for (size_t i = 0; i < t->nrows; i++)
		if (t->rows[i].pid == t->sel_pid)
			t->sel = i;
}

static const struct row *find_row(const struct lw_top *t, uint32_t pid)
{
	for (size_t i = 0; i < t->nrows; i++)
		if (t->rows[i].pid == pid)
			return &t->rows[i];
	return NULL;
}

static void fmt_pct(char *out, size_t len, double ratio, bool known)
{
	if (known)
		snprintf(out, len, "%.0f", ratio * 100);
	else
		snprintf(out, len, "-");
}

static void put_line(int y, const char *s, attr_t attr)
{
	if (y < 0 || y >= LINES)
		return;
	if (attr)
		attron(attr);
	mvhline(y, 0, ' ', COLS);
	mvaddnstr(y, 0, s, COLS);
	if (attr)
		attroff(attr);
}

static void draw_header(struct lw_top *t)
{
	char line[512];
	double eps = t->interval_s ? (double)t->st.events / t->interval_s : 0;

	snprintf(line, sizeof(line), "loopwatch %s  %s  interval %u s  sort: %s%s", LW_VERSION,
		 t->when[0] ? t->when : "--:--:--", t->interval_s, sort_names[t->sort],
		 t->paused ? "  [PAUSED]" : "");
	put_line(0, line, A_BOLD);
	snprintf(line, sizeof(line),
		 "loops tracked %u  processes %zu  events/s %.1f  lost %llu (total %llu)  alerts firing %u  agent cpu %.1f%%  rss %llu MB",
		 t->loops, t->nrows, eps, (unsigned long long)t->st.lost_events,
		 (unsigned long long)t->lost_total, t->firing, t->st.cpu_pct,
		 (unsigned long long)t->st.rss_kb / 1024);
	put_line(1, line, t->firing && t->colors ? COLOR_PAIR(1) | A_BOLD : 0);
}

static int draw_events(struct lw_top *t, int y, int h, uint32_t pid)
{
	const struct evline *sel[EV_LINES];
	size_t n = 0;

	if (h < 2)
		return y;
	put_line(y++, pid ? "RECENT EVENTS OF THIS PROCESS" : "RECENT EVENTS", A_REVERSE);
	h--;
	for (size_t i = 0; i < t->ev_n; i++) {
		const struct evline *e = &t->ev[(t->ev_next + EV_LINES - t->ev_n + i) % EV_LINES];

		if (!pid || e->pid == pid)
			sel[n++] = e;
	}
	/* newest at the bottom, like a log */
	for (size_t i = n > (size_t)h ? n - (size_t)h : 0; i < n; i++)
		put_line(y++, sel[i]->text, 0);
	return y;
}

static void draw_list(struct lw_top *t)
{
	int evh = LINES >= 20 ? (LINES - 6) / 3 : 0;
	int y = 3, list_h = LINES - 1 - (y + 1) - evh;
	char line[512];

	if (evh > 12)
		evh = 12, list_h = LINES - 1 - (y + 1) - evh;
	snprintf(line, sizeof(line), "%7s %-15s %4s %8s %8s %6s %-8s %8s %7s %5s %5s %5s %5s %6s %s",
		 "PID", "COMM", "THR", "P99_MS", "MAX_MS", "STALLS", "CAUSE", "OPEN_MS", "WAKEUPS",
		 "FUT%", "UNDET", "RCVQ%", "SNDQ%", "RETR/s", "ALERT");
	put_line(y, line, A_REVERSE);
	if (!t->have_data)
		put_line(y + 1, "  waiting for the first interval...", 0);
	if (list_h < 1)
		list_h = 1;
	if (t->sel >= t->nrows)
		t->sel = t->nrows ? t->nrows - 1 : 0;
	if (t->sel < t->top_row)
		t->top_row = t->sel;
	if (t->sel >= t->top_row + (size_t)list_h)
		t->top_row = t->sel - (size_t)list_h + 1;
	for (int k = 0; k < list_h && t->top_row + (size_t)k < t->nrows; k++) {
		size_t i = t->top_row + (size_t)k;
		const struct row *r = &t->rows[i];
		char fut[8], rq[8], sq[8], open_s[24];
		attr_t a = 0;

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
			snprintf(line, sizeof(line),
				 "%7u %-15.15s %4s %8s %8s %6s %-8s %8s %7llu %5s %5llu %5s %5s %6.1f %s",
				 r->pid, r->comm, "-", "-", "-", "-", rt, "-",
				 (unsigned long long)r->wakeups, fut, (unsigned long long)r->undrained,
				 rq, sq, r->retr_s, r->alerts[0] ? r->alerts : "-");
		} else {
			snprintf(line, sizeof(line),
				 "%7u %-15.15s %4u %8.2f %8.2f %6llu %-8s %8s %7llu %5s %5llu %5s %5s %6.1f %s",
				 r->pid, r->comm, r->loops, r->p99, r->max, (unsigned long long)r->stalls,
				 r->cause >= 0 ? lw_cause_name((enum lw_cause)r->cause) : "-", open_s,
				 (unsigned long long)r->wakeups, fut, (unsigned long long)r->undrained, rq,
				 sq, r->retr_s, r->alerts[0] ? r->alerts : "-");
		}
		if (r->alerts[0] && t->colors)
			a |= COLOR_PAIR(1) | A_BOLD;
		if (i == t->sel)
			a |= A_REVERSE;
		put_line(y + 1 + k, line, a);
	}
	if (t->nrows)
		t->sel_pid = t->rows[t->sel].pid;
	draw_events(t, y + 1 + list_h, evh, 0);
	put_line(LINES - 1,
		 "q quit  p pause  </> sort  m max  9 p99  s stalls  w wake-ups  f futile  r retr  n pid  c comm  Up/Down select  Enter open",
		 A_REVERSE);
}

static uint64_t prev_iterations(const struct lw_top *t, uint32_t tid, bool *found)
{
	for (size_t i = 0; i < t->nprev_rates; i++)
		if (t->prev_rates[i].tid == tid) {
			*found = true;
			return t->prev_rates[i].iterations;
		}
	*found = false;
	return 0;
}

static void thread_name(uint32_t pid, uint32_t tid, char *out, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", pid, tid);
	out[0] = '\0';
	f = fopen(path, "re");
	if (f) {
		if (fgets(out, (int)len, f))
			out[strcspn(out, "\n")] = '\0';
		fclose(f);
	}
	if (!out[0])
		snprintf(out, len, "?");
}

static void draw_detail(struct lw_top *t)
{
	const struct row *r = find_row(t, t->detail_pid);
	int y = 3, nthreads = 0;
	char line[512];

	if (!r) {
		snprintf(line, sizeof(line), "PID %u: not seen in the last interval (exited?)",
			 t->detail_pid);
		put_line(y++, line, A_BOLD);
	} else {
		snprintf(line, sizeof(line),
			 "PID %u (%s)  loop threads %u  lag p99 %.2f ms  max %.2f ms  stalls %llu%s%s%s  alerts: %s",
			 r->pid, r->comm, r->loops, r->p99, r->max, (unsigned long long)r->stalls,
			 r->cause >= 0 ? " (" : "",
			 r->cause >= 0 ? lw_cause_name((enum lw_cause)r->cause) : "",
			 r->cause >= 0 ? ")" : "", r->alerts[0] ? r->alerts : "none");
		put_line(y++, line, A_BOLD | (r->alerts[0] && t->colors ? COLOR_PAIR(1) : 0));
		if (!lw_runtime_loops(r->rt)) {
			snprintf(line, sizeof(line), "runtime %s: threads are not loops (%s); no loop lag or stalls",
				 lw_runtime_name(r->rt), lw_runtime_reason(r->rt));
			put_line(y++, line, 0);
		}
		snprintf(line, sizeof(line),
			 "wake-ups %llu  futile %llu  undrained ET %llu  queues rcv %.0f%% snd %.0f%% accept %.0f%%  retransmits %.1f/s  drops %llu",
			 (unsigned long long)r->wakeups, (unsigned long long)r->futile,
			 (unsigned long long)r->undrained, r->rcvq * 100, r->sndq * 100,
			 r->acceptq * 100, r->retr_s, (unsigned long long)r->drops);
		put_line(y++, line, 0);
	}
	y++;
	snprintf(line, sizeof(line), "%8s %-16s %-8s %9s %8s %12s", "TID", "THREAD", "STATE",
		 "ITER/s", "STALLS", "P99_MS(all)");
	put_line(y++, line, A_REVERSE);
	for (size_t i = 0; t->m && i < t->m->nprev && y < LINES / 2 + 2; i++) {
		const struct lw_thread_snap *s = &t->m->prev[i];
		uint64_t before, hist[LW_LAG_SLOTS];
		char name[32], rate[24];
		bool found;

		if (s->t.pid != t->detail_pid)
			continue;
		nthreads++;
		before = prev_iterations(t, s->tid, &found);
		if (found && t->interval_s && s->t.iterations >= before)
			snprintf(rate, sizeof(rate), "%.0f",
				 (double)(s->t.iterations - before) / t->interval_s);
		else
			snprintf(rate, sizeof(rate), "-");
		thread_name(s->t.pid, s->tid, name, sizeof(name));
		if (r && !lw_runtime_loops(r->rt)) {
			/* the probes' raw counts of a thread that is not a loop
			 * would read as stalls: only its state is shown */
			snprintf(line, sizeof(line), "%8u %-16s %-8s %9s %8s %12s", s->tid, name,
				 s->t.exited ? "exited" : s->t.in_wait ? "waiting" : "busy", "-", "-",
				 "-");
			put_line(y++, line, 0);
			continue;
		}
		for (int k = 0; k < LW_LAG_SLOTS; k++)
			hist[k] = s->t.lag_hist[k];
		snprintf(line, sizeof(line), "%8u %-16s %-8s %9s %8llu %12.3f", s->tid, name,
			 s->t.exited ? "exited" : s->t.in_wait ? "waiting" : "busy", rate,
			 (unsigned long long)s->t.stalls,
			 lw_hist_quantile_ms(hist, LW_LAG_SLOTS, 0.99));
		put_line(y++, line, 0);
	}
	if (!nthreads)
		put_line(y++, "  no loop thread", 0);
	y++;
	draw_events(t, y, LINES - 1 - y, t->detail_pid);
	put_line(LINES - 1, "Esc/Left back  q quit  p pause", A_REVERSE);
}

static void draw(struct lw_top *t)
{
	erase();
	draw_header(t);
	if (t->detail)
		draw_detail(t);
	else
		draw_list(t);
	wnoutrefresh(stdscr);
	doupdate();
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

static int grow_rows(struct lw_top *t, size_t n)
{
	struct row *r;

	if (n <= t->rows_cap)
		return 0;
	r = realloc(t->rows, n * sizeof(*r));
	if (!r)
		return -ENOMEM;
	t->rows = r;
	t->rows_cap = n;
	return 0;
}

static void note_rates(struct lw_top *t, const struct lw_model *m)
{
	size_t n = 0;

	free(t->prev_rates);
	t->prev_rates = t->rates;
	t->nprev_rates = t->nrates;
	t->rates = NULL;
	t->nrates = 0;
	if (!t->detail)
		return;
	for (size_t i = 0; i < m->nprev; i++)
		n += m->prev[i].t.pid == t->detail_pid;
	t->rates = calloc(n + 1, sizeof(*t->rates));
	if (!t->rates)
		return;
	for (size_t i = 0; i < m->nprev; i++) {
		if (m->prev[i].t.pid != t->detail_pid)
			continue;
		t->rates[t->nrates].tid = m->prev[i].tid;
		t->rates[t->nrates].iterations = m->prev[i].t.iterations;
		t->nrates++;
	}
}

void lw_top_interval(struct lw_top *t, const struct lw_model *m, const struct lw_alerts *alerts,
		     const struct lw_agent_stats *st)
{
	double secs = t->interval_s ? (double)t->interval_s : 1.0;
	time_t now = time(NULL);
	struct tm tm;

	t->m = m;
	note_rates(t, m);
	lw_top_collect(t);
	if (t->paused) {
		draw(t);
		return;
	}
	localtime_r(&now, &tm);
	strftime(t->when, sizeof(t->when), "%H:%M:%S", &tm);
	t->st = *st;
	t->lost_total = m->lost_total + m->lost_events;
	t->firing = alerts ? alerts->firing : 0;
	t->loops = 0;
	t->nrows = 0;
	if (grow_rows(t, m->nprocs + 1) == 0) {
		for (size_t i = 0; i < m->nprocs; i++) {
			const struct lw_proc *p = m->procs[i];
			const struct lw_interval *iv = &p->iv;
			struct row *r = &t->rows[t->nrows];

			t->loops += iv->loops;
			if (!iv->active && !iv->loops)
				continue;
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
				lw_alerts_names(alerts, p->pid, p->start_time, r->alerts,
						sizeof(r->alerts));
			t->nrows++;
		}
	}
	t->have_data = true;
	sort_rows(t);
	draw(t);
}

void lw_top_set_interval(struct lw_top *t, unsigned int interval_s)
{
	if (t && interval_s)
		t->interval_s = interval_s;
}

int lw_top_input_fd(const struct lw_top *t)
{
	return t && t->tty_in ? fileno(t->tty_in) : -1;
}

void lw_top_resize(struct lw_top *t)
{
	struct winsize ws;

	if (!t)
		return;
	if (!ioctl(fileno(t->tty_out), TIOCGWINSZ, &ws) && ws.ws_row && ws.ws_col)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	draw(t);
}

static void move_sel(struct lw_top *t, long d)
{
	long s = (long)t->sel + d;

	if (s < 0 || !t->nrows)
		s = 0;
	else if (s >= (long)t->nrows)
		s = (long)t->nrows - 1;
	t->sel = (size_t)s;
	if (t->nrows)
		t->sel_pid = t->rows[t->sel].pid;
}

static void set_sort(struct lw_top *t, int k)
{
	t->sort = (enum sort_key)((k + SORT_MAX) % SORT_MAX);
	sort_rows(t);
}

static void open_detail(struct lw_top *t)
{
	if (!t->nrows || t->detail)
		return;
	t->detail = true;
	t->detail_pid = t->rows[t->sel].pid;
	/* rates start from what the model holds now */
	if (t->m)
		note_rates(t, t->m);
}

bool lw_top_keys(struct lw_top *t)
{
	bool redraw = false;
	int ch, avail = 0;

	if (!t)
		return false;
	/* readable with nothing to read: the terminal is gone; stop polling it
	 * (the agent keeps running, SIGHUP or SIGTERM will follow) */
	if (ioctl(fileno(t->tty_in), FIONREAD, &avail) == 0 && avail == 0 && getch() == ERR) {
		fclose(t->tty_in);
		t->tty_in = NULL;
		return false;
	}
	while ((ch = getch()) != ERR) {
		redraw = true;
		switch (ch) {
		case 'q':
		case 'Q':
			return true;
		case 'p':
		case 'P':
		case ' ':
			t->paused = !t->paused;
			break;
		case '<':
			set_sort(t, (int)t->sort - 1);
			break;
		case '>':
			set_sort(t, (int)t->sort + 1);
			break;
		case 'm':
			set_sort(t, SORT_LAG_MAX);
			break;
		case '9':
			set_sort(t, SORT_LAG_P99);
			break;
		case 's':
			set_sort(t, SORT_STALLS);
			break;
		case 'w':
			set_sort(t, SORT_WAKEUPS);
			break;
		case 'f':
			set_sort(t, SORT_FUTILE);
			break;
		case 'r':
			set_sort(t, SORT_RETR);
			break;
		case 'n':
			set_sort(t, SORT_PID);
			break;
		case 'c':
			set_sort(t, SORT_COMM);
			break;
		case KEY_UP:
		case 'k':
			move_sel(t, -1);
			break;
		case KEY_DOWN:
		case 'j':
			move_sel(t, 1);
			break;
		case KEY_PPAGE:
			move_sel(t, -(LINES / 2));
			break;
		case KEY_NPAGE:
			move_sel(t, LINES / 2);
			break;
		case KEY_HOME:
			move_sel(t, -(long)t->nrows);
			break;
		case KEY_END:
			move_sel(t, (long)t->nrows);
			break;
		case '\n':
		case '\r':
		case KEY_ENTER:
		case KEY_RIGHT:
		case 'o':
			open_detail(t);
			break;
		case 27:
		case KEY_LEFT:
		case KEY_BACKSPACE:
		case 127:
		case 'b':
			t->detail = false;
			break;
		case KEY_RESIZE:
		default:
			break;
		}
	}
	if (redraw)
		draw(t);
	return false;
}

static FILE *capture(FILE **std, FILE **orig, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	if (!f)
		return NULL;
	fflush(*std);
	*orig = *std;
	*std = f;
	return f;
}

int lw_top_start(struct lw_top **out, unsigned int interval_s)
{
	struct lw_top *t;
	int ofd, ifd;

	*out = NULL;
	if (!isatty(STDOUT_FILENO))
		return -ENOTTY;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->interval_s = interval_s;
	ofd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	ifd = isatty(STDIN_FILENO) ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)
				   : open("/dev/tty", O_RDONLY | O_CLOEXEC);
	if (ifd < 0)
		ifd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	t->tty_out = ofd >= 0 ? fdopen(ofd, "w") : NULL;
	t->tty_in = ifd >= 0 ? fdopen(ifd, "r") : NULL;
	if (t->tty_out && t->tty_in)
		t->scr = newterm(NULL, t->tty_out, t->tty_in);
	if (!t->scr) {
		if (t->tty_out)
			fclose(t->tty_out);
		else if (ofd >= 0)
			close(ofd);
		if (t->tty_in)
			fclose(t->tty_in);
		else if (ifd >= 0)
			close(ifd);
		free(t);
		return -ENOTTY;
	}
	set_term(t->scr);
	active = t;
	install_crash_handlers();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(1, COLOR_RED, -1);
		t->colors = true;
	}
	t->cap_out = capture(&stdout, &t->orig_out, &t->out_buf, &t->out_len);
	if (isatty(STDERR_FILENO))
		t->cap_err = capture(&stderr, &t->orig_err, &t->err_buf, &t->err_len);
	draw(t);
	*out = t;
	return 0;
}

static void release(FILE **std, FILE *orig, FILE **cap, char **buf)
{
	if (!*cap)
		return;
	*std = orig;
	fclose(*cap);
	free(*buf);
	*cap = NULL;
	*buf = NULL;
}

void lw_top_stop(struct lw_top *t)
{
	size_t first;

	if (!t)
		return;
	lw_top_collect(t);
	endwin();
	delscreen(t->scr);
	active = NULL;
	release(&stdout, t->orig_out, &t->cap_out, &t->out_buf);
	release(&stderr, t->orig_err, &t->cap_err, &t->err_buf);
	fclose(t->tty_out);
	if (t->tty_in)
		fclose(t->tty_in);
	/* what was logged while the view owned the screen is worth seeing */
	first = t->logs_n > LOG_REPLAY ? t->logs_n - LOG_REPLAY : 0;
	for (size_t i = first; i < t->logs_n; i++)
		fprintf(stderr, "loopwatch: %s\n", t->logs[i % LOG_REPLAY]);
	free(t->rows);
	free(t->rates);
	free(t->prev_rates);
	free(t);
}
