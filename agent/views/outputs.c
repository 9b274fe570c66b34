// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util/log.h"
#include "views/outputs.h"
#include "util/selfstat.h"

int lw_outputs_init(struct lw_outputs *o, const struct lw_options *flags,
		    struct lw_options *effective, char *err, size_t errlen)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->flags = *flags;
	o->cfg = calloc(1, sizeof(*o->cfg));
	if (!o->cfg) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = lw_config_load(o->cfg, flags->config, flags, err, errlen);
	if (rc) {
		free(o->cfg);
		o->cfg = NULL;
		return rc;
	}
	lw_alerts_init(&o->alerts, &o->cfg->alert);
	lw_alert_exec_init(&o->exec, o->cfg->opt.alert_exec, o->cfg->exec_timeout_s,
			   o->cfg->exec_per_min, STDERR_FILENO);
	*effective = o->cfg->opt;
	return 0;
}

void lw_outputs_start(struct lw_outputs *o, enum lw_view view)
{
	int rc;

	o->view = view;
	if (view != LW_VIEW_TOP)
		return;
	rc = lw_top_start(&o->top, o->cfg->opt.interval_s);
	if (rc) {
		lw_warn("the top view needs a terminal (%s): printing a plain table instead",
			strerror(-rc));
		return;
	}
	/* an alert command must not write over the screen */
	if (isatty(STDERR_FILENO))
		o->exec.out_fd = -1;
}

bool lw_outputs_top(const struct lw_outputs *o)
{
	return o->top != NULL;
}

void lw_outputs_event(struct lw_outputs *o)
{
	if (o->top)
		lw_top_collect(o->top);
}

static void on_alert(void *ctx, const struct lw_alert *al)
{
	struct lw_outputs *o = ctx;
	const char *json = lw_json_alert(&o->json, &o->now, al);
	char line[512];

	lw_alert_describe(al, o->alerts.cfg.sustain, line, sizeof(line));
	lw_log(al->firing ? LW_LOG_WARN : LW_LOG_INFO, "%s", line);
	if (!json)
		return;
	if (o->view == LW_VIEW_JSON)
		fputs(json, stdout);
	lw_alert_exec_run(&o->exec, json, lw_now_ns());
}

static void write_prom(struct lw_outputs *o, const struct lw_model *m)
{
	const char *path = o->cfg->opt.prom_file;
	const char *text;
	size_t len = 0;
	int err;

	text = lw_prom_render(&o->prom, m, &o->alerts, o->cfg->opt.max_series, &len);
	err = text ? lw_prom_write(path, text, len) : -ENOMEM;
	/* one line when it starts failing or fails differently, one when it
	 * recovers: not one a second */
	if (err && err != o->prom_err)
		lw_err("failed to write textfile %s: %s", path, strerror(-err));
	else if (!err && o->prom_err)
		lw_info("textfile %s written again", path);
	o->prom_err = err;
}

void lw_outputs_interval(struct lw_outputs *o, const struct lw_model *m,
			 const struct timespec *now, const struct lw_agent_stats *st, bool final)
{
	o->now = *now;
	if (!final && lw_alerts_evaluate(&o->alerts, m, on_alert, o))
		lw_warn("out of memory evaluating alerts: some processes were skipped");
	lw_alert_exec_reap(&o->exec, lw_now_ns());
	if (o->cfg->opt.prom_file) {
		o->prom.agent_cpu_s = (double)st->cpu_ns / 1e9;
		o->prom.agent_rss_bytes = st->rss_kb * 1024;
		o->prom.agent_set = true;
		write_prom(o, m);
	}
	if (o->top)
		lw_top_interval(o->top, m, &o->alerts, st);
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Settings the probes or the screen took at start: a reload keeps them. */
static void keep_fixed(struct lw_options *n, const struct lw_options *old, char *what, size_t len)
{
	size_t o = 0;

	what[0] = '\0';
#define FIXED(cond, name)                                                                  \
	do {                                                                               \
		if (cond) {                                                                \
			int w = snprintf(what + o, len - o, "%s%s", o ? ", " : "", name);  \
			if (w > 0 && (size_t)w < len - o)                                  \
				o += (size_t)w;                                            \
		}                                                                          \
	} while (0)
	FIXED(n->npids != old->npids ||
	      memcmp(n->pids, old->pids, old->npids * sizeof(old->pids[0])), "pid");
	FIXED(strcmp(n->comm, old->comm), "comm");
	FIXED(n->view != old->view, "view");
	FIXED(n->max_threads != old->max_threads, "max_threads");
	FIXED(n->max_sockets != old->max_sockets, "max_sockets");
	FIXED(n->starve_ms != old->starve_ms, "starve_ms");
#undef FIXED
	n->npids = old->npids;
	memcpy(n->pids, old->pids, sizeof(n->pids));
	memcpy(n->comm, old->comm, sizeof(n->comm));
	n->view = old->view;
	n->max_threads = old->max_threads;
	n->max_sockets = old->max_sockets;
	n->starve_ms = old->starve_ms;
}

int lw_outputs_reload(struct lw_outputs *o, struct lw_options *live)
{
	struct lw_config *c, *old = o->cfg;
	char err[512], fixed[128];
	int rc;

	if (!o->flags.config) {
		lw_info("SIGHUP: no config file to reload (start with --config FILE)");
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		lw_err("SIGHUP: out of memory; keeping the previous settings");
		return -ENOMEM;
	}
	rc = lw_config_load(c, o->flags.config, &o->flags, err, sizeof(err));
	if (rc) {
		lw_err("SIGHUP: %s; keeping the previous settings", err);
		free(c);
		return rc;
	}
	keep_fixed(&c->opt, &old->opt, fixed, sizeof(fixed));
	if (fixed[0])
		lw_warn("SIGHUP: %s changed in %s; restart loopwatch to apply", fixed,
			o->flags.config);
	/* a textfile that moved would go stale where node_exporter still reads it */
	if (old->opt.prom_file && !same_str(old->opt.prom_file, c->opt.prom_file) &&
	    unlink(old->opt.prom_file) == 0)
		lw_info("removed the old textfile %s", old->opt.prom_file);
	o->alerts.cfg = c->alert;
	lw_alert_exec_set(&o->exec, c->opt.alert_exec, c->exec_timeout_s, c->exec_per_min);
	o->prom_err = 0;
	lw_top_set_interval(o->top, c->opt.interval_s);
	o->cfg = c;
	*live = c->opt;
	free(old);
	lw_info("reloaded %s: lag_ms %u, sustain %u, stall_ms %u, interval %u s, textfile %s, alert-exec %s",
		o->flags.config, c->opt.lag_ms, c->opt.sustain, c->opt.stall_ms, c->opt.interval_s,
		c->opt.prom_file ? c->opt.prom_file : "off", c->opt.alert_exec ? "on" : "off");
	return 0;
}

int lw_outputs_key_fd(const struct lw_outputs *o)
{
	return lw_top_input_fd(o->top);
}

bool lw_outputs_keys(struct lw_outputs *o)
{
	return lw_top_keys(o->top);
}

void lw_outputs_resize(struct lw_outputs *o)
{
	lw_top_resize(o->top);
}

void lw_outputs_stop(struct lw_outputs *o)
{
	lw_top_stop(o->top);
	o->top = NULL;
	lw_alert_exec_reap(&o->exec, lw_now_ns());
	lw_alerts_free(&o->alerts);
	lw_prom_free(&o->prom);
	lw_json_free(&o->json);
	free(o->cfg);
	o->cfg = NULL;
}
