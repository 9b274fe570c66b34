#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Blocking calls that run a private loop of their own are stalls of their
# whole length, blocked in the nested wait: under one agent with default
# options, faultlab nested --private epoll and --private poll, Node's
# child_process.spawnSync('sleep', ['0.15']) from a timer and Python's
# subprocess.run(..., capture_output=True) in an asyncio coroutine each get
# one stall per call on the loop's pid and tid, cause blocked, syscall the
# nested wait (epoll_wait/epoll_pwait for the private epoll loop and Node,
# poll/ppoll for the pollfd set and Python), "nested":true, a duration
# within 15 % or 10 ms of the workload's own measure, and summaries whose
# wait kind is still the home wait's, "epoll". The healthy control, faultlab
# two-loops (one thread waiting in turn on two epoll instances it owns),
# gets no stall and its iterations counted: within 10 % of its waits.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/waits_lib.sh"

EPOLL='["epoll_wait","epoll_pwait"]'
POLL='["poll","ppoll"]'
blocked_in() { echo "{\"$1\": {\"cause\": \"blocked\", \"syscalls\": $2}}"; }

check "node is installed (tools/install-deps.sh test)" [ -x "$NODE" ]
check "python3 is installed (tools/install-deps.sh test)" [ -x "$PY" ]
agent_start nested || exit 0
for k in epoll poll; do
	faultlab_run "nested-$k" nested --private "$k" --ms 100 --every-ms 400 --count 3
	check "nested --private $k ran" [ $? -eq 0 ]
done
runtime_run node "$NODE" node_spawnsync.js --count 3 --every-ms 500 --sleep-s 0.15
check "node_spawnsync.js ran" [ $? -eq 0 ]
runtime_run python "$PY" py_subprocess.py --count 3 --every-ms 500 --sleep-s 0.15
check "py_subprocess.py ran" [ $? -eq 0 ]
faultlab_run two-loops two-loops --duration-s 3
check "two-loops ran" [ $? -eq 0 ]
check "agent exits 0 on SIGINT" agent_stop

check_stalls nested nested-epoll epoll true "$(blocked_in nested "$EPOLL")"
check_stalls nested nested-poll epoll true "$(blocked_in nested "$POLL")"
check_stalls nested node epoll true "$(blocked_in spawnSync "$EPOLL")"
check_stalls nested python epoll true "$(blocked_in subprocess.run "$POLL")"

pid=$(fl two-loops .pid)
waits=$(fl_done two-loops .waits)
note "two-loops: $waits waits ($(fl_done two-loops .main_waits) main, $(fl_done two-loops .signal_waits) signal); agent: iterations $(v nested "$(sel summary "$pid") | map(.iterations)"), stalls $(v nested "[.[] | select((.type==\"stall\" or .type==\"stall_in_progress\") and .pid==$pid) | .duration_ms]")"
check "two-loops: no stall, none in progress" q nested \
	"[.[] | select((.type==\"stall\" or .type==\"stall_in_progress\") and .pid==$pid)] | length == 0"
check "two-loops: iterations within 10 % of its $waits waits on both instances" q nested \
	"($(sel summary "$pid") | map(.iterations) | add) as \$it | $waits > 0 and ((\$it - $waits) | fabs) <= $waits * 0.1"
check "two-loops: its summaries say wait epoll" q nested \
	"$(sel summary "$pid") | map(select(.loops > 0)) | length > 0 and all(.wait == \"epoll\")"
