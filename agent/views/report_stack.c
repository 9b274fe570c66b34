// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "model/stacks.h"
#include "views/report.h"

static void frames(struct lw_json *j, const char *key, const struct lw_stack *s)
{
	const char *v[LW_STACK_FRAMES];

	for (unsigned int i = 0; i < s->n && i < LW_STACK_FRAMES; i++)
		v[i] = s->frame[i];
	lw_json_str_array(j, key, v, s->n < LW_STACK_FRAMES ? s->n : LW_STACK_FRAMES);
}

void lw_table_stall_stack(FILE *out, const struct lw_event_hdr *h,
			  const struct lw_stall_stacks *st)
{
	if (!st || !st->user.n)
		return;
	fprintf(out, "  stack of pid %u tid %u:", h->pid, h->tid);
	for (unsigned int i = 0; i < st->user.n; i++) {
		const char *f = st->user.frame[i];
		size_t n = strcspn(f, "+");

		/* "name+0xoff (module)" as name; "0xaddr (module)" whole */
		fprintf(out, "%s%.*s", i ? " < " : " ", (int)(f[n] ? n : strlen(f)), f);
	}
	if (st->samples)
		fprintf(out, "  (%u of %u samples)", st->samples, st->sampled);
	fputc('\n', out);
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
