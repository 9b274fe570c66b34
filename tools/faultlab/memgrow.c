// SPDX-License-Identifier: GPL-2.0
/*
 * mem-grow: an epoll loop whose in-process queue grows until the OOM killer
 * ends it, in a memory cgroup of its own with a limit set.
 *
 * The OOM killer kills the loop, so the loop is a child: this process makes
 * the cgroup lwfl-mem-<pid> (cgroup v1's memory hierarchy where the memory
 * controller is there, as on hybrid hosts, else cgroup2), sets its limit
 * (--limit-mb) and no swap, forks the loop, moves it in, and supervises.
 * The loop wakes on a 10 ms timerfd; from the end of --start-delay-ms it
 * takes in 64 KiB items at twice --grow-mb-s and handles only half of them
 * (each item is written to, so its pages are resident; handled items are
 * reused): the queue, and RSS with it, grows at --grow-mb-s. With --stop-mb it stops growing at that size and keeps up
 * from then on. When the loop dies this process prints an "exit" line, reads
 * the cgroup's own counts (oom_kill, limit hits, peak), keeps the cgroup
 * HOLD_MS longer so a watcher ticking once a second reads its last counts,
 * removes it and prints "done". The run is bounded by --duration-s (default
 * 60 s, counted after the start delay): then the loop is stopped, as on
 * SIGINT/SIGTERM. Cgroups of dead faultlab runs are removed at start; the
 * loop never outlives this process (PR_SET_PDEATHSIG). Needs root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "faultlab.h"
#include "lifecycle.h"
#include "loop.h"

#define V1_MEMORY		"/sys/fs/cgroup/memory"
#define V2_ROOT			"/sys/fs/cgroup"
#define CG_PREFIX		"lwfl-mem-"
#define ITEM_BYTES		(64 * 1024)
#define TICK_NS			(10 * FL_NS_PER_MS)
#define HOLD_MS			2500
#define RMDIR_TIMEOUT_NS	(3 * FL_NS_PER_S)
#define STOP_TIMEOUT_NS		(2 * FL_NS_PER_S)
#define DEFAULT_DURATION_NS	(60 * FL_NS_PER_S)

/* What the loop tells its parent, in memory shared across the fork: the
 * loop cannot report once it is killed. */
struct progress {
	atomic_long queue_bytes;
	atomic_long items_in, items_out;
	atomic_llong grow_start_ns;	/* monotonic; 0 until growth starts */
};

struct item {
	struct item *next;
};

/*
 * Items come from an arena of their own, reused through a free list, not
 * from malloc: then resident memory is the queue's high-water mark whatever
 * the allocator does (ASan's keeps freed blocks in quarantine, which would
 * make RSS follow the intake, not the queue). Reserved, not committed:
 * pages become resident as items are written.
 */
struct arena {
	char *base;
	size_t size, used;
	struct item *free;
};

static int arena_init(struct arena *a, size_t size)
{
	a->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (a->base == MAP_FAILED)
		return -1;
	a->size = size;
	a->used = 0;
	a->free = NULL;
	return 0;
}

static struct item *arena_get(struct arena *a)
{
	struct item *it = a->free;

	if (it) {
		a->free = it->next;
		return it;
	}
	if (a->used + ITEM_BYTES > a->size)
		return NULL;
	it = (struct item *)(a->base + a->used);
	a->used += ITEM_BYTES;
	return it;
}

static void arena_put(struct arena *a, struct item *it)
{
	it->next = a->free;
	a->free = it;
}

struct memgrow {
	const struct fl_opts *o;
	int version;			/* 1 or 2 */
	char base[64];			/* the hierarchy's mount */
	char name[48];			/* lwfl-mem-PID */
	char dir[128];			/* base/name */
	bool made;
	struct progress *prog;
	pid_t child;
	int64_t t_end;
	/* when the loop died, as seen by waitpid */
	struct timespec died_wall;
	int64_t died_ns;
	int child_status;
	bool reaped;
	/* the cgroup's own counts */
	long long oom_kills, limit_hits, peak;
	bool removed;
};

static int write_str(const char *dir, const char *file, const char *text)
{
	char path[256];
	int fd, rc = 0;
	size_t len = strlen(text);

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len)
		rc = -1;
	close(fd);
	return rc;
}

static long long read_num(const char *dir, const char *file)
{
	char path[256], buf[64];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtoll(buf, NULL, 10);
	fclose(f);
	return v;
}

/* "key N" in a flat-keyed file (memory.events, memory.oom_control). */
static long long read_key(const char *dir, const char *file, const char *key)
{
	char path[256], line[256];
	size_t kl = strlen(key);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ' ')
			v = strtoll(line + kl + 1, NULL, 10);
	fclose(f);
	return v;
}

static bool file_has_word(const char *path, const char *word)
{
	char buf[512];
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f))
		for (char *s = NULL, *t = strtok_r(buf, " \n", &s); t; t = strtok_r(NULL, " \n", &s))
			found |= !strcmp(t, word);
	fclose(f);
	return found;
}

/* Where the memory controller is: v1 first (a hybrid host has cgroup2 too,
 * without it). */
static int pick_hierarchy(struct memgrow *m)
{
	if (access(V1_MEMORY "/memory.limit_in_bytes", F_OK) == 0) {
		m->version = 1;
		snprintf(m->base, sizeof(m->base), "%s", V1_MEMORY);
		return 0;
	}
	if (file_has_word(V2_ROOT "/cgroup.controllers", "memory")) {
		m->version = 2;
		snprintf(m->base, sizeof(m->base), "%s", V2_ROOT);
		/* children of the root get the controller only when it is on */
		if (!file_has_word(V2_ROOT "/cgroup.subtree_control", "memory") &&
		    write_str(V2_ROOT, "cgroup.subtree_control", "+memory")) {
			fl_fail_errno("mem-grow: cannot enable the memory controller in " V2_ROOT);
			return -1;
		}
		return 0;
	}
	fl_fail("mem-grow: no memory cgroup controller (neither " V1_MEMORY " nor cgroup2 with memory)");
	return -1;
}

static bool remove_dir(const char *dir, int64_t timeout_ns)
{
	int64_t deadline = fl_now_ns() + timeout_ns;

	/* a cgroup whose last task has just been reaped can be busy a moment */
	while (rmdir(dir) < 0) {
		if (errno == ENOENT)
			return true;
		if (errno != EBUSY || fl_now_ns() >= deadline)
			return false;
		fl_sleep_ns(20 * FL_NS_PER_MS);
	}
	return true;
}

/* Cgroups of faultlab runs that died before removing theirs. */
static void remove_stale(const struct memgrow *m)
{
	DIR *d = opendir(m->base);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char proc[64], dir[sizeof(m->base) + sizeof(de->d_name) + 1];
		int pid;

		if (strncmp(de->d_name, CG_PREFIX, strlen(CG_PREFIX)) ||
		    sscanf(de->d_name + strlen(CG_PREFIX), "%d", &pid) != 1)
			continue;
		snprintf(proc, sizeof(proc), "/proc/%d", pid);
		if (access(proc, F_OK) == 0)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", m->base, de->d_name);
		remove_dir(dir, 0);
	}
	closedir(d);
}

static int make_cgroup(struct memgrow *m)
{
	char limit[32];

	snprintf(m->name, sizeof(m->name), CG_PREFIX "%d", getpid());
	snprintf(m->dir, sizeof(m->dir), "%s/%s", m->base, m->name);
	if (mkdir(m->dir, 0755) < 0) {
		fl_fail_errno("mem-grow: mkdir %s", m->dir);
		return -1;
	}
	m->made = true;
	snprintf(limit, sizeof(limit), "%lld", (long long)(m->o->limit_mb * 1024 * 1024));
	if (m->version == 1) {
		if (write_str(m->dir, "memory.limit_in_bytes", limit)) {
			fl_fail_errno("mem-grow: cannot set %s/memory.limit_in_bytes", m->dir);
			return -1;
		}
		/* no swap, by swappiness rather than a memory+swap limit at the
		 * same value: with that one, charges fail on the memsw counter
		 * first and memory.failcnt, the limit hits, stays 0 */
		write_str(m->dir, "memory.swappiness", "0");
	} else {
		if (write_str(m->dir, "memory.max", limit)) {
			fl_fail_errno("mem-grow: cannot set %s/memory.max", m->dir);
			return -1;
		}
		write_str(m->dir, "memory.swap.max", "0");
	}
	return 0;
}

static void read_counts(struct memgrow *m)
{
	if (m->version == 1) {
		m->oom_kills = read_key(m->dir, "memory.oom_control", "oom_kill");
		m->limit_hits = read_num(m->dir, "memory.failcnt");
		m->peak = read_num(m->dir, "memory.max_usage_in_bytes");
	} else {
		m->oom_kills = read_key(m->dir, "memory.events", "oom_kill");
		m->limit_hits = read_key(m->dir, "memory.events", "max");
		m->peak = read_num(m->dir, "memory.peak");	/* Linux 6.8 and newer */
	}
}

/* The loop: takes in twice the growth rate, handles half. */
static void loop_main(struct memgrow *m, pid_t parent, int go_fd)
{
	const struct fl_opts *o = m->o;
	struct progress *pg = m->prog;
	double rate = o->grow_mb_s * 1024 * 1024;	/* bytes per second */
	long long stop_bytes = (long long)(o->stop_mb * 1024 * 1024);
	long long in = 0, out = 0, queued = 0;
	struct item *head = NULL, *tail = NULL;
	struct arena arena;
	struct epoll_event ev[4];
	int64_t grow_at;
	int ep, tfd;
	char go;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	fl_signals_child();
	/* the parent moves us into the cgroup first */
	if (read(go_fd, &go, 1) != 1)
		_exit(1);
	close(go_fd);
	ep = fl_epoll_new();
	tfd = fl_timerfd_periodic(TICK_NS);
	/* room for a queue past the limit: the OOM killer comes first */
	if (ep < 0 || tfd < 0 || fl_epoll_add(ep, tfd, EPOLLIN, 0) < 0 ||
	    arena_init(&arena, (size_t)(o->limit_mb + 64) * 1024 * 1024))
		_exit(1);
	grow_at = fl_now_ns() + o->start_delay_ns;
	while (!fl_stopping()) {
		int64_t now;
		double t;

		if (fl_epoll_wait(ep, ev, 4, 100) < 0)
			_exit(1);
		fl_timerfd_drain(tfd);
		now = fl_now_ns();
		if (now < grow_at)
			continue;
		if (!atomic_load(&pg->grow_start_ns))
			atomic_store(&pg->grow_start_ns, grow_at);
		t = (double)(now - grow_at) / FL_NS_PER_S;
		/* requests arriving */
		while (in < (long long)(2 * rate * t)) {
			struct item *it = arena_get(&arena);

			if (!it)
				break;	/* the arena is full: the queue stops growing */
			/* written, so every page of it is resident */
			memset(it, 0xa5, ITEM_BYTES);
			it->next = NULL;
			if (tail)
				tail->next = it;
			else
				head = it;
			tail = it;
			in += ITEM_BYTES;
			queued += ITEM_BYTES;
			atomic_fetch_add(&pg->items_in, 1);
		}
		/* the ones handled: half, or all beyond --stop-mb */
		while (head && (out < (long long)(rate * t) || (stop_bytes && queued > stop_bytes))) {
			struct item *it = head;

			head = it->next;
			if (!head)
				tail = NULL;
			arena_put(&arena, it);
			out += ITEM_BYTES;
			queued -= ITEM_BYTES;
			atomic_fetch_add(&pg->items_out, 1);
		}
		atomic_store(&pg->queue_bytes, queued);
	}
	_exit(0);
}

static int start_loop(struct memgrow *m)
{
	pid_t parent = getpid();
	char pid[16], go = 1;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0) {
		fl_fail_errno("mem-grow: pipe");
		return -1;
	}
	fflush(NULL);	/* nothing buffered may be duplicated */
	m->child = fork();
	if (m->child < 0) {
		fl_fail_errno("mem-grow: fork");
		return -1;
	}
	if (m->child == 0) {
		close(p[1]);
		loop_main(m, parent, p[0]);
	}
	close(p[0]);
	snprintf(pid, sizeof(pid), "%d", m->child);
	if (write_str(m->dir, "cgroup.procs", pid)) {
		fl_fail_errno("mem-grow: cannot move pid %d into %s", m->child, m->dir);
		close(p[1]);
		return -1;
	}
	if (write(p[1], &go, 1) != 1) {
		fl_fail_errno("mem-grow: cannot start the loop");
		close(p[1]);
		return -1;
	}
	close(p[1]);
	return 0;
}

static void note_death(struct memgrow *m, int status)
{
	m->reaped = true;
	m->child_status = status;
	m->died_ns = fl_now_ns();
	clock_gettime(CLOCK_REALTIME, &m->died_wall);
}

/* Until the loop dies, the run's end or a signal; SIGCHLD wakes us at once,
 * so the death is timed to the moment it is reaped. Returns the stopping
 * signal or 0. */
static int supervise(struct memgrow *m)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	for (;;) {
		int64_t left = m->t_end - fl_now_ns();
		struct timespec ts;
		int status, sig;

		if (waitpid(m->child, &status, WNOHANG) == m->child) {
			note_death(m, status);
			return 0;
		}
		if (left <= 0)
			return 0;
		if (left > 20 * FL_NS_PER_MS)
			left = 20 * FL_NS_PER_MS;
		ts = fl_ns_to_ts(left);
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM) {
			fprintf(stderr, "faultlab: got %s, stopping\n", strsignal(sig));
			return sig;
		}
	}
}

static void stop_loop(struct memgrow *m)
{
	int64_t deadline = fl_now_ns() + STOP_TIMEOUT_NS;
	int status;

	if (m->child <= 0 || m->reaped)
		return;
	kill(m->child, SIGTERM);
	while (fl_now_ns() < deadline) {
		if (waitpid(m->child, &status, WNOHANG) == m->child) {
			note_death(m, status);
			return;
		}
		fl_sleep_ns(10 * FL_NS_PER_MS);
	}
	kill(m->child, SIGKILL);
	while (waitpid(m->child, &status, 0) < 0 && errno == EINTR)
		;
	note_death(m, status);
}

static void format_wall(const struct timespec *t, char *out, size_t len)
{
	struct tm tm;
	char s[32];

	/* the agent's own form: RFC 3339, UTC, milliseconds */
	gmtime_r(&t->tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%.20s.%03dZ", s, (int)(t->tv_nsec / 1000000) % 1000);
}

static const char *death_signal(const struct memgrow *m)
{
	return m->reaped && WIFSIGNALED(m->child_status) ? sigabbrev_np(WTERMSIG(m->child_status)) : NULL;
}

static bool oom_killed(const struct memgrow *m)
{
	return m->reaped && WIFSIGNALED(m->child_status) && WTERMSIG(m->child_status) == SIGKILL &&
	       m->oom_kills > 0;
}

static void emit_ready(const struct memgrow *m)
{
	struct fl_json j;
	char rel[64];

	snprintf(rel, sizeof(rel), "/%s", m->name);
	fl_ready_begin(&j, m->o);
	fl_json_int(&j, "child_pid", m->child);
	fl_json_int(&j, "loop_tid", m->child);
	fl_json_ints(&j, "tids", &m->child, 1);
	fl_json_str(&j, "memcg", rel);
	fl_json_int(&j, "cgroup_version", m->version);
	fl_json_int(&j, "limit_kb", (long long)(m->o->limit_mb * 1024));
	fl_json_int(&j, "grow_kb_per_s", (long long)(m->o->grow_mb_s * 1024));
	fl_json_int(&j, "stop_kb", (long long)(m->o->stop_mb * 1024));
	fl_json_int(&j, "start_delay_ms", m->o->start_delay_ns / FL_NS_PER_MS);
	fl_json_emit(&j);
}

static void emit_exit(const struct memgrow *m)
{
	struct fl_json j;
	char at[40];

	format_wall(&m->died_wall, at, sizeof(at));
	fl_json_begin(&j, "exit");
	fl_json_int(&j, "child_pid", m->child);
	if (death_signal(m))
		fl_json_str(&j, "signal", death_signal(m));
	else
		fl_json_int(&j, "status", WEXITSTATUS(m->child_status));
	fl_json_str(&j, "at", at);
	fl_json_emit(&j);
}

static void emit_done(const struct memgrow *m, int sig)
{
	int64_t grow_start = atomic_load(&m->prog->grow_start_ns);
	struct fl_json j;
	char at[40] = "", rel[64] = "";

	if (m->reaped)
		format_wall(&m->died_wall, at, sizeof(at));
	if (m->name[0])
		snprintf(rel, sizeof(rel), "/%s", m->name);
	fl_done_begin(&j, m->o, sig);
	fl_json_int(&j, "child_pid", m->child);
	fl_json_str(&j, "memcg", rel);
	fl_json_int(&j, "cgroup_version", m->version);
	fl_json_int(&j, "limit_kb", (long long)(m->o->limit_mb * 1024));
	fl_json_bool(&j, "oom_killed", oom_killed(m));
	if (death_signal(m))
		fl_json_str(&j, "child_signal", death_signal(m));
	fl_json_str(&j, "exited_at", at);
	fl_json_ms(&j, "grew_s", grow_start && m->reaped ?
				 (double)(m->died_ns - grow_start) / FL_NS_PER_S : 0);
	fl_json_int(&j, "queue_kb", atomic_load(&m->prog->queue_bytes) / 1024);
	fl_json_int(&j, "items_in", atomic_load(&m->prog->items_in));
	fl_json_int(&j, "items_out", atomic_load(&m->prog->items_out));
	fl_json_int(&j, "oom_kills", m->oom_kills);
	fl_json_int(&j, "limit_hits", m->limit_hits);
	fl_json_int(&j, "peak_kb", m->peak >= 0 ? m->peak / 1024 : -1);
	fl_json_bool(&j, "cgroup_removed", m->removed);
	fl_json_emit(&j);
}

int fl_run_memgrow(const struct fl_opts *o)
{
	struct memgrow *m;
	sigset_t chld;
	int sig = 0;

	if (geteuid() != 0) {
		fl_fail("mem-grow: making a memory cgroup needs root");
		return 1;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		fl_fail("out of memory");
		return 1;
	}
	m->o = o;
	m->prog = mmap(NULL, sizeof(*m->prog), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	if (m->prog == MAP_FAILED) {
		fl_fail_errno("mem-grow: mmap");
		free(m);
		return 1;
	}
	/* SIGCHLD is taken with sigtimedwait, like SIGINT and SIGTERM */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, NULL);
	if (pick_hierarchy(m) < 0)
		goto done;
	remove_stale(m);
	if (make_cgroup(m) < 0 || start_loop(m) < 0)
		goto done;
	emit_ready(m);
	m->t_end = fl_now_ns() + o->start_delay_ns +
		   (o->has_duration ? o->duration_ns : DEFAULT_DURATION_NS);
	sig = supervise(m);
	if (!m->reaped)
		stop_loop(m);
	emit_exit(m);
	read_counts(m);
	if (!sig) {
		/* the last counts stay readable a while, then they are final */
		fl_sleep_ns((int64_t)HOLD_MS * FL_NS_PER_MS);
		read_counts(m);
	}
done:
	if (m->child > 0 && !m->reaped)
		stop_loop(m);
	if (m->made)
		m->removed = remove_dir(m->dir, RMDIR_TIMEOUT_NS);
	if (m->made && !m->removed)
		fprintf(stderr, "faultlab: mem-grow: could not remove %s: %s\n", m->dir, strerror(errno));
	emit_done(m, sig);
	munmap(m->prog, sizeof(*m->prog));
	free(m);
	return fl_exit_status();
}
