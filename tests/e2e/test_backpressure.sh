#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Backpressure end to end: each faultlab scenario against the kernel's own
# figures for the same sockets (SO_MEMINFO, TCP_INFO, /proc/net/netstat,
# /proc/net/snmp of the lossy namespace, /proc/self/fd, epoll_wait returns),
# and a healthy loopback exchange that must stay silent. The scenarios whose
# counts must be exact from the first packet engage the detail tier first,
# as any symptom would (lib.sh detail_engage); the others engage it by
# their own symptom.
. "$(dirname "$0")/lib.sh"

# sum NAME PID FIELD: a summary field added up over the run
sum() { v "$1" "$(sel summary "$2") | map(.$3) | add // 0"; }
# hw NAME PID FIELD: the largest value of a summary field over the run
hw() { v "$1" "$(sel summary "$2") | map(.$3) | max // 0"; }
# events NAME PID QUEUE: backpressure events of a process for one queue
events() { v "$1" "[.[] | select(.type==\"backpressure\" and .pid==$2 and .queue==\"$3\") | {ratio, fd, local_port, remote_port, drops}]"; }
# within A B TOL: |A - B| <= TOL * B;  near A B D: |A - B| <= D;  ge A B: A >= B
within() { jq -n "(($1) - ($2) | fabs) <= ($3) * ($2)" | grep -qx true; }
near() { jq -n "(($1) - ($2) | fabs) <= ($3)" | grep -qx true; }
ge() { jq -n "($1) >= ($2)" | grep -qx true; }
# settle: let one more interval pass before stopping the agent, so every count
# of the finished workload is in a regular, full-length summary
settle() { sleep 1.2; agent_stop; }

# --- slow-reader: the loop's receive queue fills
if ENGAGE=1 agent_around "slow-reader ran" reader -c faultlab -- slow-reader --start-delay-ms 1500 --duration-s 2; then
	settle
	pid=$(fl reader .pid); fd=$(fl reader .fd)
	lp=$(fl reader .local_port); rp=$(fl reader .remote_port)
	truth=$(fl_done reader .max_rcv_ratio)
	note "slow-reader: SO_MEMINFO max $truth; events $(events reader "$pid" rcv); summary max $(hw reader "$pid" rcvq_max_ratio)"
	check "slow-reader: rcv event >= 0.9 for pid $pid on fd $fd, ports $lp/$rp" q reader \
		"any(.[]; .type==\"backpressure\" and .pid==$pid and .queue==\"rcv\" and .ratio >= 0.9 and .fd==$fd and .local_port==$lp and .remote_port==$rp)"
	check "slow-reader: summary rcvq_max_ratio >= 0.9" ge "$(hw reader "$pid" rcvq_max_ratio)" 0.9
	check "slow-reader: rcvq_max_ratio within 0.05 of the kernel's ($truth)" \
		near "$(hw reader "$pid" rcvq_max_ratio)" "$truth" 0.05
	check "slow-reader: no drops (TCP closes its window instead)" [ "$(sum reader "$pid" drops)" = 0 ]
fi

# --- slow-peer: the loop's send queue fills, writes come back short, then EAGAIN
if ENGAGE=1 agent_around "slow-peer ran" peer -c faultlab -- slow-peer --start-delay-ms 1200 --duration-s 2; then
	settle
	pid=$(fl peer .pid); fd=$(fl peer .fd); lp=$(fl peer .local_port)
	eagain=$(fl_done peer .eagain_writes)
	partial=$(fl_done peer .partial_writes)
	note "slow-peer: faultlab eagain $eagain partial $partial; agent eagain $(sum peer "$pid" snd_eagain) partial $(sum peer "$pid" snd_partial); sndq max $(hw peer "$pid" sndq_max_ratio)"
	check "slow-peer: snd event >= 0.9 for pid $pid on fd $fd, port $lp" q peer \
		"any(.[]; .type==\"backpressure\" and .pid==$pid and .queue==\"snd\" and .ratio >= 0.9 and .fd==$fd and .local_port==$lp)"
	check "slow-peer: the full send queue is reported again each interval, at most once" q peer \
		"($(sel summary "$pid") | length) as \$n | [.[] | select(.type==\"backpressure\" and .pid==$pid and .queue==\"snd\" and .local_port==$lp)] | length >= 2 and length <= \$n"
	check "slow-peer: summary sndq_max_ratio >= 0.9" ge "$(hw peer "$pid" sndq_max_ratio)" 0.9
	check "slow-peer: EAGAIN writes counted ($eagain, exact)" [ "$(sum peer "$pid" snd_eagain)" = "$eagain" ]
	check "slow-peer: some writes were EAGAIN" [ "$eagain" -gt 100 ]
	check "slow-peer: short writes counted ($partial, exact)" [ "$(sum peer "$pid" snd_partial)" = "$partial" ]
fi

# --- blocking-writer: time blocking sends sleep for buffer space
if ENGAGE=1 agent_around "blocking-writer ran" blk -c faultlab -- blocking-writer --start-delay-ms 1200 --duration-s 2; then
	settle
	pid=$(fl blk .pid)
	ms=$(fl_done blk .send_ms)
	blocked=$(fl_done blk .blocked_sends)
	note "blocking-writer: faultlab ${ms} ms inside send(), $blocked sends cut short; agent snd_wait_ms $(sum blk "$pid" snd_wait_ms), EAGAIN+short $(v blk "$(sel summary "$pid") | map(.snd_eagain + .snd_partial) | add")"
	check "blocking-writer: the sends waited (${ms} ms)" ge "$ms" 1000
	check "blocking-writer: snd_wait_ms within 10 % of the time inside send()" \
		within "$(sum blk "$pid" snd_wait_ms)" "$ms" 0.1
	check "blocking-writer: sends cut short counted as EAGAIN or short ($blocked)" \
		[ "$(v blk "$(sel summary "$pid") | map(.snd_eagain + .snd_partial) | add")" = "$blocked" ]
fi

# --- accept-overflow: a full accept queue, overflows charged to the listener's owner
if agent_around "accept-overflow ran" accept -c faultlab -- accept-overflow --start-delay-ms 1200 --duration-s 2; then
	settle
	pid=$(fl accept .pid); fd=$(fl accept .fd); port=$(fl accept .port)
	backlog=$(fl accept .backlog)
	qmax=$(fl_done accept .max_accept_queue)
	ovf=$(fl_done accept .listen_overflows)
	note "accept-overflow: TCP_INFO queue max $qmax of $backlog, ListenOverflows +$ovf; agent acceptq max $(hw accept "$pid" acceptq_max_ratio), overflows $(sum accept "$pid" accept_overflows)"
	check "accept-overflow: accept event >= 1.0 for pid $pid on listener fd $fd, port $port" q accept \
		"any(.[]; .type==\"backpressure\" and .pid==$pid and .queue==\"accept\" and .ratio >= 1.0 and .fd==$fd and .local_port==$port)"
	check "accept-overflow: acceptq_max_ratio = $qmax/$backlog (within 1 %)" \
		within "$(hw accept "$pid" acceptq_max_ratio)" "$qmax / $backlog" 0.01
	check "accept-overflow: overflows counted" [ "$(sum accept "$pid" accept_overflows)" -gt 0 ]
	check "accept-overflow: overflows within 10 % of ListenOverflows (+$ovf)" \
		within "$(sum accept "$pid" accept_overflows)" "$ovf" 0.1
	check "accept-overflow: an accept event carries the dropped connections" q accept \
		"any(.[]; .type==\"backpressure\" and .pid==$pid and .queue==\"accept\" and .drops > 0)"
fi

# --- lossy: retransmits in softirq/timer context, charged to the sender
if agent_start lossy -c faultlab; then
	if faultlab_bg lossy lossy --start-delay-ms 1500 --send-s 2 --duration-s 4; then
		ns=$(fl lossy .netns_tx)
		snmp() {
			ip netns exec "$ns" cat /proc/net/snmp |
				awk '/^Tcp:/ { n++; if (n == 1) for (i = 1; i <= NF; i++) if ($i == "RetransSegs") c = i; if (n == 2) print $c }'
		}
		before=$(snmp)
		for _ in $(seq 600); do
			grep -q '"sent"' "$T/lossy.fl" && break
			sleep 0.05
		done
		after=$(snmp)
		wait "${FL_PIDS[-1]}"
		check "lossy ran" [ $? -eq 0 ]
		settle
		pid=$(fl lossy .pid); rpid=$(fl lossy .receiver_pid)
		delta=$((after - before))
		# the truth: the sending socket's own count (TCP_INFO), taken by
		# faultlab itself; the namespace's RetransSegs, sampled from here
		# around the run, is shown beside it (it can miss the start)
		truth=$(jq -r 'select(.event=="sent") | .socket_retransmits' "$T/lossy.fl")
		got=$(sum lossy "$pid" retransmits)
		note "lossy: RetransSegs of $ns +$delta (socket $(jq -r 'select(.event=="sent") | .socket_retransmits' "$T/lossy.fl")); agent $got for pid $pid; by remote $(v lossy "$(sel summary "$pid") | map(.retransmits_by_remote)")"
		check "lossy: the socket retransmitted ($truth)" [ "${truth:-0}" -gt 50 ]
		check "lossy: retransmits of pid $pid within 20 % of the socket's count" within "$got" "${truth:-0}" 0.2
		check "lossy: charged to the remote address 10.253.0.2" within \
			"$(v lossy "$(sel summary "$pid") | map(.retransmits_by_remote[\"10.253.0.2\"] // 0) | add")" "${truth:-0}" 0.2
		check "lossy: none charged to the receiver (pid $rpid)" [ "$(sum lossy "$rpid" retransmits)" = 0 ]
		check "lossy: namespaces removed" bash -c "! ip netns list | grep -q 'lwfl-$pid-'"
	else
		settle
	fi
fi

# --- fd-pressure and saturate show in the summary
if agent_start fds -c faultlab; then
	faultlab_run fds fd-pressure --start-delay-ms 500 --duration-s 2.5
	check "fd-pressure ran" [ $? -eq 0 ]
	faultlab_run sat saturate --start-delay-ms 1000 --duration-s 2
	check "saturate ran" [ $? -eq 0 ]
	settle
	pid=$(fl fds .pid); fds=$(fl fds .fds); lim=$(fl fds .fd_limit)
	note "fd-pressure: faultlab $fds of $lim; summaries $(v fds "$(sel summary "$pid") | map([.fds, .fd_limit])")"
	check "fd-pressure: summary fds $fds (within 2) of fd_limit $lim" q fds \
		"any(.[]; .type==\"summary\" and .pid==$pid and .fd_limit==$lim and ((.fds - $fds) | fabs) <= 2)"
	pid=$(fl sat .pid)
	n=$(fl_done sat .saturated)
	note "saturate: faultlab $n full batches; agent $(sum fds "$pid" saturated)"
	check "saturate: saturated waits counted ($n, within 1 %)" within "$(sum fds "$pid" saturated)" "$n" 0.01
	check "saturate: scenario saturated at all" [ "$n" -gt 500 ]
fi

# --- healthy loopback exchange: silent
if agent_around "healthy ran" healthy -c faultlab -- healthy --duration-s 3; then
	settle
	pid=$(fl healthy .pid)
	note "healthy: $(v healthy "$(sel summary "$pid") | map([.rcvq_max_ratio, .sndq_max_ratio, .acceptq_max_ratio, .drops, .retransmits, .saturated])")"
	check "healthy: summaries present" q healthy "$(sel summary "$pid") | length >= 3"
	check "healthy: queue ratios under 0.5" q healthy \
		"$(sel summary "$pid") | all(.rcvq_max_ratio < 0.5 and .sndq_max_ratio < 0.5 and .acceptq_max_ratio < 0.5)"
	check "healthy: no drops, retransmits, EAGAIN, waits, overflows or saturation" q healthy \
		"$(sel summary "$pid") | all(.drops == 0 and .retransmits == 0 and .snd_eagain == 0 and .snd_partial == 0 and .snd_wait_ms == 0 and .accept_overflows == 0 and .saturated == 0)"
	check "healthy: no backpressure event" q healthy \
		"$(sel backpressure "$pid") | length == 0"
	check "healthy: -c faultlab leaves every other process out" q healthy \
		"[.[] | select(.type==\"summary\" or .type==\"backpressure\")] | all(.comm==\"faultlab\")"
fi
