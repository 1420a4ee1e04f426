# rbac_lib.sh: shell functions for the tests that run kaic with the shipped RBAC (source
# it after lib.sh; not a test itself, so not executable).
#
# rbac_scenario FILE...   builds a scenario (printed: its directory) from the reference
#                         one, the given RBAC manifests and the tokens of
#                         tests/data/rbac-passive/scenario.yaml; the caller removes it.
# rbac_token USER         the test token of that user.
# rbac_kubeconfig TOKEN F writes a kubeconfig for the running kaic-sim with that token.

rbac_scenario() {
	scen=$(mktemp -d "${TMPDIR:-/tmp}/kaic-rbac-scenario.XXXXXX") || return 1
	cp -RL "$TOP/sim/scenarios/reference/." "$scen/" || return 1
	mkdir -p "$scen/zz-kaic-rbac"
	cp "$@" "$scen/zz-kaic-rbac/" || return 1
	python3 - "$scen/scenario.yaml" "$TOP/tests/data/rbac-passive/scenario.yaml" <<'PY' || return 1
import sys, yaml
path, extra = sys.argv[1], sys.argv[2]
doc = yaml.safe_load(open(path)) or {}
doc["tokens"] = (doc.get("tokens") or []) + yaml.safe_load(open(extra))["tokens"]
yaml.safe_dump(doc, open(path, "w"), sort_keys=False)
PY
	echo "$scen"
}

rbac_token() {
	python3 -c 'import sys, yaml; print([t["token"] for t in yaml.safe_load(open(sys.argv[1]))["tokens"] if t["user"] == sys.argv[2]][0])' \
		"$TOP/tests/data/rbac-passive/scenario.yaml" "$1"
}

rbac_kubeconfig() {
	cat >"$2" <<KC
apiVersion: v1
kind: Config
clusters:
- name: sim
  cluster:
    server: $SIM_URL
    certificate-authority: $SIM_CA
users:
- name: kaic
  user:
    token: $1
contexts:
- name: kaic
  context: {cluster: sim, user: kaic}
current-context: kaic
KC
}
