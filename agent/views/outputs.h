/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Operator surfaces around the model: the config file and its reload, alert
 * rules with their JSON/log lines and --alert-exec, the Prometheus textfile
 * and the top view. main.c calls these at the points of its loop.
 */
#ifndef LOOPWATCH_OUTPUTS_H
#define LOOPWATCH_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "views/alert_exec.h"
#include "model/alerts.h"
#include "settings/config.h"
#include "util/json.h"
#include "model/model.h"
#include "settings/options.h"
#include "views/prom.h"
#include "views/report.h"
#include "views/top.h"

struct lw_outputs {
	struct lw_options flags;	/* the command line, merged again on reload */
	struct lw_config *cfg;		/* current settings (heap: never copied) */
	enum lw_view view;
	struct lw_alerts alerts;
	struct lw_alert_exec exec;
	struct lw_prom prom;
	struct lw_top *top;
	struct lw_json json;
	struct timespec now;		/* of the interval being closed */
	int prom_err;			/* last textfile error, logged once */
};

/* Read the config file named by flags->config (if any) under the command
 * line's flags. *effective gets the merged options. Returns 0, or -errno with
 * one line in err (exit status 2). */
int lw_outputs_init(struct lw_outputs *o, const struct lw_options *flags,
		    struct lw_options *effective, char *err, size_t errlen);
/* Open the views once the probes are attached: the top view for
 * LW_VIEW_TOP (falling back to the plain table without a terminal). */
void lw_outputs_start(struct lw_outputs *o, enum lw_view view);
/* True while the ncurses view owns the terminal. */
bool lw_outputs_top(const struct lw_outputs *o);
/* After ring-buffer records were handled. */
void lw_outputs_event(struct lw_outputs *o);
/* At the end of an interval, before lw_model_end_interval(): alerts,
 * textfile, top view. The partial interval at shutdown (final) is written
 * out but not fed to the alert rules: a short quiet tail is no evidence that
 * a problem went away. */
void lw_outputs_interval(struct lw_outputs *o, const struct lw_model *m,
			 const struct timespec *now, const struct lw_agent_stats *st, bool final);
/* SIGHUP: read the config again. On success *live gets the new options
 * (settings only a restart can change keep their old values, and a line says
 * so); on failure the old settings stay and one line says why. */
int lw_outputs_reload(struct lw_outputs *o, struct lw_options *live);
/* Keys of the top view: the fd to poll (-1: none), and the handler; true
 * when the user asked to quit. */
int lw_outputs_key_fd(const struct lw_outputs *o);
bool lw_outputs_keys(struct lw_outputs *o);
void lw_outputs_resize(struct lw_outputs *o);
/* Give the terminal back; the textfile stays as last written. */
void lw_outputs_stop(struct lw_outputs *o);

#endif
