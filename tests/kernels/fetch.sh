#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Downloads the stock Debian cloud kernels of the test matrix and unpacks each
# into LW_KERNEL_CACHE (default /var/cache/loopwatch/kernels)/<uname -r>/ with
# vmlinuz, lib/modules/<uname -r>/ (depmod run), config when the package has
# one, version (the release) and package (Debian package names and versions).
# Nothing is installed on the host and the host's apt state is not touched:
# apt runs with a private sources list, lists and cache under the cache dir.
#
# Usage: fetch.sh [LINE...]   LINE: 5.10 6.1 6.12 6.18 7 (default: all five)
# Prints the kernel directories on stdout, one a line, in LINE order.
# Once every asked line is in the cache, a run is offline (no apt at all);
# LW_KERNEL_REFRESH=1 asks the archive again for the newest of each line.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${LW_KERNEL_CACHE:-/var/cache/loopwatch/kernels}
lines=${*:-5.10 6.1 6.12 6.18 7}
manifest=$cache/matrix

log() { echo "fetch.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# A line's kernel: "LINE RELEASE" in the manifest, and a complete directory
# (they appear by rename only once unpacked).
cached_release() {
	local rel
	[ -r "$manifest" ] || return 1
	rel=$(awk -v l="$1" '$1 == l { print $2 }' "$manifest")
	[ -n "$rel" ] && [ -s "$cache/$rel/vmlinuz" ] && [ -s "$cache/$rel/version" ] || return 1
	echo "$rel"
}

# Fast path: everything asked for is cached; no apt, no network.
if [ -z "${LW_KERNEL_REFRESH:-}" ]; then
	out=""
	for l in $lines; do
		rel=$(cached_release "$l") || { out=""; break; }
		out="$out$cache/$rel"$'\n'
	done
	if [ -n "$out" ]; then
		printf '%s' "$out"
		exit 0
	fi
fi

# depmod lives in /usr/sbin, not in every user's PATH.
export PATH=$PATH:/usr/sbin:/sbin
for c in apt-get apt-cache dpkg-deb depmod flock; do
	command -v "$c" >/dev/null || {
		"$here/../../tools/install-deps.sh" test
		break
	}
done

mkdir -p "$cache"
# One fetch at a time per cache (make test and a developer may race).
exec 9>"$cache/.lock"
flock 9

# The Debian archive the host already uses (deb822 .sources first, then the
# one-line format), so CI machines with a local mirror keep using it.
mirror=${LW_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' |
		sed 's|/*$||' | grep -m1 -E '/debian$' || true)
fi
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\).*/\2/p' |
		sed 's|/*$||' | grep -m1 -E '/debian$' || true)
fi
[ -n "$mirror" ] || { mirror=http://deb.debian.org/debian; log "no Debian archive in the host's apt sources; using $mirror"; }

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "$keyring missing (package debian-archive-keyring)"

# Private apt state. bookworm's debian-archive-keyring.gpg holds the
# bullseye, bookworm and trixie archive keys, so one keyring signs all suites.
apt_dir=$cache/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/sources.list.d"
for s in bullseye bookworm trixie trixie-backports; do
	echo "deb [signed-by=$keyring] $mirror $s main"
done > "$apt_dir/sources.list"
# The host's update hooks (appstream, packagekit) are about its own lists.
printf '#clear APT::Update::Post-Invoke-Success;\n#clear APT::Update::Post-Invoke;\n' > "$apt_dir/apt.conf"
# sourceparts: an empty private directory rather than "-", which apt reads
# as a path and warns about. pkgcache: Debian's container images turn the
# binary cache off, and every apt-cache call would parse all lists again.
apt_opts=(-c "$apt_dir/apt.conf"
	-o "Dir::Etc::sourcelist=$apt_dir/sources.list"
	-o "Dir::Etc::sourceparts=$apt_dir/sources.list.d"
	-o "Dir::Etc::preferences=$apt_dir/preferences"
	-o "Dir::Etc::preferencesparts=$apt_dir/sources.list.d"
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::Cache=$apt_dir/cache"
	-o "Dir::Cache::pkgcache=pkgcache.bin" -o "Dir::Cache::srcpkgcache=srcpkgcache.bin"
	-o "Acquire::Languages=none"
	-o "APT::Get::List-Cleanup=true")

log "updating package lists of bullseye bookworm trixie trixie-backports from $mirror"
t0=$(date +%s.%N)
apt-get "${apt_opts[@]}" -qq update >&2 || die "apt-get update failed"
log "lists updated in $(echo "$t0 $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }') s"

# Newest linux-image-<LINE>.*-cloud-amd64 by version order of the names
# (ABI numbers for 5.10/6.1, upstream versions since trixie).
newest_pkg() {
	local re=${1//./\\.}
	apt-cache "${apt_opts[@]}" pkgnames linux-image- |
		grep -E "^linux-image-$re\.[0-9][^ ]*-cloud-amd64\$" | sort -V | tail -1
}

candidate() {
	apt-cache "${apt_opts[@]}" policy "$1" | awk '$1 == "Candidate:" { print $2 }'
}

# Since 6.19/7.x linux-image-* is a meta package: the kernel is in its
# linux-binary-* dependency and the modules in linux-modules-*.
parts_of() {
	apt-cache "${apt_opts[@]}" show "$1=$2" | awk -F': ' '$1 == "Depends" { print $2; exit }' |
		tr ',' '\n' | sed 's/|.*//; s/^ *//; s/ .*//' | grep -E '^linux-(binary|modules)-' || true
}

unpack() {
	local pkg=$1 ver=$2 rel=$3 stage dl p v d found
	stage=$cache/.new-$rel.$$
	rm -rf "$stage"
	mkdir -p "$stage/dl" "$stage/root"
	# apt drops to _apt to download; let it write there.
	chown _apt "$stage/dl" 2>/dev/null || true
	dl="$pkg=$ver"
	for p in $(parts_of "$pkg" "$ver"); do
		v=$(candidate "$p")
		[ -n "$v" ] && [ "$v" != "(none)" ] || die "$pkg depends on $p, which the archive lacks"
		dl="$dl $p=$v"
	done
	log "downloading $dl"
	(cd "$stage/dl" && apt-get "${apt_opts[@]}" -qq download $dl >&2) || die "apt-get download $dl failed"
	: > "$stage/package"
	for d in "$stage"/dl/*.deb; do
		dpkg-deb -x "$d" "$stage/root"
		dpkg-deb -W --showformat='${Package} ${Version}\n' "$d" >> "$stage/package"
	done
	rm -rf "$stage/dl"
	found=""
	for d in "$stage/root/boot/vmlinuz-$rel" "$stage/root/usr/lib/modules/$rel/vmlinuz" "$stage/root/lib/modules/$rel/vmlinuz"; do
		[ -s "$d" ] && { mv "$d" "$stage/vmlinuz"; found=1; break; }
	done
	[ -n "$found" ] || die "no vmlinuz in $dl"
	mkdir -p "$stage/lib/modules"
	for d in "$stage/root/usr/lib/modules/$rel" "$stage/root/lib/modules/$rel"; do
		[ -d "$d" ] && { mv "$d" "$stage/lib/modules/$rel"; break; }
	done
	[ -d "$stage/lib/modules/$rel" ] || die "no modules tree for $rel in $dl"
	for d in "$stage/root/boot/config-$rel" "$stage/lib/modules/$rel/config"; do
		[ -s "$d" ] && { cp "$d" "$stage/config"; break; }
	done
	rm -rf "$stage/root"
	# The packages ship no modules.dep (their postinst makes it).
	# 7.x ships no modules.order or modules.builtin*: nothing to warn about.
	depmod -b "$stage" "$rel" 2>"$stage/depmod.err" || { cat "$stage/depmod.err" >&2; die "depmod failed for $rel"; }
	grep -v "could not open modules\.\(order\|builtin\)" "$stage/depmod.err" >&2 || true
	rm -f "$stage/depmod.err"
	echo "$rel" > "$stage/version"
	rm -rf "${cache:?}/$rel"
	mv "$stage" "$cache/$rel"
}

new_manifest=""
out=""
for l in $lines; do
	pkg=$(newest_pkg "$l")
	[ -n "$pkg" ] || die "no linux-image-$l.*-cloud-amd64 in $mirror"
	ver=$(candidate "$pkg")
	rel=${pkg#linux-image-}
	if [ -s "$cache/$rel/vmlinuz" ] && [ -s "$cache/$rel/version" ]; then
		log "line $l: $pkg $ver (cached)"
	else
		log "line $l: $pkg $ver"
		t0=$(date +%s.%N)
		unpack "$pkg" "$ver" "$rel"
		log "line $l: $rel unpacked in $(echo "$t0 $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }') s"
	fi
	new_manifest="$new_manifest$l $rel"$'\n'
	out="$out$cache/$rel"$'\n'
done

# Keep lines not asked for this time; replace the asked ones.
{
	[ -r "$manifest" ] && awk -v keep=" $lines " 'index(keep, " " $1 " ") == 0' "$manifest"
	printf '%s' "$new_manifest"
} > "$manifest.tmp"
mv "$manifest.tmp" "$manifest"
printf '%s' "$out"
