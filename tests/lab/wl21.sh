#!/bin/sh
# tests/lab/wl21.sh: WL-2.1 decided by kaic's active test against the ai profile's
# kaic-agentd (docs/lab.md, "Profiles"): deploy/crds/agenttool.yaml and deploy/agentd/
# (only the image changed), two replicas on the real node electing a leader. With them,
# WL-2.1 is active Full: kaic's MCP server pod answers, kaic-agentd marks its AgentTool
# Ready with the real tool list and serves it from the registry, read through the API
# server's Service proxy. With the controller stopped (scripts/lab stop kaic-agentd:
# scaled to 0, the CRD alone) it is Partial, and Full again once it is back. Nothing of
# kaic's run is left. Skips (77) without a lab, on a lab of the bare profile, or without
# kaic's image.
set -eu
. "$TOP/tests/lab/lib.sh"
lab_ai_test wl21 kaic-agentd "the AgentTool controller kaic-agentd"
k() { kubectl --kubeconfig "$LAB_KUBECONFIG" "$@"; }

k -n kaic-system get deployment kaic-agentd -o jsonpath='{.status.availableReplicas}' >"$work/avail" ||
	fail "the ai profile has no kaic-agentd Deployment"
echo "kaic-agentd: $(cat "$work/avail") replicas available"

# round NAME WANT [TIMEOUT]: kaic run --focus WL-2.1 must end active WANT, with evidence
round() {
	start=$(date +%s)
	rc=0
	"$KAIC" run --kubeconfig "$LAB_KUBECONFIG" --focus WL-2.1 --image "$KAIC_IMG" --timeout "${3:-2m}" \
		--output-dir "$work/$1" --no-color >"$work/$1.out" 2>&1 || rc=$?
	echo "$1: kaic run exit $rc in $(($(date +%s) - start))s"
	[ -s "$work/$1/results.json" ] || fail "$1: no results.json: $(tail -n 5 "$work/$1.out")"
	python3 - "$work/$1/results.json" "$2" "$1" <<'PY' || fail "$1: WL-2.1 is not active $2 (above)"
import json, sys
path, want, name = sys.argv[1:4]
r = [r for r in json.load(open(path))["requirements"] if r["id"] == "WL-2.1"][0]
ev = r.get("evidence", [])
print("WL-2.1 %s: %s %s:\n  %s" % (name, r["mode"], r["verdict"], "\n  ".join(ev)))
sys.exit(0 if r["mode"] == "active" and r["verdict"] == want and ev else 1)
PY
	left=$(lab_left "$KAIC_NS" pods,services,agenttools)
	[ -z "$left" ] || fail "$1: left behind: $left"
}

round agentd Full
"$TOP/scripts/lab" stop kaic-agentd >/dev/null || fail "scripts/lab stop kaic-agentd failed"
# without a controller the test waits for its whole timeout: a shorter one
round crd-alone Partial 40s
"$TOP/scripts/lab" start kaic-agentd >/dev/null || fail "scripts/lab start kaic-agentd failed"
round agentd-again Full
pass "WL-2.1: Full with kaic-agentd on the real node, Partial with the CRD alone, Full again"
