#!/bin/sh
# tests/lab/netpol.sh: SEC-5.1 decided by kaic's active test on the lab's real node
# (docs/lab.md, "NetworkPolicy"): with kube-router's firewall the NetworkPolicies are
# enforced and the verdict is Full; with LAB_NETPOL=off nothing enforces them and it is
# No (the real form of kaic-sim's netpol-not-enforced scenario). Each round leaves no
# kaic object behind. The lab is reset with the real node and no kwok node, so that
# every test pod runs for real. Skips (77) without a lab or kaic's image (make image).
set -eu
. "$TOP/tests/lab/lib.sh"
lab_require
[ -f "$TOP/build/image/oci/index.json" ] || skip "kaic's image is missing (make image): the test pods run it"
work=$(mktemp -d "${TMPDIR:-/tmp}/lab-netpol.XXXXXX")
trap 'rm -rf "$work"' EXIT
timeout=${LAB_ACTIVE_TIMEOUT:-3m}
image="127.0.0.1:REGISTRY/kaic:$(cat "$TOP/VERSION")"

# round NETPOL WANT: the lab reset with LAB_NETPOL=NETPOL; kaic run --focus SEC-5.1
# must end WANT, with evidence, and leave nothing behind
round() {
	LAB_REAL_NODE=1 LAB_NETPOL=$1 lab_reset 0
	[ -d "$TOP/build/lab/run/node" ] || skip "this lab has no real node (started with LAB_REAL_NODE=0)"
	. "$TOP/build/lab/run/ports.env"
	img=$(echo "$image" | sed "s/REGISTRY/$REGISTRY_PORT/")
	start=$(date +%s)
	rc=0
	"$KAIC" run --kubeconfig "$LAB_KUBECONFIG" --focus SEC-5.1 --image "$img" --timeout "$timeout" \
		--output-dir "$work/$1" --no-color >"$work/$1.out" 2>&1 || rc=$?
	echo "netpol=$1: kaic run exit $rc in $(($(date +%s) - start))s"
	[ -s "$work/$1/results.json" ] || fail "netpol=$1: no results.json: $(tail -n 5 "$work/$1.out")"
	python3 - "$work/$1/results.json" "$2" "$1" <<'EOF' || fail "netpol=$1: SEC-5.1 is not $2 (above)"
import json, sys
path, want, netpol = sys.argv[1:4]
res = json.load(open(path))
r = [r for r in res["requirements"] if r["id"] == "SEC-5.1"][0]
ev = r.get("evidence", [])
print("SEC-5.1 netpol=%s: %s %s: %s" % (netpol, r["mode"], r["verdict"], " | ".join(ev)))
sys.exit(0 if r["mode"] == "active" and r["verdict"] == want and ev else 1)
EOF
	"$KAIC" cleanup --dry-run --kubeconfig "$LAB_KUBECONFIG" >"$work/$1.cleanup" 2>&1 || true
	ns=$(kubectl --kubeconfig "$LAB_KUBECONFIG" get ns -o name | grep -E "$KAIC_NS" || true)
	left=$(kubectl --kubeconfig "$LAB_KUBECONFIG" get pods,services,networkpolicies -A -l app.kubernetes.io/managed-by=kaic -o name)
	[ -z "$ns$left" ] || fail "netpol=$1: left behind: $ns $left"
	echo "netpol=$1: nothing left ($(head -n 1 "$work/$1.cleanup"))"
}

round on Full
round off No
# the lab as make lab starts it: the policy engine on
LAB_REAL_NODE=1 lab_reset 0
echo "netpol: SEC-5.1 Full with kube-router's firewall, No without it"
