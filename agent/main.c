// SPDX-License-Identifier: GPL-2.0
/*
 * loopwatch: attach the probes, then one epoll loop over the ring buffer, an
 * interval timer, a duration timer and a signalfd.
 */
#include <errno.h>
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
#include "model/bp.h"
#include "model/decode.h"
#include "util/log.h"
#include "model/model.h"
#include "model/open_stall.h"
#include "settings/options.h"
#include "views/outputs.h"
#include "util/privs.h"
#include "kernel/probes.h"
#include "kernel/probes_bp.h"
#include "kernel/probes_ready.h"
#include "model/readiness.h"
#include "views/report.h"
#include "model/runtime.h"
#include "util/selfstat.h"
#include "model/stall.h"
#include "model/stacks.h"

enum { EXIT_OK = 0, EXIT_HOST = 1, EXIT_USAGE = 2 };
enum { SRC_RING = 1, SRC_TICK, SRC_END, SRC_SIGNAL, SRC_KEYS, SRC_STARVE };

struct agent {
	struct lw_options opt;
	struct lw_probes probes;
	struct lw_model model;
	struct lw_bp_state bp;
	struct lw_json json;
	struct lw_selfstat self;
	struct lw_outputs out;
	struct lw_readiness ready;
	struct lw_open_stalls open;
	struct lw_rt_cache rt;		/* runtimes by executable (agent/model/runtime.h) */
	struct lw_stacks stacks;	/* the stacks of stalls (agent/model/stacks.h) */
	struct lw_unwinder unwinder;
	struct lw_stall_stacks stk_out;
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

static void emit(const char *line)
{
	if (line)
		fputs(line, stdout);
}

/* What this kernel let the probes do: one JSON line, one log line for the
 * other views, and the textfile's detection gauges. */
static void report_start(struct agent *a)
{
	struct lw_detections det;
	struct timespec now;
	char buf[LW_WHY_LEN + 16];

	lw_probes_detections(&a->probes, &det);
	a->out.prom.det = det;
	a->out.prom.det_set = true;
	clock_gettime(CLOCK_REALTIME, &now);
	if (a->view == LW_VIEW_JSON) {
		emit(lw_json_start(&a->json, &now, a->probes.kernel, a->probes.hooks, &det));
		fflush(stdout);
	}
	for (int i = 0; i < LW_DET_MAX; i++)
		if (det.det[i].state != LW_DET_ON && det.det[i].asked)
			lw_info("%s %s", lw_det_name((enum lw_det_id)i),
				lw_det_describe(&det.det[i], buf, sizeof(buf)));
	lw_info("epoll waits hooked by %s on kernel %s", a->probes.hooks[LW_HK_WAIT].path,
		a->probes.kernel);
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
	struct timespec now, mono;
	size_t n;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	n = lw_rd_check_starved(&a->ready, &a->model,
				(uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec,
				lw_probes_ready_sock, &a->probes, st, 16);
	clock_gettime(CLOCK_REALTIME, &now);
	for (size_t i = 0; i < n; i++) {
		if (a->view == LW_VIEW_JSON)
			emit(lw_json_starved(&a->json, &now, &st[i]));
		else if (!lw_outputs_top(&a->out))
			lw_table_starved(stdout, &st[i]);
	}
	if (n)
		fflush(stdout);
	arm_starve(a);
}

/* Herds, hot loops and undrained sockets (agent/model/readiness.c). */
static void on_ready_event(struct agent *a, int type, const union lw_event_any *ev,
			   const struct timespec *now)
{
	bool json = a->view == LW_VIEW_JSON;

	if (type == LW_EV_HERD) {
		if (!lw_rd_on_herd(&a->ready, &a->model, &ev->herd))
			return;
		if (json)
			emit(lw_json_herd(&a->json, now, &ev->herd));
		else if (!lw_outputs_top(&a->out))
			lw_table_herd(stdout, &ev->herd);
	} else if (type == LW_EV_LT_HOT_LOOP) {
		lw_rd_on_hot(&a->ready, &a->model, &ev->hot);
		if (json)
			emit(lw_json_hot(&a->json, now, &ev->hot));
		else if (!lw_outputs_top(&a->out))
			lw_table_hot(stdout, &ev->hot);
	} else {
		if (!lw_rd_on_undrained(&a->ready, &a->model, &ev->undrained))
			return;
		if (json)
			emit(lw_json_undrained(&a->json, now, &ev->undrained));
		else if (!lw_outputs_top(&a->out))
			lw_table_undrained(stdout, &ev->undrained);
		arm_starve(a);
	}
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

static int on_event(void *ctx, void *data, size_t len)
{
	struct agent *a = ctx;
	union lw_event_any ev;
	struct timespec now;
	int type;

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
	case LW_EV_STALL: {
		struct lw_stall s;

		/* a park of a runtime whose threads are not loops is no stall */
		if (!lw_model_is_loop(&a->model, ev.hdr.pid, ev.hdr.tid, ev.hdr.comm))
			break;
		lw_stall_from_event(&ev.stall, &s);
		if (lw_stacks_for_window(&a->stacks, ev.hdr.tid, ev.stall.started_ns,
					 s.cause == LW_CAUSE_BLOCKED, ev.hdr.ts_ns, true, &a->stk_out))
			s.stacks = &a->stk_out;
		s.kind = lw_stall_kind_of(&s, lw_rd_shared_wait(&a->ready, ev.hdr.pid, ev.hdr.tid));
		lw_model_add_stall(&a->model, ev.hdr.pid, ev.hdr.tid, ev.hdr.comm, &s);
		if (a->view == LW_VIEW_JSON)
			emit(lw_json_stall(&a->json, &now, &ev.hdr, &s));
		else
			lw_table_stall(stdout, &ev.hdr, &s);
		break;
	}
	case LW_EV_HERD:
	case LW_EV_LT_HOT_LOOP:
	case LW_EV_UNDRAINED_ET:
		on_ready_event(a, type, &ev, &now);
		break;
	case LW_EV_BACKPRESSURE:
		lw_bp_add_event(&a->model, &ev.bp);
		if (a->view == LW_VIEW_JSON)
			emit(lw_json_backpressure(&a->json, &now, &ev.bp));
		else if (!lw_outputs_top(&a->out))
			lw_table_backpressure(stdout, &ev.bp);
		break;
	default:
		break;
	}
	lw_outputs_event(&a->out);
	return 0;
}

static void fold_ready(struct agent *a, uint64_t epoch)
{
	struct lw_rd_snap *snaps = NULL;
	size_t n = 0;

	if (lw_probes_ready_threads(&a->probes, &snaps, &n) == 0 &&
	    lw_rd_apply_threads(&a->ready, &a->model, snaps, n, epoch))
		lw_warn("out of memory folding the readiness map; figures of this interval are partial");
}

/* Busy windows still open at the tick: a hung loop is reported while it
 * hangs, not only once it comes back (agent/model/open_stall.h). */
static void report_open_stalls(struct agent *a)
{
	struct timespec mono, now, started;
	uint64_t mono_ns;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &now);
	mono_ns = (uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec;
	n = lw_open_stalls_tick(&a->open, &a->model, a->model.prev, a->model.nprev, mono_ns,
				lw_open_threshold_ns(a->opt.stall_ms, a->opt.interval_s));
	if (n < 0)
		lw_warn("out of memory checking open busy windows; stalls in progress are not reported this interval");
	for (int i = 0; i < n; i++) {
		struct lw_open_stall *o = &a->open.out[i];

		o->s.kind = lw_stall_kind_of(&o->s, lw_rd_shared_wait(&a->ready, o->hdr.pid, o->hdr.tid));
		lw_open_started(o, mono_ns, &now, &started);
		if (lw_stacks_for_window(&a->stacks, o->hdr.tid, o->started_ns,
					 o->s.cause == LW_CAUSE_BLOCKED, mono_ns, false, &a->stk_out))
			o->s.stacks = &a->stk_out;
		if (a->view == LW_VIEW_JSON)
			emit(lw_json_stall_in_progress(&a->json, &now, &o->hdr, &o->s, &started));
		else
			lw_table_stall_in_progress(stdout, &o->hdr, &o->s);
	}
}

/* The thread map into the model; then the busy windows still open. Returns
 * the number of loop threads the kernel holds. */
static size_t fold_loops(struct agent *a, uint64_t epoch)
{
	struct lw_thread_snap *snaps = NULL;
	size_t n = 0;

	if (lw_probes_read_threads(&a->probes, &snaps, &n))
		return 0;
	if (lw_model_apply_threads(&a->model, snaps, n, epoch))
		lw_warn("out of memory folding the thread map; figures of this interval are partial");
	else
		report_open_stalls(a);
	return n;
}

/* Records the kernel could not queue this interval: counted, never silent. */
static void count_lost(struct agent *a)
{
	uint64_t lost = lw_probes_stat(&a->probes, LW_STAT_EVENTS_LOST);

	a->model.lost_events = lost - a->lost_seen;
	a->lost_seen = lost;
	if (!a->model.lost_events)
		return;
	lw_warn("%llu events lost this interval: the ring buffer was full; event counts are incomplete",
		(unsigned long long)a->model.lost_events);
	for (size_t i = 0; i < a->model.nprocs; i++)
		a->model.procs[i]->iv.incomplete = true;
}

/* The interval to every view: summaries and the agent line, the textfile,
 * the top view and the alert rules. */
static void report_interval(struct agent *a, size_t threads)
{
	struct lw_agent_stats st;
	struct timespec now;

	st.events = a->model.events;
	st.lost_events = a->model.lost_events;
	st.cpu_pct = lw_selfstat_cpu_pct(&a->self);
	st.cpu_ns = a->self.last_cpu_ns;
	st.rss_kb = lw_selfstat_rss_kb();
	st.threads = threads;
	st.procs = a->model.nprocs;
	st.threads_dropped = lw_probes_stat(&a->probes, LW_STAT_THREADS_DROPPED);
	clock_gettime(CLOCK_REALTIME, &now);
	if (a->view == LW_VIEW_JSON) {
		for (size_t i = 0; i < a->model.nprocs; i++)
			if (a->model.procs[i]->iv.active)
				emit(lw_json_summary(&a->json, &now, a->model.procs[i]));
		emit(lw_json_agent(&a->json, &now, &st));
	} else if (!lw_outputs_top(&a->out)) {
		lw_table_interval(stdout, &a->model, &st);
		lw_table_bp_interval(stdout, &a->model);
	}
	lw_outputs_interval(&a->out, &a->model, &now, &st, a->stop);
	fflush(stdout);
}

/*
 * One interval, step by step. The order matters: the events already queued
 * belong to the ending interval; the sweep samples before the epoch turns,
 * so its marks land in the interval that ends; each fold then reads the
 * slot the probes just left; the views see the whole interval; only then
 * does the model start the next one.
 */
static void on_interval(struct agent *a)
{
	uint64_t epoch;
	size_t threads;

	lw_probes_poll(&a->probes);				/* 1. queued events */
	lw_bp_interval_begin(&a->probes, &a->model);		/* 2. the socket sweep */
	epoch = lw_probes_next_epoch(&a->probes);		/* 3. the probes move on */
	threads = fold_loops(a, epoch);				/* 4. loop lag, open stalls */
	lw_bp_interval_end(&a->probes, &a->model, &a->bp, epoch); /* 5. backpressure */
	fold_ready(a, epoch);					/* 6. readiness */
	count_lost(a);						/* 7. lost records */
	report_interval(a, threads);				/* 8. every view */
	lw_model_end_interval(&a->model);			/* 9. the next interval */
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

/* SIGHUP: the config file again; what the loop and the probes hold changes here. */
static void reload(struct agent *a)
{
	unsigned int interval = a->opt.interval_s, stall = a->opt.stall_ms;

	if (lw_outputs_reload(&a->out, &a->opt))
		return;
	if (a->opt.stall_ms != stall)
		lw_probes_set_stall_ms(&a->probes, a->opt.stall_ms);
	a->ready.starve_ms = a->opt.starve_ms;
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
			lw_outputs_resize(&a->out);
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
				if (lw_outputs_keys(&a->out)) {
					lw_info("quit from the top view: detaching");
					a->stop = true;
				}
				break;
			}
		}
	}
	/* the last, partial interval still reaches the outputs: nothing the
	 * probes counted since the last tick is lost on the way down */
	on_interval(a);
	return 0;
}

static void cleanup(struct agent *a)
{
	lw_outputs_stop(&a->out);
	lw_probes_stop(&a->probes);
	lw_model_free(&a->model);
	lw_bp_state_free(&a->bp);
	lw_rd_free(&a->ready);
	lw_open_stalls_free(&a->open);
	if (a->stacks.unwinds)
		lw_info("stacks: %llu records, %llu unwound: the first in %.0f us, then %.1f us each",
			(unsigned long long)a->stacks.records, (unsigned long long)a->stacks.unwinds,
			(double)a->stacks.first_unwind_ns / 1e3,
			a->stacks.unwinds > 1 ? (double)(a->stacks.unwind_ns - a->stacks.first_unwind_ns) /
							1e3 / (double)(a->stacks.unwinds - 1) : 0.0);
	lw_stacks_free(&a->stacks);
	lw_unwinder_free(&a->unwinder);
	lw_json_free(&a->json);
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
	rc = lw_outputs_init(&a.out, &a.opt, &a.opt, cerr, sizeof(cerr));
	if (rc) {
		fprintf(stderr, "loopwatch: %s (try 'loopwatch --help')\n", cerr);
		return EXIT_USAGE;
	}
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
	lw_unwinder_init(&a.unwinder);
	if (lw_stacks_init(&a.stacks, unwind_capture, &a.unwinder))
		a.opt.stacks = false;

	rc = lw_probes_start(&a.probes, &a.opt, on_event, &a);
	if (rc) {
		cleanup(&a);
		return EXIT_HOST;
	}
	lw_bp_start(&a.probes);
	report_start(&a);
	if (setup_loop(&a)) {
		cleanup(&a);
		return EXIT_HOST;
	}
	lw_selfstat_init(&a.self);
	/* the kernel stacks' names, before the privileges that show them go */
	if (a.opt.stacks)
		lw_unwinder_preload(&a.unwinder);
	lw_info("attached %u probes%s; watching %s", a.probes.attached,
		a.probes.skipped ? " (some off, see above)" : "",
		a.opt.npids ? "the given pids" : a.opt.comm[0] ? a.opt.comm : "every process");
	lw_privs_drop(a.opt.prom_file);
	lw_outputs_start(&a.out, a.view);
	if (lw_outputs_key_fd(&a.out) >= 0 && add_fd(a.epfd, lw_outputs_key_fd(&a.out), SRC_KEYS))
		lw_warn("failed to watch the terminal for keys: %s", strerror(errno));
	rc = run(&a);
	cleanup(&a);
	return rc ? EXIT_HOST : EXIT_OK;
}
