#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Build build/loopwatch_<version>_<arch>.deb with dpkg-deb from a staging tree
# (`make deb`). Depends comes from dpkg-shlibdeps on the staged binary, plus
# the package of any library the binary names (DT_NEEDED) whose symbols it
# does not use, which dpkg-shlibdeps leaves out but the loader still needs.
# Usage: build-deb.sh BUILD_DIR   (env: DEB_MAINTAINER, SOURCE_DATE_EPOCH)
set -eu
B=${1:-build}
here=$(dirname "$0")
version=$(sed -n 's/^#define LW_VERSION "\(.*\)"/\1/p' agent/settings/options.h)
arch=$(dpkg --print-architecture)
# the maintainers of this tree (its last commit's author) unless DEB_MAINTAINER
maint=${DEB_MAINTAINER:-$(git log -1 --format='%an <%ae>' 2>/dev/null || true)}
[ -n "$maint" ] || maint="loopwatch maintainers <root@localhost>"
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
out=$B/loopwatch_${version}_${arch}.deb
top=$B/deb
root=$top/debian/loopwatch
rm -rf "$top"
mkdir -p "$root/DEBIAN"

# files
install -D -m 0755 "$B/loopwatch" "$root/usr/sbin/loopwatch"
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$root/usr/sbin/loopwatch"
install -d "$root/lib/systemd/system"
sed -e 's|/usr/local/sbin/loopwatch|/usr/sbin/loopwatch|g' \
	-e 's|(installed by `make install`)|(installed by the Debian package)|' \
	-e '/^Description=/a Documentation=man:loopwatch(8) file:///usr/share/doc/loopwatch/operations.md' \
	tools/loopwatch.service >"$root/lib/systemd/system/loopwatch.service"
chmod 0644 "$root/lib/systemd/system/loopwatch.service"
install -D -m 0644 tools/loopwatch.conf "$root/etc/loopwatch/loopwatch.conf"
install -d "$root/usr/share/man/man8" "$root/usr/share/doc/loopwatch"
gzip -9n <docs/loopwatch.8 >"$root/usr/share/man/man8/loopwatch.8.gz"
install -m 0644 "$here/copyright" "$root/usr/share/doc/loopwatch/copyright"
gzip -9n <CHANGELOG.md >"$root/usr/share/doc/loopwatch/changelog.gz"
sed -e "s|@VERSION@|$version|" -e "s|@MAINTAINER@|$maint|" \
	-e "s|@DATE@|$(LC_ALL=C date -u -R -d "@$epoch")|" "$here/changelog.in" |
	gzip -9n >"$root/usr/share/doc/loopwatch/changelog.Debian.gz"
install -m 0644 README.md "$root/usr/share/doc/loopwatch/README.md"
for d in docs/*.md; do install -m 0644 "$d" "$root/usr/share/doc/loopwatch/"; done
for s in postinst prerm postrm; do install -m 0755 "$here/$s" "$root/DEBIAN/$s"; done
echo /etc/loopwatch/loopwatch.conf >"$root/DEBIAN/conffiles"

# Depends
printf 'Source: loopwatch\n\nPackage: loopwatch\nArchitecture: %s\n' "$arch" >"$top/debian/control"
deps=$(cd "$top" && dpkg-shlibdeps -O -e debian/loopwatch/usr/sbin/loopwatch 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
for so in $(readelf -d "$B/loopwatch" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
	path=$(ldd "$B/loopwatch" | awk -v s="$so" '$1 == s { print $3 }')
	[ -n "$path" ] || continue
	pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1) || true
	[ -n "$pkg" ] || pkg=$(dpkg -S "$path" | head -1 | cut -d: -f1)
	case ", $deps," in *", $pkg "* | *", $pkg,"*) continue ;; esac
	case "$deps" in "$pkg "* | "$pkg,"*) continue ;; esac
	# the version floor from the library package's shlibs file
	lib=${so%.so.*} ver=${so##*.so.}
	dep=$(dpkg-query --control-show "$pkg" shlibs 2>/dev/null |
		awk -v l="$lib" -v v="$ver" '$1 == l && $2 == v { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }')
	deps="$deps, ${dep:-$pkg}"
done
deps=$(echo "$deps" | tr ',' '\n' | sed 's/^ *//' | grep . | sort -u | paste -sd, | sed 's/,/, /g')

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$maint|" \
	-e "s|@SIZE@|$size|" -e "s|@DEPENDS@|$deps|" "$here/control.in" >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
	xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums" "$root/DEBIAN/control" "$root/DEBIAN/conffiles"
# reproducible: every file dated to the last commit
find "$root" -exec touch -h -d "@$epoch" {} +
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "$out"
