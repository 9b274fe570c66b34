/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Snapshots of the kernel's maps, folded interval by interval: each is an
 * array of records that start with their map key (a u32 tid or pid), sorted
 * by it, and the last interval's is the baseline the next one's running
 * totals are taken against.
 */
#ifndef LOOPWATCH_SNAPSHOT_H
#define LOOPWATCH_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

/* Sort n records of size bytes by their leading u32 key. */
void lw_snap_sort(void *recs, size_t n, size_t size);
/* The record with this key in a sorted snapshot, or NULL. */
const void *lw_snap_find(const void *recs, size_t n, size_t size, uint32_t key);

/* How much a running total grew since the baseline; one that went down
 * belongs to an entry that started over (a reused key), so all of it is new. */
static inline uint64_t lw_snap_delta(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : now;
}

#endif
