// SPDX-License-Identifier: GPL-2.0
/* The JSON-lines view (docs/output.md): one object per line on stdout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "model/bp.h"
#include "model/readiness.h"
#include "views/report.h"
#include "views/view.h"

struct json_view {
	FILE *out;
	struct lw_json j;
};

static void put(struct json_view *v, const char *line)
{
	if (line)
		fputs(line, v->out);
}

static void json_open(void *ctx, const struct lw_start_rec *s)
{
	struct json_view *v = ctx;

	put(v, lw_json_start(&v->j, &s->now, s->kernel, s->hooks, s->det, s->detail));
	fflush(v->out);
}

static void json_event(void *ctx, const struct lw_event_rec *e)
{
	struct json_view *v = ctx;
	struct lw_json *j = &v->j;

	switch (e->type) {
	case LW_REC_STALL:
		put(v, lw_json_stall(j, &e->time, e->u.stall.hdr, e->u.stall.s));
		break;
	case LW_REC_STALL_IN_PROGRESS:
		put(v, lw_json_stall_in_progress(j, &e->time, &e->u.open.o->hdr, &e->u.open.o->s,
						 &e->u.open.started));
		break;
	case LW_REC_HERD:
		put(v, lw_json_herd(j, &e->time, e->u.herd));
		break;
	case LW_REC_LT_HOT_LOOP:
		put(v, lw_json_hot(j, &e->time, e->u.hot));
		break;
	case LW_REC_UNDRAINED_ET:
		put(v, lw_json_undrained(j, &e->time, e->u.undrained));
		break;
	case LW_REC_ET_STARVED:
		put(v, lw_json_starved(j, &e->time, e->u.starved));
		/* the starvation check runs between ticks: a hang is news now */
		fflush(v->out);
		break;
	case LW_REC_BACKPRESSURE:
		put(v, lw_json_backpressure(j, &e->time, e->u.bp));
		break;
	case LW_REC_MEMORY_GROWTH:
		put(v, lw_json_mem_growth(j, &e->time, e->u.mem));
		break;
	case LW_REC_RETRY_STORM:
		put(v, lw_json_storm(j, &e->time, e->u.storm));
		break;
	case LW_REC_PORTS:
		put(v, lw_json_ports(j, &e->time, e->u.ports));
		break;
	case LW_REC_ALERT:
		put(v, lw_json_alert(j, &e->time, e->u.alert.al));
		break;
	case LW_REC_MAX:
		break;
	}
}

/* The tick's own events (stalls in progress, memory growth), the summaries
 * and the agent line, then the alerts: a transition follows the figures it
 * was judged on. */
static void json_interval(void *ctx, const struct lw_interval_rec *r)
{
	struct json_view *v = ctx;
	const struct lw_model *m = r->model;

	for (size_t i = 0; i < r->nevents; i++)
		if (r->events[i].type != LW_REC_ALERT)
			json_event(v, &r->events[i]);
	for (size_t i = 0; i < m->nprocs; i++)
		if (m->procs[i]->iv.active)
			put(v, lw_json_summary(&v->j, &r->now, m->procs[i]));
	put(v, lw_json_agent(&v->j, &r->now, &r->agent));
	for (size_t i = 0; i < r->nevents; i++)
		if (r->events[i].type == LW_REC_ALERT)
			json_event(v, &r->events[i]);
	fflush(v->out);
}

static void json_close(void *ctx)
{
	struct json_view *v = ctx;

	fflush(v->out);
	lw_json_free(&v->j);
	free(v);
}

int lw_view_json(struct lw_viewer *view, FILE *out)
{
	struct json_view *v = calloc(1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	v->out = out;
	*view = (struct lw_viewer){ .name = "json", .ctx = v, .open = json_open, .event = json_event,
				  .interval = json_interval, .close = json_close };
	return 0;
}
