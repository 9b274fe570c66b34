// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "stack.h"
#include "util/log.h"
#include "kernel/probes_stacks.h"
#include "loopwatch.skel.h"

void lw_probes_stacks_config(struct lw_probes *p, const struct lw_options *o, bool on)
{
	bpf_map__set_max_entries(p->skel->maps.lw_stk_threads, o->max_threads);
	if (!on)
		bpf_map__set_max_entries(p->skel->maps.lw_stk_events, 4096);
	p->skel->data->lw_stk_sample_ns = (uint64_t)o->stall_ms * 500000ull;
}

void lw_probes_stacks_set_stall_ms(struct lw_probes *p, unsigned int ms)
{
	p->skel->data->lw_stk_sample_ns = (uint64_t)ms * 500000ull;
}

static int open_clock(int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.size = sizeof(attr),
		.sample_freq = LW_STK_SAMPLE_HZ,
		.freq = 1,
	};

	return (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static void sample_off(struct lw_probes *p, const char *fmt, int cpu, int err)
{
	struct lw_hook_state *hs = &p->hooks[LW_HK_SAMPLE];

	snprintf(hs->why, sizeof(hs->why), fmt, cpu, strerror(err));
	hs->on = false;
	lw_warn("%s is off: %s; cpu stalls come without stacks", lw_hook_name(LW_HK_SAMPLE),
		hs->why);
	lw_probes_stacks_stop(p);
}

void lw_probes_stacks_sample(struct lw_probes *p)
{
	int ncpu = libbpf_num_possible_cpus();

	if (ncpu <= 0) {
		sample_off(p, "cannot count CPUs (%d): %s", 0, -ncpu);
		return;
	}
	p->sample_fds = calloc((size_t)ncpu, sizeof(*p->sample_fds));
	p->sample_links = calloc((size_t)ncpu, sizeof(*p->sample_links));
	if (!p->sample_fds || !p->sample_links) {
		sample_off(p, "out of memory (%d CPUs): %s", ncpu, ENOMEM);
		return;
	}
	for (int cpu = 0; cpu < ncpu; cpu++) {
		int fd = open_clock(cpu);

		if (fd < 0) {
			/* a possible CPU that is not online has nothing to sample */
			if (errno == ENODEV)
				continue;
			sample_off(p, "perf_event_open(cpu-clock, CPU %d): %s", cpu, errno);
			return;
		}
		p->sample_fds[p->nsample] = fd;
		p->sample_links[p->nsample] = bpf_program__attach_perf_event(p->skel->progs.stk_sample,
									      fd);
		p->nsample++;
		if (!p->sample_links[p->nsample - 1]) {
			sample_off(p, "attaching the sampler to CPU %d: %s", cpu, errno);
			return;
		}
	}
}

void lw_probes_stacks_stop(struct lw_probes *p)
{
	for (int i = 0; i < p->nsample; i++) {
		bpf_link__destroy(p->sample_links[i]);
		close(p->sample_fds[i]);
	}
	free(p->sample_fds);
	free(p->sample_links);
	p->sample_fds = NULL;
	p->sample_links = NULL;
	p->nsample = 0;
}
