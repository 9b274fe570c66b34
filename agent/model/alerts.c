// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/alerts.h"
#include "settings/table.h"

static const char *const rule_names[LW_RULE_MAX] = {
	[LW_RULE_LOOP_LAG] = "loop_lag",
	[LW_RULE_ET_STARVED] = "et_starved",
	[LW_RULE_BACKPRESSURE] = "backpressure",
	[LW_RULE_HERD] = "herd",
	[LW_RULE_RETRANSMITS] = "retransmits",
	[LW_RULE_MEMORY_GROWTH] = "memory_growth",
	[LW_RULE_RETRY_STORM] = "retry_storm",
	[LW_RULE_EPHEMERAL_PORTS] = "ephemeral_ports",
};

const char *lw_rule_name(enum lw_rule r)
{
	return (unsigned int)r < LW_RULE_MAX ? rule_names[r] : "unknown";
}

void lw_alert_cfg_from_options(struct lw_alert_cfg *c, const struct lw_options *o)
{
	c->interval_s = o->interval_s;
	c->sustain = o->sustain;
	c->lag_ms = o->lag_ms;
	c->mem_horizon_s = o->mem_horizon_s;
}

void lw_alert_cfg_defaults(struct lw_alert_cfg *c, const struct lw_options *o)
{
	struct lw_options d;

	if (!o) {
		lw_options_defaults(&d);
		o = &d;
	}
	memset(c, 0, sizeof(*c));
	lw_settings_defaults(c, LW_IN_ALERT);
	lw_alert_cfg_from_options(c, o);
}

bool lw_rule_step(struct lw_rule_sm *s, const struct lw_rule_input *in, unsigned int sustain)
{
	if (!sustain)
		sustain = 1;
	if (!s->firing) {
		if (!in->over) {
			s->run = 0;
			return false;
		}
		if (++s->run < sustain && !in->immediate)
			return false;
		s->firing = true;
		s->run = 0;
		return true;
	}
	/* firing: only an unbroken run of quiet intervals resolves it */
	if (in->over) {
		s->run = 0;
		return false;
	}
	if (++s->run < sustain)
		return false;
	s->firing = false;
	s->run = 0;
	return true;
}

static double max3(double a, double b, double c)
{
	double m = a > b ? a : b;

	return m > c ? m : c;
}

void lw_rule_input(enum lw_rule r, const struct lw_interval *iv, const struct lw_alert_cfg *c,
		   struct lw_rule_input *out)
{
	double secs = c->interval_s ? (double)c->interval_s : 1.0;

	memset(out, 0, sizeof(*out));
	switch (r) {
	case LW_RULE_LOOP_LAG:
		/* threads whose stalls were all parks (agent/model/stall.h) do not count */
		out->value = (double)(iv->parked_threads ? iv->loop_lag_max_ns : iv->lag_max_ns) / 1e6;
		out->threshold = c->lag_ms;
		out->over = out->value >= out->threshold;
		break;
	case LW_RULE_ET_STARVED:
		/* a hung connection needs no confirmation */
		out->value = (double)iv->et_starved;
		out->threshold = 1;
		out->over = iv->et_starved > 0;
		out->immediate = out->over;
		break;
	case LW_RULE_BACKPRESSURE:
		out->value = max3(iv->rcvq_max_ratio, iv->sndq_max_ratio, iv->acceptq_max_ratio);
		out->threshold = c->queue_ratio;
		/* a lost packet or connection is damage done: fire now */
		out->immediate = iv->drops > 0 || iv->accept_overflows > 0;
		out->over = out->value >= out->threshold || out->immediate;
		break;
	case LW_RULE_HERD:
		out->value = iv->wakeups ? (double)iv->futile / (double)iv->wakeups : 0.0;
		out->threshold = c->herd_futile_ratio;
		out->over = (double)iv->wakeups / secs >= c->herd_min_wakeups_per_s &&
			    out->value >= out->threshold;
		break;
	case LW_RULE_RETRANSMITS:
		out->value = (double)iv->retransmits / secs;
		out->threshold = c->retransmits_per_s;
		out->over = out->value >= out->threshold;
		break;
	case LW_RULE_MEMORY_GROWTH:
		/* the N rising intervals the memory sweep asked for are its
		 * sustain: it fires with the memory_growth line */
		out->value = iv->mem_growing ? iv->mem_seconds_to_limit : 0;
		out->threshold = c->mem_horizon_s;
		out->over = iv->mem_growing;
		out->immediate = out->over;
		break;
	case LW_RULE_RETRY_STORM:
		/* the storm's own test (agent/model/storm.h) is its evidence */
		out->value = iv->retry_storm;
		out->threshold = c->storm_sync_ratio;
		out->over = iv->retry_storms > 0;
		out->immediate = out->over;
		break;
	case LW_RULE_EPHEMERAL_PORTS:
		/* a warning is worth only what it is ahead of exhaustion: no sustain */
		out->value = iv->ports_max_ratio;
		out->threshold = c->ports_ratio;
		out->over = out->value >= out->threshold || iv->connect_addrnotavail > 0;
		out->immediate = out->over;
		break;
	default:
		break;
	}
}

void lw_alerts_init(struct lw_alerts *a, const struct lw_alert_cfg *cfg)
{
	memset(a, 0, sizeof(*a));
	a->cfg = *cfg;
}

void lw_alerts_free(struct lw_alerts *a)
{
	free(a->procs);
	memset(a, 0, sizeof(*a));
}

static size_t find(const struct lw_alerts *a, uint32_t pid, bool *found)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->procs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < a->n && a->procs[lo].pid == pid;
	return lo;
}

static struct lw_alert_proc *insert(struct lw_alerts *a, size_t i, uint32_t pid)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct lw_alert_proc *np = realloc(a->procs, cap * sizeof(*np));

		if (!np)
			return NULL;
		a->procs = np;
		a->cap = cap;
	}
	memmove(&a->procs[i + 1], &a->procs[i], (a->n - i) * sizeof(*a->procs));
	a->n++;
	memset(&a->procs[i], 0, sizeof(a->procs[i]));
	a->procs[i].pid = pid;
	return &a->procs[i];
}

static const char *fullest_queue(const struct lw_interval *iv)
{
	if (iv->acceptq_max_ratio >= iv->rcvq_max_ratio && iv->acceptq_max_ratio >= iv->sndq_max_ratio &&
	    iv->acceptq_max_ratio > 0)
		return "accept";
	if (iv->sndq_max_ratio > iv->rcvq_max_ratio)
		return "snd";
	return "rcv";
}

static void report(const struct lw_alert_proc *ap, enum lw_rule r, const struct lw_rule_input *in,
		   const struct lw_interval *iv, bool exited, lw_alert_fn fn, void *ctx)
{
	struct lw_alert al = {
		.rule = r,
		.firing = ap->sm[r].firing,
		.value = in->value,
		.threshold = in->threshold,
		.pid = ap->pid,
		.exited = exited,
	};

	memcpy(al.comm, ap->comm, sizeof(al.comm));
	if (r == LW_RULE_BACKPRESSURE && iv) {
		al.queue = fullest_queue(iv);
		al.drops = iv->drops + iv->accept_overflows;
	}
	if (fn)
		fn(ctx, &al);
}

/* Every rule of a process that is gone sees a quiet interval. */
static void step_gone(struct lw_alerts *a, struct lw_alert_proc *ap, lw_alert_fn fn, void *ctx)
{
	for (int r = 0; r < LW_RULE_MAX; r++) {
		struct lw_interval none = { 0 };
		struct lw_rule_input in;

		lw_rule_input((enum lw_rule)r, &none, &a->cfg, &in);
		ap->value[r] = 0;
		if (lw_rule_step(&ap->sm[r], &in, a->cfg.sustain))
			report(ap, (enum lw_rule)r, &in, NULL, true, fn, ctx);
	}
}

/* The process behind a pid changed: what the old one had firing ends now. */
static void reset_reused(struct lw_alerts *a, struct lw_alert_proc *ap, lw_alert_fn fn, void *ctx)
{
	struct lw_interval none = { 0 };

	for (int r = 0; r < LW_RULE_MAX; r++) {
		struct lw_rule_input in;

		if (!ap->sm[r].firing)
			continue;
		lw_rule_input((enum lw_rule)r, &none, &a->cfg, &in);
		ap->sm[r].firing = false;
		report(ap, (enum lw_rule)r, &in, NULL, true, fn, ctx);
	}
	memset(ap->sm, 0, sizeof(ap->sm));
	memset(ap->value, 0, sizeof(ap->value));
}

static bool idle(const struct lw_alert_proc *ap)
{
	for (int r = 0; r < LW_RULE_MAX; r++)
		if (ap->sm[r].firing || ap->sm[r].run)
			return false;
	return true;
}

int lw_alerts_evaluate(struct lw_alerts *a, const struct lw_model *m, lw_alert_fn fn, void *ctx)
{
	bool *seen = calloc(a->n + m->nprocs + 1, sizeof(*seen));
	size_t keep = 0;
	int err = 0;

	if (!seen)
		return -ENOMEM;
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct lw_proc *p = m->procs[i];
		struct lw_rule_input in[LW_RULE_MAX];
		struct lw_alert_proc *ap;
		bool any = false, found;
		size_t idx;

		for (int r = 0; r < LW_RULE_MAX; r++) {
			lw_rule_input((enum lw_rule)r, &p->iv, &a->cfg, &in[r]);
			any |= in[r].over;
		}
		idx = find(a, p->pid, &found);
		if (!found) {
			/* no state and nothing over: a fresh machine would not move */
			if (!any)
				continue;
			ap = insert(a, idx, p->pid);
			if (!ap) {
				err = -ENOMEM;
				continue;
			}
			/* keep seen[] aligned with procs[] */
			memmove(&seen[idx + 1], &seen[idx], (a->n - 1 - idx) * sizeof(*seen));
			seen[idx] = false;
			ap->start_time = p->start_time;
		} else {
			ap = &a->procs[idx];
			if (p->start_time && ap->start_time && p->start_time != ap->start_time)
				reset_reused(a, ap, fn, ctx);
			ap->start_time = p->start_time;
		}
		seen[idx] = true;
		if (p->comm[0])
			memcpy(ap->comm, p->comm, sizeof(ap->comm));
		for (int r = 0; r < LW_RULE_MAX; r++) {
			ap->value[r] = in[r].value;
			if (lw_rule_step(&ap->sm[r], &in[r], a->cfg.sustain))
				report(ap, (enum lw_rule)r, &in[r], &p->iv, false, fn, ctx);
		}
	}
	a->firing = 0;
	for (size_t j = 0; j < a->n; j++) {
		struct lw_alert_proc *ap = &a->procs[j];

		if (!seen[j])
			step_gone(a, ap, fn, ctx);
		if (idle(ap))
			continue;
		for (int r = 0; r < LW_RULE_MAX; r++)
			a->firing += ap->sm[r].firing;
		a->procs[keep++] = *ap;
	}
	a->n = keep;
	free(seen);
	return err;
}

static const struct lw_alert_proc *lookup(const struct lw_alerts *a, uint32_t pid,
					  uint64_t start_time)
{
	bool found;
	size_t i = find(a, pid, &found);

	if (!found)
		return NULL;
	if (start_time && a->procs[i].start_time && a->procs[i].start_time != start_time)
		return NULL;
	return &a->procs[i];
}

bool lw_alerts_active(const struct lw_alerts *a, uint32_t pid, uint64_t start_time,
		      enum lw_rule r)
{
	const struct lw_alert_proc *ap = lookup(a, pid, start_time);

	return ap && (unsigned int)r < LW_RULE_MAX && ap->sm[r].firing;
}

void lw_alerts_names(const struct lw_alerts *a, uint32_t pid, uint64_t start_time, char *out,
		     size_t len)
{
	const struct lw_alert_proc *ap = lookup(a, pid, start_time);
	size_t o = 0;

	if (!len)
		return;
	out[0] = '\0';
	for (int r = 0; ap && r < LW_RULE_MAX; r++) {
		int n;

		if (!ap->sm[r].firing)
			continue;
		n = snprintf(out + o, len - o, "%s%s", o ? "," : "", rule_names[r]);
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
}
