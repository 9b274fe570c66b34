#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A program the kernel refuses costs only the detections built on its hook.
# LOOPWATCH_TEST_REFUSE has the kernel refuse the named programs for real
# (they are loaded as socket filters, which it rejects); the agent must
# start, say in one line which program and what goes, list the detection
# as off in its start line, and keep every other detection working.
. "$(dirname "$0")/lib.sh"

# start_line NAME: the start line's detections of run NAME, for notes.
start_line() { v "$1" '[.[] | select(.type=="start") | .detections] | .[0]'; }

# refused NAME PROGS: the agent with PROGS refused, beside 3 faultlab sleeps.
refused() {
	local name=$1 progs=$2
	LOOPWATCH_TEST_REFUSE=$progs agent_start "$name" -c faultlab || return 1
	faultlab_run "$name" stall --cause sleep --ms 80 --every-ms 300 --count 3
	check "$name: agent exits 0 with $progs refused" agent_stop
	note "$name: $(start_line "$name")"
}

# A hook of one family: only its detection goes.
if refused retrans bp_retransmit; then
	pid=$(fl retrans .pid)
	check "retrans: one line names the program and the hook" \
		grep -q "tcp_retransmit_skb is off: bp_retransmit refused: " "$T/retrans.err"
	check "retrans: start line: retransmits off, naming bp_retransmit" q retrans \
		'any(.[]; .type=="start" and (.detections.retransmits | startswith("off: ") and contains("bp_retransmit refused")))'
	check "retrans: start line: every other detection on" q retrans \
		'any(.[]; .type=="start" and (.detections | del(.retransmits) | to_entries | all(.value=="on")))'
	check "retrans: stalls still reported (3)" q retrans \
		"[.[] | select(.type==\"stall\" and .pid==$pid)] | length == 3"
fi

# A hook loop lag shares with readiness: readiness goes, loop lag and its
# stall split stay (on loop lag's own variant of the hook).
if refused switch sched_switch; then
	pid=$(fl switch .pid)
	check "switch: one line names the program and the family it costs" \
		grep -q "kernel refuses sched_switch with readiness on: .*; readiness is off" "$T/switch.err"
	check "switch: start line: herd, lt_hot_loop, undrained_et, readiness_lag off naming sched_switch" q switch \
		'any(.[]; .type=="start" and ([.detections.herd, .detections.lt_hot_loop, .detections.undrained_et, .detections.readiness_lag] | all(startswith("off: sched_switch refused"))))'
	check "switch: start line: loop lag, stalls and backpressure on" q switch \
		'any(.[]; .type=="start" and .detections.loop_lag=="on" and .detections.stalls=="on" and .detections.backpressure=="on")'
	check "switch: stalls still split: 3, blocked in clock_nanosleep" q switch \
		"[.[] | select(.type==\"stall\" and .pid==$pid)] | length == 3 and all(.cause==\"blocked\" and .syscall==\"clock_nanosleep\")"
fi

# Loop lag itself refused: exit 1 and one line that says so.
LOOPWATCH_TEST_REFUSE=enter_epoll_wait,lag_enter_epoll_wait "$LW" --json -d 1 >"$T/nolag.json" 2>"$T/nolag.err"
rc=$?
check_eq "no loop lag: exit status 1" "$rc" 1
check "no loop lag: the line says loop lag cannot run" grep -q "loop lag cannot run" "$T/nolag.err"
