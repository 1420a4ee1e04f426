#!/bin/sh
# include-graph.sh: prints the include edges of the C files under the given folders, one
# per line as "FILE -> HEADER", for project headers only (#include "..."). A header is
# resolved as the compiler does: beside the including file first, then against the
# include path (-Isrc -Isim, in that order); includes that resolve to nothing (system
# headers written with quotes) are left out. Paths are relative to the repository root.
# Usage: scripts/include-graph.sh [DIR...]   (default: sim src)
set -eu
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- sim src
# Every file that could be included, so awk can resolve without a process per lookup.
find src sim -name '*.h' | sort >"${TMPDIR:-/tmp}/include-graph.$$"
trap 'rm -f "${TMPDIR:-/tmp}/include-graph.$$"' EXIT
find "$@" -name '*.[ch]' | sort | xargs awk -v known="${TMPDIR:-/tmp}/include-graph.$$" '
BEGIN { while ((getline f < known) > 0) have[f] = 1 }
# "a/./b/../c" -> "a/c"
function clean(p,   n, i, part, out, k) {
	n = split(p, part, "/"); k = 0
	for (i = 1; i <= n; i++) {
		if (part[i] == "." || part[i] == "") continue
		if (part[i] == ".." && k > 0) { k--; continue }
		out[++k] = part[i]
	}
	p = ""
	for (i = 1; i <= k; i++) p = p (i > 1 ? "/" : "") out[i]
	return p
}
/^[ \t]*#[ \t]*include[ \t]*"/ {
	h = $0
	sub(/^[^"]*"/, "", h); sub(/".*/, "", h)
	dir = FILENAME; sub(/[^\/]*$/, "", dir)
	if ((r = clean(dir h)) in have || (r = clean("src/" h)) in have || (r = clean("sim/" h)) in have)
		print FILENAME " -> " r
}'
