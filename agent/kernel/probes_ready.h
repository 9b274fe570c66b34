/* SPDX-License-Identifier: GPL-2.0 */
/* The readiness probes' maps, seen from the agent (bpf/ready.bpf.h). Above
 * the loader, as agent/kernel/probes_bp.c is: the loader sizes the maps and
 * never calls in here. */
#ifndef LOOPWATCH_PROBES_READY_H
#define LOOPWATCH_PROBES_READY_H

#include <stddef.h>
#include <stdint.h>
#include "settings/options.h"
#include "kernel/probes.h"
#include "model/readiness.h"

/* After lw_probes_start(), when readiness is on: registrations made before
 * the agent started, from /proc/PID/fdinfo of every epoll fd of the watched
 * processes. After attaching, so nothing registered meanwhile is missed. */
void lw_probes_ready_seed(struct lw_probes *p, const struct lw_options *o);
/* Snapshot of ready_threads (malloc()ed); exited threads are deleted after
 * this last read. */
int lw_probes_ready_threads(struct lw_probes *p, struct lw_rd_snap **out, size_t *n);
/* lw_rd_sock_fn over ready_socks; ctx is the struct lw_probes. */
int lw_probes_ready_sock(void *ctx, uint64_t sk, struct lw_rd_sock *out);

#endif
