// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include "kernel/probes_tpevent.h"

int lw_tp_event_open(const struct bpf_program *prog, const char *tracefs)
{
	const char *sec = bpf_program__section_name(prog), *tp;
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.sample_period = 1,
		.wakeup_events = 1,
		/* enabled by the attach, so that no event is written unread */
		.disabled = 1,
	};
	char path[256];
	unsigned long long id;
	FILE *f;
	int fd;

	if (strncmp(sec, "tracepoint/", 11))
		return -EINVAL;
	tp = sec + 11;
	snprintf(path, sizeof(path), "%s/events/%s/id", tracefs, tp);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%llu", &id) != 1) {
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	attr.config = id;
	/* one event for every CPU: a BPF program runs from the tracepoint's
	 * own program list, whatever the event's CPU */
	fd = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

struct bpf_link *lw_tp_event_attach(struct bpf_program *prog, int pfd)
{
	int fd = fcntl(pfd, F_DUPFD_CLOEXEC, 0);
	struct bpf_link *link;

	if (fd < 0)
		return NULL;
	link = bpf_program__attach_perf_event(prog, fd);
	if (!link) {
		int err = errno;

		close(fd);
		errno = err;
	}
	return link;
}
