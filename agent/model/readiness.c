// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/hist.h"
#include "model/readiness.h"
#include "model/snapshot.h"

double lw_rd_ready_ms(const struct lw_interval *iv, double q)
{
	return lw_hist_quantile_capped_ms(iv->ready_hist, LW_LAG_SLOTS, q, iv->ready_max_ns);
}

void lw_rd_init(struct lw_readiness *r, unsigned int starve_ms)
{
	memset(r, 0, sizeof(*r));
	r->starve_ms = starve_ms;
}

void lw_rd_free(struct lw_readiness *r)
{
	free(r->prev);
	free(r->pend);
	free(r->lines);
	memset(r, 0, sizeof(*r));
}


int lw_rd_apply_threads(struct lw_readiness *r, struct lw_model *m, struct lw_rd_snap *snaps,
			size_t n, uint64_t epoch)
{
	unsigned int slot = epoch & 1;
	int err = 0;

	lw_snap_sort(snaps, n, sizeof(*snaps));
	for (size_t i = 0; i < n; i++) {
		const struct lw_rd_thread *t = &snaps[i].t;
		const struct lw_rd_snap *ps =
			lw_snap_find(r->prev, r->nprev, sizeof(*r->prev), snaps[i].tid);
		const struct lw_rd_thread *pt = NULL;
		uint64_t wakeups, futile, handed = 0;
		struct lw_proc *p;

		/* a tid reused by a new thread starts from zero */
		if (ps && ps->t.start_time == t->start_time)
			pt = &ps->t;
		wakeups = lw_snap_delta(t->wakeups, pt ? pt->wakeups : 0);
		futile = lw_snap_delta(t->futile, pt ? pt->futile : 0);
		for (int s = 0; s < LW_LAG_SLOTS; s++)
			handed += lw_snap_delta(t->ready_hist[s], pt ? pt->ready_hist[s] : 0);
		/* a thread with nothing new does not make its process active */
		if (!wakeups && !futile && !handed)
			continue;
		p = lw_model_proc(m, t->pid, t->proc_start_time, t->comm);
		if (!p) {
			err = -ENOMEM;
			break;
		}
		p->iv.wakeups += wakeups;
		p->iv.futile += futile;
		for (int s = 0; s < LW_LAG_SLOTS; s++)
			p->iv.ready_hist[s] += lw_snap_delta(t->ready_hist[s], pt ? pt->ready_hist[s] : 0);
		if (handed && t->ready_epoch[slot] == epoch && t->ready_max_ns[slot] > p->iv.ready_max_ns)
			p->iv.ready_max_ns = t->ready_max_ns[slot];
	}
	/* even a partial fold is the new baseline: the next one counts from
	 * here, not twice, and the array is never leaked */
	free(r->prev);
	r->prev = snaps;
	r->nprev = n;
	return err;
}

static struct lw_rd_lines *lines_of(struct lw_readiness *r, uint32_t pid)
{
	for (size_t i = 0; i < r->nlines; i++)
		if (r->lines[i].pid == pid)
			return &r->lines[i];
	if (r->nlines == r->lines_cap) {
		size_t cap = r->lines_cap ? r->lines_cap * 2 : 16;
		struct lw_rd_lines *nl = realloc(r->lines, cap * sizeof(*nl));

		if (!nl)
			return NULL;
		r->lines = nl;
		r->lines_cap = cap;
	}
	r->lines[r->nlines] = (struct lw_rd_lines){ .pid = pid };
	return &r->lines[r->nlines++];
}

bool lw_rd_on_herd(struct lw_readiness *r, struct lw_model *m, const struct lw_herd_event *e)
{
	struct lw_proc *p = lw_model_proc(m, e->hdr.pid, 0, e->hdr.comm);
	struct lw_rd_lines *l = lines_of(r, e->hdr.pid);

	if (p)
		p->iv.herds++;
	if (l && l->herds < LW_RD_HERD_LINES) {
		l->herds++;
		return true;
	}
	r->herds_suppressed++;
	return false;
}

void lw_rd_on_hot(struct lw_readiness *r, struct lw_model *m, const struct lw_hot_event *e)
{
	struct lw_proc *p = lw_model_proc(m, e->hdr.pid, 0, e->hdr.comm);

	(void)r;
	if (p)
		p->iv.lt_hot_loops++;
}

static struct lw_rd_pending *pending_find(struct lw_readiness *r, uint64_t sk)
{
	for (size_t i = 0; i < r->npend; i++)
		if (r->pend[i].sk == sk)
			return &r->pend[i];
	return NULL;
}

bool lw_rd_on_undrained(struct lw_readiness *r, struct lw_model *m,
			const struct lw_undrained_event *e)
{
	struct lw_proc *p = lw_model_proc(m, e->hdr.pid, 0, e->hdr.comm);
	struct lw_rd_pending *pd;

	/* Go's netpoller hands the socket to a goroutine another thread runs:
	 * the thread back in its wait was never the one to read it */
	if (p && !lw_proc_loops(p))
		return false;
	if (p)
		p->iv.undrained_et++;
	pd = pending_find(r, e->sk);
	if (!pd) {
		if (r->npend == LW_RD_MAX_PENDING) {
			/* the oldest goes: a host with this many is reported anyway */
			memmove(r->pend, r->pend + 1, (r->npend - 1) * sizeof(*r->pend));
			r->npend--;
		}
		if (r->npend == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 16;
			struct lw_rd_pending *np = realloc(r->pend, cap * sizeof(*np));

			if (!np)
				return true;
			r->pend = np;
			r->cap = cap;
		}
		pd = &r->pend[r->npend++];
		memset(pd, 0, sizeof(*pd));
		pd->sk = e->sk;
	}
	memcpy(pd->comm, e->hdr.comm, LW_COMM_LEN);
	pd->tid = e->hdr.tid;
	pd->lport = e->lport;
	pd->rport = e->rport;
	return true;
}

bool lw_rd_watching(const struct lw_readiness *r)
{
	return r->npend > 0;
}

/* A quarter of the threshold: a hang is reported at most 25 % late. */
unsigned int lw_rd_check_ms(const struct lw_readiness *r)
{
	unsigned int ms = r->starve_ms / 4;

	return ms < 10 ? 10 : ms > 250 ? 250 : ms;
}

size_t lw_rd_check_starved(struct lw_readiness *r, struct lw_model *m, uint64_t now,
			   lw_rd_sock_fn fn, void *ctx, struct lw_starved *out, size_t max)
{
	uint64_t starve_ns = (uint64_t)r->starve_ms * 1000000ull;
	size_t keep = 0, nout = 0;

	for (size_t i = 0; i < r->npend; i++) {
		struct lw_rd_pending *pd = &r->pend[i];
		struct lw_rd_sock s;

		/* gone, or drained since: nothing to watch any more */
		if (fn(ctx, pd->sk, &s) || !s.und_ts) {
			continue;
		}
		r->pend[keep++] = *pd;
		pd = &r->pend[keep - 1];
		/* a newer edge hands the bytes over again; a later return
		 * starts a new episode with its own und_ts */
		if (s.edge_ts > s.und_ts || s.drained_ts > s.und_ts || now < s.und_ts ||
		    now - s.und_ts < starve_ns || pd->reported_und_ts == s.und_ts || nout == max)
			continue;
		pd->reported_und_ts = s.und_ts;
		out[nout] = (struct lw_starved){
			.pid = s.und_pid,
			.tid = s.und_tid ? s.und_tid : pd->tid,
			.fd = s.und_fd,
			.bytes_left = s.und_bytes,
			.lport = pd->lport,
			.rport = pd->rport,
			.starved_ms = (double)(now - s.und_ts) / 1e6,
		};
		memcpy(out[nout].comm, pd->comm, LW_COMM_LEN);
		if (m) {
			struct lw_proc *p = lw_model_proc(m, s.und_pid, 0, pd->comm);

			if (p)
				p->iv.et_starved++;
		}
		nout++;
	}
	r->npend = keep;
	return nout;
}

void lw_rd_end_interval(struct lw_readiness *r)
{
	r->nlines = 0;
}

const struct lw_rd_snap *lw_rd_threads(const struct lw_readiness *r, size_t *n)
{
	*n = r->nprev;
	return r->prev;
}
