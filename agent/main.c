// SPDX-License-Identifier: GPL-2.0
/*
 * loopwatch: attach the probes, then one epoll loop over the ring buffer, an
 * interval timer, a duration timer and a signalfd.
 */
#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "kernel/probes.h"
#include "kernel/probes_bp.h"
#include "kernel/probes_connect.h"
#include "kernel/probes_ready.h"
#include "model/alerts.h"
#include "model/bp.h"
#include "model/decode.h"
#include "model/memsweep.h"
#include "model/model.h"
#include "model/open_stall.h"
#include "model/readiness.h"
#include "model/record.h"
#include "model/runtime.h"
#include "model/stall.h"
#include "model/stacks.h"
#include "model/tier.h"
#include "settings/options.h"
#include "settings/reload.h"
#include "util/log.h"
#include "util/privs.h"
#include "util/selfstat.h"
#include "views/view.h"

enum { EXIT_OK = 0, EXIT_HOST = 1, EXIT_USAGE = 2 };
enum { SRC_RING = 1, SRC_TICK, SRC_END, SRC_SIGNAL, SRC_KEYS, SRC_STARVE };

struct agent {
	struct lw_options opt;		/* settings.cfg->opt, as in force */
	struct lw_settings settings;
	struct lw_probes probes;
	struct lw_model model;
	struct lw_bp_state bp;
	struct lw_storm_state storm;	/* retry storms (agent/model/storm.h) */
	struct lw_ports_state ports;	/* ephemeral ports (agent/model/ports.h) */
	struct lw_selfstat self;
	struct lw_readiness ready;
	struct lw_memsweep mem;		/* RSS and memory cgroups (agent/model/memsweep.h) */
	struct lw_open_stalls open;
	struct lw_alerts alerts;
	struct lw_rt_cache rt;		/* runtimes by executable (agent/model/runtime.h) */
	struct lw_record rec;		/* the interval being closed */
	struct lw_views views;
	struct lw_detections det;	/* what the kernel allowed, as attached */
	struct lw_stacks stacks;	/* the stacks of stalls (agent/model/stacks.h) */
	struct lw_unwinder unwinder;
	struct lw_stall_stacks stk_out;	/* the stall being reported */
	struct lw_stall_stacks *open_stk;	/* one per stall in progress of the tick */
	size_t open_stk_cap;
	struct lw_tier tier;		/* the per-packet detail tier's switch */
	int starve_fd;		/* armed while undrained sockets are watched */
	bool starve_armed;
	enum lw_view view;
	uint64_t lost_seen;
	int epfd, tick_fd, end_fd, sig_fd;
	bool stop;
};

/* Refuse at start a textfile whose directory cannot take it, rather than
 * fail every interval: an unnamed temporary file proves it is writable. */
static int textfile_dir_writable(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EOPNOTSUPP) {
		/* file systems without O_TMPFILE: a named probe, removed at once */
		char probe[PATH_MAX + 32];

		snprintf(probe, sizeof(probe), "%s/.loopwatch-probe-XXXXXX", dir);
		fd = mkstemp(probe);
		if (fd >= 0)
			unlink(probe);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot write textfile directory %s: %s", dir, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* What this kernel let the probes do: a log line for each detection not on. */
static void log_start(struct agent *a)
{
	char buf[LW_WHY_LEN + 16];

	lw_probes_detections(&a->probes, &a->det);
	for (int i = 0; i < LW_DET_MAX; i++)
		if (a->det.det[i].state != LW_DET_ON && a->det.det[i].asked)
			lw_info("%s %s", lw_det_name((enum lw_det_id)i),
				lw_det_describe(&a->det.det[i], buf, sizeof(buf)));
	lw_info("epoll waits hooked by %s on kernel %s", a->probes.hooks[LW_HK_WAIT].path,
		a->probes.kernel);
}

/* The views of this run: one for the terminal or stdout, the textfile, the
 * alerts. Opened once the probes are attached and privileges dropped: the
 * top view takes the terminal from here on. */
static int open_views(struct agent *a)
{
	struct lw_start_rec s = { .kernel = a->probes.kernel, .hooks = a->probes.hooks,
				  .det = &a->det, .detail = lw_tier_mode_name(a->tier.mode) };
	struct lw_viewer v;
	int exec_out = STDERR_FILENO, rc;

	if (a->view == LW_VIEW_TOP) {
		rc = lw_view_top(&v, a->opt.interval_s);
		if (rc) {
			lw_warn("the top view needs a terminal (%s): printing a plain table instead",
				strerror(-rc));
			rc = lw_view_table(&v, stdout);
		} else if (isatty(STDERR_FILENO)) {
			exec_out = -1;	/* an alert command must not write over the screen */
		}
	} else {
		rc = lw_view_json(&v, stdout);
	}
	if (!rc)
		rc = lw_views_add(&a->views, &v);
	if (!rc && !(rc = lw_view_prom(&v, a->settings.cfg)))
		rc = lw_views_add(&a->views, &v);
	/* after the screen's view: the pane shows an alert before its log line */
	if (!rc && !(rc = lw_view_alerts(&v, a->settings.cfg, exec_out)))
		rc = lw_views_add(&a->views, &v);
	if (rc) {
		lw_err("failed to open the views: %s", strerror(-rc));
		return rc;
	}
	clock_gettime(CLOCK_REALTIME, &s.now);
	lw_views_open(&a->views, &s);
	return 0;
}

/* The starvation check runs only while undrained sockets are watched. */
static void arm_starve(struct agent *a)
{
	bool on = lw_rd_watching(&a->ready);
	unsigned int ms = on ? lw_rd_check_ms(&a->ready) : 0;
	struct itimerspec its = {
		.it_value = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 },
		.it_interval = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 },
	};

	if (a->starve_fd < 0 || on == a->starve_armed)
		return;
	if (!timerfd_settime(a->starve_fd, 0, &its, NULL))
		a->starve_armed = on;
}

static void on_starve_check(struct agent *a)
{
	struct lw_starved st[16];
	struct lw_event_rec e;
	struct timespec now, mono;
	size_t n;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	n = lw_rd_check_starved(&a->ready, &a->model,
				(uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec,
				lw_probes_ready_sock, &a->probes, st, 16);
	clock_gettime(CLOCK_REALTIME, &now);
	for (size_t i = 0; i < n; i++) {
		lw_event_rec_starved(&e, &now, &st[i]);
		lw_views_event(&a->views, &e);
	}
	arm_starve(a);
}

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Threads already inside a wait call when the detail tier engaged are
 * unknown to the hand-over until they return, so a herd they take part in
 * comes out short (its taker missing, every thread it names futile): herds
 * of the first interval of an engage are left out. */
static bool herd_warming(const struct agent *a)
{
	return a->tier.mode == LW_TIER_ON_DEMAND && a->tier.engaged &&
	       mono_now() - a->tier.since_ns < (uint64_t)a->opt.interval_s * 1000000000ull;
}

/* Herds, hot loops and undrained sockets (agent/model/readiness.c); false
 * for one the model does not report. */
static bool on_ready_event(struct agent *a, int type, const union lw_event_any *ev,
			   const struct timespec *now, struct lw_event_rec *e)
{
	if (type == LW_EV_HERD) {
		if (herd_warming(a) || !lw_rd_on_herd(&a->ready, &a->model, &ev->herd))
			return false;
		lw_event_rec_herd(e, now, &ev->herd);
	} else if (type == LW_EV_LT_HOT_LOOP) {
		lw_rd_on_hot(&a->ready, &a->model, &ev->hot);
		lw_event_rec_hot(e, now, &ev->hot);
	} else {
		struct lw_undrained_event u = ev->undrained;

		/* the sweep's find names the epoll instance, not its thread */
		if (u.ep_file) {
			uint32_t tid = lw_probes_home_tid(&a->probes, u.hdr.pid, u.ep_file);

			if (tid)
				u.hdr.tid = tid;
		}
		if (!lw_rd_on_undrained(&a->ready, &a->model, &u))
			return false;
		lw_event_rec_undrained(e, now, &u);
		arm_starve(a);
	}
	return true;
}

static unsigned int classify(void *ctx, uint32_t pid, uint32_t tid, struct lw_exe_id *id,
			     enum lw_runtime *rt)
{
	struct agent *a = ctx;
	enum lw_runtime was = *rt;
	unsigned int f = lw_rt_classify(&a->rt, pid, tid, id, rt);

	/* the mappings of a process first seen or just exec'd, kept to name
	 * its stacks should it exit before they are reported */
	if ((f & LW_RT_F_NEW) && a->opt.stacks)
		lw_unwinder_seen(&a->unwinder, pid);

	if (*rt != was || ((f & LW_RT_F_NEW) && !lw_runtime_loops(*rt)))
		lw_debug("pid %u: runtime %s%s", pid, lw_runtime_name(*rt),
			 lw_runtime_loops(*rt) ? "" : ", not measured as loops");
	return f;
}

static unsigned int unwind_capture(void *ctx, const struct lw_stk_capture *c,
				   struct lw_stack *user, struct lw_stack *kernel)
{
	return lw_unwind(ctx, c, user, kernel);
}

/* One ring-buffer record: into the model, then as an event to every view. */
static int on_event(void *ctx, void *data, size_t len)
{
	struct agent *a = ctx;
	union lw_event_any ev;
	struct lw_event_rec e;
	struct lw_stall s;
	struct timespec now;
	int type;
	bool report = false;

	a->model.events++;
	if (lw_stacks_is_record(data, len)) {
		lw_stacks_add(&a->stacks, data, len);
		return 0;
	}
	type = lw_decode(data, len, &ev);
	if (type < 0) {
		lw_debug("dropped a malformed record of %zu bytes", len);
		return 0;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	switch (type) {
	case LW_EV_STALL:
		/* a park of a runtime whose threads are not loops is no stall */
		if (!lw_model_is_loop(&a->model, ev.hdr.pid, ev.hdr.tid, ev.hdr.comm))
			break;
		lw_stall_from_event(&ev.stall, &s);
		if (lw_stacks_for_window(&a->stacks, ev.hdr.tid, ev.stall.started_ns,
					 s.cause == LW_CAUSE_BLOCKED, ev.hdr.ts_ns, true, &a->stk_out))
			s.stacks = &a->stk_out;
		s.kind = lw_stall_kind_of(&s, lw_model_shared_wait(&a->model, ev.hdr.pid, ev.hdr.tid));
		lw_model_add_stall(&a->model, ev.hdr.pid, ev.hdr.tid, ev.hdr.comm, &s);
		lw_event_rec_stall(&e, &now, &ev.hdr, &s);
		report = true;
		break;
	case LW_EV_HERD:
	case LW_EV_LT_HOT_LOOP:
	case LW_EV_UNDRAINED_ET:
		report = on_ready_event(a, type, &ev, &now, &e);
		break;
	case LW_EV_CONNECT:
		lw_storm_add(&a->storm, &ev.cn);
		break;
	case LW_EV_BACKPRESSURE:
		lw_bp_add_event(&a->model, &ev.bp);
		lw_event_rec_bp(&e, &now, &ev.bp);
		report = true;
		break;
	default:
		break;
	}
	if (report)
		lw_views_event(&a->views, &e);
	return 0;
}

/* The thread map into the model. Returns the number of loop threads the
 * kernel holds; *ok: folded whole. */
static size_t fold_loops(struct agent *a, uint64_t epoch, bool *ok)
{
	struct lw_thread_snap *snaps = NULL;
	size_t n = 0;

	*ok = false;
	if (lw_probes_read_threads(&a->probes, &snaps, &n))
		return 0;
	if (lw_model_apply_threads(&a->model, snaps, n, epoch))
		lw_warn("out of memory folding the thread map; figures of this interval are partial");
	else
		*ok = true;
	return n;
}

/* Busy windows still open at the tick, into the record: a hung loop is
 * reported while it hangs, not only once it comes back
 * (agent/model/open_stall.h). */
static void find_open_stalls(struct agent *a)
{
	const struct lw_thread_snap *threads;
	struct timespec mono, now, started;
	struct lw_event_rec e;
	uint64_t mono_ns;
	size_t nthreads;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &now);
	mono_ns = (uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec;
	threads = lw_model_threads(&a->model, &nthreads);
	n = lw_open_stalls_tick(&a->open, &a->model, threads, nthreads, mono_ns,
				lw_open_threshold_ns(a->opt.stall_ms, a->opt.interval_s));
	if (n < 0)
		lw_warn("out of memory checking open busy windows; stalls in progress are not reported this interval");
	if (n > 0 && (size_t)n > a->open_stk_cap) {
		struct lw_stall_stacks *g = realloc(a->open_stk, (size_t)n * sizeof(*g));

		if (g) {
			a->open_stk = g;
			a->open_stk_cap = (size_t)n;
		}
	}
	for (int i = 0; i < n; i++) {
		struct lw_open_stall *o = &a->open.out[i];

		o->s.kind = lw_stall_kind_of(&o->s, lw_model_shared_wait(&a->model, o->hdr.pid, o->hdr.tid));
		lw_open_started(o, mono_ns, &now, &started);
		/* each its own: the views see them all at the end of the tick */
		if ((size_t)i < a->open_stk_cap &&
		    lw_stacks_for_window(&a->stacks, o->hdr.tid, o->started_ns,
					 o->s.cause == LW_CAUSE_BLOCKED, mono_ns, false, &a->open_stk[i]))
			o->s.stacks = &a->open_stk[i];
		lw_event_rec_open(&e, &now, o, &started);
		if (lw_record_add(&a->rec, &e))
			lw_warn("out of memory recording a stall in progress of pid %u", o->hdr.pid);
	}
}

static void fold_ready(struct agent *a, uint64_t epoch)
{
	struct lw_rd_snap *snaps = NULL;
	size_t n = 0;

	if (lw_probes_ready_threads(&a->probes, &snaps, &n) == 0 &&
	    lw_rd_apply_threads(&a->ready, &a->model, snaps, n, epoch))
		lw_warn("out of memory folding the readiness map; figures of this interval are partial");
}

/* RSS, its growth and the memory cgroups, from /proc and cgroupfs; growth
 * toward a limit joins the record as memory_growth events. */
static void sweep_memory(struct agent *a)
{
	struct lw_mem_cfg cfg = { .intervals = a->opt.mem_growth_intervals,
				  .horizon_s = a->opt.mem_horizon_s };
	struct timespec mono;
	struct lw_event_rec e;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	if (lw_memsweep_run(&a->mem, &a->model, &cfg,
			    (uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec))
		lw_warn("out of memory reading memory cgroups; some processes lack theirs this interval");
	for (size_t i = 0; i < a->mem.nout; i++) {
		lw_event_rec_mem_growth(&e, &a->rec.rec.now, &a->mem.out[i]);
		if (lw_record_add(&a->rec, &e))
			lw_warn("out of memory recording memory growth of pid %u", a->mem.out[i].pid);
	}
}

/* Connections made: retry storms from the attempts' timing and the
 * counts, and the ports the sweep found in use; both join the record. */
static void fold_connect(struct agent *a, uint64_t epoch)
{
	struct lw_storm_cfg cfg = { .sync_ratio = a->alerts.cfg.storm_sync_ratio,
				    .min_clients = a->alerts.cfg.storm_min_clients };
	struct lw_cn_snap *cn = NULL;
	struct lw_port_snap *ps = NULL;
	size_t n = 0, *stale = NULL, nstale = 0;
	struct lw_event_rec e;

	if (!(a->probes.families & LW_DETECT_BACKPRESSURE))
		return;
	if (lw_cn_read_remotes(&a->probes, &a->model, &cn, &n) ||
	    lw_storm_interval(&a->storm, &a->model, cn, n, &cfg))
		lw_warn("out of memory judging retry storms; this interval's are partial");
	for (size_t i = 0; i < a->storm.nout; i++) {
		lw_event_rec_storm(&e, &a->rec.rec.now, &a->storm.out[i]);
		if (lw_record_add(&a->rec, &e))
			lw_warn("out of memory recording a retry storm of pid %u", a->storm.out[i].pid);
	}
	if (lw_cn_read_ports(&a->probes, &ps, &n) ||
	    lw_ports_apply(&a->ports, &a->model, ps, n, epoch, a->alerts.cfg.ports_ratio, &stale,
			   &nstale))
		lw_warn("out of memory counting ephemeral ports; this interval's are partial");
	if (ps)
		lw_cn_forget_ports(&a->probes, ps, stale, nstale);
	free(stale);
	free(ps);
	for (size_t i = 0; i < a->ports.nout; i++) {
		lw_event_rec_ports(&e, &a->rec.rec.now, &a->ports.out[i]);
		if (lw_record_add(&a->rec, &e))
			lw_warn("out of memory recording ports in use of pid %u", a->ports.out[i].pid);
	}
}

/* Records the kernel could not queue this interval, and program runs it
 * skipped: counted, never silent. */
static void count_lost(struct agent *a)
{
	uint64_t lost = lw_probes_stat(&a->probes, LW_STAT_EVENTS_LOST);
	const char *most;

	a->model.lost_events = lost - a->lost_seen;
	a->lost_seen = lost;
	a->model.missed_runs = lw_probes_missed(&a->probes, &most);
	if (a->model.lost_events)
		lw_warn("%llu events lost this interval: the ring buffer was full; event counts are incomplete",
			(unsigned long long)a->model.lost_events);
	if (a->model.missed_runs)
		lw_warn("the kernel skipped %llu run%s of loopwatch's programs this interval, most of %s (it fired again on a CPU where it was already running); event counts are incomplete",
			(unsigned long long)a->model.missed_runs, a->model.missed_runs == 1 ? "" : "s",
			most ? most : "?");
	if (!a->model.lost_events && !a->model.missed_runs)
		return;
	for (size_t i = 0; i < a->model.nprocs; i++)
		a->model.procs[i]->iv.incomplete = true;
}

static void on_alert(void *ctx, const struct lw_alert *al)
{
	struct agent *a = ctx;

	if (lw_record_alert(&a->rec, al, &a->rec.rec.now, a->alerts.cfg.sustain))
		lw_warn("out of memory recording an alert of pid %u", al->pid);
}

/* The alert rules judge the interval, into the record. The partial interval
 * at shutdown is not judged: a short quiet tail is no evidence that a
 * problem went away. */
static void judge_alerts(struct agent *a)
{
	if (!a->stop && lw_alerts_evaluate(&a->alerts, &a->model, on_alert, a))
		lw_warn("out of memory evaluating alerts: some processes were skipped");
}

/* The per-packet hooks are paid for only while a symptom is present: the
 * default starts with them detached, --detect keeps them. */
static void start_tier(struct agent *a)
{
	enum lw_tier_mode mode = LW_TIER_ON_DEMAND;

	if (!a->probes.ndetail)
		mode = LW_TIER_NONE;
	else if (a->opt.set_mask & LW_SET_DETECT)
		mode = LW_TIER_FORCED;
	lw_tier_init(&a->tier, mode, a->opt.detail_release, mono_now());
	if (mode != LW_TIER_ON_DEMAND)
		return;
	lw_probes_detail(&a->probes, false);
	/* making a link again later needs what loading did */
	lw_privs_keep(CAP_BPF);
	lw_privs_keep(CAP_PERFMON);
}

/* The interval's triggers, over every process, switch the detail tier. A
 * symptom seen at this tick engages it for the next interval: the delay
 * from a symptom to the first detailed event is at most one interval and
 * the time the links take to attach. */
static void switch_tier(struct agent *a)
{
	uint32_t trig = 0, pids[LW_TIER_PIDS];
	unsigned int regs;
	size_t npids = 0;
	uint64_t now = mono_now();
	bool want;

	if (a->tier.mode != LW_TIER_ON_DEMAND)
		return;
	for (size_t i = 0; i < a->model.nprocs; i++) {
		const struct lw_proc *p = a->model.procs[i];
		uint32_t t = lw_tier_triggers(&p->iv, a->opt.interval_s);

		trig |= t;
		if (t && npids < LW_TIER_PIDS)
			pids[npids++] = p->pid;
	}
	/* shutting down: nothing to engage for */
	if (a->stop)
		trig = 0;
	want = lw_tier_step(&a->tier, trig, pids, npids, now);
	if (want == a->probes.detail_on)
		return;
	if (!want) {
		lw_probes_detail(&a->probes, false);
		lw_probes_ready_forget(&a->probes);
		lw_info("detail tier released after %u quiet intervals (%.1f s engaged in all)",
			a->tier.release_after, lw_tier_seconds(&a->tier, now));
		return;
	}
	if (!lw_probes_detail(&a->probes, true)) {
		lw_tier_failed(&a->tier, now);
		return;
	}
	regs = lw_probes_ready_seed(&a->probes, &a->opt);
	lw_info("detail tier engaged for pid %u%s (%s%s): links and %u registrations in %.1f ms",
		pids[0], npids > 1 ? " and others" : "",
		lw_trigger_name((unsigned int)__builtin_ctz(trig)),
		trig & (trig - 1) ? " and more" : "", regs, (double)(mono_now() - now) / 1e6);
}

/* The rest of the record: the figures as folded and the agent's own cost. */
static const struct lw_interval_rec *close_record(struct agent *a, size_t threads)
{
	struct lw_interval_rec *r = &a->rec.rec;
	struct lw_agent_stats *st = &r->agent;

	st->events = a->model.events;
	st->lost_events = a->model.lost_events;
	st->missed_runs = a->model.missed_runs;
	st->cpu_pct = lw_selfstat_cpu_pct(&a->self);
	st->cpu_ns = a->self.last_cpu_ns;
	st->rss_kb = lw_selfstat_rss_kb();
	st->threads = threads;
	st->procs = a->model.nprocs;
	st->threads_dropped = lw_probes_stat(&a->probes, LW_STAT_THREADS_DROPPED);
	if (a->tier.mode != LW_TIER_NONE) {
		uint64_t now = mono_now();

		st->detail = &a->tier;
		st->detail_s = lw_tier_seconds(&a->tier, now);
		st->detail_engaged_s = a->tier.engaged && now > a->tier.since_ns ?
					       (double)(now - a->tier.since_ns) / 1e9 : 0;
	}
	r->interval_s = a->opt.interval_s;
	r->final = a->stop;
	r->model = &a->model;
	r->threads = lw_model_threads(&a->model, &r->nthreads);
	r->ready_threads = lw_rd_threads(&a->ready, &r->nready_threads);
	r->alerts = &a->alerts;
	return lw_record_done(&a->rec);
}

/*
 * One interval, step by step. The order matters: the events already queued
 * belong to the ending interval; the sweep samples before the epoch turns,
 * so its marks land in the interval that ends; each fold then reads the
 * slot the probes just left; the memory sweep comes after the folds, so it
 * sees every process they found (one that just exited too, for the OOM
 * kill that ended it); the alert rules judge the whole interval; the views
 * see it as one record; only then does the model start the next one.
 */
static void on_interval(struct agent *a)
{
	uint64_t epoch;
	size_t threads;
	bool folded;

	lw_record_begin(&a->rec);
	lw_probes_poll(&a->probes);				/* 1. queued events */
	lw_bp_interval_begin(&a->probes, &a->model);		/* 2. the socket sweep */
	epoch = lw_probes_next_epoch(&a->probes);		/* 3. the probes move on */
	threads = fold_loops(a, epoch, &folded);		/* 4. loop lag */
	if (folded)
		find_open_stalls(a);				/* 5. stalls in progress */
	lw_bp_interval_end(&a->probes, &a->model, &a->bp, epoch); /* 6. backpressure */
	/* one time for every line of the interval: a memory_growth line and
	 * the alert it fires must not fall either side of a millisecond */
	clock_gettime(CLOCK_REALTIME, &a->rec.rec.now);
	fold_connect(a, epoch);					/*    and connections made */
	fold_ready(a, epoch);					/* 7. readiness */
	sweep_memory(a);					/* 8. memory */
	count_lost(a);						/* 9. lost records */
	judge_alerts(a);					/* 10. alert rules */
	switch_tier(a);						/* 11. the detail tier */
	lw_views_interval(&a->views, close_record(a, threads));	/* 12. every view */
	lw_model_end_interval(&a->model);			/* 13. the next interval */
	lw_rd_end_interval(&a->ready);
}

static int add_fd(int epfd, int fd, uint32_t id)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = id };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int make_timer(unsigned int sec, bool repeat)
{
	struct itimerspec its = { .it_value.tv_sec = sec };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (repeat)
		its.it_interval.tv_sec = sec;
	if (fd >= 0 && timerfd_settime(fd, 0, &its, NULL)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int setup_loop(struct agent *a)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	a->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	a->tick_fd = make_timer(a->opt.interval_s, true);
	a->end_fd = a->opt.duration_s ? make_timer(a->opt.duration_s, false) : -1;
	a->starve_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (a->starve_fd < 0 || add_fd(a->epfd, a->starve_fd, SRC_STARVE))
		lw_warn("failed to set up the starvation timer (%s): et_starved is off",
			strerror(errno));
	if (a->sig_fd < 0 || a->epfd < 0 || a->tick_fd < 0 || (a->opt.duration_s && a->end_fd < 0)) {
		lw_err("failed to set up the event loop: %s", strerror(errno));
		return -errno;
	}
	if (add_fd(a->epfd, lw_probes_ring_fd(&a->probes), SRC_RING) ||
	    add_fd(a->epfd, a->tick_fd, SRC_TICK) || add_fd(a->epfd, a->sig_fd, SRC_SIGNAL) ||
	    (a->end_fd >= 0 && add_fd(a->epfd, a->end_fd, SRC_END))) {
		lw_err("failed to set up the event loop: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static void drain_fd(int fd)
{
	char buf[256];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* SIGHUP: the config file again; what the loop, the probes, the alert rules
 * and the views hold changes here. */
static void reload(struct agent *a)
{
	unsigned int interval = a->opt.interval_s, stall = a->opt.stall_ms;

	if (lw_settings_reload(&a->settings))
		return;
	a->opt = a->settings.cfg->opt;
	a->alerts.cfg = a->settings.cfg->alert;
	lw_views_reload(&a->views, a->settings.cfg);
	if (a->opt.stall_ms != stall)
		lw_probes_set_stall_ms(&a->probes, a->opt.stall_ms);
	a->ready.starve_ms = a->opt.starve_ms;
	a->tier.release_after = a->opt.detail_release;
	if (a->opt.interval_s != interval) {
		struct itimerspec its = { .it_value.tv_sec = a->opt.interval_s,
					  .it_interval.tv_sec = a->opt.interval_s };

		timerfd_settime(a->tick_fd, 0, &its, NULL);
	}
}

static void on_signal(struct agent *a)
{
	struct signalfd_siginfo si;

	while (read(a->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(a);
			continue;
		}
		if (si.ssi_signo == SIGWINCH) {
			lw_views_resize(&a->views);
			continue;
		}
		lw_info("%s: detaching", strsignal((int)si.ssi_signo));
		a->stop = true;
	}
}

static int run(struct agent *a)
{
	struct epoll_event evs[8];

	while (!a->stop) {
		int n = epoll_wait(a->epfd, evs, 8, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			lw_err("failed to wait for events: %s", strerror(errno));
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			switch (evs[i].data.u32) {
			case SRC_RING:
				lw_probes_poll(&a->probes);
				break;
			case SRC_TICK:
				drain_fd(a->tick_fd);
				on_interval(a);
				break;
			case SRC_END:
				a->stop = true;
				break;
			case SRC_STARVE:
				drain_fd(a->starve_fd);
				on_starve_check(a);
				break;
			case SRC_SIGNAL:
				on_signal(a);
				break;
			case SRC_KEYS:
				if (lw_views_input(&a->views) == LW_VIEW_QUIT) {
					lw_info("quit from the top view: detaching");
					a->stop = true;
				}
				break;
			}
		}
	}
	/* the last, partial interval still reaches the views: nothing the
	 * probes counted since the last tick is lost on the way down */
	on_interval(a);
	return 0;
}

static void cleanup(struct agent *a)
{
	lw_views_close(&a->views);
	lw_probes_stop(&a->probes);
	lw_model_free(&a->model);
	lw_bp_state_free(&a->bp);
	lw_storm_free(&a->storm);
	lw_ports_free(&a->ports);
	lw_rd_free(&a->ready);
	lw_memsweep_free(&a->mem);
	lw_open_stalls_free(&a->open);
	lw_alerts_free(&a->alerts);
	lw_record_free(&a->rec);
	lw_settings_free(&a->settings);
	if (a->stacks.unwinds)
		lw_info("stacks: %llu records, %llu unwound: the first in %.0f us, then %.1f us each",
			(unsigned long long)a->stacks.records, (unsigned long long)a->stacks.unwinds,
			(double)a->stacks.first_unwind_ns / 1e3,
			a->stacks.unwinds > 1 ? (double)(a->stacks.unwind_ns - a->stacks.first_unwind_ns) /
							1e3 / (double)(a->stacks.unwinds - 1) : 0.0);
	lw_stacks_free(&a->stacks);
	lw_unwinder_free(&a->unwinder);
	free(a->open_stk);
	if (a->epfd >= 0)
		close(a->epfd);
	if (a->tick_fd >= 0)
		close(a->tick_fd);
	if (a->end_fd >= 0)
		close(a->end_fd);
	if (a->sig_fd >= 0)
		close(a->sig_fd);
	if (a->starve_fd >= 0)
		close(a->starve_fd);
}

int main(int argc, char **argv)
{
	static struct agent a = { .epfd = -1, .tick_fd = -1, .end_fd = -1, .sig_fd = -1,
				  .starve_fd = -1 };
	char err[256], cerr[PATH_MAX + 256];
	int rc;

	lw_options_defaults(&a.opt);
	rc = lw_options_parse(&a.opt, argc, argv, stdout, err, sizeof(err));
	if (rc == LW_OPT_EXIT)
		return EXIT_OK;
	if (rc < 0) {
		fprintf(stderr, "loopwatch: %s (try 'loopwatch --help')\n", err);
		return EXIT_USAGE;
	}
	lw_log_init(a.opt.verbose);
	/* the config file joins the command line before anything uses either */
	rc = lw_settings_load(&a.settings, &a.opt, cerr, sizeof(cerr));
	if (rc) {
		fprintf(stderr, "loopwatch: %s (try 'loopwatch --help')\n", cerr);
		return EXIT_USAGE;
	}
	a.opt = a.settings.cfg->opt;
	lw_alerts_init(&a.alerts, &a.settings.cfg->alert);
	if (a.opt.prom_file && textfile_dir_writable(a.opt.prom_file, cerr, sizeof(cerr))) {
		fprintf(stderr, "loopwatch: %s (try 'loopwatch --help')\n", cerr);
		return EXIT_USAGE;
	}
	for (unsigned int i = 0; i < a.opt.npids; i++) {
		if (kill((pid_t)a.opt.pids[i], 0) && errno == ESRCH) {
			fprintf(stderr, "loopwatch: no process with pid %u (try 'loopwatch --help')\n",
				a.opt.pids[i]);
			return EXIT_USAGE;
		}
	}
	a.view = a.opt.view;
	if (a.view == LW_VIEW_AUTO)
		a.view = isatty(STDOUT_FILENO) ? LW_VIEW_TOP : LW_VIEW_JSON;
	lw_model_init(&a.model);
	lw_rt_cache_init(&a.rt, "/proc");
	a.model.classify = classify;
	a.model.classify_ctx = &a;
	lw_rd_init(&a.ready, a.opt.starve_ms);
	lw_memsweep_init(&a.mem, "/proc", "/proc/self/mountinfo");
	lw_unwinder_init(&a.unwinder);
	if (lw_stacks_init(&a.stacks, unwind_capture, &a.unwinder))
		a.opt.stacks = false;

	rc = lw_probes_start(&a.probes, &a.opt, on_event, &a);
	if (rc) {
		cleanup(&a);
		return EXIT_HOST;
	}
	lw_bp_start(&a.probes);
	start_tier(&a);
	if (a.probes.detail_on)
		lw_probes_ready_seed(&a.probes, &a.opt);
	log_start(&a);
	if (setup_loop(&a)) {
		cleanup(&a);
		return EXIT_HOST;
	}
	lw_selfstat_init(&a.self);
	if (a.tier.mode == LW_TIER_NONE)
		snprintf(cerr, sizeof(cerr), "no detail tier");
	else
		snprintf(cerr, sizeof(cerr), "%u more %s", a.probes.ndetail,
			 a.tier.mode == LW_TIER_FORCED ? "attached for good (--detect)" :
							 "for the detail on demand");
	/* the kernel stacks' names, before the privileges that show them go */
	if (a.opt.stacks)
		lw_unwinder_preload(&a.unwinder);
	lw_info("attached %u probes%s, %s; watching %s", a.probes.attached,
		a.probes.skipped ? " (some off, see above)" : "", cerr,
		a.opt.npids ? "the given pids" : a.opt.comm[0] ? a.opt.comm : "every process");
	lw_privs_drop(a.opt.prom_file);
	if (open_views(&a)) {
		cleanup(&a);
		return EXIT_HOST;
	}
	if (lw_views_input_fd(&a.views) >= 0 && add_fd(a.epfd, lw_views_input_fd(&a.views), SRC_KEYS))
		lw_warn("failed to watch the terminal for keys: %s", strerror(errno));
	rc = run(&a);
	cleanup(&a);
	return rc ? EXIT_HOST : EXIT_OK;
}
