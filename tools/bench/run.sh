#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# loopwatch overhead benchmark (DESIGN.md "Performance budget"). `make bench`
# runs it; `make bench ARGS=--smoke` is the short CI form.
#
#   tools/bench/run.sh [--smoke] [--rounds N] [--seconds S] [--conns C]
#                      [--no-lock] [--skip PART,...] [--agent-args "ARGS"]
#
# --agent-args adds ARGS to the agent's command line in both agent
# configurations (lw-loop's --detect loop comes after them).
#
# Parts, each printed as a table and then as "figure NAME VALUE" lines:
#   saturation  epoll echo server on loopback at saturation, interleaved
#               rounds (order changing each round) of seven configurations:
#                 base        no tracing
#                 slowpath    empty programs on getppid's tracepoints: the
#                             syscall tracing slow path alone
#                 floor       empty programs on every hook loopwatch uses
#                 loopwatch   the full agent (JSON to /dev/null, textfile
#                             every second)
#                 floor-loop  empty programs on the loop-lag hooks only
#                 lw-loop     the agent with --detect loop: loop lag alone,
#                             what the bpftrace peer does
#                 bpftrace    the peer, tools/bench/peer.bt
#   percall     write + epoll_wait(0) + read on an eventfd: ns per iteration
#               under the same seven configurations
#   agentcpu    agent CPU idle and at 100k loop iterations/s, lost events
#   scale       1,000 loop threads and 100,000 sockets: agent RSS, map memory
#   nginx       nginx (Debian's, one worker, its own prefix and config in a
#               temporary directory, loopback on a free port) under wrk on
#               the same CPU, interleaved rounds of base, loopwatch (the
#               default: detail on demand), lw-loop, lw-detail (--detect
#               all: the detail tier attached for good) and bpftrace
#   probecost   kernel.bpf_stats_enabled=1 for one loaded run: ns per program
#   stacks      the stacks of stalls: saturation throughput with stacks on
#               against --no-stacks (interleaved rounds); the kernel's cost
#               per capture (bpf_stats of the capture program over its
#               captures, an upper bound) and the agent's unwind cost per
#               stack; the agent's RSS after 1,000 stalls' stacks symbolised
#   hookpaths   loop lag alone (--detect loop) with epoll waits hooked by
#               fentry against the syscall tracepoints, per call, where the
#               kernel allows fentry; where it refuses it, says so and why
# Measured rounds take /tmp/loopwatch-e2e.lock (the e2e tests' lock) so they
# do not overlap with timing-sensitive tests; --no-lock when the caller holds
# it. A round during which anyone else had tracing programs loaded is set
# aside (it has no true baseline). Values are reported, never asserted: the
# exit status says only whether every part ran.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
LW=$BUILD/loopwatch
TOOLS=$BUILD/tools
LOCK=/tmp/loopwatch-e2e.lock

agent_args=""
rounds=5 seconds=5 conns=16 smoke=0 use_lock=1 skip="" quiet_wait=60 UNCLEAN=0 LOCK_WAITER=
pc_iters=400000 pc_runs=3 cpu_secs=10 scale_threads=1000 scale_sockets=100000 scale_secs=6
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1 ;;
	--rounds) rounds=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--conns) conns=$2; shift ;;
	--no-lock) use_lock=0 ;;
	--skip) skip=$2; shift ;;
	--agent-args) agent_args=$2; shift ;;
	-h|--help) awk 'NR > 2 && !/^#/ { exit } NR > 2' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
	esac
	shift
done
if [ "$smoke" = 1 ]; then
	rounds=1 seconds=1 pc_iters=200000 pc_runs=1 cpu_secs=2 quiet_wait=0
	scale_threads=100 scale_sockets=2000 scale_secs=3
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: must run as root (loads BPF programs)" >&2
	exit 1
fi
for b in "$LW" "$TOOLS/echo_server" "$TOOLS/echo_load" "$TOOLS/percall" "$TOOLS/empty_progs" \
	"$TOOLS/scale" "$BUILD/loopwatch.bpf.o"; do
	[ -e "$b" ] || { echo "run.sh: $b is missing (make all)" >&2; exit 1; }
done
command -v bpftrace >/dev/null || { echo "run.sh: bpftrace is missing" >&2; exit 1; }

T=$(mktemp -d /tmp/lw-bench.XXXXXX)
failed=0
stats_was=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
cleanup() {
	# a script's background children ignore SIGINT unless they catch it (our
	# tools and bpftrace do, flock does not)
	[ -n "$LOCK_WAITER" ] && kill -TERM "$LOCK_WAITER" 2>/dev/null
	# only children still running: a pid waited for may belong to someone else by now
	for p in $(jobs -p); do kill -INT "$p" 2>/dev/null; done
	wait 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$stats_was" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The load runs on the last CPU with the server: one core's worth of
# request handling, so throughput is the inverse of the CPU cost per request
# and the tracers' cost shows in full. Agent and peer run where they like.
CPU=$(($(nproc) - 1))
SLOWPATH="tracepoint/syscalls/sys_enter_getppid tracepoint/syscalls/sys_exit_getppid"
# The hooks of loop lag alone (--detect loop): floor-loop's empty programs.
# Named here, not read from the object, whose other families share them.
LOOPHOOKS="tracepoint/syscalls/sys_enter_epoll_wait tracepoint/syscalls/sys_exit_epoll_wait
	tracepoint/syscalls/sys_enter_epoll_pwait tracepoint/syscalls/sys_exit_epoll_pwait
	tracepoint/syscalls/sys_enter_epoll_pwait2 tracepoint/syscalls/sys_exit_epoll_pwait2
	tp_btf/sched_switch tp_btf/sched_process_exit"
# The configurations of saturation and percall, in the order of their tables.
# Their number must stay prime for order_of.
CONFIGS="base slowpath floor loopwatch floor-loop lw-loop bpftrace"

# order_of ROUND: the configurations in ROUND's order. A plain rotation keeps
# every pair of neighbours (what runs just before a configuration warms or
# heats the CPU for it), so the list is walked with a stride that changes
# each round: configuration i follows i - stride, a different one in each of
# the first N - 1 rounds (any stride visits all N because N is prime). The
# start offsets were picked by an exhaustive search over the six rounds so
# that no configuration also keeps its place in the order (with a start that
# grows linearly, one always would).
order_of() {
	local -a c offs=(0 1 3 4 2 6)
	read -r -a c <<<"$CONFIGS"
	local n=${#c[@]} i step off out=""
	step=$((($1 - 1) % (n - 1) + 1))
	off=${offs[($1 - 1) % 6]}
	for ((i = 0; i < n; i++)); do out+="${c[(off + i * step) % n]} "; done
	echo "$out"
}

# The lock belongs to fd 9's open file, so a child may take it for us; waiting
# on the child, unlike on flock itself, lets SIGINT/SIGTERM through.
lock() {
	[ "$use_lock" = 1 ] || return 0
	exec 9>"$LOCK"
	flock 9 &
	LOCK_WAITER=$!
	wait "$LOCK_WAITER"
	LOCK_WAITER=
}
unlock() { [ "$use_lock" = 1 ] && { flock -u 9; exec 9>&-; }; return 0; }
skipped() { [[ ",$skip," == *",$1,"* ]]; }

# Tracing programs loaded by anyone else spoil the baseline: any syscall
# tracepoint in use puts every system call of the host on the slow path. A
# round is only clean when none is loaded before and after it.
foreign() {
	bpftool -j prog show 2>/dev/null | jq '[.[] | select(.type == "tracepoint" or
		.type == "tracing" or .type == "raw_tracepoint" or .type == "kprobe" or
		.type == "perf_event")] | length' 2>/dev/null || echo 0
}
holders() {
	grep -l '^prog_id:' /proc/[0-9]*/fdinfo/* 2>/dev/null | cut -d/ -f3 | sort -un |
		while read -r p; do echo "$p($(cat /proc/"$p"/comm 2>/dev/null))"; done | paste -sd' ' -
}
# round_begin: wait up to $quiet_wait s for no foreign tracer, then lock.
round_begin() {
	local i
	for ((i = 0; i < quiet_wait * 2; i++)); do
		[ "$(foreign)" -eq 0 ] && break
		sleep 0.5
	done
	lock
	ROUND_DIRTY=$(foreign)
	[ "$ROUND_DIRTY" -eq 0 ] || ROUND_WHO=$(holders)
}
# round_end PART R FILE: unlock; file the round's rows (FILE.round) with the
# clean rounds (FILE) or, when a foreign tracer was around, apart (FILE.dirty).
round_end() {
	local i n=0
	# our own programs are freed a moment after their process exits
	for i in 1 2 3 4 5; do
		n=$(foreign)
		[ "$n" -eq 0 ] && break
		sleep 0.2
	done
	[ "$n" -eq 0 ] || { ROUND_DIRTY=$n; ROUND_WHO=$(holders); }
	unlock
	if [ "$ROUND_DIRTY" -eq 0 ]; then
		cat "$3.round" >>"$3"
	else
		cat "$3.round" >>"$3.dirty"
		echo "# $1 round $2: $ROUND_DIRTY tracing programs of others were loaded (${ROUND_WHO:-?}); round set aside"
	fi
	: >"$3.round"
}
# use_rounds FILE: the clean rounds, or all of them with a warning when none was.
use_rounds() {
	if [ ! -s "$1" ] && [ -s "$1.dirty" ]; then
		echo "WARNING: no clean round: another tracer was loaded throughout; these figures compare"
		echo "         configurations on top of it and understate every tracer's cost"
		cp "$1.dirty" "$1"
		UNCLEAN=1
	fi
}
fail() { echo "run.sh: $*" >&2; failed=1; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" | head -1; }
# CPU time of a process in ns, all its threads: /proc/PID/task/*/schedstat
# (the first field). /proc/PID/stat has the same in 10 ms ticks, too coarse
# for an agent that should stay under 1 %.
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
pct() { awk -v d="$1" -v s="$2" 'BEGIN { printf "%.3f", (s > 0 ? 100 * d / 1e9 / s : 0) }'; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { print b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }
fig() { printf 'figure %s %s\n' "$1" "$2"; }

# wait_for FILE PATTERN PID: until PATTERN shows in FILE or PID dies (10 s).
wait_for() {
	for _ in $(seq 200); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# agent_up NAME [ARGS...]: loopwatch with JSON to $T/NAME.json, the textfile
# into $T/prom/, until attached. Sets APID.
agent_up() {
	local name=$1
	shift
	mkdir -p "$T/prom"
	# shellcheck disable=SC2086 # --agent-args is split on purpose
	"$LW" --json --prom-file "$T/prom/loopwatch.prom" $agent_args "$@" >"$T/$name.json" 2>"$T/$name.err" &
	APID=$!
	AGENT_T0=$(date +%s.%N)
	wait_for "$T/$name.err" attached "$APID" || { fail "loopwatch did not attach: $(tail -2 "$T/$name.err")"; return 1; }
}
# agent_down: SIGINT and wait; AGENT_SECS is how long it ran.
agent_down() {
	kill -INT "$APID" 2>/dev/null
	wait "$APID" 2>/dev/null
	AGENT_SECS=$(awk -v a="$AGENT_T0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
}

# peer_up NAME: the bpftrace peer, until its probes are attached. Sets BPID.
peer_up() {
	bpftrace tools/bench/peer.bt >"$T/$1.bt" 2>"$T/$1.bterr" &
	BPID=$!
	wait_for "$T/$1.bt" Attaching "$BPID" || { fail "bpftrace did not attach: $(tail -2 "$T/$1.bterr")"; return 1; }
	sleep 0.2
}
peer_down() { kill -INT "$BPID" 2>/dev/null; wait "$BPID" 2>/dev/null; }

# floor_up [--hooks SECTION...]: empty programs on loopwatch's hooks, or on
# the given ones. Sets FPID.
floor_up() {
	[ $# -gt 0 ] || set -- "$BUILD/loopwatch.bpf.o"
	"$TOOLS/empty_progs" "$@" >"$T/floor.out" 2>"$T/floor.err" &
	FPID=$!
	wait_for "$T/floor.out" attached "$FPID" || { fail "empty programs did not attach: $(tail -2 "$T/floor.err")"; return 1; }
}
floor_down() { kill -INT "$FPID" 2>/dev/null; wait "$FPID" 2>/dev/null; }

# events and lost events in the agent lines of a JSON file
agent_sum() { jq -s "[.[] | select(.type==\"agent\") | .$2] | add // 0" "$T/$1.json" 2>/dev/null || echo 0; }

echo "loopwatch benchmark: $(nproc) CPUs, $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -1), Linux $(uname -r)"
echo "mode: $([ "$smoke" = 1 ] && echo smoke || echo full), $rounds round(s) of $seconds s, $conns connections"

# ---------------------------------------------------------------- saturation
saturation() {
	local r cfg line rps p99 c0 c1 port name v
	echo
	echo "== saturation: echo server (1 loop thread) + load ($conns connections, 64 B requests), both on CPU $CPU"
	taskset -c "$CPU" "$TOOLS/echo_server" >"$T/server.out" 2>"$T/server.err" &
	SPID=$!
	wait_for "$T/server.out" '^port' "$SPID" || { fail "echo server did not start"; return; }
	port=$(awk '/^port/ { print $2 }' "$T/server.out")
	: >"$T/sat.tsv"
	: >"$T/sat.tsv.round"
	for r in $(seq "$rounds"); do
		round_begin
		for cfg in $(order_of "$r"); do
			case $cfg in
			loopwatch) name=sat$r; agent_up "$name" || continue; TPID=$APID ;;
			lw-loop) name=satloop$r; agent_up "$name" --detect loop || continue; TPID=$APID ;;
			bpftrace) peer_up "sat$r" || continue; TPID=$BPID ;;
			floor) floor_up || continue; TPID=$FPID ;;
			floor-loop) floor_up --hooks $LOOPHOOKS || continue; TPID=$FPID ;;
			slowpath) floor_up --hooks $SLOWPATH || continue; TPID=$FPID ;;
			base) TPID= ;;
			esac
			[ -n "$TPID" ] && c0=$(cpu_ns "$TPID") t0=$(now)
			s0=$(cpu_ns "$SPID")
			line=$(taskset -c "$CPU" "$TOOLS/echo_load" --port "$port" --conns "$conns" \
				--seconds "$seconds" --warmup-ms 300)
			s1=$(cpu_ns "$SPID")
			rps=$(echo "$line" | kv rps)
			# the server's own CPU per request: what a server whose clients are
			# elsewhere pays (the load generator here pays the slow path too)
			srv=$(awk -v d=$((s1 - s0)) -v n="$(echo "$line" | kv all_requests)" 'BEGIN { printf "%.0f", (n > 0 ? d / n : 0) }')
			p99=$(echo "$line" | kv p99_us)
			if [ -n "$TPID" ]; then
				c1=$(cpu_ns "$TPID")
				rss=$(rss_kb "$TPID")
				cpu=$(pct $((c1 - c0)) "$(since "$t0")")
			else
				rss=0 cpu=0
			fi
			case $cfg in
			loopwatch|lw-loop) agent_down
				ev=$(awk -v e="$(agent_sum "$name" events)" -v s="$AGENT_SECS" 'BEGIN { printf "%.2f", e / s }')
				lost=$(agent_sum "$name" lost_events)
				[ -s "$T/prom/loopwatch.prom" ] && touch "$T/prom.seen" ;;
			bpftrace) peer_down; ev=nan lost=nan ;;
			floor|floor-loop|slowpath) floor_down; ev=nan lost=nan ;;
			base) ev=nan lost=nan ;;
			*) ev=0 lost=0 ;;
			esac
			[ -n "$rps" ] || { fail "load generator failed ($cfg): $line"; continue; }
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$cfg" "$rps" "$p99" "$cpu" "$ev" "$lost" "$rss" "$srv" >>"$T/sat.tsv.round"
		done
		round_end saturation "$r" "$T/sat.tsv"
	done
	kill -INT "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	use_rounds "$T/sat.tsv"

	# per round, each configuration against that round's baseline
	awk -F'\t' '$2 == "base" { b[$1] = $3; p[$1] = $4; sv[$1] = $9 }
		{ rps[$1, $2] = $3; p99[$1, $2] = $4; srv[$1, $2] = $9 }
		END { for (k in rps) { split(k, a, SUBSEP); if (b[a[1]] > 0 && p[a[1]] > 0 && srv[k] > 0)
			print a[2], rps[k] / b[a[1]], p99[k] / p[a[1]], sv[a[1]] / srv[k] } }' "$T/sat.tsv" >"$T/sat.ratio"
	printf '%-10s %9s %7s %7s %9s %10s %9s %8s %9s %6s %8s\n' config req/s ratio p99_us p99_ratio \
		srv_ns/req srv_ratio cpu_pct events/s lost rss_kb
	for cfg in $CONFIGS; do
		local m_rps m_p99 m_r m_pr m_sr m_srv m_cpu m_ev m_lost m_rss
		m_rps=$(awk -F'\t' -v c=$cfg '$2 == c { print $3 }' "$T/sat.tsv" | median)
		m_p99=$(awk -F'\t' -v c=$cfg '$2 == c { print $4 }' "$T/sat.tsv" | median)
		m_r=$(printf '%.3f' "$(awk -v c=$cfg '$1 == c { print $2 }' "$T/sat.ratio" | median)")
		m_pr=$(printf '%.3f' "$(awk -v c=$cfg '$1 == c { print $3 }' "$T/sat.ratio" | median)")
		m_sr=$(printf '%.3f' "$(awk -v c=$cfg '$1 == c { print $4 }' "$T/sat.ratio" | median)")
		m_srv=$(awk -F'\t' -v c=$cfg '$2 == c { print $9 }' "$T/sat.tsv" | median)
		m_cpu=$(awk -F'\t' -v c=$cfg '$2 == c { print $5 }' "$T/sat.tsv" | median)
		m_ev=$(awk -F'\t' -v c=$cfg '$2 == c { print $6 }' "$T/sat.tsv" | median)
		m_lost=$(awk -F'\t' -v c=$cfg '$2 == c { l += $7 } END { if (c != "loopwatch" && c != "lw-loop") print "n/a"; else print l + 0 }' "$T/sat.tsv")
		m_rss=$(awk -F'\t' -v c=$cfg '$2 == c && $8 > m { m = $8 } END { print m + 0 }' "$T/sat.tsv")
		printf '%-10s %9.0f %7s %7.0f %9s %10.0f %9s %8s %9s %6s %8s\n' "$cfg" "$m_rps" "$m_r" "$m_p99" "$m_pr" \
			"$m_srv" "$m_sr" "$m_cpu" "$m_ev" "$m_lost" "$m_rss"
		v=${cfg//-/_}
		eval "SAT_${v}_rps=$m_rps SAT_${v}_ratio=$m_r SAT_${v}_p99=$m_p99 SAT_${v}_p99ratio=$m_pr"
		eval "SAT_${v}_srvratio=$m_sr SAT_${v}_srvns=$m_srv"
		eval "SAT_${v}_cpu=$m_cpu SAT_${v}_ev=$m_ev SAT_${v}_lost=$m_lost SAT_${v}_rss=$m_rss"
	done
	echo "(medians over rounds; ratios are per round against that round's baseline. slowpath = empty"
	echo " programs on getppid's tracepoints, which the workload never calls: the syscall tracing slow"
	echo " path alone; floor = empty programs on every hook loopwatch uses; floor-loop = empty programs"
	echo " on the loop-lag hooks only, the floor of lw-loop (loopwatch --detect loop, loop lag alone,"
	echo " the measurement the bpftrace peer makes). cpu_pct: the tracer's own process, % of one core;"
	echo " events/s and lost from the agent's own lines. srv_ns/req: the server's CPU per request;"
	echo " srv_ratio = baseline's / this one's, the throughput ratio of a CPU-bound server whose"
	echo " clients are on other hosts and do not pay the tracing cost)"
	if [ -e "$T/prom.seen" ]; then
		echo "textfile: written every interval during the loopwatch runs"
	else
		echo "textfile: --prom-file wrote no file (not implemented in this build); ran without it"
	fi
	fig throughput_ratio_loopwatch "$SAT_loopwatch_ratio"
	fig throughput_ratio_bpftrace "$SAT_bpftrace_ratio"
	fig throughput_ratio_floor "$SAT_floor_ratio"
	fig throughput_ratio_slowpath "$SAT_slowpath_ratio"
	fig server_cost_ratio_loopwatch "$SAT_loopwatch_srvratio"
	fig server_cost_ratio_bpftrace "$SAT_bpftrace_srvratio"
	fig server_cost_ratio_floor "$SAT_floor_srvratio"
	fig p99_ratio_loopwatch "$SAT_loopwatch_p99ratio"
	fig p99_ratio_bpftrace "$SAT_bpftrace_p99ratio"
	fig baseline_rps "$SAT_base_rps"
	fig loopwatch_cpu_pct_saturation "$SAT_loopwatch_cpu"
	fig bpftrace_cpu_pct_saturation "$SAT_bpftrace_cpu"
	fig loopwatch_events_per_s "$SAT_loopwatch_ev"
	fig loopwatch_lost_events "$SAT_loopwatch_lost"
	fig loopwatch_rss_kb "$SAT_loopwatch_rss"
	fig throughput_ratio_lw_loop "$SAT_lw_loop_ratio"
	fig throughput_ratio_floor_loop "$SAT_floor_loop_ratio"
	fig server_cost_ratio_lw_loop "$SAT_lw_loop_srvratio"
	fig p99_ratio_lw_loop "$SAT_lw_loop_p99ratio"
}

# ------------------------------------------------------------------- percall
percall() {
	local r cfg i out v
	echo
	echo "== per call: write + epoll_wait(timeout 0) + read on an eventfd, $pc_iters iterations x $pc_runs runs per round, CPU $CPU"
	: >"$T/pc.tsv"
	: >"$T/pc.tsv.round"
	for r in $(seq "$rounds"); do
		round_begin
		for cfg in $(order_of "$r"); do
			case $cfg in
			floor) floor_up || continue ;;
			floor-loop) floor_up --hooks $LOOPHOOKS || continue ;;
			slowpath) floor_up --hooks $SLOWPATH || continue ;;
			loopwatch) agent_up "pc$r" || continue ;;
			lw-loop) agent_up "pcloop$r" --detect loop || continue ;;
			bpftrace) peer_up "pc$r" || continue ;;
			esac
			for i in $(seq "$pc_runs"); do
				out=$(taskset -c "$CPU" "$TOOLS/percall" --iterations "$pc_iters" | kv ns_per_iter)
				[ -n "$out" ] && printf '%s\t%s\n' "$cfg" "$out" >>"$T/pc.tsv.round"
			done
			case $cfg in
			floor|floor-loop|slowpath) floor_down ;;
			loopwatch|lw-loop) agent_down ;;
			bpftrace) peer_down ;;
			esac
		done
		round_end percall "$r" "$T/pc.tsv"
	done
	use_rounds "$T/pc.tsv"
	local base
	base=$(awk -v c=base '$1 == c { print $2 }' "$T/pc.tsv" | median)
	PC_base=$base
	printf '%-10s %10s %10s %10s %14s\n' config ns/iter added_ns vs_floor vs_floor_loop
	for cfg in $CONFIGS; do
		local m
		m=$(awk -v c=$cfg '$1 == c { print $2 }' "$T/pc.tsv" | median)
		eval "PC_${cfg//-/_}=$m"
	done
	# added ns against the floor's, and against floor-loop's
	vs() { awk -v a="$1" -v b="$base" -v f="$2" 'BEGIN { if (f - b > 0) printf "%.2f", (a - b) / (f - b); else print "nan" }'; }
	for cfg in $CONFIGS; do
		v=${cfg//-/_}
		eval "local m=\$PC_$v"
		local add
		add=$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.1f", a - b }')
		printf '%-10s %10.1f %10s %10s %14s\n' "$cfg" "$m" "$add" "$(vs "$m" "$PC_floor")" "$(vs "$m" "$PC_floor_loop")"
		eval "PC_${v}_added=$add PC_${v}_vs=$(vs "$m" "$PC_floor") PC_${v}_vsloop=$(vs "$m" "$PC_floor_loop")"
	done
	echo "(medians; slowpath = empty programs on getppid's tracepoints only; floor = empty programs on"
	echo " each of loopwatch's hooks; floor-loop = on the loop-lag hooks only; vs_floor = added ns /"
	echo " floor's added ns; vs_floor_loop = added ns / floor-loop's: lw-loop's budget figure)"
	fig percall_base_ns "$PC_base"
	fig percall_floor_added_ns "$PC_floor_added"
	fig percall_slowpath_added_ns "$PC_slowpath_added"
	fig percall_loopwatch_added_ns "$PC_loopwatch_added"
	fig percall_bpftrace_added_ns "$PC_bpftrace_added"
	fig percall_loopwatch_vs_floor "$PC_loopwatch_vs"
	fig percall_lw_loop_added_ns "$PC_lw_loop_added"
	fig percall_floor_loop_added_ns "$PC_floor_loop_added"
	fig percall_lw_loop_vs_floor "$PC_lw_loop_vsloop"
}

# ------------------------------------------------------------------ agentcpu
agentcpu() {
	local c0 c1 ppid it seen
	echo
	echo "== agent CPU: $cpu_secs s idle, then $cpu_secs s with a loop at 100k iterations/s"
	lock
	agent_up idle || { unlock; return; }
	sleep 1
	c0=$(cpu_ns "$APID") t0=$(now)
	sleep "$cpu_secs"
	c1=$(cpu_ns "$APID")
	CPU_idle=$(pct $((c1 - c0)) "$(since "$t0")")
	CPU_idle_rss=$(rss_kb "$APID")
	agent_down
	CPU_idle_lost=$(agent_sum idle lost_events)

	agent_up busy || { unlock; return; }
	taskset -c "$CPU" "$TOOLS/percall" --rate 100000 --seconds $((cpu_secs + 2)) >"$T/paced.out" &
	ppid=$!
	sleep 1
	c0=$(cpu_ns "$APID") t0=$(now)
	sleep "$cpu_secs"
	c1=$(cpu_ns "$APID")
	CPU_busy=$(pct $((c1 - c0)) "$(since "$t0")")
	wait "$ppid"
	agent_down
	unlock
	it=$(kv rate <"$T/paced.out")
	CPU_busy_lost=$(agent_sum busy lost_events)
	# iterations loopwatch counted for the paced loop, per second of summaries
	seen=$(jq -s "[.[] | select(.type==\"summary\" and .pid==$ppid) | .iterations] | if length > 2 then (.[1:-1] | add / length) else 0 end" \
		"$T/busy.json" 2>/dev/null)
	printf '%-22s %8s %10s %7s\n' load cpu_pct iter/s lost
	printf '%-22s %8s %10s %7s\n' idle "$CPU_idle" 0 "$CPU_idle_lost"
	printf '%-22s %8s %10s %7s\n' "100k iterations/s" "$CPU_busy" "${it:-nan}" "$CPU_busy_lost"
	echo "(agent CPU in % of one core; the loop's rate as loopwatch counted it: ${seen:-nan}/s)"
	fig agent_cpu_pct_idle "$CPU_idle"
	fig agent_cpu_pct_100k "$CPU_busy"
	fig agent_lost_events_100k "$CPU_busy_lost"
	fig agent_iterations_per_s_seen "${seen:-nan}"
}

# --------------------------------------------------------------------- scale
# memlock of the maps the agent holds: ids from its fdinfo, sizes from bpftool
map_memlock_kb() {
	local ids
	ids=$(grep -h '^map_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -u | paste -sd, -)
	[ -n "$ids" ] || { echo 0; return; }
	bpftool -j map show | jq "[.[] | select(.id as \$i | [$ids] | index(\$i)) | .bytes_memlock] | add / 1024 | floor"
}

scale() {
	local spid pids loops
	echo
	echo "== scale: $scale_threads loop threads, $scale_sockets TCP sockets on loopback"
	lock
	agent_up scale || { unlock; return; }
	"$TOOLS/scale" --threads "$scale_threads" --sockets "$scale_sockets" --seconds "$scale_secs" \
		>"$T/scale.out" 2>"$T/scale.err" &
	spid=$!
	if ! wait_for "$T/scale.out" '^ready' "$spid"; then
		fail "scale workload did not start: $(tail -2 "$T/scale.err")"
		agent_down
		unlock
		return
	fi
	sleep $((scale_secs > 3 ? scale_secs - 2 : 2))
	SC_rss=$(rss_kb "$APID")
	SC_hwm=$(hwm_kb "$APID")
	SC_maps=$(map_memlock_kb "$APID")
	wait "$spid"
	agent_down
	unlock
	pids=$(sed -n 's/.*pids=\([0-9,]*\).*/\1/p' "$T/scale.out")
	# loop threads loopwatch saw alive in the workload, at the best interval
	loops=$(jq -s "[.[] | select(.type==\"summary\" and (.pid as \$p | [$pids] | index(\$p)))] |
		group_by(.time) | map(map(.loops) | add) | max // 0" "$T/scale.json" 2>/dev/null)
	SC_lost=$(agent_sum scale lost_events)
	printf '%-8s %8s %11s %10s %12s %14s %6s\n' threads sockets loops_seen rss_kb peak_rss_kb map_memlock_kb lost
	printf '%-8s %8s %11s %10s %12s %14s %6s\n' "$scale_threads" "$scale_sockets" "${loops:-0}" "$SC_rss" \
		"$SC_hwm" "$SC_maps" "$SC_lost"
	echo "(the workload spreads over $(sed -n 's/.*procs=\([0-9]*\).*/\1/p' "$T/scale.out") processes: the hard RLIMIT_NOFILE here is $(ulimit -Hn))"
	fig scale_loops_seen "${loops:-0}"
	fig scale_agent_rss_kb "$SC_rss"
	fig scale_agent_peak_rss_kb "$SC_hwm"
	fig scale_map_memlock_kb "$SC_maps"
}

# ----------------------------------------------------------------- probecost
probecost() {
	local port ids
	echo
	echo "== probe cost at saturation (kernel.bpf_stats_enabled=1, $seconds s): ns per run of each program"
	taskset -c "$CPU" "$TOOLS/echo_server" >"$T/server2.out" 2>"$T/server2.err" &
	SPID=$!
	wait_for "$T/server2.out" '^port' "$SPID" || { fail "echo server did not start"; return; }
	port=$(awk '/^port/ { print $2 }' "$T/server2.out")
	lock
	agent_up cost || { unlock; return; }
	sysctl -qw kernel.bpf_stats_enabled=1
	taskset -c "$CPU" "$TOOLS/echo_load" --port "$port" --conns "$conns" --seconds "$seconds" \
		--warmup-ms 0 >"$T/cost.load"
	ids=$(grep -h '^prog_id:' /proc/"$APID"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -u | paste -sd, -)
	bpftool -j prog show >"$T/progs.json"
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"
	agent_down
	unlock
	kill -INT "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	printf '%-24s %12s %10s %8s\n' program runs runs/s ns/run
	jq -r "[.[] | select(.id as \$i | [${ids:-0}] | index(\$i))] | sort_by(-(.run_time_ns // 0)) | .[] |
		[.name, (.run_cnt // 0), (.run_time_ns // 0)] | @tsv" "$T/progs.json" |
	while IFS=$'\t' read -r name cnt ns; do
		printf '%-24s %12s %10.0f %8.1f\n' "$name" "$cnt" "$(awk -v c="$cnt" -v s="$seconds" 'BEGIN { print c / s }')" \
			"$(awk -v c="$cnt" -v n="$ns" 'BEGIN { print c ? n / c : 0 }')"
	done
	local tot
	tot=$(jq "[.[] | select(.id as \$i | [${ids:-0}] | index(\$i)) | .run_time_ns // 0] | add // 0" "$T/progs.json")
	echo "(program bodies only: the tracing slow path each system call takes is in the per-call floor;"
	echo " $(kv rps <"$T/cost.load") req/s during this run)"
	fig probe_ns_per_request "$(awk -v t="$tot" -v r="$(kv requests <"$T/cost.load")" 'BEGIN { printf "%.1f", (r > 0 ? t / r : 0) }')"
}

# --------------------------------------------------------------------- nginx
NGINX_CONFIGS="base loopwatch lw-loop lw-detail bpftrace"
# nginx_conf DIR PORT: a configuration of our own, nothing of the system's
nginx_conf() {
	mkdir -p "$1/tmp" "$1/logs"
	cat >"$1/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $1/nginx.pid;
error_log $1/logs/error.log warn;
events { worker_connections 1024; use epoll; }
http {
	access_log off;
	client_body_temp_path $1/tmp/body;
	proxy_temp_path $1/tmp/proxy;
	fastcgi_temp_path $1/tmp/fastcgi;
	uwsgi_temp_path $1/tmp/uwsgi;
	scgi_temp_path $1/tmp/scgi;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$2;
		location / { return 200 "ok\n"; }
	}
}
CONF
}
# free_port: a loopback port nobody listens on
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}
nginx_part() {
	local r cfg port dir name rps v i n
	local -a c
	echo
	echo "== nginx: one worker + wrk (1 thread, $conns connections), both on CPU $CPU, loopback"
	command -v nginx >/dev/null || { fail "nginx is missing (tools/install-deps.sh test)"; return; }
	command -v wrk >/dev/null || { fail "wrk is missing (tools/install-deps.sh test)"; return; }
	port=$(free_port) || { fail "no free port for nginx"; return; }
	dir=$T/nginx
	nginx_conf "$dir" "$port"
	taskset -c "$CPU" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" \
		>"$T/nginx.out" 2>"$T/nginx.err" &
	NPID=$!
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && break
		sleep 0.05
	done
	curl -s -o /dev/null "http://127.0.0.1:$port/" || { fail "nginx did not start: $(tail -2 "$T/nginx.err" "$dir/logs/error.log")"; kill "$NPID" 2>/dev/null; return; }
	: >"$T/ngx.tsv"
	: >"$T/ngx.tsv.round"
	read -r -a c <<<"$NGINX_CONFIGS"
	n=${#c[@]}
	for r in $(seq "$rounds"); do
		round_begin
		# five configurations: every stride from 1 to 4 walks them all
		for ((i = 0; i < n; i++)); do
			cfg=${c[((r - 1) + i * ((r - 1) % (n - 1) + 1)) % n]}
			case $cfg in
			loopwatch) name=ngx$r; agent_up "$name" || continue ;;
			lw-loop) name=ngxloop$r; agent_up "$name" --detect loop || continue ;;
			lw-detail) name=ngxdetail$r; agent_up "$name" --detect all || continue ;;
			bpftrace) peer_up "ngx$r" || continue ;;
			esac
			rps=$(taskset -c "$CPU" wrk -t1 -c"$conns" -d"${seconds}s" "http://127.0.0.1:$port/" 2>&1 |
				awk '/^Requests\/sec:/ { print $2 }')
			case $cfg in
			loopwatch|lw-loop|lw-detail) agent_down ;;
			bpftrace) peer_down ;;
			esac
			[ -n "$rps" ] || { fail "wrk failed ($cfg)"; continue; }
			printf '%s\t%s\t%s\n' "$r" "$cfg" "$rps" >>"$T/ngx.tsv.round"
		done
		round_end nginx "$r" "$T/ngx.tsv"
	done
	kill -QUIT "$NPID" 2>/dev/null
	wait "$NPID" 2>/dev/null
	use_rounds "$T/ngx.tsv"
	awk -F'\t' '$2 == "base" { b[$1] = $3 } { rps[$1, $2] = $3 }
		END { for (k in rps) { split(k, a, SUBSEP); if (b[a[1]] > 0) print a[2], rps[k] / b[a[1]] } }' \
		"$T/ngx.tsv" >"$T/ngx.ratio"
	printf '%-10s %9s %7s\n' config req/s ratio
	for cfg in $NGINX_CONFIGS; do
		local m_rps m_r
		m_rps=$(awk -F'\t' -v c=$cfg '$2 == c { print $3 }' "$T/ngx.tsv" | median)
		m_r=$(printf '%.3f' "$(awk -v c=$cfg '$1 == c { print $2 }' "$T/ngx.ratio" | median)")
		printf '%-10s %9.0f %7s\n' "$cfg" "$m_rps" "$m_r"
		v=${cfg//-/_}
		eval "NGX_${v}_ratio=$m_r"
		fig "nginx_throughput_ratio_$v" "$m_r"
	done
	echo "(medians over rounds; ratios per round against that round's baseline; loopwatch = the"
	echo " default agent, detail on demand; lw-detail = --detect all, the detail tier attached for good)"
}

# ----------------------------------------------------------------- hookpaths
# Only on hardware does this mean anything: under emulation the two paths'
# costs invert (see docs/kernels.md).
hookpaths() {
	local r cfg i out
	echo
	echo "== hook paths: loop lag (--detect loop) by fentry and by the syscall tracepoints, per call, CPU $CPU"
	if ! "$LW" --json --detect loop --hooks fentry -d 1 >"$T/fentry.json" 2>"$T/fentry.err"; then
		echo "fentry: refused by this kernel ($(grep -m1 -o 'kernel lacks a hook for epoll waits (.*)' "$T/fentry.err" | sed 's/^kernel lacks a hook for epoll waits (//; s/)$//'))"
		echo "(not measured here: loopwatch hooks epoll waits by the syscall tracepoints on this kernel)"
		fig fentry_allowed 0
		return
	fi
	fig fentry_allowed 1
	: >"$T/hp.tsv"
	: >"$T/hp.tsv.round"
	for r in $(seq "$rounds"); do
		round_begin
		for cfg in base tracepoint fentry; do
			[ "$cfg" = base ] || agent_up "hp$cfg$r" --detect loop --hooks "$cfg" || continue
			for i in $(seq "$pc_runs"); do
				out=$(taskset -c "$CPU" "$TOOLS/percall" --iterations "$pc_iters" | kv ns_per_iter)
				[ -n "$out" ] && printf '%s\t%s\n' "$cfg" "$out" >>"$T/hp.tsv.round"
			done
			[ "$cfg" = base ] || agent_down
		done
		round_end hookpaths "$r" "$T/hp.tsv"
	done
	use_rounds "$T/hp.tsv"
	local base m
	base=$(awk '$1 == "base" { print $2 }' "$T/hp.tsv" | median)
	printf '%-10s %10s %10s\n' path ns/iter added_ns
	for cfg in base tracepoint fentry; do
		m=$(awk -v c=$cfg '$1 == c { print $2 }' "$T/hp.tsv" | median)
		printf '%-10s %10.1f %10.1f\n' "$cfg" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN { print a - b }')"
		fig "percall_lw_loop_${cfg}_ns" "$m"
	done
}

# ------------------------------------------------------------------- stacks
# "run_time_ns run_cnt" of the capture program
stk_prog_stats() {
	bpftool -j prog show name stk_sched_switch 2>/dev/null |
		jq -r -s '[.[] | if type == "array" then .[] else . end] |
			"\([.[].run_time_ns // 0] | add // 0) \([.[].run_cnt // 0] | add // 0)"'
}
stacks() {
	local r cfg line rps port on off n stalls fl
	echo
	echo "== stacks: saturation with stacks on and off, capture and unwind cost, RSS"
	taskset -c "$CPU" "$TOOLS/echo_server" >"$T/stkserver.out" 2>"$T/stkserver.err" &
	SPID=$!
	wait_for "$T/stkserver.out" '^port' "$SPID" || { fail "echo server did not start"; return; }
	port=$(awk '/^port/ { print $2 }' "$T/stkserver.out")
	: >"$T/stk.tsv"
	: >"$T/stk.tsv.round"
	for r in $(seq "$rounds"); do
		round_begin
		for cfg in $( ((r % 2)) && echo "on off" || echo "off on"); do
			if [ "$cfg" = on ]; then agent_up "stk$r$cfg" || continue
			else agent_up "stk$r$cfg" --no-stacks || continue; fi
			line=$(taskset -c "$CPU" "$TOOLS/echo_load" --port "$port" --conns "$conns" \
				--seconds "$seconds" --warmup-ms 300)
			agent_down
			rps=$(echo "$line" | kv rps)
			[ -n "$rps" ] && printf '%s\t%s\t%s\n' "$r" "$cfg" "$rps" >>"$T/stk.tsv.round"
		done
		round_end stacks "$r" "$T/stk.tsv"
	done
	kill -INT "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	use_rounds "$T/stk.tsv"
	on=$(awk -F'\t' '$2 == "on" { print $3 }' "$T/stk.tsv" | median)
	off=$(awk -F'\t' '$2 == "off" { print $3 }' "$T/stk.tsv" | median)
	STK_ratio=$(awk -F'\t' '{ v[$1, $2] = $3 } END { for (k in v) { split(k, a, SUBSEP);
		if (a[2] == "on" && v[a[1], "off"] > 0) print v[k] / v[a[1], "off"] } }' "$T/stk.tsv" | median)
	printf 'stacks on  %9.0f req/s\nstacks off %9.0f req/s\nratio on/off %s (median of per-round ratios)\n' \
		"$on" "$off" "$STK_ratio"

	# 1,000 blocked stalls of 10 ms with --stall-ms 5, 22 ms apart (the
	# per-thread budget refills one capture per 20 ms), every one's stack
	# symbolised. The capture's cost: the program's run time while they
	# happen, less its runs' cost at idle (every context switch of the
	# host runs it), over the records written.
	n=$([ "$smoke" = 1 ] && echo 100 || echo 1000)
	sysctl -qw kernel.bpf_stats_enabled=1
	agent_up stkcost -c faultlab --stall-ms 5 || return
	local a b c d idle_ns recs
	a=$(stk_prog_stats)
	sleep 2
	b=$(stk_prog_stats)
	"$BUILD/faultlab" stall --cause sleep --ms 10 --every-ms 22 --count "$n" >"$T/stkfl.out" 2>&1
	sleep 1.2
	c=$(stk_prog_stats)
	STK_rss=$(rss_kb "$APID")
	agent_down
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"
	stalls=$(jq -s '[.[] | select(.type=="stall" and (.stack | length) > 0)] | length' "$T/stkcost.json")
	fl=$(sed -n 's/.*stacks: \([0-9]*\) records, \([0-9]*\) unwound: the first in \([0-9.]*\) us, then \([0-9.]*\) us each.*/\1 \2 \3 \4/p' "$T/stkcost.err")
	recs=$(echo "$fl" | awk '{ print $1 }')
	STK_unwind_us=$(echo "$fl" | awk '{ print $4 }')
	STK_capture_us=$(echo "$a $b $c" | awk -v r="${recs:-0}" '{
		idle = ($4 > $2) ? ($3 - $1) / ($4 - $2) : 0
		extra = ($5 - $3) - ($6 - $4) * idle
		if (r > 0) printf "%.1f", extra / 1e3 / r; else print "nan" }')
	idle_ns=$(echo "$a $b" | awk '{ if ($4 > $2) printf "%.0f", ($3 - $1) / ($4 - $2); else print "nan" }')
	echo "$n injected stalls: $stalls stall lines with a stack; ${recs:-0} stack records"
	echo "kernel: the capture program costs $idle_ns ns per context switch that captures nothing,"
	echo "  $STK_capture_us us per stack record on top (capture and wake-up records together)"
	echo "agent: the first stack unwound and named in $(echo "$fl" | awk '{ print $3 }') us (its caches filled:"
	echo "  kallsyms, the modules' symbol tables and CFI), then $STK_unwind_us us each; RSS $STK_rss kB after them"
	fig stacks_throughput_ratio "$STK_ratio"
	fig stacks_capture_us "$STK_capture_us"
	fig stacks_unwind_us "$STK_unwind_us"
	fig stacks_rss_kb "$STK_rss"
}

skipped saturation || saturation
skipped percall || percall
skipped hookpaths || hookpaths
skipped nginx || nginx_part
skipped agentcpu || agentcpu
skipped scale || scale
skipped probecost || probecost
skipped stacks || stacks

echo
echo "== budget (DESIGN.md \"Performance budget\")"
verdict() { awk -v v="$2" -v l="$3" -v op="$4" 'BEGIN { if (v == "" || v == "nan") r = "n/a";
	else if (op == ">=" ? v + 0 >= l + 0 : v + 0 < l + 0) r = "PASS"; else r = "MISS";
	printf "%-46s %10s  %s %s  %s\n", ARGV[1], v, op, l, r }' "$1"; }
# context: a figure beside the budget with no target of its own
context() { printf '%-46s %10s  (%s)\n' "$1" "$2" "$3"; }
minus() { awk -v a="${1:-nan}" -v b="${2:-nan}" 'BEGIN { if (a == "nan" || b == "nan") print "nan"; else printf "%.3f", a - b }'; }
skipped saturation || {
	verdict "throughput with loopwatch / baseline" "${SAT_loopwatch_ratio:-}" 0.97 ">="
	verdict "loopwatch ratio - bpftrace ratio" "$(minus "${SAT_loopwatch_ratio:-}" "${SAT_bpftrace_ratio:-}")" 0 ">="
}
skipped percall || verdict "per-call added: loopwatch / empty floor" "${PC_loopwatch_vs:-}" 1.5 "<"
skipped saturation || {
	verdict "throughput with lw-loop / baseline" "${SAT_lw_loop_ratio:-}" 0.97 ">="
	verdict "lw-loop ratio - bpftrace ratio" "$(minus "${SAT_lw_loop_ratio:-}" "${SAT_bpftrace_ratio:-}")" 0 ">="
}
skipped percall || verdict "per-call added: lw-loop / floor-loop" "${PC_lw_loop_vsloop:-}" 1.5 "<"
skipped nginx || {
	verdict "nginx: throughput with loopwatch / baseline" "${NGX_loopwatch_ratio:-}" 0.99 ">="
	verdict "nginx: loopwatch ratio - bpftrace ratio" "$(minus "${NGX_loopwatch_ratio:-}" "${NGX_bpftrace_ratio:-}")" 0 ">="
	verdict "nginx: lw-loop ratio - bpftrace ratio" "$(minus "${NGX_lw_loop_ratio:-}" "${NGX_bpftrace_ratio:-}")" 0 ">="
}
skipped agentcpu || {
	verdict "agent CPU % idle" "${CPU_idle:-}" 1 "<"
	verdict "agent CPU % at 100k iterations/s" "${CPU_busy:-}" 5 "<"
	verdict "lost events at 100k iterations/s" "${CPU_busy_lost:-}" 1 "<"
}
skipped scale || verdict "agent RSS MB, scale run" "$([ -n "${SC_rss:-}" ] && awk -v k="$SC_rss" 'BEGIN { printf "%.1f", k / 1024 }')" 50 "<"
skipped saturation || {
	context "throughput with slowpath / baseline" "${SAT_slowpath_ratio:-nan}" "context: any syscall tracepoint"
	context "throughput with floor / baseline" "${SAT_floor_ratio:-nan}" "context: best on loopwatch's hooks"
	context "throughput with floor-loop / baseline" "${SAT_floor_loop_ratio:-nan}" "context: best on the loop hooks"
}
[ "$UNCLEAN" -eq 0 ] || echo "(figures from rounds with another tracer loaded: see the warnings above)"
if [ "$failed" -ne 0 ]; then
	echo "some parts did not run (see above)"
	exit 1
fi
exit 0
