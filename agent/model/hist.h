/* SPDX-License-Identifier: GPL-2.0 */
/* Log2 lag histograms as the probes fill them (see include/loop.h). */
#ifndef LOOPWATCH_HIST_H
#define LOOPWATCH_HIST_H

#include <stdint.h>
#include "loop.h"

/* Lower and upper bound of a slot, in microseconds. */
double lw_hist_slot_lo_us(unsigned int slot);
double lw_hist_slot_hi_us(unsigned int slot);
uint64_t lw_hist_count(const uint64_t *hist, unsigned int slots);
/* The q-quantile (0 < q <= 1) in milliseconds, interpolated linearly inside
 * the slot that holds it; 0 for an empty histogram. */
double lw_hist_quantile_ms(const uint64_t *hist, unsigned int slots, double q);
/* The same, never above the exact maximum the probes kept (max_ns; 0: none
 * kept), which interpolation inside the top slot could pass. */
double lw_hist_quantile_capped_ms(const uint64_t *hist, unsigned int slots, double q,
				  uint64_t max_ns);

#endif
