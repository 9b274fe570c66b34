#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A flood of stalls while the agent is frozen overflows the ring buffer. The
# agent must keep running, count every lost record in the kernel, say which
# intervals are incomplete, and keep its memory bounded. The kernel's own
# stall count (thread map) must equal records received plus records lost.
# Stacks are off: their records share the lost counter, so with them the
# identity would count their losses too. 16 threads make about 16,000
# records in the 5 s the agent is frozen, well past the 1 MiB ring (8
# made about 8,000, which one run in several fitted in).
. "$(dirname "$0")/lib.sh"

agent_start flood -c faultlab --stall-ms 1 --no-stacks || exit 0
faultlab_bg flood stall --cause sleep --ms 2 --every-ms 5 --count 1200 --threads 16 || exit 0
pid=$(fl flood .pid)
sleep 1
kill -STOP "$AGENT_PID"
sleep 5
kill -CONT "$AGENT_PID"
wait "${FL_PIDS[@]}" 2>/dev/null
sleep 2
check "agent survives the flood and exits 0" agent_stop
lost=$(v flood '[.[] | select(.type=="agent") | .lost_events] | add')
got=$(v flood "[.[] | select(.type==\"stall\" and .pid==$pid)] | length")
kernel=$(v flood "[.[] | select(.type==\"summary\" and .pid==$pid) | .stalls] | add")
note "stall records received $got, lost $lost, stalls counted in the kernel $kernel"
check "lost events are counted (> 0)" test "${lost:-0}" -gt 0
check "received + lost = kernel count (within 0.5 %)" \
	test "$(((got + lost - kernel) * 1000 / kernel))" -le 5 -a "$(((kernel - got - lost) * 1000 / kernel))" -le 5
check "summaries of intervals with losses say incomplete" q flood \
	"([.[] | select(.type==\"agent\" and .lost_events > 0) | .time]) as \$t |
	 [.[] | select(.type==\"summary\" and (.time as \$x | \$t | index(\$x)))] | length > 0 and all(.incomplete)"
check "intervals without losses or skipped runs are complete" q flood \
	"([.[] | select(.type==\"agent\" and .lost_events == 0 and .missed_runs == 0) | .time]) as \$t |
	 [.[] | select(.type==\"summary\" and (.time as \$x | \$t | index(\$x)))] | all(.incomplete | not)"
check "agent keeps reporting after the flood" q flood \
	"[.[] | select(.type==\"agent\")] | (map(.lost_events > 0) | index(true)) as \$i | length - \$i >= 2"
check "agent RSS stays under 50 MB" q flood "[.[] | select(.type==\"agent\") | .rss_kb] | max < 51200"
check "the agent said so on stderr" grep -q "events lost this interval" "$T/flood.err"
