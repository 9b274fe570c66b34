#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The config file: a bad one at start is one line and exit 2; a good one
# sets thresholds and outputs, the command line wins over it; SIGHUP reloads
# it (a new threshold fires the alert, a new interval re-arms the timer) and a
# bad new file keeps the old settings with one clear line.
. "$(dirname "$0")/lib.sh"

cfg=$T/loopwatch.conf

# --- bad files at start ---
printf '[thresholds]\nlag_ms = 50\nlagms = 10\n' >"$cfg"
"$LW" --json --config "$cfg" >"$T/bad.out" 2>"$T/bad.err"
rc=$?
note "bad key: status $rc, stderr: $(cat "$T/bad.err")"
check "bad key at start: exit 2, one line naming file, line and key, with the --help hint" \
	bash -c "[ $rc -eq 2 ] && [ \$(wc -l < '$T/bad.err') -eq 1 ] && [ ! -s '$T/bad.out' ] &&
		grep -qx \"loopwatch: bad config $cfg line 3: unknown key 'lagms' in \\[thresholds\\] (try 'loopwatch --help')\" '$T/bad.err'"
printf '[output]\ninterval = soon\n' >"$cfg"
"$LW" --json --config "$cfg" >/dev/null 2>"$T/bad2.err"
rc=$?
check "bad value at start: exit 2, one line" \
	bash -c "[ $rc -eq 2 ] && [ \$(wc -l < '$T/bad2.err') -eq 1 ] && grep -q \"line 2: invalid value 'soon' for interval\" '$T/bad2.err'"
"$LW" --json --config "$T/missing.conf" >/dev/null 2>"$T/bad3.err"
rc=$?
check "unreadable config at start: exit 2, one line" \
	bash -c "[ $rc -eq 2 ] && [ \$(wc -l < '$T/bad3.err') -eq 1 ] && grep -q 'cannot read config .*missing.conf: No such file' '$T/bad3.err'"

# --- the command line wins over the file ---
printf '[thresholds]\nlag_ms = 50\nsustain = 1\n[output]\nprom_file = %s\n' "$T/flags.prom" >"$cfg"
agent_start flags -c faultlab --config "$cfg" --lag-ms 1000 || exit 0
faultlab_run flags stall --cause sleep --ms 100 --every-ms 200 --count 10
fpid=$(fl flags .pid)
agent_stop
check "file's prom_file is written" grep -q "pid=\"$fpid\"" "$T/flags.prom"
check "--lag-ms 1000 beats lag_ms = 50: no alert for 100 ms stalls" q flags \
	"([.[] | select(.type==\"summary\" and .pid==$fpid and .lag_max_ms > 90)] | length) >= 1 and
	 ([.[] | select(.type==\"alert\" and .pid==$fpid)] | length) == 0"

# --- SIGHUP ---
printf '[thresholds]\nlag_ms = 1000\nsustain = 1\n' >"$cfg"
agent_start hup -c faultlab --config "$cfg" || exit 0
faultlab_bg hup stall --cause sleep --ms 100 --every-ms 200 --count 60 || exit 0
pid=$(fl hup .pid)
sleep 2.5
printf '[thresholds]\nlag_ms = 50\nsustain = 1\n[output]\ninterval = 2\n' >"$cfg"
t_hup=$(date +%s)
kill -HUP "$AGENT_PID"
sleep 3.5
printf '[thresholds]\nlag_ms = 50\nsustain = 1\nbogus\n' >"$cfg"
kill -HUP "$AGENT_PID"
sleep 4.5
check "agent still runs after a bad reload" kill -0 "$AGENT_PID"
check "agent exits 0" agent_stop
note "stderr: $(grep -E 'SIGHUP|reloaded' "$T/hup.err" | tr '\n' '|')"
check "no alert under the first file's 1000 ms threshold" q hup \
	"[.[] | select(.type==\"alert\" and .pid==$pid and (.time | sub(\"\\\\.[0-9]+Z\$\"; \"Z\") | fromdateiso8601) < $t_hup)] | length == 0"
check "after SIGHUP the new 50 ms threshold fires loop_lag within 2 intervals, once" q hup \
	"[.[] | select(.type==\"alert\" and .pid==$pid)] as \$a | (\$a | length) == 1 and \$a[0].state == \"firing\" and
	 \$a[0].threshold == 50 and ((\$a[0].time | sub(\"\\\\.[0-9]+Z\$\"; \"Z\") | fromdateiso8601) - $t_hup) <= 3"
check "one line says the reload worked" \
	[ "$(grep -c "reloaded $cfg: lag_ms 50, sustain 1, stall_ms 50, interval 2 s" "$T/hup.err")" -eq 1 ]
check "a bad new file: one line naming the error, old settings kept" \
	bash -c "[ \$(grep -c 'SIGHUP' '$T/hup.err') -eq 1 ] &&
		grep -q \"SIGHUP: bad config $cfg line 4: syntax error .*; keeping the previous settings\" '$T/hup.err'"
# intervals: 1 s before the good reload, 2 s after it, still 2 s after the bad
# one (the last line is the partial interval at exit)
jq -r 'select(.type=="agent") | .time | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601' "$T/hup.json" >"$T/ticks"
note "agent lines at: $(tr '\n' ' ' <"$T/ticks")"
check "the new interval of 2 s took effect and survived the bad reload" \
	[ "$(sed '$d' "$T/ticks" | awk -v h="$t_hup" '$1 > h { if (p) d[$1 - p]++; p = $1 } END { print (d[2] >= 2 && d[1] + 0 == 0) }')" = 1 ]
check "the alert stays firing after the bad reload (no resolve while stalling)" q hup \
	"[.[] | select(.type==\"alert\" and .pid==$pid and .state==\"resolved\")] | length == 0"
