// SPDX-License-Identifier: GPL-2.0
/*
 * Program runs the kernel skipped. A tracing program that fires while it is
 * already running on that CPU is not run again: the kernel counts a
 * recursion miss instead (since 5.12): an interrupt inside it, or on a
 * preemptible kernel a task that preempted the one inside it, hitting the
 * same hook. Each skipped run is an event the detections never saw, so it
 * is reported like a lost record.
 */
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/probes.h"
#include "loopwatch.skel.h"

static uint64_t misses_of(const struct bpf_program *prog)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd = bpf_program__fd(prog);

	memset(&info, 0, sizeof(info));
	/* a kernel older than the field leaves it zero */
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

uint64_t lw_probes_missed(struct lw_probes *p, const char **most)
{
	struct bpf_program *prog;
	uint64_t total = 0, top = 0;
	size_t i = 0;

	*most = NULL;
	if (!p->missed_seen) {
		p->nmissed = p->skel->skeleton->prog_cnt;
		p->missed_seen = calloc(p->nmissed, sizeof(*p->missed_seen));
		if (!p->missed_seen)
			return 0;
	}
	bpf_object__for_each_program(prog, p->skel->obj) {
		uint64_t n, d;

		if (i == p->nmissed)
			break;
		n = misses_of(prog);
		d = n - p->missed_seen[i];
		p->missed_seen[i++] = n;
		total += d;
		if (d > top) {
			top = d;
			*most = bpf_program__name(prog);
		}
	}
	return total;
}
