// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "model/snapshot.h"

static uint32_t key_of(const void *rec)
{
	uint32_t k;

	memcpy(&k, rec, sizeof(k));
	return k;
}

static int cmp_key(const void *a, const void *b)
{
	uint32_t x = key_of(a), y = key_of(b);

	return x < y ? -1 : x > y;
}

void lw_snap_sort(void *recs, size_t n, size_t size)
{
	if (n)
		qsort(recs, n, size, cmp_key);
}

const void *lw_snap_find(const void *recs, size_t n, size_t size, uint32_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t k = key_of((const char *)recs + mid * size);

		if (k == key)
			return (const char *)recs + mid * size;
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
