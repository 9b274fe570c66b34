/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ephemeral ports: what the sweep counted per (network namespace, local
 * address, remote address:port), against the namespace's
 * ip_local_port_range, into the model (iv.ports_max_ratio of the process
 * holding the most) and, at the warning ratio, a backpressure line with
 * queue "ports". Plain C, unit-tested.
 */
#ifndef LOOPWATCH_PORTS_H
#define LOOPWATCH_PORTS_H

#include <stddef.h>
#include <stdint.h>
#include "connect.h"
#include "model/model.h"

/* One entry of lw_cn_ports. */
struct lw_port_snap {
	struct lw_port_key key;
	struct lw_port_use u;
};
_Static_assert(sizeof(struct lw_port_snap) == sizeof(struct lw_port_key) + sizeof(struct lw_port_use),
	       "lw_port_snap: value right after key");

/* A backpressure line of queue "ports". */
struct lw_ports_event {
	uint32_t pid;
	char comm[LW_COMM_LEN];
	uint32_t netns;
	char local[48];			/* the local address */
	char remote[64];		/* "addr:port" */
	uint16_t remote_port;
	uint32_t used, range;
	double ratio;
};

struct lw_ports_state {
	struct lw_ports_event *out;	/* this interval's warnings */
	size_t nout;
};

void lw_ports_free(struct lw_ports_state *st);
/*
 * Fold the sweep's counts of the epoch that ended; entries another sweep
 * wrote are stale (their indices go to *stale, malloc()ed, for the caller
 * to delete). Tuples at warn_ratio or more become st->out.
 */
int lw_ports_apply(struct lw_ports_state *st, struct lw_model *m, const struct lw_port_snap *s,
		   size_t n, uint64_t epoch, double warn_ratio, size_t **stale, size_t *nstale);

#endif
