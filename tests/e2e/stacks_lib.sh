# SPDX-License-Identifier: GPL-2.0
# Helpers of the stack tests (sourced after lib.sh): is every frame a stack
# names inside the symbol it names, by the module's own symbol tables?
declare -A MODPATH=()

# modules_of BINARY: MODPATH gets the module names stacks give the binary
# (the file it resolves to) and the libraries it links.
modules_of() {
	local bin name path ld
	bin=$(readlink -f "$1")
	MODPATH[$(basename "$bin")]=$bin
	while read -r name _ path _; do
		[ -n "$path" ] || continue
		path=$(readlink -f "$path")
		MODPATH[$name]=$path
		MODPATH[$(basename "$path")]=$path
	done < <(ldd "$bin" | grep '=>')
	ld=$(ldd "$bin" | awk '/ld-linux/ {print $1}')
	[ -n "$ld" ] && MODPATH[$(basename "$ld")]=$(readlink -f "$ld")
}

# "name size address" (decimal) of every defined symbol of a module and of its debug file.
symtab() {
	local f=$1 id
	{
		nm -S -t d --defined-only "$f" 2>/dev/null
		nm -D -S -t d --defined-only "$f" 2>/dev/null
		id=$(readelf -n "$f" 2>/dev/null | awk '/Build ID/ {print $3}')
		[ -n "$id" ] && nm -S -t d --defined-only "/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug" 2>/dev/null
	} | awk 'NF == 4 { sub(/@.*/, "", $4); print $4, $2, $1 }'
}

# Frames of every stack, checked: "name+0xoff (module)" needs a symbol of
# that name in module at least off+1 long; "0xaddr (module)" must lie in no
# symbol of module (it would have been named). Prints "ok" for each good
# frame and "bad FRAME" for each other.
check_frames() {
	local name=$1 mod path
	v "$name" '[.[] | select(.type=="stall") | .stack[]?] | unique | .[]' | tr -d '"' |
	while read -r frame; do
		if [[ $frame =~ ^([^+ ]+)\+0x([0-9a-f]+)\ \((.+)\)$ ]]; then
			path=${MODPATH[${BASH_REMATCH[3]}]:-}
			[ -n "$path" ] || continue
			symtab "$path" | awk -v n="${BASH_REMATCH[1]}" -v off=$((16#${BASH_REMATCH[2]})) -v f="$frame" '
				$1 == n && $2 + 0 > off { found = 1 }
				END { print found ? "ok" : "bad " f }'
		elif [[ $frame =~ ^0x([0-9a-f]+)\ \((.+)\)$ ]]; then
			path=${MODPATH[${BASH_REMATCH[2]}]:-}
			[ -n "$path" ] || continue
			symtab "$path" | awk -v a=$((16#${BASH_REMATCH[1]})) -v f="$frame" '
				$3 + 0 <= a && a < $3 + $2 { inside = $1 }
				END { print inside == "" ? "ok" : "bad " f " is inside " inside }'
		fi
	done
}
