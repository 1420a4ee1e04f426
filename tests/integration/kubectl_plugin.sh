#!/bin/sh
# kubectl_plugin.sh: `make install` puts kubectl-aiconformance next to kaic, and kubectl
# finds it as a plugin: `kubectl plugin list` names it and `kubectl aiconformance ...`
# runs kaic with the arguments (version here; run/help once the CLI has them).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
KAIC=${KAIC:-$TOP/$BUILD/kaic}
cd "$TOP" || exit 1
command -v kubectl >/dev/null 2>&1 || { echo "kubectl is not installed"; exit 77; }
[ -x "$KAIC" ] || { echo "FAIL: \"$KAIC\" is missing"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kaic-kubectl-plugin.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
# The install rule itself, into a staging directory, without rebuilding (-o build).
make -s -o build install BUILD="$(dirname "${KAIC#"$TOP"/}")" DESTDIR="$work" PREFIX=/usr >"$work/make.log" 2>&1 ||
	{ cat "$work/make.log"; echo "FAIL: make install"; exit 1; }
bin="$work/usr/bin"
[ -x "$bin/kaic" ] && [ -L "$bin/kubectl-aiconformance" ] ||
	{ ls -l "$bin"; echo "FAIL: make install did not create kaic and the plugin link"; exit 1; }

export PATH="$bin:$PATH"
export KUBECONFIG="$work/none" # the plugin must not need a cluster for these commands
kubectl plugin list 2>/dev/null | grep -q "$bin/kubectl-aiconformance" ||
	{ kubectl plugin list; echo "FAIL: kubectl plugin list does not show the plugin"; exit 1; }
out=$(kubectl aiconformance version 2>&1) || { echo "$out"; echo "FAIL: kubectl aiconformance version"; exit 1; }
want=$("$KAIC" version)
[ "$out" = "$want" ] || { echo "FAIL: kubectl aiconformance version printed \"$out\", want \"$want\""; exit 1; }
echo "ok: kubectl aiconformance version -> $out"
