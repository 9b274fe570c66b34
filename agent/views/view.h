/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one interface every view implements: the JSON lines, the plain table,
 * the textfile, the top view and the alerts' log lines and command. A view
 * gets records (agent/model/record.h) and renders them; it never calls back
 * into the model or the probes. main.c picks the views and calls the fan-out
 * below once per step; it knows no view by its kind.
 *
 *   open      once, when the probes are attached: what the kernel allowed
 *   event     one event, as it happens (a stall ended, a herd, a starved
 *             connection found by the starvation check...)
 *   interval  the interval record at each tick, its own events included
 *   reload    new settings (SIGHUP)
 *   close     at exit: flush, give the terminal back
 *
 * A view that reads the terminal (the top view) also gives its input fd,
 * handles input, and follows a resize; the others leave those NULL.
 */
#ifndef LOOPWATCH_VIEW_H
#define LOOPWATCH_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "kernel/detections.h"
#include "model/record.h"
#include "settings/config.h"

/* What open gets: the kernel and the probes as attached. */
struct lw_start_rec {
	struct timespec now;
	const char *kernel;
	const struct lw_hook_state *hooks;	/* LW_HK_MAX of them */
	const struct lw_detections *det;
	const char *detail;	/* the detail tier: "on demand", "forced" or "none" */
};

enum lw_view_input { LW_VIEW_GO_ON = 0, LW_VIEW_QUIT };

struct lw_viewer {
	const char *name;
	void *ctx;
	void (*open)(void *ctx, const struct lw_start_rec *s);
	void (*event)(void *ctx, const struct lw_event_rec *e);
	void (*interval)(void *ctx, const struct lw_interval_rec *r);
	void (*reload)(void *ctx, const struct lw_config *c);
	void (*close)(void *ctx);		/* frees ctx too */
	int (*input_fd)(void *ctx);
	enum lw_view_input (*input)(void *ctx);
	void (*resize)(void *ctx);
};

#define LW_VIEWS_MAX 8

/* The views of one agent, called in the order they were added. */
struct lw_views {
	struct lw_viewer v[LW_VIEWS_MAX];
	size_t n;
};

/* Add a view (a view with no room is closed at once: -ENOSPC). */
int lw_views_add(struct lw_views *vs, const struct lw_viewer *v);
void lw_views_open(struct lw_views *vs, const struct lw_start_rec *s);
void lw_views_event(struct lw_views *vs, const struct lw_event_rec *e);
void lw_views_interval(struct lw_views *vs, const struct lw_interval_rec *r);
void lw_views_reload(struct lw_views *vs, const struct lw_config *c);
void lw_views_close(struct lw_views *vs);
/* Input: the one fd to poll (-1: none), and its handler. */
int lw_views_input_fd(struct lw_views *vs);
enum lw_view_input lw_views_input(struct lw_views *vs);
void lw_views_resize(struct lw_views *vs);

/* The views; each returns 0 or -errno (nothing to close then). */
/* JSON lines on out. */
int lw_view_json(struct lw_viewer *v, FILE *out);
/* The plain table on out. */
int lw_view_table(struct lw_viewer *v, FILE *out);
/* The Prometheus textfile at c->opt.prom_file, re-read on reload. */
int lw_view_prom(struct lw_viewer *v, const struct lw_config *c);
/* Alert transitions as log lines and through --alert-exec (its output to
 * exec_out_fd, -1: /dev/null). */
int lw_view_alerts(struct lw_viewer *v, const struct lw_config *c, int exec_out_fd);
/* The top view on the terminal (agent/views/top.h): -ENOTTY without one. */
int lw_view_top(struct lw_viewer *v, unsigned int interval_s);

#endif
