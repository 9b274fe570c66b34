// SPDX-License-Identifier: GPL-2.0
/* libFuzzer harness: ring-buffer bytes through the decoder and every renderer
 * of the record type it yields. */
#include <stdint.h>
#include <string.h>
#include "model/decode.h"
#include "util/json.h"
#include "model/readiness.h"
#include "views/report.h"
#include "model/stall.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lw_json j;
	union lw_event_any ev;
	struct timespec now = { 0 };
	struct lw_stall s;

	switch (lw_decode(data, size, &ev)) {
	case LW_EV_STALL:
		lw_stall_from_event(&ev.stall, &s);
		lw_json_stall(&j, &now, &ev.hdr, &s);
		break;
	case LW_EV_HERD:
		lw_json_herd(&j, &now, &ev.herd);
		break;
	case LW_EV_LT_HOT_LOOP:
		lw_json_hot(&j, &now, &ev.hot);
		break;
	case LW_EV_UNDRAINED_ET:
		lw_json_undrained(&j, &now, &ev.undrained);
		break;
	default:
		break;
	}
	return 0;
}
