#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs the unit tests (cmocka binaries) and the end-to-end tests (scripts that
# print "ok - ..." / "not ok - ..." per assertion), then one closing line:
# "N passed, N failed". Usage: tests/run.sh [unit|fuzz|e2e|san|kernels|all] [e2e-name-filter]
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
what=${1:-all}
filter=${2:-}
passed=0
failed=0

run_unit() {
	local t out p f
	for t in "$BUILD"/tests/test_*; do
		case $t in *.d) continue ;; esac
		out=$(CMOCKA_MESSAGE_OUTPUT=stdout "$t" 2>&1)
		echo "$out" | grep -E '^\[  (FAILED|ERROR) |^\[  PASSED  \]|^\[  FAILED  \] [0-9]' | sed "s|^|$(basename "$t"): |"
		p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		passed=$((passed + ${p:-0}))
		failed=$((failed + ${f:-0}))
		# a binary that crashed reports nothing: count it as a failure
		if [ -z "$p" ] && [ -z "$f" ]; then
			echo "$(basename "$t"): crashed"
			failed=$((failed + 1))
		fi
	done
}

# Replay every fuzz corpus input once through its harness (regression).
run_fuzz() {
	local f n out
	for f in "$BUILD"/fuzz/fuzz_*; do
		case $f in *.d) continue ;; esac
		n=$(basename "$f")
		n=${n#fuzz_}
		if out=$("$f" tests/fuzz/corpus/"$n"/* 2>&1); then
			echo "fuzz $n: corpus of $(ls tests/fuzz/corpus/"$n" | wc -l) inputs replayed"
			passed=$((passed + 1))
		else
			echo "fuzz $n: FAILED"
			echo "$out" | tail -20 | sed 's/^/#   /'
			failed=$((failed + 1))
		fi
	done
}

run_e2e() {
	local s out p f rc t0
	if [ "$(id -u)" -ne 0 ]; then
		echo "e2e: must run as root (loads BPF programs)"
		failed=$((failed + 1))
		return
	fi
	for s in tests/e2e/test_*.sh; do
		[ -n "$filter" ] && [[ $s != *"$filter"* ]] && continue
		echo "== $s"
		t0=$SECONDS
		# one end-to-end script at a time on this host: they load probes,
		# pin CPUs and measure latency, and must not disturb each other
		out=$(flock /tmp/loopwatch-e2e.lock timeout 300 bash "$s" 2>&1)
		rc=$?
		echo "$out" | grep -E '^(ok|not ok|#) '
		# where the run's time goes: make test is kept under 25 minutes
		echo "# ${s##*/}: $((SECONDS - t0)) s"
		p=$(echo "$out" | grep -c '^ok ')
		f=$(echo "$out" | grep -c '^not ok ')
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "not ok - $s exited with status $rc"
			echo "$out" | tail -20 | sed 's/^/#   /'
			f=1
		fi
		passed=$((passed + p))
		failed=$((failed + f))
	done
}

# The kernel matrix (tests/kernels/matrix.sh): the agent on stock Debian
# kernels booted under qemu, checked like the e2e tests.
run_kernels() {
	local out p f rc
	echo "== kernel matrix"
	out=$(tests/kernels/matrix.sh 2>&1)
	rc=$?
	echo "$out" | grep -E '^(ok|not ok|#) ' | grep -v '^ok '
	p=$(echo "$out" | grep -c '^ok ')
	f=$(echo "$out" | grep -c '^not ok ')
	# a matrix that stopped part way (a fetch or an image that failed) fails
	if [ "$f" -eq 0 ] && { [ "$p" -eq 0 ] || [ "$rc" -ne 0 ]; }; then
		echo "not ok - the kernel matrix ran no check or stopped (status $rc)"
		echo "$out" | tail -20 | sed 's/^/#   /'
		f=1
	fi
	echo "kernel matrix: $p ok, $f not ok"
	passed=$((passed + p))
	failed=$((failed + f))
}

# With SAN_BUILD (make test sets it), the ASan+UBSan build's unit tests and a
# set of end-to-end scripts run too. Scripts that assert RSS limits are left
# out: sanitizer shadow memory is not the agent's.
SAN_E2E="stall_causes filters_and_detach bad_input healthy missing_hook promfile"
run_san() {
	[ -n "${SAN_BUILD:-}" ] && [ -x "$SAN_BUILD/loopwatch" ] || return 0
	echo "== sanitizer build ($SAN_BUILD)"
	BUILD=$SAN_BUILD run_unit
	for n in $SAN_E2E; do
		BUILD=$SAN_BUILD filter=$n run_e2e
	done
}

case $what in
unit) run_unit ;;
fuzz) run_fuzz ;;
e2e) run_e2e ;;
kernels) run_kernels ;;
all)
	run_unit
	run_fuzz
	run_e2e
	run_san
	# the sanitizer pass (make asan) leaves the matrix to the plain one
	[ "${LW_MATRIX:-1}" = 0 ] || run_kernels
	;;
san) run_san ;;
*) echo "usage: tests/run.sh [unit|fuzz|e2e|san|kernels|all] [filter]" >&2; exit 2 ;;
esac
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
