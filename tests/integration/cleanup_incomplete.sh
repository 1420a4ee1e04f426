#!/bin/sh
# cleanup_incomplete: `kaic cleanup` that could not look everywhere says so and fails:
# with one resource type whose list always fails (kaic-sim's fault injection answers 500
# for scheduling.k8s.io), it names the type, never says "nothing to clean up", and exits
# 1 (KAIC_EXIT_NOT_CONFORMANT: the work failed), while still deleting what it found.
. "$TOP/tests/integration/lib.sh"
command -v kubectl >/dev/null || skip "kubectl is not installed"
scen=$(mktemp -d "${TMPDIR:-/tmp}/kaic-cleanup-scen.XXXXXX") || fail "mktemp"
trap 'sim_cleanup; rm -rf "$scen"' EXIT
cp -R "$TOP/tests/data/sim-basic/." "$scen/"
printf '%s\n' "faults: {errorRate: 1.0, pathPrefix: /apis/scheduling.k8s.io/}" >>"$scen/scenario.yaml"
sim_start "$scen" || fail "kaic-sim did not start"
out=$SIM_DIR/out

kubectl apply --validate=false -f - >"$out" 2>&1 <<'YAML' || fail "kubectl apply: $(cat "$out")"
apiVersion: v1
kind: ConfigMap
metadata:
  name: left-over
  namespace: default
  labels: {app.kubernetes.io/managed-by: kaic, kaic.io/run-id: 0a1b2c3d}
YAML

"$KAIC" cleanup >"$out" 2>"$SIM_DIR/err"
rc=$?
[ "$rc" -eq 1 ] || fail "exit $rc with a type that could not be listed, want 1: $(cat "$out" "$SIM_DIR/err")"
grep -q '^kaic cleanup: cannot list "/apis/scheduling.k8s.io/v1/priorityclasses"' "$SIM_DIR/err" ||
	fail "the unlisted type is not named: $(cat "$SIM_DIR/err")"
grep -q '^kaic cleanup: incomplete: 1 resource type could not be listed' "$SIM_DIR/err" ||
	fail "no closing line saying the cleanup is incomplete: $(cat "$SIM_DIR/err")"
grep -q '^deleted ConfigMap default/left-over$' "$out" || fail "what it found was not deleted: $(cat "$out")"
pass "a type that cannot be listed: named, exit 1, the rest still deleted"

"$KAIC" cleanup >"$out" 2>"$SIM_DIR/err"
rc=$?
[ "$rc" -eq 1 ] || fail "second run: exit $rc, want 1"
grep -q '^nothing to clean up$' "$out" &&
	fail "says \"nothing to clean up\" without having looked everywhere: $(cat "$out")"
grep -q '^nothing found to clean up in the resource types listed$' "$out" ||
	fail "second run: $(cat "$out")"
pass "nothing found, but not everywhere: exit 1, never \"nothing to clean up\""
sim_stop || fail "kaic-sim did not stop cleanly"
exit 0
