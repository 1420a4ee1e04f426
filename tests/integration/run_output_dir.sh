#!/bin/sh
# run_output_dir: a `kaic run` that stops on a configuration error (no kubeconfig, no
# cluster) exits 2 and leaves no output directory it created behind; one that existed
# stays, and so does a directory holding reports.
set -u
: "${KAIC:?KAIC must name the kaic binary}"
work=$(mktemp -d "${TMPDIR:-/tmp}/kaic-outdir.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
fail() {
	echo "FAIL: $*"
	exit 1
}

"$KAIC" run --kubeconfig "$work/missing" --output-dir "$work/new/results" >"$work/out" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "missing kubeconfig: exit $rc, want 2: $(cat "$work/out")"
[ ! -e "$work/new" ] || fail "a configuration error left $(find "$work/new" | tr '\n' ' ')"
echo "ok: no kubeconfig: exit 2, no output directory left"

# a cluster that does not answer: the connection fails after the directory was made
cat >"$work/kubeconfig" <<'YAML'
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
YAML
"$KAIC" run --kubeconfig "$work/kubeconfig" --output-dir "$work/gone" >"$work/out" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "unreachable cluster: exit $rc, want 2: $(cat "$work/out")"
[ ! -e "$work/gone" ] || fail "an unreachable cluster left $work/gone behind"
echo "ok: unreachable cluster: exit 2, no output directory left"

mkdir "$work/mine"
"$KAIC" run --kubeconfig "$work/kubeconfig" --output-dir "$work/mine" >"$work/out" 2>&1
[ -d "$work/mine" ] || fail "a directory that existed before the run was removed"
echo "ok: a directory that existed stays"
