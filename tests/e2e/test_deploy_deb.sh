#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make deb` builds loopwatch_<version>_<arch>.deb; lintian reports nothing
# that docs/fleet.md does not explain; it installs with dpkg in a clean
# Debian root (debootstrap minbase with the package's dependencies, cached in
# /var/cache/loopwatch/debroot and used through an overlay, so a run after the
# first needs no network), where loopwatch --version and --help run and every
# library the binary needs comes from a package its Depends names; dpkg -r
# then leaves nothing behind but the config in /etc/loopwatch.
. "$(dirname "$0")/lib.sh"
CACHE=${LW_DEBROOT:-/var/cache/loopwatch/debroot}
R=$T/root
umount_root() { mountpoint -q "$R" && umount "$R"; }
trap 'umount_root; cleanup' EXIT

# the binary under test as it is (-o: make does not rebuild it here)
check "make deb builds the package" bash -c "make --no-print-directory BUILD='$BUILD' -o '$BUILD/loopwatch' deb >'$T/make.out' 2>&1"
version=$("$LW" --version | awk '{ print $2 }')
deb=$BUILD/loopwatch_${version}_$(dpkg --print-architecture).deb
check "it is named $(basename "$deb")" [ -s "$deb" ]
[ -s "$deb" ] || { tail -5 "$T/make.out" | sed 's/^/#   /'; exit 0; }
depends=$(dpkg-deb -f "$deb" Depends)
note "Depends: $depends"
dep_names=$(echo "$depends" | tr ',' '\n' | sed 's/^ *//; s/[ (].*//' | sort -u)
for p in libbpf1 libelf1 libncursesw6 libtinfo6 libinih1 libc6; do
	check "Depends names $p" grep -qx "$p" <<<"$dep_names"
done
check "the config is a conffile" bash -c "dpkg-deb --ctrl-tarfile '$deb' | tar -xO ./conffiles | grep -qx /etc/loopwatch/loopwatch.conf"

# lintian: every tag left is explained in docs/fleet.md
lintian --no-cfg --pedantic -I "$deb" 2>/dev/null | awk -F': ' '/^[EWIPX]: / { split($3, t, " "); print substr($1, 1, 1) " " t[1] }' |
	sort -u >"$T/lintian"
note "lintian: $(tr '\n' ';' <"$T/lintian")"
check "lintian reports no error or warning" bash -c "! grep -q '^[EW] ' '$T/lintian'"
while read -r _ tag; do
	check "lintian's $tag is explained in docs/fleet.md" grep -q "\`$tag\`" docs/fleet.md
done <"$T/lintian"

# --- a clean Debian root, cached, with the package's dependencies ---
want=$(echo "$dep_names" | paste -sd,)
have=$(tr ',' '\n' <"$CACHE/.loopwatch-root-packages" 2>/dev/null | sort -u)
if [ ! -x "$CACHE/bin/sh" ] || [ -n "$(comm -23 <(echo "$dep_names") <(echo "$have"))" ]; then
	note "building the Debian root $CACHE with $want (debootstrap, once)"
	check "debootstrap builds the clean Debian root" deploy/debian/mkroot.sh "$CACHE" "$want"
fi
mkdir -p "$R" "$T/upper" "$T/work"
if ! mount -t overlay overlay -o "lowerdir=$CACHE,upperdir=$T/upper,workdir=$T/work" "$R" 2>/dev/null; then
	note "no overlayfs here: copying the root"
	cp -a "$CACHE/." "$R"
fi
snapshot() {
	(cd "$R" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./tmp -o -path ./run \
		-o -path ./var/lib/dpkg -o -path ./var/log -o -path ./var/cache \) -prune -o -print) | sort
}
snapshot >"$T/before"
cp "$deb" "$R/tmp/"
check "dpkg -i installs it in the clean root (its dependencies are satisfied there)" \
	bash -c "chroot '$R' dpkg -i '/tmp/$(basename "$deb")' >'$T/dpkg-i.out' 2>&1"
sed 's/^/# dpkg: /' "$T/dpkg-i.out" | grep -iE 'error|warn|depend' | head -5
check_eq "loopwatch --version in the root" "$(chroot "$R" /usr/sbin/loopwatch --version 2>&1)" "loopwatch $version"
check "loopwatch --help in the root" bash -c "chroot '$R' loopwatch --help 2>&1 | grep -q '^Usage: loopwatch'"
check "loopwatch resolves every library in the root" bash -c "! chroot '$R' ldd /usr/sbin/loopwatch | grep -q 'not found'"
# each library the binary names comes from a package of Depends
for so in $(readelf -d "$R/usr/sbin/loopwatch" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
	path=$(chroot "$R" ldd /usr/sbin/loopwatch | awk -v s="$so" '$1 == s { print $3 }')
	# dpkg knows the file by the path its package ships (/lib or /usr/lib)
	pkg=$(chroot "$R" dpkg -S "*/${path##*/}" 2>/dev/null | head -1 | cut -d: -f1)
	check "$so ($pkg) is in Depends" grep -qx "${pkg:-none}" <<<"$dep_names"
done
check "zlib1g comes with libbpf1 (the binary itself calls no zlib function)" \
	bash -c "chroot '$R' dpkg-query -W -f='\${Depends}' libbpf1 | grep -q zlib1g"
check "the unit runs /usr/sbin/loopwatch with the config" \
	grep -qx 'ExecStart=/usr/sbin/loopwatch --json --config /etc/loopwatch/loopwatch.conf' "$R/lib/systemd/system/loopwatch.service"
check "the man page is installed gzipped" bash -c "gzip -dc '$R/usr/share/man/man8/loopwatch.8.gz' | grep -q '^\.TH LOOPWATCH 8'"
check "the textfile directory exists" [ -d "$R/var/lib/prometheus/node-exporter" ]
check "the copyright file is there" [ -s "$R/usr/share/doc/loopwatch/copyright" ]
check "the service is enabled for multi-user.target" [ -L "$R/etc/systemd/system/multi-user.target.wants/loopwatch.service" ]
# what the daemon would have written, then a remove (not a purge)
echo "loopwatch_events_total 1" >"$R/var/lib/prometheus/node-exporter/loopwatch.prom"
echo "x" >"$R/var/lib/prometheus/node-exporter/.loopwatch.prom.tmp.123"
check "dpkg -r removes it" bash -c "chroot '$R' dpkg -r loopwatch >'$T/dpkg-r.out' 2>&1"
check_eq "dpkg keeps its config files (state config-files)" \
	"$(chroot "$R" dpkg-query -W -f='${Status}' loopwatch 2>&1)" "deinstall ok config-files"
snapshot >"$T/after"
left=$(comm -13 "$T/before" "$T/after" | tr '\n' ' ')
gone=$(comm -23 "$T/before" "$T/after" | tr '\n' ' ')
check_eq "nothing is left but the config under /etc/loopwatch" "$left" "./etc/loopwatch ./etc/loopwatch/loopwatch.conf "
check_eq "nothing of the root was removed" "$gone" ""
