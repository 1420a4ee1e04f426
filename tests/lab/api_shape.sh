#!/bin/sh
# api_shape: the requests of a full kaic run (kaic-sim's access log of `kaic run
# --passive` on the reference scenario) replayed against kaic-sim and against the lab
# (reset, reference loaded): the same status code and the same JSON structure (keys and
# value types; uid, resourceVersion, timestamps and managedFields ignored) for each.
. "$TOP/tests/lab/lib.sh"
lab_require
work=$(mktemp -d "${TMPDIR:-/tmp}/lab-shape.XXXXXX")
trap 'sim_cleanup; rm -rf "$work"' EXIT
scenario=${LAB_SHAPE_SCENARIO:-$TOP/sim/scenarios/reference}

sim_start "$scenario" || fail "kaic-sim did not start"
"$KAIC" run --passive --kubeconfig "$KUBECONFIG" --output-dir "$work/kaic" --no-color >"$work/kaic.out" 2>&1
# every GET kaic sent, once each (the replay must not depend on kaic's page tokens)
awk '$1 == "GET" { print $1, $2 }' "$SIM_LOG" | grep -v 'continue=' | awk '!seen[$0]++' >"$work/requests"
[ -s "$work/requests" ] || fail "kaic sent no request to kaic-sim"
echo "replaying $(wc -l <"$work/requests") requests of kaic's run"
python3 "$TOP/tests/lab/compare.py" fetch "$KUBECONFIG" "$work/requests" "$work/sim" ||
	fail "replay against kaic-sim failed"
sim_stop || fail "kaic-sim did not stop"

lab_versions "$scenario"
lab_reset 0 static
lab_load "$scenario" "$work/load.json" >/dev/null
python3 "$TOP/tests/lab/compare.py" fetch "$LAB_KUBECONFIG" "$work/requests" "$work/lab" ||
	fail "replay against the lab failed"
cp "$work/requests" "$work/sim/requests"
python3 "$TOP/tests/lab/compare.py" shape "$work/sim" "$work/lab" ||
	fail "answers differ beyond tests/lab/known-deviations.txt (DEVIATION lines above)"
pass "kaic's requests get the same status and JSON shape on kaic-sim and the lab, or known differences"
