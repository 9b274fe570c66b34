#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Edge- and level-triggered mistakes and their controls:
#  et-undrained  reads 100 bytes per edge: one undrained_et (faultlab's pid,
#                loop tid, fd and ports, bytes left), then once the peer
#                stops sending one et_starved whose bytes left are exactly
#                what faultlab finds unread at the end;
#  et-correct    reads to EAGAIN: neither;
#  et-keepalive  one read per request, as nginx does, the next request
#                there before the loop waits again: neither;
#  lt-hotloop    never reads a level-triggered fd: lt_hot_loop with its fd;
#  lt-drain      reads everything: none.
# The two mistakes engage the detail tier by their own sign (bytes that
# outlive a sweep), so their first reports come a sweep or two into the
# run; the controls have no sign of their own and run with the tier engaged
# by another faultlab's stall first (ENGAGE), or they would prove nothing.
. "$(dirname "$0")/lib.sh"

STARVE_MS=200

# run NAME SCENARIO ARGS...: agent around one faultlab run.
run() {
	local name=$1
	shift
	agent_around "$name: faultlab ran" "$name" -c faultlab --starve-ms $STARVE_MS -- "$@" || return 1
	# the starvation watch needs a few checks after the peer went quiet
	sleep 0.5
	agent_stop
}

# ev NAME TYPE: this run's events of TYPE for faultlab's pid.
ev() { sel "$2" "$(fl "$1" .pid)"; }
sum() { echo "($(sel summary "$(fl "$1" .pid)") | map(.$2) | add // 0)"; }

# engaged: the agent line says the detail tier is on for the bytes left
engaged_by_linger() {
	check "$1: the detail tier engaged for the bytes left (trigger lingering_bytes)" q "$1" \
		'[.[] | select(.type=="agent" and .detail.engaged and (.detail.triggers | test("lingering_bytes")))] | length >= 1'
}

run et-undrained et-undrained --send-s 4 --duration-s 6 && {
	n=et-undrained
	fd=$(fl $n .fd); tid=$(fl $n .loop_tid)
	lp=$(fl $n .local_port); rp=$(fl $n .remote_port)
	left=$(fl_done $n .bytes_left)
	note "$n: fd $fd tid $tid ports $lp/$rp, $left bytes left at the end; got $(v $n "$(ev $n undrained_et) + $(ev $n et_starved)")"
	check "$n: faultlab left bytes unread" [ "${left:-0}" -gt 0 ]
	engaged_by_linger $n
	check "$n: one undrained_et for tid $tid, fd $fd, ports $lp -> $rp, bytes left" q $n \
		"$(ev $n undrained_et) | length == 1 and all(.tid==$tid and .fd==$fd and .local_port==$lp and .remote_port==$rp and .bytes_left > 0)"
	check "$n: one et_starved once the peer stopped" q $n \
		"$(ev $n et_starved) | length == 1 and all(.tid==$tid and .fd==$fd and .local_port==$lp and .remote_port==$rp)"
	check "$n: starved bytes are exactly those faultlab finds unread" q $n \
		"$(ev $n et_starved) | all(.bytes_left == $left)"
	check "$n: starved_ms between --starve-ms and a quarter more (+ 50 ms)" q $n \
		"$(ev $n et_starved) | all(.starved_ms >= $STARVE_MS and .starved_ms <= $((STARVE_MS * 5 / 4 + 50)))"
	check "$n: summaries count one undrained and one starved" q $n \
		"$(sum $n undrained_et) == 1 and $(sum $n et_starved) == 1"
}

ENGAGE=1 run et-correct et-correct --send-s 1 --duration-s 3 && {
	n=et-correct
	note "$n: wake-ups $(v $n "$(sum $n wakeups)"), events $(v $n "$(ev $n undrained_et) + $(ev $n et_starved)")"
	check "$n: the loop was handed the traffic (>= 15 wake-ups)" q $n "$(sum $n wakeups) >= 15"
	check "$n: no undrained_et" q $n "$(ev $n undrained_et) | length == 0"
	check "$n: no et_starved" q $n "$(ev $n et_starved) | length == 0"
}

ENGAGE=1 run et-keepalive et-keepalive --duration-s 2 && {
	n=et-keepalive
	note "$n: $(fl_done $n .replies) replies, wake-ups $(v $n "$(sum $n wakeups)"), events $(v $n "$(ev $n undrained_et) + $(ev $n et_starved)")"
	check "$n: the exchange ran (>= 1000 replies, none left unread)" \
		[ "$(fl_done $n .replies)" -ge 1000 -a "$(fl_done $n .bytes_left)" -eq 0 ]
	check "$n: the loop was handed every request" q $n "$(sum $n wakeups) >= $(fl_done $n .replies)"
	check "$n: no undrained_et" q $n "$(ev $n undrained_et) | length == 0"
	check "$n: no et_starved" q $n "$(ev $n et_starved) | length == 0"
}

run lt-hotloop lt-hotloop --duration-s 5 && {
	n=lt-hotloop
	fd=$(fl $n .fd); tid=$(fl $n .loop_tid)
	lp=$(fl $n .local_port); rp=$(fl $n .remote_port)
	note "$n: fd $fd tid $tid; got $(v $n "$(ev $n lt_hot_loop)")"
	engaged_by_linger $n
	check "$n: lt_hot_loop for tid $tid, fd $fd, ports $lp -> $rp" q $n \
		"$(ev $n lt_hot_loop) | length >= 1 and all(.tid==$tid and .fd==$fd and .local_port==$lp and .remote_port==$rp)"
	check "$n: first report at 64 returns in a row, later ones count on" q $n \
		"$(ev $n lt_hot_loop) | .[0].wakeups == 64 and (. as \$e | [range(1; length)] | all(\$e[.].wakeups > \$e[. - 1].wakeups))"
	check "$n: at most one report a second (+1)" q $n "$(ev $n lt_hot_loop) | length <= 5"
	check "$n: summary counts them" q $n "$(sum $n lt_hot_loops) == ($(ev $n lt_hot_loop) | length)"
	check "$n: not futile (the fd is readable)" q $n "$(sum $n futile) == 0"
}

ENGAGE=1 run lt-drain lt-drain --duration-s 2 && {
	n=lt-drain
	note "$n: wake-ups $(v $n "$(sum $n wakeups)"), hot loops $(v $n "$(ev $n lt_hot_loop) | length")"
	check "$n: the loop was handed the traffic (>= 50 wake-ups)" q $n "$(sum $n wakeups) >= 50"
	check "$n: no lt_hot_loop" q $n "$(ev $n lt_hot_loop) | length == 0"
	check "$n: nothing undrained or futile" q $n \
		"$(ev $n undrained_et) | length == 0 and $(sum $n futile) == 0"
}
