#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# For each cause faultlab injects, the agent reports one stall per injection
# for faultlab's pid and loop tid, with the right cause, the syscall the loop
# slept in, and a duration within 15 % or 10 ms (the larger) of what faultlab
# measured around the injection.
. "$(dirname "$0")/lib.sh"

declare -A SYSCALLS=(
	[sleep]='["clock_nanosleep","nanosleep"]'
	[fsync]='["fsync","fdatasync"]'
	[dns]='["recvfrom","recvmsg","poll","ppoll"]'
	[cpu]='[]'
	[runqueue]='[]'
)
declare -A CAUSE=([sleep]=blocked [fsync]=blocked [dns]=blocked [cpu]=cpu [runqueue]=runqueue)

for inj in sleep cpu fsync dns runqueue; do
	agent_around "$inj: faultlab ran" "$inj" -c faultlab --stall-ms 50 -- \
		stall --cause "$inj" --ms 100 --every-ms 400 --count 3 || continue
	check "$inj: agent exits 0 on SIGINT" agent_stop
	pid=$(fl "$inj" .pid)
	tid=$(fl "$inj" .loop_tid)
	stalls=$(sel stall "$pid")
	jq -s '[.[] | select(.event=="inject")]' "$T/$inj.fl" >"$T/$inj.inj"
	note "$inj: injected $(jq -c '[.[].ms]' "$T/$inj.inj") ms; reported $(v "$inj" "$stalls | map([.tid, .duration_ms, .cause, .syscall])")"
	check "$inj: one stall per injection for pid $pid" q "$inj" \
		"($stalls | length) == $(jq length "$T/$inj.inj")"
	check "$inj: stalls are on loop tid $tid with cause ${CAUSE[$inj]}" q "$inj" \
		"$stalls | all(.tid==$tid and .cause==\"${CAUSE[$inj]}\")"
	if [ "${CAUSE[$inj]}" = blocked ]; then
		check "$inj: syscall is one of ${SYSCALLS[$inj]}" q "$inj" \
			"$stalls | all(.syscall as \$s | ${SYSCALLS[$inj]} | index(\$s))"
	fi
	check "$inj: durations within 15 % or 10 ms" q "$inj" \
		"($stalls | map(.duration_ms)) as \$got |
		 ($(jq -c '[.[].ms]' "$T/$inj.inj")) as \$want |
		 (\$got | length) == (\$want | length) and
		 ([range(\$want | length)] | all(. as \$i | ((\$got[\$i] - \$want[\$i]) | fabs) <= ([\$want[\$i] * 0.15, 10] | max)))"
	check "$inj: parts add up to the duration" q "$inj" \
		"$stalls | all(((.parts.cpu + .parts.runqueue + .parts.blocked) - .duration_ms) | fabs < 0.01)"
	check "$inj: summary counts the stalls" q "$inj" \
		"($(sel summary "$pid") | map(.stalls) | add) == $(jq length "$T/$inj.inj")"
done
