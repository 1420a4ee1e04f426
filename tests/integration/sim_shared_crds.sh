#!/bin/sh
# sim_shared_crds: every upstream CRD under ../shared/schemas/crds applies to kaic-sim
# with kubectl (the server serving ../shared's OpenAPI documents), and kubectl lists the
# resources each defines. Skips when ../shared is absent.
. "$TOP/tests/integration/lib.sh"
shared=$TOP/../shared/schemas
[ -d "$shared/crds" ] || skip "../shared/schemas/crds is absent"
command -v kubectl >/dev/null || skip "kubectl is not installed"

openapi=
[ -d "$shared/kubernetes/1.34" ] && openapi="--openapi $shared/kubernetes/1.34"
# shellcheck disable=SC2086 # openapi is two words or none
sim_start "$TOP/tests/data/sim-basic" $openapi || fail "kaic-sim did not start"

if [ -n "$openapi" ]; then
	sim_curl "$SIM_URL/openapi/v3" | jq -e '.paths["apis/apps/v1"].serverRelativeURL |
		startswith("/openapi/v3/apis/apps/v1?hash=")' >/dev/null || fail "/openapi/v3 index"
	sim_curl "$SIM_URL/openapi/v3/apis/apps/v1" | cmp -s - "$shared/kubernetes/1.34/apis/apps/v1.json" ||
		fail "/openapi/v3/apis/apps/v1 differs from the file"
	pass "/openapi/v3 serves ../shared/schemas/kubernetes/1.34"
fi

files=$(find "$shared/crds" -name '*.yaml' -o -name '*.yml' -o -name '*.json' | sort)
[ -n "$files" ] || fail "no CRD files found"
n=0
for f in $files; do
	kubectl apply -f "$f" >"$SIM_DIR/out" 2>&1 || fail "apply $f: $(cat "$SIM_DIR/out")"
	n=$((n + 1))
done
pass "$n CRD files applied"

# every CRD in the server: its resource is served and listed
kubectl get crds -o 'jsonpath={range .items[*]}{.spec.names.plural}.{.spec.group}{"\n"}{end}' \
	>"$SIM_DIR/crds" || fail "get crds"
grep -v '^widgets\.example\.com$' "$SIM_DIR/crds" >"$SIM_DIR/listed"
while read -r r; do
	kubectl get "$r" -A >"$SIM_DIR/out" 2>&1 || fail "kubectl get $r: $(cat "$SIM_DIR/out")"
done <"$SIM_DIR/listed"
m=$(wc -l <"$SIM_DIR/listed")
# shellcheck disable=SC2086 # one word per file
want=$(cat $files | grep -c '^kind: CustomResourceDefinition')
# shellcheck disable=SC2086
distinct=$(cat $files | awk '/^kind: CustomResourceDefinition/{c=1} c && /^  name: /{print $2; c=0}' |
	sort -u | wc -l)
[ "$m" -eq "$distinct" ] || fail "$m CRDs in the server, want $distinct (of $want documents)"
pass "kubectl get works for all $m resources"
sim_stop || fail "kaic-sim did not stop cleanly"
