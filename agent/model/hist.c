// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include "model/hist.h"

double lw_hist_slot_lo_us(unsigned int slot)
{
	return slot == 0 ? 0.0 : ldexp(1.0, (int)slot);
}

double lw_hist_slot_hi_us(unsigned int slot)
{
	return ldexp(1.0, (int)slot + 1);
}

uint64_t lw_hist_count(const uint64_t *hist, unsigned int slots)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < slots; i++)
		n += hist[i];
	return n;
}

double lw_hist_quantile_ms(const uint64_t *hist, unsigned int slots, double q)
{
	uint64_t total = lw_hist_count(hist, slots), seen = 0;
	double rank;

	if (!total)
		return 0.0;
	if (q > 1.0)
		q = 1.0;
	rank = q * (double)total;
	for (unsigned int i = 0; i < slots; i++) {
		if (!hist[i])
			continue;
		if ((double)(seen + hist[i]) >= rank) {
			double lo = lw_hist_slot_lo_us(i), hi = lw_hist_slot_hi_us(i);
			double frac = (rank - (double)seen) / (double)hist[i];

			return (lo + frac * (hi - lo)) / 1000.0;
		}
		seen += hist[i];
	}
	return lw_hist_slot_hi_us(slots - 1) / 1000.0;
}

double lw_hist_quantile_capped_ms(const uint64_t *hist, unsigned int slots, double q,
				  uint64_t max_ns)
{
	double v = lw_hist_quantile_ms(hist, slots, q);
	double max = (double)max_ns / 1e6;

	return max_ns && v > max ? max : v;
}
