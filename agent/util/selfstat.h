/* SPDX-License-Identifier: GPL-2.0 */
/* The agent's own cost: CPU share since the last call, resident memory. */
#ifndef LOOPWATCH_SELFSTAT_H
#define LOOPWATCH_SELFSTAT_H

#include <stdint.h>

struct lw_selfstat {
	uint64_t last_cpu_ns;
	uint64_t last_wall_ns;
	double last_pct;
};

void lw_selfstat_init(struct lw_selfstat *s);
/* CPU used since the previous call, as a percentage of one core. */
double lw_selfstat_cpu_pct(struct lw_selfstat *s);
uint64_t lw_selfstat_rss_kb(void);
uint64_t lw_now_ns(void);

#endif
