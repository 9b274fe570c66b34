#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Memory growth toward a memory cgroup's limit, and its controls:
#  mem-grow  a loop whose queue grows 4 MiB/s in a memory cgroup of its own
#            limited to 64 MiB, until the OOM killer kills it: one
#            memory_growth for the loop's pid, with its cgroup and limit,
#            before the kill (against the time faultlab saw it die), and the
#            memory_growth alert with it; the summaries' OOM kills and limit
#            hits add up to the cgroup's own counts exactly, and so do the
#            textfile's counters read after the kill;
#  slow      256 KiB/s into a 1 GiB limit: RSS rises every interval but the
#            limit is over an hour away: no memory_growth;
#  healthy   flat memory under load: no memory_growth, a slope near 0.
. "$(dirname "$0")/lib.sh"

# milliseconds since the epoch of an RFC 3339 time with milliseconds
MS='def ms: (.[0:19] + "Z" | fromdateiso8601) * 1000 + (.[20:23] | tonumber);'

sum() { echo "($(sel summary "$2") | map(.$3) | add // 0)"; }

# --- mem-grow: the agent and its textfile around the scenario ---
n=mem
if agent_start $n -c faultlab --prom-file "$T/$n.prom"; then
	faultlab_bg $n mem-grow --start-delay-ms 1500 --duration-s 40
	flpid=${FL_PIDS[-1]}
	# within the 2.5 s faultlab keeps the cgroup after the kill, the agent
	# writes the textfile at least once with the cgroup's last counts
	wait_for 40 grep -q '"event":"exit"' "$T/$n.fl"
	sleep 1.5
	cp "$T/$n.prom" "$T/$n.after-kill.prom"
	wait "$flpid"
	check "$n: faultlab ran" [ $? -eq 0 ]
	agent_stop
	child=$(fl $n .child_pid); memcg=$(fl $n .memcg); limit=$(fl $n .limit_kb)
	rate=$(fl $n .grow_kb_per_s); died=$(fl_done $n .exited_at)
	ooms=$(fl_done $n .oom_kills); hits=$(fl_done $n .limit_hits)
	ev="$(sel memory_growth "$child")"
	note "$n: loop $child in $memcg (v$(fl $n .cgroup_version)), limit $limit KB, died $died ($(fl_done $n .child_signal)) after $(fl_done $n .grew_s) s, cgroup counts: $ooms OOM kill(s), $hits limit hit(s), peak $(fl_done $n .peak_kb) KB"
	note "$n: memory_growth $(v $n "$ev")"
	note "$n: summaries [rss_kb, KB/s, usage_kb, oom_kills, limit_hits]: $(v $n "$(sel summary "$child") | map([.rss_kb, .rss_growth_kb_per_s, .memcg_usage_kb, .memcg_oom_kills, .memcg_limit_hits])")"
	check "$n: the OOM killer killed faultlab's loop in its cgroup" \
		[ "$(fl_done $n .oom_killed)" = true -a "${ooms:-0}" -ge 1 ]
	check "$n: one memory_growth for the loop's pid" q $n "$ev | length == 1"
	check "$n: with its memory cgroup, the cgroup's limit, the usage under it" q $n \
		"$ev | all(.memcg == \"$memcg\" and .limit_of == \"memcg\" and .limit_kb == $limit and .usage_kb < $limit and .working_set_kb <= .usage_kb)"
	check "$n: after 5 rising intervals, at the rate faultlab grows (within 25 %)" q $n \
		"$ev | all(.intervals >= 5 and .rss_growth_kb_per_s >= $rate * 0.75 and .rss_growth_kb_per_s <= $rate * 1.25)"
	check "$n: the limit within the 300 s horizon, as far off as the rate says (within 25 %)" q $n \
		"$ev | all(.seconds_to_limit > 0 and .seconds_to_limit <= 300 and (.seconds_to_limit - ((.limit_kb - .working_set_kb) / .rss_growth_kb_per_s) | fabs) <= 0.25 * .seconds_to_limit)"
	note "$n: memory_growth $(v $n "$MS $ev | map((\"$died\" | ms) - (.time | ms)) | .[0] / 1000") s before the loop died"
	check "$n: reported before the OOM kill (at least 2 s before faultlab saw the loop die)" q $n \
		"$MS $ev | all((\"$died\" | ms) - (.time | ms) >= 2000)"
	check "$n: the memory_growth alert fired for the loop's pid with it" q $n \
		"$MS [.[] | select(.type==\"alert\" and .rule==\"memory_growth\" and .state==\"firing\" and .pid==$child)] as \$a | ($ev) as \$e | (\$a | length == 1) and (\$a[0].time == \$e[0].time)"
	check "$n: summaries name the cgroup and its limit" q $n \
		"$(sel summary "$child") | length >= 10 and all(.memcg == \"$memcg\" and .memcg_limit_kb == $limit)"
	check "$n: RSS in the summaries grew past half the limit" q $n \
		"$(sel summary "$child") | map(.rss_kb) | max >= $limit / 2"
	check "$n: summaries' OOM kills add up to the cgroup's own ($ooms)" q $n \
		"$(sum $n "$child" memcg_oom_kills) == $ooms"
	check "$n: summaries' limit hits add up to the cgroup's own ($hits)" q $n \
		"$(sum $n "$child" memcg_limit_hits) == $hits"
	lab="memcg=\"$memcg\""
	note "$n: textfile after the kill: $(grep -F "$lab" "$T/$n.after-kill.prom" | grep -v '^#' | tr '\n' ';')"
	check "$n: textfile OOM-kill counter is the cgroup's own" \
		grep -qxF "loopwatch_memcg_oom_kills_total{$lab} $ooms" "$T/$n.after-kill.prom"
	check "$n: textfile limit-hit counter is the cgroup's own" \
		grep -qxF "loopwatch_memcg_limit_hits_total{$lab} $hits" "$T/$n.after-kill.prom"
	check "$n: textfile limit is the cgroup's" \
		grep -qxF "loopwatch_memcg_limit_bytes{$lab} $((limit * 1024))" "$T/$n.after-kill.prom"
	check "$n: promtool check metrics accepts the textfile" promtool check metrics <"$T/$n.after-kill.prom"
	check "$n: the cgroup is gone after the run" [ "$(fl_done $n .cgroup_removed)" = true ]
fi

# --- slow: rising every interval, the limit far beyond the horizon ---
n=slow
agent_around "$n: faultlab ran" $n -c faultlab -- mem-grow --limit-mb 1024 --grow-mb-s 0.25 --duration-s 9 && {
	agent_stop
	child=$(fl $n .child_pid)
	note "$n: summaries [rss_kb, KB/s]: $(v $n "$(sel summary "$child") | map([.rss_kb, .rss_growth_kb_per_s])")"
	check "$n: no OOM kill" [ "$(fl_done $n .oom_killed)" = false -a "$(fl_done $n .oom_kills)" = 0 ]
	check "$n: RSS rose by 1.5 MiB or more, about 256 KB/s" q $n \
		"$(sel summary "$child") | (map(.rss_kb) | max - min >= 1536) and (map(.rss_growth_kb_per_s) | max >= 150 and max <= 400)"
	check "$n: no memory_growth" q $n "$(sel memory_growth "$child") | length == 0"
	check "$n: no memory_growth alert" q $n \
		"[.[] | select(.type==\"alert\" and .rule==\"memory_growth\")] | length == 0"
}

# --- healthy: loopback traffic, memory flat ---
n=healthy
mine=$(sed -n 's/^[0-9]*:memory:\(.*\)/\1/p' /proc/self/cgroup)
agent_around "$n: faultlab ran" $n -c faultlab -- healthy --duration-s 8 && {
	agent_stop
	pid=$(fl $n .pid)
	note "$n: summaries [iterations, rss_kb, KB/s, memcg]: $(v $n "$(sel summary "$pid") | map([.iterations, .rss_kb, .rss_growth_kb_per_s, .memcg])")"
	check "$n: served traffic and has its RSS in 6 summaries or more" q $n \
		"$(sel summary "$pid") | map(select(.iterations > 0 and .rss_kb > 0)) | length >= 6"
	[ -n "$mine" ] && check "$n: its memory cgroup is the one it was started in ($mine)" q $n \
		"$(sel summary "$pid") | map(select(.rss_kb > 0)) | all(.memcg == \"$mine\")"
	check "$n: RSS flat: slope under 64 KB/s in every interval" q $n \
		"$(sel summary "$pid") | map(select(.rss_kb > 0)) | all(.rss_growth_kb_per_s | fabs < 64)"
	check "$n: no memory_growth" q $n "[.[] | select(.type==\"memory_growth\")] | length == 0"
	check "$n: no memory_growth alert" q $n \
		"[.[] | select(.type==\"alert\" and .rule==\"memory_growth\")] | length == 0"
}
