/* SPDX-License-Identifier: GPL-2.0 */
/* The stack probes seen from the agent (bpf/stacks.bpf.h). */
#ifndef LOOPWATCH_PROBES_STACKS_H
#define LOOPWATCH_PROBES_STACKS_H

#include <stdbool.h>
#include "settings/options.h"
#include "kernel/probes.h"

/* Between open and load: map sizes (the records' ring shrinks to a page
 * when stacks are off) and the sampling age. */
void lw_probes_stacks_config(struct lw_probes *p, const struct lw_options *o, bool on);
/* After load: one cpu-clock perf event per CPU, the sampler attached to
 * each. A host that refuses them (perf_event_paranoid, no cpu-clock) turns
 * only the stacks of cpu stalls off: hooks[LW_HK_SAMPLE] says why. */
void lw_probes_stacks_sample(struct lw_probes *p);
void lw_probes_stacks_stop(struct lw_probes *p);
/* Samples start once a busy window is half the stall threshold old. */
void lw_probes_stacks_set_stall_ms(struct lw_probes *p, unsigned int ms);

#endif
