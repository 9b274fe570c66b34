// SPDX-License-Identifier: GPL-2.0
/*
 * Memory cgroups read from fixture trees written here (agent/model/memcg.h):
 * mountinfo of a hybrid host (memory on v1, cgroup2 without it) and of a
 * v2-only host; /proc/PID/cgroup of each; directories below a mount's root
 * and the walk up; both versions' files, with and without a limit.
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
#include "model/memcg.h"
#include "memcg_fixture.h"

static void mounts_of_both_kinds(void **state)
{
	struct lw_memcg_mounts m;
	char want[PATH_MAX], mi[PATH_MAX];

	(void)state;
	hybrid_mountinfo();
	path_of(mi, sizeof(mi), "mountinfo");
	assert_int_equal(lw_memcg_read_mounts(mi, &m), 0);
	path_of(want, sizeof(want), "cg/mem ory");
	assert_string_equal(m.v1, want);
	assert_string_equal(m.v1_root, "/");
	path_of(want, sizeof(want), "cg/unified");
	assert_string_equal(m.v2, want);
	assert_false(m.v2_memory);

	v2_mountinfo();
	path_of(mi, sizeof(mi), "mountinfo2");
	assert_int_equal(lw_memcg_read_mounts(mi, &m), 0);
	assert_string_equal(m.v1, "");
	path_of(want, sizeof(want), "cg2");
	assert_string_equal(m.v2, want);
	assert_true(m.v2_memory);

	path_of(mi, sizeof(mi), "no-such-mountinfo");
	assert_int_equal(lw_memcg_read_mounts(mi, &m), -ENOENT);
}

static void proc_cgroup_of_both_kinds(void **state)
{
	struct lw_memcg_mounts hy = { .v1 = "/sys/fs/cgroup/memory", .v1_root = "/",
				      .v2 = "/sys/fs/cgroup/unified", .v2_root = "/" };
	struct lw_memcg_mounts v2 = { .v2 = "/sys/fs/cgroup", .v2_root = "/", .v2_memory = true };
	struct lw_memcg_id id;
	static const char hybrid[] = "9:name=systemd:/user.slice\n8:pids:/\n"
				     "4:memory:/process_api/14eb:9a\n3:cpu,cpuacct:/\n0::/\n";

	(void)state;
	assert_int_equal(lw_memcg_parse_proc(&hy, hybrid, &id), 0);
	assert_int_equal(id.v, LW_CG_V1);
	assert_string_equal(id.path, "/process_api/14eb:9a");
	/* the memory controller among others on one hierarchy */
	assert_int_equal(lw_memcg_parse_proc(&hy, "5:cpu,memory:/a/b\n0::/x\n", &id), 0);
	assert_string_equal(id.path, "/a/b");
	/* v2 only; a cgroup removed under the process says so */
	assert_int_equal(lw_memcg_parse_proc(&v2, "0::/system.slice/nginx.service\n", &id), 0);
	assert_int_equal(id.v, LW_CG_V2);
	assert_string_equal(id.path, "/system.slice/nginx.service");
	assert_int_equal(lw_memcg_parse_proc(&v2, "0::/gone (deleted)\n", &id), 0);
	assert_string_equal(id.path, "/gone");
	/* a hybrid host's v2 line has no memory controller; no v1 memory line */
	assert_int_equal(lw_memcg_parse_proc(&hy, "8:pids:/\n0::/x\n", &id), -ENOENT);
	/* a v1 memory line when v1 memory is not mounted here */
	assert_int_equal(lw_memcg_parse_proc(&v2, "4:memory:/a\n0::/b\n", &id), 0);
	assert_int_equal(id.v, LW_CG_V2);
	assert_string_equal(id.path, "/b");
	assert_int_equal(lw_memcg_parse_proc(&v2, "", &id), -ENOENT);
}

/* Directories below a mount's root, and the walk up that stops there. */
static void dirs_and_parents(void **state)
{
	struct lw_memcg_mounts m = { .v1 = "/c/mem", .v1_root = "/docker/abc", .v2 = "/c/2",
				     .v2_root = "/", .v2_memory = true };
	struct lw_memcg_id id = { .v = LW_CG_V1 }, up;
	char dir[256];

	(void)state;
	strcpy(id.path, "/docker/abc/worker");
	assert_int_equal(lw_memcg_dir(&m, &id, dir, sizeof(dir)), 0);
	assert_string_equal(dir, "/c/mem/worker");
	assert_true(lw_memcg_parent(&m, &id, &up));
	assert_string_equal(up.path, "/docker/abc");
	assert_int_equal(lw_memcg_dir(&m, &up, dir, sizeof(dir)), 0);
	assert_string_equal(dir, "/c/mem");
	assert_false(lw_memcg_parent(&m, &up, &id));	/* the mount's top */
	strcpy(id.path, "/docker/abcd");		/* beside the root, not below */
	assert_int_equal(lw_memcg_dir(&m, &id, dir, sizeof(dir)), -ENOENT);
	strcpy(id.path, "/../other");			/* another cgroup namespace */
	id.v = LW_CG_V2;
	assert_int_equal(lw_memcg_dir(&m, &id, dir, sizeof(dir)), -ENOENT);
	strcpy(id.path, "/a");
	assert_true(lw_memcg_parent(&m, &id, &up));
	assert_string_equal(up.path, "/");
	assert_int_equal(lw_memcg_dir(&m, &up, dir, sizeof(dir)), 0);
	assert_string_equal(dir, "/c/2");
	assert_false(lw_memcg_parent(&m, &up, &id));
}

static void files_of_both_versions(void **state)
{
	struct lw_memcg_stat st;
	char dir[PATH_MAX];

	(void)state;
	v1_cgroup("v1/a", 6410240, 67108864, 12, 1, 4096);
	path_of(dir, sizeof(dir), "v1/a");
	assert_int_equal(lw_memcg_read(LW_CG_V1, dir, &st), 0);
	assert_int_equal(st.usage, 6410240);
	assert_int_equal(st.limit, 67108864);
	assert_int_equal(st.limit_hits, 12);
	assert_int_equal(st.oom_kills, 1);
	assert_int_equal(st.inactive_file, 4096);	/* total_, not the local line */
	assert_true(st.ino != 0);
	v1_cgroup("v1/b", 100, 0, 0, 0, 0);		/* no limit: PAGE_COUNTER_MAX */
	path_of(dir, sizeof(dir), "v1/b");
	assert_int_equal(lw_memcg_read(LW_CG_V1, dir, &st), 0);
	assert_int_equal(st.limit, 0);

	v2_cgroup("v2/a", 1 << 20, 1 << 24, 7, 3, 2048);
	path_of(dir, sizeof(dir), "v2/a");
	assert_int_equal(lw_memcg_read(LW_CG_V2, dir, &st), 0);
	assert_int_equal(st.usage, 1 << 20);
	assert_int_equal(st.limit, 1 << 24);
	assert_int_equal(st.limit_hits, 7);
	assert_int_equal(st.oom_kills, 3);
	assert_int_equal(st.inactive_file, 2048);
	v2_cgroup("v2/b", 5, 0, 0, 0, 99);		/* "max"; cache never above usage */
	path_of(dir, sizeof(dir), "v2/b");
	assert_int_equal(lw_memcg_read(LW_CG_V2, dir, &st), 0);
	assert_int_equal(st.limit, 0);
	assert_int_equal(st.inactive_file, 5);
	/* the v2 root has no memory files */
	put("v2/root/cgroup.procs", "1\n");
	path_of(dir, sizeof(dir), "v2/root");
	assert_int_equal(lw_memcg_read(LW_CG_V2, dir, &st), -ENOENT);
	path_of(dir, sizeof(dir), "v2/none");
	assert_int_equal(lw_memcg_read(LW_CG_V2, dir, &st), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(mounts_of_both_kinds, make_root, remove_root),
		cmocka_unit_test(proc_cgroup_of_both_kinds),
		cmocka_unit_test(dirs_and_parents),
		cmocka_unit_test_setup_teardown(files_of_both_versions, make_root, remove_root),
	};

	return cmocka_run_group_tests_name("memcg", tests, NULL, NULL);
}
