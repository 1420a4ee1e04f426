#!/bin/sh
# tests/lab/node.sh: the lab's real node runs containers (docs/lab.md, "The real node").
# On the lab reset with the real node (LAB_REAL_NODE=1) and no kwok node:
#   - the node lab-real-0 is Ready, with containerd 2.x as its runtime;
#   - a pod with kaic's image from the lab's registry (127.0.0.1:PORT/kaic:VERSION), under
#     Pod Security restricted, reaches Running on it;
#   - kubectl logs shows what the container printed; kubectl exec runs in it;
#   - a Service name resolves inside a pod (CoreDNS) to the Service's ClusterIP, and a
#     TCP connection to it reaches the pod behind it (kube-proxy, CNI bridge);
#   - deleting the namespace leaves no container on the node.
# Skips (77) without a lab, or without kaic's image (make image).
set -eu
. "$TOP/tests/lab/lib.sh"
lab_require
[ -f "$TOP/build/image/oci/index.json" ] || skip "kaic's image is missing (make image): the node test runs it"
k() { kubectl --kubeconfig "$LAB_KUBECONFIG" --request-timeout=60s "$@"; }
LAB_REAL_NODE=1 lab_reset 0
[ -d "$TOP/build/lab/run/node" ] || skip "this lab has no real node (started with LAB_REAL_NODE=0)"
. "$TOP/build/lab/run/ports.env"
ver=$(cat "$TOP/VERSION")
image="127.0.0.1:$REGISTRY_PORT/kaic:$ver"
ns=kaic-lab-node-test

ready=$(k get node lab-real-0 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')
[ "$ready" = True ] || fail "node lab-real-0 Ready=$ready"
runtime=$(k get node lab-real-0 -o jsonpath='{.status.nodeInfo.containerRuntimeVersion}')
case $runtime in containerd://2.*) echo "ok: lab-real-0 Ready, runtime $runtime" ;; *) fail "runtime $runtime" ;; esac

k create namespace "$ns" >/dev/null
k label namespace "$ns" pod-security.kubernetes.io/enforce=restricted >/dev/null
cleanup() { k delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; }
trap cleanup EXIT
k apply -n "$ns" -f - >/dev/null <<EOF
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: web, labels: {app: echo}}
  spec:
    nodeSelector: {kaic.lab/real: "true"}
    automountServiceAccountToken: false
    securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
    containers:
    - name: echo
      image: $image
      args: [probe, echo, --port, "8080"]
      ports: [{containerPort: 8080}]
      securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
- apiVersion: v1
  kind: Service
  metadata: {name: echo}
  spec:
    selector: {app: echo}
    ports: [{port: 80, targetPort: 8080}]
EOF
k wait -n "$ns" --for=condition=Ready pod/web --timeout=180s >/dev/null ||
	fail "pod web not Ready: $(k get pod -n "$ns" web -o jsonpath='{.status}')"
node=$(k get pod -n "$ns" web -o jsonpath='{.spec.nodeName} {.status.podIP}')
echo "ok: pod web Running on $node, image $image"

logs=$(k logs -n "$ns" web)
case $logs in *'serving as "web" on port 8080'*) echo "ok: kubectl logs: $logs" ;; *) fail "kubectl logs: $logs" ;; esac

out=$(k exec -n "$ns" web -- kaic probe connect --host 127.0.0.1 --port 8080 --expect open) ||
	fail "kubectl exec: $out"
echo "ok: kubectl exec: $out"

svcip=$(k get service -n "$ns" echo -o jsonpath='{.spec.clusterIP}')
out=$(k exec -n "$ns" web -- kaic probe connect --host "echo.$ns.svc.cluster.local" --port 80 --expect open) ||
	fail "Service echo.$ns.svc.cluster.local from inside the pod: $out"
case $out in *"\"address\":\"$svcip\""*) ;; *) fail "echo.$ns.svc.cluster.local resolved elsewhere than $svcip: $out" ;; esac
echo "ok: echo.$ns.svc.cluster.local resolves to $svcip and connects: $out"
out=$(k exec -n "$ns" web -- kaic probe connect --host echo --port 80 --expect open) ||
	fail "short name echo (search path): $out"
case $out in *"\"address\":\"$svcip\""*) ;; *) fail "echo resolved elsewhere than $svcip: $out" ;; esac
echo "ok: the short name echo resolves through the pod's search path: $out"

k delete namespace "$ns" --timeout=120s >/dev/null || fail "namespace $ns not deleted"
trap - EXIT
# kubelet removes a deleted pod's containers and sandbox (its housekeeping: up to a
# minute); those of the namespace's pods carry its name (CRI's label), the ai profile's
# own pods (kaic-agentd) stay
i=0
while :; do
	n=$("$TOP/build/lab/bin/ctr" --address "$TOP/build/lab/run/node/containerd/containerd.sock" -n k8s.io \
		containers ls -q "labels.\"io.kubernetes.pod.namespace\"==$ns" 2>/dev/null | wc -l)
	[ "$n" = 0 ] && break
	i=$((i + 1))
	[ $i -lt 90 ] || fail "$n containers of namespace $ns left on lab-real-0 90 s after it was deleted"
	sleep 1
done
echo "ok: no container of namespace $ns left on lab-real-0"
echo "node: every check passed"
