#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The top view under tmux: faultlab's row with its lag (100 ms stalls within
# 15 %) and its alert, a healthy loop's row quiet; Enter opens the process
# page with its loop thread; the view survives a resize, pauses, quits on
# 'q' with status 0, and gives the terminal back as it was, on 'q' and on
# SIGTERM.
. "$(dirname "$0")/lib.sh"

SESSION=lw-e2e-top-$$
trap 'tmux kill-session -t "$SESSION" 2>/dev/null; cleanup' EXIT

# start_top NAME [tty]: the agent in a tmux pane; its pid in $T/NAME.pid, its
# exit status in $T/NAME.rc, the terminal settings before and after it in
# $T/NAME.stty0 and $T/NAME.stty1; stderr to $T/NAME.err, or with "tty" to the
# terminal too.
start_top() {
	local name=$1 err="2>$T/$1.err"
	[ "${2:-}" = tty ] && err=
	tmux kill-session -t "$SESSION" 2>/dev/null
	tmux new-session -d -s "$SESSION" -c "$PWD" -x 150 -y 40 \
		"stty -g > $T/$name.stty0; $LW --top -c faultlab </dev/tty $err & echo \$! > $T/$name.pid; wait \$!; echo \$? > $T/$name.rc; stty -g > $T/$name.stty1; sleep 600"
	for _ in $(seq 200); do
		if [ -n "$err" ]; then
			grep -q "attached" "$T/$name.err" 2>/dev/null && [ -s "$T/$name.pid" ] && return 0
		else
			[ -s "$T/$name.pid" ] && [ "$(alt)" = 1 ] && return 0
		fi
		sleep 0.05
	done
	nok "top agent did not attach: $(tail -3 "$T/$name.err")"
	return 1
}
screen() { tmux capture-pane -t "$SESSION" -p; }
alt() { tmux display -p -t "$SESSION" '#{alternate_on}'; }
wait_rc() {
	for _ in $(seq 100); do
		[ -s "$T/$1.rc" ] && return 0
		sleep 0.02
	done
	return 1
}

start_top top || exit 0
faultlab_bg healthy healthy --duration-s 12 || exit 0
faultlab_bg stall stall --cause sleep --ms 100 --every-ms 200 --count 40 || exit 0
pid=$(fl stall .pid)
tid=$(fl stall .loop_tid)
hpid=$(fl healthy .pid)
sleep 4.5
screen >"$T/screen1"
sed 's/^/#   /' "$T/screen1" | head -8
row=$(awk -v p="$pid" '$1 == p' "$T/screen1")
hrow=$(awk -v p="$hpid" '$1 == p' "$T/screen1")
check "the alternate screen is on while the view runs" [ "$(alt)" = 1 ]
check "header shows loops tracked, events/s, lost and alerts firing" \
	grep -q "loops tracked [0-9]* .*events/s .*lost [0-9]* .*alerts firing [1-9]" "$T/screen1"
check "faultlab's row: pid $pid, comm, one loop thread" \
	[ "$(echo "$row" | awk '{ print $2, $3 }')" = "faultlab 1" ]
check "faultlab's row shows its 100 ms lag (max within 15 %)" \
	[ "$(echo "$row" | awk '{ print ($5 >= 85 && $5 <= 115) }')" = 1 ]
check "faultlab's row: stalls caused by blocked, alert loop_lag" \
	[ "$(echo "$row" | awk '{ print ($6 >= 3), $7, $NF }')" = "1 blocked loop_lag" ]
check "the stalling process sorts above the healthy one" \
	[ "$(grep -n "^ *$pid " "$T/screen1" | cut -d: -f1)" -lt "$(grep -n "^ *$hpid " "$T/screen1" | cut -d: -f1)" ]
check "healthy row: lag under 50 ms, no alert" \
	[ "$(echo "$hrow" | awk '{ print ($5 < 50), $NF }')" = "1 -" ]
check "recent events show faultlab's stalls" grep -q "STALL pid $pid tid $tid" "$T/screen1"

tmux send-keys -t "$SESSION" Enter
sleep 1.3
screen >"$T/screen2"
check "Enter opens the process page with its loop thread" \
	bash -c "grep -q '^PID $pid (faultlab)' '$T/screen2' && grep -Eq '^ +$tid +[^ ]+ +(busy|waiting)' '$T/screen2'"
tmux send-keys -t "$SESSION" Escape
sleep 0.3

tmux resize-window -t "$SESSION" -x 90 -y 20
sleep 1.3
screen >"$T/screen3"
check "after a resize to 90x20 the view is redrawn to fit" \
	bash -c "head -1 '$T/screen3' | grep -q '^loopwatch ' && [ \$(awk '{ if (length > m) m = length } END { print m }' '$T/screen3') -le 90 ] && [ \$(wc -l < '$T/screen3') -le 20 ] && grep -q 'PID *COMM' '$T/screen3'"
check "the agent survived the resize" kill -0 "$(cat "$T/top.pid")"

tmux send-keys -t "$SESSION" p
sleep 0.3
check "p pauses" grep -q "PAUSED" <(screen)
t0=$(date +%s%N)
tmux send-keys -t "$SESSION" q
wait_rc top
t1=$(date +%s%N)
note "q to exit: $(((t1 - t0) / 1000000)) ms"
check "q quits with status 0 within a second" \
	[ "$(cat "$T/top.rc" 2>/dev/null)" = 0 -a $(((t1 - t0) / 1000000)) -lt 1000 ]
sleep 0.2
check "terminal restored after q: alternate screen off, same stty settings" \
	bash -c "[ '$(alt)' = 0 ] && cmp -s '$T/top.stty0' '$T/top.stty1'"

# SIGTERM while the view runs, its log lines on the terminal
start_top sig tty || exit 0
sleep 1.5
check "second view is on the alternate screen" [ "$(alt)" = 1 ]
kill -TERM "$(cat "$T/sig.pid")"
wait_rc sig
sleep 0.2
check "SIGTERM: status 0, terminal restored" \
	bash -c "[ '$(cat "$T/sig.rc" 2>/dev/null)' = 0 ] && [ '$(alt)' = 0 ] && cmp -s '$T/sig.stty0' '$T/sig.stty1'"
screen >"$T/screen4"
check "log lines written while the view ran are shown after it" \
	bash -c "grep -q '^loopwatch: dropped privileges' '$T/screen4' && grep -q '^loopwatch: Terminated: detaching' '$T/screen4'"
