// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "model/stacks.h"

int lw_stacks_init(struct lw_stacks *st, lw_stk_unwind_fn fn, void *ctx)
{
	memset(st, 0, sizeof(*st));
	st->unwind = fn;
	st->unwind_ctx = ctx;
	st->groups = calloc(LW_STK_GROUPS, sizeof(*st->groups));
	return st->groups ? 0 : -ENOMEM;
}

void lw_stacks_free(struct lw_stacks *st)
{
	for (int i = 0; i < LW_STK_KEEP; i++)
		free(st->slot[i].raw);
	free(st->groups);
	memset(st, 0, sizeof(*st));
}

bool lw_stacks_is_record(const void *data, size_t len)
{
	uint32_t type;

	if (!data || len < sizeof(struct lw_event_hdr))
		return false;
	memcpy(&type, data, sizeof(type));
	return type == LW_STK_CAPTURE || type == LW_STK_SLEPT;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static unsigned int unwind(struct lw_stacks *st, const struct lw_stk_capture *c,
			   struct lw_stack *user, struct lw_stack *kernel)
{
	uint64_t t0 = mono_ns();
	unsigned int n;

	user->n = 0;
	if (kernel)
		kernel->n = 0;
	n = st->unwind ? st->unwind(st->unwind_ctx, c, user, kernel) : 0;
	if (!st->unwinds)
		st->first_unwind_ns = mono_ns() - t0;
	st->unwind_ns += mono_ns() - t0;
	st->unwinds++;
	return n;
}

/* Samples count as one stack when they ran the same functions, wherever
 * in each: "f+0x10 (m)" and "f+0x24 (m)" are one frame. */
static bool same_frame(const char *a, const char *b)
{
	size_t na = strcspn(a, "+"), nb = strcspn(b, "+");
	const char *ma = strrchr(a, '('), *mb = strrchr(b, '(');

	if (!a[na] || !b[nb])
		return !strcmp(a, b);
	return na == nb && !strncmp(a, b, na) && ma && mb && !strcmp(ma, mb);
}

static bool same_stack(const struct lw_stack *a, const struct lw_stack *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned int i = 0; i < a->n; i++)
		if (!same_frame(a->frame[i], b->frame[i]))
			return false;
	return true;
}

static struct lw_stk_group *group_find(struct lw_stacks *st, uint32_t tid, uint64_t window_ns)
{
	for (int i = 0; i < LW_STK_GROUPS; i++)
		if (st->groups[i].order && st->groups[i].tid == tid &&
		    st->groups[i].window_ns == window_ns)
			return &st->groups[i];
	return NULL;
}

/* A sample: unwound now, counted with the identical stacks of its window. */
static void add_sample(struct lw_stacks *st, const struct lw_stk_capture *c)
{
	struct lw_stk_group *g = group_find(st, c->hdr.tid, c->window_ns);
	struct lw_stack *s;

	if (!g) {
		g = &st->groups[0];
		for (int i = 1; i < LW_STK_GROUPS && g->order; i++)
			if (!st->groups[i].order || st->groups[i].order < g->order)
				g = &st->groups[i];
		memset(g, 0, sizeof(*g));
		g->pid = c->hdr.pid;
		g->tid = c->hdr.tid;
		g->window_ns = c->window_ns;
	}
	g->order = ++st->order;
	g->total++;
	/* the last distinct slot is scratch while the stack is compared */
	s = &g->st[g->n < LW_STK_DISTINCT ? g->n : LW_STK_DISTINCT - 1];
	if (g->n == LW_STK_DISTINCT) {
		struct lw_stack tmp;

		if (!unwind(st, c, &tmp, NULL))
			return;
		for (unsigned int i = 0; i < g->n; i++)
			if (same_stack(&g->st[i], &tmp)) {
				g->count[i]++;
				return;
			}
		return;		/* a seventh stack: only counted in total */
	}
	if (!unwind(st, c, s, NULL))
		return;
	for (unsigned int i = 0; i < g->n; i++) {
		if (same_stack(&g->st[i], s)) {
			g->count[i]++;
			return;
		}
	}
	g->count[g->n++] = 1;
}

static void add_capture(struct lw_stacks *st, const struct lw_stk_capture *c)
{
	struct lw_stk_slot *sl = &st->slot[0];

	for (int i = 1; i < LW_STK_KEEP && sl->raw; i++)
		if (!st->slot[i].raw || st->slot[i].order < sl->order)
			sl = &st->slot[i];
	if (!sl->raw)
		sl->raw = malloc(sizeof(*sl->raw));
	if (!sl->raw)
		return;
	memcpy(sl->raw, c, sizeof(*c));
	sl->slept_ns = 0;
	sl->order = ++st->order;
}

static void add_slept(struct lw_stacks *st, const struct lw_stk_slept *e)
{
	for (int i = 0; i < LW_STK_KEEP; i++) {
		struct lw_stk_slot *sl = &st->slot[i];

		if (sl->raw && sl->raw->hdr.tid == e->hdr.tid && sl->raw->seq == e->seq &&
		    sl->raw->window_ns == e->window_ns) {
			sl->slept_ns = e->slept_ns ? e->slept_ns : 1;
			return;
		}
	}
}

int lw_stacks_add(struct lw_stacks *st, const void *data, size_t len)
{
	struct lw_event_hdr h;

	st->records++;
	if (!lw_stacks_is_record(data, len))
		goto bad;
	memcpy(&h, data, sizeof(h));
	if (h.type == LW_STK_CAPTURE) {
		struct lw_stk_capture *c;

		if (h.size != sizeof(*c) || len < sizeof(*c))
			goto bad;
		c = (struct lw_stk_capture *)data;
		if (c->stack_len > LW_STK_BYTES || c->fp_len > sizeof(c->fp_ips) ||
		    c->k_len > sizeof(c->k_ips))
			goto bad;
		if (c->kind == LW_STK_KIND_SAMPLE)
			add_sample(st, c);
		else if (c->kind == LW_STK_KIND_SLEEP)
			add_capture(st, c);
		else
			goto bad;
		return 0;
	}
	if (h.size != sizeof(struct lw_stk_slept) || len < sizeof(struct lw_stk_slept))
		goto bad;
	add_slept(st, data);
	return 0;
bad:
	st->dropped++;
	return -EINVAL;
}

/* The capture of the window's longest sleep; one still going on counts
 * as long as it has lasted. */
static struct lw_stk_slot *longest_sleep(struct lw_stacks *st, uint32_t tid, uint64_t window_ns,
					 uint64_t now_ns)
{
	struct lw_stk_slot *best = NULL;
	uint64_t best_ns = 0;

	for (int i = 0; i < LW_STK_KEEP; i++) {
		struct lw_stk_slot *sl = &st->slot[i];
		uint64_t ns;

		if (!sl->raw || sl->raw->hdr.tid != tid || sl->raw->window_ns != window_ns)
			continue;
		ns = sl->slept_ns ? sl->slept_ns :
		     now_ns > sl->raw->hdr.ts_ns ? now_ns - sl->raw->hdr.ts_ns : 0;
		if (!best || ns > best_ns) {
			best = sl;
			best_ns = ns;
		}
	}
	return best;
}

static void forget_window(struct lw_stacks *st, uint32_t tid, uint64_t window_ns)
{
	struct lw_stk_group *g = group_find(st, tid, window_ns);

	for (int i = 0; i < LW_STK_KEEP; i++) {
		struct lw_stk_slot *sl = &st->slot[i];

		if (sl->raw && sl->raw->hdr.tid == tid && sl->raw->window_ns == window_ns) {
			free(sl->raw);
			memset(sl, 0, sizeof(*sl));
		}
	}
	if (g)
		memset(g, 0, sizeof(*g));
}

bool lw_stacks_for_window(struct lw_stacks *st, uint32_t tid, uint64_t window_ns, bool blocked,
			  uint64_t now_ns, bool done, struct lw_stall_stacks *out)
{
	struct lw_stk_group *g = group_find(st, tid, window_ns);
	struct lw_stk_slot *sl = blocked ? longest_sleep(st, tid, window_ns, now_ns) : NULL;
	bool found = false;

	out->user.n = 0;
	out->kernel.n = 0;
	out->samples = 0;
	out->sampled = 0;
	if (sl) {
		found = unwind(st, sl->raw, &out->user, &out->kernel) > 0;
	} else if (g && g->n) {
		unsigned int best = 0;

		for (unsigned int i = 1; i < g->n; i++)
			if (g->count[i] > g->count[best])
				best = i;
		out->user = g->st[best];
		out->samples = g->count[best];
		out->sampled = g->total;
		found = out->user.n > 0;
	}
	if (done)
		forget_window(st, tid, window_ns);
	return found;
}
