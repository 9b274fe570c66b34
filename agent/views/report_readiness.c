// SPDX-License-Identifier: GPL-2.0
/* Herd, hot-loop, undrained and starved lines, in JSON and in the table. */
#include "model/readiness.h"
#include "views/report.h"

static void who(struct lw_json *j, const struct lw_event_hdr *h)
{
	lw_json_u64(j, "pid", h->pid);
	if (h->tid)
		lw_json_u64(j, "tid", h->tid);
	lw_json_str(j, "comm", h->comm);
}

const char *lw_json_herd(struct lw_json *j, const struct timespec *now,
			 const struct lw_herd_event *e)
{
	lw_json_begin(j, "herd", now);
	who(j, &e->hdr);
	lw_json_u64(j, "woken", e->woken);
	lw_json_u64(j, "futile", e->futile);
	lw_json_i64(j, "fd", e->fd);
	lw_json_u64(j, "port", e->port);
	return lw_json_end(j);
}

const char *lw_json_hot(struct lw_json *j, const struct timespec *now,
			const struct lw_hot_event *e)
{
	lw_json_begin(j, "lt_hot_loop", now);
	who(j, &e->hdr);
	lw_json_i64(j, "fd", e->fd);
	lw_json_u64(j, "wakeups", e->wakeups);
	lw_json_u64(j, "local_port", e->lport);
	lw_json_u64(j, "remote_port", e->rport);
	return lw_json_end(j);
}

const char *lw_json_undrained(struct lw_json *j, const struct timespec *now,
			      const struct lw_undrained_event *e)
{
	lw_json_begin(j, "undrained_et", now);
	who(j, &e->hdr);
	lw_json_i64(j, "fd", e->fd);
	lw_json_u64(j, "bytes_left", e->bytes_left);
	lw_json_u64(j, "local_port", e->lport);
	lw_json_u64(j, "remote_port", e->rport);
	return lw_json_end(j);
}

const char *lw_json_starved(struct lw_json *j, const struct timespec *now,
			    const struct lw_starved *s)
{
	lw_json_begin(j, "et_starved", now);
	lw_json_u64(j, "pid", s->pid);
	lw_json_u64(j, "tid", s->tid);
	lw_json_str(j, "comm", s->comm);
	lw_json_i64(j, "fd", s->fd);
	lw_json_u64(j, "bytes_left", s->bytes_left);
	lw_json_u64(j, "local_port", s->lport);
	lw_json_u64(j, "remote_port", s->rport);
	lw_json_num(j, "starved_ms", s->starved_ms);
	return lw_json_end(j);
}

void lw_table_herd(FILE *out, const struct lw_herd_event *e)
{
	fprintf(out, "HERD pid %u %-15s fd %d port %u: %u loop threads woken, %u found nothing\n",
		e->hdr.pid, e->hdr.comm, e->fd, e->port, e->woken, e->futile);
}

void lw_table_hot(FILE *out, const struct lw_hot_event *e)
{
	fprintf(out, "HOT LOOP pid %u tid %u %-15s fd %d (%u -> %u): returned readable %u times in a row, nothing read\n",
		e->hdr.pid, e->hdr.tid, e->hdr.comm, e->fd, e->lport, e->rport, e->wakeups);
}

void lw_table_undrained(FILE *out, const struct lw_undrained_event *e)
{
	fprintf(out, "UNDRAINED pid %u tid %u %-15s fd %d (%u -> %u): back to wait with %u bytes unread (edge-triggered)\n",
		e->hdr.pid, e->hdr.tid, e->hdr.comm, e->fd, e->lport, e->rport, e->bytes_left);
}

void lw_table_starved(FILE *out, const struct lw_starved *s)
{
	fprintf(out, "STARVED pid %u tid %u %-15s fd %d (%u -> %u): %u bytes unread for %.0f ms, no edge will come\n",
		s->pid, s->tid, s->comm, s->fd, s->lport, s->rport, s->bytes_left, s->starved_ms);
}
