#!/bin/sh
# sim_kubectl: the real kubectl against kaic-sim (scenario tests/data/sim-basic): version,
# get, api-resources with a CRD, create (kubectl sends protobuf), apply, patch, label,
# delete, watch, wait, raw discovery, pagination over 500 pods, auth can-i and a
# Forbidden answer for a restricted token.
. "$TOP/tests/integration/lib.sh"
command -v kubectl >/dev/null || skip "kubectl is not installed"

sim_start "$TOP/tests/data/sim-basic" || fail "kaic-sim did not start"
out=$SIM_DIR/out
k() {
	kubectl --request-timeout=20s "$@" >"$out" 2>&1
}
expect() { # PATTERN WHAT: the last output matches
	grep -qE -- "$1" "$out" || {
		cat "$out"
		fail "$2"
	}
}

k version || fail "kubectl version: $(cat "$out")"
expect '^Server Version: v1\.34\.1$' "kubectl version shows the server version"
pass "kubectl version"

k get nodes || fail "get nodes: $(cat "$out")"
expect '^node-00000 +Ready ' "get nodes lists node-00000 as Ready"
[ "$(grep -c '^node-' "$out")" -eq 3 ] || fail "get nodes: want 3 nodes, got: $(cat "$out")"
pass "kubectl get nodes"

k api-resources || fail "api-resources: $(cat "$out")"
expect '^widgets +wd +example\.com/v1 +true +Widget$' "api-resources lists the CRD's widgets"
expect '^pods +po +v1 +true +Pod$' "api-resources lists pods"
expect '^deployments +deploy +apps/v1 +true +Deployment$' "api-resources lists deployments"
expect '^resourceslices +resource\.k8s\.io/v1 +false +ResourceSlice$' "api-resources: slices"
pass "kubectl api-resources"

k get widgets -n team-a || fail "get widgets: $(cat "$out")"
expect '^blue-widget ' "get widgets lists blue-widget"
k get wd blue-widget -n team-a -o 'jsonpath={.spec.color}/{.spec.size}' || fail "get widget"
[ "$(cat "$out")" = "blue/3" ] || fail "custom resource fields: $(cat "$out")"
pass "kubectl get of a custom resource"

# kubectl create sends protobuf bodies (application/vnd.kubernetes.protobuf) for these
k create namespace sim-created || fail "create namespace: $(cat "$out")"
expect '^namespace/sim-created created$' "create namespace"
k create configmap cm1 -n team-a --from-literal=a=b || fail "create configmap: $(cat "$out")"
expect '^configmap/cm1 created$' "create configmap"
k get configmap cm1 -n team-a -o 'jsonpath={.data.a}' || fail "get cm1"
[ "$(cat "$out")" = "b" ] || fail "created configmap data: $(cat "$out")"
k create deployment dep1 -n team-a --image=registry.example.com/app:1.0 ||
	fail "create deployment: $(cat "$out")"
expect '^deployment\.apps/dep1 created$' "create deployment"
k get deployment dep1 -n team-a -o 'jsonpath={.spec.selector.matchLabels.app}/{.spec.template.spec.containers[0].image}' ||
	fail "get dep1"
[ "$(cat "$out")" = "dep1/registry.example.com/app:1.0" ] || fail "created deployment: $(cat "$out")"
pass "kubectl create namespace|configmap|deployment (protobuf bodies)"

cat >"$SIM_DIR/app.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
  namespace: team-a
data:
  level: info
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: team-a
spec:
  replicas: 2
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
        - name: app
          image: registry.example.com/app:1.0
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: red-widget
  namespace: team-a
spec:
  size: 1
  color: red
EOF
k apply -f "$SIM_DIR/app.yaml" || fail "apply: $(cat "$out")"
expect '^configmap/app-config created$' "apply creates the ConfigMap"
expect '^deployment\.apps/app created$' "apply creates the Deployment"
expect '^widget\.example\.com/red-widget created$' "apply creates the Widget"
k apply -f "$SIM_DIR/app.yaml" || fail "second apply: $(cat "$out")"
expect '^configmap/app-config (unchanged|configured)$' "a second apply succeeds"
k get configmap app-config -n team-a -o 'jsonpath={.data.level}' || fail "get app-config"
[ "$(cat "$out")" = "info" ] || fail "applied data: $(cat "$out")"
pass "kubectl apply -f of a multi-document file"

k patch configmap app-config -n team-a --type merge -p '{"data":{"level":"debug"}}' ||
	fail "merge patch: $(cat "$out")"
expect '^configmap/app-config patched$' "merge patch answered"
k patch deployment app -n team-a -p '{"spec":{"replicas":3}}' || fail "patch: $(cat "$out")"
k patch deployment app -n team-a --type json \
	-p '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"x:2"}]' ||
	fail "json patch: $(cat "$out")"
k get deployment app -n team-a \
	-o 'jsonpath={.spec.replicas}/{.spec.template.spec.containers[0].image}' ||
	fail "get deployment"
[ "$(cat "$out")" = "3/x:2" ] || fail "patched deployment: $(cat "$out")"
k get configmap app-config -n team-a -o 'jsonpath={.data.level}'
[ "$(cat "$out")" = "debug" ] || fail "merge-patched data: $(cat "$out")"
pass "kubectl patch (strategic, merge, json)"

k label configmap app-config -n team-a tier=gold || fail "label: $(cat "$out")"
expect '^configmap/app-config labeled$' "label answered"
k get configmaps -n team-a -l tier=gold -o name || fail "get -l"
[ "$(cat "$out")" = "configmap/app-config" ] || fail "label selector: $(cat "$out")"
pass "kubectl label"

k delete configmap app-config -n team-a || fail "delete: $(cat "$out")"
expect '^configmap "app-config" deleted$' "delete answered"
k get configmap app-config -n team-a && fail "deleted configmap still there"
expect 'Error from server \(NotFound\): configmaps "app-config" not found' "NotFound after delete"
pass "kubectl delete"

# watch: a background kubectl sees a pod created after it started
kubectl get pods -n team-a --watch -o name --request-timeout=20s >"$SIM_DIR/watch.out" \
	2>"$SIM_DIR/watch.err" &
watcher=$!
i=0
until grep -q '^pod/web-0$' "$SIM_DIR/watch.out"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "watch did not list web-0: $(cat "$SIM_DIR/watch.err")"
	sleep 0.1
done
k run watched -n team-a --image=registry.example.com/busybox:1 --restart=Never ||
	fail "kubectl run: $(cat "$out")"
i=0
until grep -q '^pod/watched$' "$SIM_DIR/watch.out"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "watch saw no event for pod/watched: $(cat "$SIM_DIR/watch.out")"
	sleep 0.1
done
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
pass "kubectl get pods --watch sees an ADDED event"

k delete pod watched -n team-a --wait=false || fail "delete watched: $(cat "$out")"
k wait --for=delete pod/watched -n team-a --timeout=30s || fail "wait --for=delete: $(cat "$out")"
k get pod watched -n team-a && fail "pod watched still exists after wait --for=delete"
pass "kubectl wait --for=delete"

k get --raw /apis || fail "get --raw /apis: $(cat "$out")"
expect '"kind": ?"APIGroupList"' "raw /apis is an APIGroupList"
expect '"name": ?"example\.com"' "raw /apis lists the CRD's group"
expect '"name": ?"apps"' "raw /apis lists apps"
pass "kubectl get --raw /apis"

chunked='^GET /api/v1/namespaces/load-000/pods\?([^ ]*&)?limit=50[& ]'
before=$(sim_count "$chunked")
k get pods -n load-000 --chunk-size=50 --no-headers || fail "chunked list: $(cat "$out")"
[ "$(wc -l <"$out")" -eq 500 ] || fail "chunked list: want 500 pods, got $(wc -l <"$out")"
[ "$(grep -c '^pod-' "$out")" -eq 500 ] || fail "chunked list: unexpected lines"
[ "$(sort -u "$out" | wc -l)" -eq 500 ] || fail "chunked list: duplicate pods"
after=$(sim_count "$chunked")
[ $((after - before)) -ge 10 ] || fail "want >= 10 list requests with limit=50, saw $((after - before))"
pass "kubectl get pods --chunk-size=50 over 500 pods ($((after - before)) requests)"

# a restricted user: pods in team-a yes, secrets no
server=$(kubectl config view --minify -o 'jsonpath={.clusters[0].cluster.server}')
kubectl config --kubeconfig="$SIM_DIR/restricted" set-cluster sim --server="$server" \
	--certificate-authority="$SIM_CA" --embed-certs=true >/dev/null || fail "set-cluster"
kubectl config --kubeconfig="$SIM_DIR/restricted" set-credentials restricted \
	--token=restricted-token-0123456789 >/dev/null || fail "set-credentials"
kubectl config --kubeconfig="$SIM_DIR/restricted" set-context sim --cluster=sim \
	--user=restricted >/dev/null || fail "set-context"
kubectl config --kubeconfig="$SIM_DIR/restricted" use-context sim >/dev/null
k --kubeconfig="$SIM_DIR/restricted" get pods -n team-a -o name || fail "restricted get pods"
expect '^pod/web-0$' "the restricted user lists pods in team-a"
k --kubeconfig="$SIM_DIR/restricted" get secrets -n team-a && fail "secrets were allowed"
expect '^Error from server \(Forbidden\): secrets is forbidden: User "restricted" cannot list resource "secrets" in API group "" in the namespace "team-a"' \
	"kubectl's Forbidden message"
pass "a forbidden request gets kubectl's Forbidden message"

# auth can-i: a SelfSubjectAccessReview (protobuf) answered from the RBAC objects
k auth can-i list pods -n team-a || fail "admin can-i list pods: $(cat "$out")"
expect '^yes$' "admin may list pods"
k --kubeconfig="$SIM_DIR/restricted" auth can-i list pods -n team-a ||
	fail "restricted can-i list pods: $(cat "$out")"
expect '^yes$' "the restricted user may list pods in team-a"
k --kubeconfig="$SIM_DIR/restricted" auth can-i list secrets -n team-a &&
	fail "restricted can-i list secrets said yes"
expect '^no$' "the restricted user may not list secrets"
pass "kubectl auth can-i (yes, and no with exit 1)"

sim_stop || fail "kaic-sim did not stop cleanly"
pass "kaic-sim stopped on SIGTERM"
