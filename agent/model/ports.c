// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "model/ports.h"
#include "model/storm.h"

void lw_ports_free(struct lw_ports_state *st)
{
	free(st->out);
	memset(st, 0, sizeof(*st));
}

int lw_ports_apply(struct lw_ports_state *st, struct lw_model *m, const struct lw_port_snap *s,
		   size_t n, uint64_t epoch, double warn_ratio, size_t **stale, size_t *nstale)
{
	size_t cap = 0, *old = calloc(n ? n : 1, sizeof(*old)), nold = 0;
	int err = 0;

	free(st->out);
	st->out = NULL;
	st->nout = 0;
	*stale = old;
	*nstale = 0;
	if (!old)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct lw_port_use *u = &s[i].u;
		uint32_t range = u->hi >= u->lo ? (uint32_t)u->hi - u->lo + 1 : 0;
		struct lw_ports_event *e;
		char comm[LW_COMM_LEN];
		struct lw_proc *p;
		double ratio;

		if (u->epoch != epoch + 1) {
			old[nold++] = i;
			continue;
		}
		if (!range || !u->pid)
			continue;
		ratio = (double)u->used / range;
		memcpy(comm, u->comm, sizeof(comm));
		comm[LW_COMM_LEN - 1] = '\0';
		p = lw_model_proc(m, u->pid, u->start_time, comm);
		if (!p) {
			err = -ENOMEM;
			continue;
		}
		if (ratio > p->iv.ports_max_ratio)
			p->iv.ports_max_ratio = ratio;
		if (ratio < warn_ratio)
			continue;
		if (st->nout == cap) {
			size_t c = cap ? 2 * cap : 8;
			void *nn = realloc(st->out, c * sizeof(*st->out));

			if (!nn) {
				err = -ENOMEM;
				continue;
			}
			st->out = nn;
			cap = c;
		}
		e = &st->out[st->nout++];
		memset(e, 0, sizeof(*e));
		e->pid = u->pid;
		memcpy(e->comm, p->comm[0] ? p->comm : comm, sizeof(e->comm));
		e->netns = s[i].key.netns;
		if (!inet_ntop(s[i].key.family == AF_INET6 ? AF_INET6 : AF_INET, s[i].key.laddr,
			       e->local, sizeof(e->local)))
			snprintf(e->local, sizeof(e->local), "?");
		lw_cn_remote_str(s[i].key.family, s[i].key.raddr, s[i].key.port, e->remote,
				 sizeof(e->remote));
		e->remote_port = s[i].key.port;
		e->used = u->used;
		e->range = range;
		e->ratio = ratio;
	}
	*nstale = nold;
	return err;
}
