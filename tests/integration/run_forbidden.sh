#!/bin/sh
# run_forbidden.sh: a 403 on a list the verdict depends on makes that requirement Error,
# never No. The reference scenario with the shipped kaic-passive ClusterRole, less its
# permission to list ResourceSlices: HW-1.1 must be Error with the Forbidden answer in its
# evidence, while an admin run of the same scenario finds the devices.
. "$TOP/tests/integration/lib.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
python3 -c 'import yaml' 2>/dev/null || skip "PyYAML is not installed"
ref=$TOP/sim/scenarios/reference
data=$TOP/tests/data/rbac-passive
[ -d "$ref" ] || skip "sim/scenarios/reference is absent"

scen=$(mktemp -d "${TMPDIR:-/tmp}/kaic-forbidden.XXXXXX")
trap 'sim_cleanup; rm -rf "$scen"' EXIT
cp -RL "$ref/." "$scen/"
mkdir -p "$scen/zz-kaic-rbac"
cp "$TOP/deploy/job/namespace.yaml" "$scen/zz-kaic-rbac/"
python3 - "$TOP/deploy/job/rbac-passive.yaml" "$scen/zz-kaic-rbac/rbac.yaml" \
	"$scen/scenario.yaml" "$data/scenario.yaml" <<'PY' || fail "cannot build the scenario"
import sys, yaml
src, dst, scen, extra = sys.argv[1:]
docs = [d for d in yaml.safe_load_all(open(src)) if d]
dropped = 0
for d in docs:
    for rule in d.get("rules") or []:
        res = rule.get("resources") or []
        if "resourceslices" in res:
            rule["resources"] = [r for r in res if r != "resourceslices"]
            dropped += 1
    if d.get("rules") is not None:
        d["rules"] = [r for r in d["rules"] if r.get("resources") != [] or r.get("nonResourceURLs")]
assert dropped, "kaic-passive grants no resourceslices rule to remove"
yaml.safe_dump_all(docs, open(dst, "w"), sort_keys=False)
doc = yaml.safe_load(open(scen)) or {}
doc["tokens"] = (doc.get("tokens") or []) + yaml.safe_load(open(extra))["tokens"]
yaml.safe_dump(doc, open(scen, "w"), sort_keys=False)
PY
sim_start "$scen" || fail "kaic-sim did not start"
token=$(python3 -c 'import sys, yaml; print([t["token"] for t in yaml.safe_load(open(sys.argv[1]))["tokens"] if t["user"] == "system:serviceaccount:kaic:kaic"][0])' "$data/scenario.yaml")
cat >"$SIM_DIR/sa.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: sim
  cluster: {server: "$SIM_URL", certificate-authority: "$SIM_CA"}
users:
- name: kaic
  user: {token: "$token"}
contexts:
- name: kaic
  context: {cluster: sim, user: kaic}
current-context: kaic
KC

verdict() { # results.json ID -> "VERDICT|evidence"
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
r = [r for r in d["requirements"] if r["id"] == sys.argv[2]][0]
print(r["verdict"] + "|" + " / ".join(r["evidence"]))' "$1" "$2"
}

"$KAIC" run --passive --no-color --focus HW-1.1 --output-dir "$SIM_DIR/admin" >/dev/null 2>&1
admin=$(verdict "$SIM_DIR/admin/results.json" HW-1.1) || fail "no admin results"
case $admin in Partial\|* | Full\|*) ;; *) fail "admin run: HW-1.1 $admin" ;; esac
pass "admin run: HW-1.1 ${admin%%|*}"

"$KAIC" run --passive --no-color --focus HW-1.1 --kubeconfig "$SIM_DIR/sa.kubeconfig" \
	--output-dir "$SIM_DIR/sa" >"$SIM_DIR/sa.out" 2>&1
rc=$?
grep -qE '^GET /apis/resource.k8s.io/[^ ]*resourceslices[^ ]* 403 ' "$SIM_LOG" ||
	fail "the ServiceAccount's list of resourceslices was not forbidden"
sa=$(verdict "$SIM_DIR/sa/results.json" HW-1.1) || fail "no results (exit $rc)"
case $sa in
Error\|*403*) pass "forbidden ResourceSlices: HW-1.1 Error with the 403 in its evidence" ;;
*) fail "forbidden ResourceSlices: HW-1.1 should be Error, got: $sa" ;;
esac
[ "$rc" -eq 3 ] || fail "exit status $rc, want 3 (an Error and no MUST failure)"
pass "exit status 3"
