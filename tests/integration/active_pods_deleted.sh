#!/bin/sh
# active_pods_deleted.sh: another actor deleting a run's pods while the run waits for them
# ends that wait at once: the reference scenario with the kubelet off (test pods stay
# Pending, so the run waits for them), `kubectl delete` of the run's pods, and the run
# must end within 15 s (not at its 300 s --timeout) with NET-3.1 Error whose evidence says
# the pod was deleted and what was observed of who deleted it.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/active_lib.sh"
active_need_sim
scn=$(mktemp -d "${TMPDIR:-/tmp}/kaic-nokubelet.XXXXXX") || exit 1
trap 'sim_cleanup; rm -rf "$scn"' EXIT
cp -RL "$TOP/sim/scenarios/reference/." "$scn/" || fail "cannot copy the reference scenario"
sed 's/^controllers:$/controllers:\n  kubelet: false/' "$TOP/sim/scenarios/reference/scenario.yaml" \
	>"$scn/scenario.yaml"
grep -q '^  kubelet: false' "$scn/scenario.yaml" || fail "cannot turn the kubelet off"
sim_start "$scn" || fail "kaic-sim did not start"

out=$SIM_DIR/out
"$KAIC" run --focus NET-3.1 --output-dir "$out" --timeout 300s --no-color \
	>"$SIM_DIR/run.log" 2>&1 &
pid=$!
waited=0
until kubectl get pods -A -l app.kubernetes.io/managed-by=kaic -o name 2>/dev/null | grep -q .; do
	kill -0 "$pid" 2>/dev/null || fail "kaic ended before creating its pods: $(tail -n 5 "$SIM_DIR/run.log")"
	waited=$((waited + 1))
	[ "$waited" -lt 300 ] || { kill -KILL "$pid"; fail "no test pod after 30 s"; }
	sleep 0.1
done
sleep 1 # the run is waiting for its pods now
kubectl delete pods -A -l app.kubernetes.io/managed-by=kaic --wait=false >/dev/null 2>&1 ||
	fail "kubectl delete of the run's pods failed"
start=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
	[ $(($(date +%s) - start)) -lt 15 ] || {
		kill -TERM "$pid"
		sleep 2
		kill -KILL "$pid" 2>/dev/null
		fail "kaic still running 15 s after its pods were deleted: $(tail -n 5 "$SIM_DIR/run.log")"
	}
	sleep 0.2
done
wait "$pid"
rc=$?
secs=$(($(date +%s) - start))
[ -f "$out/results.json" ] || fail "no results.json (exit $rc): $(tail -n 5 "$SIM_DIR/run.log")"
active_results "$out/results.json" <<'PY' || fail "NET-3.1 is not an Error naming the deletion (exit $rc)"
r = req['NET-3.1']
ev = ' | '.join(r['evidence'])
print(f"NET-3.1 {r['verdict']}: {ev}")
ok = (r['verdict'] == 'Error' and 'Deleted' in ev and 'deleted by another actor' in ev
      and 'DELETED event' in ev)
sys.exit(0 if ok else 1)
PY
[ "$rc" -eq 3 ] || fail "exit $rc, want 3 (an Error and no MUST failed)"
pass "the run ended ${secs} s after its pods were deleted, NET-3.1 Error naming the deletion"
