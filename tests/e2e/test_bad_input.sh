#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every row of the README's bad-input table: one clear line on stderr and the
# documented exit status (2 bad input, 1 missing privilege or kernel feature).
. "$(dirname "$0")/lib.sh"

# expect STATUS PATTERN DESCRIPTION -- COMMAND...: the command exits STATUS,
# prints exactly one line on stderr, matching PATTERN, and nothing on stdout.
expect() {
	local want=$1 pat=$2 desc=$3
	shift 4
	"$@" >"$T/out" 2>"$T/err"
	local rc=$?
	if [ "$rc" -eq "$want" ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -qE "$pat" "$T/err" &&
		[ ! -s "$T/out" ]; then
		ok "$desc: exit $rc, '$(cat "$T/err")'"
	else
		nok "$desc: exit $rc (want $want), stderr: $(head -c 300 "$T/err"), stdout: $(head -c 100 "$T/out")"
	fi
}

expect 2 "unknown option '--bogus'.*--help" "unknown flag" -- "$LW" --bogus
expect 2 "unknown option '-Z'.*--help" "unknown short flag" -- "$LW" -Z
expect 2 "invalid value '-5' for --duration.*--help" "negative value" -- "$LW" -d -5
expect 2 "invalid value 'abc' for --stall-ms.*--help" "non-numeric value" -- "$LW" --stall-ms abc
expect 2 "invalid value '0' for --interval.*--help" "value out of range" -- "$LW" -i 0
expect 2 "invalid value '99999999999' for --lag-ms" "value too large" -- "$LW" --lag-ms 99999999999
expect 2 "option '--pid' needs a value.*--help" "missing value" -- "$LW" --pid
expect 2 "unexpected argument 'extra'.*--help" "stray argument" -- "$LW" extra
expect 2 "invalid pid 'x'.*--help" "malformed pid list" -- "$LW" -p 1,x
expect 2 "no process with pid 4194303.*--help" "pid that does not exist" -- "$LW" -p 4194303
printf '[thresholds]\nlag_ms = abc\n' >"$T/badval.ini"
printf 'garbage line\n' >"$T/syntax.ini"
printf '[thresholds]\nno_such_key = 1\n' >"$T/badkey.ini"
expect 2 "cannot read config $T/none.ini: No such file.*--help" "unreadable config" -- \
	"$LW" --config "$T/none.ini"
expect 2 "bad config $T/badval.ini line 2: invalid value 'abc' for lag_ms.*--help" \
	"config with a bad value" -- "$LW" --config "$T/badval.ini"
expect 2 "bad config $T/syntax.ini line 1: syntax error.*--help" "malformed config" -- \
	"$LW" --config "$T/syntax.ini"
expect 2 "bad config $T/badkey.ini line 2: .*no_such_key.*--help" "config with an unknown key" -- \
	"$LW" --config "$T/badkey.ini"
expect 2 "cannot write textfile directory $T/nodir: No such file.*--help" \
	"textfile directory missing" -- "$LW" --prom-file "$T/nodir/lw.prom"
expect 2 "cannot write textfile directory /sys: .*--help" "textfile directory unwritable" -- \
	"$LW" --prom-file /sys/lw.prom
expect 1 "missing privilege: .*CAP_BPF.*root" "not root" -- \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$LW" -d 1
expect 1 "kernel lacks BTF: /sys/kernel/btf/vmlinux" "no BTF" -- \
	unshare -m sh -c "mount -t tmpfs none /sys/kernel/btf && exec $LW -d 1"

# tracefs not mounted: the agent mounts it (inside a private mount namespace
# here, so the host is left as it was) and runs.
unshare -m sh -c "umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug 2>/dev/null;
	test ! -e /sys/kernel/tracing/events && exec $LW --json -d 1" >"$T/tf.out" 2>"$T/tf.err"
rc=$?
check "tracefs missing: mounted and ran (exit $rc: $(head -c 200 "$T/tf.err"))" \
	test "$rc" -eq 0 -a "$(grep -c 'mounted tracefs at /sys/kernel/tracing' "$T/tf.err")" -eq 1
check "tracefs missing: still wrote agent lines" grep -q '"type":"agent"' "$T/tf.out"

expect 0 "" "help exits 0" -- sh -c "$LW --help >/dev/null && echo 'loopwatch: ok' >&2"
check "version prints the version" sh -c "$LW -V | grep -qE '^loopwatch [0-9]+\.[0-9]+'"
