// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "util/log.h"
#include "kernel/probes_ready.h"
#include "kernel/probes_tidmap.h"
#include "loopwatch.skel.h"
#include "loop.h"

static bool pid_wanted(const struct lw_options *o, uint32_t pid)
{
	char path[64], comm[64] = "";
	FILE *f;

	if (o->npids) {
		bool found = false;

		for (unsigned int i = 0; i < o->npids && !found; i++)
			found = o->pids[i] == pid;
		if (!found)
			return false;
	}
	if (!o->comm[0])
		return true;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(comm, sizeof(comm), f))
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
	return !strncmp(comm, o->comm, LW_COMM_LEN - 1);
}

/* One epoll fd: its fdinfo lists "tfd: N events: HEX data: HEX" per watched fd. */
static unsigned int seed_epoll(int map_fd, uint32_t pid, int epfd)
{
	char path[64], line[256];
	unsigned int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/fdinfo/%d", pid, epfd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		struct lw_rd_reg_key k = { .pid = pid, .epfd = epfd };
		struct lw_rd_reg reg = {};
		unsigned int events;
		uint64_t data;
		int tfd;

		if (sscanf(line, "tfd: %d events: %x data: %" SCNx64, &tfd, &events, &data) != 3 ||
		    tfd < 0)
			continue;
		/* kind stays unknown: the probes look the socket up in the
		 * process's own fd table the first time a wait returns it */
		reg.fd = tfd;
		reg.events = events;
		reg.data = data;
		k.kind = LW_RD_BY_FD;
		k.val = (uint32_t)tfd;
		/* never over what the probes learnt since they attached */
		bpf_map_update_elem(map_fd, &k, &reg, BPF_NOEXIST);
		k.kind = LW_RD_BY_DATA;
		k.val = data;
		if (!bpf_map_update_elem(map_fd, &k, &reg, BPF_NOEXIST))
			n++;
	}
	fclose(f);
	return n;
}

unsigned int lw_probes_ready_seed(struct lw_probes *p, const struct lw_options *o)
{
	int map_fd = bpf_map__fd(p->skel->maps.ready_regs);
	unsigned int regs = 0, procs = 0;
	struct dirent *de;
	DIR *proc;

	if (!(p->families & LW_DETECT_READINESS))
		return 0;
	proc = opendir("/proc");
	if (!proc) {
		lw_warn("failed to read /proc: %s; registrations made so far are unknown",
			strerror(errno));
		return 0;
	}
	while ((de = readdir(proc))) {
		char path[300], target[64];
		uint32_t pid;
		struct dirent *fe;
		DIR *fds;
		bool any = false;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (uint32_t)strtoul(de->d_name, NULL, 10);
		if (!pid_wanted(o, pid))
			continue;
		snprintf(path, sizeof(path), "/proc/%u/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((fe = readdir(fds))) {
			ssize_t len;

			if (!isdigit((unsigned char)fe->d_name[0]))
				continue;
			snprintf(path, sizeof(path), "/proc/%u/fd/%s", pid, fe->d_name);
			len = readlink(path, target, sizeof(target) - 1);
			if (len <= 0)
				continue;
			target[len] = '\0';
			if (strcmp(target, "anon_inode:[eventpoll]"))
				continue;
			regs += seed_epoll(map_fd, pid, atoi(fe->d_name));
			any = true;
		}
		closedir(fds);
		procs += any;
	}
	closedir(proc);
	/* as epoll_ctl's programs do: what loops remember of their last
	 * returns, looked up before these entries were there, is stale */
	__atomic_fetch_add(&p->skel->bss->lw_rd_gen, 1, __ATOMIC_SEQ_CST);
	lw_debug("seeded %u epoll registrations of %u processes from /proc", regs, procs);
	return regs;
}

static bool rd_thread_exited(const void *val)
{
	return ((const struct lw_rd_thread *)val)->exited;
}

int lw_probes_ready_threads(struct lw_probes *p, struct lw_rd_snap **out, size_t *n)
{
	void *snaps;
	int err = lw_probes_walk_tids(bpf_map__fd(p->skel->maps.ready_threads),
				      bpf_map__max_entries(p->skel->maps.ready_threads), sizeof(**out),
				      offsetof(struct lw_rd_snap, t), rd_thread_exited, &snaps, n);

	if (!err)
		*out = snaps;
	return err;
}

int lw_probes_ready_sock(void *ctx, uint64_t sk, struct lw_rd_sock *out)
{
	struct lw_probes *p = ctx;

	if (bpf_map_lookup_elem(bpf_map__fd(p->skel->maps.ready_socks), &sk, out))
		return -ENOENT;
	return 0;
}

/* Every key of a hash map, then each deleted: deleting while walking would
 * send the walk back to the first bucket each time. */
static void clear_map(int fd, size_t key_size, size_t max)
{
	char *keys = calloc(max ? max : 1, key_size);
	size_t n = 0;

	if (!keys) {
		lw_warn("out of memory clearing a readiness map: its stale entries stay");
		return;
	}
	while (n < max && !bpf_map_get_next_key(fd, n ? keys + (n - 1) * key_size : NULL,
						keys + n * key_size))
		n++;
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, keys + i * key_size);
	free(keys);
}

void lw_probes_ready_forget(struct lw_probes *p)
{
	if (!(p->families & LW_DETECT_READINESS))
		return;
	clear_map(bpf_map__fd(p->skel->maps.ready_regs), sizeof(struct lw_rd_reg_key),
		  bpf_map__max_entries(p->skel->maps.ready_regs));
	clear_map(bpf_map__fd(p->skel->maps.ready_ctl), sizeof(uint32_t),
		  bpf_map__max_entries(p->skel->maps.ready_ctl));
}

uint32_t lw_probes_home_tid(struct lw_probes *p, uint32_t pid, uint64_t ep_file)
{
	int fd = bpf_map__fd(p->skel->maps.lw_threads);
	struct lw_thread t;
	uint32_t key, *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &t) || t.pid != pid || t.exited)
			continue;
		if (t.home_file[0] == ep_file || t.home_file[1] == ep_file)
			return key;
	}
	return 0;
}
