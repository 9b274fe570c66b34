// SPDX-License-Identifier: GPL-2.0
#include "model/hist.h"
#include "model/readiness.h"
#include "views/report.h"
#include "util/syscalls.h"

static void proc_fields(struct lw_json *j, uint32_t pid, uint32_t tid, const char *comm)
{
	lw_json_u64(j, "pid", pid);
	if (tid)
		lw_json_u64(j, "tid", tid);
	lw_json_str(j, "comm", comm);
}

/* What a finished stall and one in progress share, so the two read alike. */
static void stall_fields(struct lw_json *j, const struct lw_event_hdr *h, const struct lw_stall *s)
{
	proc_fields(j, h->pid, h->tid, h->comm);
	lw_json_num(j, "duration_ms", s->duration_ms);
	lw_json_str(j, "cause", lw_cause_name(s->cause));
	lw_json_obj_begin(j, "parts");
	for (int c = 0; c < LW_CAUSE_MAX; c++)
		lw_json_num(j, lw_cause_name((enum lw_cause)c), s->part_ms[c]);
	lw_json_obj_end(j);
	if (s->syscall[0])
		lw_json_str(j, "syscall", s->syscall);
	if (s->nested)
		lw_json_bool(j, "nested", true);
	if (s->wait_kind)
		lw_json_str(j, "wait", lw_wait_kind_name(s->wait_kind));
	lw_json_str(j, "kind", lw_stall_kind_name(s->kind));
	lw_json_stall_stacks(j, s->stacks);
}

const char *lw_json_stall(struct lw_json *j, const struct timespec *now,
			  const struct lw_event_hdr *h, const struct lw_stall *s)
{
	lw_json_begin(j, "stall", now);
	stall_fields(j, h, s);
	return lw_json_end(j);
}

const char *lw_json_stall_in_progress(struct lw_json *j, const struct timespec *now,
				      const struct lw_event_hdr *h, const struct lw_stall *s,
				      const struct timespec *started)
{
	char when[40];

	lw_json_begin(j, "stall_in_progress", now);
	stall_fields(j, h, s);
	lw_format_time(started, when, sizeof(when));
	lw_json_str(j, "started", when);
	return lw_json_end(j);
}

/* "wait": the kinds of the loop threads' home waits, "epoll,poll" when the
 * process has threads of more than one (a thread counts once, by its home). */
static void lw_json_wait_kinds(struct lw_json *j, uint32_t kinds)
{
	char buf[64] = "";
	size_t n = 0;

	for (uint32_t k = 1; k < LW_WAIT_KINDS; k++)
		if (kinds & (1u << k))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "",
					      lw_wait_kind_name(k));
	lw_json_str(j, "wait", buf);
}

const char *lw_json_summary(struct lw_json *j, const struct timespec *now,
			    const struct lw_proc *p)
{
	const struct lw_interval *iv = &p->iv;

	lw_json_begin(j, "summary", now);
	proc_fields(j, p->pid, 0, p->comm);
	lw_json_str(j, "runtime", lw_runtime_name(p->runtime));
	/* a runtime whose threads are not loops: say why there is no lag */
	if (!lw_proc_loops(p))
		lw_json_str(j, "not_loops", lw_runtime_reason(p->runtime));
	lw_json_u64(j, "loops", iv->loops);
	if (iv->wait_kinds)
		lw_json_wait_kinds(j, iv->wait_kinds);
	lw_json_u64(j, "iterations", iv->iterations);
	lw_json_num(j, "lag_p50_ms", lw_interval_lag_ms(iv, 0.50));
	lw_json_num(j, "lag_p99_ms", lw_interval_lag_ms(iv, 0.99));
	lw_json_num(j, "lag_max_ms", (double)iv->lag_max_ns / 1e6);
	lw_json_u64(j, "stalls", lw_interval_stalls(iv));
	lw_json_u64(j, "parked_stalls", iv->parked_stalls);
	lw_json_u64(j, "wakeups", iv->wakeups);
	lw_json_u64(j, "futile", iv->futile);
	lw_json_u64(j, "herds", iv->herds);
	lw_json_u64(j, "lt_hot_loops", iv->lt_hot_loops);
	lw_json_u64(j, "undrained_et", iv->undrained_et);
	lw_json_u64(j, "et_starved", iv->et_starved);
	lw_json_num(j, "ready_lag_p99_ms", lw_rd_ready_ms(iv, 0.99));
	lw_json_num(j, "ready_lag_max_ms", (double)iv->ready_max_ns / 1e6);
	lw_json_num(j, "rcvq_max_ratio", iv->rcvq_max_ratio);
	lw_json_num(j, "sndq_max_ratio", iv->sndq_max_ratio);
	lw_json_num(j, "acceptq_max_ratio", iv->acceptq_max_ratio);
	lw_json_u64(j, "retransmits", iv->retransmits);
	lw_json_u64(j, "drops", iv->drops);
	lw_json_u64(j, "snd_eagain", iv->snd_eagain);
	lw_json_u64(j, "accept_overflows", iv->accept_overflows);
	lw_json_u64(j, "saturated", iv->saturated);
	lw_json_u64(j, "fds", iv->fds);
	lw_json_u64(j, "fd_limit", iv->fd_limit);
	lw_json_u64(j, "snd_partial", iv->snd_partial);
	lw_json_num(j, "snd_wait_ms", (double)iv->snd_wait_ns / 1e6);
	lw_json_u64(j, "mem_pressure", iv->mem_pressure);
	lw_json_u64(j, "sock_mem_kb", iv->sock_mem / 1024);
	lw_json_mem_fields(j, iv);
	lw_json_connect_fields(j, iv);
	lw_json_obj_begin(j, "retransmits_by_remote");
	for (unsigned int r = 0; r < iv->nretrans_remote; r++)
		lw_json_u64(j, iv->retrans_remote[r].addr, iv->retrans_remote[r].count);
	lw_json_obj_end(j);
	lw_json_bool(j, "incomplete", iv->incomplete);
	return lw_json_end(j);
}

const char *lw_json_start(struct lw_json *j, const struct timespec *now, const char *kernel,
			  const struct lw_hook_state hooks[LW_HK_MAX], const struct lw_detections *d,
			  const char *detail)
{
	char buf[LW_WHY_LEN + 16];

	lw_json_begin(j, "start", now);
	lw_json_str(j, "kernel", kernel);
	lw_json_str(j, "hooks", hooks[LW_HK_WAIT].path ? hooks[LW_HK_WAIT].path : "none");
	if (detail)
		lw_json_str(j, "detail", detail);
	lw_json_obj_begin(j, "detections");
	for (int i = 0; i < LW_DET_MAX; i++)
		lw_json_str(j, lw_det_name((enum lw_det_id)i),
			    lw_det_describe(&d->det[i], buf, sizeof(buf)));
	lw_json_obj_end(j);
	lw_json_obj_begin(j, "hook_paths");
	for (int h = 0; h < LW_HK_MAX; h++)
		lw_json_str(j, lw_hook_name((enum lw_hook_id)h),
			    hooks[h].on && hooks[h].path ? hooks[h].path : "off");
	lw_json_obj_end(j);
	return lw_json_end(j);
}

const char *lw_json_agent(struct lw_json *j, const struct timespec *now,
			  const struct lw_agent_stats *a)
{
	lw_json_begin(j, "agent", now);
	lw_json_u64(j, "events", a->events);
	lw_json_u64(j, "lost_events", a->lost_events);
	lw_json_u64(j, "missed_runs", a->missed_runs);
	lw_json_num(j, "cpu_pct", a->cpu_pct);
	lw_json_u64(j, "rss_kb", a->rss_kb);
	lw_json_u64(j, "threads", a->threads);
	lw_json_u64(j, "procs", a->procs);
	lw_json_u64(j, "threads_dropped", a->threads_dropped);
	if (a->detail) {
		const struct lw_tier *t = a->detail;
		char why[96] = "", pids[LW_TIER_PIDS * 12] = "";
		size_t o = 0;

		for (unsigned int b = 0; b < LW_TRIG_NAMES; b++)
			if (t->why & (1u << b))
				o += (size_t)snprintf(why + o, sizeof(why) - o, "%s%s", o ? "," : "",
						      lw_trigger_name(b));
		o = 0;
		for (unsigned int i = 0; i < t->npids && o < sizeof(pids); i++)
			o += (size_t)snprintf(pids + o, sizeof(pids) - o, "%s%u", o ? "," : "",
					      t->pids[i]);
		lw_json_obj_begin(j, "detail");
		lw_json_str(j, "mode", lw_tier_mode_name(t->mode));
		lw_json_bool(j, "engaged", t->engaged);
		lw_json_str(j, "triggers", why);
		lw_json_str(j, "pids", pids);
		lw_json_num(j, "engaged_s", a->detail_engaged_s);
		lw_json_num(j, "seconds_total", a->detail_s);
		lw_json_u64(j, "engages", t->engages);
		lw_json_obj_end(j);
	}
	return lw_json_end(j);
}
