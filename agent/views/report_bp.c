// SPDX-License-Identifier: GPL-2.0
/* Backpressure in the views: the JSON event line and the plain table. */
#include "model/bp.h"
#include "views/report.h"

const char *lw_json_backpressure(struct lw_json *j, const struct timespec *now,
				 const struct lw_bp_event *e)
{
	lw_json_begin(j, "backpressure", now);
	lw_json_u64(j, "pid", e->hdr.pid);
	if (e->hdr.tid)
		lw_json_u64(j, "tid", e->hdr.tid);
	lw_json_str(j, "comm", e->hdr.comm);
	lw_json_str(j, "queue", lw_bp_queue_name(e->queue));
	lw_json_num(j, "ratio", (double)e->ratio / LW_BP_ONE);
	lw_json_u64(j, "drops", e->drops);
	lw_json_i64(j, "fd", e->fd);
	lw_json_u64(j, "local_port", e->local_port);
	lw_json_u64(j, "remote_port", e->remote_port);
	lw_json_u64(j, "queued", e->queued);
	lw_json_u64(j, "limit", e->limit);
	return lw_json_end(j);
}

void lw_table_backpressure(FILE *out, const struct lw_bp_event *e)
{
	fprintf(out, "BACKPRESSURE pid %u tid %u %-15s %-6s %6.1f%% (%u of %u%s)  fd %d  port %u -> %u  drops %u\n",
		e->hdr.pid, e->hdr.tid, e->hdr.comm, lw_bp_queue_name(e->queue),
		100.0 * e->ratio / LW_BP_ONE, e->queued, e->limit,
		e->queue == LW_BPQ_ACCEPT ? " connections" : " bytes", e->fd, e->local_port,
		e->remote_port, e->drops);
}

static bool has_bp(const struct lw_interval *iv)
{
	return iv->rcvq_max_ratio > 0 || iv->sndq_max_ratio > 0 || iv->acceptq_max_ratio > 0 ||
	       iv->retransmits || iv->drops || iv->snd_eagain || iv->snd_partial ||
	       iv->accept_overflows || iv->saturated || iv->mem_pressure || iv->fd_limit;
}

void lw_table_bp_interval(FILE *out, const struct lw_model *m)
{
	bool header = false;

	for (size_t i = 0; i < m->nprocs; i++) {
		const struct lw_proc *p = m->procs[i];
		const struct lw_interval *iv = &p->iv;

		if (!iv->active || !has_bp(iv))
			continue;
		if (!header) {
			fprintf(out, "%8s %-15s %6s %6s %6s %7s %6s %6s %6s %6s %9s\n", "PID", "COMM",
				"RCVQ%", "SNDQ%", "ACCQ%", "RETRANS", "DROPS", "EAGAIN", "OVERFL",
				"SATUR", "FDS");
			header = true;
		}
		fprintf(out, "%8u %-15s %6.1f %6.1f %6.1f %7llu %6llu %6llu %6llu %6llu %4llu/%-4llu\n",
			p->pid, p->comm, 100 * iv->rcvq_max_ratio, 100 * iv->sndq_max_ratio,
			100 * iv->acceptq_max_ratio, (unsigned long long)iv->retransmits,
			(unsigned long long)iv->drops, (unsigned long long)iv->snd_eagain,
			(unsigned long long)iv->accept_overflows,
			(unsigned long long)iv->saturated, (unsigned long long)iv->fds,
			(unsigned long long)iv->fd_limit);
	}
}
