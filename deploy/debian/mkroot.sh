#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Build (once) a clean Debian root for the package test: debootstrap minbase of
# the host's suite from the archive the host's apt sources name, with the
# packages given as arguments (the .deb's runtime dependencies) included, so
# that later runs install the .deb offline with dpkg in a chroot.
# Usage: mkroot.sh ROOT PKG[,PKG...]   (prints nothing on success but the path)
set -eu
root=$1
pkgs=$2
# suite and mirror from the host's apt sources (deb822 or one-line format)
suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
	awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }')
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' \
	/etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
tmp=$root.new.$$
rm -rf "$tmp"
mkdir -p "$(dirname "$root")"
debootstrap --variant=minbase --include="$pkgs" "$suite" "$tmp" "$mirror" \
	>"$tmp.log" 2>&1 || { tail -20 "$tmp.log" >&2; rm -rf "$tmp"; exit 1; }
# a root that is only ever used offline: no apt lists or package cache
rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*_Packages
echo "$pkgs" >"$tmp/.loopwatch-root-packages"
rm -rf "$root"
mv "$tmp" "$root"
rm -f "$tmp.log"
echo "$root"
