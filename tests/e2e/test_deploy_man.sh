#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# docs/loopwatch.8 is in step with the CLI: every long option of
# `loopwatch --help` is an option of the man page and the other way round,
# and both match the option table the parser uses (agent/settings/table.c); the page
# formats without a warning from man.
. "$(dirname "$0")/lib.sh"
M=docs/loopwatch.8

"$LW" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u >"$T/help"
# options documented in the page: the tags of its OPTIONS section (.TP items)
awk '/^\.SH OPTIONS/ { on = 1; next } /^\.SH / { on = 0 } on && prev == ".TP" { print } { prev = $0 }' "$M" |
	sed 's/\\-/-/g' | grep -oE -- '--[a-z][a-z-]+' | sort -u >"$T/man"
grep -oE '\.flag = "[a-z-]+"' agent/settings/table.c | sed 's/.*"\(.*\)"/--\1/' | sort -u >"$T/table"
note "--help: $(wc -l <"$T/help") long options, man page: $(wc -l <"$T/man"), option table: $(wc -l <"$T/table")"
check_eq "every long option of --help is in the man page and vice versa" \
	"$(comm -3 "$T/help" "$T/man" | tr -d '\t' | tr '\n' ' ')" ""
check_eq "--help lists every option of the parser's table (agent/settings/table.c)" \
	"$(comm -3 "$T/help" "$T/table" | tr -d '\t' | tr '\n' ' ')" ""
check "the man page has the version loopwatch --version prints" \
	grep -q "^\.TH LOOPWATCH 8 .*\"$("$LW" --version)\"" "$M"
warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$M" 2>&1 >/dev/null)
check_eq "man --warnings formats it without a warning" "$warn" ""
check "NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS and FILES sections" bash -c "
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS 'EXIT STATUS' FILES; do grep -q \"^\.SH \$s\$\" '$M' || exit 1; done"
