#!/bin/sh
# deploy_valid.sh: every manifest under deploy/ passes validate-manifests for Kubernetes
# 1.34 and 1.35 (AgentTool examples against deploy/crds), and the Sonobuoy plugin's
# container spec is a valid core/v1 Container. Skips (77) without ../shared.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$TOP" || exit 1
# Every image reference in deploy/ is this version's image (what `kaic images` prints).
version=$(cat VERSION)
bad=$(grep -rhoE 'image: *[^ ]+' deploy | grep -v "image: *kaic:$version\$" || true)
if [ -n "$bad" ]; then
	echo "FAIL: image references other than kaic:$version: $bad"
	exit 1
fi

validate="$TOP/../shared/tools/validate-manifests"
if [ ! -x "$validate" ]; then
	echo "../shared/tools/validate-manifests is absent"
	exit 77
fi
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kaic-deploy-valid.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
fail=0

# Manifests: YAML files under deploy/ except the Sonobuoy plugin definition (not a
# Kubernetes object); the examples in docs/examples are custom resources of deploy/crds.
manifests=$(find deploy -name '*.yaml' ! -path 'deploy/sonobuoy/*' | sort)
examples=$(find docs/examples -name '*.yaml' 2>/dev/null | sort)
[ -n "$manifests" ] || { echo "FAIL: no manifests under deploy/"; exit 1; }

# The plugin's container, wrapped in a Pod (the validator checks whole objects).
python3 - deploy/sonobuoy/kaic-plugin.yaml "$work/plugin-pod.yaml" <<'PY' || fail=1
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
cfg = d["sonobuoy-config"]
assert cfg["driver"] in ("Job", "DaemonSet"), cfg
assert cfg["plugin-name"] == "kaic" and cfg["result-format"] == "manual", cfg
c = d["spec"]
assert c["command"] == ["kaic"] and "--sonobuoy" in c["args"], c
assert any(m["mountPath"] == "/tmp/sonobuoy/results" for m in c["volumeMounts"]), c
pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kaic-plugin"},
       "spec": {"containers": [c], "restartPolicy": "Never",
                "volumes": [{"name": m["name"], "emptyDir": {}} for m in c["volumeMounts"]]}}
yaml.safe_dump(pod, open(sys.argv[2], "w"))
PY

for k in 1.34 1.35; do
	# shellcheck disable=SC2086
	"$validate" --k8s "$k" $manifests || fail=1
	# shellcheck disable=SC2086
	[ -z "$examples" ] || "$validate" --k8s "$k" --crds deploy/crds $examples || fail=1
	"$validate" --k8s "$k" "$work/plugin-pod.yaml" || fail=1
	# the AgentTool schema rejects what it should: a bad protocol, an unknown field
	printf 'apiVersion: agents.kaic.io/v1alpha1\nkind: AgentTool\nmetadata: {name: bad, namespace: default}\nspec: {protocol: FTP, bogus: 1, endpoint: {url: "http://x"}}\n' \
		>"$work/bad-agenttool.yaml"
	if "$validate" --k8s "$k" --crds deploy/crds "$work/bad-agenttool.yaml" >"$work/bad.out" 2>&1; then
		echo "FAIL: an AgentTool with protocol FTP and an unknown field validated"
		fail=1
	elif ! grep -q "spec.protocol" "$work/bad.out" || ! grep -q "spec.bogus" "$work/bad.out"; then
		cat "$work/bad.out"
		fail=1
	fi
done

# Pods that kaic's manifests run meet the restricted Pod Security Standard.
python3 - $manifests "$work/plugin-pod.yaml" <<'PY' || fail=1
import sys, yaml
bad = []
for path in sys.argv[1:]:
    for d in yaml.safe_load_all(open(path)):
        if not d or d.get("kind") not in ("Job", "Pod", "Deployment"):
            continue
        spec = d["spec"] if d["kind"] == "Pod" else d["spec"]["template"]["spec"]
        psc = spec.get("securityContext", {})
        for c in spec["containers"]:
            sc = c.get("securityContext", {})
            nonroot = sc.get("runAsNonRoot", psc.get("runAsNonRoot"))
            seccomp = sc.get("seccompProfile", psc.get("seccompProfile", {})).get("type")
            if not (nonroot and sc.get("allowPrivilegeEscalation") is False
                    and sc.get("capabilities", {}).get("drop") == ["ALL"]
                    and seccomp in ("RuntimeDefault", "Localhost")):
                bad.append(f"{path}: {d['kind']}/{d['metadata']['name']} container {c['name']}")
for b in bad:
    print("not restricted:", b)
sys.exit(1 if bad else 0)
PY

# kaic-agentd (deploy/agentd): what docs/agenttool.md promises of its deployment.
python3 - deploy/agentd/*.yaml <<'PY' || fail=1
import sys, yaml
objs = {}
for path in sys.argv[1:]:
    for d in yaml.safe_load_all(open(path)):
        if d:
            objs[(d["kind"], d["metadata"]["name"])] = d
bad = []
dep = objs[("Deployment", "kaic-agentd")]
pod = dep["spec"]["template"]["spec"]
c = pod["containers"][0]
if dep["spec"]["replicas"] != 2 or c["command"] != ["kaic-agentd"] or "--leader-elect" not in c["args"]:
    bad.append("Deployment: 2 replicas of kaic-agentd --leader-elect")
if c["securityContext"].get("readOnlyRootFilesystem") is not True:
    bad.append("Deployment: read-only root filesystem")
if c["livenessProbe"]["httpGet"]["path"] != "/healthz" or c["readinessProbe"]["httpGet"]["path"] != "/readyz":
    bad.append("Deployment: probes on /healthz and /readyz")
svc = objs[("Service", "kaic-agentd")]
if svc["metadata"]["labels"].get("agents.kaic.io/registry") != "true":
    bad.append("Service: label agents.kaic.io/registry=true")
if {p["name"]: p["port"] for p in svc["spec"]["ports"]} != {"registry": 8080, "metrics": 8081}:
    bad.append("Service: ports registry 8080 and metrics 8081")
if ("PodDisruptionBudget", "kaic-agentd") not in objs:
    bad.append("no PodDisruptionBudget")
# least privilege: no wildcards, status written only through the subresource, Secrets only read
for kind in ("ClusterRole", "Role"):
    for r in objs[(kind, "kaic-agentd")]["rules"]:
        if "*" in r["verbs"] or "*" in r["resources"] or "*" in r["apiGroups"]:
            bad.append(f"{kind}: wildcard in {r}")
        if "agenttools" in r["resources"] and set(r["verbs"]) - {"get", "list", "watch"}:
            bad.append(f"{kind}: writes agenttools beyond status: {r}")
        if "secrets" in r["resources"] and r["verbs"] != ["get"]:
            bad.append(f"{kind}: secrets beyond get: {r}")
for b in bad:
    print("deploy/agentd:", b)
sys.exit(1 if bad else 0)
PY

[ $fail -eq 0 ] || { echo "FAIL"; exit 1; }
echo "ok: $(echo "$manifests" | wc -l) manifest files, $(echo "$examples" | wc -w) examples, plugin container"
