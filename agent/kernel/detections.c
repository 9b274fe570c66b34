// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "detect.h"
#include "kernel/detections.h"

static const char *const hook_names[LW_HK_MAX] = {
	[LW_HK_WAIT] = "epoll_wait",
	[LW_HK_CTL] = "epoll_ctl",
	[LW_HK_ACCEPT] = "accept",
	[LW_HK_SWITCH] = "sched_switch",
	[LW_HK_EXIT] = "sched_process_exit",
	[LW_HK_WAKING] = "sched_waking",
	[LW_HK_DATA_READY] = "sk_data_ready",
	[LW_HK_RECV] = "sock_recv",
	[LW_HK_SEND] = "sock_send",
	[LW_HK_SENDMSG] = "tcp_sendmsg",
	[LW_HK_SOCK_STATE] = "inet_sock_set_state",
	[LW_HK_KFREE] = "kfree_skb",
	[LW_HK_RETRANS] = "tcp_retransmit_skb",
	[LW_HK_SYNACK] = "tcp_retransmit_synack",
	[LW_HK_EXCEED] = "sock_exceed_buf_limit",
	[LW_HK_SWEEP] = "socket_sweep",
	[LW_HK_STACKS] = "stack_capture",
	[LW_HK_SAMPLE] = "stack_sample",
	[LW_HK_WAIT_POLL] = "poll_select",
	[LW_HK_WAIT_URING] = "io_uring_enter",
};

#define H(x) (1u << LW_HK_##x)

/*
 * Each detection: the family it belongs to, the hooks it cannot work
 * without, and the hooks whose absence leaves it working but blind to part
 * of what it reports (degraded). "any" detections need at least one of
 * their optional hooks.
 */
static const struct {
	const char *name;
	uint32_t family;
	uint32_t required;
	uint32_t optional;
	bool any;
} dets[LW_DET_MAX] = {
	[LW_DET_LOOP_LAG] = { "loop_lag", LW_DETECT_LOOP, H(WAIT), H(EXIT) | H(WAIT_POLL) | H(WAIT_URING),
			    false },
	[LW_DET_STALLS] = { "stalls", LW_DETECT_LOOP, H(WAIT) | H(SWITCH),
			  H(WAIT_POLL) | H(WAIT_URING), false },
	[LW_DET_HERD] = { "herd", LW_DETECT_READINESS,
			  H(WAIT) | H(CTL) | H(WAKING) | H(SWITCH) | H(DATA_READY), H(ACCEPT) | H(RECV),
			  false },
	[LW_DET_LT_HOT_LOOP] = { "lt_hot_loop", LW_DETECT_READINESS, H(WAIT) | H(CTL),
				 H(RECV) | H(ACCEPT), false },
	[LW_DET_UNDRAINED_ET] = { "undrained_et", LW_DETECT_READINESS, H(WAIT) | H(CTL) | H(RECV), 0,
				  false },
	[LW_DET_READINESS_LAG] = { "readiness_lag", LW_DETECT_READINESS,
				   H(WAIT) | H(CTL) | H(DATA_READY), 0, false },
	[LW_DET_BACKPRESSURE] = { "backpressure", LW_DETECT_BACKPRESSURE, 0,
				  H(DATA_READY) | H(RECV) | H(SEND) | H(SENDMSG) | H(SOCK_STATE) |
				  H(SWEEP), true },
	[LW_DET_DROPS] = { "drops", LW_DETECT_BACKPRESSURE, H(KFREE), H(EXCEED), false },
	[LW_DET_RETRANSMITS] = { "retransmits", LW_DETECT_BACKPRESSURE, H(RETRANS), H(SYNACK),
				 false },
	[LW_DET_FD_HEADROOM] = { "fd_headroom", LW_DETECT_BACKPRESSURE, H(SWEEP), 0, false },
	/* blocked stalls' stacks need the capture, the others' the sampler:
	 * either alone is degraded */
	[LW_DET_STACKS] = { "stacks", LW_DETECT_STACKS, H(WAIT) | H(SWITCH), H(STACKS) | H(SAMPLE),
			    true },
};

const char *lw_det_name(enum lw_det_id d)
{
	return d < LW_DET_MAX ? dets[d].name : "?";
}

const char *lw_hook_name(enum lw_hook_id h)
{
	return h < LW_HK_MAX ? hook_names[h] : "?";
}

const char *lw_det_describe(const struct lw_detection *d, char *buf, size_t len)
{
	if (d->state == LW_DET_ON)
		snprintf(buf, len, "on");
	else
		snprintf(buf, len, "%s: %s", d->state == LW_DET_OFF ? "off" : "degraded", d->why);
	return buf;
}

/* Append "hook (why)" for every hook of mask that is off. */
static void name_missing(char *buf, size_t len, const struct lw_hook_state hooks[], uint32_t mask)
{
	size_t used = strlen(buf);

	for (unsigned int h = 0; h < LW_HK_MAX && used < len; h++) {
		if (!(mask & (1u << h)) || hooks[h].on)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s%s%s%s", used ? "; " : "",
					 hook_names[h], hooks[h].why[0] ? " (" : "", hooks[h].why,
					 hooks[h].why[0] ? ")" : "");
	}
}

static unsigned int family_bit(uint32_t family)
{
	unsigned int i = 0;

	while (i < 31 && !(family & (1u << i)))
		i++;
	return i;
}

void lw_detections_compute(struct lw_detections *out, const struct lw_hook_state hooks[LW_HK_MAX],
			   uint32_t families, uint32_t asked, const char *const family_why[LW_FAMILIES])
{
	uint32_t on = 0;

	for (unsigned int h = 0; h < LW_HK_MAX; h++)
		if (hooks[h].on)
			on |= 1u << h;
	memset(out, 0, sizeof(*out));
	for (unsigned int d = 0; d < LW_DET_MAX; d++) {
		struct lw_detection *x = &out->det[d];
		unsigned int fb = family_bit(dets[d].family);

		x->asked = (asked & dets[d].family) != 0;
		if (!(families & dets[d].family)) {
			x->state = LW_DET_OFF;
			snprintf(x->why, sizeof(x->why), "%s",
				 fb < LW_FAMILIES && family_why[fb] ? family_why[fb] : "not asked for (--detect)");
			continue;
		}
		if ((on & dets[d].required) != dets[d].required ||
		    (dets[d].any && !(on & dets[d].optional))) {
			x->state = LW_DET_OFF;
			name_missing(x->why, sizeof(x->why), hooks,
				     dets[d].required | (dets[d].any ? dets[d].optional : 0));
			continue;
		}
		if ((on & dets[d].optional) != dets[d].optional) {
			x->state = LW_DET_DEGRADED;
			name_missing(x->why, sizeof(x->why), hooks, dets[d].optional);
			continue;
		}
		x->state = LW_DET_ON;
	}
}
