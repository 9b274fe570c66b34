/* SPDX-License-Identifier: GPL-2.0 */
/* Turns ring-buffer bytes into a checked, NUL-terminated event (fuzzed). */
#ifndef LOOPWATCH_DECODE_H
#define LOOPWATCH_DECODE_H

#include <stddef.h>
#include "event.h"
#include "loop.h"
#include "backpressure.h"
#include "connect.h"
#include "ready.h"

union lw_event_any {
	struct lw_event_hdr hdr;
	struct lw_stall_event stall;
	struct lw_bp_event bp;
	struct lw_herd_event herd;
	struct lw_hot_event hot;
	struct lw_undrained_event undrained;
	struct lw_cn_event cn;
};

/* Copy a record into out after checking its type and size. Returns the
 * record's type, or -EINVAL for a short, oversized or unknown record. */
int lw_decode(const void *data, size_t len, union lw_event_any *out);

#endif
