// SPDX-License-Identifier: GPL-2.0
/* The fan-out: each step of the agent reaches every view, in order. */
#include <errno.h>
#include <string.h>
#include "views/view.h"

int lw_views_add(struct lw_views *vs, const struct lw_viewer *v)
{
	if (vs->n == LW_VIEWS_MAX) {
		if (v->close)
			v->close(v->ctx);
		return -ENOSPC;
	}
	vs->v[vs->n++] = *v;
	return 0;
}

void lw_views_open(struct lw_views *vs, const struct lw_start_rec *s)
{
	for (size_t i = 0; i < vs->n; i++)
		if (vs->v[i].open)
			vs->v[i].open(vs->v[i].ctx, s);
}

void lw_views_event(struct lw_views *vs, const struct lw_event_rec *e)
{
	for (size_t i = 0; i < vs->n; i++)
		if (vs->v[i].event)
			vs->v[i].event(vs->v[i].ctx, e);
}

void lw_views_interval(struct lw_views *vs, const struct lw_interval_rec *r)
{
	for (size_t i = 0; i < vs->n; i++)
		if (vs->v[i].interval)
			vs->v[i].interval(vs->v[i].ctx, r);
}

void lw_views_reload(struct lw_views *vs, const struct lw_config *c)
{
	for (size_t i = 0; i < vs->n; i++)
		if (vs->v[i].reload)
			vs->v[i].reload(vs->v[i].ctx, c);
}

void lw_views_close(struct lw_views *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		if (vs->v[i].close)
			vs->v[i].close(vs->v[i].ctx);
	vs->n = 0;
}

int lw_views_input_fd(struct lw_views *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		int fd = vs->v[i].input_fd ? vs->v[i].input_fd(vs->v[i].ctx) : -1;

		if (fd >= 0)
			return fd;
	}
	return -1;
}

enum lw_view_input lw_views_input(struct lw_views *vs)
{
	enum lw_view_input r = LW_VIEW_GO_ON;

	for (size_t i = 0; i < vs->n; i++)
		if (vs->v[i].input && vs->v[i].input(vs->v[i].ctx) == LW_VIEW_QUIT)
			r = LW_VIEW_QUIT;
	return r;
}

void lw_views_resize(struct lw_views *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		if (vs->v[i].resize)
			vs->v[i].resize(vs->v[i].ctx);
}
