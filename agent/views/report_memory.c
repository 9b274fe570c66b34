// SPDX-License-Identifier: GPL-2.0
/* Memory in the views: the memory_growth line in JSON and in the table, and
 * the summary's memory fields. */
#include "model/memsweep.h"
#include "views/report.h"

const char *lw_json_mem_growth(struct lw_json *j, const struct timespec *now,
			       const struct lw_mem_growth_event *e)
{
	lw_json_begin(j, "memory_growth", now);
	lw_json_u64(j, "pid", e->pid);
	lw_json_str(j, "comm", e->comm);
	lw_json_u64(j, "rss_kb", e->rss_kb);
	lw_json_num(j, "rss_growth_kb_per_s", e->kb_per_s);
	lw_json_u64(j, "intervals", e->intervals);
	lw_json_str(j, "memcg", e->memcg);
	lw_json_str(j, "limit_of", lw_mem_limit_of(e));
	lw_json_u64(j, "usage_kb", e->usage_kb);
	lw_json_u64(j, "working_set_kb", e->working_set_kb);
	lw_json_u64(j, "limit_kb", e->limit_kb);
	lw_json_num(j, "seconds_to_limit", e->seconds_to_limit);
	return lw_json_end(j);
}

void lw_json_mem_fields(struct lw_json *j, const struct lw_interval *iv)
{
	const struct lw_memcg_entry *cg = iv->memcg;
	bool ok = cg && cg->ok;

	lw_json_u64(j, "rss_kb", iv->rss_kb);
	lw_json_num(j, "rss_growth_kb_per_s", iv->rss_growth_kb_per_s);
	lw_json_str(j, "memcg", cg ? cg->id.path : "");
	lw_json_u64(j, "memcg_usage_kb", ok ? cg->now.usage / 1024 : 0);
	lw_json_u64(j, "memcg_limit_kb", ok ? cg->now.limit / 1024 : 0);
	lw_json_u64(j, "memcg_oom_kills", cg ? cg->oom_kills : 0);
	lw_json_u64(j, "memcg_limit_hits", cg ? cg->limit_hits : 0);
}

void lw_table_mem_growth(FILE *out, const struct lw_mem_growth_event *e)
{
	fprintf(out, "MEMORY GROWTH pid %u %-15s RSS %llu KB, +%.0f KB/s for %u intervals: %s limit %llu KB (working set %llu KB) reached in %.0f s\n",
		e->pid, e->comm, (unsigned long long)e->rss_kb, e->kb_per_s, e->intervals,
		e->host ? "the host's" : "memory cgroup", (unsigned long long)e->limit_kb,
		(unsigned long long)e->working_set_kb, e->seconds_to_limit);
}
