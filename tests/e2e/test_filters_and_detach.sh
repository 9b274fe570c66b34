#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# -p watches only the given process; the agent leaves no BPF program behind.
. "$(dirname "$0")/lib.sh"

# ids of the BPF programs a process holds
prog_ids() { cat /proc/"$1"/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' | sort -un | jq -s -c .; }
still_loaded() { bpftool prog show -j 2>/dev/null | jq --argjson ids "$1" '[.[] | select(.id as $i | $ids | index($i))] | length'; }

# -p needs the pids before the agent starts: faultlab waits long enough for
# the agent to attach (the sanitizer build on a busy host takes seconds).
faultlab_bg a stall --cause sleep --ms 80 --every-ms 300 --count 4 --start-delay-ms 4000 || exit 0
faultlab_bg b stall --cause sleep --ms 80 --every-ms 300 --count 4 --start-delay-ms 4000 || exit 0
a=$(fl a .pid)
b=$(fl b .pid)
agent_start filt -p "$a" || exit 0
ids=$(prog_ids "$AGENT_PID")
note "agent $AGENT_PID holds programs $ids"
check "probes are loaded while the agent runs" [ "$(echo "$ids" | jq length)" -ge 8 ]
wait "${FL_PIDS[@]}" 2>/dev/null
check "agent exits 0" agent_stop
check "stalls of the watched pid $a are reported" q filt \
	"[.[] | select(.type==\"stall\" and .pid==$a)] | length == 4"
check "nothing about the other faultlab $b" q filt \
	"[.[] | select(.pid==$b)] | length == 0"
check "nothing about any other process" q filt \
	"[.[] | select(.pid != null and .pid != $a)] | length == 0"
check "none of the agent's programs stays loaded after exit" [ "$(still_loaded "$ids")" -eq 0 ]

# SIGKILL: nothing is pinned, so every program goes with the process
agent_start killed -p $$ || exit 0
kids=$(prog_ids "$AGENT_PID")
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=
sleep 0.5
check "after SIGKILL none of the agent's $(echo "$kids" | jq length) programs stays loaded" \
	test "$(echo "$kids" | jq length)" -ge 8 -a "$(still_loaded "$kids")" -eq 0

# --detect loop (and no stacks, whose programs are their own) loads only the
# loop-lag programs and still reports stalls
faultlab_bg c stall --cause sleep --ms 80 --every-ms 300 --count 3 --start-delay-ms 4000 || exit 0
c=$(fl c .pid)
agent_start detect --detect loop --no-stacks -p "$c" || exit 0
ids=$(prog_ids "$AGENT_PID")
wait "${FL_PIDS[@]}" 2>/dev/null
agent_stop
# eight on the syscall tracepoints, four where fentry or kprobes hook
# do_epoll_wait; and ten for the other waits (poll, ppoll, select, pselect6,
# io_uring_enter: entry and return), whatever the path
path=$(v detect '[.[] | select(.type=="start") | .hooks][0]')
want=$([ "$path" = '"tracepoint"' ] && echo 18 || echo 14)
check "--detect loop attaches the $want loop-lag programs of the $path path only ($ids)" \
	grep -q "attached $want probes" "$T/detect.err"
check "--detect loop still reports the stalls" q detect \
	"[.[] | select(.type==\"stall\" and .pid==$c)] | length == 3"

# -d counts from attach and ends the agent by itself
start=$(date +%s%N)
"$LW" --json -d 2 -p $$ >"$T/dur.json" 2>"$T/dur.err"
rc=$?
el=$((($(date +%s%N) - start) / 1000000))
check "-d 2 exits 0 by itself" [ $rc -eq 0 ]
check "-d 2 took 2 s plus start-up (${el} ms)" test "$el" -ge 2000 -a "$el" -lt 8000
check "-d 2 printed 2 agent lines" [ "$(grep -c '"type":"agent"' "$T/dur.json")" -ge 2 ]
