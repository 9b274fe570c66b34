// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/record.h"

void lw_record_begin(struct lw_record *r)
{
	memset(&r->rec, 0, sizeof(r->rec));
	r->nev = 0;
	r->nalerts = 0;
}

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*arr, n * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

int lw_record_add(struct lw_record *r, const struct lw_event_rec *e)
{
	if (grow((void **)&r->ev, &r->ev_cap, r->nev + 1, sizeof(*r->ev)))
		return -ENOMEM;
	r->ev[r->nev++] = *e;
	return 0;
}

int lw_record_alert(struct lw_record *r, const struct lw_alert *al, const struct timespec *now,
		    unsigned int sustain)
{
	struct lw_event_rec e = { .type = LW_REC_ALERT, .time = *now, .pid = al->pid };

	/* the events point at the copies only once all are in (lw_record_done):
	 * the array may still move */
	if (grow((void **)&r->alerts, &r->alerts_cap, r->nalerts + 1, sizeof(*r->alerts)))
		return -ENOMEM;
	e.u.alert.sustain = sustain;
	if (lw_record_add(r, &e))
		return -ENOMEM;
	r->alerts[r->nalerts++] = *al;
	return 0;
}

const struct lw_interval_rec *lw_record_done(struct lw_record *r)
{
	size_t k = 0;

	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].type == LW_REC_ALERT)
			r->ev[i].u.alert.al = &r->alerts[k++];
	r->rec.events = r->ev;
	r->rec.nevents = r->nev;
	return &r->rec;
}

void lw_record_free(struct lw_record *r)
{
	free(r->ev);
	free(r->alerts);
	memset(r, 0, sizeof(*r));
}

static void who(struct lw_event_rec *e, enum lw_rec_type type, const struct timespec *now,
		uint32_t pid, uint32_t tid)
{
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->time = *now;
	e->pid = pid;
	e->tid = tid;
}

void lw_event_rec_stall(struct lw_event_rec *e, const struct timespec *now,
			const struct lw_event_hdr *h, const struct lw_stall *s)
{
	who(e, LW_REC_STALL, now, h->pid, h->tid);
	e->u.stall.hdr = h;
	e->u.stall.s = s;
}

void lw_event_rec_open(struct lw_event_rec *e, const struct timespec *now,
		       const struct lw_open_stall *o, const struct timespec *started)
{
	who(e, LW_REC_STALL_IN_PROGRESS, now, o->hdr.pid, o->hdr.tid);
	e->u.open.o = o;
	e->u.open.started = *started;
}

void lw_event_rec_herd(struct lw_event_rec *e, const struct timespec *now,
		       const struct lw_herd_event *h)
{
	who(e, LW_REC_HERD, now, h->hdr.pid, h->hdr.tid);
	e->u.herd = h;
}

void lw_event_rec_hot(struct lw_event_rec *e, const struct timespec *now,
		      const struct lw_hot_event *h)
{
	who(e, LW_REC_LT_HOT_LOOP, now, h->hdr.pid, h->hdr.tid);
	e->u.hot = h;
}

void lw_event_rec_undrained(struct lw_event_rec *e, const struct timespec *now,
			    const struct lw_undrained_event *u)
{
	who(e, LW_REC_UNDRAINED_ET, now, u->hdr.pid, u->hdr.tid);
	e->u.undrained = u;
}

void lw_event_rec_starved(struct lw_event_rec *e, const struct timespec *now,
			  const struct lw_starved *s)
{
	who(e, LW_REC_ET_STARVED, now, s->pid, s->tid);
	e->u.starved = s;
}

void lw_event_rec_bp(struct lw_event_rec *e, const struct timespec *now,
		     const struct lw_bp_event *b)
{
	who(e, LW_REC_BACKPRESSURE, now, b->hdr.pid, b->hdr.tid);
	e->u.bp = b;
}

void lw_event_rec_mem_growth(struct lw_event_rec *e, const struct timespec *now,
			     const struct lw_mem_growth_event *m)
{
	who(e, LW_REC_MEMORY_GROWTH, now, m->pid, 0);
	e->u.mem = m;
}

void lw_event_rec_storm(struct lw_event_rec *e, const struct timespec *now,
			const struct lw_storm *s)
{
	who(e, LW_REC_RETRY_STORM, now, s->pid, 0);
	e->u.storm = s;
}

void lw_event_rec_ports(struct lw_event_rec *e, const struct timespec *now,
			const struct lw_ports_event *p)
{
	who(e, LW_REC_PORTS, now, p->pid, 0);
	e->u.ports = p;
}
