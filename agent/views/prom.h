/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus textfile for node_exporter's textfile collector: rendering the
 * model to the text exposition format (pure, unit-tested) and replacing the
 * file atomically.
 */
#ifndef LOOPWATCH_PROM_H
#define LOOPWATCH_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "model/alerts.h"
#include "kernel/detections.h"
#include "model/model.h"
#include "util/strbuf.h"

struct lw_prom_series {
	uint32_t pid;
	uint64_t start_time;
};

struct lw_prom {
	struct lw_strbuf sb;
	/* processes given series by the last render, sorted by pid: they keep
	 * their place under the cap, so their counters do not come and go */
	struct lw_prom_series *exported;
	size_t nexported;
	size_t left_out;	/* processes the cap left out of the last render */
	/* what the kernel allowed, set once at start; not rendered while unset */
	struct lw_detections det;
	bool det_set;
	/* the agent's own cost, set before each render; not rendered while unset */
	double agent_cpu_s;
	uint64_t agent_rss_bytes;
	bool agent_set;
	/* the detail tier, set before each render; not rendered while unset */
	bool detail_engaged;
	double detail_s;
	bool detail_set;
};

/* Render the model at the end of an interval (before lw_model_end_interval:
 * counters are the running totals plus this interval). At most max_series
 * processes get series: those with a firing alert first, then those already
 * exported, then by lag. Returns the text (length in *len) or NULL when out
 * of memory. alerts may be NULL. */
const char *lw_prom_render(struct lw_prom *p, const struct lw_model *m,
			   const struct lw_alerts *alerts, unsigned int max_series, size_t *len);
void lw_prom_free(struct lw_prom *p);

/* Replace path with text: a new file in the same directory (never through a
 * symlink), mode 0644, flushed to disk, renamed over path; a symlink at path
 * is replaced, not followed. Returns 0 or -errno (nothing left behind). */
int lw_prom_write(const char *path, const char *text, size_t len);

#endif
