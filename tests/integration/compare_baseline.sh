#!/bin/sh
# compare_baseline.sh: scripts/compare-baseline.sh fails exactly when a MUST that is Full
# in the baseline is not Full now (SHOULDs too with --strict), and rejects bad input.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$TOP" || exit 1
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }
cmp=scripts/compare-baseline.sh
base=.github/baseline-results.json
work=$(mktemp -d "${TMPDIR:-/tmp}/kaic-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
fails=0

# A copy of a results file with one requirement's verdict changed (or removed: "-").
variant() { # id verdict out [from]
	python3 - "${4:-$base}" "$1" "$2" "$3" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
rid, verdict, out = sys.argv[2:]
if verdict == "-":
    doc["requirements"] = [r for r in doc["requirements"] if r["id"] != rid]
else:
    for r in doc["requirements"]:
        if r["id"] == rid:
            r["verdict"] = verdict
json.dump(doc, open(out, "w"))
PY
}

expect() { # want-rc description command...
	want=$1 what=$2
	shift 2
	"$@" >"$work/out" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: $what: exit $rc, want $want"
		sed 's/^/    /' "$work/out"
		fails=$((fails + 1))
	else
		echo "ok: $what (exit $rc)"
	fi
}

# the committed baseline is a real run of kaic (scripts/make-baseline.sh), not a hand-made
# file: a run ID, requests counted, every MUST Full against the reference scenario, and
# a remediation exactly where a verdict is not Full
python3 - "$base" <<'PY' || { echo "FAIL: the baseline is not a kaic run of the reference scenario"; exit 1; }
import json, re, sys
d = json.load(open(sys.argv[1]))
reqs = d["requirements"]
assert len(reqs) == 18, len(reqs)
assert re.fullmatch(r"[0-9a-f]{8}", d["run_id"]) and d["run_id"] != "00000000", d["run_id"]
assert d["api_requests"] > 0 and d["duration_ms"] > 0 and d["mode"] == "active", d["api_requests"]
assert d["summary"]["exit_code"] == 0, d["summary"]
for r in reqs:
    assert (r["verdict"] == "Full") == (r["remediation"] is None), r
    if r["level"] == "MUST":
        assert r["verdict"] == "Full" and r["mode"] == "active", r
PY
echo "ok: the baseline is a kaic run of the reference scenario"

expect 0 "baseline against itself" "$cmp" "$base" "$base"
variant HW-1.1 Partial "$work/must-partial.json"
expect 1 "MUST Full -> Partial" "$cmp" "$base" "$work/must-partial.json"
grep -q "HW-1.1 \[MUST\]: Full -> Partial (REGRESSION)" "$work/out" ||
	{ echo "FAIL: the regression is not named"; fails=$((fails + 1)); }
variant NET-3.1 Error "$work/must-error.json"
expect 1 "MUST Full -> Error" "$cmp" "$base" "$work/must-error.json"
variant SEC-5.1 Skipped "$work/must-skipped.json"
expect 1 "MUST Full -> Skipped" "$cmp" "$base" "$work/must-skipped.json"
variant SEC-5.1 - "$work/must-missing.json"
expect 1 "MUST Full -> missing" "$cmp" "$base" "$work/must-missing.json"
variant HW-1.3 No "$work/should-no.json"
expect 0 "SHOULD Full -> No" "$cmp" "$base" "$work/should-no.json"
expect 1 "SHOULD Full -> No with --strict" "$cmp" --strict "$base" "$work/should-no.json"
variant OBS-6.1 No "$work/base-obs-no.json"
expect 0 "MUST No -> Full (improvement)" "$cmp" "$work/base-obs-no.json" "$base"
variant WL-2.1 Partial "$work/base-wl-partial.json"
variant WL-2.1 No "$work/wl-no.json"
expect 0 "MUST Partial -> No (was not Full)" "$cmp" "$work/base-wl-partial.json" "$work/wl-no.json"
echo '{"requirements": [' >"$work/broken.json"
expect 2 "invalid JSON" "$cmp" "$base" "$work/broken.json"
expect 2 "missing file" "$cmp" "$base" "$work/nonexistent.json"
expect 2 "usage" "$cmp" "$base"

# The gate on real runs: an unchanged kaic against the reference scenario passes it, and a
# cluster where a MUST regressed (NetworkPolicies not enforced) fails it, naming SEC-5.1.
if [ -x "${BUILD:-build}/kaic" ] && [ -x "${BUILD:-build}/kaic-sim" ]; then
	expect 0 "make-baseline.sh writes a fresh run" scripts/make-baseline.sh "$work/fresh.json"
	expect 0 "a fresh run of the reference scenario passes the gate" "$cmp" "$base" "$work/fresh.json"
	expect 0 "make-baseline.sh on netpol-not-enforced" \
		env SCENARIO=sim/scenarios/netpol-not-enforced scripts/make-baseline.sh "$work/netpol.json"
	expect 1 "a run where SEC-5.1 regressed fails the gate" "$cmp" "$base" "$work/netpol.json"
	grep -q "^SEC-5.1 \[MUST\]: Full -> No (REGRESSION)" "$work/out" ||
		{ echo "FAIL: the SEC-5.1 regression is not named"; fails=$((fails + 1)); }
else
	echo "note: kaic or kaic-sim not built: the gate was not tried on real runs"
fi

[ $fails -eq 0 ] || exit 1
echo "all cases pass"
