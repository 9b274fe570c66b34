#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stacks from a real server built without frame pointers: Debian's
# redis-server, on a loopback port of its own. Two DEBUG SLEEP 0.15 give two
# blocked stalls of about 150 ms whose stacks name debugCommand and libc's
# sleep; a Lua busy loop through EVAL gives a stall on CPU whose sampled
# stack names evalGenericCommand. Every named frame lies inside its symbol
# (by redis' .dynsym and libc's tables); redis' static functions show as
# addresses in their module, never as the exported symbol before them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stacks_lib.sh"

command -v redis-server >/dev/null || tools/install-deps.sh test
REDIS=$(command -v redis-server)
modules_of "$REDIS"
port=$((20000 + $$ % 20000))
redis() { redis-cli -h 127.0.0.1 -p "$port" "$@"; }

"$REDIS" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --enable-debug-command yes \
	--daemonize no --logfile "$T/redis.log" --dir "$T" &
FL_PIDS+=($!)
rpid=$!
check "redis-server answers on port $port" wait_for 10 redis ping

agent_start redis -c redis-server --stall-ms 50 || exit 0
redis ping >/dev/null
sleep 0.3
redis DEBUG SLEEP 0.15 >/dev/null
redis DEBUG SLEEP 0.15 >/dev/null
sleep 0.2
redis EVAL "local i = 0 while i < 12000000 do i = i + 1 end return i" 0 >/dev/null
sleep 1.2
check "agent exits 0 on SIGINT" agent_stop

sel="[.[] | select(.type==\"stall\" and .pid==$rpid)]"
note "stalls: $(v redis "$sel | map([.cause, .duration_ms, (.stack // [] | map(split(\" \")[0]) | join(\" < \")), .stack_samples])")"
blocked="$sel | map(select(.cause==\"blocked\" and .syscall==\"clock_nanosleep\"))"
check "two blocked stalls of 150 ms (+-15 ms)" q redis \
	"($blocked | length) == 2 and ($blocked | all((.duration_ms - 150) | fabs <= 15))"
check "their stacks name debugCommand" q redis "$blocked | all(.stack | any(startswith(\"debugCommand+\")))"
check "their stacks name libc's sleep below debugCommand" q redis \
	"$blocked | all(.stack | (map(test(\"^(__)?(clock_)?nanosleep\\\\+\")) | index(true)) < (map(startswith(\"debugCommand+\")) | index(true)))"
check "their kernel stacks sleep in a nanosleep" q redis \
	"$blocked | all(.kernel_stack | any(test(\"nanosleep\")))"
busy="$sel | map(select(.cause!=\"blocked\" and (.stack // [] | any(startswith(\"evalGenericCommand+\")))))"
check "the EVAL busy loop gives a stall on CPU whose stack names evalGenericCommand" q redis \
	"($busy | length) >= 1 and ($busy | all(.stack_samples >= 2))"
check "no stall has a stack naming nothing of redis" q redis \
	"$sel | all(.stack | any(endswith(\"($(basename "$(readlink -f "$REDIS")"))\")))"
frames=$(check_frames redis)
note "$(echo "$frames" | grep -c '^ok') frames checked against nm"
check "named frames were checked" [ "$(echo "$frames" | grep -c '^ok')" -ge 5 ]
check "every named frame lies inside its symbol" [ -z "$(echo "$frames" | grep '^bad')" ]
echo "$frames" | grep '^bad' | head -5 | sed 's/^/#   /'
