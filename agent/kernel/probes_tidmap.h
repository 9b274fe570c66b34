/* SPDX-License-Identifier: GPL-2.0 */
/* Reading the probes' maps keyed by tid (loop and readiness threads). */
#ifndef LOOPWATCH_PROBES_TIDMAP_H
#define LOOPWATCH_PROBES_TIDMAP_H

#include <stdbool.h>
#include <stddef.h>

/* Snapshot of a map keyed by tid into malloc()ed records of rec_size bytes:
 * the tid (u32) at offset 0, the value at val_off. At most limit entries.
 * Entries whose value exited() says is gone are deleted once read. */
int lw_probes_walk_tids(int fd, size_t limit, size_t rec_size, size_t val_off,
			bool (*exited)(const void *val), void **out, size_t *n);

#endif
