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
# Cheap by default: the per-packet detail tier is on demand and a healthy
# loop never calls for it (other hosts' faultlab runs may, hence by pid).
check "the start line says detail on demand" q healthy \
	"[.[] | select(.type==\"start\")] | length == 1 and all(.detail == \"on demand\")"
note "detail tier: $(v healthy "[.[] | select(.type==\"agent\") | .detail | [.engaged, .pids]]")"
check "the healthy loop never engages the detail tier" q healthy \
	"[.[] | select(.type==\"agent\")] | length >= 4 and all(.detail.mode == \"on demand\" and (.detail.pids | split(\",\") | index(\"$pid\") | not))"
