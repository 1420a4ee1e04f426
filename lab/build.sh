#!/usr/bin/env bash
# Builds the lab's binaries from upstream Go modules into build/lab/bin/:
# kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy,
# etcd (module
# lab/k8s-<line>/) and kwok (module lab/kwok/). Go's build and module caches
# make a second build with nothing changed take seconds.
# usage: lab/build.sh            (LAB_K8S=1.34 picks the other line)
set -euo pipefail
cd "$(dirname "$0")/.."
. lab/versions.env
line=${LAB_K8S:-$LAB_K8S_DEFAULT}
var=K8S_${line/./_}; k8s=${!var:-}
var=ETCD_${line/./_}; etcd=${!var:-}
[[ -n $k8s && -n $etcd ]] || { echo "lab-build: no versions for LAB_K8S=$line in lab/versions.env" >&2; exit 2; }
command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
out=${LAB_DIR:-build/lab}/bin
mkdir -p "$out"
out=$(cd "$out" && pwd)
# the module's go.mod must name the pinned versions; regenerate when they moved
mod=lab/k8s-$line/go.mod
if ! grep -Eq "k8s.io/kubernetes $k8s( |\$)" "$mod" 2>/dev/null || ! grep -Eq "go.etcd.io/etcd/server/v3 $etcd( |\$)" "$mod"; then
  lab/gen-gomod.sh "$line"
fi
# version ldflags as upstream's hack/lib/version.sh sets them; buildDate is the
# release's commit time (not now) so that an unchanged build stays cached.
minor=${k8s#v1.}; minor=${minor%%.*}
bdate=$(cd "lab/k8s-$line" && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)
ld="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  ld+=" -X $pkg.gitVersion=$k8s -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$bdate"
done
# moddir DIR MODULE: where MODULE (of lab/DIR's go.mod) lies in the module cache,
# downloaded first: a cold cache holds only what a build has needed so far
moddir() {
  local d
  (cd "lab/$1" && go mod download "$2") || exit 1
  d=$(cd "lab/$1" && go list -m -f '{{.Dir}}' "$2")
  [ -n "$d" ] || { echo "lab-build: $2 is not in the module cache after go mod download" >&2; exit 1; }
  echo "$d"
}
t0=$(date +%s)
echo "lab-build: kubernetes $k8s, etcd $etcd -> $out"
(cd "lab/k8s-$line" && go build -trimpath -ldflags "$ld" -o "$out/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubelet \
  k8s.io/kubernetes/cmd/kube-proxy)
(cd "lab/k8s-$line" && go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3)
echo "lab-build: kwok $KWOK ($(( $(date +%s) - t0 ))s so far)"
grep -Eq "sigs.k8s.io/kwok $KWOK( |\$)" lab/kwok/go.mod || { echo "lab-build: lab/kwok/go.mod does not require kwok $KWOK (lab/versions.env)" >&2; exit 2; }
(cd lab/kwok && go build -trimpath -ldflags "-s -w" -o "$out/" sigs.k8s.io/kwok/cmd/kwok)
# kwok's configuration: the stages kwokctl gives it by default (node initialize,
# heartbeat with leases; pods ready, complete, delete), from the kwok module itself
stages=$(moddir kwok sigs.k8s.io/kwok)/kustomize/stage
{
  # a KwokConfiguration given in a file gets none of kwok's defaults: all of them here
  printf 'apiVersion: config.kwok.x-k8s.io/v1alpha1\nkind: KwokConfiguration\noptions:\n'
  printf '  nodeLeaseDurationSeconds: 40\n  nodeLeaseParallelism: 4\n  nodePlayStageParallelism: 4\n'
  printf '  podPlayStageParallelism: 4\n  podsOnNodeSyncParallelism: 1\n  enablePodsOnNodeSyncListPager: true\n'
  printf '  enablePodsOnNodeSyncStreamWatch: false\n  enableDebuggingHandlers: false\n  enableProfilingHandler: false\n'
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    printf -- '---\n'
    # node-initialize waits while scripts/lab load sets a node's status from a scenario
    # (annotation kaic.lab/loading), so that kwok keeps the scenario's node info
    awk '{ print } /^    matchExpressions:$/ && FILENAME ~ /node-initialize/ {
      print "    - key: '\''.metadata.annotations.\"kaic.lab/loading\"'\''"
      print "      operator: '\''DoesNotExist'\''" }' "$stages/$f"
  done
} > "$out/kwok.yaml.tmp" && mv "$out/kwok.yaml.tmp" "$out/kwok.yaml"
# the real node's components, each from its own module under lab/ (its go.mod must
# require the version lab/versions.env pins)
requires() { # DIR MODULE VERSION
  grep -Eq "^[[:space:]]*(require )?$2 $3( |\$)" "lab/$1/go.mod" ||
    { echo "lab-build: lab/$1/go.mod does not require $2 $3 (lab/versions.env)" >&2; exit 2; }
}
echo "lab-build: containerd $CONTAINERD ($(( $(date +%s) - t0 ))s so far)"
requires containerd github.com/containerd/containerd/v2 "$CONTAINERD"
cld="-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD"
# upstream's Makefile: no cgo for the shim, no btrfs snapshotter without cgo (overlayfs is used)
(cd lab/containerd && CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -ldflags "$cld" -o "$out/" \
  github.com/containerd/containerd/v2/cmd/containerd github.com/containerd/containerd/v2/cmd/ctr)
(cd lab/containerd && CGO_ENABLED=0 go build -trimpath -tags "urfave_cli_no_docs no_grpc" -ldflags "$cld" \
  -o "$out/" github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2)
echo "lab-build: registry $REGISTRY ($(( $(date +%s) - t0 ))s so far)"
requires registry github.com/distribution/distribution/v3 "$REGISTRY"
(cd lab/registry && CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X github.com/distribution/distribution/v3/version.version=$REGISTRY" \
  -o "$out/registry" github.com/distribution/distribution/v3/cmd/registry)
echo "lab-build: coredns $COREDNS ($(( $(date +%s) - t0 ))s so far)"
requires coredns github.com/coredns/coredns "$COREDNS"
(cd lab/coredns && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/coredns" github.com/coredns/coredns)
echo "lab-build: kube-router $KUBE_ROUTER ($(( $(date +%s) - t0 ))s so far)"
requires kube-router github.com/cloudnativelabs/kube-router/v2 "$KUBE_ROUTER"
(cd lab/kube-router && CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER" \
  -o "$out/kube-router" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router)
echo "lab-build: dra-example-driver $DRA_EXAMPLE ($(( $(date +%s) - t0 ))s so far)"
requires dra-example-driver sigs.k8s.io/dra-example-driver "$DRA_EXAMPLE"
(cd lab/dra-example-driver && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/" \
  sigs.k8s.io/dra-example-driver/cmd/dra-example-kubeletplugin)
echo "lab-build: traefik $TRAEFIK ($(( $(date +%s) - t0 ))s so far)"
requires traefik github.com/traefik/traefik/v3 "$TRAEFIK"
requires traefik sigs.k8s.io/gateway-api "$GATEWAY_API"
# Traefik's module has no webui/static: upstream's Makefile builds the web UI (yarn) before
# go build, and its go:embed needs the directory. So its Go source is copied under
# build/lab/traefik/src with a one-line page for a web UI, and built through a copy of
# lab/traefik/go.mod that replaces the module by that copy (-modfile: the committed go.mod
# stays as it is). Version ldflags as upstream's Makefile (BuildDate: the release's time).
tdir=$(cd "$out/.." && pwd)/traefik
tmod=$(moddir traefik github.com/traefik/traefik/v3)
if [ "$(cat "$tdir/src/.version" 2>/dev/null)" != "$TRAEFIK" ]; then
  rm -rf "$tdir/src"
  mkdir -p "$tdir/src/webui/static"
  cp -r "$tmod/cmd" "$tmod/pkg" "$tmod/go.mod" "$tmod/go.sum" "$tmod/LICENSE.md" "$tdir/src/"
  cp "$tmod/webui/embed.go" "$tdir/src/webui/"
  chmod -R u+w "$tdir/src"
  echo '<!-- kaic lab: Traefik built without its web UI -->' >"$tdir/src/webui/static/index.html"
  echo "$TRAEFIK" >"$tdir/src/.version"
fi
{ cat lab/traefik/go.mod; printf '\nreplace github.com/traefik/traefik/v3 => %s/src\n' "$tdir"; } >"$tdir/go.mod"
cp lab/traefik/go.sum "$tdir/go.sum"
tdate=$(cd lab/traefik && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' github.com/traefik/traefik/v3)
(cd lab/traefik && CGO_ENABLED=0 go build -modfile "$tdir/go.mod" -trimpath \
  -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK -X github.com/traefik/traefik/v3/pkg/version.BuildDate=$tdate" \
  -o "$out/traefik" github.com/traefik/traefik/v3/cmd/traefik)
# the Gateway API's standard channel CRDs, from the module Traefik is built against
gwapi=$(moddir traefik sigs.k8s.io/gateway-api)
for f in "$gwapi"/config/crd/standard/*.yaml; do printf -- '---\n'; cat "$f"; done >"$out/gateway-api-crds.yaml.tmp"
mv "$out/gateway-api-crds.yaml.tmp" "$out/gateway-api-crds.yaml"
lab/build-pause.sh "$line" "$out"
echo "lab-build: sonobuoy $SONOBUOY ($(( $(date +%s) - t0 ))s so far)"
lab/build-sonobuoy.sh "$out"
printf 'LAB_K8S=%s\nK8S=%s\nETCD=%s\nKWOK=%s\nCONTAINERD=%s\nREGISTRY=%s\nPAUSE=%s\nCOREDNS=%s\nKUBE_ROUTER=%s\nSONOBUOY=%s\nDRA_EXAMPLE=%s\nTRAEFIK=%s\nGATEWAY_API=%s\n' \
  "$line" "$k8s" "$etcd" "$KWOK" "$CONTAINERD" "$REGISTRY" "$PAUSE" "$COREDNS" "$KUBE_ROUTER" "$SONOBUOY" "$DRA_EXAMPLE" "$TRAEFIK" "$GATEWAY_API" > "$out/VERSIONS"
echo "lab-build: done in $(( $(date +%s) - t0 ))s"
