// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include "model/decode.h"

static const size_t event_size[LW_EV_TYPE_MAX] = {
	[LW_EV_STALL] = sizeof(struct lw_stall_event),
	[LW_EV_BACKPRESSURE] = sizeof(struct lw_bp_event),
	[LW_EV_HERD] = sizeof(struct lw_herd_event),
	[LW_EV_LT_HOT_LOOP] = sizeof(struct lw_hot_event),
	[LW_EV_UNDRAINED_ET] = sizeof(struct lw_undrained_event),
	[LW_EV_CONNECT] = sizeof(struct lw_cn_event),
};

int lw_decode(const void *data, size_t len, union lw_event_any *out)
{
	struct lw_event_hdr h;

	if (!data || len < sizeof(h))
		return -EINVAL;
	memcpy(&h, data, sizeof(h));
	if (h.type == 0 || h.type >= LW_EV_TYPE_MAX || !event_size[h.type])
		return -EINVAL;
	if (h.size != event_size[h.type] || len < h.size || h.size > sizeof(*out))
		return -EINVAL;
	memcpy(out, data, h.size);
	out->hdr.comm[LW_COMM_LEN - 1] = '\0';
	return (int)h.type;
}
