#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The stacks of stalls. For each stall faultlab injects (sleep, fsync, dns,
# cpu), every stall line of faultlab's loop has a stack that names the
# injecting function (fl_inject_<cause>); a blocked one also names the libc
# wrapper of the call it slept in and has a kernel stack, a cpu one the
# number of samples behind its stack. Every named frame is checked against
# its module's own symbol tables (.symtab, .dynsym, the debug file by
# build-id): the offset lies inside a symbol of that name. --no-stacks
# leaves stacks out, and says so in the start line.
. "$(dirname "$0")/lib.sh"

declare -A WRAPPERS=(
	[sleep]='["clock_nanosleep","nanosleep"]'
	[fsync]='["fsync","fdatasync"]'
	[dns]='["poll","ppoll","recvfrom","recvmsg"]'
	[cpu]='[]'
)
declare -A CAUSE=([sleep]=blocked [fsync]=blocked [dns]=blocked [cpu]=cpu)

. "$(dirname "$0")/stacks_lib.sh"
modules_of "$FL"

for inj in sleep fsync dns cpu; do
	agent_start "$inj" -c faultlab --stall-ms 50 || continue
	faultlab_run "$inj" stall --cause "$inj" --ms 100 --every-ms 400 --count 3
	check "$inj: faultlab ran" [ $? -eq 0 ]
	check "$inj: agent exits 0 on SIGINT" agent_stop
	pid=$(fl "$inj" .pid)
	sel="[.[] | select(.type==\"stall\" and .pid==$pid)]"
	note "$inj: stacks $(v "$inj" "$sel | map(.stack // [] | map(split(\" \")[0]) | join(\" < \"))")"
	check "$inj: stalls were reported" q "$inj" "($sel | length) >= 2"
	check "$inj: every stall's stack names fl_inject_$inj" q "$inj" \
		"$sel | all(.stack | type == \"array\" and any(startswith(\"fl_inject_$inj+\")))"
	if [ "${CAUSE[$inj]}" = blocked ]; then
		check "$inj: every stall's stack names the libc wrapper, one of ${WRAPPERS[$inj]}" q "$inj" \
			"$sel | all(.stack | any(split(\"+\")[0] | ltrimstr(\"__libc_\") | ltrimstr(\"__\") as \$f | ${WRAPPERS[$inj]} | index(\$f)))"
		check "$inj: the wrapper is below the injecting function" q "$inj" \
			"$sel | all(.stack | (map(startswith(\"fl_inject_$inj+\")) | index(true)) > 0)"
		check "$inj: every stall has a kernel stack with the scheduler in it" q "$inj" \
			"$sel | all(.kernel_stack | type == \"array\" and any(test(\"^(__)?schedule\")))"
		check "$inj: blocked stalls give no sample count" q "$inj" "$sel | all(.stack_samples == null)"
	else
		check "$inj: every stall's stack has samples behind it" q "$inj" \
			"$sel | all(.stack_samples >= 1)"
		check "$inj: cpu stalls have no kernel stack" q "$inj" "$sel | all(.kernel_stack == null)"
	fi
	frames=$(check_frames "$inj")
	note "$inj: $(echo "$frames" | grep -c '^ok') frames checked against nm"
	check "$inj: named frames were checked" [ "$(echo "$frames" | grep -c '^ok')" -ge 3 ]
	check "$inj: every named frame lies inside its symbol" [ -z "$(echo "$frames" | grep '^bad')" ]
	echo "$frames" | grep '^bad' | head -5 | sed 's/^/#   /'
done

# A kernel that refuses the capture program costs the blocked stalls'
# stacks, nothing else: stalls are reported as before.
LOOPWATCH_TEST_REFUSE=stk_sched_switch agent_start refused -c faultlab --stall-ms 50 || exit 0
faultlab_run refused stall --cause sleep --ms 100 --every-ms 400 --count 2
check "refused: agent exits 0 on SIGINT" agent_stop
pid=$(fl refused .pid)
check "refused: the start line says stacks are degraded by the capture" q refused \
	'.[] | select(.type=="start") | .detections.stacks | startswith("degraded: stack_capture")'
check "refused: loop lag and stalls are on" q refused \
	'.[] | select(.type=="start") | .detections.loop_lag == "on" and .detections.stalls == "on"'
check "refused: every injection is still reported" q refused \
	"([.[] | select(.type==\"stall\" and .pid==$pid)] | length) == $(jq -s '[.[] | select(.event=="inject")] | length' "$T/refused.fl")"
check "refused: blocked stalls have no stack" q refused \
	"[.[] | select(.type==\"stall\" and .pid==$pid) | .stack] | all(. == null)"

# The control: --no-stacks.
agent_start off -c faultlab --stall-ms 50 --no-stacks || exit 0
faultlab_run off stall --cause sleep --ms 100 --every-ms 400 --count 2
check "off: agent exits 0 on SIGINT" agent_stop
pid=$(fl off .pid)
check "off: the start line says stacks are off" q off \
	'.[] | select(.type=="start") | .detections.stacks | startswith("off")'
check "off: stalls were reported" q off "([.[] | select(.type==\"stall\" and .pid==$pid)] | length) >= 1"
check "off: no stall has a stack" q off \
	"[.[] | select(.type==\"stall\") | .stack, .kernel_stack, .stack_samples] | all(. == null)"
