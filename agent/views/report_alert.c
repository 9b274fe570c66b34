// SPDX-License-Identifier: GPL-2.0
/* An alert transition as a JSON line and as a log line. */
#include <stdio.h>
#include "model/alerts.h"
#include "util/escape.h"
#include "views/report.h"

static const char *const units[LW_RULE_MAX] = {
	[LW_RULE_LOOP_LAG] = "ms",
	[LW_RULE_ET_STARVED] = "connections",
	[LW_RULE_BACKPRESSURE] = "ratio",
	[LW_RULE_HERD] = "ratio",
	[LW_RULE_RETRANSMITS] = "per_s",
	[LW_RULE_MEMORY_GROWTH] = "s",
	[LW_RULE_RETRY_STORM] = "ratio",
	[LW_RULE_EPHEMERAL_PORTS] = "ratio",
};

const char *lw_json_alert(struct lw_json *j, const struct timespec *now, const struct lw_alert *al)
{
	lw_json_begin(j, "alert", now);
	lw_json_u64(j, "pid", al->pid);
	lw_json_str(j, "comm", al->comm);
	lw_json_str(j, "rule", lw_rule_name(al->rule));
	lw_json_str(j, "state", al->firing ? "firing" : "resolved");
	lw_json_num(j, "value", al->value);
	lw_json_num(j, "threshold", al->threshold);
	if ((unsigned int)al->rule < LW_RULE_MAX)
		lw_json_str(j, "unit", units[al->rule]);
	if (al->rule == LW_RULE_BACKPRESSURE && al->queue) {
		lw_json_str(j, "queue", al->queue);
		lw_json_u64(j, "drops", al->drops);
	}
	if (al->exited)
		lw_json_str(j, "reason", "exited");
	return lw_json_end(j);
}

void lw_alert_describe(const struct lw_alert *al, unsigned int sustain, char *out, size_t len)
{
	const char *cmp = al->firing ? ">=" : "<";
	char comm[4 * LW_COMM_LEN + 1], what[160];

	lw_escape_json(al->comm, comm, sizeof(comm));
	switch (al->rule) {
	case LW_RULE_LOOP_LAG:
		snprintf(what, sizeof(what), "max loop lag %.1f ms %s %.0f ms", al->value, cmp,
			 al->threshold);
		break;
	case LW_RULE_ET_STARVED:
		snprintf(what, sizeof(what), "%.0f starved edge-triggered connection(s)", al->value);
		break;
	case LW_RULE_BACKPRESSURE:
		snprintf(what, sizeof(what), "%s queue %.0f%% full (threshold %.0f%%), %llu drop(s)",
			 al->queue ? al->queue : "socket", al->value * 100, al->threshold * 100,
			 (unsigned long long)al->drops);
		break;
	case LW_RULE_HERD:
		snprintf(what, sizeof(what), "%.0f%% of wake-ups futile %s %.0f%%", al->value * 100,
			 cmp, al->threshold * 100);
		break;
	case LW_RULE_RETRANSMITS:
		snprintf(what, sizeof(what), "%.1f TCP retransmits/s %s %.1f/s", al->value, cmp,
			 al->threshold);
		break;
	case LW_RULE_MEMORY_GROWTH:
		if (al->firing)
			snprintf(what, sizeof(what),
				 "resident memory growing toward its limit, reached in %.0f s (horizon %.0f s)",
				 al->value, al->threshold);
		else
			snprintf(what, sizeof(what), "resident memory no longer growing toward its limit");
		break;
	case LW_RULE_RETRY_STORM:
		if (al->firing)
			snprintf(what, sizeof(what),
				 "connection retries in step: %.0f%% of its clients within 20 ms (threshold %.0f%%)",
				 al->value * 100, al->threshold * 100);
		else
			snprintf(what, sizeof(what), "no retry storm");
		break;
	case LW_RULE_EPHEMERAL_PORTS:
		snprintf(what, sizeof(what), "%.0f%% of ip_local_port_range in use to one remote (threshold %.0f%%)",
			 al->value * 100, al->threshold * 100);
		break;
	default:
		snprintf(what, sizeof(what), "value %.3f", al->value);
		break;
	}
	if (al->exited)
		snprintf(out, len, "alert %s resolved: pid %u (%s) is gone", lw_rule_name(al->rule),
			 al->pid, comm);
	else if ((al->rule == LW_RULE_MEMORY_GROWTH || al->rule == LW_RULE_RETRY_STORM ||
		  al->rule == LW_RULE_EPHEMERAL_PORTS) && al->firing)
		/* its run of rising intervals is the memory sweep's, not sustain */
		snprintf(out, len, "alert %s firing: pid %u (%s) %s", lw_rule_name(al->rule),
			 al->pid, comm, what);
	else
		snprintf(out, len, "alert %s %s: pid %u (%s) %s, %u interval(s) in a row",
			 lw_rule_name(al->rule), al->firing ? "firing" : "resolved", al->pid, comm,
			 what, al->firing && (al->rule == LW_RULE_ET_STARVED || al->drops) ? 1 : sustain);
}
