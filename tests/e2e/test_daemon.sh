#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Daemon mode: after attaching, the agent keeps only cap_sys_ptrace and
# cap_dac_read_search, and cap_bpf with cap_perfmon to attach the detail tier
# on demand (effective, permitted and bounding sets), says so in one
# line, and still reads its maps; an --alert-exec command cannot get more back;
# cap_dac_override stays only when the textfile directory needs it; under
# systemd (JOURNAL_STREAM) log lines carry syslog priorities; the unit file
# passes systemd-analyze verify; make install puts everything in place.
. "$(dirname "$0")/lib.sh"

# CapEff etc. of a process, as hex
caps() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# The bit mask of these capability numbers, as /proc prints it.
mask() { local m=0 c; for c in "$@"; do m=$((m | (1 << c))); done; printf '%016x' $m; }
CAP_DAC_OVERRIDE=1 CAP_DAC_READ_SEARCH=2 CAP_SYS_PTRACE=19 CAP_PERFMON=38 CAP_BPF=39

mkdir -p "$T/prom"
JOURNAL_STREAM=8:12345 agent_start privs -c faultlab --lag-ms 50 --sustain 1 \
	--prom-file "$T/prom/loopwatch.prom" \
	--alert-exec "grep ^Cap /proc/self/status > $T/child.caps" || exit 0
want=$(mask $CAP_DAC_READ_SEARCH $CAP_SYS_PTRACE $CAP_PERFMON $CAP_BPF)
note "agent: CapEff $(caps "$AGENT_PID" CapEff) CapPrm $(caps "$AGENT_PID" CapPrm) CapBnd $(caps "$AGENT_PID" CapBnd) CapAmb $(caps "$AGENT_PID" CapAmb)"
check "after attaching: effective and permitted sets are sys_ptrace + dac_read_search + perfmon + bpf" \
	[ "$(caps "$AGENT_PID" CapEff)" = "$want" -a "$(caps "$AGENT_PID" CapPrm)" = "$want" ]
check "bounding set shrunk to the same, ambient empty" \
	[ "$(caps "$AGENT_PID" CapBnd)" = "$want" -a "$(caps "$AGENT_PID" CapAmb)" = 0000000000000000 ]
check "one log line says so, with its journald priority" \
	[ "$(grep -c '^<6>loopwatch: dropped privileges after attaching: capabilities left: cap_dac_read_search,cap_sys_ptrace,cap_perfmon,cap_bpf$' "$T/privs.err")" -eq 1 ]
faultlab_run privs stall --cause sleep --ms 100 --every-ms 200 --count 8
pid=$(fl privs .pid)
sleep 1.5
check "agent exits 0" agent_stop
check "maps are still read after the drop: summaries with iterations and lag" q privs \
	"[.[] | select(.type==\"summary\" and .pid==$pid and .iterations > 0 and .lag_max_ms > 90)] | length >= 1"
check "stall events still arrive through the ring buffer" q privs \
	"[.[] | select(.type==\"stall\" and .pid==$pid)] | length == 8"
check "the textfile is still written" bash -c "promtool check metrics < '$T/prom/loopwatch.prom' && grep -q '^loopwatch_events_total [1-9]' '$T/prom/loopwatch.prom'"
note "alert command: $(tr '\n' ' ' <"$T/child.caps" 2>/dev/null)"
check "an alert command (run as root) has no more than the agent kept" \
	bash -c "[ -s '$T/child.caps' ] && ! awk '{ print \$2 }' '$T/child.caps' | grep -qv -e '^$want\$' -e '^0000000000000000\$'"
check "journald priorities: alert firing as warning <4>, resolved as info <6>" \
	bash -c "grep -q '^<4>loopwatch: alert loop_lag firing: pid $pid ' '$T/privs.err' &&
		grep -q '^<6>loopwatch: alert loop_lag resolved: pid $pid ' '$T/privs.err'"
check "every stderr line carries a priority prefix" bash -c "! grep -qv '^<[0-7]>loopwatch: ' '$T/privs.err'"

# a textfile directory root cannot write without cap_dac_override
mkdir -p "$T/locked"
chown nobody "$T/locked"
chmod 0755 "$T/locked"
agent_start locked -c faultlab --prom-file "$T/locked/loopwatch.prom" || exit 0
check "cap_dac_override kept for a directory that needs it" \
	[ "$(caps "$AGENT_PID" CapEff)" = "$(mask $CAP_DAC_OVERRIDE $CAP_DAC_READ_SEARCH $CAP_SYS_PTRACE $CAP_PERFMON $CAP_BPF)" ]
sleep 1.5
check "and the textfile is written there" [ -s "$T/locked/loopwatch.prom" ]
check "agent exits 0" agent_stop

# the unit file and make install
sed "s|/usr/local/sbin/loopwatch|$PWD/$LW|" tools/loopwatch.service >"$T/loopwatch.service"
check "systemd-analyze verify accepts the unit" systemd-analyze verify "$T/loopwatch.service"
check "unit: restart on failure, not on a bad config, reload by SIGHUP" bash -c "
	grep -qx 'Restart=on-failure' tools/loopwatch.service &&
	grep -qx 'RestartPreventExitStatus=2' tools/loopwatch.service &&
	grep -qx 'ExecReload=/bin/kill -HUP \$MAINPID' tools/loopwatch.service"
check "unit: bounded capabilities, none of net_admin, sys_module, dac_override" bash -c "
	grep -q '^CapabilityBoundingSet=CAP_BPF CAP_PERFMON ' tools/loopwatch.service &&
	! grep '^CapabilityBoundingSet=' tools/loopwatch.service | grep -qE 'NET_ADMIN|SYS_MODULE|DAC_OVERRIDE'"
# the shipped config, its textfile redirected by the flag that wins over it
"$LW" --json -p $$ -d 1 --config tools/loopwatch.conf --prom-file "$T/shipped.prom" >/dev/null 2>"$T/shipped.err"
check "the shipped config runs (exit 0) and points the textfile at node_exporter's directory" bash -c "
	[ $? -eq 0 ] && [ -s '$T/shipped.prom' ] &&
	grep -qx 'prom_file = /var/lib/prometheus/node-exporter/loopwatch.prom' tools/loopwatch.conf"
printf '[thresholds]\nlag_ms = 77\n' >"$T/own.conf"
make --no-print-directory -s install DESTDIR="$T/root" >"$T/install.log" 2>&1
mkdir -p "$T/root2/etc/loopwatch" && cp "$T/own.conf" "$T/root2/etc/loopwatch/loopwatch.conf"
make --no-print-directory -s install DESTDIR="$T/root2" >>"$T/install.log" 2>&1
check "make install: binary, unit, config, textfile directory" bash -c "
	[ -x '$T/root/usr/local/sbin/loopwatch' ] &&
	[ \$(stat -c %a '$T/root/etc/systemd/system/loopwatch.service') = 644 ] &&
	cmp -s tools/loopwatch.conf '$T/root/etc/loopwatch/loopwatch.conf' &&
	[ -d '$T/root/var/lib/prometheus/node-exporter' ]"
check "make install keeps an operator's config" cmp -s "$T/own.conf" "$T/root2/etc/loopwatch/loopwatch.conf"
