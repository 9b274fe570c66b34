/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixture trees for the memory cgroup tests (test_memcg.c, test_memsweep.c):
 * a temporary root, files in it, mountinfo of a hybrid and of a v2-only
 * host, and memory cgroups' files as each version's kernel writes them.
 */
#ifndef LW_TEST_MEMCG_FIXTURE_H
#define LW_TEST_MEMCG_FIXTURE_H

static char root[64];

/* root/rel, its parent directories made as needed, holding text. */
static inline void put(const char *rel, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void put(const char *rel, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	assert_int_equal(fclose(f), 0);
}

static inline void gone(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(unlink(path), 0);
}

static inline int make_root(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/lw-memcg-test.XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static inline int remove_root(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static inline void path_of(char *out, size_t len, const char *rel)
{
	snprintf(out, len, "%s/%s", root, rel);
}

/* The hierarchies of a hybrid host: v1 memory at cg/memory (a space in the
 * mount point, escaped), cgroup2 at cg/unified without memory. */
static inline void hybrid_mountinfo(void)
{
	put("cg/unified/cgroup.controllers", "\n");
	put("mountinfo",
	    "23 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	    "31 23 0:28 / %s/cg rw,relatime - tmpfs tmpfs rw,mode=755\n"
	    "32 31 0:29 / %s/cg/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	    "35 31 0:32 / %s/cg/mem\\040ory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
	    "41 31 0:38 / %s/cg/unified rw,relatime - cgroup2 cgroup2 rw\n",
	    root, root, root, root);
}

static inline void v2_mountinfo(void)
{
	put("cg2/cgroup.controllers", "cpuset cpu io memory pids\n");
	put("mountinfo2", "30 23 0:26 / %s/cg2 rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n", root);
}

/* A v1 cgroup's files as the kernel writes them. */
static inline void v1_cgroup(const char *rel, uint64_t usage, uint64_t limit, uint64_t failcnt,
		      uint64_t oom_kills, uint64_t inactive_file)
{
	char f[PATH_MAX];

	snprintf(f, sizeof(f), "%s/memory.usage_in_bytes", rel);
	put(f, "%llu\n", (unsigned long long)usage);
	snprintf(f, sizeof(f), "%s/memory.limit_in_bytes", rel);
	put(f, "%llu\n", (unsigned long long)(limit ? limit : 9223372036854771712ull));
	snprintf(f, sizeof(f), "%s/memory.failcnt", rel);
	put(f, "%llu\n", (unsigned long long)failcnt);
	snprintf(f, sizeof(f), "%s/memory.oom_control", rel);
	put(f, "oom_kill_disable 0\nunder_oom 0\noom_kill %llu\n", (unsigned long long)oom_kills);
	snprintf(f, sizeof(f), "%s/memory.stat", rel);
	put(f, "cache 0\nrss 100\ninactive_file 1\nactive_file 0\nhierarchical_memory_limit 9\n"
	       "total_cache 0\ntotal_inactive_file %llu\ntotal_active_file 0\n",
	    (unsigned long long)inactive_file);
}

static inline void v2_cgroup(const char *rel, uint64_t usage, uint64_t limit, uint64_t max_hits,
		      uint64_t oom_kills, uint64_t inactive_file)
{
	char f[PATH_MAX];

	snprintf(f, sizeof(f), "%s/memory.current", rel);
	put(f, "%llu\n", (unsigned long long)usage);
	snprintf(f, sizeof(f), "%s/memory.max", rel);
	if (limit)
		put(f, "%llu\n", (unsigned long long)limit);
	else
		put(f, "max\n");
	snprintf(f, sizeof(f), "%s/memory.events", rel);
	put(f, "low 0\nhigh 0\nmax %llu\noom 2\noom_kill %llu\noom_group_kill 0\n",
	    (unsigned long long)max_hits, (unsigned long long)oom_kills);
	snprintf(f, sizeof(f), "%s/memory.stat", rel);
	put(f, "anon 100\nfile 0\nactive_anon 1\ninactive_file %llu\nactive_file 0\n",
	    (unsigned long long)inactive_file);
}

#endif
