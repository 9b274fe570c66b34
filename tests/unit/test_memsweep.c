// SPDX-License-Identifier: GPL-2.0
/*
 * The memory sweep (agent/model/memsweep.h) over fixture trees: a fake /proc
 * and cgroupfs of both versions. The limit that binds is an ancestor's when
 * the process's own cgroup has none; OOM-kill and limit-hit counts are per
 * interval and add up to the cgroup's own; a cgroup made again under the
 * same path counts from zero; a process that has exited keeps its cgroup's
 * last counts; growth toward the limit gives one memory_growth with the
 * cgroup's figures; with no cgroup limit, the host's memory.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "model/memsweep.h"
#include "memcg_fixture.h"

/* A fake /proc: one process's statm (resident pages) and cgroup. */
static void proc_pid(uint32_t pid, uint64_t rss_pages, const char *cgroup_text)
{
	char f[64];

	snprintf(f, sizeof(f), "proc/%u/statm", pid);
	put(f, "%llu %llu 100 10 0 50 0\n", (unsigned long long)rss_pages * 2,
	    (unsigned long long)rss_pages);
	snprintf(f, sizeof(f), "proc/%u/cgroup", pid);
	put(f, "%s", cgroup_text);
}

static struct lw_proc *find(struct lw_model *m, uint32_t pid)
{
	struct lw_proc *p = lw_model_find(m, pid);

	assert_non_null(p);
	return p;
}

static void sweep(struct lw_memsweep *s, struct lw_model *m, uint64_t sec)
{
	static const struct lw_mem_cfg cfg = { .intervals = 3, .horizon_s = 300 };

	lw_model_end_interval(m);	/* what the tick does after the views */
	for (size_t i = 0; i < m->nprocs; i++)
		m->procs[i]->iv.active = false;
	assert_int_equal(lw_memsweep_run(s, m, &cfg, sec * 1000000000ull), 0);
}

static bool alive(uint32_t pid, uint64_t start)
{
	(void)pid;
	(void)start;
	return true;
}

/* v1: the process's own cgroup has no limit, its parent has: the parent
 * binds, its counts are the interval's; an exited process keeps them. */
static void sweep_v1_binding_ancestor_and_counts(void **state)
{
	struct lw_memsweep s;
	struct lw_model m;
	struct lw_proc *p;
	char proc[PATH_MAX], mi[PATH_MAX];
	long pk = sysconf(_SC_PAGESIZE) / 1024;

	(void)state;
	hybrid_mountinfo();
	v1_cgroup("cg/mem ory", 1 << 30, 0, 0, 0, 0);
	v1_cgroup("cg/mem ory/svc", 40 << 20, 64 << 20, 5, 0, 8 << 20);
	v1_cgroup("cg/mem ory/svc/worker", 30 << 20, 0, 0, 0, 0);
	put("proc/meminfo", "MemTotal:       24684204 kB\nMemFree: 1 kB\nMemAvailable:   23000000 kB\n");
	proc_pid(100, 1000, "4:memory:/svc/worker\n0::/\n");
	proc_pid(200, 50, "4:memory:/svc\n0::/\n");
	path_of(proc, sizeof(proc), "proc");
	path_of(mi, sizeof(mi), "mountinfo");
	lw_memsweep_init(&s, proc, mi);
	lw_model_init(&m);
	m.pid_alive = alive;
	lw_model_proc(&m, 100, 1, "srv");
	lw_model_proc(&m, 200, 1, "side");

	sweep(&s, &m, 1);
	p = find(&m, 100);
	assert_true(p->iv.rss_known);
	assert_int_equal(p->iv.rss_kb, 1000 * pk);
	assert_non_null(p->iv.memcg);
	assert_string_equal(p->iv.memcg->id.path, "/svc");	/* the ancestor with a limit */
	assert_int_equal(p->iv.memcg->now.limit, 64 << 20);
	assert_int_equal(p->iv.memcg->oom_kills, 0);		/* the first read is the baseline */
	assert_int_equal(p->iv.memcg->limit_hits, 0);
	assert_ptr_equal(find(&m, 200)->iv.memcg, p->iv.memcg);	/* one entry, read once */

	/* an OOM kill and 40 limit hits in svc; worker exits */
	v1_cgroup("cg/mem ory/svc", 60 << 20, 64 << 20, 45, 1, 8 << 20);
	gone("proc/100/statm");
	sweep(&s, &m, 2);
	p = find(&m, 100);
	assert_false(p->iv.rss_known);
	assert_non_null(p->iv.memcg);
	assert_int_equal(p->iv.memcg->oom_kills, 1);
	assert_int_equal(p->iv.memcg->limit_hits, 40);
	assert_true(p->iv.active);			/* its summary carries them */
	assert_true(find(&m, 200)->iv.active);
	sweep(&s, &m, 3);
	assert_int_equal(find(&m, 200)->iv.memcg->oom_kills, 0);
	assert_false(find(&m, 200)->iv.active);

	/* svc made again under the same path: another inode (made beside the
	 * old one, so the file system cannot hand the old number back), its
	 * counts are all new */
	v1_cgroup("cg/mem ory/svc.new", 10 << 20, 64 << 20, 2, 1, 0);
	{
		char d[256], cmd[3 * 256 + 32];

		path_of(d, sizeof(d), "cg/mem ory/svc");
		snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mv '%s.new' '%s'", d, d, d);
		assert_int_equal(system(cmd), 0);
	}
	sweep(&s, &m, 4);
	assert_int_equal(find(&m, 200)->iv.memcg->oom_kills, 1);
	assert_int_equal(find(&m, 200)->iv.memcg->limit_hits, 2);

	/* the model forgets worker: so does the sweep, its own cgroup too */
	lw_model_free(&m);
	lw_model_init(&m);
	m.pid_alive = alive;
	lw_model_proc(&m, 200, 1, "side");
	sweep(&s, &m, 5);
	assert_int_equal(s.ncgs, 1);
	assert_string_equal(s.cgs[0]->id.path, "/svc");
	lw_model_free(&m);
	lw_memsweep_free(&s);
}

/* v2: RSS growing 2 MiB/s into a 64 MiB limit gives one memory_growth with
 * the cgroup's figures. */
static void sweep_v2_growth_event(void **state)
{
	struct lw_memsweep s;
	struct lw_model m;
	struct lw_proc *p;
	char proc[PATH_MAX], mi[PATH_MAX];
	long pk = sysconf(_SC_PAGESIZE) / 1024;
	unsigned int events = 0;

	(void)state;
	v2_mountinfo();
	put("proc/meminfo", "MemTotal:       1000000 kB\nMemAvailable:   900000 kB\n");
	path_of(proc, sizeof(proc), "proc");
	path_of(mi, sizeof(mi), "mountinfo2");
	lw_memsweep_init(&s, proc, mi);
	lw_model_init(&m);
	m.pid_alive = alive;
	lw_model_proc(&m, 300, 1, "grower");
	for (uint64_t t = 1; t <= 8; t++) {
		uint64_t rss_kb = 1024 + 2048 * t;

		v2_cgroup("cg2/lwfl", (rss_kb + 512) * 1024, 64 << 20, t > 6 ? 3 : 0, 0, 256 * 1024);
		proc_pid(300, rss_kb / (uint64_t)pk, "0::/lwfl\n");
		sweep(&s, &m, t);
		events += (unsigned int)s.nout;
		if (s.nout) {
			const struct lw_mem_growth_event *e = &s.out[0];

			assert_int_equal(t, 4);	/* 3 rising intervals after the first sample */
			assert_int_equal(e->pid, 300);
			assert_string_equal(e->comm, "grower");
			assert_string_equal(e->memcg, "/lwfl");
			assert_false(e->host);
			assert_int_equal(e->limit_kb, 65536);
			assert_int_equal(e->usage_kb, rss_kb + 512);
			assert_int_equal(e->working_set_kb, rss_kb + 256);
			assert_true(e->kb_per_s > 2047 && e->kb_per_s < 2049);
			assert_true(e->seconds_to_limit > 0 && e->seconds_to_limit < 30);
			assert_int_equal(e->intervals, 3);
		}
	}
	assert_int_equal(events, 1);
	p = find(&m, 300);
	assert_true(p->iv.mem_growing);
	assert_int_equal(p->iv.memcg->limit_hits, 0);	/* 3 at t 7, none new at 8 */
	assert_string_equal(p->iv.memcg->id.path, "/lwfl");
	assert_int_equal(p->iv.memcg->now.limit, 64 << 20);
	assert_int_equal(p->iv.memcg->oom_kills, 0);
	lw_model_free(&m);
	lw_memsweep_free(&s);
}

/* No memory cgroup at all (a v2 root, nothing mounted): RSS counts against
 * the host's memory. */
static void sweep_without_a_limit_uses_the_host(void **state)
{
	struct lw_memsweep s;
	struct lw_model m;
	char proc[PATH_MAX], mi[PATH_MAX];
	long pk = sysconf(_SC_PAGESIZE) / 1024;
	unsigned int events = 0;

	(void)state;
	put("empty-mountinfo", "23 1 8:1 / / rw - ext4 /dev/sda1 rw\n");
	put("proc/meminfo", "MemTotal:       1000000 kB\nMemAvailable:   200000 kB\n");
	path_of(proc, sizeof(proc), "proc");
	path_of(mi, sizeof(mi), "empty-mountinfo");
	lw_memsweep_init(&s, proc, mi);
	lw_model_init(&m);
	m.pid_alive = alive;
	lw_model_proc(&m, 400, 1, "hog");
	for (uint64_t t = 1; t <= 6; t++) {
		proc_pid(400, (10000 + 20000 * t) / (uint64_t)pk, "0::/\n");
		sweep(&s, &m, t);
		if (s.nout) {
			assert_true(s.out[0].host);
			assert_string_equal(lw_mem_limit_of(&s.out[0]), "host");
			assert_int_equal(s.out[0].limit_kb, 1000000);
			assert_int_equal(s.out[0].working_set_kb, 800000);
			assert_string_equal(s.out[0].memcg, "");
		}
		events += (unsigned int)s.nout;
	}
	assert_int_equal(events, 1);
	assert_null(find(&m, 400)->iv.memcg);
	lw_model_free(&m);
	lw_memsweep_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(sweep_v1_binding_ancestor_and_counts, make_root,
						remove_root),
		cmocka_unit_test_setup_teardown(sweep_v2_growth_event, make_root, remove_root),
		cmocka_unit_test_setup_teardown(sweep_without_a_limit_uses_the_host, make_root,
						remove_root),
	};

	return cmocka_run_group_tests_name("memsweep", tests, NULL, NULL);
}
