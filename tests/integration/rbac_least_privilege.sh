#!/bin/sh
# rbac_least_privilege.sh: the kaic-passive ClusterRole grants read verbs only (no create,
# update, patch, delete, deletecollection, escalate, bind, impersonate or wildcard) and no
# Secrets; kaic-active grants no wildcard, no Secrets, no RBAC or impersonation, update
# only on its heartbeat Lease (by name), and
# create exactly on the kinds `kaic manifests` prints (what active runs create); both are
# bound to the kaic ServiceAccount only. The deploy namespace does not carry the label
# `kaic cleanup` deletes by.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$TOP" || exit 1
python3 -c 'import yaml' 2>/dev/null || { echo "python3 with PyYAML is not installed"; exit 77; }

python3 - deploy/job/*.yaml <<'PY'
import sys, yaml

objs = [d for p in sys.argv[1:] for d in yaml.safe_load_all(open(p)) if d]
roles = {d["metadata"]["name"]: d for d in objs if d["kind"] == "ClusterRole"}
binds = [d for d in objs if d["kind"] in ("ClusterRoleBinding", "RoleBinding")]
errors = []

def check(name, allowed_verbs):
    role = roles.get(name)
    if role is None:
        errors.append(f"ClusterRole {name} is missing")
        return
    for i, r in enumerate(role["rules"]):
        where = f"{name} rule {i}"
        verbs = set(r.get("verbs", []))
        # the run's heartbeat Lease is renewed: update on that one name, nothing else
        if (name == "kaic-active" and r.get("resourceNames") == ["kaic-heartbeat"]
                and r.get("resources") == ["leases"]):
            verbs -= {"update"}
        if not verbs <= allowed_verbs:
            errors.append(f"{where}: verbs {sorted(verbs - allowed_verbs)} not allowed")
        for field in ("apiGroups", "resources", "nonResourceURLs", "resourceNames"):
            if "*" in r.get(field, []):
                errors.append(f"{where}: wildcard in {field}")
        res = set(r.get("resources", []))
        if "secrets" in res:
            errors.append(f"{where}: grants access to Secrets")
        if set(r.get("apiGroups", [])) & {"rbac.authorization.k8s.io", "authentication.k8s.io"}:
            errors.append(f"{where}: touches RBAC or authentication")
        if res & {"serviceaccounts/token", "pods/exec", "pods/attach", "nodes/proxy"}:
            errors.append(f"{where}: grants {sorted(res & {'serviceaccounts/token', 'pods/exec', 'pods/attach', 'nodes/proxy'})}")
        if "nonResourceURLs" in r and verbs != {"get"}:
            errors.append(f"{where}: non-resource URLs need get only")
        # Proxy subresources: GET only (metrics scraping), never the other verbs.
        if {"services/proxy", "pods/proxy"} & res and verbs != {"get"}:
            errors.append(f"{where}: proxy access beyond get")

READ = {"get", "list", "watch"}
check("kaic-passive", READ)
check("kaic-active", READ | {"create", "delete"})
for b in binds:
    subj = b.get("subjects", [])
    if subj != [{"kind": "ServiceAccount", "name": "kaic", "namespace": "kaic"}]:
        errors.append(f"binding {b['metadata']['name']}: subjects {subj}")
    if b["roleRef"]["name"] not in roles:
        errors.append(f"binding {b['metadata']['name']}: binds {b['roleRef']['name']}")
for e in errors:
    print("FAIL:", e)
if errors:
    sys.exit(1)
n = len(roles["kaic-passive"]["rules"])
print(f"ok: kaic-passive {n} read-only rules, kaic-active {len(roles['kaic-active']['rules'])} rules")
PY

# kaic-active creates exactly what the active tests create: every kind `kaic manifests`
# prints, and nothing else (a rule for a test that does not exist is excess privilege).
[ -x "${KAIC:-}" ] || { echo "KAIC is not set: cannot compare with kaic manifests"; exit 77; }
"$KAIC" manifests >"${TMPDIR:-/tmp}/kaic-manifests.$$.yaml" || { echo "FAIL: kaic manifests"; exit 1; }
python3 - "${TMPDIR:-/tmp}/kaic-manifests.$$.yaml" deploy/job/*.yaml <<'PY'
import sys, yaml

made = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
objs = [d for p in sys.argv[2:] for d in yaml.safe_load_all(open(p)) if d]

def plural(kind):
    k = kind.lower()
    if k.endswith("s"):
        return k + "es"
    return k[:-1] + "ies" if k.endswith("y") and k[-2] not in "aeiou" else k + "s"

need = {(d["apiVersion"].rpartition("/")[0], plural(d["kind"])) for d in made}
role = next(d for d in objs if d["kind"] == "ClusterRole" and d["metadata"]["name"] == "kaic-active")
grants = {(g, r) for rule in role["rules"] if "create" in rule["verbs"]
          for g in rule["apiGroups"] for r in rule["resources"]}
errors = [f"kaic-active cannot create {r} ({g or 'core'}), which an active test creates"
          for g, r in sorted(need - grants)]
errors += [f"kaic-active may create {r} ({g or 'core'}), which no active test creates"
           for g, r in sorted(grants - need)]
ns = next(d for d in objs if d["kind"] == "Namespace")
if (ns["metadata"].get("labels") or {}).get("app.kubernetes.io/managed-by") == "kaic":
    errors.append(f"namespace {ns['metadata']['name']} is labelled for kaic cleanup")
for e in errors:
    print("FAIL:", e)
if errors:
    sys.exit(1)
print(f"ok: kaic-active creates exactly the {len(need)} kinds of kaic manifests")
PY
rc=$?
rm -f "${TMPDIR:-/tmp}/kaic-manifests.$$.yaml"
exit $rc
