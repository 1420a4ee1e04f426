#!/bin/sh
# tests/lab/interrupt.sh: an interrupted active run on the lab's real node leaves nothing
# behind. Ctrl-C (SIGINT) while test pods run: kaic cleans up itself and exits 130.
# kill -9 while test pods run: kaic's namespace stays, and `kaic cleanup --run-id`
# (the run id from the namespace's label) removes it and everything in it. Skips (77)
# without a lab, a real node or kaic's image (make image).
set -eu
. "$TOP/tests/lab/lib.sh"
lab_require
[ -f "$TOP/build/image/oci/index.json" ] || skip "kaic's image is missing (make image): the test pods run it"
work=$(mktemp -d "${TMPDIR:-/tmp}/lab-interrupt.XXXXXX")
pid=""
trap '[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null; rm -rf "$work"' EXIT
k() { kubectl --kubeconfig "$LAB_KUBECONFIG" "$@"; }

lab_real_node

# start NAME: kaic run (SEC-5.1, its pods run for real) in the background; returns once
# a pod of its namespace is Running; sets pid and ns
start() {
	"$KAIC" run --kubeconfig "$LAB_KUBECONFIG" --focus SEC-5.1 --image "$KAIC_IMG" \
		--timeout 3m --output-dir "$work/$1" --no-color >"$work/$1.out" 2>&1 &
	pid=$!
	t0=$(date +%s)
	ns=""
	while :; do
		ns=$(k get pods -A -l app.kubernetes.io/managed-by=kaic --field-selector status.phase=Running \
			-o jsonpath='{.items[0].metadata.namespace}' 2>/dev/null || true)
		[ -z "$ns" ] || break
		kill -0 "$pid" 2>/dev/null || fail "$1: kaic ended before a test pod ran: $(tail -n 5 "$work/$1.out")"
		[ $(($(date +%s) - t0)) -lt 120 ] || fail "$1: no test pod Running after 120s"
		sleep 0.5
	done
	echo "$1: test pods running in $ns after $(($(date +%s) - t0))s"
}

# left: kaic's namespaces and labelled objects, or nothing
left() { lab_left "$KAIC_NS" pods,services,networkpolicies; }

# 1. SIGINT: kaic deletes what it made before it exits
start sigint
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
echo "sigint: kaic exit $rc"
[ "$rc" -eq 130 ] || fail "sigint: exit $rc, not 130: $(tail -n 10 "$work/sigint.out")"
l=$(left)
[ -z "$l" ] || fail "sigint: left behind: $l"
echo "sigint: nothing left"

# 2. kill -9: the run's namespace stays; kaic cleanup removes it
start sigkill
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
pid=""
id=$(k get ns "$ns" -o jsonpath='{.metadata.labels.kaic\.io/run-id}')
[ -n "$id" ] || fail "sigkill: namespace $ns has no kaic.io/run-id label"
l=$(left)
[ -n "$l" ] || fail "sigkill: nothing was left to clean up (the test proves nothing)"
echo "sigkill: left by run $id: $l"
"$KAIC" cleanup --kubeconfig "$LAB_KUBECONFIG" --run-id "$id" >"$work/cleanup.out" 2>&1 ||
	fail "kaic cleanup failed: $(cat "$work/cleanup.out")"
tail -n 3 "$work/cleanup.out"
t0=$(date +%s)
while l=$(left) && [ -n "$l" ] && [ $(($(date +%s) - t0)) -lt 120 ]; do sleep 1; done
[ -z "$l" ] || fail "120s after kaic cleanup: left behind: $l"
echo "sigkill: nothing left $(($(date +%s) - t0))s after kaic cleanup returned"
pass "interrupted runs leave nothing: SIGINT cleans up itself, kill -9 then kaic cleanup"
