#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Go programs are not loops (docs/runtimes.md): host-wide, with default
# options, Debian's prometheus-node-exporter scraped five times a second,
# prometheus scraping it, and a Go HTTP server (tools/goserver, built here
# with Debian's golang-go, standard library only, offline) under load give no
# stall, stall_in_progress or loop_lag alert, and their summaries say
# runtime go, loops 0 and why. In the same agent run, redis-server's DEBUG
# SLEEP 0.15 is still one stall each, blocked in (clock_)nanosleep, for
# redis's pid. Phase 2: a Go server stripped of its Go notes falls to the
# parked rule; phase 3: loops blocked on a mutex stay stalls; phase 4: the
# top view marks the Go server [go]. Loopback only.
. "$(dirname "$0")/lib.sh"

RUN_S=14
SRC=$(cd "$(dirname "$0")/../../tools/goserver" && pwd)
SYSCALLS='["clock_nanosleep","nanosleep"]'

# free_port BASE: the first port from BASE nothing listens on.
free_port() {
	local p
	for p in $(seq "$1" $(($1 + 50))); do
		ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

for tool in go prometheus-node-exporter prometheus redis-server redis-cli curl wrk; do
	check "$tool is installed (tools/install-deps.sh test)" command -v "$tool"
done

# the Go server, built offline into the temp dir
mkdir -p "$T/go/cache" "$T/go/path"
(cd "$SRC" && HOME="$T/go" GOCACHE="$T/go/cache" GOPATH="$T/go/path" GOFLAGS=-mod=mod \
	GOPROXY=off GOTOOLCHAIN=local go build -o "$T/goserver" .) >"$T/gobuild.log" 2>&1
check "goserver builds from tools/goserver with the standard library only" [ -x "$T/goserver" ]
[ -x "$T/goserver" ] || note "go build: $(tail -5 "$T/gobuild.log")"

NE_PORT=$(free_port 19100)
PROM_PORT=$(free_port 19190)
GS_PORT=$(free_port 18080)
REDIS_PORT=$(free_port 16379)

prometheus-node-exporter --web.listen-address="127.0.0.1:$NE_PORT" >"$T/ne.log" 2>&1 &
NE_PID=$!
FL_PIDS+=("$NE_PID")
cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:$NE_PORT']
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:$PROM_PORT']
EOF
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$T/prom.log" 2>&1 &
PROM_PID=$!
FL_PIDS+=("$PROM_PID")
if [ -x "$T/goserver" ]; then
	"$T/goserver" -addr "127.0.0.1:$GS_PORT" -work 256 >"$T/gs.out" 2>"$T/gs.err" &
	GS_PID=$!
	FL_PIDS+=("$GS_PID")
else
	GS_PID=0
fi
# Redis 7 refuses DEBUG unless enable-debug-command allows it (local: loopback)
REDIS_DEBUG=()
redis-server --version | grep -q 'v=[7-9]' && REDIS_DEBUG=(--enable-debug-command local)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$T" "${REDIS_DEBUG[@]}" >"$T/redis.log" 2>&1 &
REDIS_PID=$!
FL_PIDS+=("$REDIS_PID")

check "node_exporter answers on 127.0.0.1:$NE_PORT" wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$NE_PORT/metrics"
check "prometheus is ready on 127.0.0.1:$PROM_PORT" wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$PROM_PORT/-/ready"
check "goserver answers on 127.0.0.1:$GS_PORT" wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$GS_PORT/"
check "redis answers on 127.0.0.1:$REDIS_PORT" wait_for 10 bash -c "redis-cli -p $REDIS_PORT ping | grep -q PONG"

agent_start go || exit 0
# load for the run, bounded in time: node_exporter scraped 5/s, the Go
# server hashing under wrk, and three DEBUG SLEEPs of redis 2 s apart
(end=$((SECONDS + RUN_S - 2)); while [ $SECONDS -lt $end ]; do
	curl -s -o /dev/null "http://127.0.0.1:$NE_PORT/metrics"; sleep 0.2; done) &
SCRAPER=$!
wrk -t1 -c4 -d$((RUN_S - 3))s "http://127.0.0.1:$GS_PORT/work" >"$T/wrk.out" 2>&1 &
WRK=$!
sleep 3
for _ in 1 2 3; do
	redis-cli -p "$REDIS_PORT" DEBUG SLEEP 0.15 >>"$T/redis-cli.out" 2>&1
	sleep 2
done
wait "$SCRAPER" "$WRK"
sleep 2
check "agent exits 0 on SIGINT" agent_stop

note "wrk on goserver: $(grep -E 'Requests/sec|requests in' "$T/wrk.out" | tr -s ' ' | tr '\n' ' ')"
note "redis-cli: $(sort "$T/redis-cli.out" | uniq -c | tr -s ' ' | tr '\n' ' ')"
check "goserver was under load (wrk got at least 200 responses)" \
	bash -c "[ \$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' '$T/wrk.out') -ge 200 ]"

for name in node_exporter:$NE_PID prometheus:$PROM_PID goserver:$GS_PID; do
	n=${name%%:*}
	pid=${name##*:}
	note "$n (pid $pid): $(v go "[.[] | select(.pid==$pid) | .type] | group_by(.) | map({(.[0]): length}) | add")"
	note "$n: stall-like lines $(v go "[.[] | select(.pid==$pid and (.type==\"stall\" or .type==\"stall_in_progress\")) | [.type, .tid, .duration_ms, .cause, .syscall]]")"
	check "$n: summaries in most intervals" q go \
		"([.[] | select(.type==\"summary\" and .pid==$pid)] | length) >= $((RUN_S / 2))"
	check "$n: every summary says runtime go, loops 0 and why" q go \
		"[.[] | select(.type==\"summary\" and .pid==$pid)] | length > 0 and
		 all(.runtime==\"go\" and .loops==0 and .lag_max_ms==0 and .stalls==0 and
		     (.not_loops | type==\"string\" and length > 0))"
	check "$n: no stall or stall_in_progress" q go \
		"[.[] | select(.pid==$pid and (.type==\"stall\" or .type==\"stall_in_progress\"))] | length == 0"
	check "$n: no undrained_et or et_starved (its waiting thread is not the reader)" q go \
		"[.[] | select(.pid==$pid and (.type==\"undrained_et\" or .type==\"et_starved\"))] | length == 0"
	check "$n: no loop_lag alert" q go \
		"[.[] | select(.type==\"alert\" and .rule==\"loop_lag\" and .pid==$pid)] | length == 0"
done
note "goserver socket figures: $(v go "[.[] | select(.type==\"summary\" and .pid==$GS_PID) | .wakeups] | add") wake-ups, acceptq max $(v go "[.[] | select(.type==\"summary\" and .pid==$GS_PID) | .acceptq_max_ratio] | max")"
note "loop_lag alerts of any process: $(v go '[.[] | select(.type=="alert" and .rule=="loop_lag") | [.pid, .comm, .state]]')"

note "redis (pid $REDIS_PID) stalls: $(v go "[.[] | select(.type==\"stall\" and .pid==$REDIS_PID) | [.tid, .duration_ms, .cause, .syscall]]")"
check "redis: its three DEBUG SLEEPs are stalls blocked in one of $SYSCALLS, 150 ms within 15 %" q go \
	"[.[] | select(.type==\"stall\" and .pid==$REDIS_PID and .cause==\"blocked\" and
	   (.syscall as \$s | $SYSCALLS | index(\$s)) and ((.duration_ms - 150) | fabs) <= 22.5)] | length == 3"
check "redis: its stalls are on its main thread (tid == pid)" q go \
	"[.[] | select(.type==\"stall\" and .pid==$REDIS_PID and .duration_ms >= 140)] | length > 0 and all(.tid==$REDIS_PID)"
check "redis: summaries say runtime other with a loop" q go \
	"[.[] | select(.type==\"summary\" and .pid==$REDIS_PID)] | length > 0 and all(.runtime==\"other\" and (has(\"not_loops\") | not)) and any(.loops >= 1)"
check "redis: the summaries count its stalls" q go \
	"([.[] | select(.type==\"summary\" and .pid==$REDIS_PID) | .stalls] | add) >= 3"
check "redis: its stalls are kind loop" q go \
	"[.[] | select(.type==\"stall\" and .pid==$REDIS_PID)] | length > 0 and all(.kind==\"loop\")"

# Phase 2, the rule for what is not recognised (docs/runtimes.md "Parked
# threads"): the same Go server with its Go notes and sections removed is
# not recognised; its threads take turns on one epoll instance and park in
# futex, so those stalls are kind parked and loop_lag leaves them out. Redis, a
# single-threaded loop, keeps kind loop. Light load only: a CPU-starved
# pool thread's runqueue stalls would be loop stalls, rightly.
for p in "$NE_PID" "$PROM_PID" "$GS_PID"; do kill "$p" 2>/dev/null; done
objcopy --remove-section=.note.go.buildid --remove-section=.go.buildinfo \
	"$T/goserver" "$T/gs-unknown" 2>"$T/objcopy.err"
check "objcopy makes a Go server with no Go note or section" \
	bash -c "[ -x '$T/gs-unknown' ] && ! readelf -S -W '$T/gs-unknown' | grep -q 'go.buildid\|go.buildinfo'"
GU_PORT=$(free_port 18180)
"$T/gs-unknown" -addr "127.0.0.1:$GU_PORT" -work 16 >"$T/gu.out" 2>"$T/gu.err" &
GU_PID=$!
FL_PIDS+=("$GU_PID")
check "the unrecognised Go server answers" wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$GU_PORT/"
agent_start parked || exit 0
(end=$((SECONDS + 9)); while [ $SECONDS -lt $end ]; do
	curl -s -o /dev/null "http://127.0.0.1:$GU_PORT/work"; sleep 0.2; done) &
SCRAPER=$!
sleep 3
redis-cli -p "$REDIS_PORT" DEBUG SLEEP 0.15 >>"$T/redis-cli.out" 2>&1
wait "$SCRAPER"
check "agent (phase 2) exits 0 on SIGINT" agent_stop
note "unrecognised Go server (pid $GU_PID) stalls by kind: $(v parked "[.[] | select(.type==\"stall\" and .pid==$GU_PID)] | group_by(.kind) | map({(.[0].kind): length}) | add")"
note "its summaries [loops, lag_max_ms, stalls, parked_stalls]: $(v parked "[.[] | select(.type==\"summary\" and .pid==$GU_PID) | [.loops, .lag_max_ms, .stalls, .parked_stalls]]")"
check "unrecognised Go server: summaries say runtime other" q parked \
	"[.[] | select(.type==\"summary\" and .pid==$GU_PID)] | length > 0 and all(.runtime==\"other\")"
check "unrecognised Go server: its futex stalls are reported, most (80 %) kind parked" q parked \
	"[.[] | select(.type==\"stall\" and .pid==$GU_PID and .syscall==\"futex\")] as \$f |
	 (\$f | length) > 0 and ([\$f[] | select(.kind==\"parked\")] | length) >= 0.8 * (\$f | length)"
check "unrecognised Go server: no loop_lag alert" q parked \
	"[.[] | select(.type==\"alert\" and .rule==\"loop_lag\" and .pid==$GU_PID)] | length == 0"
check "redis (phase 2): its DEBUG SLEEP is a stall of kind loop" q parked \
	"[.[] | select(.type==\"stall\" and .pid==$REDIS_PID and .duration_ms >= 140)] | length == 1 and all(.kind==\"loop\")"

# Phase 3, real stalls stay real: a single-threaded loop and a
# thread-per-loop server (one epoll each) blocked on a mutex held by another
# thread (faultlab stall --cause lock) are stalls blocked in futex, kind
# loop, one per injection on the injecting thread.
for k in 1 2; do
	agent_start "lock$k" -c faultlab || continue
	faultlab_run "lock$k" stall --cause lock --ms 100 --every-ms 400 --count 3 --threads "$k"
	check "lock, $k loop thread(s): faultlab ran" [ $? -eq 0 ]
	check "lock, $k loop thread(s): agent exits 0 on SIGINT" agent_stop
	pid=$(fl "lock$k" .pid)
	jq -s '[.[] | select(.event=="inject")]' "$T/lock$k.fl" >"$T/lock$k.inj"
	note "lock, $k: injected $(jq -c '[.[] | [.tid, .ms]]' "$T/lock$k.inj"); reported $(v "lock$k" "[.[] | select(.type==\"stall\" and .pid==$pid) | [.tid, .duration_ms, .cause, .syscall, .kind]]")"
	check "lock, $k loop thread(s): one stall per injection, on its thread" q "lock$k" \
		"([.[] | select(.type==\"stall\" and .pid==$pid) | .tid] | sort) == ($(jq -c '[.[].tid] | sort' "$T/lock$k.inj"))"
	check "lock, $k loop thread(s): all blocked in futex, kind loop" q "lock$k" \
		"[.[] | select(.type==\"stall\" and .pid==$pid)] | length > 0 and all(.cause==\"blocked\" and .syscall==\"futex\" and .kind==\"loop\")"
	check "lock, $k loop thread(s): durations within 15 % or 10 ms of 100 ms" q "lock$k" \
		"[.[] | select(.type==\"stall\" and .pid==$pid)] | all(((.duration_ms - 100) | fabs) <= 15)"
	check "lock, $k loop thread(s): summaries say runtime other, parked_stalls 0" q "lock$k" \
		"[.[] | select(.type==\"summary\" and .pid==$pid)] | length > 0 and all(.runtime==\"other\" and .parked_stalls==0)"
done

# Phase 4, the top view: the Go server's row is there, marked [go], with no
# lag or stall figures; its page says why.
SESSION=lw-e2e-go-$$
trap 'tmux kill-session -t "$SESSION" 2>/dev/null; cleanup' EXIT
"$T/goserver" -addr "127.0.0.1:$GS_PORT" -work 16 >"$T/gs2.out" 2>"$T/gs2.err" &
GS2_PID=$!
FL_PIDS+=("$GS2_PID")
check "goserver answers again" wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$GS_PORT/"
(end=$((SECONDS + 8)); while [ $SECONDS -lt $end ]; do
	curl -s -o /dev/null "http://127.0.0.1:$GS_PORT/work"; sleep 0.1; done) &
SCRAPER=$!
tmux new-session -d -s "$SESSION" -c "$PWD" -x 150 -y 40 \
	"$LW --top -c goserver -d 7 </dev/tty 2>$T/top.err; sleep 600"
sleep 4
tmux capture-pane -t "$SESSION" -p >"$T/screen-list"
row=$(awk -v p="$GS2_PID" '$1 == p' "$T/screen-list")
note "top row: $row"
check "top: the Go server's row is shown, marked [go], with - for threads, lag and stalls" \
	bash -c "echo '$row' | awk '{ exit !(\$2 == \"goserver\" && \$3 == \"-\" && \$4 == \"-\" && \$5 == \"-\" && \$6 == \"-\" && \$7 == \"[go]\") }'"
tmux send-keys -t "$SESSION" Enter
sleep 1.2
tmux capture-pane -t "$SESSION" -p >"$T/screen-page"
note "top page: $(grep -m1 'runtime go' "$T/screen-page")"
check "top: its page says runtime go, threads not loops" grep -q "runtime go: threads are not loops" "$T/screen-page"
wait "$SCRAPER"
tmux kill-session -t "$SESSION" 2>/dev/null
