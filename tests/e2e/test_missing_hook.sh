#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A tracepoint the kernel lacks turns off only the program that needs it: the
# agent names it and the detection it belongs to, and everything else works.
# The hook is hidden inside a private mount namespace, so the host keeps it.
. "$(dirname "$0")/lib.sh"

hide=/sys/kernel/tracing/events/syscalls/sys_enter_epoll_pwait2
unshare -m sh -c "mount -t tmpfs none $hide && exec $LW --json -d 5 -c faultlab" \
	>"$T/hook.json" 2>"$T/hook.err" &
AGENT_PID=$!
wait_attached 10 hook
faultlab_run hook stall --cause sleep --ms 80 --every-ms 300 --count 3
agent_wait
rc=$?
pid=$(fl hook .pid)
check "agent runs and exits 0 without the hook (status $rc)" test "$rc" -eq 0
check "it names the missing hook and the program" \
	grep -q "kernel lacks hook tracepoint/syscalls/sys_enter_epoll_pwait2: program enter_epoll_pwait2 is off; epoll_wait goes on without it" "$T/hook.err"
check "the start line still has every detection on" q hook \
	'any(.[]; .type=="start" and (.detections | to_entries | all(.value=="on")))'
check "only programs on that hook are off" \
	test "$(grep 'kernel lacks hook' "$T/hook.err" | grep -vc 'sys_enter_epoll_pwait2:')" -eq 0
check "stalls of an epoll_wait loop are still reported" q hook \
	"$(sel stall "$pid") | length == 3"

# With readiness left out (--detect loop), loop lag's own program is named.
unshare -m sh -c "mount -t tmpfs none $hide && exec $LW --json -d 1 --detect loop -c faultlab" \
	>/dev/null 2>"$T/hook2.err"
check "with --detect loop it names loop lag's program" \
	grep -q "program lag_enter_epoll_pwait2 is off; epoll_wait goes on without it" "$T/hook2.err"
