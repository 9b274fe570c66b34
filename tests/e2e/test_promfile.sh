#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prometheus textfile end to end: written every interval by rename (a new
# inode each time, a poller never reads a partial file), mode 0644, a symlink
# at the target replaced and never written through, accepted by
# `promtool check metrics` and served by a real node_exporter with
# node_textfile_scrape_error 0; its counters match the JSON summaries
# exactly; series of an exited process disappear; SIGTERM writes the last
# file and exits 0 within a second.
. "$(dirname "$0")/lib.sh"

NE_PID=
stop_ne() { [ -n "$NE_PID" ] && kill "$NE_PID" 2>/dev/null && wait "$NE_PID" 2>/dev/null; NE_PID=; }
trap 'stop_ne; cleanup' EXIT

dir=$T/textfiles
mkdir -p "$dir"
prom=$dir/loopwatch.prom
echo keep >"$T/victim"
ln -s "$T/victim" "$prom"

# --- run 1: counters against the JSON, SIGTERM while faultlab still runs ---
agent_start run1 -c faultlab --prom-file "$prom" || exit 0
faultlab_bg stall1 stall --cause sleep --ms 100 --every-ms 200 --count 30 || exit 0
pid=$(fl stall1 .pid)
sleep 3.3
t0=$(date +%s%N)
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
t1=$(date +%s%N)
AGENT_PID=
note "SIGTERM to exit: $(((t1 - t0) / 1000000)) ms, status $rc"
check "SIGTERM: exit 0 within a second" [ "$rc" -eq 0 -a $(((t1 - t0) / 1000000)) -lt 1000 ]
check "SIGTERM: the last textfile was written after the signal" \
	[ "$(stat -c %Y "$prom")" -ge $((t0 / 1000000000)) ]
check "the symlink at the target was replaced by a regular file" [ -f "$prom" -a ! -L "$prom" ]
check "what the symlink pointed to is untouched" [ "$(cat "$T/victim")" = keep ]
check "textfile mode is 0644" [ "$(stat -c %a "$prom")" = 644 ]
check "no temporary file left beside it" [ "$(ls -A "$dir" | grep -vc '^loopwatch.prom$')" -eq 0 ]
check "promtool check metrics accepts it" promtool check metrics <"$prom"
promtool check metrics <"$prom" 2>&1 | head -5 | sed 's/^/# promtool: /'

lbl="pid=\"$pid\",comm=\"faultlab\""
series() { awk -v s="$1" '$1 == s { print $2 }' "$prom"; }
iters=$(v run1 "[.[] | select(.type==\"summary\" and .pid==$pid) | .iterations] | add")
stalls=$(v run1 "[.[] | select(.type==\"stall\" and .pid==$pid)] | length")
note "JSON: $iters iterations, $stalls stalls; textfile: count $(series "loopwatch_loop_lag_seconds_count{$lbl}"), blocked $(series "loopwatch_loop_stalls_total{$lbl,cause=\"blocked\"}")"
check "histogram count equals the iterations of every summary" \
	[ "$(series "loopwatch_loop_lag_seconds_count{$lbl}")" = "$iters" ]
check "+Inf bucket equals the count" \
	[ "$(series "loopwatch_loop_lag_seconds_bucket{$lbl,le=\"+Inf\"}")" = "$iters" ]
check "stalls_total{cause=blocked} equals the stall events" \
	[ "$(series "loopwatch_loop_stalls_total{$lbl,cause=\"blocked\"}")" = "$stalls" -a "$stalls" -ge 10 ]
check "buckets are cumulative; the 100 ms stalls are in le=0.131072 but not le=0.032768" \
	awk -v l="loopwatch_loop_lag_seconds_bucket{$lbl," -v n="$stalls" '
		index($0, l) == 1 { if ($2 < last) bad = 1; last = $2; b[$1] = $2 }
		END { lo = b[l "le=\"0.032768\"}"]; hi = b[l "le=\"0.131072\"}"]
		      exit !(bad == 0 && hi - lo == n) }' "$prom"
check "lag sum in seconds covers the stalls" \
	awk -v s="$(series "loopwatch_loop_lag_seconds_sum{$lbl}")" -v n="$stalls" 'BEGIN { exit !(s >= n * 0.1) }'
check "HELP and TYPE for every family of the design" bash -c "
	for m in loopwatch_loop_lag_seconds:histogram loopwatch_loop_stalls_total:counter \
		loopwatch_wakeups_total:counter loopwatch_futile_wakeups_total:counter \
		loopwatch_herd_events_total:counter loopwatch_undrained_et_total:counter \
		loopwatch_socket_queue_ratio:gauge loopwatch_socket_drops_total:counter \
		loopwatch_tcp_retransmits_total:counter loopwatch_alert_active:gauge \
		loopwatch_events_lost_total:counter; do
		grep -q \"^# HELP \${m%%:*} \" '$prom' && grep -qx \"# TYPE \${m%%:*} \${m##*:}\" '$prom' || exit 1
	done"
check "alert gauge and queue ratios carry pid, comm and their label" \
	grep -q "^loopwatch_alert_active{$lbl,rule=\"loop_lag\"} [01]$" "$prom"
kill "${FL_PIDS[0]}" 2>/dev/null
wait "${FL_PIDS[0]}" 2>/dev/null

# --- run 2: poller, node_exporter, exited process ---
agent_start run2 -c faultlab --prom-file "$prom" || exit 0
faultlab_bg stall2 stall --cause sleep --ms 100 --every-ms 200 --count 20 || exit 0
pid2=$(fl stall2 .pid)
# poll the file as fast as bash can while the agent rewrites it each second
(
	end=$((SECONDS + 4))
	reads=0 bad=0
	declare -A inodes
	while [ $SECONDS -lt $end ]; do
		c=$(<"$prom") || { bad=$((bad + 1)); continue; }
		reads=$((reads + 1))
		last=${c##*$'\n'}
		if [[ $c != "# HELP loopwatch_loop_lag_seconds "* || ! $last =~ ^loopwatch_events_lost_total\ [0-9]+$ ]]; then
			bad=$((bad + 1))
		fi
		inodes[$(stat -c %i "$prom")]=1
	done
	echo "$reads $bad ${#inodes[@]}"
) >"$T/poll" &
poller=$!

port=
for _ in $(seq 50); do
	p=$((20000 + RANDOM % 40000))
	ss -Hltn "sport = :$p" | grep -q . || { port=$p; break; }
done
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory="$dir" >"$T/ne.log" 2>&1 &
NE_PID=$!
for _ in $(seq 100); do
	curl -fs "http://127.0.0.1:$port/metrics" >"$T/scrape" 2>/dev/null && break
	sleep 0.1
done
sleep 1.5
curl -fs "http://127.0.0.1:$port/metrics" >"$T/scrape"
stop_ne
note "node_exporter on 127.0.0.1:$port: $(grep -c '^loopwatch_' "$T/scrape") loopwatch samples; $(grep '^node_textfile_scrape_error' "$T/scrape")"
check "node_exporter serves the textfile with node_textfile_scrape_error 0" \
	grep -qx 'node_textfile_scrape_error 0' "$T/scrape"
check "node_exporter serves faultlab's lag histogram" \
	grep -q "^loopwatch_loop_lag_seconds_bucket{comm=\"faultlab\",pid=\"$pid2\",le=\"+Inf\"} [1-9]" "$T/scrape"
check "node_exporter serves lost events" grep -q '^loopwatch_events_lost_total ' "$T/scrape"

wait $poller
read -r reads bad ninodes <"$T/poll"
note "poller: $reads reads, $bad partial or unreadable, $ninodes distinct inodes"
check "a reader polling during writes never sees a partial file" [ "$reads" -gt 200 -a "$bad" -eq 0 ]
check "each write is a new file renamed into place" [ "$ninodes" -ge 3 ]

wait "${FL_PIDS[1]}"
check "series of the running faultlab were there" grep -q "pid=\"$pid2\"" "$prom"
sleep 3.5
check "series of the exited faultlab are gone" bash -c "! grep -q 'pid=\"$pid2\"' '$prom'"
check "the file stays valid without it" promtool check metrics <"$prom"
check "agent exits 0" agent_stop
