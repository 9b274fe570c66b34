/* SPDX-License-Identifier: GPL-2.0 */
/* A system call tracepoint's perf event, opened once while the agent still
 * has the privileges that takes, for a program attached and detached later:
 * Debian's kernels (perf_event_paranoid 3) open a perf event only with
 * CAP_SYS_ADMIN, which the agent drops after start. */
#ifndef LOOPWATCH_PROBES_TPEVENT_H
#define LOOPWATCH_PROBES_TPEVENT_H

struct bpf_program;
struct bpf_link;

/* The disabled perf event of prog's tracepoint (section "tracepoint/CAT/NAME")
 * under tracefs; a negative errno for none. The caller closes it. */
int lw_tp_event_open(const struct bpf_program *prog, const char *tracefs);
/* prog attached to the event: a link of its own on a copy of the fd, so that
 * destroying it detaches and disables the event but leaves it open. */
struct bpf_link *lw_tp_event_attach(struct bpf_program *prog, int pfd);

#endif
