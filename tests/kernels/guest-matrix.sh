#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside a matrix guest (busybox sh, as /guest.sh; see initramfs.sh).
# For each hook path, one agent with default options (but --hooks) beside
# faultlab scenarios run one after another; then the agent's JSON and
# stderr and each scenario's own output, framed by "==== LW-SECTION NAME" /
# "==== LW-END NAME" for check.sh. The auto path runs every scenario; the
# forced paths run those that show loop lag and the readiness hooks.
# LW_PATHS (set by matrix.sh in the header it adds) lists the paths.
# No set -e: a failing step is a result to record, not a reason to stop.
set -u

section() { echo "==== LW-SECTION $1"; cat "$2" 2>/dev/null; echo "==== LW-END $1"; }

# scenario PATH NAME ARGS...: one faultlab run, bounded in time.
scenario() {
	p=$1
	n=$2
	shift 2
	timeout 60 faultlab "$@" >"/tmp/$p-$n.fl" 2>"/tmp/$p-$n.flerr"
	echo "LW-RESULT scenario=$p/$n rc=$?"
}

for p in ${LW_PATHS:-auto}; do
	loopwatch --json --hooks "$p" >"/tmp/$p.json" 2>"/tmp/$p.err" &
	agent=$!
	up=no
	# loading takes seconds under emulation, more with every fallback tried
	for _ in $(seq 1200); do
		if grep -q "attached" "/tmp/$p.err" 2>/dev/null; then
			up=yes
			break
		fi
		kill -0 "$agent" 2>/dev/null || break
		sleep 0.1
	done
	echo "LW-RESULT path=$p attached=$up"
	if [ "$up" = yes ]; then
		scenario "$p" sleep stall --cause sleep --ms 120 --every-ms 400 --count 3
		scenario "$p" cpu stall --cause cpu --ms 120 --every-ms 400 --count 3
		scenario "$p" herd herd --workers 4 --rate 10 --duration-s 2
		if [ "$p" = auto ]; then
			scenario "$p" healthy healthy --duration-s 2
			for w in poll select uring; do
				scenario "$p" "$w-loop" "$w-loop" --cause sleep --ms 120 --every-ms 400 --count 2
			done
			scenario "$p" nested nested --private epoll --ms 120 --every-ms 400 --count 2
			scenario "$p" et-undrained et-undrained --send-s 1 --duration-s 3
			scenario "$p" slow-reader slow-reader --start-delay-ms 1500 --duration-s 2
			scenario "$p" accept-overflow accept-overflow --start-delay-ms 1500 --duration-s 2
			scenario "$p" lossy lossy --start-delay-ms 1500 --send-s 2 --duration-s 4
			scenario "$p" retry-storm retry-storm --clients 20 --down-ms 1500
			scenario "$p" port-exhaust port-exhaust
		fi
		# one more interval, so every count is in a full summary
		sleep 1.5
		kill -INT "$agent"
	fi
	wait "$agent"
	echo "LW-RESULT path=$p agent_rc=$?"
	section "$p.json" "/tmp/$p.json"
	section "$p.err" "/tmp/$p.err"
	for f in /tmp/"$p"-*.fl; do
		[ -e "$f" ] && section "${f#/tmp/}" "$f"
	done
done
exit 0
