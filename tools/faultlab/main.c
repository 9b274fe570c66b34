// SPDX-License-Identifier: GPL-2.0
/*
 * faultlab command line: option parsing, per-scenario validation and
 * dispatch. Usage errors exit 2 with one line on stderr; everything a test
 * consumes goes to stdout as JSON lines (report.c).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "faultlab.h"
#include "lifecycle.h"

#define FAULTLAB_VERSION "0.1"

enum opt_id {
	O_CAUSE, O_MS, O_EVERY, O_COUNT, O_THREADS, O_WORKERS, O_PROCESSES,
	O_EXCLUSIVE, O_REUSEPORT, O_RATE, O_CHUNK, O_SEND, O_LIMIT_MB,
	O_GROW_MB_S, O_STOP_MB, O_PRIVATE, O_CLIENTS, O_JITTER, O_DOWN_MS, O_EXTRA, O_DURATION,
	O_DELAY, O_HELP, O_VERSION, O_NR,
};

#define BIT(x) (1u << (x))
/* Valid for every scenario. */
#define GLOBAL_OPTS (BIT(O_DURATION) | BIT(O_DELAY))

static const struct option long_opts[] = {
	{ "cause",		required_argument, NULL, O_CAUSE },
	{ "ms",			required_argument, NULL, O_MS },
	{ "every-ms",		required_argument, NULL, O_EVERY },
	{ "count",		required_argument, NULL, O_COUNT },
	{ "threads",		required_argument, NULL, O_THREADS },
	{ "workers",		required_argument, NULL, O_WORKERS },
	{ "processes",		no_argument,	   NULL, O_PROCESSES },
	{ "exclusive",		no_argument,	   NULL, O_EXCLUSIVE },
	{ "reuseport",		no_argument,	   NULL, O_REUSEPORT },
	{ "rate",		required_argument, NULL, O_RATE },
	{ "chunk",		required_argument, NULL, O_CHUNK },
	{ "send-s",		required_argument, NULL, O_SEND },
	{ "limit-mb",		required_argument, NULL, O_LIMIT_MB },
	{ "grow-mb-s",		required_argument, NULL, O_GROW_MB_S },
	{ "stop-mb",		required_argument, NULL, O_STOP_MB },
	{ "private",		required_argument, NULL, O_PRIVATE },
	{ "clients",		required_argument, NULL, O_CLIENTS },
	{ "jitter",		required_argument, NULL, O_JITTER },
	{ "down-ms",		required_argument, NULL, O_DOWN_MS },
	{ "extra",		required_argument, NULL, O_EXTRA },
	{ "duration-s",		required_argument, NULL, O_DURATION },
	{ "start-delay-ms",	required_argument, NULL, O_DELAY },
	{ "help",		no_argument,	   NULL, O_HELP },
	{ "version",		no_argument,	   NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

struct scenario {
	const char *name;
	int (*run)(const struct fl_opts *o);
	unsigned int opts;	/* options it accepts besides GLOBAL_OPTS */
};

#define STALL_OPTS (BIT(O_CAUSE) | BIT(O_MS) | BIT(O_EVERY) | BIT(O_COUNT) | BIT(O_THREADS))

static const struct scenario scenarios[] = {
	{ "stall", fl_run_stall, STALL_OPTS },
	{ "poll-loop", fl_run_stall, STALL_OPTS },
	{ "select-loop", fl_run_stall, STALL_OPTS },
	{ "uring-loop", fl_run_stall, STALL_OPTS },
	{ "nested", fl_run_stall,
	  BIT(O_PRIVATE) | BIT(O_MS) | BIT(O_EVERY) | BIT(O_COUNT) | BIT(O_THREADS) },
	{ "two-loops", fl_run_two_loops, 0 },
	{ "healthy", fl_run_healthy, BIT(O_THREADS) },
	{ "herd", fl_run_herd,
	  BIT(O_WORKERS) | BIT(O_PROCESSES) | BIT(O_EXCLUSIVE) | BIT(O_REUSEPORT) |
	  BIT(O_RATE) },
	{ "lt-hotloop", fl_run_edge, 0 },
	{ "lt-drain", fl_run_edge, 0 },
	{ "et-undrained", fl_run_edge, BIT(O_CHUNK) | BIT(O_SEND) },
	{ "et-correct", fl_run_edge, BIT(O_CHUNK) | BIT(O_SEND) },
	{ "et-keepalive", fl_run_edge, 0 },
	{ "slow-reader", fl_run_backpressure, 0 },
	{ "slow-peer", fl_run_backpressure, 0 },
	{ "blocking-writer", fl_run_backpressure, 0 },
	{ "accept-overflow", fl_run_backpressure, 0 },
	{ "fd-pressure", fl_run_backpressure, 0 },
	{ "saturate", fl_run_backpressure, 0 },
	{ "lossy", fl_run_lossy, BIT(O_SEND) },
	{ "churn", fl_run_churn, BIT(O_COUNT) | BIT(O_PROCESSES) },
	{ "mem-grow", fl_run_memgrow, BIT(O_LIMIT_MB) | BIT(O_GROW_MB_S) | BIT(O_STOP_MB) },
	{ "retry-storm", fl_run_storm, BIT(O_CLIENTS) | BIT(O_JITTER) | BIT(O_MS) | BIT(O_DOWN_MS) },
	{ "port-exhaust", fl_run_ports, BIT(O_COUNT) | BIT(O_MS) | BIT(O_EVERY) | BIT(O_EXTRA) },
};

/* The stall loop's other wait calls; every other loop waits in epoll. */
static const struct {
	const char *scenario;
	enum fl_wait_kind wait;
} loop_waits[] = {
	{ "poll-loop", FL_WAIT_POLL },
	{ "select-loop", FL_WAIT_SELECT },
	{ "uring-loop", FL_WAIT_URING },
};

static const char help_text[] =
"usage: faultlab [GLOBAL OPTIONS] SCENARIO [OPTIONS]\n"
"\n"
"Reproduces event-loop failure modes on 127.0.0.1 for testing loopwatch.\n"
"Every scenario is bounded in time and exits by itself.\n"
"\n"
"Scenarios:\n"
"  stall --cause cpu|sleep|fsync|dns|runqueue|lock [--ms L] [--every-ms P]\n"
"        [--count N] [--threads K]\n"
"      An epoll loop (5 ms timerfd tick, loopback TCP echo from thread\n"
"      fl-client every ~10 ms) injects N faults of L ms (default 100),\n"
"      one every P ms (default 500, N default 5), from its timer handler,\n"
"      then exits one period after the last. With K loop threads (default\n"
"      1) each injects independently.\n"
"        cpu       spin on the CPU (vDSO clock only, no syscalls)\n"
"        sleep     clock_nanosleep\n"
"        fsync     256 KiB write + fsync rounds on a file in /var/tmp\n"
"        dns       blocking res_nquery against a local responder (fl-dns)\n"
"                  that answers after L ms\n"
"        runqueue  loop pinned with a SCHED_FIFO hog (fl-hog) that\n"
"                  preempts it for L ms; the loop stays runnable\n"
"        lock      the loop blocks on a mutex (futex) that a thread of\n"
"                  its own (fl-holder) keeps for L ms\n"
"  poll-loop | select-loop | uring-loop --cause C [--ms L] [--every-ms P]\n"
"        [--count N] [--threads K]\n"
"      The stall scenario's loop, options and lines, waiting in poll,\n"
"      select or io_uring_enter (IORING_ENTER_GETEVENTS, min_complete 1,\n"
"      one-shot poll requests re-armed each iteration) instead of\n"
"      epoll_wait. \"ready\" names the kind: \"wait\":\"poll\"|\"select\"|\n"
"      \"io_uring\".\n"
"  nested [--private epoll|poll] [--ms L] [--every-ms P] [--count N]\n"
"      The stall scenario's epoll loop; each fault is a private loop of L\n"
"      ms (default 100): a new epoll instance (or, with --private poll, a\n"
"      pollfd set) over a new timerfd ticking every L/4 ms, waited on until\n"
"      L ms passed (four wake-ups), then closed, as Node's spawnSync or\n"
"      libcurl's easy interface do. Default --private epoll. \"inject\"\n"
"      lines have cause \"nested\"; \"done\" adds \"private_wakeups\".\n"
"  two-loops\n"
"      One loop thread owning two epoll instances, a main loop (timerfd\n"
"      10 ms) and a \"signal\" loop (timerfd 25 ms), each timer armed\n"
"      before its wait so that every wait blocks; it waits on them in\n"
"      turn. No faults: \"done\" counts the waits on each\n"
"      (\"main_waits\", \"signal_waits\", \"waits\"). Default 5 s.\n"
"  healthy [--threads K]\n"
"      Loopback TCP echo at ~2000 req/s per loop, no faults (default 5 s).\n"
"  herd [--workers N] [--processes] [--exclusive | --reuseport] [--rate R]\n"
"      N workers (default 4; threads, or processes with --processes), each\n"
"      with its own epoll fd, wait on ONE shared non-blocking listener\n"
"      (level-triggered; EPOLLEXCLUSIVE with --exclusive; one SO_REUSEPORT\n"
"      listener per worker with --reuseport). fl-client connects R times a\n"
"      second (default 20); a woken worker calls accept4 once (EAGAIN =\n"
"      futile). Default 5 s.\n"
"  lt-hotloop\n"
"      Level-triggered connection with 1 unread byte: epoll_wait returns it\n"
"      every iteration, the loop never reads it. Default 5 s.\n"
"  lt-drain\n"
"      Control: peer sends 8 bytes every 20 ms, the loop reads all of it.\n"
"  et-undrained [--chunk B] [--send-s S]\n"
"      EPOLLET connection; peer sends 4096 bytes every 50 ms for S s\n"
"      (default 2) then idles with the connection open; the loop reads only\n"
"      B bytes (default 100) per edge: bytes left, then a starved socket.\n"
"  et-correct [--chunk B] [--send-s S]\n"
"      Control: same traffic, the loop reads B-byte reads until EAGAIN.\n"
"  et-keepalive\n"
"      Control: EPOLLET keep-alive exchange read as nginx reads it: one read\n"
"      per edge takes the 64-byte request, a 256-byte reply, 100 us of\n"
"      work, then epoll_wait; fl-client sends the next request as soon as\n"
"      it has the reply, so it is there before the wait. Default 5 s.\n"
"  churn [--count N] [--processes]\n"
"      N short-lived loop threads (or processes), 64 alive at a time, each\n"
"      running three epoll_wait iterations and exiting.\n"
"  slow-reader\n"
"      Peer thread fl-peer sends as fast as TCP allows; the loop reads 16 KiB\n"
"      per readiness and spends 2 ms on it: its receive queue (SO_RCVBUF\n"
"      128 KiB) fills.\n"
"  slow-peer\n"
"      The loop writes 64 KiB every 5 ms tick to a peer that never reads:\n"
"      the send queue fills; short writes, then EAGAIN.\n"
"  blocking-writer\n"
"      Thread fl-writer makes blocking 64 KiB writes (SO_SNDTIMEO 200 ms) to\n"
"      a peer that never reads: each sleeps for buffer space.\n"
"  accept-overflow\n"
"      Listener with backlog 4 that is never accepted from; fl-client\n"
"      connects every 20 ms and keeps the connections: overflows. The\n"
"      listener stays 1.5 s after the run, the clients are closed.\n"
"  fd-pressure\n"
"      Lowers RLIMIT_NOFILE to 256 and holds 240 descriptors open.\n"
"  saturate\n"
"      64 always-readable eventfds, epoll_wait maxevents 16: every wait\n"
"      returns a full batch (1 ms of work per batch).\n"
"  mem-grow [--limit-mb M] [--grow-mb-s R] [--stop-mb S]\n"
"      An epoll loop (10 ms timerfd) whose in-process queue grows at R MiB/s\n"
"      (default 4; 64 KiB items, written so their pages are resident) from\n"
"      the end of the start delay, in a memory cgroup of its own,\n"
"      lwfl-mem-PID (cgroup v1's memory hierarchy where it is there, else\n"
"      cgroup2), limited to M MiB (default 64) with no swap, until the OOM\n"
"      killer kills it; with S, the queue stops growing at S MiB. The loop\n"
"      is a child (\"child_pid\"); its parent prints an \"exit\" line when it\n"
"      dies, keeps the cgroup 2.5 s more, removes it and prints the\n"
"      cgroup's own counts (oom_kills, limit_hits, peak_kb). Needs root.\n"
"      Default 60 s.\n"
"  retry-storm [--clients N] [--jitter none|full] [--ms B] [--down-ms D]\n"
"      N client threads (default 50) connect to a loopback port that\n"
"      refuses (bound, not listening) for D ms (default 2000), then listens.\n"
"      Each backs off exponentially from B ms (default 200, doubling up to\n"
"      3.2 s): with --jitter none (default) exactly B * 2^k after its k-th\n"
"      attempt, all starting together; with --jitter full a uniform random\n"
"      wait in [0, B * 2^k] before every attempt, the first too. A new\n"
"      socket per attempt; \"done\" has attempts, failures (refused plus\n"
"      other errors) and connected. Default 10 s at most.\n"
"  port-exhaust [--count N] [--ms H] [--every-ms P] [--extra E]\n"
"      In a network namespace of its own, ip_local_port_range is set to N\n"
"      ports (default 20, from 40000) and connections to 127.0.0.1:5000\n"
"      take them: up to 90 % of the range, held H ms (default 2500), then\n"
"      one every P ms (default 100) to the full range, then E more (default\n"
"      3) that fail with EADDRNOTAVAIL. \"done\" has the wall-clock times\n"
"      (ms since the epoch) of reaching 90 % and of the first EADDRNOTAVAIL,\n"
"      and the counts. Needs root.\n"
"  lossy [--send-s S]\n"
"      Two network namespaces (lwfl-PID-tx/rx) joined by veth, nftables\n"
"      drops 1 in 10 packets towards the receiver (a forked process); the\n"
"      loop streams TCP for S s (default 2), prints a \"sent\" line once all\n"
"      is acknowledged, keeps the namespaces to the end of the run, then\n"
"      removes them (also on SIGINT/SIGTERM). Needs root. Default 5 s.\n"
"\n"
"Global options:\n"
"  --duration-s S       bound the scenario's active phase to S seconds\n"
"                       (counted after the start delay)\n"
"  --start-delay-ms N   after \"ready\", run normally for N ms before the\n"
"                       first fault (time to attach loopwatch -p PID)\n"
"  -h, --help           this text      -V, --version\n"
"\n"
"Output (stdout, one JSON object per line, flushed per line):\n"
"  {\"event\":\"ready\",\"scenario\":..,\"pid\":..,\"loop_tid\":..,\"tids\":[..],\n"
"   \"fd\":..,\"port\":..,...}\n"
"      once set up, before any fault; herd adds \"pids\"; stall, healthy,\n"
"      lt-* and et-* add \"local_port\"/\"remote_port\" of the loop's socket;\n"
"      stall, *-loop, nested and healthy add \"wait\" (the loop's wait\n"
"      kind), nested \"private\" (its private loop's)\n"
"  {\"event\":\"inject\",\"cause\":..,\"ms\":..,\"tid\":..}\n"
"      per injected fault, with its measured length (monotonic clock)\n"
"  {\"event\":\"done\",...counts...}\n"
"      last line\n"
"Diagnostics go to stderr. Exit 0 on success, 1 on a runtime failure,\n"
"2 on bad usage. SIGINT/SIGTERM stop the run cleanly (done is printed).\n";

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("faultlab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("; try 'faultlab --help'\n", stderr);
	exit(2);
}

static const char *opt_name(int id)
{
	for (const struct option *lo = long_opts; lo->name; lo++) {
		if (lo->val == id)
			return lo->name;
	}
	return "?";
}

static double parse_num(int id, const char *arg, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v))
		usage_error("--%s: '%s' is not a number", opt_name(id), arg);
	if (v < min || v > max)
		usage_error("--%s: %s is out of range [%g, %g]", opt_name(id),
			    arg, min, max);
	return v;
}

static long parse_int(int id, const char *arg, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end)
		usage_error("--%s: '%s' is not an integer", opt_name(id), arg);
	if (v < min || v > max)
		usage_error("--%s: %s is out of range [%ld, %ld]", opt_name(id),
			    arg, min, max);
	return v;
}

static void defaults(struct fl_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cause = FL_CAUSE_NONE;
	o->ms = 100;
	o->every_ms = 500;
	o->count = 5;
	o->threads = 1;
	o->workers = 4;
	o->rate = 20;
	o->chunk = 100;
	o->send_ns = 2 * FL_NS_PER_S;
	o->duration_ns = 5 * FL_NS_PER_S;
	o->limit_mb = 64;
	o->grow_mb_s = 4;
	o->clients = 50;
	o->down_ms = 2000;
	o->extra = 3;
}

int main(int argc, char **argv)
{
	const struct scenario *sc = NULL;
	unsigned int seen = 0;
	const char *name;
	struct fl_opts o;
	int c;

	defaults(&o);
	opterr = 0;	/* we print our own one-line errors */
	while ((c = getopt_long(argc, argv, ":hV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case O_HELP:
			fputs(help_text, stdout);
			return 0;
		case 'V':
		case O_VERSION:
			printf("faultlab %s\n", FAULTLAB_VERSION);
			return 0;
		case ':':
			usage_error("option '%s' needs a value", argv[optind - 1]);
		case '?':
			if (optopt)
				usage_error("unknown option '-%c'", optopt);
			usage_error("unknown option '%s'", argv[optind - 1]);
		case O_CAUSE:
			if (fl_cause_parse(optarg, &o.cause))
				usage_error("--cause: '%s' is not one of cpu, sleep, fsync, dns, runqueue, lock",
					    optarg);
			break;
		case O_MS:
			o.ms = parse_num(c, optarg, 0.001, 600000);
			break;
		case O_EVERY:
			o.every_ms = parse_num(c, optarg, 1, 600000);
			break;
		case O_COUNT:
			o.count = parse_int(c, optarg, 0, 1000000);
			break;
		case O_THREADS:
			o.threads = parse_int(c, optarg, 1, 256);
			break;
		case O_WORKERS:
			o.workers = parse_int(c, optarg, 1, 1024);
			break;
		case O_PROCESSES:
			o.processes = true;
			break;
		case O_EXCLUSIVE:
			o.exclusive = true;
			break;
		case O_REUSEPORT:
			o.reuseport = true;
			break;
		case O_RATE:
			o.rate = parse_num(c, optarg, 0.001, 100000);
			break;
		case O_CHUNK:
			o.chunk = parse_int(c, optarg, 1, 1 << 20);
			break;
		case O_SEND:
			o.send_ns = parse_num(c, optarg, 0, 86400) * FL_NS_PER_S;
			break;
		case O_LIMIT_MB:
			o.limit_mb = parse_num(c, optarg, 8, 1 << 20);
			break;
		case O_GROW_MB_S:
			o.grow_mb_s = parse_num(c, optarg, 0.01, 4096);
			break;
		case O_STOP_MB:
			o.stop_mb = parse_num(c, optarg, 1, 1 << 20);
			break;
		case O_PRIVATE:
			if (!strcmp(optarg, "epoll"))
				o.private_kind = FL_WAIT_EPOLL;
			else if (!strcmp(optarg, "poll"))
				o.private_kind = FL_WAIT_POLL;
			else
				usage_error("--private: '%s' is not one of epoll, poll", optarg);
			break;
		case O_CLIENTS:
			o.clients = parse_int(c, optarg, 1, 1024);
			break;
		case O_JITTER:
			if (strcmp(optarg, "none") && strcmp(optarg, "full"))
				usage_error("--jitter: '%s' is not one of none, full", optarg);
			o.jitter_full = !strcmp(optarg, "full");
			break;
		case O_DOWN_MS:
			o.down_ms = parse_num(c, optarg, 0, 600000);
			break;
		case O_EXTRA:
			o.extra = parse_int(c, optarg, 0, 1000);
			break;
		case O_DURATION:
			o.duration_ns = parse_num(c, optarg, 0.001, 86400) * FL_NS_PER_S;
			o.has_duration = true;
			break;
		case O_DELAY:
			o.start_delay_ns = parse_int(c, optarg, 0, 3600000) * FL_NS_PER_MS;
			break;
		}
		seen |= BIT(c);
	}
	if (optind >= argc)
		usage_error("no scenario given");
	name = argv[optind];
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (!strcmp(name, scenarios[i].name))
			sc = &scenarios[i];
	}
	if (!sc)
		usage_error("unknown scenario '%s'", name);
	if (optind + 1 < argc)
		usage_error("unexpected argument '%s'", argv[optind + 1]);
	for (int id = 0; id < O_NR; id++) {
		if ((seen & BIT(id)) && !((sc->opts | GLOBAL_OPTS) & BIT(id)))
			usage_error("option --%s does not apply to %s",
				    opt_name(id), name);
	}
	if ((sc->opts & BIT(O_CAUSE)) && o.cause == FL_CAUSE_NONE)
		usage_error("%s needs --cause cpu|sleep|fsync|dns|runqueue|lock", name);
	if (!strcmp(name, "nested"))
		o.cause = FL_CAUSE_NESTED;
	for (size_t i = 0; i < sizeof(loop_waits) / sizeof(loop_waits[0]); i++) {
		if (!strcmp(name, loop_waits[i].scenario))
			o.wait = loop_waits[i].wait;
	}
	if (o.exclusive && o.reuseport)
		usage_error("--exclusive and --reuseport exclude each other");
	o.scenario = sc->name;
	/* the defaults of the scenarios that read shared options otherwise */
	if (!strcmp(name, "retry-storm")) {
		if (!(seen & BIT(O_MS)))
			o.ms = 200;
		if (!(seen & BIT(O_DURATION)))
			o.duration_ns = 10 * FL_NS_PER_S;
	} else if (!strcmp(name, "port-exhaust")) {
		if (!(seen & BIT(O_MS)))
			o.ms = 2500;
		if (!(seen & BIT(O_EVERY)))
			o.every_ms = 100;
		if (!(seen & BIT(O_COUNT)))
			o.count = 20;
	}

	fl_report_init();
	fl_signals_init();
	return sc->run(&o);
}

void fl_ready_begin(struct fl_json *j, const struct fl_opts *o)
{
	fl_json_begin(j, "ready");
	fl_json_str(j, "scenario", o->scenario);
	fl_json_int(j, "pid", getpid());
}

void fl_done_begin(struct fl_json *j, const struct fl_opts *o, int signal)
{
	fl_json_begin(j, "done");
	fl_json_str(j, "scenario", o->scenario);
	fl_json_int(j, "pid", getpid());
	fl_json_bool(j, "ok", !fl_failed());
	if (signal)
		fl_json_str(j, "signal", sigabbrev_np(signal));
}

int fl_exit_status(void)
{
	return fl_failed() ? 1 : 0;
}
