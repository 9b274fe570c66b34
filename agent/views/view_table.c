// SPDX-License-Identifier: GPL-2.0
/* The plain table (--table, or the top view's stand-in without a terminal):
 * one line per event as it happens, a table per interval. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "model/bp.h"
#include "model/readiness.h"
#include "views/report.h"
#include "views/view.h"

struct table_view {
	FILE *out;
};

/* The line of one event, also the top view's pane line for it. */
void lw_table_event(FILE *out, const struct lw_event_rec *e)
{
	switch (e->type) {
	case LW_REC_STALL:
		lw_table_stall(out, e->u.stall.hdr, e->u.stall.s);
		break;
	case LW_REC_STALL_IN_PROGRESS:
		lw_table_stall_in_progress(out, &e->u.open.o->hdr, &e->u.open.o->s);
		break;
	case LW_REC_HERD:
		lw_table_herd(out, e->u.herd);
		break;
	case LW_REC_LT_HOT_LOOP:
		lw_table_hot(out, e->u.hot);
		break;
	case LW_REC_UNDRAINED_ET:
		lw_table_undrained(out, e->u.undrained);
		break;
	case LW_REC_ET_STARVED:
		lw_table_starved(out, e->u.starved);
		break;
	case LW_REC_BACKPRESSURE:
		lw_table_backpressure(out, e->u.bp);
		break;
	case LW_REC_MEMORY_GROWTH:
		lw_table_mem_growth(out, e->u.mem);
		break;
	case LW_REC_RETRY_STORM:
		lw_table_storm(out, e->u.storm);
		break;
	case LW_REC_PORTS:
		lw_table_ports(out, e->u.ports);
		break;
	case LW_REC_ALERT:
	case LW_REC_MAX:
		/* alerts are log lines in this view (agent/views/view_alerts.c) */
		break;
	}
}

static void table_event(void *ctx, const struct lw_event_rec *e)
{
	struct table_view *v = ctx;

	lw_table_event(v->out, e);
	if (e->type == LW_REC_ET_STARVED)
		fflush(v->out);
}

static void table_interval(void *ctx, const struct lw_interval_rec *r)
{
	struct table_view *v = ctx;

	for (size_t i = 0; i < r->nevents; i++)
		lw_table_event(v->out, &r->events[i]);
	lw_table_interval(v->out, r->model, &r->agent);
	lw_table_bp_interval(v->out, r->model);
	fflush(v->out);
}

static void table_close(void *ctx)
{
	struct table_view *v = ctx;

	fflush(v->out);
	free(v);
}

int lw_view_table(struct lw_viewer *view, FILE *out)
{
	struct table_view *v = calloc(1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	v->out = out;
	*view = (struct lw_viewer){ .name = "table", .ctx = v, .event = table_event,
				  .interval = table_interval, .close = table_close };
	return 0;
}
