#!/bin/sh
# lint_layers.sh: scripts/check-layers.py passes on the tree, prints the part order, and
# fails (naming the file) on an include that points up, on an include circle, and on a
# kaic-sim file that includes kaic beyond util/.
set -u
fail() { echo "FAIL: $*"; exit 1; }
cd "$TOP" || exit 1
out=$(python3 scripts/check-layers.py) || fail "the tree has layering problems: $out"
echo "$out" | grep -q '^layers src/: util < kube' || fail "no part order printed: $out"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kaic-layers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
copy() { rm -rf "$tmp/t" && mkdir -p "$tmp/t" && cp -R src sim agentd "$tmp/t/"; }

# util including kube: upward
copy
printf '#include "kube/kube.h"\n' >>"$tmp/t/src/util/buf.c"
out=$(python3 scripts/check-layers.py --root "$tmp/t") && fail "an upward include passed"
echo "$out" | grep -q 'src/util/buf.c -> src/kube/kube.h: upward' || fail "upward not named: $out"

# two headers of one part including each other: a circle
copy
printf '#include "util/log.h"\n' >>"$tmp/t/src/util/buf.h"
printf '#include "util/buf.h"\n' >>"$tmp/t/src/util/log.h"
out=$(python3 scripts/check-layers.py --root "$tmp/t") && fail "an include circle passed"
echo "$out" | grep -q 'include circle: .*src/util/buf.h' || fail "circle not named: $out"

# kaic-sim reaching into kaic's checks
copy
printf '#include "checks/util.h"\n' >>"$tmp/t/sim/main.c"
out=$(python3 scripts/check-layers.py --root "$tmp/t") && fail "sim including src/checks passed"
echo "$out" | grep -q 'sim/main.c -> src/checks/util.h' || fail "sim violation not named: $out"

# kaic-agentd: its own parts point down, and of src/ it includes util/ and kube/ only
copy
printf '#include "server.h"\n' >>"$tmp/t/agentd/mcp.c"
out=$(python3 scripts/check-layers.py --root "$tmp/t") && fail "an upward agentd include passed"
echo "$out" | grep -q 'agentd/mcp.c -> agentd/server.h: upward' || fail "agentd upward not named: $out"
copy
printf '#include "probe/probe.h"\n' >>"$tmp/t/agentd/main.c"
out=$(python3 scripts/check-layers.py --root "$tmp/t") && fail "agentd including src/probe passed"
echo "$out" | grep -q 'agentd/main.c -> src/probe/probe.h: kaic-agentd may include only' ||
	fail "agentd violation not named: $out"
echo "ok"
