// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "model/tier.h"

void lw_tier_init(struct lw_tier *t, enum lw_tier_mode mode, unsigned int release_after,
		  uint64_t now_ns)
{
	memset(t, 0, sizeof(*t));
	t->mode = mode;
	t->release_after = release_after ? release_after : 1;
	if (mode == LW_TIER_FORCED) {
		t->engaged = true;
		t->since_ns = now_ns;
		t->engages = 1;
	}
}

uint32_t lw_tier_triggers(const struct lw_interval *iv, unsigned int interval_s)
{
	uint32_t trig = 0;

	uint64_t min_futile = (uint64_t)LW_TIER_FUTILE_PER_S * (interval_s ? interval_s : 1);

	/* the hand-over's own count while engaged; the always-on tier's
	 * (accepts that found nothing, wake-ups that slept again inside the
	 * wait), against the wake-ups it saw, whether engaged or not */
	if ((iv->futile >= min_futile && iv->futile * LW_TIER_FUTILE_SHARE >= iv->wakeups) ||
	    (iv->futile_seen >= min_futile &&
	     iv->futile_seen * LW_TIER_FUTILE_SHARE >= iv->iterations + iv->futile_seen))
		trig |= LW_TRIG_FUTILE;
	if (iv->rcvq_max_ratio >= LW_TIER_QUEUE_RATIO || iv->sndq_max_ratio >= LW_TIER_QUEUE_RATIO ||
	    iv->acceptq_max_ratio >= LW_TIER_QUEUE_RATIO)
		trig |= LW_TRIG_QUEUE;
	if (iv->drops || iv->accept_overflows)
		trig |= LW_TRIG_DROPS;
	if (lw_interval_stalls(iv) || iv->open_stall_ns)
		trig |= LW_TRIG_STALL;
	if (iv->lingering || iv->et_starved)
		trig |= LW_TRIG_LINGER;
	/* what the detail tier finds keeps it while it goes on */
	if (iv->herds || iv->lt_hot_loops || iv->undrained_et || iv->snd_eagain || iv->snd_partial)
		trig |= LW_TRIG_FOUND;
	return trig;
}

bool lw_tier_step(struct lw_tier *t, uint32_t triggers, const uint32_t *pids, size_t npids,
		  uint64_t now_ns)
{
	if (t->mode != LW_TIER_ON_DEMAND)
		return t->engaged;
	if (triggers) {
		t->why = triggers;
		t->quiet = 0;
		t->npids = 0;
		for (size_t i = 0; i < npids && t->npids < LW_TIER_PIDS; i++)
			t->pids[t->npids++] = pids[i];
		if (!t->engaged) {
			t->engaged = true;
			t->since_ns = now_ns;
			t->engages++;
		}
		return true;
	}
	if (!t->engaged)
		return false;
	/* released only after release_after quiet intervals in a row: a
	 * symptom that comes and goes keeps it rather than flapping */
	if (++t->quiet < t->release_after)
		return true;
	t->total_ns += now_ns - t->since_ns;
	t->engaged = false;
	t->quiet = 0;
	t->why = 0;
	t->npids = 0;
	return false;
}

void lw_tier_failed(struct lw_tier *t, uint64_t now_ns)
{
	if (!t->engaged)
		return;
	t->total_ns += now_ns - t->since_ns;
	t->engaged = false;
	t->quiet = 0;
}

double lw_tier_seconds(const struct lw_tier *t, uint64_t now_ns)
{
	uint64_t ns = t->total_ns;

	if (t->engaged && now_ns > t->since_ns)
		ns += now_ns - t->since_ns;
	return (double)ns / 1e9;
}

const char *lw_tier_mode_name(enum lw_tier_mode m)
{
	return m == LW_TIER_FORCED ? "forced" : m == LW_TIER_ON_DEMAND ? "on demand" : "none";
}

const char *lw_trigger_name(unsigned int bit)
{
	static const char *const names[LW_TRIG_NAMES] = { "futile_wakeups", "queue", "drops",
							  "stall", "found", "lingering_bytes" };

	return bit < LW_TRIG_NAMES ? names[bit] : "?";
}
