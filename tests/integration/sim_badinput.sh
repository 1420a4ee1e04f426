#!/bin/sh
# sim_badinput: bad input to kaic-sim gets a clear error, never a crash: bad flags,
# malformed scenario files and unknown kinds exit 2 with one line; invalid JSON bodies,
# oversized bodies and wrong content types get the real API's Status answers.
. "$TOP/tests/integration/lib.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kaic-sim-bad.XXXXXX")
trap 'sim_cleanup; rm -rf "$tmp"' EXIT

# expect_exit2 WHAT PATTERN ARGS: kaic-sim ARGS exits 2 with one stderr line matching
expect_exit2() {
	what=$1
	pattern=$2
	shift 2
	timeout 20 "$KAIC_SIM" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 2 ] || fail "$what: exit $rc, want 2 ($(cat "$tmp/err"))"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$what: want one line, got: $(cat "$tmp/err")"
	grep -qE -- "$pattern" "$tmp/err" || fail "$what: unexpected message: $(cat "$tmp/err")"
	[ ! -s "$tmp/out" ] || fail "$what: printed on stdout: $(cat "$tmp/out")"
	pass "$what: $(cat "$tmp/err")"
}

expect_exit2 "no --scenario" 'scenario' --port 0
expect_exit2 "bad port" 'invalid port "http"' --scenario "$tmp" --port http
expect_exit2 "unknown flag" 'unknown option "--frobnicate"' --scenario "$tmp" --frobnicate
expect_exit2 "missing scenario dir" 'cannot read scenario' --scenario "$tmp/none"

mkdir -p "$tmp/malformed"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: [x\n' \
	>"$tmp/malformed/broken.yaml"
expect_exit2 "malformed YAML" 'broken\.yaml' --scenario "$tmp/malformed"

mkdir -p "$tmp/badjson"
printf '{"apiVersion": "v1", "kind": "ConfigMap",\n' >"$tmp/badjson/cm.json"
expect_exit2 "malformed JSON" 'cm\.json' --scenario "$tmp/badjson"

mkdir -p "$tmp/unknown"
cat >"$tmp/unknown/things.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: fine, namespace: default}
---
apiVersion: example.com/v1
kind: Gizmo
metadata: {name: g, namespace: default}
YAML
expect_exit2 "unknown kind" 'things\.yaml.*document 2' --scenario "$tmp/unknown"

mkdir -p "$tmp/nokind"
printf 'apiVersion: v1\nmetadata: {name: x}\n' >"$tmp/nokind/x.yaml"
expect_exit2 "missing kind" 'x\.yaml": document 1: kind not set' --scenario "$tmp/nokind"

mkdir -p "$tmp/badsettings"
printf 'faults: {errorRate: 2}\n' >"$tmp/badsettings/scenario.yaml"
expect_exit2 "bad scenario.yaml" 'scenario\.yaml.*errorRate' --scenario "$tmp/badsettings"
printf 'colour: blue\n' >"$tmp/badsettings/scenario.yaml"
expect_exit2 "unknown scenario.yaml field" 'unknown field "colour"' \
	--scenario "$tmp/badsettings"

"$KAIC_SIM" --help >"$tmp/out" 2>&1 || fail "--help exits non-zero"
grep -q -- '--scenario DIR' "$tmp/out" || fail "--help shows no usage"
pass "--help"

# requests with bad input, answered as Status objects
sim_start "$TOP/tests/data/sim-basic" || fail "kaic-sim did not start"
cms=$SIM_URL/api/v1/namespaces/team-a/configmaps

# status_is CODE REASON: the last answer ($tmp/body, $tmp/code) is that Status
status_is() {
	[ "$(cat "$tmp/code")" = "$1" ] || fail "want HTTP $1, got $(cat "$tmp/code"): $(cat "$tmp/body")"
	jq -e --arg r "$2" --argjson c "$1" \
		'.kind == "Status" and .apiVersion == "v1" and .status == "Failure" and
		 .reason == $r and .code == $c and (.message | length > 0)' \
		"$tmp/body" >/dev/null || fail "not a $1 $2 Status: $(cat "$tmp/body")"
}
req() { # curl ARGS, keeping body and code
	sim_curl -o "$tmp/body" -w '%{http_code}' "$@" >"$tmp/code"
}

req -X POST -H 'Content-Type: application/json' --data-binary '{"apiVersion": "v1", "kind"' "$cms"
status_is 400 BadRequest
pass "invalid JSON body: 400 $(jq -r .message "$tmp/body")"

head -c $((3 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$tmp/big"
req -X POST -H 'Content-Type: application/json' --data-binary @"$tmp/big" "$cms"
status_is 413 RequestEntityTooLarge
req -X POST -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
	--data-binary @"$tmp/big" "$cms"
status_is 413 RequestEntityTooLarge
pass "oversized body: 413 (announced and chunked)"

req -X PATCH -H 'Content-Type: text/plain' --data-binary '{"data":{"a":"b"}}' "$cms/settings"
status_is 415 UnsupportedMediaType
pass "PATCH with a wrong content type: 415"

req "$SIM_URL/api/v1/namespaces/team-a/configmaps/%ZZ"
status_is 400 BadRequest
req "$SIM_URL/api/v1/namespaces/team-a/configmaps/a%00b"
status_is 400 BadRequest
pass "bad URL encoding: 400"

req "$cms/settings"
[ "$(cat "$tmp/code")" = 200 ] || fail "the server broke after bad input: $(cat "$tmp/body")"
sim_stop || fail "kaic-sim did not stop cleanly"
pass "still serving after bad input, stopped cleanly"
