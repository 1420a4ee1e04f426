#!/bin/sh
# tests/lab/wl21.sh: WL-2.1 decided by kaic's active test against kaic-agentd itself on
# the lab's real node: deploy/crds/agenttool.yaml and deploy/agentd/ (only the image
# changed), two replicas electing a leader. With them, WL-2.1 is active Full: kaic's MCP
# server pod answers, kaic-agentd marks its AgentTool Ready with the real tool list and
# serves it from the registry, read through the API server's Service proxy. With the
# controller scaled to 0 (the CRD alone) it is Partial. Nothing of kaic's run is left.
# Skips (77) without a lab, a real node or kaic's image (make image).
set -eu
. "$TOP/tests/lab/lib.sh"
lab_require
[ -f "$TOP/build/image/oci/index.json" ] || skip "kaic's image is missing (make image): kaic-agentd and the test pods run it"
work=$(mktemp -d "${TMPDIR:-/tmp}/lab-wl21.XXXXXX")
trap 'rm -rf "$work"' EXIT
k() { kubectl --kubeconfig "$LAB_KUBECONFIG" "$@"; }

lab_real_node
img=$KAIC_IMG

k apply -f "$TOP/deploy/crds/agenttool.yaml" >/dev/null || fail "cannot apply the AgentTool CRD"
k wait --for condition=Established --timeout=60s crd/agenttools.agents.kaic.io >/dev/null ||
	fail "the AgentTool CRD is not Established"
for m in namespace rbac service deployment; do
	echo ---
	sed "s|image: kaic:.*|image: $img|" "$TOP/deploy/agentd/$m.yaml"
done >"$work/agentd.yaml"
k apply -f "$work/agentd.yaml" >/dev/null || fail "cannot apply deploy/agentd/"
t0=$(date +%s)
k -n kaic-system rollout status deployment/kaic-agentd --timeout=180s >"$work/rollout.out" 2>&1 ||
	fail "kaic-agentd is not available: $(cat "$work/rollout.out"; k -n kaic-system get pods -o wide 2>&1)"
echo "kaic-agentd: 2 replicas available in $(($(date +%s) - t0))s"

# round NAME WANT: kaic run --focus WL-2.1 must end active WANT, with evidence
round() {
	start=$(date +%s)
	rc=0
	"$KAIC" run --kubeconfig "$LAB_KUBECONFIG" --focus WL-2.1 --image "$img" --timeout 2m \
		--output-dir "$work/$1" --no-color >"$work/$1.out" 2>&1 || rc=$?
	echo "$1: kaic run exit $rc in $(($(date +%s) - start))s"
	[ -s "$work/$1/results.json" ] || fail "$1: no results.json: $(tail -n 5 "$work/$1.out")"
	python3 - "$work/$1/results.json" "$2" "$1" <<'EOF' || fail "$1: WL-2.1 is not active $2 (above)"
import json, sys
path, want, name = sys.argv[1:4]
r = [r for r in json.load(open(path))["requirements"] if r["id"] == "WL-2.1"][0]
ev = r.get("evidence", [])
print("WL-2.1 %s: %s %s:\n  %s" % (name, r["mode"], r["verdict"], "\n  ".join(ev)))
sys.exit(0 if r["mode"] == "active" and r["verdict"] == want and ev else 1)
EOF
	left=$(lab_left '^namespace/kaic-[0-9a-f]' pods,services,agenttools)
	[ -z "$left" ] || fail "$1: left behind: $left"
}

round agentd Full
k -n kaic-system scale deployment/kaic-agentd --replicas=0 >/dev/null
k -n kaic-system wait --for=delete pod -l app.kubernetes.io/name=kaic-agentd --timeout=60s >/dev/null 2>&1 || true
round crd-alone Partial
k delete -f "$work/agentd.yaml" --wait=true >/dev/null 2>&1 || true
k delete -f "$TOP/deploy/crds/agenttool.yaml" --wait=true >/dev/null 2>&1 || true
pass "WL-2.1: Full with kaic-agentd on the real node, Partial with the CRD alone"
