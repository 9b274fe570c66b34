// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/stacks_ksyms.h"

struct lw_ksym {
	uint64_t addr;
	uint32_t name;		/* offset in the arena: "name" or "name (module)" */
};

struct lw_ksyms {
	struct lw_ksym *s;
	size_t n;
	char *arena;		/* the names, NUL-separated */
	size_t used, cap;
};

void lw_ksyms_free(struct lw_ksyms *k)
{
	if (!k)
		return;
	free(k->s);
	free(k->arena);
	free(k);
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct lw_ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static bool ksym_add(struct lw_ksyms *k, size_t *cap, uint64_t addr, const char *name,
		     size_t nlen, const char *mod, size_t mlen)
{
	size_t need = nlen + (mlen ? mlen + 3 : 0) + 1;

	if (k->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 65536;
		struct lw_ksym *ns = realloc(k->s, nc * sizeof(*ns));

		if (!ns)
			return false;
		k->s = ns;
		*cap = nc;
	}
	if (k->used + need > k->cap) {
		size_t nc = k->cap ? k->cap * 2 : 1u << 20;
		char *na;

		while (nc < k->used + need)
			nc *= 2;
		if (nc > UINT32_MAX || !(na = realloc(k->arena, nc)))
			return false;
		k->arena = na;
		k->cap = nc;
	}
	k->s[k->n].addr = addr;
	k->s[k->n].name = (uint32_t)k->used;
	if (mlen)
		k->used += (size_t)sprintf(k->arena + k->used, "%.*s (%.*s)", (int)nlen, name,
					   (int)mlen, mod) + 1;
	else
		k->used += (size_t)sprintf(k->arena + k->used, "%.*s", (int)nlen, name) + 1;
	k->n++;
	return true;
}

struct lw_ksyms *lw_ksyms_load(const char *path)
{
	struct lw_ksyms *k = calloc(1, sizeof(*k));
	size_t cap = 0;
	char line[512];
	FILE *f;

	if (!k)
		return NULL;
	f = fopen(path, "re");
	if (!f)
		return k;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *name, *mod = NULL;
		size_t nlen, mlen = 0;
		uint64_t addr = strtoull(p, &p, 16);

		if (!addr || p[0] != ' ' || !strchr("tTwW", p[1]) || p[2] != ' ')
			continue;
		name = p + 3;
		nlen = strcspn(name, " \t\n");
		if (name[nlen] == '\t' || name[nlen] == ' ') {
			mod = strchr(name + nlen, '[');
			if (mod)
				mlen = strcspn(++mod, "]\n");
		}
		if (!ksym_add(k, &cap, addr, name, nlen, mod, mlen))
			break;
	}
	fclose(f);
	qsort(k->s, k->n, sizeof(*k->s), ksym_cmp);
	/* what the doubling left over */
	if (k->n) {
		struct lw_ksym *s = realloc(k->s, k->n * sizeof(*s));
		char *a = realloc(k->arena, k->used);

		if (s)
			k->s = s;
		if (a) {
			k->arena = a;
			k->cap = k->used;
		}
	}
	return k;
}

void lw_ksyms_name(const struct lw_ksyms *k, uint64_t addr, char *out, size_t len)
{
	size_t lo = 0, hi = k ? k->n : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (k->s[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && lo < k->n) {
		const char *n = k->arena + k->s[lo - 1].name, *sp = strchr(n, ' ');

		if (sp)
			snprintf(out, len, "%.*s+0x%" PRIx64 "%s", (int)(sp - n), n,
				 addr - k->s[lo - 1].addr, sp);
		else
			snprintf(out, len, "%s+0x%" PRIx64 " (kernel)", n, addr - k->s[lo - 1].addr);
		return;
	}
	snprintf(out, len, "0x%" PRIx64 " (kernel)", addr);
}

