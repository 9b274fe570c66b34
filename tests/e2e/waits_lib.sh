# SPDX-License-Identifier: GPL-2.0
# Shared by test_loop_waits.sh and test_nested.sh (after lib.sh): the
# runtime workloads of tools/runtimes, and the assertions on the stalls of
# one workload run under an agent that watched several.
RT=$(cd "$(dirname "$0")/../../tools/runtimes" && pwd)
NODE=/usr/bin/node
PY=/usr/bin/python3

# runtime_run NAME INTERPRETER SCRIPT ARGS...: one workload of tools/runtimes
# in the foreground, its JSON lines in $T/NAME.fl (the faultlab lines).
runtime_run() {
	local name=$1 interp=$2 script=$3
	shift 3
	"$interp" "$RT/$script" "$@" >"$T/$name.fl" 2>"$T/$name.flerr"
}

# check_stalls AGENT NAME WAIT NESTED EXPECT: the stalls the agent (its
# lines in $T/AGENT.json) reported for the workload whose lines are in
# $T/NAME.fl against its inject lines. EXPECT is a jq object from the
# inject lines' cause to what the agent must say, e.g.
#   {"sleep": {"cause": "blocked", "syscalls": ["clock_nanosleep"]},
#    "cpu": {"cause": "cpu"}}
# WAIT is the wait kind the pid's summaries and stalls must name, NESTED
# whether the stalls must be marked "nested":true (else absent or false).
# Checks: one stall per injection on the loop's tid, in order; the cause;
# the syscall for blocked ones; duration within 15 % or 10 ms (the larger)
# of the workload's own measure; parts add up; the wait kind on the stalls
# and on every summary of the pid that counted a loop; nested or not; the
# summaries count the stalls.
check_stalls() {
	local a=$1 n=$2 wait=$3 nested=$4 expect=$5 pid tid inj stalls
	pid=$(fl "$n" .pid)
	tid=$(fl "$n" .loop_tid)
	if [ -z "$pid" ] || [ "$pid" = null ]; then
		nok "$n: no ready line: $(tail -3 "$T/$n.flerr")"
		return
	fi
	inj=$(jq -s -c '[.[] | select(.event=="inject") | {ms, cause}]' "$T/$n.fl")
	stalls=$(sel stall "$pid")
	note "$n: injected $(jq -c 'map(.ms)' <<<"$inj") ms; reported $(v "$a" "$stalls | map([.tid, .duration_ms, .cause, .syscall, .wait, .nested, (.parts | [.cpu, .runqueue, .blocked] | map(. * 10 | round / 10))])")"
	# what the agent said of lost events and skipped runs, should a cause be wrong
	grep -E "lost|skipped" "$T/$a.err" | sed 's/^/# agent: /' | head -3
	check "$n: one stall per injection ($(jq length <<<"$inj")) for pid $pid" q "$a" \
		"($stalls | length) == ($inj | length) and ($inj | length) > 0"
	check "$n: stalls on loop tid $tid" q "$a" "$stalls | length > 0 and all(.tid == $tid)"
	check "$n: each stall's cause is its injection's" q "$a" \
		"$stalls as \$got | $inj as \$want | $expect as \$e |
		 (\$got | length) == (\$want | length) and
		 ([range(\$want | length)] | all(. as \$i | \$got[\$i].cause == \$e[\$want[\$i].cause].cause))"
	check "$n: blocked stalls name the call they slept in" q "$a" \
		"$stalls as \$got | $inj as \$want | $expect as \$e |
		 (\$got | length) == (\$want | length) and
		 ([range(\$want | length)] | all(. as \$i | \$e[\$want[\$i].cause] as \$x |
			(\$x.syscalls == null) or (\$got[\$i].syscall as \$s | \$x.syscalls | index(\$s) != null)))"
	check "$n: durations within 15 % or 10 ms" q "$a" \
		"($stalls | map(.duration_ms)) as \$got | ($inj | map(.ms)) as \$want |
		 (\$got | length) == (\$want | length) and
		 ([range(\$want | length)] | all(. as \$i | ((\$got[\$i] - \$want[\$i]) | fabs) <= ([\$want[\$i] * 0.15, 10] | max)))"
	check "$n: parts add up to the duration" q "$a" \
		"$stalls | length > 0 and all(((.parts.cpu + .parts.runqueue + .parts.blocked) - .duration_ms) | fabs < 0.01)"
	check "$n: stalls carry \"wait\":\"$wait\"" q "$a" \
		"$stalls | length > 0 and all(.wait == \"$wait\")"
	if [ "$nested" = true ]; then
		check "$n: stalls are \"nested\":true" q "$a" \
			"$stalls | length > 0 and all(.nested == true)"
	else
		check "$n: stalls are not nested" q "$a" \
			"$stalls | length > 0 and all((.nested // false) == false)"
	fi
	check "$n: the pid's summaries name the wait kind \"$wait\"" q "$a" \
		"$(sel summary "$pid") | map(select(.loops > 0)) | length > 0 and all(.wait == \"$wait\")"
	check "$n: summaries count the stalls" q "$a" \
		"($(sel summary "$pid") | map(.stalls) | add) == ($inj | length)"
}
