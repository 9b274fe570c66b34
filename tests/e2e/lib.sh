# SPDX-License-Identifier: GPL-2.0
# Helpers for end-to-end tests: start the real agent, run faultlab, assert on
# the JSON lines with jq. Each assertion prints "ok - ..." or "not ok - ...".
set -u
BUILD=${BUILD:-build}
LW=$BUILD/loopwatch
FL=$BUILD/faultlab
T=$(mktemp -d /tmp/lw-e2e.XXXXXX)
AGENT_PID=
declare -a FL_PIDS=()

cleanup() {
	[ -n "$AGENT_PID" ] && kill -INT "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	for p in "${FL_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
note() { echo "# $*"; }

# check DESCRIPTION COMMAND...: one assertion; a failure shows what was run.
check() {
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		nok "$desc"
		echo "#   failed: $(printf '%q ' "$@" | cut -c1-400)"
	fi
}

# check_eq DESCRIPTION ACTUAL EXPECTED: equal as strings; a failure shows both.
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		nok "$1"
		echo "#   expected: $3"
		echo "#   actual:   $2"
	fi
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds, polled every 0.1 s.
wait_for() {
	local n=$(($1 * 10))
	shift
	for _ in $(seq "$n"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# wait_attached SECONDS NAME: until the agent in the background ($AGENT_PID,
# log in $T/NAME.err) says its probes are attached; false when it exited or
# the time ran out.
wait_attached() {
	local n=$(($1 * 20))
	for _ in $(seq "$n"); do
		grep -q "attached" "$T/$2.err" 2>/dev/null && return 0
		kill -0 "$AGENT_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# agent_start NAME ARGS...: run the agent with JSON to $T/NAME.json and wait
# until it says the probes are attached.
agent_start() {
	local name=$1
	shift
	"$LW" --json "$@" >"$T/$name.json" 2>"$T/$name.err" &
	AGENT_PID=$!
	wait_attached 10 "$name" && return 0
	nok "agent $name did not attach: $(tail -3 "$T/$name.err")"
	return 1
}

# agent_wait: wait for the agent to exit by itself; returns its exit status.
agent_wait() {
	local rc
	wait "$AGENT_PID"
	rc=$?
	AGENT_PID=
	return $rc
}

# agent_stop: SIGINT, wait; returns the agent's exit status.
agent_stop() {
	kill -INT "$AGENT_PID" 2>/dev/null
	agent_wait
}

# agent_around DESC NAME AGENT_ARGS... -- FAULTLAB_ARGS...: the agent, then
# one faultlab run under it in the foreground, asserted (DESC) to exit 0.
# The agent keeps running for the caller to stop; false if it did not attach.
agent_around() {
	local desc=$1 name=$2 rc
	local -a args=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	agent_start "$name" "${args[@]}" || return 1
	[ -z "${ENGAGE:-}" ] || detail_engage "$name" || return 1
	faultlab_run "$name" "$@"
	rc=$?
	check "$desc" [ $rc -eq 0 ]
	return 0
}

# detail_engage NAME: have the running agent engage its per-packet detail
# tier the way any symptom does, with a short stall of another faultlab (a
# trigger of the always-on tier), and wait for it: for tests whose exact
# counts need the detail tier from their symptom's first packet. Notes the
# delay from the first stall's end to the engage.
detail_engage() {
	local name=$1 t0 t1 fpid
	t0=$(date +%s%N)
	"$FL" stall --cause sleep --ms 120 --every-ms 200 --count 2 >"$T/$name-engage.fl" \
		2>"$T/$name-engage.flerr" &
	fpid=$!
	for _ in $(seq 100); do
		if grep -q "detail tier engaged" "$T/$name.err" 2>/dev/null; then
			t1=$(date +%s%N)
			wait "$fpid"
			note "$name: detail tier engaged $(( (t1 - t0) / 1000000 - 120 )) ms after the first stall"
			return 0
		fi
		sleep 0.05
	done
	wait "$fpid"
	nok "$name: the detail tier did not engage: $(tail -3 "$T/$name.err")"
	return 1
}

# faultlab_run NAME ARGS...: run faultlab in the foreground, output in $T/NAME.fl
faultlab_run() {
	local name=$1
	shift
	"$FL" "$@" >"$T/$name.fl" 2>"$T/$name.flerr"
}

# faultlab_bg NAME ARGS...: in the background; waits for its ready line.
faultlab_bg() {
	local name=$1
	shift
	"$FL" "$@" >"$T/$name.fl" 2>"$T/$name.flerr" &
	FL_PIDS+=($!)
	for _ in $(seq 200); do
		grep -q '"ready"' "$T/$name.fl" 2>/dev/null && return 0
		sleep 0.05
	done
	nok "faultlab $name not ready: $(tail -3 "$T/$name.flerr")"
	return 1
}

# fl NAME JQ: a value from faultlab's ready line.
fl() { jq -r "select(.event==\"ready\") | $2" "$T/$1.fl" | head -1; }
# fl_done NAME JQ: a value from faultlab's done line (what it measured).
fl_done() { jq -r "select(.event==\"done\") | $2" "$T/$1.fl" | head -1; }

# sel TYPE PID: a jq filter for the agent's lines of TYPE about process PID.
sel() { echo "[.[] | select(.type==\"$1\" and .pid==$2)]"; }

# q NAME JQ: slurp the agent's JSON lines and evaluate JQ; true if "true".
q() { [ "$(jq -s "$2" "$T/$1.json" 2>/dev/null)" = "true" ]; }
# v NAME JQ: print a value computed over the agent's JSON lines.
v() { jq -s -c "$2" "$T/$1.json" 2>/dev/null; }
