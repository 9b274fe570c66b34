// SPDX-License-Identifier: GPL-2.0
/* The textfile view: the Prometheus text rendered and replaced each interval
 * (agent/views/prom.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "util/log.h"
#include "views/prom.h"
#include "views/view.h"

struct prom_view {
	struct lw_prom prom;
	const char *path;	/* the settings' own string (NULL: off); reload
				 * hands a new one */
	unsigned int max_series;
	int err;		/* last write error, logged once */
};

static void prom_open(void *ctx, const struct lw_start_rec *s)
{
	struct prom_view *v = ctx;

	v->prom.det = *s->det;
	v->prom.det_set = true;
}

static void prom_interval(void *ctx, const struct lw_interval_rec *r)
{
	struct prom_view *v = ctx;
	const char *text;
	size_t len = 0;
	int err;

	if (!v->path)
		return;
	v->prom.agent_cpu_s = (double)r->agent.cpu_ns / 1e9;
	v->prom.agent_rss_bytes = r->agent.rss_kb * 1024;
	v->prom.agent_set = true;
	if (r->agent.detail) {
		v->prom.detail_engaged = r->agent.detail->engaged;
		v->prom.detail_s = r->agent.detail_s;
		v->prom.detail_set = true;
	}
	text = lw_prom_render(&v->prom, r->model, r->alerts, v->max_series, &len);
	err = text ? lw_prom_write(v->path, text, len) : -ENOMEM;
	/* one line when it starts failing or fails differently, one when it
	 * recovers: not one a second */
	if (err && err != v->err)
		lw_err("failed to write textfile %s: %s", v->path, strerror(-err));
	else if (!err && v->err)
		lw_info("textfile %s written again", v->path);
	v->err = err;
}

static void prom_reload(void *ctx, const struct lw_config *c)
{
	struct prom_view *v = ctx;

	v->path = c->opt.prom_file;
	v->max_series = c->opt.max_series;
	v->err = 0;
}

static void prom_close(void *ctx)
{
	struct prom_view *v = ctx;

	lw_prom_free(&v->prom);
	free(v);
}

int lw_view_prom(struct lw_viewer *view, const struct lw_config *c)
{
	struct prom_view *v = calloc(1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	prom_reload(v, c);
	*view = (struct lw_viewer){ .name = "textfile", .ctx = v, .open = prom_open,
				  .interval = prom_interval, .reload = prom_reload,
				  .close = prom_close };
	return 0;
}
