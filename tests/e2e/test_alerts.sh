#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# loop_lag alert end to end: faultlab stalls 100 ms every 200 ms; the alert
# fires for its pid exactly when the third interval in a row is over 50 ms
# (within sustain + 1 intervals of the first stall), resolves exactly three
# intervals after the last one over, once each, with one log line and one
# --alert-exec run per transition. A healthy loop beside it gets no alert.
. "$(dirname "$0")/lib.sh"

SUSTAIN=3
agent_start alerts -c faultlab --lag-ms 50 --sustain $SUSTAIN \
	--alert-exec "cat >> $T/exec.jsonl" || exit 0
faultlab_bg healthy healthy --duration-s 10 || exit 0
faultlab_bg stall stall --cause sleep --ms 100 --every-ms 200 --count 25 --start-delay-ms 1000 ||
	exit 0
t_ready=$(date +%s.%N)
# first fault one period after the start delay
t_first=$(awk -v t="$t_ready" 'BEGIN { printf "%.3f", t + 1.2 }')
pid=$(fl stall .pid)
hpid=$(fl healthy .pid)
# 25 faults take 5 s; then the alert needs SUSTAIN quiet intervals
wait "${FL_PIDS[1]}"
t_last=$(date +%s.%N)
sleep $((SUSTAIN + 2))
check "agent exits 0 on SIGINT" agent_stop

epoch() { jq -r "$1 | sub(\"\\\\.[0-9]+Z\$\"; \"Z\") | fromdateiso8601" "$T/alerts.json"; }
ms() { jq -r "$1" "$T/alerts.json"; }

# the pid's summaries and alerts in the order the agent wrote them
jq -c "select(.pid==$pid and (.type==\"summary\" or .type==\"alert\")) |
	if .type==\"summary\" then {t: .time, over: (.lag_max_ms >= 50)} else {t: .time, alert: .state} end" \
	"$T/alerts.json" >"$T/seq"
note "pid $pid: $(jq -c -s '[.[] | if .alert then .alert else (if .over then 1 else 0 end) end]' "$T/seq")"

check "exactly one firing and one resolved loop_lag alert for pid $pid" q alerts \
	"([.[] | select(.type==\"alert\" and .pid==$pid and .rule==\"loop_lag\" and .state==\"firing\")] | length) == 1 and
	 ([.[] | select(.type==\"alert\" and .pid==$pid and .rule==\"loop_lag\" and .state==\"resolved\")] | length) == 1"
check "no other alert for pid $pid" q alerts \
	"[.[] | select(.type==\"alert\" and .pid==$pid and .rule!=\"loop_lag\")] | length == 0"
check "fires in the interval that is the ${SUSTAIN}rd in a row over 50 ms" \
	[ "$(jq -s -r "(map(.alert==\"firing\") | index(true)) as \$i |
		if \$i == null or \$i < $SUSTAIN then \"no\" else
		(.[\$i-$SUSTAIN:\$i] | all(.over == true)) and (\$i == $SUSTAIN or .[\$i-$SUSTAIN-1].over == false)
		and (.[\$i].t == .[\$i-1].t) end" "$T/seq")" = true ]
last_over=$(jq -s -r '[.[] | select(.over == true) | .t] | last' "$T/seq")
t_fire=$(epoch "select(.type==\"alert\" and .pid==$pid and .state==\"firing\") | .time")
t_res=$(epoch "select(.type==\"alert\" and .pid==$pid and .state==\"resolved\") | .time")
t_lo=$(jq -n -r "\"$last_over\" | sub(\"\\\\.[0-9]+Z\$\"; \"Z\") | fromdateiso8601")
note "first fault ~$t_first, fired $t_fire; last over interval $t_lo, faultlab exited ~$t_last, resolved $t_res"
check "fires within sustain + 1 intervals of the first stall" \
	awk -v d="$(awk -v a="$t_fire" -v b="$t_first" 'BEGIN { print a - b }')" -v s=$SUSTAIN 'BEGIN { exit !(d <= s + 1 && d >= s - 2) }'
check "resolves exactly sustain intervals after the last interval over" \
	[ "$((t_res - t_lo))" -eq "$SUSTAIN" ]
check "resolves within sustain + 1 intervals after the stalls stop" \
	awk -v d="$(awk -v a="$t_res" -v b="$t_last" 'BEGIN { print a - b }')" -v s=$SUSTAIN 'BEGIN { exit !(d <= s + 1 && d >= s - 2) }'
check "firing alert: value is the 100 ms stall (within 15 %), threshold 50, comm faultlab" q alerts \
	"[.[] | select(.type==\"alert\" and .pid==$pid and .state==\"firing\")] |
	 all(.value >= 85 and .value <= 115 and .threshold == 50 and .comm == \"faultlab\" and .unit == \"ms\")"
check "resolved alert: value below the threshold" q alerts \
	"[.[] | select(.type==\"alert\" and .pid==$pid and .state==\"resolved\")] | all(.value < 50)"
check "healthy control pid $hpid: no alert, every interval under 50 ms" q alerts \
	"([.[] | select(.type==\"alert\" and .pid==$hpid)] | length) == 0 and
	 ([.[] | select(.type==\"summary\" and .pid==$hpid)] | length >= 5 and all(.lag_max_ms < 50))"
check "one log line per transition on stderr" \
	[ "$(grep -c "alert loop_lag firing: pid $pid (faultlab)" "$T/alerts.err")" -eq 1 -a \
	  "$(grep -c "alert loop_lag resolved: pid $pid (faultlab)" "$T/alerts.err")" -eq 1 ]
jq -c "select(.type==\"alert\" and .pid==$pid)" "$T/alerts.json" >"$T/alerts.pid"
jq -c "select(.pid==$pid)" "$T/exec.jsonl" >"$T/exec.pid" 2>/dev/null
check "--alert-exec got each alert line on stdin, once" cmp -s "$T/alerts.pid" "$T/exec.pid"
