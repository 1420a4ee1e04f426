#!/bin/sh
# tests/lab/dra.sh: the ai profile's DRA driver (docs/lab.md, "Profiles"): the example
# driver gpu.example.com's kubelet plugin on the real node, its ResourceSlice and
# DeviceClass, the real scheduler's allocation, kubelet's preparation and containerd's
# CDI injection. Three rounds, each leaving no kaic object behind:
#   driver on    HW-1.1 Full (allocated, reserved, the device seen in the container, the
#                unsatisfiable claim unallocated) and CNCF secure_accelerator_access
#                Implemented (each claim's pod sees only its device, a pod without a
#                claim none), both decided actively; HW-1.2 honestly No (no accelerator
#                metrics exporter: this lab has no accelerator)
#   plugin off   (scripts/lab stop dra-example-kubeletplugin) HW-1.1 Partial: the
#                scheduler allocates from the published slice, kubelet cannot prepare;
#                the evidence names kubelet's FailedPrepareDynamicResources
#   plugin on    (scripts/lab start) Full again
# Skips (77) without a lab, on a lab of the bare profile, or without kaic's image.
set -eu
. "$TOP/tests/lab/lib.sh"
lab_ai_test dra dra-example-kubeletplugin "the DRA driver"

# round NAME TIMEOUT IDS WANT...: kaic run --focus IDS; each WANT is ID=VERDICT[:TEXT]
# (the requirement or CNCF item decided actively, or passively for HW-1.2, with that
# verdict and TEXT in its evidence); then nothing of kaic is left
round() {
	name=$1 timeout=$2 ids=$3
	shift 3
	start=$(date +%s)
	rc=0
	"$KAIC" run --kubeconfig "$LAB_KUBECONFIG" --focus "$ids" --image "$KAIC_IMG" --timeout "$timeout" \
		--output-dir "$work/$name" --no-color >"$work/$name.out" 2>&1 || rc=$?
	echo "$name: kaic run exit $rc in $(($(date +%s) - start))s"
	[ -s "$work/$name/results.json" ] || fail "$name: no results.json: $(tail -n 5 "$work/$name.out")"
	python3 - "$work/$name/results.json" "$name" "$@" <<'PY' || fail "$name: a verdict is not the expected one (above)"
import json, sys
path, name, wants = sys.argv[1], sys.argv[2], sys.argv[3:]
res = json.load(open(path))
items = {r["id"]: r for r in res["requirements"]}
items.update({i["id"]: i for i in res["cncf"]["items"]})
bad = 0
for w in wants:
    rid, _, rest = w.partition("=")
    verdict, _, text = rest.partition(":")
    r = items[rid]
    ev = r.get("evidence", [])
    want_mode = "passive" if rid == "HW-1.2" else "active"
    ok = r["verdict"] == verdict and r["mode"] == want_mode and (not text or text in " ".join(ev))
    print("%s %s %s: %s %s: %s" % ("ok" if ok else "WRONG", name, rid, r["mode"], r["verdict"], " | ".join(ev)))
    bad |= not ok
sys.exit(bad)
PY
	python3 -c 'import json, sys; print(sys.argv[2] + ": kaic cleanup: " + json.dumps(json.load(open(sys.argv[1])).get("cleanup"))[:400])' \
		"$work/$name/results.json" "$name"
}

# nothing_left NAME: no kaic namespace or object, within 90 s (a pod whose claim the
# node never prepared is deleted once the plugin is back to unprepare it)
nothing_left() {
	t0=$(date +%s)
	while left=$(lab_left "$KAIC_NS" pods,resourceclaims,resourceclaimtemplates) && [ -n "$left" ]; do
		[ $(($(date +%s) - t0)) -lt 90 ] || fail "$1: left behind: $left"
		sleep 2
	done
	echo "$1: nothing left after $(($(date +%s) - t0))s"
}

round driver-on 3m HW-1.1,HW-1.2,secure_accelerator_access \
	"HW-1.1=Full:the device reached the container" \
	"secure_accelerator_access=Full:each pod sees only its own device" \
	"HW-1.2=No:no accelerator metrics exporter"
nothing_left driver-on
"$TOP/scripts/lab" stop dra-example-kubeletplugin
round plugin-off 30s HW-1.1 "HW-1.1=Partial:FailedPrepareDynamicResources pod/dra"
"$TOP/scripts/lab" start dra-example-kubeletplugin
nothing_left plugin-off
round plugin-on 3m HW-1.1 "HW-1.1=Full:the device reached the container"
nothing_left plugin-on
pass "HW-1.1 Full with the real DRA driver, Partial without its plugin; secure_accelerator_access Implemented"
