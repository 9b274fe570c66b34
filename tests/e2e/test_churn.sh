#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tens of thousands of loop threads and thousands of processes come and go:
# the kernel's thread map and the agent's state go back to what is live, and
# the agent's memory stays bounded.
. "$(dirname "$0")/lib.sh"

agent_start churn -c faultlab || exit 0
map_id=$(sed -n 's/^map_id:[[:space:]]*//p' /proc/"$AGENT_PID"/fdinfo/* 2>/dev/null | sort -un |
	while read -r id; do bpftool map show id "$id" -j | jq -r 'select(.name=="lw_threads") | .id'; done)
check "found the agent's thread map ($map_id)" test -n "$map_id"
faultlab_run thr churn --count 30000
check "faultlab churned 30000 threads" test "$(fl_done thr .threads)" -eq 30000
faultlab_run procs churn --count 5000 --processes
check "faultlab churned 5000 processes" test "$(fl_done procs .processes)" -eq 5000
sleep 3
left=$(bpftool map dump id "$map_id" -j 2>/dev/null | jq '[.[] | select(.value.comm == "faultlab" or (.formatted.value.comm // "") == "faultlab")] | length')
all=$(bpftool map dump id "$map_id" -j 2>/dev/null | jq length)
note "thread map entries now: $all (faultlab: $left)"
check "no entry of an exited thread stays in the kernel map" test "$all" -le 64
check "agent exits 0" agent_stop
note "agent state per interval: $(v churn '[.[] | select(.type=="agent") | [.threads, .procs, .rss_kb]]')"
check "agent saw the churn (threads in some interval > 0)" q churn \
	'[.[] | select(.type=="agent") | .threads] | max > 0'
check "agent state is back to nothing live at the end" q churn \
	'[.[] | select(.type=="agent")] | .[-1] | .threads <= 64 and .procs <= 64'
# The budget is the plain build's; AddressSanitizer's shadow memory and
# quarantine (make asan) multiply RSS, so that build gets eight times as much:
# still bounded, not a figure.
limit_mb=50
ldd "$LW" | grep -q libasan && limit_mb=400
check "agent RSS stays under $limit_mb MB" q churn "[.[] | select(.type==\"agent\") | .rss_kb] | max < $((limit_mb * 1024))"
check "no loop thread was dropped for lack of map room" q churn \
	'[.[] | select(.type=="agent") | .threads_dropped] | max == 0'
