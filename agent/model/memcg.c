// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "model/memcg.h"

/* memory.limit_in_bytes with no limit set is PAGE_COUNTER_MAX pages, just
 * under 2^63; nothing real comes near 2^62 bytes. */
#define V1_NO_LIMIT (1ull << 62)

/* A cgroup file is one line or a few dozen (memory.stat). */
#define CG_FILE_MAX 8192

static ssize_t read_text(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (got < len - 1) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

/* mountinfo writes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static bool has_word(const char *list, const char *word, const char *seps)
{
	size_t wl = strlen(word);

	while (*list) {
		size_t n = strcspn(list, seps);

		if (n == wl && !strncmp(list, word, wl))
			return true;
		list += n;
		if (*list)
			list++;
	}
	return false;
}

/* One mountinfo line: "id parent maj:min root mountpoint opts [optional...]
 * - fstype source superopts". */
static void mount_line(char *line, struct lw_memcg_mounts *m)
{
	char *tok[64], *save = NULL;
	size_t n = 0, dash = 0;

	for (char *t = strtok_r(line, " ", &save); t && n < 64; t = strtok_r(NULL, " ", &save))
		tok[n++] = t;
	for (size_t i = 6; i < n; i++)
		if (!strcmp(tok[i], "-")) {
			dash = i;
			break;
		}
	if (!dash || dash + 1 >= n)
		return;
	unescape(tok[3]);
	unescape(tok[4]);
	if (!strcmp(tok[dash + 1], "cgroup2") && !m->v2[0]) {
		snprintf(m->v2, sizeof(m->v2), "%s", tok[4]);
		snprintf(m->v2_root, sizeof(m->v2_root), "%s", tok[3]);
	} else if (!strcmp(tok[dash + 1], "cgroup") && dash + 3 < n &&
		   has_word(tok[dash + 3], "memory", ",")) {
		/* a bind mount of part of the hierarchy counts only if it is all we have */
		if (!m->v1[0] || (strcmp(m->v1_root, "/") && !strcmp(tok[3], "/"))) {
			snprintf(m->v1, sizeof(m->v1), "%s", tok[4]);
			snprintf(m->v1_root, sizeof(m->v1_root), "%s", tok[3]);
		}
	}
}

int lw_memcg_read_mounts(const char *mountinfo, struct lw_memcg_mounts *m)
{
	char line[4096];
	FILE *f = fopen(mountinfo, "re");

	memset(m, 0, sizeof(*m));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		mount_line(line, m);
	}
	fclose(f);
	if (m->v2[0]) {
		char path[PATH_MAX + 32], buf[512];

		snprintf(path, sizeof(path), "%s/cgroup.controllers", m->v2);
		if (read_text(path, buf, sizeof(buf)) > 0)
			m->v2_memory = has_word(buf, "memory", " \n");
	}
	return 0;
}

/* "path (deleted)": what v2 shows for a cgroup removed under a process. */
static void set_path(struct lw_memcg_id *id, enum lw_cg_version v, const char *path, size_t len)
{
	static const char deleted[] = " (deleted)";

	if (len >= sizeof(deleted) - 1 &&
	    !strncmp(path + len - (sizeof(deleted) - 1), deleted, sizeof(deleted) - 1))
		len -= sizeof(deleted) - 1;
	if (len >= sizeof(id->path))
		len = sizeof(id->path) - 1;
	id->v = v;
	memcpy(id->path, path, len);
	id->path[len] = '\0';
}

int lw_memcg_parse_proc(const struct lw_memcg_mounts *m, const char *text, struct lw_memcg_id *out)
{
	bool v2_found = false;
	struct lw_memcg_id v2 = { 0 };

	for (const char *l = text; *l;) {
		size_t len = strcspn(l, "\n");
		const char *c1 = memchr(l, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - l)) : NULL;

		if (c2) {
			char ctl[256];
			size_t cl = (size_t)(c2 - c1 - 1);
			const char *path = c2 + 1;
			size_t pl = len - (size_t)(path - l);

			if (cl < sizeof(ctl)) {
				memcpy(ctl, c1 + 1, cl);
				ctl[cl] = '\0';
				/* v1 first: on a hybrid host the v2 line is there
				 * too, but the memory controller is not on it */
				if (m->v1[0] && has_word(ctl, "memory", ",")) {
					set_path(out, LW_CG_V1, path, pl);
					return 0;
				}
				if (!cl && c1 - l == 1 && l[0] == '0' && !v2_found) {
					set_path(&v2, LW_CG_V2, path, pl);
					v2_found = true;
				}
			}
		}
		l += len;
		if (*l)
			l++;
	}
	if (v2_found && m->v2[0] && m->v2_memory) {
		*out = v2;
		return 0;
	}
	return -ENOENT;
}

int lw_memcg_of_pid(const struct lw_memcg_mounts *m, const char *proc_root, uint32_t pid,
		    struct lw_memcg_id *out)
{
	char path[PATH_MAX], buf[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/cgroup", proc_root, pid);
	n = read_text(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return lw_memcg_parse_proc(m, buf, out);
}

static const char *root_of(const struct lw_memcg_mounts *m, enum lw_cg_version v)
{
	const char *r = v == LW_CG_V1 ? m->v1_root : m->v2_root;

	return r[0] ? r : "/";
}

/* The part of path below the mount's root ("" for the root itself), or NULL
 * when the mount does not show it. */
static const char *below_root(const struct lw_memcg_mounts *m, const struct lw_memcg_id *id)
{
	const char *root = root_of(m, id->v);
	size_t rl = strlen(root);

	if (id->path[0] != '/' || strstr(id->path, "/.."))
		return NULL;
	if (!strcmp(root, "/"))
		return strcmp(id->path, "/") ? id->path : "";
	if (strncmp(id->path, root, rl) || (id->path[rl] && id->path[rl] != '/'))
		return NULL;
	return id->path + rl;
}

int lw_memcg_dir(const struct lw_memcg_mounts *m, const struct lw_memcg_id *id, char *out,
		 size_t len)
{
	const char *mnt = id->v == LW_CG_V1 ? m->v1 : id->v == LW_CG_V2 ? m->v2 : "";
	const char *rest = below_root(m, id);
	int n;

	if (!mnt[0] || !rest)
		return -ENOENT;
	n = snprintf(out, len, "%s%s", mnt, rest);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

bool lw_memcg_parent(const struct lw_memcg_mounts *m, const struct lw_memcg_id *id,
		     struct lw_memcg_id *parent)
{
	const char *rest = below_root(m, id);
	char *slash;

	if (!rest || !rest[0])
		return false;
	*parent = *id;
	slash = strrchr(parent->path, '/');
	if (slash == parent->path)
		slash[1] = '\0';
	else
		*slash = '\0';
	return true;
}

int lw_memcg_key(const char *text, const char *key, uint64_t *val)
{
	size_t kl = strlen(key);

	for (const char *l = text; *l;) {
		size_t len = strcspn(l, "\n");

		if (len > kl && !strncmp(l, key, kl) && l[kl] == ' ') {
			char *end;
			unsigned long long v = strtoull(l + kl + 1, &end, 10);

			if (end == l + kl + 1)
				return -EINVAL;
			*val = v;
			return 0;
		}
		l += len;
		if (*l)
			l++;
	}
	return -ENOENT;
}

/* A file of one number ("max" where v2 allows no limit). */
static int read_number(const char *dir, const char *name, uint64_t *val, bool *max)
{
	char path[PATH_MAX + 64], buf[64], *end;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	n = read_text(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (max)
		*max = !strncmp(buf, "max", 3);
	if (max && *max) {
		*val = 0;
		return 0;
	}
	*val = strtoull(buf, &end, 10);
	return end == buf ? -EINVAL : 0;
}

/* Keys of one flat-keyed file, read once. */
static int read_keys(const char *dir, const char *name, const char *const *keys, uint64_t **vals,
		     int nkeys)
{
	char path[PATH_MAX + 64], buf[CG_FILE_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	n = read_text(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	for (int i = 0; i < nkeys; i++)
		lw_memcg_key(buf, keys[i], vals[i]);
	return 0;
}

static int read_key(const char *dir, const char *name, const char *key, uint64_t *val)
{
	return read_keys(dir, name, &key, &val, 1);
}

static int read_v2(const char *dir, struct lw_memcg_stat *st)
{
	bool unlimited = false;
	int rc = read_number(dir, "memory.current", &st->usage, NULL);

	if (rc)
		return rc;
	if (read_number(dir, "memory.max", &st->limit, &unlimited) || unlimited)
		st->limit = 0;
	/* hierarchical, as memory.max binds the subtree */
	{
		static const char *const keys[] = { "oom_kill", "max" };
		uint64_t *vals[] = { &st->oom_kills, &st->limit_hits };

		read_keys(dir, "memory.events", keys, vals, 2);
	}
	read_key(dir, "memory.stat", "inactive_file", &st->inactive_file);
	return 0;
}

static int read_v1(const char *dir, struct lw_memcg_stat *st)
{
	int rc = read_number(dir, "memory.usage_in_bytes", &st->usage, NULL);

	if (rc)
		return rc;
	if (read_number(dir, "memory.limit_in_bytes", &st->limit, NULL) || st->limit >= V1_NO_LIMIT)
		st->limit = 0;
	read_number(dir, "memory.failcnt", &st->limit_hits, NULL);
	/* the oom_kill line is there since Linux 4.13 */
	read_key(dir, "memory.oom_control", "oom_kill", &st->oom_kills);
	/* usage_in_bytes counts the subtree, so its page cache too */
	read_key(dir, "memory.stat", "total_inactive_file", &st->inactive_file);
	return 0;
}

int lw_memcg_read(enum lw_cg_version v, const char *dir, struct lw_memcg_stat *st)
{
	struct stat sb;
	int rc;

	memset(st, 0, sizeof(*st));
	if (stat(dir, &sb))
		return -errno;
	st->ino = (uint64_t)sb.st_ino;
	rc = v == LW_CG_V2 ? read_v2(dir, st) : v == LW_CG_V1 ? read_v1(dir, st) : -EINVAL;
	if (st->inactive_file > st->usage)
		st->inactive_file = st->usage;
	return rc;
}
