#!/bin/sh
# manifests_valid.sh: everything `kaic manifests` prints (every object an active run
# creates) is a valid upstream object for Kubernetes 1.34 and 1.35, checked with
# ../shared/tools/validate-manifests; --focus narrows the output and --image reaches every
# pod; a bad --focus is a usage error. Custom resources are checked against the upstream
# CRDs of ../shared; only kinds it has none for fall back to the project's AgentTool CRD
# (deploy/crds) and the reference scenario's minimal CRDs (the Prometheus Operator's
# PodMonitor). Skips (77) without ../shared.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$TOP" || exit 1
shared="$TOP/../shared"
validate="$shared/tools/validate-manifests"
[ -x "$validate" ] || { echo "../shared/tools/validate-manifests is absent"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kaic-manifests.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

"$KAIC" manifests >"$tmp/all.yaml" 2>"$tmp/err" || { echo "FAIL: kaic manifests: $(cat "$tmp/err")"; exit 1; }

# The newest bundle of each project, as the validator picks them unless told otherwise
# (it narrows to --crds once any is given).
bundles=$(python3 - "$shared/schemas/crds" <<'PY'
import os, re, sys
root, newest = sys.argv[1], {}
for name in sorted(os.listdir(root)):
    m = re.match(r"^(.*?)(?:-v(\d+(?:\.\d+)*))?$", name)
    ver = tuple(int(x) for x in (m.group(2) or "0").split("."))
    if m.group(1) not in newest or ver > newest[m.group(1)][0]:
        newest[m.group(1)] = (ver, os.path.join(root, name))
print("\n".join(p for _, p in sorted(newest.values(), key=lambda x: x[1])))
PY
) || { echo "FAIL: cannot list ../shared/schemas/crds"; exit 1; }
set -- --crds sim/scenarios/reference --crds deploy/crds
for b in $bundles; do
	set -- "$@" --crds "$b"
done

fail=0
for k8s in 1.34 1.35; do
	if out=$("$validate" --k8s "$k8s" "$@" "$tmp/all.yaml" 2>&1); then
		echo "ok: Kubernetes $k8s: $(echo "$out" | tail -n 1)"
	else
		echo "FAIL: Kubernetes $k8s:"
		echo "$out" | sed 's/^/    /'
		fail=1
	fi
done

# The objects of every MUST requirement's active test, each with kaic's labels.
python3 - "$tmp/all.yaml" <<'PY' || fail=1
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = {d["kind"] for d in docs}
want = {"Namespace", "ResourceClaimTemplate", "Pod", "Service", "Gateway", "HTTPRoute",
        "PersistentVolumeClaim", "VolumeSnapshot", "NetworkPolicy", "PodMonitor", "AgentTool"}
bad = []
if want - kinds:
    bad.append(f"kinds missing: {sorted(want - kinds)}")
for d in docs:
    l = d["metadata"].get("labels", {})
    if l.get("app.kubernetes.io/managed-by") != "kaic" or l.get("kaic.io/run-id") != "manifests":
        bad.append(f"{d['kind']}/{d['metadata']['name']}: kaic's labels missing")
    # SEC-5.5's dry-run pods go to its own namespace
    home = "kaic-manifests-sig" if d["metadata"]["name"].startswith("sig-") else "kaic-manifests"
    if d["kind"] != "Namespace" and d["metadata"].get("namespace") != home:
        bad.append(f"{d['kind']}/{d['metadata']['name']}: not in kaic-manifests")
for b in bad:
    print("FAIL:", b)
print(f"ok: {len(docs)} objects of {len(kinds)} kinds, all labelled" if not bad else "")
sys.exit(1 if bad else 0)
PY

"$KAIC" manifests --focus sec-5.1 --image mirror.example/kaic:9 >"$tmp/sec.yaml" || fail=1
if grep -q '^kind: Gateway$' "$tmp/sec.yaml" || ! grep -q '^kind: NetworkPolicy$' "$tmp/sec.yaml"; then
	echo "FAIL: --focus SEC-5.1 printed the wrong objects"
	fail=1
elif grep 'image:' "$tmp/sec.yaml" | grep -qv 'mirror.example/kaic:9'; then
	echo "FAIL: --image did not reach every pod"
	fail=1
else
	echo "ok: --focus and --image"
fi
if "$KAIC" manifests --focus XX-9 >/dev/null 2>"$tmp/err"; then
	echo "FAIL: --focus XX-9 accepted"
	fail=1
elif [ $? -ne 2 ] || ! grep -q 'unknown requirement "XX-9"' "$tmp/err"; then
	echo "FAIL: --focus XX-9: $(cat "$tmp/err")"
	fail=1
else
	echo "ok: unknown --focus ID is a usage error"
fi
exit $fail
