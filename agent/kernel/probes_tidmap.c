// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "kernel/probes_tidmap.h"

int lw_probes_walk_tids(int fd, size_t limit, size_t rec_size, size_t val_off,
			bool (*exited)(const void *val), void **out, size_t *n)
{
	size_t cap = 64, cnt = 0;
	char *s = malloc(cap * rec_size);
	uint32_t key, next, *prev = NULL;

	if (!s)
		return -ENOMEM;
	/* Entries vanish while we walk (threads exit, LRU eviction): a failed
	 * lookup is skipped, the walk goes on from the key we hold, and it is
	 * bounded by the map's size. */
	while (cnt < limit && bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (cnt == cap) {
			char *ns = realloc(s, 2 * cap * rec_size);

			if (!ns) {
				free(s);
				return -ENOMEM;
			}
			s = ns;
			cap *= 2;
		}
		if (bpf_map_lookup_elem(fd, &next, s + cnt * rec_size + val_off) == 0) {
			memcpy(s + cnt * rec_size, &next, sizeof(next));
			cnt++;
		}
		key = next;
		prev = &key;
	}
	/* exited threads have been read for the last time */
	for (size_t i = 0; i < cnt; i++)
		if (exited(s + i * rec_size + val_off))
			bpf_map_delete_elem(fd, s + i * rec_size);
	*out = s;
	*n = cnt;
	return 0;
}
