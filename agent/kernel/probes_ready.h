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

/* Each time epoll_ctl's programs are attached (at start when the detail
 * tier is forced on, else at each engage), when readiness is on: the
 * registrations made while they were not, from /proc/PID/fdinfo of every
 * epoll fd of the watched processes. After attaching, so nothing registered
 * meanwhile is missed. Returns how many were read. */
unsigned int lw_probes_ready_seed(struct lw_probes *p, const struct lw_options *o);
/* After epoll_ctl's programs are detached: forget the registrations, which
 * go stale from then on (the next seed learns them again). */
void lw_probes_ready_forget(struct lw_probes *p);
/* The loop thread of pid whose home wait is the epoll instance behind
 * ep_file (a struct file's address, bpf/loop_home.h); 0 for none. Walks
 * every loop thread: for the sweep's rare undrained finds. */
uint32_t lw_probes_home_tid(struct lw_probes *p, uint32_t pid, uint64_t ep_file);
/* Snapshot of ready_threads (malloc()ed); exited threads are deleted after
 * this last read. */
int lw_probes_ready_threads(struct lw_probes *p, struct lw_rd_snap **out, size_t *n);
/* lw_rd_sock_fn over ready_socks; ctx is the struct lw_probes. */
int lw_probes_ready_sock(void *ctx, uint64_t sk, struct lw_rd_sock *out);

#endif
