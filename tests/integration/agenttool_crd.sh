#!/bin/sh
# agenttool_crd.sh: deploy/crds/agenttool.yaml applies to kaic-sim with the real kubectl,
# its API is served (agents.kaic.io/v1alpha1 agenttools, namespaced, short name atool),
# the examples apply, and a controller's status goes through the status subresource.
# The reference scenario's copy of the CRD is this one. (Schema enforcement of custom
# resources is checked by deploy_valid.sh with validate-manifests: kaic-sim stores
# custom resources without validating them.)
. "$TOP/tests/integration/lib.sh"
command -v kubectl >/dev/null 2>&1 || skip "kubectl is not installed"
[ -d "$TOP/sim/scenarios/vanilla" ] || skip "no kaic-sim scenario (sim/scenarios/vanilla) to run against"
# vanilla with kaic-sim's AgentTool controller off: this test plays the controller and
# writes the status itself
scenario=$(mktemp -d "${TMPDIR:-/tmp}/kaic-atool.XXXXXX") || exit 1
trap 'sim_cleanup; rm -rf "$scenario"' EXIT
cp -RL "$TOP/sim/scenarios/vanilla/." "$scenario/" || fail "cannot copy the vanilla scenario"
printf 'controllers:\n  agenttool: {enabled: false}\n' >>"$scenario/scenario.yaml"
crd=$TOP/deploy/crds/agenttool.yaml
ref=$TOP/sim/scenarios/reference/agenttool-crd.yaml
if [ -f "$ref" ]; then
	cmp -s "$crd" "$ref" || fail "sim/scenarios/reference/agenttool-crd.yaml differs from deploy/crds/agenttool.yaml"
	pass "the reference scenario carries this CRD"
fi
# The printer columns point at fields the schema defines.
python3 - "$crd" <<'PY' || fail "printer columns name fields the schema lacks"
import re, sys, yaml
crd = yaml.safe_load(open(sys.argv[1]))
v = crd["spec"]["versions"][0]
schema = v["schema"]["openAPIV3Schema"]
for col in v["additionalPrinterColumns"]:
    node = schema
    for part in re.sub(r"\[.*?\]", "", col["jsonPath"]).strip(".").split("."):
        if part == "metadata":
            break
        node = node.get("properties", {}).get(part) or node.get("items", {}).get("properties", {}).get(part)
        assert node is not None, f"{col['name']}: {col['jsonPath']}"
print("printer columns ok")
PY
sim_start "$scenario" || fail "kaic-sim did not start"
out=$SIM_DIR/out

kubectl apply -f "$crd" >"$out" 2>&1 || fail "kubectl apply the CRD: $(cat "$out")"
kubectl wait --for=condition=Established crd/agenttools.agents.kaic.io --timeout=30s >"$out" 2>&1 ||
	fail "the CRD is not Established: $(cat "$out")"
kubectl api-resources --api-group=agents.kaic.io --no-headers >"$out" 2>&1 ||
	fail "api-resources: $(cat "$out")"
grep -qE '^agenttools +atool +agents.kaic.io/v1alpha1 +true +AgentTool' "$out" ||
	fail "agenttools not served as expected: $(cat "$out")"
pass "CRD applied and served: $(tr -s ' ' <"$out")"

kubectl apply -f "$TOP/docs/examples/agenttool.yaml" >"$out" 2>&1 ||
	fail "kubectl apply the examples: $(cat "$out")"
[ "$(kubectl get atool -n default --no-headers 2>/dev/null | wc -l)" -eq 2 ] ||
	fail "kubectl get atool: $(kubectl get atool -n default 2>&1)"
pass "examples applied"

# A controller reports through the status subresource; the main resource ignores status.
status='{"status":{"observedGeneration":1,"endpoint":"http://weather-mcp.default.svc:8080/mcp",
 "conditions":[{"type":"Registered","status":"True","reason":"Registered","message":"ok",
 "lastTransitionTime":"2025-06-01T10:00:00Z"}]}}'
kubectl patch agenttool weather -n default --subresource=status --type=merge -p "$status" \
	>"$out" 2>&1 || fail "status patch: $(cat "$out")"
got=$(kubectl get agenttool weather -n default \
	-o 'jsonpath={.status.conditions[?(@.type=="Registered")].status} {.status.endpoint}')
[ "$got" = "True http://weather-mcp.default.svc:8080/mcp" ] || fail "status after patch: \"$got\""
pass "status written through the status subresource: $got"

sim_stop || fail "kaic-sim did not stop cleanly"
