#!/bin/sh
# cleanup: `kaic cleanup` against kaic-sim finds what runs left by kaic's labels, deletes
# namespaced objects, then namespaces, then cluster-scoped objects; --dry-run and
# --run-id narrow it; unlabelled objects stay.
. "$TOP/tests/integration/lib.sh"
command -v kubectl >/dev/null || skip "kubectl is not installed"
sim_start "$TOP/tests/data/sim-basic" || fail "kaic-sim did not start"
out=$SIM_DIR/out

kubectl apply --validate=false -f - >"$out" 2>&1 <<'EOF' || fail "kubectl apply: $(cat "$out")"
apiVersion: v1
kind: Namespace
metadata:
  name: kaic-0a1b2c3d
  labels: {app.kubernetes.io/managed-by: kaic, kaic.io/run-id: 0a1b2c3d}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: left-over
  namespace: kaic-0a1b2c3d
  labels: {app.kubernetes.io/managed-by: kaic, kaic.io/run-id: 0a1b2c3d}
data: {a: b}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: kaic-0a1b2c3d-high
  labels: {app.kubernetes.io/managed-by: kaic, kaic.io/run-id: 0a1b2c3d}
value: 1000
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: other-run
  namespace: default
  labels: {app.kubernetes.io/managed-by: kaic, kaic.io/run-id: ffff0000}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: not-kaic
  namespace: default
EOF

"$KAIC" cleanup --dry-run >"$out" 2>&1 || fail "cleanup --dry-run: $(cat "$out")"
grep -q '^would delete ConfigMap kaic-0a1b2c3d/left-over$' "$out" || fail "dry run: $(cat "$out")"
grep -q '^4 objects would be deleted$' "$out" || fail "dry run count: $(cat "$out")"
kubectl get configmap left-over -n kaic-0a1b2c3d >/dev/null 2>&1 || fail "dry run deleted"
pass "cleanup --dry-run lists and deletes nothing"

"$KAIC" cleanup --run-id 0a1b2c3d >"$out" 2>&1 || fail "cleanup --run-id: $(cat "$out")"
cat >"$SIM_DIR/want" <<'EOF'
deleted ConfigMap kaic-0a1b2c3d/left-over
deleted Namespace kaic-0a1b2c3d
deleted PriorityClass kaic-0a1b2c3d-high
3 objects deleted
EOF
diff "$SIM_DIR/want" "$out" >/dev/null || fail "cleanup --run-id output: $(cat "$out")"
kubectl get priorityclass kaic-0a1b2c3d-high >/dev/null 2>&1 && fail "PriorityClass left"
kubectl get configmap other-run -n default >/dev/null 2>&1 || fail "--run-id deleted another run's object"
pass "cleanup --run-id: namespaced, namespace, cluster-scoped, in that order"

"$KAIC" cleanup >"$out" 2>&1 || fail "cleanup: $(cat "$out")"
grep -q '^deleted ConfigMap default/other-run$' "$out" || fail "cleanup: $(cat "$out")"
kubectl get configmap not-kaic -n default >/dev/null 2>&1 || fail "cleanup deleted an unlabelled object"
"$KAIC" cleanup >"$out" 2>&1 || fail "second cleanup: $(cat "$out")"
grep -q '^nothing to clean up$' "$out" || fail "second cleanup: $(cat "$out")"
grep -qE '^(DELETE) .*not-kaic' "$SIM_LOG" && fail "a DELETE was sent for not-kaic"
pass "cleanup removes every labelled object and nothing else"
sim_stop || fail "kaic-sim did not stop cleanly"
exit 0
