// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "model/memsweep.h"

/* A cgroup whose parent chain is deeper than this is not walked further. */
#define LW_MEMCG_DEPTH_MAX 32

void lw_memsweep_init(struct lw_memsweep *s, const char *proc_root, const char *mountinfo)
{
	long page = sysconf(_SC_PAGESIZE);

	memset(s, 0, sizeof(*s));
	snprintf(s->proc, sizeof(s->proc), "%s", proc_root);
	s->page_kb = page > 0 ? page / 1024 : 4;
	/* no mountinfo or no hierarchy: RSS and the host's memory still count */
	lw_memcg_read_mounts(mountinfo, &s->mounts);
}

void lw_memsweep_free(struct lw_memsweep *s)
{
	for (size_t i = 0; i < s->ncgs; i++)
		free(s->cgs[i]);
	free(s->cgs);
	free(s->out);
	memset(s, 0, sizeof(*s));
}

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* Resident memory of a process; -ESRCH for one gone or without memory of
 * its own (a zombie's statm is all zeros). */
static int read_rss(const struct lw_memsweep *s, uint32_t pid, uint64_t *rss_kb)
{
	char path[96], buf[256];
	unsigned long long size, resident;

	snprintf(path, sizeof(path), "%s/%u/statm", s->proc, pid);
	if (read_small(path, buf, sizeof(buf)))
		return -ESRCH;
	if (sscanf(buf, "%llu %llu", &size, &resident) != 2 || !size)
		return -ESRCH;
	*rss_kb = resident * (uint64_t)s->page_kb;
	return 0;
}

static void read_meminfo(struct lw_memsweep *s)
{
	char path[96], buf[4096];

	s->host_total_kb = s->host_avail_kb = 0;
	snprintf(path, sizeof(path), "%s/meminfo", s->proc);
	if (read_small(path, buf, sizeof(buf)))
		return;
	if (lw_memcg_key(buf, "MemTotal:", &s->host_total_kb) ||
	    lw_memcg_key(buf, "MemAvailable:", &s->host_avail_kb))
		s->host_total_kb = s->host_avail_kb = 0;
}

static int cmp_id(const struct lw_memcg_id *a, const struct lw_memcg_id *b)
{
	if (a->v != b->v)
		return a->v < b->v ? -1 : 1;
	return strcmp(a->path, b->path);
}

static size_t find_cg(const struct lw_memsweep *s, const struct lw_memcg_id *id, bool *found)
{
	size_t lo = 0, hi = s->ncgs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_id(&s->cgs[mid]->id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < s->ncgs && !cmp_id(&s->cgs[lo]->id, id);
	return lo;
}

/* The entry of a cgroup, new if need be; NULL when out of memory. Entries
 * are allocated one by one: processes and other entries point at them. */
static struct lw_memcg_entry *entry_get(struct lw_memsweep *s, const struct lw_memcg_id *id)
{
	bool found;
	size_t i = find_cg(s, id, &found);
	struct lw_memcg_entry *e;

	if (found)
		return s->cgs[i];
	if (s->ncgs == s->cgs_cap) {
		size_t cap = s->cgs_cap ? s->cgs_cap * 2 : 16;
		struct lw_memcg_entry **n = realloc(s->cgs, cap * sizeof(*n));

		if (!n)
			return NULL;
		s->cgs = n;
		s->cgs_cap = cap;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->id = *id;
	memmove(&s->cgs[i + 1], &s->cgs[i], (s->ncgs - i) * sizeof(*s->cgs));
	s->cgs[i] = e;
	s->ncgs++;
	return e;
}

static uint64_t since(uint64_t now, uint64_t before)
{
	/* a count that went back is a counter that started over */
	return now >= before ? now - before : now;
}

/* Read a cgroup at most once per sweep; its counts since the read before. */
static void refresh(struct lw_memsweep *s, struct lw_memcg_entry *e)
{
	struct lw_memcg_stat st;
	char dir[PATH_MAX + LW_CG_PATH_MAX];

	e->used = s->sweeps;
	if (e->swept == s->sweeps)
		return;
	e->swept = s->sweeps;
	e->oom_kills = e->limit_hits = 0;
	if (lw_memcg_dir(&s->mounts, &e->id, dir, sizeof(dir)) ||
	    lw_memcg_read(e->id.v, dir, &st)) {
		e->ok = false;
		return;
	}
	if (e->read_before && st.ino == e->now.ino) {
		e->oom_kills = since(st.oom_kills, e->now.oom_kills);
		e->limit_hits = since(st.limit_hits, e->now.limit_hits);
	} else if (e->read_before) {
		/* made again under the same path since the last read: all of
		 * the new cgroup's counts are news */
		e->oom_kills = st.oom_kills;
		e->limit_hits = st.limit_hits;
	}
	/* the first read is the baseline: what happened before is no news */
	e->now = st;
	e->ok = true;
	e->read_before = true;
}

/* The cgroup whose limit binds own: own, or the nearest ancestor with one. */
static void resolve(struct lw_memsweep *s, struct lw_memcg_entry *own)
{
	struct lw_memcg_entry *e = own;

	own->binding = own;
	own->resolved = s->sweeps;
	for (int depth = 0; depth < LW_MEMCG_DEPTH_MAX; depth++) {
		struct lw_memcg_id up;

		refresh(s, e);
		if (e->ok && e->now.limit) {
			own->binding = e;
			return;
		}
		if (!lw_memcg_parent(&s->mounts, &e->id, &up))
			return;
		e = entry_get(s, &up);
		if (!e)
			return;
	}
}

static struct lw_memcg_entry *binding_of(struct lw_memsweep *s, struct lw_memcg_entry *own)
{
	if (!own->binding || s->sweeps - own->resolved >= LW_MEMCG_RECHECK)
		resolve(s, own);
	refresh(s, own);
	refresh(s, own->binding);
	return own->binding;
}

static int add_event(struct lw_memsweep *s, const struct lw_proc *p, const struct lw_memcg_entry *cg,
		     const struct lw_mem_verdict *v, const struct lw_mem_room *room, bool host,
		     uint64_t usage_kb)
{
	struct lw_mem_growth_event *e;

	if (s->nout == s->out_cap) {
		size_t cap = s->out_cap ? s->out_cap * 2 : 8;
		struct lw_mem_growth_event *n = realloc(s->out, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->out = n;
		s->out_cap = cap;
	}
	e = &s->out[s->nout++];
	memset(e, 0, sizeof(*e));
	e->pid = p->pid;
	memcpy(e->comm, p->comm, sizeof(e->comm));
	e->rss_kb = p->iv.rss_kb;
	e->kb_per_s = v->kb_per_s;
	e->intervals = v->rising;
	e->host = host;
	if (cg)
		snprintf(e->memcg, sizeof(e->memcg), "%s", cg->id.path);
	e->usage_kb = usage_kb;
	e->working_set_kb = room->used_kb;
	e->limit_kb = room->limit_kb;
	e->seconds_to_limit = v->seconds_to_limit;
	return 0;
}

static int sweep_proc(struct lw_memsweep *s, struct lw_proc *p, const struct lw_mem_cfg *cfg,
		      uint64_t now_ns)
{
	struct lw_interval *iv = &p->iv;
	struct lw_memcg_entry *cg = NULL;
	struct lw_mem_room room = { 0 };
	struct lw_mem_verdict v;
	uint64_t rss_kb = 0, usage_kb = 0;
	bool alive = read_rss(s, p->pid, &rss_kb) == 0, host = false;
	int err = 0;

	if (alive && (!p->memcg_seen || s->sweeps - p->memcg_seen >= LW_MEMCG_RECHECK)) {
		struct lw_memcg_id id;

		p->memcg_seen = s->sweeps;
		/* one that cannot be read keeps the cgroup it had */
		if (!lw_memcg_of_pid(&s->mounts, s->proc, p->pid, &id)) {
			struct lw_memcg_entry *own = entry_get(s, &id);

			if (own)
				p->memcg = own;
			else
				err = -ENOMEM;
		}
	}
	/* a process that has just exited still has its cgroup's last counts:
	 * the OOM kill that ended it among them */
	if (p->memcg) {
		cg = binding_of(s, p->memcg);
		iv->memcg = cg;
		if (cg->oom_kills || cg->limit_hits)
			iv->active = true;
	}
	if (!alive)
		return err;
	iv->rss_known = true;
	iv->rss_kb = rss_kb;
	if (cg && cg->ok && cg->now.limit) {
		usage_kb = cg->now.usage / 1024;
		room.limit_kb = cg->now.limit / 1024;
		/* page cache reclaim would drop first is room, not usage */
		room.used_kb = (cg->now.usage - cg->now.inactive_file) / 1024;
	} else if (s->host_total_kb) {
		host = true;
		room.limit_kb = s->host_total_kb;
		room.used_kb = s->host_total_kb > s->host_avail_kb ? s->host_total_kb - s->host_avail_kb : 0;
		usage_kb = room.used_kb;
	}
	lw_mem_growth_step(&p->mem, now_ns, rss_kb, &room, cfg, &v);
	iv->rss_growth_kb_per_s = v.kb_per_s;
	iv->mem_growing = v.growing;
	iv->mem_seconds_to_limit = v.seconds_to_limit;
	if (v.growing)
		iv->active = true;
	if (v.report && add_event(s, p, cg, &v, &room, host, usage_kb))
		err = -ENOMEM;
	return err;
}

/* Cgroups no process needed this sweep are forgotten. One kept only as an
 * ancestor looked at on the way up may point at a binding that goes: it
 * chooses again when next needed. */
static void prune(struct lw_memsweep *s)
{
	size_t keep = 0;

	for (size_t i = 0; i < s->ncgs; i++) {
		struct lw_memcg_entry *e = s->cgs[i];

		if (e->binding && e->binding->used != s->sweeps)
			e->binding = NULL;
	}
	for (size_t i = 0; i < s->ncgs; i++) {
		if (s->cgs[i]->used != s->sweeps) {
			free(s->cgs[i]);
			continue;
		}
		s->cgs[keep++] = s->cgs[i];
	}
	s->ncgs = keep;
}

int lw_memsweep_run(struct lw_memsweep *s, struct lw_model *m, const struct lw_mem_cfg *cfg,
		    uint64_t now_ns)
{
	int err = 0;

	s->sweeps++;
	s->nout = 0;
	read_meminfo(s);
	for (size_t i = 0; i < m->nprocs; i++)
		if (sweep_proc(s, m->procs[i], cfg, now_ns))
			err = -ENOMEM;
	prune(s);
	return err;
}
