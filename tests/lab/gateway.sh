#!/bin/sh
# tests/lab/gateway.sh: the ai profile's Gateway API implementation (docs/lab.md,
# "Profiles"): Traefik's kubernetesgateway provider on the real node, the GatewayClass
# traefik it accepts, the Gateway API's standard CRDs. kaic's NET-3.1 active test makes a
# Gateway (listener HTTP 80), two echo backends and an HTTPRoute splitting 80/20 with a
# header rule; its http-load pods on the node send requests to the Gateway's status
# address (the node's 10.250.0.2, Traefik's entryPoint web). Three rounds, each leaving no
# kaic object behind:
#   traefik on   NET-3.1 Full: the Gateway programmed at 10.250.0.2, the measured split
#                within the binomial band, every header request to b
#   traefik off  (scripts/lab stop traefik; the GatewayClass stays Accepted) NET-3.1
#                Partial: the Gateway is never programmed, the evidence gives its
#                conditions as the API server defaulted them (Waiting for controller)
#   traefik on   (scripts/lab start) Full again
# Skips (77) without a lab, on a lab of the bare profile, or without kaic's image.
set -eu
. "$TOP/tests/lab/lib.sh"
lab_ai_test gateway traefik "Traefik"

# round NAME TIMEOUT WANT: kaic run --focus NET-3.1; WANT is VERDICT[:TEXT] (decided
# actively, with TEXT in its evidence); then nothing of kaic is left
round() {
	name=$1 timeout=$2
	shift 2
	start=$(date +%s)
	rc=0
	"$KAIC" run --kubeconfig "$LAB_KUBECONFIG" --focus NET-3.1 --image "$KAIC_IMG" --timeout "$timeout" \
		--output-dir "$work/$name" --no-color >"$work/$name.out" 2>&1 || rc=$?
	echo "$name: kaic run exit $rc in $(($(date +%s) - start))s"
	[ -s "$work/$name/results.json" ] || fail "$name: no results.json: $(tail -n 5 "$work/$name.out")"
	python3 - "$work/$name/results.json" "$name" "$1" <<'PY' || fail "$name: NET-3.1's verdict is not the expected one (above)"
import json, sys
path, name, want = sys.argv[1:]
r = {r["id"]: r for r in json.load(open(path))["requirements"]}["NET-3.1"]
verdict, _, text = want.partition(":")
ev = r.get("evidence", [])
ok = r["verdict"] == verdict and r["mode"] == "active" and (not text or text in " ".join(ev))
print("%s %s NET-3.1: %s %s: %s" % ("ok" if ok else "WRONG", name, r["mode"], r["verdict"], " | ".join(ev)))
sys.exit(not ok)
PY
	python3 -c 'import json, sys; print(sys.argv[2] + ": kaic cleanup: " + json.dumps(json.load(open(sys.argv[1])).get("cleanup"))[:400])' \
		"$work/$name/results.json" "$name"
}

# nothing_left NAME: no kaic namespace or object, within 90 s
nothing_left() {
	t0=$(date +%s)
	while left=$(lab_left "$KAIC_NS" pods,services,gateways.gateway.networking.k8s.io,httproutes.gateway.networking.k8s.io) &&
		[ -n "$left" ]; do
		[ $(($(date +%s) - t0)) -lt 90 ] || fail "$1: left behind: $left"
		sleep 2
	done
	echo "$1: nothing left after $(($(date +%s) - t0))s"
}

round traefik-on 3m "Full:Gateway gw programmed at 10.250.0.2"
grep -q 'split within the band' "$work/traefik-on/results.json" || fail "traefik-on: no split within the band"
nothing_left traefik-on
"$TOP/scripts/lab" stop traefik
round traefik-off 45s "Partial:was not programmed"
"$TOP/scripts/lab" start traefik
nothing_left traefik-off
round traefik-on-again 3m "Full:header rule (x-model-variant: b)"
nothing_left traefik-on-again
pass "NET-3.1 Full through Traefik's Gateway API provider, Partial with Traefik stopped; nothing left"
