#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages loopwatch needs to build, run or test, when any is
# missing. Usage: install-deps.sh build|test
set -eu

build="clang llvm libbpf-dev bpftool libelf-dev libdw-dev zlib1g-dev libncurses-dev libinih-dev liburing-dev pkg-config make gcc linux-libc-dev"
test="$build libclang-rt-14-dev libcmocka-dev jq tmux iproute2 nftables prometheus prometheus-node-exporter golang-go redis-server bpftrace wrk nginx procps curl systemd busybox-static qemu-system-x86 cpio kmod xz-utils zstd debian-archive-keyring debootstrap dpkg-dev lintian man-db python3-yaml python3 nodejs"

case "${1:-build}" in
build) want=$build ;;
test) want=$test ;;
*) echo "install-deps.sh: unknown set '$1' (build or test)" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The prometheus packages try to start their services; tests start their own.
apt-get install -y -qq --no-install-recommends $missing >/dev/null
