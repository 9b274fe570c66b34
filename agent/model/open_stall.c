// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/open_stall.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

uint64_t lw_open_threshold_ns(unsigned int stall_ms, unsigned int interval_s)
{
	uint64_t stall = (uint64_t)stall_ms * NS_PER_MS, interval = (uint64_t)interval_s * NS_PER_S;

	return stall > interval ? stall : interval;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

bool lw_open_window(const struct lw_thread *t, uint64_t now_ns, struct lw_stall_event *out)
{
	uint64_t start = t->wait_exit_ns, dur, runq, blocked;

	memset(out, 0, sizeof(*out));
	if (t->in_wait || t->exited || !start || start > now_ns)
		return false;
	dur = now_ns - start;
	runq = t->runq_ns;
	blocked = t->blocked_ns;
	memcpy(out->sys, t->sys, sizeof(out->sys));
	if (t->off_since_ns && t->off_since_ns <= now_ns) {
		/* a switch-out read from before this window began counts from its
		 * start: the window cannot hold more than its own length */
		uint64_t off = now_ns - (t->off_since_ns > start ? t->off_since_ns : start);

		if (t->off_kind == LW_OFF_RUNNABLE) {
			runq += off;
		} else if (t->off_kind == LW_OFF_BLOCKED) {
			blocked += off;
			lw_charge_sleep(out->sys, t->off_nr, off);
		}
	}
	/* Torn reads (the probes write while the agent copies) can pair one
	 * window's start with another's sums. Each part is capped here;
	 * lw_stall_from_event() scales parts that still overshoot together. */
	runq = min_u64(runq, dur);
	blocked = min_u64(blocked, dur);
	for (int i = 0; i < LW_SYS_SLOTS; i++)
		out->sys[i].ns = min_u64(out->sys[i].ns, blocked);
	out->duration_ns = dur;
	out->wait_kind = lw_wait_key_kind(t->home[0]);
	out->runq_ns = runq;
	out->blocked_ns = blocked;
	out->cpu_ns = runq + blocked < dur ? dur - runq - blocked : 0;
	return true;
}

void lw_open_stalls_free(struct lw_open_stalls *os)
{
	free(os->seen);
	free(os->out);
	memset(os, 0, sizeof(*os));
}

static int cmp_seen(const void *a, const void *b)
{
	const struct lw_open_seen *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static const struct lw_open_seen *find_seen(const struct lw_open_stalls *os, uint32_t tid)
{
	struct lw_open_seen key = { .tid = tid };

	if (!os->nseen)
		return NULL;
	return bsearch(&key, os->seen, os->nseen, sizeof(key), cmp_seen);
}

int lw_open_stalls_tick(struct lw_open_stalls *os, struct lw_model *m,
			const struct lw_thread_snap *snaps, size_t n, uint64_t now_ns,
			uint64_t threshold_ns)
{
	struct lw_open_seen *seen = NULL;
	struct lw_stall_event e;
	size_t nseen = 0, old = 0;

	os->nout = 0;
	for (size_t i = 0; i < n; i++)
		old += lw_open_window(&snaps[i].t, now_ns, &e) && e.duration_ns >= threshold_ns;
	if (old) {
		seen = calloc(old, sizeof(*seen));
		if (!seen)
			return -ENOMEM;
	}
	if (old > os->cap) {
		struct lw_open_stall *o = realloc(os->out, old * sizeof(*o));

		if (!o) {
			free(seen);
			return -ENOMEM;
		}
		os->out = o;
		os->cap = old;
	}
	for (size_t i = 0; i < n && nseen < old; i++) {
		const struct lw_thread *t = &snaps[i].t;
		const struct lw_open_seen *before;
		struct lw_open_seen *s;
		struct lw_open_stall *o;
		struct lw_proc *p;

		if (!lw_open_window(t, now_ns, &e) || e.duration_ns < threshold_ns)
			continue;
		p = m ? lw_model_find(m, t->pid) : NULL;
		/* a parked thread of a runtime that is not loops hangs nothing */
		if (p && !lw_proc_loops(p))
			continue;
		s = &seen[nseen++];
		s->tid = snaps[i].tid;
		s->started_ns = t->wait_exit_ns;
		before = find_seen(os, s->tid);
		if (p && e.duration_ns > p->iv.open_stall_ns)
			p->iv.open_stall_ns = e.duration_ns;
		/* the same window again: once more only when twice as old */
		if (before && before->started_ns == s->started_ns &&
		    e.duration_ns / 2 < before->reported_ns) {
			s->reported_ns = before->reported_ns;
			continue;
		}
		s->reported_ns = e.duration_ns;
		o = &os->out[os->nout++];
		memset(o, 0, sizeof(*o));
		o->hdr.pid = t->pid;
		o->hdr.tid = s->tid;
		o->hdr.ts_ns = now_ns;
		memcpy(o->hdr.comm, t->comm, sizeof(o->hdr.comm));
		o->hdr.comm[LW_COMM_LEN - 1] = '\0';
		o->started_ns = s->started_ns;
		lw_stall_from_event(&e, &o->s);
	}
	/* windows that ended, and threads that went, are forgotten here */
	if (nseen)
		qsort(seen, nseen, sizeof(*seen), cmp_seen);
	free(os->seen);
	os->seen = seen;
	os->nseen = nseen;
	return (int)os->nout;
}

void lw_open_started(const struct lw_open_stall *o, uint64_t now_ns, const struct timespec *now,
		     struct timespec *out)
{
	uint64_t real = (uint64_t)now->tv_sec * NS_PER_S + (uint64_t)now->tv_nsec;
	uint64_t age = now_ns > o->started_ns ? now_ns - o->started_ns : 0;

	real = real > age ? real - age : 0;
	out->tv_sec = (time_t)(real / NS_PER_S);
	out->tv_nsec = (long)(real % NS_PER_S);
}
