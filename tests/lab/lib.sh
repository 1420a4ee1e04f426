# shellcheck shell=sh
# tests/lab/lib.sh: helpers for the differential tests (kaic-sim against the lab).
# Source it after setting TOP, KAIC, KAIC_SIM (tests/lab/run.sh exports them):
#
#   lab_require               skip (exit 77) unless a lab answers at $LAB_KUBECONFIG
#   lab_reset [NODES [static]] the same lab with an empty store and NODES kwok nodes (0);
#                             static: without workload controllers (a scenario snapshot);
#                             no real node unless LAB_REAL_NODE=1
#   lab_versions DIR          LAB_RESOURCE_VERSIONS as scenario DIR serves resource.k8s.io
#   lab_load DIR REPORT       scripts/lab load DIR, report of what it could not represent
#   known_as KEY              the category (sim or lab) known-deviations.txt gives KEY
#   lab_real_node             the lab reset with its real node and no kwok node (skip
#                             without one); REGISTRY_PORT, and KAIC_IMG: kaic's image in
#                             the lab's registry, by digest
#   lab_left NS_RE RESOURCES  kaic's namespaces matching NS_RE and its labelled objects of
#                             RESOURCES (kubectl's comma list), or nothing; KAIC_NS is
#                             the NS_RE of a run's namespaces (kaic-RUNID, kaic-RUNID-sig;
#                             not the ai profile's kaic-system)
#   lab_ai_test NAME COMPONENT WHAT
#                             for a test of the ai profile's COMPONENT (WHAT names it):
#                             lab_require, skips without kaic's image or on the bare
#                             profile, makes $work (removed at exit, when COMPONENT is also
#                             started again), then lab_real_node
#
# and tests/integration/lib.sh's sim_start/sim_stop/pass/fail/skip for kaic-sim.
. "$TOP/tests/integration/lib.sh"
LAB_KUBECONFIG=${LAB_KUBECONFIG:-$TOP/build/lab/kubeconfig}
KNOWN=$TOP/tests/lab/known-deviations.txt
export LAB_KUBECONFIG

lab_require() {
	command -v kubectl >/dev/null || skip "kubectl is not installed"
	[ -s "$LAB_KUBECONFIG" ] || skip "no lab running ($LAB_KUBECONFIG missing): make lab"
	kubectl --kubeconfig "$LAB_KUBECONFIG" get --raw /readyz >/dev/null 2>&1 ||
		skip "the lab at $LAB_KUBECONFIG does not answer /readyz"
}

# lab_reset [NODES [static]]: static: no workload controllers (LAB_STATIC_WORKLOADS). The
# real node stays down (its Node would be one more than a scenario has) unless the caller
# sets LAB_REAL_NODE=1.
lab_reset() {
	if [ "${2:-}" = static ]; then
		LAB_REAL_NODE=${LAB_REAL_NODE:-0} LAB_STATIC_WORKLOADS=1 LAB_NODES=${1:-0} "$TOP/scripts/lab" reset >/dev/null ||
			fail "scripts/lab reset failed"
	else
		LAB_REAL_NODE=${LAB_REAL_NODE:-0} LAB_NODES=${1:-0} "$TOP/scripts/lab" reset >/dev/null || fail "scripts/lab reset failed"
	fi
}

lab_versions() { # SCENARIO_DIR: LAB_RESOURCE_VERSIONS for its resourceAPIVersions
	LAB_RESOURCE_VERSIONS=$(python3 -c '
import os, sys, yaml
p = os.path.join(sys.argv[1], "scenario.yaml")
s = (yaml.safe_load(open(p)) or {}) if os.path.exists(p) else {}
print(" ".join(s.get("resourceAPIVersions") or ["v1", "v1beta2", "v1beta1"]))' "$1")
	export LAB_RESOURCE_VERSIONS
}

lab_load() {
	"$TOP/scripts/lab" load "$1" --quiet --report "$2" || fail "scripts/lab load $1 failed"
}

known_as() { # KEY: "sim" or "lab" when known-deviations.txt lists KEY, else nothing
	awk -v k="$1" '$1 !~ /^#/ && $2 == k { print $1; exit }' "$KNOWN"
}

lab_real_node() {
	LAB_REAL_NODE=1 lab_reset 0
	[ -d "$TOP/build/lab/run/node" ] || skip "this lab has no real node (started with LAB_REAL_NODE=0)"
	. "$TOP/build/lab/run/ports.env"
	_tag="127.0.0.1:$REGISTRY_PORT/kaic:$(cat "$TOP/VERSION")"
	# by digest: the node may hold an older build under the same tag (IfNotPresent)
	_digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$_tag") ||
		fail "cannot read $_tag from the lab's registry"
	KAIC_IMG="$_tag@$_digest"
}

KAIC_NS='^namespace/kaic-[0-9a-f]{8}(-sig)?$'
lab_left() {
	_ns=$(kubectl --kubeconfig "$LAB_KUBECONFIG" get ns -o name | grep -E "$1" || true)
	_objs=$(kubectl --kubeconfig "$LAB_KUBECONFIG" get "$2" -A -l app.kubernetes.io/managed-by=kaic -o name)
	echo $_ns $_objs
}

lab_ai_test() {
	lab_require
	[ -f "$TOP/build/image/oci/index.json" ] || skip "kaic's image is missing (make image): the test pods run it"
	[ "$(cat "$TOP/build/lab/run/node/profile" 2>/dev/null)" = ai ] ||
		skip "the lab runs the bare profile: $3 comes with make lab PROFILE=ai"
	work=$(mktemp -d "${TMPDIR:-/tmp}/lab-$1.XXXXXX")
	# shellcheck disable=SC2064 # the component's name now, $work at exit
	trap "\"\$TOP/scripts/lab\" start $2 >/dev/null 2>&1 || true; rm -rf \"\$work\"" EXIT
	lab_real_node
}
