#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A healthy loop serving loopback traffic: summaries every interval, p99 lag
# under 5 ms, not a single stall.
. "$(dirname "$0")/lib.sh"

agent_start healthy -c faultlab || exit 0
faultlab_run healthy healthy --duration-s 4
check "faultlab healthy ran" [ $? -eq 0 ]
agent_stop
pid=$(fl healthy .pid)
note "summaries: $(v healthy "[.[] | select(.type==\"summary\" and .pid==$pid) | [.iterations, .lag_p99_ms, .lag_max_ms]]")"
check "at least 3 summaries with iterations" q healthy \
	"[.[] | select(.type==\"summary\" and .pid==$pid and .iterations > 0)] | length >= 3"
check "p99 lag under 5 ms in every interval" q healthy \
	"[.[] | select(.type==\"summary\" and .pid==$pid and .iterations > 0)] | all(.lag_p99_ms < 5)"
check "no stall" q healthy "[.[] | select(.type==\"stall\" and .pid==$pid)] | length == 0"
check "agent lines every interval, no lost events" q healthy \
	"[.[] | select(.type==\"agent\")] | length >= 4 and all(.lost_events == 0)"
