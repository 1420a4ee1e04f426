#!/bin/sh
# tests/lab/sonobuoy.sh: kaic's plugin run by the real Sonobuoy (built from its Go module,
# lab/build-sonobuoy.sh) on the lab's real node: `sonobuoy run --plugin
# deploy/sonobuoy/kaic-plugin.yaml` with only the image reference changed, `sonobuoy
# retrieve`, `sonobuoy results`. The results must hold the 18 requirements as items
# whose statuses agree with kaic's own results.json in the same tarball, the test pods
# must have run the plugin's image, and nothing of kaic or Sonobuoy may be left after
# `sonobuoy delete`. Skips (77) without a lab, a real node, Sonobuoy's build or kaic's
# image.
set -eu
. "$TOP/tests/lab/lib.sh"
lab_require
SB_BIN=$TOP/build/lab/bin/sonobuoy
[ -x "$SB_BIN" ] || skip "Sonobuoy is not built (make lab-build)"
[ -f "$TOP/build/lab/images/sonobuoy/index.json" ] || skip "Sonobuoy's image is not built (make lab-build)"
[ -f "$TOP/build/image/oci/index.json" ] || skip "kaic's image is missing (make image): the plugin runs it"
work=$(mktemp -d "${TMPDIR:-/tmp}/lab-sonobuoy.XXXXXX")
trap 'rm -rf "$work"' EXIT
k() { kubectl --kubeconfig "$LAB_KUBECONFIG" "$@"; }
sb() { "$SB_BIN" --kubeconfig "$LAB_KUBECONFIG" "$@"; }

lab_real_node
. "$TOP/lab/versions.env"
reg=127.0.0.1:$REGISTRY_PORT
img=$KAIC_IMG
sed "s|^  image: kaic:.*|  image: $img|" "$TOP/deploy/sonobuoy/kaic-plugin.yaml" >"$work/kaic-plugin.yaml"
diff "$TOP/deploy/sonobuoy/kaic-plugin.yaml" "$work/kaic-plugin.yaml" | grep -c '^>' | grep -qx 1 ||
	fail "the plugin's image line was not changed exactly once"

# Sonobuoy's preflight looks for DNS pods in kube-system; the lab's CoreDNS is a process
# on the node, not a pod, so the check is skipped (DNS itself works: tests/lab/node.sh)
echo "LAB-LIMIT: sonobuoy run --skip-preflight: the lab's CoreDNS runs as a process, not a kube-system pod"
start=$(date +%s)
sb run --skip-preflight --plugin "$work/kaic-plugin.yaml" --sonobuoy-image "$reg/sonobuoy:$SONOBUOY" \
	--image-pull-policy IfNotPresent --wait=20 >"$work/run.out" 2>&1 ||
	fail "sonobuoy run failed: $(tail -n 20 "$work/run.out"; sb status 2>&1; k -n sonobuoy get pods -o wide 2>&1)"
echo "sonobuoy run --wait: $(($(date +%s) - start))s"
sb status >"$work/status.out" 2>&1 || true
cat "$work/status.out"
tarball=$(sb retrieve "$work") || fail "sonobuoy retrieve failed"
[ -f "$tarball" ] || fail "sonobuoy retrieve gave no tarball ($tarball)"
echo "retrieved $(basename "$tarball")"
"$SB_BIN" results "$tarball" --plugin kaic >"$work/summary.out" 2>&1 || fail "sonobuoy results failed: $(cat "$work/summary.out")"
cat "$work/summary.out"
"$SB_BIN" results "$tarball" --plugin kaic --mode detailed >"$work/detailed.out" 2>&1 ||
	fail "sonobuoy results --mode detailed failed: $(cat "$work/detailed.out")"
mkdir "$work/x"
tar -xzf "$tarball" -C "$work/x"
res=$(find "$work/x/plugins/kaic/results" -name results.json | head -n 1)
[ -n "$res" ] || fail "kaic's results.json is not in the tarball: $(find "$work/x/plugins/kaic" | head -n 20)"
python3 - "$work/detailed.out" "$res" <<'EOF' || fail "Sonobuoy's items disagree with kaic's results.json (above)"
import json, sys
detailed, results = sys.argv[1:3]
items = {}
for line in open(detailed):
    line = line.strip()
    if not line:
        continue
    d = json.loads(line)
    name = d.get("name", "")
    rid = name.split(" ")[0]
    items[rid] = d.get("status")
res = json.load(open(results))
reqs = {r["id"]: r for r in res["requirements"]}
# kaic's mapping (docs/sonobuoy.md, "Status mapping"), without --strict
def status(r):
    v, must = r["verdict"], r["level"] == "MUST"
    if v == "Full":
        return "passed"
    if v in ("Partial", "No"):
        return "failed" if must else "passed"
    if v == "Skipped":
        return "unknown" if must else "skipped"
    return "unknown"
want = {rid: status(r) for rid, r in reqs.items()}
bad = 0
found = [rid for rid in items if rid in reqs]
print("%d requirement items in Sonobuoy's results, %d in results.json" % (len(found), len(reqs)))
for rid in sorted(reqs):
    got = items.get(rid)
    mark = "ok" if got == want[rid] else "MISMATCH"
    if got != want[rid]:
        bad += 1
    print("  %-8s %-8s %-7s sonobuoy=%s %s" % (rid, reqs[rid]["verdict"], reqs[rid]["mode"], got, mark))
# SEC-5.1's active test needs the real node and the policy engine: it ran in the plugin
sec = reqs.get("SEC-5.1", {})
if (sec.get("mode"), sec.get("verdict")) != ("active", "Full"):
    print("SEC-5.1 is not active Full: %s" % sec.get("evidence"))
    bad += 1
sys.exit(1 if bad or len(found) != 18 or len(reqs) != 18 else 0)
EOF
# the plugin's log (Sonobuoy collects its pods' logs): the test pods ran the plugin's image
pods_img=$(grep -rh "test pods run" "$work/x" 2>/dev/null | head -n 1 || true)
echo "plugin log: ${pods_img:-no such line}"
case $pods_img in *"test pods run $img (this pod's image"*) ;;
*) fail "the plugin's test pods did not run its image $img" ;;
esac
sb delete --wait >"$work/delete.out" 2>&1 || fail "sonobuoy delete failed: $(cat "$work/delete.out")"
left=$(lab_left '^namespace/(kaic-[0-9a-f]{8}(-sig)?|sonobuoy)$' pods,services,networkpolicies,jobs)
[ -z "$left" ] || fail "left behind: $left"
echo "sonobuoy: run, retrieve, results: $(($(date +%s) - start))s in all; nothing left"
pass "Sonobuoy $SONOBUOY ran kaic's plugin; its 18 items agree with results.json"
