// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "model/stall.h"
#include "util/syscalls.h"

static const char *const cause_names[LW_CAUSE_MAX] = {
	[LW_CAUSE_CPU] = "cpu",
	[LW_CAUSE_RUNQUEUE] = "runqueue",
	[LW_CAUSE_BLOCKED] = "blocked",
};

const char *lw_cause_name(enum lw_cause cause)
{
	return cause < LW_CAUSE_MAX ? cause_names[cause] : "unknown";
}

const char *lw_stall_kind_name(enum lw_stall_kind kind)
{
	return kind == LW_KIND_PARKED ? "parked" : "loop";
}

enum lw_stall_kind lw_stall_kind_of(const struct lw_stall *s, bool shared_wait)
{
	if (!shared_wait || s->cause != LW_CAUSE_BLOCKED)
		return LW_KIND_LOOP;
	return !strcmp(s->syscall, "futex") || !strcmp(s->syscall, "futex_waitv") ? LW_KIND_PARKED
										  : LW_KIND_LOOP;
}

void lw_stall_from_event(const struct lw_stall_event *e, struct lw_stall *out)
{
	uint64_t parts[LW_CAUSE_MAX] = { e->cpu_ns, e->runq_ns, e->blocked_ns };
	uint64_t sum = e->cpu_ns + e->runq_ns + e->blocked_ns;
	const struct lw_sys_slot *top = NULL;
	char buf[32];

	memset(out, 0, sizeof(*out));
	/* The probes derive cpu as the remainder; clocks read on different CPUs
	 * can still make the parts overshoot by a hair, so scale them to add up. */
	double scale = sum > e->duration_ns && sum ? (double)e->duration_ns / (double)sum : 1.0;

	out->duration_ms = (double)e->duration_ns / 1e6;
	out->wait_kind = e->wait_kind;
	out->cause = LW_CAUSE_CPU;
	for (int i = 0; i < LW_CAUSE_MAX; i++) {
		out->part_ms[i] = (double)parts[i] * scale / 1e6;
		if (parts[i] > parts[out->cause])
			out->cause = (enum lw_cause)i;
	}
	if (out->cause != LW_CAUSE_BLOCKED)
		return;
	for (int i = 0; i < LW_SYS_SLOTS; i++)
		if (e->sys[i].ns && (!top || e->sys[i].ns > top->ns))
			top = &e->sys[i];
	if (!top)
		return;
	snprintf(out->syscall, sizeof(out->syscall), "%s", lw_syscall_name(top->nr, buf, sizeof(buf)));
	out->nested = lw_syscall_is_wait(top->nr);
}
