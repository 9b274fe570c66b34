#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The overhead benchmark's smoke run (`make bench ARGS=--smoke`): it must run
# every part and print every figure as a number. Values are not asserted:
# a two-second run on a shared CI host measures nothing worth a threshold.
. "$(dirname "$0")/lib.sh"

# tests/run.sh already holds the e2e lock the benchmark would take. In a
# session of its own, so that whatever it leaves running can be found.
setsid bash -c 'echo $$ >"$1"; exec tools/bench/run.sh --smoke --no-lock' bench "$T/sid" \
	>"$T/bench.out" 2>"$T/bench.err"
rc=$?
sid=$(cat "$T/sid")
check "benchmark smoke run exits 0" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/#   /' "$T/bench.err" | tail -5

for part in "== saturation" "== per call" "== agent CPU" "== scale" "== probe cost" "== hook paths" "== stacks" "== nginx" "== budget"; do
	check "printed section '$part'" grep -q "^$part" "$T/bench.out"
done

# a figure is printed when its line carries a number (ints, decimals, exponents)
number='^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$'
for f in throughput_ratio_loopwatch throughput_ratio_bpftrace throughput_ratio_floor \
	throughput_ratio_slowpath server_cost_ratio_loopwatch server_cost_ratio_bpftrace server_cost_ratio_floor p99_ratio_loopwatch p99_ratio_bpftrace baseline_rps loopwatch_cpu_pct_saturation \
	bpftrace_cpu_pct_saturation loopwatch_events_per_s loopwatch_lost_events loopwatch_rss_kb \
	percall_base_ns percall_floor_added_ns percall_slowpath_added_ns percall_loopwatch_added_ns percall_bpftrace_added_ns \
	percall_loopwatch_vs_floor agent_cpu_pct_idle agent_cpu_pct_100k agent_lost_events_100k \
	agent_iterations_per_s_seen scale_loops_seen scale_agent_rss_kb scale_agent_peak_rss_kb \
	scale_map_memlock_kb probe_ns_per_request \
	throughput_ratio_lw_loop throughput_ratio_floor_loop server_cost_ratio_lw_loop p99_ratio_lw_loop \
	percall_lw_loop_added_ns percall_floor_loop_added_ns percall_lw_loop_vs_floor fentry_allowed \
	stacks_throughput_ratio stacks_capture_us stacks_unwind_us stacks_rss_kb \
	nginx_throughput_ratio_base nginx_throughput_ratio_loopwatch nginx_throughput_ratio_lw_loop \
	nginx_throughput_ratio_lw_detail nginx_throughput_ratio_bpftrace; do
	val=$(awk -v f="$f" '$1 == "figure" && $2 == f { print $3 }' "$T/bench.out")
	check "figure $f printed as a number (${val:-missing})" eval '[[ $val =~ $number ]]'
done

# figures that are counts of something the run certainly did must not be 0:
# a benchmark that measured nothing would still print numbers
check "nginx served requests without tracing" awk '$1 == "figure" && $2 == "nginx_throughput_ratio_base" { exit !($3 > 0) }' "$T/bench.out"
check "baseline served requests" awk '$1 == "figure" && $2 == "baseline_rps" { exit !($3 > 0) }' "$T/bench.out"
check "loopwatch counted the paced loop's iterations" \
	awk '$1 == "figure" && $2 == "agent_iterations_per_s_seen" { exit !($3 > 0) }' "$T/bench.out"
check "loopwatch saw the scale run's loop threads" \
	awk '$1 == "figure" && $2 == "scale_loops_seen" { exit !($3 > 0) }' "$T/bench.out"
check "every budget line has a verdict" \
	bash -c "[ \$(sed -n '/^== budget/,\$p' '$T/bench.out' | grep -cE ' (PASS|MISS)\$') -ge 10 ]"
check "every configuration has a row in both tables" bash -c "for c in base slowpath floor loopwatch floor-loop lw-loop bpftrace; do
	[ \$(grep -cE \"^\$c +[0-9]\" '$T/bench.out') -ge 2 ] || exit 1; done"
check "no process of the run left (session $sid)" bash -c "! pgrep -s $sid >/dev/null"
check "no empty program left loaded" bash -c "! bpftool prog show | grep -q 'name lw_empty'"
