#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Readiness lag, from data arriving on a loop's socket to the wait call that
# hands it over: an idle loop (faultlab healthy) takes it within 1 ms at p99
# in every interval and reports nothing else of this family (the silent
# control); a loop stalled 100 ms by a sleep hands data over after the rest
# of the stall: the largest readiness lag is within 10 % of the stall.
# The idle loop calls for no per-packet detail: a symptom elsewhere engages
# it first (lib.sh detail_engage); the stalled one engages it itself.
. "$(dirname "$0")/lib.sh"

sum() { sel summary "$(fl "$1" .pid)"; }

ENGAGE=1 agent_around "idle: faultlab healthy ran" idle -c faultlab -- healthy --duration-s 4 || exit 0
agent_stop
pid=$(fl idle .pid)
note "idle: [wakeups, ready p99, ready max] $(v idle "$(sum idle) | map([.wakeups, .ready_lag_p99_ms, .ready_lag_max_ms])")"
check "idle: data handed over in at least 3 intervals" q idle \
	"$(sum idle) | map(select(.ready_lag_max_ms > 0)) | length >= 3"
check "idle: readiness lag p99 under 1 ms in every interval" q idle \
	"$(sum idle) | map(select(.ready_lag_max_ms > 0)) | all(.ready_lag_p99_ms < 1)"
check "idle: p99 never above the maximum" q idle \
	"$(sum idle) | all(.ready_lag_p99_ms <= .ready_lag_max_ms)"
check "idle: no herd, hot loop, undrained or starved socket, nothing futile" q idle \
	"([.[] | select(.pid==$pid and (.type==\"herd\" or .type==\"lt_hot_loop\" or .type==\"undrained_et\" or .type==\"et_starved\"))] | length == 0) and ($(sum idle) | map(.futile) | add) == 0"

agent_around "stall: faultlab ran" stall -c faultlab -- \
	stall --cause sleep --ms 100 --every-ms 400 --count 3 || exit 0
agent_stop
want=$(jq -s '[.[] | select(.event=="inject") | .ms] | max' "$T/stall.fl")
note "stall: injected $(jq -s -c '[.[] | select(.event=="inject") | .ms]' "$T/stall.fl") ms; readiness lag max per interval $(v stall "$(sum stall) | map(.ready_lag_max_ms)")"
check "stall: three stalls injected" [ "$(jq -s '[.[] | select(.event=="inject")] | length' "$T/stall.fl")" -eq 3 ]
check "stall: largest readiness lag within 10 % of the ${want} ms stall" q stall \
	"($(sum stall) | map(.ready_lag_max_ms) | max) as \$m | ((\$m - $want) | fabs) <= $want * 0.1"
