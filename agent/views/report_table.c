// SPDX-License-Identifier: GPL-2.0
#include <time.h>
#include "model/hist.h"
#include "views/report.h"

static void table_stall(FILE *out, const char *what, const struct lw_event_hdr *h,
			const struct lw_stall *s)
{
	fprintf(out, "%s pid %u tid %u %-15s %8.1f ms  cause %-8s (cpu %.1f, runqueue %.1f, blocked %.1f%s%s)%s\n",
		what, h->pid, h->tid, h->comm, s->duration_ms, lw_cause_name(s->cause),
		s->part_ms[LW_CAUSE_CPU], s->part_ms[LW_CAUSE_RUNQUEUE],
		s->part_ms[LW_CAUSE_BLOCKED], s->syscall[0] ? " in " : "", s->syscall,
		s->kind == LW_KIND_PARKED ? "  parked (shared epoll, futex): no loop_lag" : "");
	lw_table_stall_stack(out, h, s->stacks);
}

void lw_table_stall(FILE *out, const struct lw_event_hdr *h, const struct lw_stall *s)
{
	table_stall(out, "STALL", h, s);
}

void lw_table_stall_in_progress(FILE *out, const struct lw_event_hdr *h, const struct lw_stall *s)
{
	table_stall(out, "STALL IN PROGRESS", h, s);
}

void lw_table_interval(FILE *out, const struct lw_model *m, const struct lw_agent_stats *a)
{
	char t[16];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(t, sizeof(t), "%H:%M:%S", &tm);
	fprintf(out, "\n%s  events %llu  lost %llu  agent cpu %.1f%%  rss %llu kB\n", t,
		(unsigned long long)a->events,
		(unsigned long long)(a->lost_events + a->missed_runs), a->cpu_pct,
		(unsigned long long)a->rss_kb);
	fprintf(out, "%8s %-15s %5s %8s %9s %9s %9s %6s %7s %6s\n", "PID", "COMM", "LOOPS", "ITERS",
		"P50_MS", "P99_MS", "MAX_MS", "STALLS", "WAKEUPS", "FUTILE");
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct lw_proc *p = m->procs[i];
		const struct lw_interval *iv = &p->iv;

		if (!iv->active)
			continue;
		if (!lw_proc_loops(p)) {
			fprintf(out, "%8u %-15s %5s  runtime %s: not loops, no lag measured %7llu %6llu\n",
				p->pid, p->comm, "-", lw_runtime_name(p->runtime),
				(unsigned long long)iv->wakeups, (unsigned long long)iv->futile);
			continue;
		}
		fprintf(out, "%8u %-15s %5u %8llu %9.3f %9.3f %9.3f %6llu %7llu %6llu\n", p->pid,
			p->comm, iv->loops, (unsigned long long)iv->iterations,
			lw_interval_lag_ms(iv, 0.50), lw_interval_lag_ms(iv, 0.99),
			(double)iv->lag_max_ns / 1e6, (unsigned long long)lw_interval_stalls(iv),
			(unsigned long long)iv->wakeups, (unsigned long long)iv->futile);
	}
	fflush(out);
}
