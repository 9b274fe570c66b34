// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "backpressure.h"
#include "util/log.h"
#include "kernel/probes_bp.h"
#include "loopwatch.skel.h"

/* The sweep's three passes (bpf/backpressure.bpf.h): descriptors, then the
 * TCP and UDP sockets they hold. */
void lw_bp_start(struct lw_probes *p)
{
	struct bpf_program *progs[3] = { p->skel->progs.bp_sweep, p->skel->progs.bp_sweep_tcp,
					 p->skel->progs.bp_sweep_udp };
	struct lw_hook_state *hs = &p->hooks[LW_HK_SWEEP];

	if (!hs->on)
		return;
	for (int i = 0; i < 3; i++) {
		p->bp_sweep[i] = bpf_program__attach_iter(progs[i], NULL);
		if (p->bp_sweep[i])
			continue;
		snprintf(hs->why, sizeof(hs->why), "failed to attach %s: %s",
			 bpf_program__name(progs[i]), strerror(errno));
		lw_warn("socket_sweep is off: %s; descriptor counts and idle sockets are not sampled",
			hs->why);
		hs->on = false;
		for (int j = 0; j < i; j++) {
			bpf_link__destroy(p->bp_sweep[j]);
			p->bp_sweep[j] = NULL;
		}
		return;
	}
}

/* Every process of the model is swept, loop or not: its descriptors and the
 * sockets it holds but has not touched since the probes were attached. */
static void watch_model(struct lw_probes *p, const struct lw_model *m)
{
	int fd = bpf_map__fd(p->skel->maps.lw_bp_procs);

	for (size_t i = 0; i < m->nprocs; i++) {
		const struct lw_proc *mp = m->procs[i];
		struct lw_bp_proc v;

		memset(&v, 0, sizeof(v));
		v.start_time = mp->start_time;
		memcpy(v.comm, mp->comm, sizeof(v.comm));
		/* an entry the probes made is kept: it holds their counts */
		bpf_map_update_elem(fd, &mp->pid, &v, BPF_NOEXIST);
	}
}

static void sweep(struct bpf_link *link)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		lw_debug("failed to start the socket sweep: %s", strerror(errno));
		return;
	}
	/* the program writes nothing: reading to the end runs it over every file */
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		;
	if (n < 0)
		lw_debug("socket sweep stopped early: %s", strerror(errno));
	close(fd);
}

void lw_bp_interval_begin(struct lw_probes *p, const struct lw_model *m)
{
	if (!p->bp_sweep[0])
		return;
	watch_model(p, m);
	for (int i = 0; i < 3; i++)
		sweep(p->bp_sweep[i]);
	/* the sweep's events belong to this interval */
	lw_probes_poll(p);
}

static int read_procs(struct lw_probes *p, struct lw_bp_snap **out, size_t *n)
{
	int fd = bpf_map__fd(p->skel->maps.lw_bp_procs);
	size_t cap = 64, cnt = 0;
	struct lw_bp_snap *s = malloc(cap * sizeof(*s));
	uint32_t key, next, *prev = NULL;

	if (!s)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (cnt == cap) {
			struct lw_bp_snap *ns = realloc(s, 2 * cap * sizeof(*s));

			if (!ns) {
				free(s);
				return -ENOMEM;
			}
			s = ns;
			cap *= 2;
		}
		if (bpf_map_lookup_elem(fd, &next, &s[cnt].p) == 0) {
			s[cnt].pid = next;
			cnt++;
		}
		key = next;
		prev = &key;
	}
	*out = s;
	*n = cnt;
	return 0;
}

/* Counts since the last read: each entry is taken out as it is read, so an
 * increment racing with the read lands in a fresh entry, never lost. */
static int read_remotes(struct lw_probes *p, struct lw_bp_remote_snap **out, size_t *n)
{
	int fd = bpf_map__fd(p->skel->maps.lw_bp_remotes);
	struct lw_bp_remote_key *keys = malloc(LW_BP_MAX_REMOTES * sizeof(*keys)), *prev = NULL;
	struct lw_bp_remote_snap *s;
	size_t nk = 0, cnt = 0;

	if (!keys)
		return -ENOMEM;
	while (nk < LW_BP_MAX_REMOTES && bpf_map_get_next_key(fd, prev, &keys[nk]) == 0) {
		prev = &keys[nk];
		nk++;
	}
	s = calloc(nk ? nk : 1, sizeof(*s));
	if (!s) {
		free(keys);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nk; i++) {
		if (bpf_map_lookup_and_delete_elem(fd, &keys[i], &s[cnt].count) == 0) {
			s[cnt].key = keys[i];
			cnt++;
		}
	}
	free(keys);
	*out = s;
	*n = cnt;
	return 0;
}

void lw_bp_interval_end(struct lw_probes *p, struct lw_model *m, struct lw_bp_state *st,
			uint64_t epoch)
{
	struct lw_bp_remote_snap *rs = NULL;
	struct lw_bp_snap *snaps = NULL;
	uint32_t *dead = NULL;
	size_t n = 0, ndead = 0;

	if (read_procs(p, &snaps, &n) ||
	    lw_bp_apply(st, m, snaps, n, epoch, &dead, &ndead))
		lw_warn("out of memory folding backpressure figures; this interval's are partial");
	for (size_t i = 0; i < st->ndying; i++)
		bpf_map_delete_elem(bpf_map__fd(p->skel->maps.lw_bp_procs), &st->dying[i]);
	free(st->dying);
	st->dying = dead;
	st->ndying = ndead;
	if (read_remotes(p, &rs, &n) == 0)
		lw_bp_apply_remotes(m, rs, n);
	free(rs);
}
