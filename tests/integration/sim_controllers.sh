#!/bin/sh
# sim_controllers.sh: kaic-sim's simulated controllers through the real kubectl against
# the reference scenario: a pod running `kaic probe connect` is scheduled, runs and
# succeeds, `kubectl logs` shows the probe's JSON; a PVC is provisioned and bound; and
# every failing scenario of sim/scenarios starts.
. "$TOP/tests/integration/lib.sh"
command -v kubectl >/dev/null 2>&1 || skip "kubectl is not installed"
sim_start "$TOP/sim/scenarios/reference" || fail "kaic-sim did not start"

kubectl apply -f - >/dev/null <<'YAML' || fail "kubectl apply"
apiVersion: v1
kind: Namespace
metadata: {name: smoke, labels: {app.kubernetes.io/managed-by: kaic}}
---
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: smoke, labels: {app: server}}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: echo
    image: ghcr.io/example/kaic:test
    command: [kaic, probe, echo]
    args: [--port, "8080"]
    ports: [{name: http, containerPort: 8080}]
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
---
apiVersion: v1
kind: Service
metadata: {name: server, namespace: smoke}
spec:
  selector: {app: server}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: smoke}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
YAML
kubectl wait -n smoke --for=jsonpath='{.status.phase}'=Running pod/server --timeout=20s \
	>/dev/null || fail "the echo server pod is not Running"
pass "echo server Running"

kubectl apply -f - >/dev/null <<'YAML' || fail "kubectl apply client"
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: smoke}
spec:
  restartPolicy: Never
  containers:
  - name: connect
    image: ghcr.io/example/kaic:test
    command: [kaic, probe, connect]
    args: [--host, server.smoke.svc.cluster.local, --port, "80"]
YAML
kubectl wait -n smoke --for=jsonpath='{.status.phase}'=Succeeded pod/client --timeout=20s \
	>/dev/null || fail "the connect pod did not succeed: $(kubectl get pod -n smoke client -o yaml)"
pass "connect pod Succeeded"
out=$(kubectl logs -n smoke client) || fail "kubectl logs"
echo "$out" | grep -q '"probe":"connect"' || fail "unexpected log: $out"
echo "$out" | grep -q '"connected":true' || fail "not connected: $out"
node=$(kubectl get pod -n smoke client -o jsonpath='{.spec.nodeName}')
[ -n "$node" ] || fail "the pod has no node"
msg=$(kubectl get pod -n smoke client \
	-o jsonpath='{.status.containerStatuses[0].state.terminated.message}')
[ "$msg" = "$out" ] || fail "termination message \"$msg\" differs from the log"
pass "kubectl logs shows the probe JSON (node $node)"

kubectl wait -n smoke --for=jsonpath='{.status.phase}'=Bound pvc/data --timeout=20s \
	>/dev/null || fail "the PVC is not Bound"
pv=$(kubectl get pvc -n smoke data -o jsonpath='{.spec.volumeName}')
driver=$(kubectl get pv "$pv" -o jsonpath='{.spec.csi.driver}')
[ "$driver" = rook-ceph.rbd.csi.ceph.com ] || fail "PV $pv has CSI driver \"$driver\""
pass "PVC Bound to $pv ($driver)"

kubectl delete namespace smoke --wait=false >/dev/null || fail "kubectl delete namespace"
sim_stop || fail "kaic-sim did not stop cleanly"

for dir in "$TOP"/sim/scenarios/*/; do
	[ -f "$dir/expected-active.txt" ] || continue
	name=$(basename "$dir")
	sim_start "$dir" || fail "scenario $name does not start"
	sim_curl -f "$SIM_URL/version" >/dev/null || fail "scenario $name: no answer"
	sim_stop || fail "scenario $name: kaic-sim did not stop cleanly"
	pass "scenario $name starts"
done
