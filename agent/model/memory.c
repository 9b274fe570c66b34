// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "model/memory.h"

#define RING (LW_MEM_WINDOW_MAX + 1)

static const struct lw_mem_sample *nth_newest(const struct lw_mem_growth *g, unsigned int k)
{
	return &g->s[(g->next + RING - 1 - k) % RING];
}

double lw_mem_growth_slope(const struct lw_mem_growth *g, unsigned int samples)
{
	double mx = 0, my = 0, sxy = 0, sxx = 0;
	const struct lw_mem_sample *first;
	unsigned int n = samples < g->n ? samples : g->n;

	if (n < 2)
		return 0;
	first = nth_newest(g, n - 1);
	/* seconds from the oldest sample: small numbers, no cancellation */
	for (unsigned int k = 0; k < n; k++) {
		const struct lw_mem_sample *s = nth_newest(g, k);

		mx += (double)(s->t_ns - first->t_ns) / 1e9;
		my += (double)s->rss_kb;
	}
	mx /= n;
	my /= n;
	for (unsigned int k = 0; k < n; k++) {
		const struct lw_mem_sample *s = nth_newest(g, k);
		double dx = (double)(s->t_ns - first->t_ns) / 1e9 - mx;

		sxy += dx * ((double)s->rss_kb - my);
		sxx += dx * dx;
	}
	return sxx > 0 ? sxy / sxx : 0;
}

void lw_mem_growth_step(struct lw_mem_growth *g, uint64_t t_ns, uint64_t rss_kb,
			const struct lw_mem_room *room, const struct lw_mem_cfg *cfg,
			struct lw_mem_verdict *v)
{
	unsigned int want = cfg->intervals ? cfg->intervals : 1;

	if (want > LW_MEM_WINDOW_MAX)
		want = LW_MEM_WINDOW_MAX;
	if (g->n && rss_kb > nth_newest(g, 0)->rss_kb) {
		g->rising++;
	} else {
		/* flat or shrinking: the episode, if any, is over */
		g->rising = 0;
		g->reported = false;
	}
	g->s[g->next] = (struct lw_mem_sample){ .t_ns = t_ns, .rss_kb = rss_kb };
	g->next = (g->next + 1) % RING;
	if (g->n < RING)
		g->n++;

	memset(v, 0, sizeof(*v));
	v->rising = g->rising;
	v->kb_per_s = lw_mem_growth_slope(g, want + 1);
	v->seconds_to_limit = -1;
	if (v->kb_per_s > 0 && room->limit_kb) {
		uint64_t left = room->limit_kb > room->used_kb ? room->limit_kb - room->used_kb : 0;

		v->seconds_to_limit = (double)left / v->kb_per_s;
	}
	v->growing = g->rising >= want && v->seconds_to_limit >= 0 &&
		     v->seconds_to_limit <= (double)cfg->horizon_s;
	if (v->growing && !g->reported) {
		g->reported = true;
		v->report = true;
	}
}
