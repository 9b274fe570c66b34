// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "model/hist.h"
#include "model/snapshot.h"
#include "model/model.h"

/* A process with no loop thread left and nothing seen this long is dropped
 * even if it lives: its series stop, as an operator expects of an idle pid. */
#define LW_IDLE_FORGET 60

double lw_interval_lag_ms(const struct lw_interval *iv, double q)
{
	return lw_hist_quantile_capped_ms(iv->lag_hist, LW_LAG_SLOTS, q, iv->lag_max_ns);
}

uint64_t lw_interval_stalls(const struct lw_interval *iv)
{
	uint64_t ev = 0;

	for (int c = 0; c < LW_CAUSE_MAX; c++)
		ev += iv->stalls_by_cause[c];
	return ev > iv->stalls ? ev : iv->stalls;
}

static bool pid_alive_proc(uint32_t pid, uint64_t start_time)
{
	char path[32];
	struct stat st;

	(void)start_time;
	snprintf(path, sizeof(path), "/proc/%u", pid);
	return stat(path, &st) == 0;
}

void lw_model_init(struct lw_model *m)
{
	memset(m, 0, sizeof(*m));
	m->pid_alive = pid_alive_proc;
}

void lw_model_free(struct lw_model *m)
{
	for (size_t i = 0; i < m->nprocs; i++)
		free(m->procs[i]);
	free(m->procs);
	free(m->prev);
	free(m->kinds);
	memset(m, 0, sizeof(*m));
}

static size_t proc_index(const struct lw_model *m, uint32_t pid, bool *found)
{
	size_t lo = 0, hi = m->nprocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->procs[mid]->pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < m->nprocs && m->procs[lo]->pid == pid;
	return lo;
}

struct lw_proc *lw_model_find(const struct lw_model *m, uint32_t pid)
{
	bool found;
	size_t i = proc_index(m, pid, &found);

	return found ? m->procs[i] : NULL;
}

struct lw_proc *lw_model_proc(struct lw_model *m, uint32_t pid, uint64_t start_time,
			      const char *comm)
{
	bool found;
	size_t i = proc_index(m, pid, &found);
	struct lw_proc *p;

	if (found) {
		p = m->procs[i];
		if (start_time && p->start_time && p->start_time != start_time) {
			/* the pid was reused: a new process, nothing carried over */
			memset(p, 0, sizeof(*p));
			p->pid = pid;
		}
	} else {
		if (m->nprocs == m->cap) {
			size_t cap = m->cap ? m->cap * 2 : 64;
			struct lw_proc **np = realloc(m->procs, cap * sizeof(*np));

			if (!np)
				return NULL;
			m->procs = np;
			m->cap = cap;
		}
		p = calloc(1, sizeof(*p));
		if (!p)
			return NULL;
		p->pid = pid;
		memmove(&m->procs[i + 1], &m->procs[i], (m->nprocs - i) * sizeof(*m->procs));
		m->procs[i] = p;
		m->nprocs++;
	}
	if (start_time)
		p->start_time = start_time;
	if (comm && comm[0] && strncmp(p->comm, comm, sizeof(p->comm))) {
		/* a new comm is how an exec shows: look at the executable again */
		if (p->comm[0])
			p->rt_done = false;
		snprintf(p->comm, sizeof(p->comm), "%s", comm);
	}
	p->iv.active = true;
	if (!p->rt_done)
		lw_model_classify(m, p, 0);
	return p;
}

void lw_model_classify(struct lw_model *m, struct lw_proc *p, uint32_t tid)
{
	unsigned int f;

	if (!m->classify || (p->rt_done && !(p->rt_need_tid && tid)))
		return;
	f = m->classify(m->classify_ctx, p->pid, tid, &p->exe, &p->runtime);
	p->rt_done = true;
	p->rt_age = 0;
	/* once a thread seen in a wait has been looked at, its verdict stands */
	if (f & LW_RT_F_NEW)
		p->rt_need_tid = (f & LW_RT_F_NEED_TID) && !tid;
	else if (tid)
		p->rt_need_tid = false;
}

const struct lw_thread_snap *lw_model_threads(const struct lw_model *m, size_t *n)
{
	*n = m->nprev;
	return m->prev;
}

static const struct lw_thread_snap *find_prev(const struct lw_model *m, uint32_t tid)
{
	return lw_snap_find(m->prev, m->nprev, sizeof(*m->prev), tid);
}

bool lw_model_shared_wait(const struct lw_model *m, uint32_t pid, uint32_t tid)
{
	const struct lw_thread_snap *me = find_prev(m, tid);

	if (!me || me->t.exited || me->t.pid != pid || me->t.epfd < 0)
		return false;
	/* rare (per stall): a scan is cheaper than keeping an index */
	for (size_t i = 0; i < m->nprev; i++) {
		const struct lw_thread *t = &m->prev[i].t;

		if (m->prev[i].tid != tid && t->pid == pid && !t->exited && t->epfd == me->t.epfd)
			return true;
	}
	return false;
}

static struct lw_tid_kinds *tid_kinds(struct lw_model *m, uint32_t tid, bool add)
{
	for (size_t i = 0; i < m->nkinds; i++)
		if (m->kinds[i].tid == tid)
			return &m->kinds[i];
	if (!add || m->nkinds >= LW_MAX_TID_KINDS)
		return NULL;
	if (m->nkinds == m->kinds_cap) {
		size_t cap = m->kinds_cap ? m->kinds_cap * 2 : 32;
		struct lw_tid_kinds *k = realloc(m->kinds, cap * sizeof(*k));

		if (!k)
			return NULL;
		m->kinds = k;
		m->kinds_cap = cap;
	}
	m->kinds[m->nkinds] = (struct lw_tid_kinds){ .tid = tid };
	return &m->kinds[m->nkinds++];
}

static int cmp_kinds(const void *a, const void *b)
{
	const struct lw_tid_kinds *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* Every stall event of the thread this interval was a park (m->kinds sorted
 * by the fold). */
static bool thread_parked(const struct lw_model *m, uint32_t tid)
{
	struct lw_tid_kinds key = { .tid = tid };
	const struct lw_tid_kinds *k =
		m->nkinds ? bsearch(&key, m->kinds, m->nkinds, sizeof(key), cmp_kinds) : NULL;

	return k && k->parked && !k->loop;
}


int lw_model_apply_threads(struct lw_model *m, struct lw_thread_snap *snaps, size_t n,
			   uint64_t epoch)
{
	int err = 0;

	lw_snap_sort(snaps, n, sizeof(*snaps));
	if (m->nkinds)
		qsort(m->kinds, m->nkinds, sizeof(*m->kinds), cmp_kinds);
	for (size_t i = 0; i < n; i++) {
		const struct lw_thread *t = &snaps[i].t;
		const struct lw_thread_snap *ps = find_prev(m, snaps[i].tid);
		const struct lw_thread *prev = NULL;
		struct lw_proc *p;
		uint64_t iters;
		unsigned int slot = epoch & 1;

		/* a tid reused by a new thread starts from zero */
		if (ps && ps->t.start_time == t->start_time)
			prev = &ps->t;
		p = lw_model_proc(m, t->pid, t->proc_start_time, t->comm);
		if (!p) {
			err = -ENOMEM;
			break;
		}
		if (p->rt_need_tid && !t->exited)
			lw_model_classify(m, p, snaps[i].tid);
		p->iv.saturated += lw_snap_delta(t->saturated, prev ? prev->saturated : 0);
		p->iv.futile_seen += lw_snap_delta(t->futile_seen, prev ? prev->futile_seen : 0);
		/* not a loop: its waits are no iterations and its parks no lag */
		if (!lw_proc_loops(p))
			continue;
		if (!t->exited) {
			p->iv.loops++;
			p->iv.wait_kinds |= (1u << lw_wait_key_kind(t->home[0])) & ~1u;
		}
		iters = lw_snap_delta(t->iterations, prev ? prev->iterations : 0);
		p->iv.iterations += iters;
		p->iv.stalls += lw_snap_delta(t->stalls, prev ? prev->stalls : 0);
		for (int s = 0; s < LW_LAG_SLOTS; s++)
			p->iv.lag_hist[s] += lw_snap_delta(t->lag_hist[s], prev ? prev->lag_hist[s] : 0);
		p->tot.lag_sum_s += (double)lw_snap_delta(t->busy_ns, prev ? prev->busy_ns : 0) / 1e9;
		if (iters && t->max_epoch[slot] == epoch) {
			uint64_t lag = t->max_lag_ns[slot];

			if (lag > p->iv.lag_max_ns)
				p->iv.lag_max_ns = lag;
			if (thread_parked(m, snaps[i].tid))
				p->iv.parked_threads++;
			else if (lag > p->iv.loop_lag_max_ns)
				p->iv.loop_lag_max_ns = lag;
		}
	}
	/* even a partial fold is the new baseline: the next one counts from
	 * here, not twice, and the array is never leaked */
	free(m->prev);
	m->prev = snaps;
	m->nprev = n;
	return err;
}

bool lw_model_is_loop(struct lw_model *m, uint32_t pid, uint32_t tid, const char *comm)
{
	struct lw_proc *p = lw_model_proc(m, pid, 0, comm);

	if (p && p->rt_need_tid)
		lw_model_classify(m, p, tid);
	return !p || lw_proc_loops(p);
}

bool lw_model_add_stall(struct lw_model *m, uint32_t pid, uint32_t tid, const char *comm,
			const struct lw_stall *s)
{
	struct lw_tid_kinds *k;
	struct lw_proc *p;

	if (!lw_model_is_loop(m, pid, tid, comm))
		return false;
	p = lw_model_find(m, pid);
	if (p && s->cause < LW_CAUSE_MAX)
		p->iv.stalls_by_cause[s->cause]++;
	if (p && s->kind == LW_KIND_PARKED)
		p->iv.parked_stalls++;
	k = tid_kinds(m, tid, true);
	if (k && s->kind == LW_KIND_PARKED)
		k->parked++;
	else if (k)
		k->loop++;
	return true;
}

static void absorb(struct lw_totals *t, const struct lw_interval *iv)
{
	for (int s = 0; s < LW_LAG_SLOTS; s++)
		t->lag_hist[s] += iv->lag_hist[s];
	for (int c = 0; c < LW_CAUSE_MAX; c++)
		t->stalls_by_cause[c] += iv->stalls_by_cause[c];
	t->wakeups += iv->wakeups;
	t->futile += iv->futile;
	t->herds += iv->herds;
	t->undrained_et += iv->undrained_et;
	t->drops += iv->drops;
	t->retransmits += iv->retransmits;
	t->connect_attempts += iv->connect_attempts;
	t->connect_failures += iv->connect_failures;
	t->connect_addrnotavail += iv->connect_addrnotavail;
	t->syn_retrans += iv->syn_retrans;
}

void lw_model_end_interval(struct lw_model *m)
{
	size_t keep = 0;

	for (size_t i = 0; i < m->nprocs; i++) {
		struct lw_proc *p = m->procs[i];
		bool had_loops = p->iv.loops > 0;

		absorb(&p->tot, &p->iv);
		p->idle_intervals = p->iv.active ? 0 : p->idle_intervals + 1;
		/* an exec that kept the comm shows at the next re-check */
		if (++p->rt_age >= LW_RT_RECHECK && m->classify && p->rt_done) {
			p->rt_done = false;
			lw_model_classify(m, p, 0);
		}
		memset(&p->iv, 0, sizeof(p->iv));
		if (!had_loops && p->idle_intervals > 0 &&
		    (p->idle_intervals >= LW_IDLE_FORGET || !m->pid_alive(p->pid, p->start_time))) {
			free(p);
			continue;
		}
		m->procs[keep++] = p;
	}
	m->nprocs = keep;
	m->nkinds = 0;
	m->events_total += m->events;
	m->lost_total += m->lost_events;
	m->missed_total += m->missed_runs;
	m->events = 0;
	m->lost_events = 0;
	m->missed_runs = 0;
}
