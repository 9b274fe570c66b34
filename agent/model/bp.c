// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "model/bp.h"
#include "model/snapshot.h"

void lw_bp_state_free(struct lw_bp_state *st)
{
	free(st->prev);
	free(st->dying);
	st->prev = NULL;
	st->nprev = 0;
	st->dying = NULL;
	st->ndying = 0;
}


static double ratio(uint32_t v)
{
	return (double)v / LW_BP_ONE;
}

static double maxd(double a, double b)
{
	return a > b ? a : b;
}

/* What one interval of one process adds up to. */
struct bp_fold {
	uint64_t retransmits, drops, mem_pressure, snd_eagain, snd_partial, accept_overflows;
	uint64_t snd_wait_ns, lingering;
	uint64_t cn_attempts, cn_failures, syn_retrans, cn_addrnotavail;
	double q[LW_BPQ_MAX];
	bool swept;
	uint64_t fds, fd_limit, sock_mem;
};

static void fold(const struct lw_bp_proc *now, const struct lw_bp_proc *prev, uint64_t epoch,
		 struct bp_fold *f)
{
	unsigned int slot = epoch & 1;

	memset(f, 0, sizeof(*f));
	f->retransmits = lw_snap_delta(now->retransmits, prev ? prev->retransmits : 0);
	f->drops = lw_snap_delta(now->drops, prev ? prev->drops : 0);
	f->mem_pressure = lw_snap_delta(now->mem_pressure, prev ? prev->mem_pressure : 0);
	f->snd_eagain = lw_snap_delta(now->snd_eagain, prev ? prev->snd_eagain : 0);
	f->snd_partial = lw_snap_delta(now->snd_partial, prev ? prev->snd_partial : 0);
	f->accept_overflows = lw_snap_delta(now->accept_overflows, prev ? prev->accept_overflows : 0);
	f->snd_wait_ns = lw_snap_delta(now->snd_wait_ns, prev ? prev->snd_wait_ns : 0);
	f->lingering = lw_snap_delta(now->lingering, prev ? prev->lingering : 0);
	f->cn_attempts = lw_snap_delta(now->connect_attempts, prev ? prev->connect_attempts : 0);
	f->cn_failures = lw_snap_delta(now->connect_failures, prev ? prev->connect_failures : 0);
	f->syn_retrans = lw_snap_delta(now->syn_retrans, prev ? prev->syn_retrans : 0);
	f->cn_addrnotavail = lw_snap_delta(now->connect_addrnotavail,
					   prev ? prev->connect_addrnotavail : 0);
	/* marks of an older epoch are left over in the slot: not this interval's */
	if (now->hw_epoch[slot] == epoch)
		for (int q = 0; q < LW_BPQ_MAX; q++)
			f->q[q] = ratio(now->hw[slot][q]);
	f->swept = now->sweep_epoch == epoch + 1;
	if (f->swept) {
		f->fds = now->fds;
		f->fd_limit = now->fd_limit;
		f->sock_mem = now->sock_mem;
	}
}

static bool notable(const struct bp_fold *f)
{
	if (f->retransmits || f->drops || f->mem_pressure || f->snd_eagain || f->snd_partial ||
	    f->accept_overflows || f->snd_wait_ns || f->lingering)
		return true;
	/* a process that connects gets a summary: attempts add up exactly */
	if (f->cn_attempts || f->cn_failures || f->syn_retrans || f->cn_addrnotavail)
		return true;
	for (int q = 0; q < LW_BPQ_MAX; q++)
		if (f->q[q] >= LW_BP_ACTIVE_RATIO)
			return true;
	return f->fd_limit && (double)f->fds >= LW_BP_FD_NOTABLE * (double)f->fd_limit;
}

static void add(struct lw_interval *iv, const struct bp_fold *f)
{
	iv->retransmits += f->retransmits;
	iv->drops += f->drops;
	iv->mem_pressure += f->mem_pressure;
	iv->snd_eagain += f->snd_eagain;
	iv->snd_partial += f->snd_partial;
	iv->accept_overflows += f->accept_overflows;
	iv->snd_wait_ns += f->snd_wait_ns;
	iv->lingering += f->lingering;
	iv->connect_attempts += f->cn_attempts;
	iv->connect_failures += f->cn_failures;
	iv->syn_retrans += f->syn_retrans;
	iv->connect_addrnotavail += f->cn_addrnotavail;
	iv->rcvq_max_ratio = maxd(iv->rcvq_max_ratio, f->q[LW_BPQ_RCV]);
	iv->sndq_max_ratio = maxd(iv->sndq_max_ratio, f->q[LW_BPQ_SND]);
	iv->acceptq_max_ratio = maxd(iv->acceptq_max_ratio, f->q[LW_BPQ_ACCEPT]);
	if (f->swept) {
		iv->fds = f->fds;
		iv->fd_limit = f->fd_limit;
		iv->sock_mem = f->sock_mem;
	}
}

static const struct lw_bp_snap *find_prev(const struct lw_bp_state *st, uint32_t pid)
{
	return lw_snap_find(st->prev, st->nprev, sizeof(*st->prev), pid);
}

int lw_bp_apply(struct lw_bp_state *st, struct lw_model *m, struct lw_bp_snap *snaps, size_t n,
		uint64_t epoch, uint32_t **dead, size_t *ndead)
{
	uint32_t *gone = NULL;
	size_t ngone = 0;
	int err = 0;

	*dead = NULL;
	*ndead = 0;
	lw_snap_sort(snaps, n, sizeof(*snaps));
	for (size_t i = 0; i < n; i++) {
		const struct lw_bp_proc *bp = &snaps[i].p;
		const struct lw_bp_snap *ps = find_prev(st, snaps[i].pid);
		const struct lw_bp_proc *prev = NULL;
		struct lw_proc *p;
		struct bp_fold f;

		/* a reused pid is a new process: its counts start from zero */
		if (ps && ps->p.start_time == bp->start_time)
			prev = &ps->p;
		fold(bp, prev, epoch, &f);
		p = lw_model_find(m, snaps[i].pid);
		if (p && p->start_time && bp->start_time && p->start_time != bp->start_time)
			p = NULL;
		if ((p && p->iv.active) || notable(&f)) {
			char comm[LW_COMM_LEN];

			memcpy(comm, bp->comm, sizeof(comm));
			comm[LW_COMM_LEN - 1] = '\0';
			/* the model's own name wins: this one was taken when the
			 * process first used a socket */
			p = lw_model_proc(m, snaps[i].pid, bp->start_time, p ? NULL : comm);
			if (!p) {
				err = -ENOMEM;
				continue;
			}
			add(&p->iv, &f);
		}
		if (m->pid_alive && !m->pid_alive(snaps[i].pid, bp->start_time)) {
			uint32_t *ng = realloc(gone, (ngone + 1) * sizeof(*gone));

			if (!ng) {
				err = -ENOMEM;
				continue;
			}
			gone = ng;
			gone[ngone++] = snaps[i].pid;
		}
	}
	free(st->prev);
	st->prev = snaps;
	st->nprev = n;
	*dead = gone;
	*ndead = ngone;
	return err;
}

void lw_bp_addr_str(const struct lw_bp_remote_key *k, char *out, size_t len)
{
	int af = k->family == AF_INET6 ? AF_INET6 : k->family == AF_INET ? AF_INET : 0;

	if (!af || !inet_ntop(af, k->addr, out, (socklen_t)len))
		snprintf(out, len, "?");
}

/* Keep the LW_RETRANS_REMOTES largest, largest first; the same address from
 * two lookups (one per family spelling) adds up. */
static void add_remote(struct lw_interval *iv, const char *addr, uint64_t count)
{
	unsigned int i, n = iv->nretrans_remote;
	struct lw_retrans_remote r;

	for (i = 0; i < n; i++)
		if (!strcmp(iv->retrans_remote[i].addr, addr))
			break;
	if (i < n) {
		count += iv->retrans_remote[i].count;
		memmove(&iv->retrans_remote[i], &iv->retrans_remote[i + 1],
			(n - i - 1) * sizeof(r));
		n--;
	}
	if (n == LW_RETRANS_REMOTES) {
		if (count <= iv->retrans_remote[n - 1].count) {
			iv->nretrans_remote = n;
			return;
		}
		n--;
	}
	snprintf(r.addr, sizeof(r.addr), "%s", addr);
	r.count = count;
	for (i = n; i > 0 && iv->retrans_remote[i - 1].count < count; i--)
		iv->retrans_remote[i] = iv->retrans_remote[i - 1];
	iv->retrans_remote[i] = r;
	iv->nretrans_remote = n + 1;
}

void lw_bp_apply_remotes(struct lw_model *m, const struct lw_bp_remote_snap *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct lw_proc *p = lw_model_find(m, r[i].key.pid);
		char addr[sizeof(p->iv.retrans_remote[0].addr)];

		if (!p || !p->iv.active || !r[i].count)
			continue;
		lw_bp_addr_str(&r[i].key, addr, sizeof(addr));
		add_remote(&p->iv, addr, r[i].count);
	}
}

void lw_bp_add_event(struct lw_model *m, const struct lw_bp_event *e)
{
	lw_model_proc(m, e->hdr.pid, 0, e->hdr.comm);
}

const char *lw_bp_queue_name(uint32_t queue)
{
	switch (queue) {
	case LW_BPQ_RCV:
		return "rcv";
	case LW_BPQ_SND:
		return "snd";
	case LW_BPQ_ACCEPT:
		return "accept";
	}
	return "unknown";
}
