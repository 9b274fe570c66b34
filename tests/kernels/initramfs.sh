#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds a gzip'd newc initramfs that runs GUEST_SCRIPT inside a stock kernel
# unpacked by fetch.sh: busybox-static, the agent and faultlab of $BUILD
# (default build), jq, the real ip and nft (faultlab lossy needs iproute2's
# netns and veth support and nftables, which busybox lacks), their shared
# libraries, and the kernel's modules for veth and nftables with their
# dependencies, decompressed for busybox insmod. /init mounts what a normal
# host has, loads the modules, runs GUEST_SCRIPT with busybox sh as
# /guest.sh (output on the serial console), prints "LW-GUEST-DONE rc=N" and
# powers off.
#
# Usage: initramfs.sh KERNELDIR GUEST_SCRIPT OUT
# LW_GUEST_MODULES overrides the module list ("veth nf_tables nft_numgen");
# LW_GUEST_FILES adds files, as "HOSTPATH[:GUESTPATH] ...", libraries included.
set -eu

[ $# -eq 3 ] || { echo "usage: initramfs.sh KERNELDIR GUEST_SCRIPT OUT" >&2; exit 2; }
kdir=$1
guest=$2
out=$3
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
modules=${LW_GUEST_MODULES:-veth nf_tables nft_numgen}

log() { echo "initramfs.sh: $*" >&2; }
die() { log "$*"; exit 1; }

export PATH=$PATH:/usr/sbin:/sbin
[ -x /bin/busybox ] && command -v cpio >/dev/null && command -v xz >/dev/null &&
	command -v zstd >/dev/null || "$top/tools/install-deps.sh" test
[ -x /bin/busybox ] || die "/bin/busybox missing (package busybox-static)"
file_is_static() { ! ldd "$1" >/dev/null 2>&1; }
file_is_static /bin/busybox || die "/bin/busybox is not static (install busybox-static)"

rel=$(cat "$kdir/version") || die "$kdir/version missing: run fetch.sh"
moddir=$kdir/lib/modules/$rel
[ -s "$kdir/vmlinuz" ] && [ -r "$moddir/modules.dep" ] || die "$kdir is not a kernel from fetch.sh"
[ -r "$guest" ] || die "no guest script $guest"
for b in loopwatch faultlab; do
	[ -x "$build/$b" ] || die "$build/$b missing: run make all"
done

root=$(mktemp -d "${TMPDIR:-/tmp}/lw-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

# Merged /usr as on Debian 12, so every path ldd prints exists in the guest.
mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{dev,proc,sys,tmp,run,root,etc,var/tmp,boot}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
cp /bin/busybox "$root/usr/bin/busybox"
/bin/busybox --list-full | while read -r a; do
	case $a in usr/*) t=$a ;; *) t=usr/$a ;; esac
	[ -e "$root/$t" ] || ln -s /usr/bin/busybox "$root/$t"
done

# copy HOST GUEST: the file and, for a dynamic ELF, every library ldd lists.
copy() {
	local src=$1 dst=$2 lib
	mkdir -p "$(dirname "$root$dst")"
	rm -f "$root$dst"
	cp -L "$src" "$root$dst"
	ldd "$src" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
		while read -r lib; do
			[ -e "$root$lib" ] && continue
			mkdir -p "$(dirname "$root$lib")"
			cp -L "$lib" "$root$lib"
		done
}

host_bin() { command -v "$1" || die "$1 not found on the host"; }
copy "$build/loopwatch" /usr/bin/loopwatch
copy "$build/faultlab" /usr/bin/faultlab
copy "$(host_bin jq)" /usr/bin/jq
copy "$(host_bin ip)" /usr/sbin/ip
copy "$(host_bin nft)" /usr/sbin/nft
[ -e "$root/lib64/ld-linux-x86-64.so.2" ] || cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
for f in ${LW_GUEST_FILES:-}; do
	copy "${f%%:*}" "$(case $f in *:*) echo "${f#*:}" ;; *) echo "$f" ;; esac)"
done
# Debian's busybox-static runs its own applets before PATH (standalone
# shell): in the guest script, the real binaries of the same name (ip) must
# win, so /guest.sh starts with a function for each. (busybox applets that
# exec commands, such as timeout, still pick the applet: use /usr/sbin/ip.)
{
	echo "# added by initramfs.sh: real binaries before busybox applets"
	for b in "$root"/usr/bin/* "$root"/usr/sbin/*; do
		[ -L "$b" ] || [ "${b##*/}" = busybox ] && continue
		n=${b##*/}
		/bin/busybox --list | grep -qx "$n" && echo "$n() { ${b#"$root"} \"\$@\"; }"
	done
	cat "$guest"
} > "$root/guest.sh"

# faultlab's dns cause queries its own responder on 127.0.0.1 through
# res_nquery; resolv.conf and hosts keep every other lookup local too.
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
printf '127.0.0.1\tlocalhost lw-guest\n::1\tlocalhost\n' > "$root/etc/hosts"
printf 'nameserver 127.0.0.1\n' > "$root/etc/resolv.conf"
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
for f in /etc/protocols /etc/services; do [ -r "$f" ] && cp "$f" "$root$f"; done
echo "$rel" > "$root/etc/lw-kernel"
# libbpf reads the kernel config from /boot for __kconfig externs.
[ -r "$kdir/config" ] && cp "$kdir/config" "$root/boot/config-$rel"

# Modules, dependencies first (modules.dep lists a module's dependencies
# in reverse load order). Not in modules.dep: built in, or absent.
load_order=""
for m in $modules; do
	line=$(awk -v m="$m" '{ n = $1; sub(/:$/, "", n); sub(/.*\//, "", n); sub(/\.ko.*/, "", n);
		gsub(/-/, "_", n); mm = m; gsub(/-/, "_", mm); if (n == mm) { print; exit } }' "$moddir/modules.dep")
	if [ -z "$line" ]; then
		if grep -qE "/${m//[-_]/[-_]}\.ko\$" "$moddir/modules.builtin" 2>/dev/null; then
			log "$m: built into $rel"
		else
			log "$m: not a module of $rel (built in or absent)"
		fi
		continue
	fi
	set -- $line
	self=${1%:}
	shift
	deps=""
	for d in "$@"; do deps="$d $deps"; done
	for d in $deps $self; do
		case " $load_order " in *" $d "*) ;; *) load_order="$load_order $d" ;; esac
	done
done
: > "$root/etc/lw-modules"
for p in $load_order; do
	case $p in
	*.ko.xz) dec="xz -dc" ;;
	*.ko.zst) dec="zstd -qdc" ;;
	*.ko.gz) dec="gzip -dc" ;;
	*) dec="cat" ;;
	esac
	ko=${p%.ko*}.ko
	mkdir -p "$(dirname "$root/lib/modules/$rel/$ko")"
	$dec "$moddir/$p" > "$root/lib/modules/$rel/$ko"
	echo "$ko" >> "$root/etc/lw-modules"
done
[ -n "$load_order" ] && log "$rel: modules$(sed 's|.*/| |; s|\.ko$||' "$root/etc/lw-modules" | tr -d '\n')"

cat > "$root/init" <<'EOF'
#!/bin/sh
# PID 1 of the loopwatch kernel-matrix guest.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
for d in /dev/shm /tmp /var/tmp /run; do mount -t tmpfs tmpfs "$d"; done
mkdir -p /run/netns
mount -t bpf bpf /sys/fs/bpf
[ -d /sys/kernel/tracing ] && mount -t tracefs tracefs /sys/kernel/tracing
[ -d /sys/fs/cgroup ] && mount -t cgroup2 cgroup2 /sys/fs/cgroup
rel=$(cat /etc/lw-kernel)
while read -r ko; do
	insmod "/lib/modules/$rel/$ko" || echo "LW-GUEST: insmod $ko failed"
done < /etc/lw-modules
hostname lw-guest
ip link set lo up
# (a newline first: the BIOS leaves its last line open)
echo
echo "LW-GUEST-START $(uname -r) uptime=$(cut -d" " -f1 /proc/uptime)"
sh /guest.sh </dev/null
rc=$?
echo "LW-GUEST-DONE rc=$rc"
# let the UART drain before the power goes
sleep 1
poweroff -f
EOF
chmod 755 "$root/init" "$root/guest.sh"
# The kernel opens /dev/console before /init runs; its built-in initramfs
# usually has the node, this one too where we may make it.
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) |
	gzip -6 > "$out.tmp"
mv "$out.tmp" "$out"
log "$out: $(du -k "$out" | cut -f1) KiB for $rel"
