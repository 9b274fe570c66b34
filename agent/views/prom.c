// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/escape.h"
#include "model/hist.h"
#include "model/memsweep.h"
#include "views/prom.h"

/*
 * Histogram buckets: every other log2 slot of the kernel's histogram, from
 * 8 us to 33.5 s. Cumulative counts are exact at any slot boundary, so
 * skipping slots loses no correctness, only resolution, and halves the series
 * per process. A bound is the exclusive upper edge of its slot.
 */
#define BUCKET_FIRST_SLOT 2
#define BUCKET_LAST_SLOT 24
#define BUCKET_STEP 2

/* A file for a few processes fits; a large host doubles it a few times, once. */
#define PROM_FIRST_CAP 16384

static void putf(struct lw_prom *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct lw_prom *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lw_strbuf_vappendf(&p->sb, fmt, ap);
	va_end(ap);
}

static void family(struct lw_prom *p, const char *name, const char *type, const char *help)
{
	putf(p, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Sample values: finite, shortest exact-enough form. */
static void value(struct lw_prom *p, double v)
{
	putf(p, " %.9g\n", isfinite(v) ? v : 0.0);
}

static void count(struct lw_prom *p, uint64_t v)
{
	putf(p, " %" PRIu64 "\n", v);
}

/* The labels every per-process series carries, without the closing brace. */
struct labels {
	char s[64 + 4 * LW_COMM_LEN];
};

static void proc_labels(const struct lw_proc *pr, struct labels *l)
{
	char comm[4 * LW_COMM_LEN + 1];

	lw_escape_prom_label(pr->comm, comm, sizeof(comm));
	snprintf(l->s, sizeof(l->s), "pid=\"%u\",comm=\"%s\"", pr->pid, comm);
}

static void bucket_bound(unsigned int slot, char *out, size_t len)
{
	size_t n;

	snprintf(out, len, "%.6f", lw_hist_slot_hi_us(slot) / 1e6);
	n = strlen(out);
	while (n > 1 && out[n - 1] == '0')
		out[--n] = '\0';
	if (n && out[n - 1] == '.')
		out[n - 1] = '\0';
}

struct rank_ctx {
	const struct lw_model *m;
	const struct lw_alerts *alerts;
	const struct lw_prom *prev;
};

static bool alerting(const struct lw_alerts *a, const struct lw_proc *pr)
{
	for (int r = 0; a && r < LW_RULE_MAX; r++)
		if (lw_alerts_active(a, pr->pid, pr->start_time, (enum lw_rule)r))
			return true;
	return false;
}

static int cmp_series(const void *a, const void *b)
{
	const struct lw_prom_series *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static bool was_exported(const struct lw_prom *p, const struct lw_proc *pr)
{
	struct lw_prom_series key = { .pid = pr->pid };
	const struct lw_prom_series *s =
		p->nexported ? bsearch(&key, p->exported, p->nexported, sizeof(key), cmp_series) : NULL;

	return s && (!s->start_time || !pr->start_time || s->start_time == pr->start_time);
}

static int cmp_rank(const void *a, const void *b, void *arg)
{
	const struct rank_ctx *c = arg;
	const struct lw_proc *x = c->m->procs[*(const size_t *)a];
	const struct lw_proc *y = c->m->procs[*(const size_t *)b];
	bool ax = alerting(c->alerts, x), ay = alerting(c->alerts, y);
	bool ex = was_exported(c->prev, x), ey = was_exported(c->prev, y);

	if (ax != ay)
		return ay - ax;
	if (ex != ey)
		return ey - ex;
	if (x->iv.lag_max_ns != y->iv.lag_max_ns)
		return x->iv.lag_max_ns < y->iv.lag_max_ns ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int cmp_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Indices into m->procs of the processes that get series, in pid order. */
static size_t *choose(struct lw_prom *p, const struct lw_model *m, const struct lw_alerts *alerts,
		      unsigned int max_series, size_t *n)
{
	struct rank_ctx ctx = { .m = m, .alerts = alerts, .prev = p };
	size_t *idx = malloc((m->nprocs + 1) * sizeof(*idx));
	struct lw_prom_series *ex;

	if (!idx)
		return NULL;
	for (size_t i = 0; i < m->nprocs; i++)
		idx[i] = i;
	*n = m->nprocs;
	if (*n > max_series) {
		qsort_r(idx, *n, sizeof(*idx), cmp_rank, &ctx);
		*n = max_series;
		qsort(idx, *n, sizeof(*idx), cmp_index);
	}
	p->left_out = m->nprocs - *n;
	ex = malloc((*n + 1) * sizeof(*ex));
	if (!ex) {
		free(idx);
		return NULL;
	}
	for (size_t i = 0; i < *n; i++) {
		ex[i].pid = m->procs[idx[i]]->pid;
		ex[i].start_time = m->procs[idx[i]]->start_time;
	}
	free(p->exported);
	p->exported = ex;
	p->nexported = *n;
	return idx;
}

static void lag_histogram(struct lw_prom *p, const struct lw_proc *pr, const struct labels *l)
{
	uint64_t cum = 0;
	unsigned int next = 0;

	for (unsigned int s = BUCKET_FIRST_SLOT; s <= BUCKET_LAST_SLOT; s += BUCKET_STEP) {
		char le[32];

		for (; next <= s; next++)
			cum += pr->tot.lag_hist[next] + pr->iv.lag_hist[next];
		bucket_bound(s, le, sizeof(le));
		putf(p, "loopwatch_loop_lag_seconds_bucket{%s,le=\"%s\"}", l->s, le);
		count(p, cum);
	}
	for (; next < LW_LAG_SLOTS; next++)
		cum += pr->tot.lag_hist[next] + pr->iv.lag_hist[next];
	putf(p, "loopwatch_loop_lag_seconds_bucket{%s,le=\"+Inf\"}", l->s);
	count(p, cum);
	putf(p, "loopwatch_loop_lag_seconds_sum{%s}", l->s);
	value(p, pr->tot.lag_sum_s);
	putf(p, "loopwatch_loop_lag_seconds_count{%s}", l->s);
	count(p, cum);
}

enum counter {
	C_WAKEUPS, C_FUTILE, C_HERDS, C_UNDRAINED, C_DROPS, C_RETRANSMITS, C_CONNECT_ATTEMPTS,
	C_CONNECT_FAILURES, C_CONNECT_ADDRNOTAVAIL, C_MAX,
};

static const struct {
	const char *name, *help;
} counters[C_MAX] = {
	[C_WAKEUPS] = { "loopwatch_wakeups_total", "Loop thread wake-ups from a wait call." },
	[C_FUTILE] = { "loopwatch_futile_wakeups_total",
		       "Wake-ups that found nothing to do (EAGAIN, or no events before the timeout)." },
	[C_HERDS] = { "loopwatch_herd_events_total",
		      "Readiness events that woke two or more loop threads." },
	[C_UNDRAINED] = { "loopwatch_undrained_et_total",
			  "Edge-triggered sockets left with unread bytes when the loop waited again." },
	[C_DROPS] = { "loopwatch_socket_drops_total",
		      "Packets dropped because a socket receive queue was full." },
	[C_RETRANSMITS] = { "loopwatch_tcp_retransmits_total",
			    "TCP segments retransmitted on the process's sockets." },
	[C_CONNECT_ATTEMPTS] = { "loopwatch_connect_attempts_total",
				 "TCP connection attempts (sockets entering SYN_SENT)." },
	[C_CONNECT_FAILURES] = { "loopwatch_connect_failures_total",
				 "TCP connection attempts refused, reset or timed out." },
	[C_CONNECT_ADDRNOTAVAIL] = { "loopwatch_connect_addrnotavail_total",
				     "TCP connection attempts that found no free ephemeral port (EADDRNOTAVAIL)." },
};

static uint64_t counter_value(const struct lw_proc *pr, enum counter c)
{
	const struct lw_totals *t = &pr->tot;
	const struct lw_interval *iv = &pr->iv;

	switch (c) {
	case C_WAKEUPS: return t->wakeups + iv->wakeups;
	case C_FUTILE: return t->futile + iv->futile;
	case C_HERDS: return t->herds + iv->herds;
	case C_UNDRAINED: return t->undrained_et + iv->undrained_et;
	case C_DROPS: return t->drops + iv->drops;
	case C_RETRANSMITS: return t->retransmits + iv->retransmits;
	case C_CONNECT_ATTEMPTS: return t->connect_attempts + iv->connect_attempts;
	case C_CONNECT_FAILURES: return t->connect_failures + iv->connect_failures;
	case C_CONNECT_ADDRNOTAVAIL: return t->connect_addrnotavail + iv->connect_addrnotavail;
	default: return 0;
	}
}

static int cmp_memcg(const void *a, const void *b)
{
	const struct lw_memcg_entry *x = *(const struct lw_memcg_entry *const *)a;
	const struct lw_memcg_entry *y = *(const struct lw_memcg_entry *const *)b;

	return strcmp(x->id.path, y->id.path);
}

/* Each process's RSS and its slope, and the memory cgroups that bind the
 * processes exported, once each: their counters are the cgroup's own, so
 * they equal what memory.events (memory.oom_control, memory.failcnt) says. */
static void memory(struct lw_prom *p, const struct lw_model *m, const size_t *idx, size_t n,
		   const struct labels *lab)
{
	const struct lw_memcg_entry **cgs = calloc(n + 1, sizeof(*cgs));
	char esc[4 * LW_CG_PATH_MAX + 1];
	size_t ncg = 0, k = 0;

	family(p, "loopwatch_resident_memory_bytes", "gauge",
	       "The process's resident memory (RSS) at the end of the interval.");
	for (size_t i = 0; i < n; i++) {
		const struct lw_interval *iv = &m->procs[idx[i]]->iv;

		if (!iv->rss_known)
			continue;
		putf(p, "loopwatch_resident_memory_bytes{%s}", lab[i].s);
		count(p, iv->rss_kb * 1024);
	}
	family(p, "loopwatch_resident_memory_growth_bytes_per_second", "gauge",
	       "Slope of the process's RSS over the last --mem-intervals intervals.");
	for (size_t i = 0; i < n; i++) {
		const struct lw_interval *iv = &m->procs[idx[i]]->iv;

		if (!iv->rss_known)
			continue;
		putf(p, "loopwatch_resident_memory_growth_bytes_per_second{%s}", lab[i].s);
		value(p, iv->rss_growth_kb_per_s * 1024);
	}
	family(p, "loopwatch_process_memcg_info", "gauge",
	       "The memory cgroup whose limit binds the process: its own, or the nearest ancestor with a limit.");
	for (size_t i = 0; i < n; i++) {
		const struct lw_memcg_entry *cg = m->procs[idx[i]]->iv.memcg;

		if (!cg)
			continue;
		lw_escape_prom_label(cg->id.path, esc, sizeof(esc));
		putf(p, "loopwatch_process_memcg_info{%s,memcg=\"%s\"}", lab[i].s, esc);
		count(p, 1);
		if (cgs && cg->ok)
			cgs[ncg++] = cg;
	}
	if (ncg)
		qsort(cgs, ncg, sizeof(*cgs), cmp_memcg);
	for (size_t i = 0; i < ncg; i++)
		if (!k || cgs[k - 1] != cgs[i])
			cgs[k++] = cgs[i];
	ncg = k;
	family(p, "loopwatch_memcg_usage_bytes", "gauge",
	       "Memory the cgroup uses (memory.current, memory.usage_in_bytes).");
	for (size_t i = 0; i < ncg; i++) {
		lw_escape_prom_label(cgs[i]->id.path, esc, sizeof(esc));
		putf(p, "loopwatch_memcg_usage_bytes{memcg=\"%s\"}", esc);
		count(p, cgs[i]->now.usage);
	}
	family(p, "loopwatch_memcg_limit_bytes", "gauge",
	       "The cgroup's memory limit (memory.max, memory.limit_in_bytes); absent when it has none.");
	for (size_t i = 0; i < ncg; i++) {
		if (!cgs[i]->now.limit)
			continue;
		lw_escape_prom_label(cgs[i]->id.path, esc, sizeof(esc));
		putf(p, "loopwatch_memcg_limit_bytes{memcg=\"%s\"}", esc);
		count(p, cgs[i]->now.limit);
	}
	family(p, "loopwatch_memcg_oom_kills_total", "counter",
	       "Processes the OOM killer killed in the cgroup, as the cgroup counts them.");
	for (size_t i = 0; i < ncg; i++) {
		lw_escape_prom_label(cgs[i]->id.path, esc, sizeof(esc));
		putf(p, "loopwatch_memcg_oom_kills_total{memcg=\"%s\"}", esc);
		count(p, cgs[i]->now.oom_kills);
	}
	family(p, "loopwatch_memcg_limit_hits_total", "counter",
	       "Times the cgroup's usage hit its limit (memory.events max, memory.failcnt).");
	for (size_t i = 0; i < ncg; i++) {
		lw_escape_prom_label(cgs[i]->id.path, esc, sizeof(esc));
		putf(p, "loopwatch_memcg_limit_hits_total{memcg=\"%s\"}", esc);
		count(p, cgs[i]->now.limit_hits);
	}
	free(cgs);
}

const char *lw_prom_render(struct lw_prom *p, const struct lw_model *m,
			   const struct lw_alerts *alerts, unsigned int max_series, size_t *len)
{
	struct labels *lab;
	size_t n = 0, *idx;

	lw_strbuf_reset(&p->sb);
	lw_strbuf_reserve(&p->sb, PROM_FIRST_CAP);
	idx = choose(p, m, alerts, max_series, &n);
	lab = calloc(n + 1, sizeof(*lab));
	if (!idx || !lab) {
		free(idx);
		free(lab);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		proc_labels(m->procs[idx[i]], &lab[i]);

	family(p, "loopwatch_loop_lag_seconds", "histogram",
	       "Loop lag: time from a wait call's return to the next wait call of the same loop thread.");
	for (size_t i = 0; i < n; i++)
		lag_histogram(p, m->procs[idx[i]], &lab[i]);

	family(p, "loopwatch_loop_lag_max_seconds", "gauge", "Largest loop lag in the last interval.");
	for (size_t i = 0; i < n; i++) {
		putf(p, "loopwatch_loop_lag_max_seconds{%s}", lab[i].s);
		value(p, (double)m->procs[idx[i]]->iv.lag_max_ns / 1e9);
	}

	family(p, "loopwatch_loop_stall_in_progress_seconds", "gauge",
	       "Age of the process's longest stall still in progress at the end of the interval (0: none as old as the interval or --stall-ms).");
	for (size_t i = 0; i < n; i++) {
		putf(p, "loopwatch_loop_stall_in_progress_seconds{%s}", lab[i].s);
		value(p, (double)m->procs[idx[i]]->iv.open_stall_ns / 1e9);
	}

	family(p, "loopwatch_loop_threads", "gauge", "Loop threads alive in the process.");
	for (size_t i = 0; i < n; i++) {
		putf(p, "loopwatch_loop_threads{%s}", lab[i].s);
		count(p, m->procs[idx[i]]->iv.loops);
	}

	family(p, "loopwatch_process_runtime_info", "gauge",
	       "The runtime recognised: go or tokio (threads not measured as loops: no loop lag or stalls), other (each thread in a wait call is a loop).");
	for (size_t i = 0; i < n; i++) {
		putf(p, "loopwatch_process_runtime_info{%s,runtime=\"%s\"}", lab[i].s,
		     lw_runtime_name(m->procs[idx[i]]->runtime));
		count(p, 1);
	}

	family(p, "loopwatch_loop_stalls_total", "counter",
	       "Loop iterations at least --stall-ms long, by their largest part.");
	for (size_t i = 0; i < n; i++) {
		const struct lw_proc *pr = m->procs[idx[i]];

		for (int c = 0; c < LW_CAUSE_MAX; c++) {
			putf(p, "loopwatch_loop_stalls_total{%s,cause=\"%s\"}", lab[i].s,
			     lw_cause_name((enum lw_cause)c));
			count(p, pr->tot.stalls_by_cause[c] + pr->iv.stalls_by_cause[c]);
		}
	}

	for (int c = 0; c < C_MAX; c++) {
		family(p, counters[c].name, "counter", counters[c].help);
		for (size_t i = 0; i < n; i++) {
			putf(p, "%s{%s}", counters[c].name, lab[i].s);
			count(p, counter_value(m->procs[idx[i]], (enum counter)c));
		}
	}

	family(p, "loopwatch_socket_queue_ratio", "gauge",
	       "Highest socket queue occupancy in the last interval (accept can exceed 1).");
	for (size_t i = 0; i < n; i++) {
		const struct lw_interval *iv = &m->procs[idx[i]]->iv;

		putf(p, "loopwatch_socket_queue_ratio{%s,queue=\"rcv\"}", lab[i].s);
		value(p, iv->rcvq_max_ratio);
		putf(p, "loopwatch_socket_queue_ratio{%s,queue=\"snd\"}", lab[i].s);
		value(p, iv->sndq_max_ratio);
		putf(p, "loopwatch_socket_queue_ratio{%s,queue=\"accept\"}", lab[i].s);
		value(p, iv->acceptq_max_ratio);
	}

	memory(p, m, idx, n, lab);

	family(p, "loopwatch_alert_active", "gauge", "1 while the alert rule fires for the process.");
	for (size_t i = 0; i < n; i++) {
		const struct lw_proc *pr = m->procs[idx[i]];

		for (int r = 0; r < LW_RULE_MAX; r++) {
			putf(p, "loopwatch_alert_active{%s,rule=\"%s\"}", lab[i].s,
			     lw_rule_name((enum lw_rule)r));
			count(p, alerts && lw_alerts_active(alerts, pr->pid, pr->start_time,
							     (enum lw_rule)r));
		}
	}

	family(p, "loopwatch_alerts_firing", "gauge", "Alert rules firing over all processes.");
	putf(p, "loopwatch_alerts_firing");
	count(p, alerts ? alerts->firing : 0);
	family(p, "loopwatch_processes_not_exported", "gauge",
	       "Processes left out of this file by --max-series.");
	putf(p, "loopwatch_processes_not_exported");
	count(p, p->left_out);
	family(p, "loopwatch_events_total", "counter", "Ring-buffer records the agent handled.");
	putf(p, "loopwatch_events_total");
	count(p, m->events_total + m->events);
	if (p->agent_set) {
		family(p, "loopwatch_agent_cpu_seconds_total", "counter",
		       "CPU time the agent itself has used, all its threads.");
		putf(p, "loopwatch_agent_cpu_seconds_total");
		value(p, p->agent_cpu_s);
		family(p, "loopwatch_agent_resident_memory_bytes", "gauge",
		       "The agent's resident memory.");
		putf(p, "loopwatch_agent_resident_memory_bytes");
		count(p, p->agent_rss_bytes);
	}
	if (p->detail_set) {
		family(p, "loopwatch_detail_engaged", "gauge",
		       "1 while the per-packet detail tier is attached.");
		putf(p, "loopwatch_detail_engaged");
		count(p, p->detail_engaged);
		family(p, "loopwatch_detail_seconds_total", "counter",
		       "Time the per-packet detail tier has been attached.");
		putf(p, "loopwatch_detail_seconds_total");
		value(p, p->detail_s);
	}
	if (p->det_set) {
		family(p, "loopwatch_detection_enabled", "gauge",
		       "1 while the detection runs (perhaps degraded), 0 when this kernel refused it.");
		for (int d = 0; d < LW_DET_MAX; d++) {
			putf(p, "loopwatch_detection_enabled{detection=\"%s\"}",
			     lw_det_name((enum lw_det_id)d));
			count(p, p->det.det[d].state != LW_DET_OFF);
		}
		family(p, "loopwatch_detection_degraded", "gauge",
		       "1 while the detection runs without part of what it needs.");
		for (int d = 0; d < LW_DET_MAX; d++) {
			putf(p, "loopwatch_detection_degraded{detection=\"%s\"}",
			     lw_det_name((enum lw_det_id)d));
			count(p, p->det.det[d].state == LW_DET_DEGRADED);
		}
	}
	family(p, "loopwatch_probe_runs_missed_total", "counter",
	       "Runs of the agent's programs the kernel skipped (fired again on a CPU where one was running).");
	putf(p, "loopwatch_probe_runs_missed_total");
	count(p, m->missed_total + m->missed_runs);
	/* last: a reader that sees it has the whole file (tests/e2e/test_promfile.sh) */
	family(p, "loopwatch_events_lost_total", "counter",
	       "Records the kernel could not queue to the agent (ring buffer full).");
	putf(p, "loopwatch_events_lost_total");
	count(p, m->lost_total + m->lost_events);

	free(idx);
	free(lab);
	if (p->sb.failed)
		return NULL;
	*len = p->sb.len;
	return p->sb.buf;
}

void lw_prom_free(struct lw_prom *p)
{
	lw_strbuf_free(&p->sb);
	free(p->exported);
	memset(p, 0, sizeof(*p));
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int lw_prom_write(const char *path, const char *text, size_t len)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, err;

	/* ".name.tmp.PID" beside the target: same file system for rename(),
	 * and node_exporter reads only *.prom, so it never sees a partial file */
	if (slash)
		err = snprintf(tmp, sizeof(tmp), "%.*s/.%s.tmp.%d", (int)(slash - path), path,
			       slash + 1, (int)getpid());
	else
		err = snprintf(tmp, sizeof(tmp), ".%s.tmp.%d", path, (int)getpid());
	if (err < 0 || (size_t)err >= sizeof(tmp))
		return -ENAMETOOLONG;
	for (int attempt = 0;; attempt++) {
		/* O_EXCL never follows a symlink someone planted at the temp name */
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST || attempt)
			break;
		/* left over by a crash of an agent with our pid */
		unlink(tmp);
	}
	if (fd < 0)
		return -errno;
	/* the umask must not hide the file from node_exporter's user */
	err = fchmod(fd, 0644) ? -errno : 0;
	if (!err)
		err = write_all(fd, text, len);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	/* rename replaces a symlink at path instead of writing through it */
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
