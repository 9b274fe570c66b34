// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "model/storm.h"

void lw_storm_free(struct lw_storm_state *st)
{
	free(st->att);
	free(st->prev);
	free(st->clients);
	free(st->out);
	memset(st, 0, sizeof(*st));
}

int lw_storm_add(struct lw_storm_state *st, const struct lw_cn_event *e)
{
	struct lw_storm_attempt *a;

	if (st->natt >= LW_STORM_MAX_ATTEMPTS) {
		st->att_dropped++;
		return -ENOMEM;
	}
	if (st->natt == st->att_cap) {
		size_t cap = st->att_cap ? 2 * st->att_cap : 256;
		void *n = realloc(st->att, cap * sizeof(*st->att));

		if (!n)
			return -ENOMEM;
		st->att = n;
		st->att_cap = cap;
	}
	a = &st->att[st->natt++];
	a->ts_ns = e->hdr.ts_ns;
	a->sk = e->sk;
	a->pid = e->hdr.pid;
	a->tid = e->hdr.tid;
	a->family = e->family;
	a->port = e->port;
	memcpy(a->addr, e->addr, sizeof(a->addr));
	memcpy(a->comm, e->hdr.comm, sizeof(a->comm));
	a->comm[LW_COMM_LEN - 1] = '\0';
	return 0;
}

const char *lw_backoff_name(enum lw_backoff b)
{
	switch (b) {
	case LW_BACKOFF_EXPONENTIAL:
		return "exponential";
	case LW_BACKOFF_CONSTANT:
		return "constant";
	case LW_BACKOFF_JITTERED:
		return "jittered";
	default:
		return "unknown";
	}
}

void lw_cn_remote_str(uint16_t family, const uint8_t addr[16], uint16_t port, char *out,
		      size_t len)
{
	char a[64];

	if (family == AF_INET6 && inet_ntop(AF_INET6, addr, a, sizeof(a)))
		snprintf(out, len, "[%s]:%u", a, port);
	else if (family == AF_INET && inet_ntop(AF_INET, addr, a, sizeof(a)))
		snprintf(out, len, "%s:%u", a, port);
	else
		snprintf(out, len, "?:%u", port);
}

static int cmp_remote(uint16_t fa, uint16_t pa, const uint8_t *aa, uint16_t fb, uint16_t pb,
		      const uint8_t *ab)
{
	if (fa != fb)
		return fa < fb ? -1 : 1;
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return memcmp(aa, ab, 16);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* By remote, then time. */
static int cmp_att_time(const void *x, const void *y)
{
	const struct lw_storm_attempt *a = x, *b = y;
	int c = cmp_remote(a->family, a->port, a->addr, b->family, b->port, b->addr);

	return c ? c : cmp_u64(a->ts_ns, b->ts_ns);
}

/* By remote, client, then time. */
static int cmp_att_client(const void *x, const void *y)
{
	const struct lw_storm_attempt *a = x, *b = y;
	int c = cmp_remote(a->family, a->port, a->addr, b->family, b->port, b->addr);

	if (c)
		return c;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return cmp_u64(a->ts_ns, b->ts_ns);
}

static int cmp_client(const void *x, const void *y)
{
	const struct lw_storm_client *a = x, *b = y;
	int c = cmp_remote(a->family, a->port, a->addr, b->family, b->port, b->addr);

	if (c)
		return c;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

static int cmp_snap(const void *x, const void *y)
{
	const struct lw_cn_snap *a = x, *b = y;

	return memcmp(&a->key, &b->key, sizeof(a->key));
}

static int cmp_u64p(const void *x, const void *y)
{
	return cmp_u64(*(const uint64_t *)x, *(const uint64_t *)y);
}

static bool same_remote(const struct lw_storm_attempt *a, const struct lw_storm_attempt *b)
{
	return !cmp_remote(a->family, a->port, a->addr, b->family, b->port, b->addr);
}

/* The largest number of attempts (sorted by time) within any window. */
static uint32_t peak(const struct lw_storm_attempt *a, size_t n)
{
	size_t i = 0, best = 0;

	for (size_t j = 0; j < n; j++) {
		while (a[j].ts_ns - a[i].ts_ns >= LW_STORM_WINDOW_NS)
			i++;
		if (j - i + 1 > best)
			best = j - i + 1;
	}
	return (uint32_t)best;
}

static size_t distinct_u64(uint64_t *v, size_t n)
{
	size_t d = 0;

	qsort(v, n, sizeof(*v), cmp_u64p);
	for (size_t i = 0; i < n; i++)
		d += !i || v[i] != v[i - 1];
	return d;
}

/* This interval's totals of one remote, over every process, from the map. */
static void remote_counts(const struct lw_storm_state *st, const struct lw_cn_snap *s, size_t n,
			  const struct lw_storm_attempt *r, struct lw_storm *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct lw_cn_snap *p;

		if (cmp_remote(s[i].key.family, s[i].key.port, s[i].key.addr, r->family, r->port,
			       r->addr))
			continue;
		p = st->nprev ? bsearch(&s[i], st->prev, st->nprev, sizeof(*st->prev), cmp_snap) :
				NULL;
		/* a reused pid is a new process: its counts start from zero */
		if (p && p->c.start_time != s[i].c.start_time)
			p = NULL;
		out->attempts += s[i].c.attempts - (p && p->c.attempts <= s[i].c.attempts ? p->c.attempts : 0);
		out->failures += s[i].c.failures - (p && p->c.failures <= s[i].c.failures ? p->c.failures : 0);
		out->syn_retrans += s[i].c.syn_retrans -
				    (p && p->c.syn_retrans <= s[i].c.syn_retrans ? p->c.syn_retrans : 0);
	}
}

struct spacing {
	unsigned int total, doubling, constant;
};

/*
 * Each client's waits this interval, against the wait before (also from an
 * earlier interval): a ratio of 2 within 5 % is a doubling, of 1 a constant
 * wait. The attempts are sorted by client then time; the clients' table
 * (sorted) is updated in place, new clients go to *add.
 */
static int spacing(struct lw_storm_state *st, const struct lw_storm_attempt *a, size_t n,
		   struct spacing *sp, struct lw_storm_client **add, size_t *nadd, size_t *add_cap)
{
	for (size_t i = 0; i < n;) {
		struct lw_storm_client key = { .pid = a[i].pid, .tid = a[i].tid,
					       .family = a[i].family, .port = a[i].port };
		struct lw_storm_client *c;
		size_t j;

		memcpy(key.addr, a[i].addr, 16);
		c = st->nclients ? bsearch(&key, st->clients, st->nclients, sizeof(key), cmp_client) :
				   NULL;
		if (!c) {
			for (size_t k = 0; k < *nadd; k++)
				if (!cmp_client(&(*add)[k], &key))
					c = &(*add)[k];
		}
		if (!c) {
			if (*nadd == *add_cap) {
				size_t cap = *add_cap ? 2 * *add_cap : 64;
				void *nn = realloc(*add, cap * sizeof(**add));

				if (!nn)
					return -ENOMEM;
				*add = nn;
				*add_cap = cap;
			}
			c = &(*add)[(*nadd)++];
			*c = key;
		}
		for (j = i; j < n && a[j].pid == a[i].pid && a[j].tid == a[i].tid; j++) {
			if (c->last_ts && a[j].ts_ns > c->last_ts) {
				uint64_t gap = a[j].ts_ns - c->last_ts;

				if (c->last_gap) {
					double r = (double)gap / (double)c->last_gap;

					sp->total++;
					sp->doubling += r >= 1.9 && r <= 2.1;
					sp->constant += r >= 0.95 && r <= 1.05;
				}
				c->last_gap = gap;
			}
			c->last_ts = a[j].ts_ns;
		}
		i = j;
	}
	return 0;
}

static enum lw_backoff backoff_of(const struct spacing *sp)
{
	if (sp->total < 3)
		return LW_BACKOFF_UNKNOWN;
	if (sp->doubling * 10 >= sp->total * 9)
		return LW_BACKOFF_EXPONENTIAL;
	if (sp->constant * 10 >= sp->total * 9)
		return LW_BACKOFF_CONSTANT;
	return LW_BACKOFF_JITTERED;
}

static int push_storm(struct lw_storm_state *st, const struct lw_storm *s, size_t *cap)
{
	if (st->nout == *cap) {
		size_t c = *cap ? 2 * *cap : 8;
		void *n = realloc(st->out, c * sizeof(*st->out));

		if (!n)
			return -ENOMEM;
		st->out = n;
		*cap = c;
	}
	st->out[st->nout++] = *s;
	return 0;
}

/* The attempts of one remote (sorted by time): a storm or not. */
static int judge(struct lw_storm_state *st, struct lw_model *m, struct lw_storm_attempt *a,
		 size_t n, const struct lw_cn_snap *snaps, size_t nsnaps,
		 const struct lw_storm_cfg *cfg, struct lw_storm_client **add, size_t *nadd,
		 size_t *add_cap, size_t *out_cap)
{
	uint64_t *keys = malloc((n ? n : 1) * sizeof(*keys));
	struct lw_storm s = { 0 };
	struct spacing sp = { 0 };
	uint32_t best = 0, run = 0;
	int err = 0;

	if (!keys)
		return -ENOMEM;
	s.peak_20ms = peak(a, n);
	for (size_t i = 0; i < n; i++)
		keys[i] = (uint64_t)a[i].pid << 32 | a[i].tid;
	s.clients = (uint32_t)distinct_u64(keys, n);
	for (size_t i = 0; i < n; i++)
		keys[i] = a[i].pid;
	s.processes = (uint32_t)distinct_u64(keys, n);
	/* the process with the most attempts, from the sorted pids */
	for (size_t i = 0; i < n; i++) {
		run = i && keys[i] == keys[i - 1] ? run + 1 : 1;
		if (run > best) {
			best = run;
			s.pid = (uint32_t)keys[i];
		}
	}
	for (size_t i = 0; i < n; i++)
		keys[i] = a[i].sk;
	s.sockets = (uint32_t)distinct_u64(keys, n);
	free(keys);
	remote_counts(st, snaps, nsnaps, &a[0], &s);
	qsort(a, n, sizeof(*a), cmp_att_client);
	err = spacing(st, a, n, &sp, add, nadd, add_cap);
	s.backoff = backoff_of(&sp);
	s.synchrony = s.clients ? (double)s.peak_20ms / s.clients : 0;
	if (s.synchrony > 1)
		s.synchrony = 1;
	if (!s.failures || s.clients < cfg->min_clients || s.clients < 2 ||
	    s.synchrony < cfg->sync_ratio)
		return err;
	for (size_t i = 0; i < n; i++) {
		if (a[i].pid == s.pid)
			memcpy(s.comm, a[i].comm, sizeof(s.comm));
		if (i && a[i].pid == a[i - 1].pid)
			continue;
		struct lw_proc *p = lw_model_proc(m, a[i].pid, 0, a[i].comm);

		if (!p) {
			err = -ENOMEM;
			continue;
		}
		p->iv.retry_storms++;
		if (s.synchrony > p->iv.retry_storm)
			p->iv.retry_storm = s.synchrony;
	}
	lw_cn_remote_str(a[0].family, a[0].addr, a[0].port, s.remote, sizeof(s.remote));
	return push_storm(st, &s, out_cap) ? -ENOMEM : err;
}

/* Forget clients idle for the TTL; keep the table sorted and bounded. */
static int merge_clients(struct lw_storm_state *st, struct lw_storm_client *add, size_t nadd,
			 uint64_t now)
{
	size_t n = st->nclients + nadd, k = 0;
	struct lw_storm_client *c = malloc((n ? n : 1) * sizeof(*c));

	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < st->nclients + nadd; i++) {
		const struct lw_storm_client *x = i < st->nclients ? &st->clients[i] :
								      &add[i - st->nclients];

		if (now && x->last_ts + LW_STORM_CLIENT_TTL_NS < now)
			continue;
		c[k++] = *x;
	}
	qsort(c, k, sizeof(*c), cmp_client);
	if (k > LW_STORM_MAX_CLIENTS)
		k = LW_STORM_MAX_CLIENTS;
	free(st->clients);
	st->clients = c;
	st->nclients = k;
	return 0;
}

int lw_storm_interval(struct lw_storm_state *st, struct lw_model *m, struct lw_cn_snap *snaps,
		      size_t n, const struct lw_storm_cfg *cfg)
{
	struct lw_storm_client *add = NULL;
	size_t nadd = 0, add_cap = 0, out_cap = st->nout = 0, i = 0;
	uint64_t latest = 0;
	int err = 0;

	free(st->out);
	st->out = NULL;
	if (n)
		qsort(snaps, n, sizeof(*snaps), cmp_snap);
	if (st->natt)
		qsort(st->att, st->natt, sizeof(*st->att), cmp_att_time);
	while (i < st->natt) {
		size_t j = i;

		while (j < st->natt && same_remote(&st->att[i], &st->att[j]))
			j++;
		if (st->att[j - 1].ts_ns > latest)
			latest = st->att[j - 1].ts_ns;
		if (judge(st, m, &st->att[i], j - i, snaps, n, cfg, &add, &nadd, &add_cap,
			  &out_cap))
			err = -ENOMEM;
		i = j;
	}
	if (merge_clients(st, add, nadd, latest))
		err = -ENOMEM;
	free(add);
	free(st->prev);
	st->prev = snaps;
	st->nprev = n;
	st->natt = 0;
	st->att_dropped = 0;
	return err;
}
