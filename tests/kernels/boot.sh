#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boots KERNELDIR/vmlinuz with INITRAMFS (from initramfs.sh) under qemu and
# prints the serial console on stdout. TCG, not KVM: KVM stops with an
# internal error on these machines. Exit status: the guest's, from its
# "LW-GUEST-DONE rc=N" line; 124 when TIMEOUT_S (default 300) ran out,
# 125 when the marker never came (a panic, or qemu failed).
#
# Usage: boot.sh KERNELDIR INITRAMFS [TIMEOUT_S]
# LW_QEMU_APPEND adds kernel command-line arguments; LW_QEMU_ACCEL replaces
# "-accel tcg" (tcg,thread=single: one host thread for both vCPUs).
set -eu

[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: boot.sh KERNELDIR INITRAMFS [TIMEOUT_S]" >&2; exit 2; }
kdir=$1
initrd=$2
limit=${3:-300}
here=$(cd "$(dirname "$0")" && pwd)

command -v qemu-system-x86_64 >/dev/null || "$here/../../tools/install-deps.sh" test
[ -s "$kdir/vmlinuz" ] || { echo "boot.sh: no $kdir/vmlinuz" >&2; exit 2; }
[ -s "$initrd" ] || { echo "boot.sh: no $initrd" >&2; exit 2; }

log=$(mktemp "${TMPDIR:-/tmp}/lw-boot.XXXXXX")
trap 'rm -f "$log"' EXIT

# -serial/-monitor: console on stdio, no monitor to type into; -nic none: the
# guests use loopback and their own namespaces only (and no iPXE ROM to wait
# for); the BIOS's terminal escapes are stripped from the output; stdin from
# /dev/null so CI (no terminal) and a developer's shell behave alike.
# timeout -k: a wedged qemu is killed, not waited for.
set +e
timeout -k 5 "$limit" qemu-system-x86_64 -accel "${LW_QEMU_ACCEL:-tcg}" -cpu max -m 2048 -smp "${LW_QEMU_SMP:-2}" \
	-nographic -no-reboot -monitor none -serial stdio -nic none \
	-kernel "$kdir/vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 quiet ${LW_QEMU_APPEND:-}" </dev/null 2>&1 |
	tr -d '\r' | sed -u $'s/\x1b\(\[[0-9;?]*[A-Za-z]\|c\)//g' | tee "$log"
status=${PIPESTATUS[0]}
set -e

marker=$(sed -n 's/.*LW-GUEST-DONE rc=\([0-9]*\).*/\1/p' "$log" | tail -1)
if [ -n "$marker" ]; then
	exit "$marker"
fi
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
	echo "boot.sh: no LW-GUEST-DONE within $limit s (guest hung)" >&2
	exit 124
fi
echo "boot.sh: guest ended without LW-GUEST-DONE (qemu status $status: panic or boot failure)" >&2
exit 125
