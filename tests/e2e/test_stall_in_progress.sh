#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stalls in progress: a loop stuck for seconds is reported while it is stuck
# (stall_in_progress at interval ticks: once at least max(--stall-ms,
# interval) old, then each time its age has doubled), and once more by the
# usual stall line when it ends. With -i 1: a 3.5 s sleep gives two lines
# before its stall line, a 3 s CPU spin at least one with cause cpu; a
# healthy loop and 200 ms stalls give none.
. "$(dirname "$0")/lib.sh"

# ms since the epoch of an RFC 3339 time
epoch_ms() { date -d "$1" +%s%3N; }

# sync_to_tick NAME LEAD_MS: sleep until a faultlab started now would inject
# its first fault (one 500 ms period after it starts) LEAD_MS before one of
# the agent's interval ticks, read from the agent's last "agent" line. With
# -i 1 and a start 0 < LEAD_MS < 500 ms before a tick, a 3.5 s window is
# seen at ticks at ages 1 s + LEAD, 2 s + LEAD and 3 s + LEAD: reported at
# the first and the last (twice as old), not at the middle one. Without
# this, a window that starts just after a tick is first seen at ~2 s and
# ends before the next doubling: one line, by chance half of the time.
sync_to_tick() {
	local name=$1 lead=$2 t tick now wait_ms
	for _ in $(seq 60); do
		t=$(jq -r 'select(.type=="agent") | .time' "$T/$name.json" 2>/dev/null | tail -1)
		[ -n "$t" ] && break
		sleep 0.05
	done
	[ -n "$t" ] || return 1
	tick=$(epoch_ms "$t")
	now=$(date +%s%3N)
	# faultlab's setup before its timer starts: ~10 ms here
	wait_ms=$(( ((tick - lead - 500 - 10 - now) % 1000 + 2000) % 1000 ))
	sleep "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))"
}

# sip NAME PID: the stall_in_progress lines for PID, as a jq array
sip() { echo "[.[] | select(.type==\"stall_in_progress\" and .pid==$2)]"; }
# jq: ms since the epoch of an RFC 3339 time with milliseconds
MS='def ms(f): (f | sub("\\.[0-9]+Z$"; "Z") | fromdate) * 1000 + (f | capture("\\.(?<m>[0-9]+)Z$").m | tonumber);'

# --- a 3.5 s sleep -------------------------------------------------------
agent_start sleep -i 1 -c faultlab --stall-ms 50 || exit 0
sync_to_tick sleep 250 || nok "sleep: no agent line to take the tick from"
faultlab_run sleep stall --cause sleep --ms 3500 --every-ms 500 --count 1
check "sleep: faultlab ran" [ $? -eq 0 ]
check "sleep: agent exits 0 on SIGINT" agent_stop
pid=$(fl sleep .pid)
tid=$(fl sleep .loop_tid)
inj=$(jq -s '[.[] | select(.event=="inject") | .ms] | .[0]' "$T/sleep.fl")
note "sleep: injected $inj ms; in progress $(v sleep "$(sip sleep "$pid") | map([.duration_ms, .cause, .syscall, .started])"); stall $(v sleep "[.[] | select(.type==\"stall\" and .pid==$pid) | .duration_ms]")"
check "sleep: at least 2 stall_in_progress lines for pid $pid tid $tid" q sleep \
	"($(sip sleep "$pid")) as \$l | (\$l | length) >= 2 and (\$l | all(.tid==$tid))"
check "sleep: the first when at least 1 s (the interval) old, each next at least twice as old" q sleep \
	"($(sip sleep "$pid") | map(.duration_ms)) as \$d | \$d[0] >= 1000 and
	 ([range(1; \$d | length)] | all(. as \$i | \$d[\$i] >= 2 * \$d[\$i - 1]))"
check "sleep: duration_ms within 150 ms of time - started" q sleep \
	"$MS $(sip sleep "$pid") | all((ms(.time) - ms(.started) - .duration_ms) | fabs <= 150)"
check "sleep: cause blocked in clock_nanosleep, parts add up" q sleep \
	"$(sip sleep "$pid") | all(.cause==\"blocked\" and .syscall==\"clock_nanosleep\" and
	 ((.parts.cpu + .parts.runqueue + .parts.blocked - .duration_ms) | fabs < 0.01))"
check "sleep: all about one window, all before its stall line" q sleep \
	"(to_entries | map(select(.value.pid==$pid and (.value.type==\"stall\" or .value.type==\"stall_in_progress\")))) as \$e |
	 (\$e | map(select(.value.type==\"stall\")) | length) == 1 and
	 (\$e | last | .value.type) == \"stall\" and
	 (\$e | map(select(.value.type==\"stall_in_progress\") | .value.started) | unique | length) == 1"
check "sleep: the stall line once, within 15 % of the injected $inj ms" q sleep \
	"[.[] | select(.type==\"stall\" and .pid==$pid)] | length == 1 and
	 (.[0].duration_ms - $inj | fabs) <= $inj * 0.15 and .[0].cause == \"blocked\""
check "sleep: started is where the stall line says the window began (within 50 ms)" q sleep \
	"$MS ([.[] | select(.type==\"stall\" and .pid==$pid)][0]) as \$s |
	 $(sip sleep "$pid") | all((ms(.started) - (ms(\$s.time) - \$s.duration_ms)) | fabs <= 50)"

# --- a 3 s CPU spin -------------------------------------------------------
# (the textfile's gauge is sampled meanwhile: a hung loop must show there too)
agent_start cpu -i 1 -c faultlab --stall-ms 50 --prom-file "$T/cpu.prom" || exit 0
( while :; do
	sed -n 's/^loopwatch_loop_stall_in_progress_seconds{pid="\([0-9]*\)".*} \(.*\)$/\1 \2/p' \
		"$T/cpu.prom" 2>/dev/null >>"$T/cpu.gauge"
	sleep 0.2
  done ) &
SAMPLER=$!
faultlab_run cpu stall --cause cpu --ms 3000 --every-ms 500 --count 1
rc=$?
sleep 1.2	# one more interval: the window has closed
kill "$SAMPLER"; wait "$SAMPLER" 2>/dev/null
check "cpu: faultlab ran" [ $rc -eq 0 ]
check "cpu: agent exits 0 on SIGINT" agent_stop
pid=$(fl cpu .pid)
tid=$(fl cpu .loop_tid)
note "cpu: textfile gauge samples for pid $pid: $(awk -v p="$pid" '$1 == p { printf "%s ", $2 }' "$T/cpu.gauge" | tr -s ' ' | cut -c1-200)"
check "cpu: the textfile's stall_in_progress gauge reached 1-3 s during the stall" \
	awk -v p="$pid" '$1 == p && $2 > m { m = $2 } END { exit !(m >= 1 && m < 3) }' "$T/cpu.gauge"
check "cpu: and is back to 0 once the loop returned" \
	awk -v p="$pid" '$1 == p { last = $2 } END { exit !(last == 0) }' "$T/cpu.gauge"
note "cpu: in progress $(v cpu "$(sip cpu "$pid") | map([.duration_ms, .cause, .parts.cpu])"); stall $(v cpu "[.[] | select(.type==\"stall\" and .pid==$pid) | [.duration_ms, .cause]]")"
check "cpu: stall_in_progress for tid $tid, cause cpu, no syscall" q cpu \
	"($(sip cpu "$pid")) as \$l | (\$l | length) >= 1 and
	 (\$l | all(.tid==$tid and .cause==\"cpu\" and .syscall==null and .duration_ms >= 1000 and .duration_ms < 3000))"
check "cpu: the stall line once, cause cpu" q cpu \
	"[.[] | select(.type==\"stall\" and .pid==$pid)] | length == 1 and .[0].cause == \"cpu\" and
	 (.[0].duration_ms - 3000 | fabs) <= 450"

# --- short stalls: below the interval ------------------------------------
agent_start short -i 1 -c faultlab --stall-ms 50 || exit 0
faultlab_run short stall --cause sleep --ms 200 --every-ms 400 --count 3
check "short: faultlab ran" [ $? -eq 0 ]
check "short: agent exits 0 on SIGINT" agent_stop
pid=$(fl short .pid)
check "short: 3 stall lines of ~200 ms for pid $pid" q short \
	"[.[] | select(.type==\"stall\" and .pid==$pid) | .duration_ms] | length == 3 and all(. >= 190 and . <= 230)"
check "short: no stall_in_progress" q short "$(sip short "$pid") | length == 0"

# --- healthy control ------------------------------------------------------
agent_start healthy -i 1 -c faultlab || exit 0
faultlab_run healthy healthy --duration-s 4
check "healthy: faultlab ran" [ $? -eq 0 ]
check "healthy: agent exits 0 on SIGINT" agent_stop
pid=$(fl healthy .pid)
check "healthy: the agent saw its loop (iterations in summaries)" q healthy \
	"[.[] | select(.type==\"summary\" and .pid==$pid) | .iterations] | add > 1000"
check "healthy: no stall_in_progress at all" q healthy "$(sip healthy "$pid") | length == 0"
