/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Backpressure reconstruction: folds the probes' per-process map
 * (lw_bp_procs) and per-remote retransmit counts into the model, and renders
 * backpressure events. No BPF in here, so it is unit-tested on synthetic
 * snapshots.
 */
#ifndef LOOPWATCH_BP_H
#define LOOPWATCH_BP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "backpressure.h"
#include "model/model.h"

/*
 * A process with no loop thread gets a summary only for an interval in which
 * its sockets did something an operator should see: any drop, overflow,
 * retransmit, EAGAIN or short write, a blocking send waiting for room,
 * memory pressure, a queue at least this
 * full, or descriptors at least LW_BP_FD_NOTABLE of its limit. (Every
 * process that merely reads a socket would otherwise get a line a second.)
 */
#define LW_BP_ACTIVE_RATIO 0.5
#define LW_BP_FD_NOTABLE 0.9

/* One entry of lw_bp_procs. */
struct lw_bp_snap {
	uint32_t pid;
	struct lw_bp_proc p;
};

/* One entry of lw_bp_remotes: retransmits since the last read. */
struct lw_bp_remote_snap {
	struct lw_bp_remote_key key;
	uint64_t count;
};

struct lw_bp_state {
	struct lw_bp_snap *prev;	/* last interval's snapshot, sorted by pid */
	size_t nprev;
	/* pids found gone at the last interval: their entries are deleted only
	 * after this interval's read, which has what their sockets counted
	 * between that read and their exit */
	uint32_t *dying;
	size_t ndying;
};

void lw_bp_state_free(struct lw_bp_state *st);

/*
 * Fold a snapshot of lw_bp_procs into the model's interval. epoch is the
 * epoch that just ended (the sweep of this interval ran in it). The state
 * takes the malloc()ed array and keeps it until the next call. Pids whose
 * process is gone are returned in *dead (malloc()ed, caller frees) for the
 * caller to delete from the map. Returns 0 or -ENOMEM.
 */
int lw_bp_apply(struct lw_bp_state *st, struct lw_model *m, struct lw_bp_snap *snaps, size_t n,
		uint64_t epoch, uint32_t **dead, size_t *ndead);

/* Charge retransmits per remote address to processes of the model that are
 * active this interval, keeping the LW_RETRANS_REMOTES largest. */
void lw_bp_apply_remotes(struct lw_model *m, const struct lw_bp_remote_snap *r, size_t n);

/* A backpressure event marks its process active for the interval. */
void lw_bp_add_event(struct lw_model *m, const struct lw_bp_event *e);

const char *lw_bp_queue_name(uint32_t queue);
/* "10.0.0.2" or "fd00::2"; "?" for an unknown family. */
void lw_bp_addr_str(const struct lw_bp_remote_key *k, char *out, size_t len);


#endif
