// SPDX-License-Identifier: GPL-2.0
#include "model/stacks.h"
#include "views/report.h"

static void frames(struct lw_json *j, const char *key, const struct lw_stack *s)
{
	const char *v[LW_STACK_FRAMES];

	for (unsigned int i = 0; i < s->n && i < LW_STACK_FRAMES; i++)
		v[i] = s->frame[i];
	lw_json_str_array(j, key, v, s->n < LW_STACK_FRAMES ? s->n : LW_STACK_FRAMES);
}

void lw_json_stall_stacks(struct lw_json *j, const struct lw_stall_stacks *st)
{
	if (!st || !st->user.n)
		return;
	frames(j, "stack", &st->user);
	if (st->kernel.n)
		frames(j, "kernel_stack", &st->kernel);
	if (st->samples)
		lw_json_u64(j, "stack_samples", st->samples);
}
