#!/bin/bash
# kubectl_diff: the kubectl acceptance commands of tests/integration/sim_kubectl.sh (and
# create, get -o json/yaml/wide, scale, auth can-i, explain, get events), run once
# against kaic-sim and once against the lab, both loaded with tests/data/sim-basic.
# Each command must give the same exit status and the same output modulo names, times
# and uids (compare.py kubectl); a difference listed in known-deviations.txt is reported
# as KNOWN and does not fail the test.
. "$TOP/tests/lab/lib.sh"
lab_require
work=$(mktemp -d "${TMPDIR:-/tmp}/lab-kubectl.XXXXXX")
trap 'sim_cleanup; rm -rf "$work"' EXIT
scenario=$TOP/tests/data/sim-basic
schemas=$TOP/../shared/schemas/kubernetes/1.35

cat >"$work/app.yaml" <<'EOF'
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

# suite DIR KUBECONFIG RESTRICTED_KUBECONFIG: every command's exit status and output
suite() {
	d=$1 kc=$2 rkc=$3
	mkdir -p "$d"
	: >"$d/commands"
	c() { # ID ARGS...: kubectl ARGS with the admin kubeconfig
		id=$1
		shift
		echo "$id $*" >>"$d/commands"
		kubectl --kubeconfig "$kc" --request-timeout=20s "$@" >"$d/$id.out" 2>&1
		echo $? >"$d/$id.rc"
	}
	r() { # ID ARGS...: kubectl ARGS as the restricted user
		id=$1
		shift
		echo "$id (restricted) $*" >>"$d/commands"
		kubectl --kubeconfig "$rkc" --request-timeout=20s "$@" >"$d/$id.out" 2>&1
		echo $? >"$d/$id.rc"
	}
	c get-nodes get nodes
	c get-nodes-wide get nodes -o wide
	c api-resources api-resources
	c api-resources-dra api-resources --api-group=resource.k8s.io
	c get-widgets get widgets -n team-a
	c get-widget-jsonpath get wd blue-widget -n team-a -o 'jsonpath={.spec.color}/{.spec.size}'
	c get-widget-yaml get wd blue-widget -n team-a -o yaml
	c create-namespace create namespace lab-diff
	c create-configmap create configmap cm1 -n team-a --from-literal=a=b
	c create-deployment create deployment dep1 -n team-a --image=registry.example.com/app:1.0
	c apply apply -f "$work/app.yaml"
	c apply-again apply -f "$work/app.yaml"
	c get-configmap-json get configmap app-config -n team-a -o json
	c get-configmap-yaml get configmap app-config -n team-a -o yaml
	c get-pod-json get pod web-0 -n team-a -o json
	c get-pods-wide get pods -n team-a -o wide
	c patch-merge patch configmap app-config -n team-a --type merge -p '{"data":{"level":"debug"}}'
	c patch-strategic patch deployment app -n team-a -p '{"spec":{"replicas":3}}'
	c patch-json patch deployment app -n team-a --type json \
		-p '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"x:2"}]'
	c get-patched get deployment app -n team-a -o 'jsonpath={.spec.replicas}/{.spec.template.spec.containers[0].image}'
	c label label configmap app-config -n team-a tier=gold
	c get-labelled get configmaps -n team-a -l tier=gold -o name
	c scale scale deployment app -n team-a --replicas=1
	c get-scaled get deployment app -n team-a -o 'jsonpath={.spec.replicas}'
	# the lab's controllers and kwok: a ReplicaSet and a Running pod
	c deploy-rollout-wait wait --for=condition=Available deployment/app -n team-a --timeout=20s
	c deploy-rollout-wide get deployment app -n team-a -o wide
	c deploy-rollout-rs get replicasets -n team-a -l app=app -o name
	c deploy-rollout-pods get pods -n team-a -l app=app --field-selector=status.phase=Running -o name
	c delete delete configmap app-config -n team-a
	c get-deleted get configmap app-config -n team-a
	kubectl --kubeconfig "$kc" get pods -n team-a --watch -o name --request-timeout=20s \
		>"$d/watch.out" 2>"$d/watch.err" &
	watcher=$!
	i=0
	until grep -q '^pod/web-0$' "$d/watch.out" || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.1; done
	c run run watched -n team-a --image=registry.example.com/busybox:1 --restart=Never
	i=0
	until grep -q '^pod/watched$' "$d/watch.out" || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.1; done
	kill "$watcher" 2>/dev/null
	wait "$watcher" 2>/dev/null
	echo "watch-added (watch) get pods --watch -o name" >>"$d/commands"
	grep -c '^pod/watched$' "$d/watch.out" | sed 's/^[1-9][0-9]*$/seen/' >"$d/watch-added.out"
	echo 0 >"$d/watch-added.rc"
	c delete-pod delete pod watched -n team-a --wait=false
	c wait-delete wait --for=delete pod/watched -n team-a --timeout=30s
	c chunked get pods -n load-000 --chunk-size=50 --no-headers -o name
	wc -l <"$d/chunked.out" >"$d/chunked.out.n" && mv "$d/chunked.out.n" "$d/chunked.out"
	c auth-can-i-admin auth can-i list pods -n team-a
	r auth-can-i-restricted-pods auth can-i list pods -n team-a
	r auth-can-i-restricted-secrets auth can-i list secrets -n team-a
	r restricted-get-pods get pods -n team-a -o name
	r restricted-forbidden get secrets -n team-a
	c explain explain pods.spec.containers.image
	c get-events get events -n team-a
	c get-raw-version-keys get --raw /version
	python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1]))))' "$d/get-raw-version-keys.out" \
		>"$d/keys" 2>&1 && mv "$d/keys" "$d/get-raw-version-keys.out"
}

# kaic-sim: the restricted user is its token; openapi from ../shared when present
args=""
[ -d "$schemas" ] && args="--openapi $schemas"
# shellcheck disable=SC2086
sim_start "$scenario" $args || fail "kaic-sim did not start"
server=$(kubectl config view --minify -o 'jsonpath={.clusters[0].cluster.server}')
kubectl config --kubeconfig="$work/sim-restricted" set-cluster sim --server="$server" \
	--certificate-authority="$SIM_CA" --embed-certs=true >/dev/null
kubectl config --kubeconfig="$work/sim-restricted" set-credentials restricted \
	--token=restricted-token-0123456789 >/dev/null
kubectl config --kubeconfig="$work/sim-restricted" set-context sim --cluster=sim --user=restricted >/dev/null
kubectl config --kubeconfig="$work/sim-restricted" use-context sim >/dev/null
suite "$work/sim" "$KUBECONFIG" "$work/sim-restricted"
sim_stop || fail "kaic-sim did not stop"

# the lab: the restricted user is a client certificate (CN=restricted, O=team-a-readers)
lab_versions "$scenario"
lab_reset 0
lab_load "$scenario" "$work/load.json"
pki=$TOP/build/lab/run/pki
openssl genrsa -out "$work/r.key" 2048 2>/dev/null
openssl req -new -key "$work/r.key" -subj "/O=team-a-readers/CN=restricted" -out "$work/r.csr" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' >"$work/r.ext"
openssl x509 -req -in "$work/r.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
	-days 1 -extfile "$work/r.ext" -out "$work/r.crt" 2>/dev/null || fail "cannot sign the restricted cert"
server=$(kubectl --kubeconfig "$LAB_KUBECONFIG" config view --minify -o 'jsonpath={.clusters[0].cluster.server}')
kubectl config --kubeconfig="$work/lab-restricted" set-cluster lab --server="$server" \
	--certificate-authority="$pki/ca.crt" --embed-certs=true >/dev/null
kubectl config --kubeconfig="$work/lab-restricted" set-credentials restricted \
	--client-certificate="$work/r.crt" --client-key="$work/r.key" --embed-certs=true >/dev/null
kubectl config --kubeconfig="$work/lab-restricted" set-context lab --cluster=lab --user=restricted >/dev/null
kubectl config --kubeconfig="$work/lab-restricted" use-context lab >/dev/null
suite "$work/lab" "$LAB_KUBECONFIG" "$work/lab-restricted"

python3 "$TOP/tests/lab/compare.py" kubectl "$work/sim" "$work/lab" ||
	fail "kubectl differs beyond tests/lab/known-deviations.txt (DEVIATION lines above)"
pass "kubectl gives the same exit status and output on kaic-sim and the lab, or known differences"
