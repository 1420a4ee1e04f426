#!/bin/sh
# cleanup_live_run.sh: `kaic cleanup` without --run-id leaves a live run alone: a run
# waiting for its test pods (the reference scenario with the kubelet off) renews its
# heartbeat Lease; an unscoped cleanup says it skips that run and its objects survive;
# `kaic cleanup --force` deletes them, and the run then ends on its own (Error: its pods
# were deleted).
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/active_lib.sh"
active_need_sim
scn=$(mktemp -d "${TMPDIR:-/tmp}/kaic-nokubelet.XXXXXX") || exit 1
trap 'kill -KILL "$pid" 2>/dev/null; sim_cleanup; rm -rf "$scn"' EXIT
pid=
cp -RL "$TOP/sim/scenarios/reference/." "$scn/" || fail "cannot copy the reference scenario"
sed 's/^controllers:$/controllers:\n  kubelet: false/' "$TOP/sim/scenarios/reference/scenario.yaml" \
	>"$scn/scenario.yaml"
sim_start "$scn" || fail "kaic-sim did not start"

"$KAIC" run --focus NET-3.1 --output-dir "$SIM_DIR/out" --timeout 300s --no-color \
	>"$SIM_DIR/run.log" 2>&1 &
pid=$!
waited=0
until kubectl get pods -A -l app.kubernetes.io/managed-by=kaic -o name 2>/dev/null | grep -q .; do
	kill -0 "$pid" 2>/dev/null || fail "kaic ended before creating its pods: $(tail -n 5 "$SIM_DIR/run.log")"
	waited=$((waited + 1))
	[ "$waited" -lt 300 ] || fail "no test pod after 30 s"
	sleep 0.1
done
lease=$(kubectl get leases -A -l app.kubernetes.io/managed-by=kaic -o name) || fail "cannot list leases"
[ "$lease" = lease.coordination.k8s.io/kaic-heartbeat ] || fail "no heartbeat Lease: \"$lease\""
before=$(active_leftovers | sort) || fail "cannot list kaic's objects"

"$KAIC" cleanup >"$SIM_DIR/cleanup.out" 2>&1 || fail "kaic cleanup: $(cat "$SIM_DIR/cleanup.out")"
grep -q "skipping run .*: it is alive (heartbeat Lease" "$SIM_DIR/cleanup.out" ||
	fail "kaic cleanup did not say it skips the live run: $(cat "$SIM_DIR/cleanup.out")"
after=$(active_leftovers | sort) || fail "cannot list kaic's objects"
[ "$before" = "$after" ] || fail "an unscoped kaic cleanup deleted objects of a live run: before: $before; after: $after"
kill -0 "$pid" 2>/dev/null || fail "the run ended during the unscoped cleanup"
pass "an unscoped kaic cleanup leaves the live run's $(echo "$before" | wc -l) objects alone"

"$KAIC" cleanup --force >"$SIM_DIR/force.out" 2>&1 || fail "kaic cleanup --force: $(cat "$SIM_DIR/force.out")"
grep -q "^deleted Pod " "$SIM_DIR/force.out" || fail "kaic cleanup --force deleted no pod: $(cat "$SIM_DIR/force.out")"
active_wait_clean 30 || fail "objects remain after kaic cleanup --force: $(active_leftovers)"
waited=0
while kill -0 "$pid" 2>/dev/null; do
	waited=$((waited + 1))
	[ "$waited" -lt 300 ] || fail "the run did not end 30 s after its objects were deleted"
	sleep 0.1
done
pass "kaic cleanup --force deletes them, and the run ends"
