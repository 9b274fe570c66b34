/* SPDX-License-Identifier: GPL-2.0 */
/* The backpressure probes' userspace side: the sweep and the map reads. */
#ifndef LOOPWATCH_PROBES_BP_H
#define LOOPWATCH_PROBES_BP_H

#include <stdint.h>
#include "model/bp.h"
#include "model/model.h"
#include "kernel/probes.h"

/* After lw_probes_start(): create the sweep iterator's link. Without it the
 * rest of backpressure still works; descriptors and idle sockets are not
 * sampled, and the agent says so. */
void lw_bp_start(struct lw_probes *p);
/* Before the epoch ends: add the model's processes to the sweep, run it,
 * and read the events it sent. */
void lw_bp_interval_begin(struct lw_probes *p, const struct lw_model *m);
/* After the epoch ended: fold the per-process and per-remote maps into the
 * model; forget processes that are gone. */
void lw_bp_interval_end(struct lw_probes *p, struct lw_model *m, struct lw_bp_state *st,
			uint64_t epoch);

#endif
