#!/bin/sh
# tests/lab/baseline.sh: the regression gate on the lab it was made from. The committed
# .github/baseline-results.json is a full run on the ai profile (scripts/make-baseline.sh
# --lab). A full run now, with kaic unchanged, passes scripts/compare-baseline.sh; with
# Traefik stopped (scripts/lab stop traefik) NET-3.1 regresses from Full, and the gate
# fails naming it (that run with a shorter --timeout: NET-3.1 waits all of it for a
# Gateway that is never programmed). Skips (77) without a lab, on a lab of the bare profile, or without
# kaic's image.
set -eu
. "$TOP/tests/lab/lib.sh"
lab_ai_test baseline traefik "the baseline's cluster"
base=$TOP/.github/baseline-results.json

# full NAME [TIMEOUT]: a full run (make-baseline.sh --lab) into $work/NAME.json; nothing
# left after it
full() {
	start=$(date +%s)
	BUILD=$BUILD TIMEOUT=${2:-120s} "$TOP/scripts/make-baseline.sh" --lab "$work/$1.json" >"$work/$1.out" 2>&1 ||
		fail "$1: make-baseline.sh --lab failed: $(tail -n 5 "$work/$1.out")"
	echo "$1: full run in $(($(date +%s) - start))s"
	left=$(lab_left "$KAIC_NS" pods,services,networkpolicies,resourceclaims)
	[ -z "$left" ] || fail "$1: left behind: $left"
}

full unchanged
rc=0
"$TOP/scripts/compare-baseline.sh" "$base" "$work/unchanged.json" >"$work/gate.out" 2>&1 || rc=$?
sed 's/^/  /' "$work/gate.out"
[ "$rc" -eq 0 ] || fail "the unchanged run fails the gate (exit $rc)"
"$TOP/scripts/lab" stop traefik >/dev/null || fail "scripts/lab stop traefik failed"
full no-gateway 45s
rc=0
"$TOP/scripts/compare-baseline.sh" "$base" "$work/no-gateway.json" >"$work/gate.out" 2>&1 || rc=$?
sed 's/^/  /' "$work/gate.out"
[ "$rc" -eq 1 ] || fail "the run without Traefik does not fail the gate (exit $rc, want 1)"
grep -q "^NET-3.1 \[MUST\]: Full -> [A-Za-z]* (REGRESSION)" "$work/gate.out" ||
	fail "the gate does not name NET-3.1's regression"
# with the shorter timeout, a test that meets a transient (kubelet retries a failed DRA
# preparation only at its next resync, a minute later) may also end not Full: it is
# shown above, and the gate must name NET-3.1 whatever else it names
pass "the gate: the unchanged full run passes; without Traefik it fails, naming NET-3.1"
