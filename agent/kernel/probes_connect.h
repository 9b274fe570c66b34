/* SPDX-License-Identifier: GPL-2.0 */
/* Connections made: the userspace side of bpf/connect.bpf.h's maps. */
#ifndef LOOPWATCH_PROBES_CONNECT_H
#define LOOPWATCH_PROBES_CONNECT_H

#include <stddef.h>
#include "model/ports.h"
#include "model/storm.h"
#include "kernel/probes.h"

/* The attempts' and outcomes' totals per process and remote (malloc()ed);
 * entries of processes that are gone are deleted once read. */
int lw_cn_read_remotes(struct lw_probes *p, const struct lw_model *m, struct lw_cn_snap **out,
		       size_t *n);
/* The sweep's ports in use per tuple (malloc()ed). */
int lw_cn_read_ports(struct lw_probes *p, struct lw_port_snap **out, size_t *n);
/* Delete tuples no sweep counted this interval. */
void lw_cn_forget_ports(struct lw_probes *p, const struct lw_port_snap *s, const size_t *idx,
			size_t n);

#endif
