// SPDX-License-Identifier: GPL-2.0
/* Connections made in the views: the retry_storm line, the ports warning
 * (a backpressure line of queue "ports") and the summary's fields. */
#include "views/report.h"

const char *lw_json_storm(struct lw_json *j, const struct timespec *now, const struct lw_storm *s)
{
	lw_json_begin(j, "retry_storm", now);
	lw_json_u64(j, "pid", s->pid);
	lw_json_str(j, "comm", s->comm);
	lw_json_str(j, "remote", s->remote);
	lw_json_u64(j, "attempts", s->attempts);
	lw_json_u64(j, "failures", s->failures);
	lw_json_u64(j, "syn_retransmits", s->syn_retrans);
	lw_json_u64(j, "peak_20ms", s->peak_20ms);
	lw_json_u64(j, "clients", s->clients);
	lw_json_u64(j, "processes", s->processes);
	lw_json_u64(j, "sockets", s->sockets);
	lw_json_num(j, "synchrony", s->synchrony);
	lw_json_str(j, "backoff", lw_backoff_name(s->backoff));
	return lw_json_end(j);
}

const char *lw_json_ports(struct lw_json *j, const struct timespec *now,
			  const struct lw_ports_event *e)
{
	lw_json_begin(j, "backpressure", now);
	lw_json_u64(j, "pid", e->pid);
	lw_json_str(j, "comm", e->comm);
	lw_json_str(j, "queue", "ports");
	lw_json_num(j, "ratio", e->ratio);
	lw_json_u64(j, "queued", e->used);
	lw_json_u64(j, "limit", e->range);
	lw_json_str(j, "local", e->local);
	lw_json_str(j, "remote", e->remote);
	lw_json_u64(j, "remote_port", e->remote_port);
	lw_json_u64(j, "netns", e->netns);
	return lw_json_end(j);
}

void lw_json_connect_fields(struct lw_json *j, const struct lw_interval *iv)
{
	lw_json_u64(j, "connect_attempts", iv->connect_attempts);
	lw_json_u64(j, "connect_failures", iv->connect_failures);
	lw_json_u64(j, "connect_addrnotavail", iv->connect_addrnotavail);
	lw_json_u64(j, "syn_retransmits", iv->syn_retrans);
	lw_json_u64(j, "retry_storms", iv->retry_storms);
	lw_json_num(j, "ports_max_ratio", iv->ports_max_ratio);
}

void lw_table_storm(FILE *out, const struct lw_storm *s)
{
	fprintf(out, "RETRY STORM  pid %u %-15s -> %s  %llu attempts, %llu failed  peak %u in 20 ms of %u clients (%.0f%%)  backoff %s\n",
		s->pid, s->comm, s->remote, (unsigned long long)s->attempts,
		(unsigned long long)s->failures, s->peak_20ms, s->clients, 100 * s->synchrony,
		lw_backoff_name(s->backoff));
}

void lw_table_ports(FILE *out, const struct lw_ports_event *e)
{
	fprintf(out, "BACKPRESSURE pid %u %-15s ports  %5.1f%% (%u of %u ephemeral ports)  %s -> %s\n",
		e->pid, e->comm, 100 * e->ratio, e->used, e->range, e->local, e->remote);
}
