#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A healthy loop serving loopback traffic: summaries every interval, p99 lag
# under 5 ms, not a single stall.
. "$(dirname "$0")/lib.sh"

agent_around "faultlab healthy ran" healthy -c faultlab -- healthy --duration-s 4 || exit 0
agent_stop
pid=$(fl healthy .pid)
note "summaries: $(v healthy "$(sel summary "$pid") | map([.iterations, .lag_p99_ms, .lag_max_ms])")"
check "at least 3 summaries with iterations" q healthy \
	"$(sel summary "$pid") | map(select(.iterations > 0)) | length >= 3"
check "p99 lag under 5 ms in every interval" q healthy \
	"$(sel summary "$pid") | map(select(.iterations > 0)) | all(.lag_p99_ms < 5)"
check "no stall" q healthy "$(sel stall "$pid") | length == 0"
check "agent lines every interval, no lost events" q healthy \
	"[.[] | select(.type==\"agent\")] | length >= 4 and all(.lost_events == 0)"
