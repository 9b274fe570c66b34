#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 30 seconds of the agent under valgrind while faultlab runs a mix of every
# failure mode: no memory error, no leak, clean exit. (tests/valgrind.supp
# covers valgrind's imprecise model of bpf(2) attributes inside libbpf.)
. "$(dirname "$0")/lib.sh"

# valgrind runs the plain build even when the rest runs the sanitizer one
# (make asan): the two cannot run one binary together.
VG_LW=build/loopwatch
valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9 \
	--suppressions=tests/valgrind.supp "$VG_LW" --json -d 30 -c faultlab \
	>"$T/vg.json" 2>"$T/vg.err" &
AGENT_PID=$!
for _ in $(seq 600); do grep -q attached "$T/vg.err" && break; sleep 0.1; done
check "agent attached under valgrind" grep -q attached "$T/vg.err"
"$FL" stall --cause sleep --ms 80 --every-ms 300 --count 60 >/dev/null 2>&1 &
"$FL" healthy --duration-s 25 >/dev/null 2>&1 &
"$FL" herd --workers 4 --rate 20 --duration-s 25 >/dev/null 2>&1 &
"$FL" et-undrained --send-s 5 --duration-s 25 >/dev/null 2>&1 &
"$FL" lt-hotloop --duration-s 20 >/dev/null 2>&1 &
"$FL" mem-grow --limit-mb 48 --start-delay-ms 1000 --duration-s 20 >/dev/null 2>&1 &
for s in slow-reader slow-peer accept-overflow saturate; do
	"$FL" --duration-s 20 "$s" >/dev/null 2>&1 &
done
wait "$AGENT_PID"
rc=$?
AGENT_PID=
wait
check "agent exits 0 under valgrind (status $rc)" test "$rc" -eq 0
check "valgrind: no errors" grep -q "ERROR SUMMARY: 0 errors" "$T/vg.err"
check "valgrind: nothing definitely or indirectly lost" \
	sh -c "grep -q 'All heap blocks were freed' '$T/vg.err' || ! grep -qE '(definitely|indirectly) lost: [1-9]' '$T/vg.err'"
check "the agent reported stalls while under valgrind" grep -q '"type":"stall"' "$T/vg.json"
grep -E "ERROR SUMMARY|lost:|in use at exit" "$T/vg.err" | sed 's/^/# /'
