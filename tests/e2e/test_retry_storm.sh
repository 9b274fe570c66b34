#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Retry storms and ephemeral ports, in one agent run (-c faultlab):
#  none    50 clients retrying a refusing loopback port in step (exact
#          doubling): a retry_storm for the port with the peak at 80 % of
#          the clients or more, backoff exponential, the retry_storm alert;
#  full    the same with full jitter: no retry_storm;
#  single  one client retrying: no retry_storm;
#  ports   port-exhaust: the backpressure line of queue "ports" at 90 % of
#          the namespace's range before faultlab's first EADDRNOTAVAIL, and
#          the ephemeral_ports alert;
# in every run, the summaries' connect_attempts, connect_failures and
# connect_addrnotavail add up to faultlab's own counts exactly (less the
# program runs the kernel said it skipped).
. "$(dirname "$0")/lib.sh"

MS='def ms: (.[0:19] + "Z" | fromdateiso8601) * 1000 + (.[20:23] | tonumber);'
sum() { echo "($(sel summary "$1") | map(.$2) | add // 0)"; }
# exact NAME PID FIELD TRUTH: the summaries' FIELD adds up to TRUTH, less at
# most the program runs the kernel skipped (missed_runs of the agent lines
# from PID's first summary to its last: each loses one count at most).
exact() {
	local got missed
	got=$(v $a "$(sum "$2" "$3")")
	missed=$(v $a "($(sel summary "$2") | map(.time) | [min, max]) as [\$t0, \$t1] |
		[.[] | select(.type==\"agent\" and .time >= \$t0 and .time <= \$t1) | .missed_runs] | add // 0")
	check "$1: summaries' $3 are faultlab's $4 (seen $got, $missed runs skipped)" \
		[ "${got:-0}" -le "$4" -a "$(($4 - ${got:-0}))" -le "${missed:-0}" ]
}

a=storm
agent_start $a -c faultlab || exit 1
for r in "none --clients 50 --jitter none" "full --clients 50 --jitter full" \
	 "single --clients 1 --jitter none"; do
	set -- $r
	n=$1
	shift
	"$FL" retry-storm "$@" >"$T/$n.fl" 2>"$T/$n.flerr"
	check "$n: faultlab ran" [ $? -eq 0 ]
done
"$FL" port-exhaust >"$T/ports.fl" 2>"$T/ports.flerr"
check "ports: faultlab ran" [ $? -eq 0 ]
# one more interval, so every count is in a summary
sleep 1.5
agent_stop
check "the agent exits 0" [ $? -eq 0 ]

for n in none full single; do
	pid=$(fl $n .pid); port=$(fl $n .port); clients=$(fl $n .clients)
	att=$(fl_done $n .attempts); fail=$(fl_done $n .failures)
	ev="[.[] | select(.type==\"retry_storm\" and .remote==\"127.0.0.1:$port\")]"
	note "$n: faultlab: $clients clients, $att attempts, $fail failures, $(fl_done $n .connected) connected; retry_storm: $(v $a "$ev | map([.peak_20ms, .clients, .attempts, .failures, .backoff])")"
	exact "$n" "$pid" connect_attempts "$att"
	exact "$n" "$pid" connect_failures "$fail"
	if [ $n = none ]; then
		check "$n: a retry_storm for pid $pid with the peak at 80 % of $clients clients or more" q $a \
			"$ev | length >= 1 and all(.pid == $pid and .clients == $clients and .peak_20ms >= 0.8 * $clients and .failures > 0)"
		check "$n: its backoff is told exponential" q $a "$ev | any(.backoff == \"exponential\")"
		check "$n: the storms' attempts and failures are within faultlab's" q $a \
			"($ev | map(.attempts) | add) <= $att and ($ev | map(.failures) | add) <= $fail"
		check "$n: the retry_storm alert fired for pid $pid" q $a \
			"any(.[]; .type==\"alert\" and .rule==\"retry_storm\" and .state==\"firing\" and .pid==$pid)"
	else
		check "$n: no retry_storm" q $a "$ev | length == 0"
		check "$n: no retry_storm alert" q $a \
			"[.[] | select(.type==\"alert\" and .rule==\"retry_storm\" and .pid==$pid)] | length == 0"
	fi
done

n=ports
pid=$(fl $n .pid); nports=$(fl $n .ports)
eaddr=$(fl_done $n .addrnotavail); first=$(fl_done $n .first_addrnotavail_ms); at90=$(fl_done $n .at_90pct_ms)
ev="[.[] | select(.type==\"backpressure\" and .queue==\"ports\" and .pid==$pid)]"
note "$n: faultlab: $nports ports, 90 % at $at90, first EADDRNOTAVAIL at $first, $eaddr in all; lines: $(v $a "$ev | map([.time, .ratio, .queued, .limit])")"
check "$n: a ports line of 127.0.0.1 -> 127.0.0.1:5000 against the $nports-port range" q $a \
	"$ev | length >= 1 and all(.local == \"127.0.0.1\" and .remote == \"127.0.0.1:5000\" and .limit == $nports and .ratio >= 0.9)"
check "$n: the first at 90 % or more, before the first EADDRNOTAVAIL" q $a \
	"$MS $ev | .[0] | (.time | ms) < $first and (.time | ms) >= $at90 and .ratio >= 0.9 and .ratio < 1"
exact "$n" "$pid" connect_addrnotavail "$eaddr"
exact "$n" "$pid" connect_attempts "$(fl_done $n .attempts)"
check "$n: the ephemeral_ports alert fired before the first EADDRNOTAVAIL" q $a \
	"$MS [.[] | select(.type==\"alert\" and .rule==\"ephemeral_ports\" and .state==\"firing\" and .pid==$pid)] | length == 1 and (.[0].time | ms) < $first"
