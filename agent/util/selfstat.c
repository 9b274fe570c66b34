// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include "util/selfstat.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t lw_now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

void lw_selfstat_init(struct lw_selfstat *s)
{
	s->last_cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	s->last_wall_ns = lw_now_ns();
}

double lw_selfstat_cpu_pct(struct lw_selfstat *s)
{
	uint64_t cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID), wall = lw_now_ns();

	/* a short last interval (at exit) says nothing useful about the rate */
	if (wall - s->last_wall_ns < 200000000ull)
		return s->last_pct;
	s->last_pct = 100.0 * (double)(cpu - s->last_cpu_ns) / (double)(wall - s->last_wall_ns);
	s->last_cpu_ns = cpu;
	s->last_wall_ns = wall;
	return s->last_pct;
}

uint64_t lw_selfstat_rss_kb(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (uint64_t)resident * (uint64_t)(sysconf(_SC_PAGESIZE) / 1024);
}
