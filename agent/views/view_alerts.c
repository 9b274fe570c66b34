// SPDX-License-Identifier: GPL-2.0
/* The alerts view: each transition of the rules as a log line, and its JSON
 * line on the stdin of --alert-exec (agent/views/alert_exec.h). */
#include <errno.h>
#include <stdlib.h>
#include "model/alerts.h"
#include "util/log.h"
#include "util/selfstat.h"
#include "views/alert_exec.h"
#include "views/view.h"
#include "views/report.h"

struct alerts_view {
	struct lw_alert_exec exec;
	struct lw_json j;
};

static void alerts_interval(void *ctx, const struct lw_interval_rec *r)
{
	struct alerts_view *v = ctx;

	for (size_t i = 0; i < r->nevents; i++) {
		const struct lw_event_rec *e = &r->events[i];
		const struct lw_alert *al = e->u.alert.al;
		const char *json;
		char line[512];

		if (e->type != LW_REC_ALERT)
			continue;
		lw_alert_describe(al, e->u.alert.sustain, line, sizeof(line));
		lw_log(al->firing ? LW_LOG_WARN : LW_LOG_INFO, "%s", line);
		json = lw_json_alert(&v->j, &e->time, al);
		if (json)
			lw_alert_exec_run(&v->exec, json, lw_now_ns());
	}
	lw_alert_exec_reap(&v->exec, lw_now_ns());
}

static void alerts_reload(void *ctx, const struct lw_config *c)
{
	struct alerts_view *v = ctx;

	lw_alert_exec_set(&v->exec, c->opt.alert_exec, c->exec_timeout_s, c->exec_per_min);
}

static void alerts_close(void *ctx)
{
	struct alerts_view *v = ctx;

	lw_alert_exec_reap(&v->exec, lw_now_ns());
	lw_json_free(&v->j);
	free(v);
}

int lw_view_alerts(struct lw_viewer *view, const struct lw_config *c, int exec_out_fd)
{
	struct alerts_view *v = calloc(1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	lw_alert_exec_init(&v->exec, c->opt.alert_exec, c->exec_timeout_s, c->exec_per_min,
			   exec_out_fd);
	*view = (struct lw_viewer){ .name = "alerts", .ctx = v, .interval = alerts_interval,
				  .reload = alerts_reload, .close = alerts_close };
	return 0;
}
