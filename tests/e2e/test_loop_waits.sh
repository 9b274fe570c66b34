#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Loops that wait in poll, select or io_uring_enter give the figures the
# epoll loop gives (test_stall_causes.sh): under one agent with default
# options, faultlab poll-loop, select-loop and uring-loop with sleep and
# cpu faults, and a Python asyncio loop on selectors.PollSelector with
# time.sleep and busy-CPU stalls, each get one stall per injection on the
# loop's pid and tid, the right cause, clock_nanosleep for sleeps, a
# duration within 15 % or 10 ms of the workload's own measure, and "wait"
# naming the kind on the stalls and the pid's summaries ("poll" for poll
# and ppoll, "select" for select and pselect6, "io_uring").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/waits_lib.sh"

SLEEP='["clock_nanosleep","nanosleep"]'
EXPECT="{\"sleep\": {\"cause\": \"blocked\", \"syscalls\": $SLEEP}, \"cpu\": {\"cause\": \"cpu\"}}"
declare -A KIND=([poll-loop]=poll [select-loop]=select [uring-loop]=io_uring)

check "python3 is installed (tools/install-deps.sh test)" [ -x "$PY" ]
agent_start waits || exit 0
for s in poll-loop select-loop uring-loop; do
	for c in sleep cpu; do
		faultlab_run "$s-$c" "$s" --cause "$c" --ms 100 --every-ms 400 --count 3
		check "$s --cause $c ran" [ $? -eq 0 ]
	done
done
runtime_run pollselector "$PY" py_pollselector.py --count 3 --cpu 1 --ms 120 --every-ms 400
check "py_pollselector.py ran" [ $? -eq 0 ]
check "agent exits 0 on SIGINT" agent_stop

for s in poll-loop select-loop uring-loop; do
	for c in sleep cpu; do
		check_stalls waits "$s-$c" "${KIND[$s]}" false "$EXPECT"
	done
done
check_stalls waits pollselector poll false "$EXPECT"
