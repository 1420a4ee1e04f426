#!/bin/sh
# compare_baseline.sh: scripts/compare-baseline.sh fails exactly when a MUST that is Full
# in the baseline is not Full now (SHOULDs too with --strict), and rejects bad input.
# tests/lab/baseline.sh tries the gate on the lab itself.
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

# the committed baseline is a real run of kaic (scripts/make-baseline.sh --lab) on the
# lab's ai profile, not a hand-made file: a run ID, requests counted, the real Kubernetes
# of lab/versions.env, the four MUSTs whose components the profile has Full and decided
# actively, the others not Full with what was (not) seen, a remediation exactly where a
# verdict is not Full, and a complete cleanup
python3 - "$base" lab/versions.env <<'PY' || { echo "FAIL: the baseline is not a kaic run of the lab's ai profile"; exit 1; }
import json, re, sys
d = json.load(open(sys.argv[1]))
env = dict(l.strip().split("=", 1) for l in open(sys.argv[2]) if re.match(r"^K8S_1_35=", l))
reqs = {r["id"]: r for r in d["requirements"]}
assert len(reqs) == 18, len(reqs)
assert re.fullmatch(r"[0-9a-f]{8}", d["run_id"]) and d["run_id"] != "00000000", d["run_id"]
assert d["api_requests"] > 0 and d["duration_ms"] > 0 and d["mode"] == "active", d["api_requests"]
assert d["cluster"]["context"] == "kaic-lab", d["cluster"]
assert d["cluster"]["version"] == env["K8S_1_35"].strip('"'), (d["cluster"], env)
assert d["cleanup"]["ok"] and not d["interrupted"], d["cleanup"]
for r in reqs.values():
    assert (r["verdict"] == "Full") == (r["remediation"] is None), r
    assert r["evidence"], r
full = {"HW-1.1", "WL-2.1", "NET-3.1", "SEC-5.1"}
for rid in full:
    assert reqs[rid]["verdict"] == "Full" and reqs[rid]["mode"] == "active", reqs[rid]
for rid, r in reqs.items():
    if r["level"] == "MUST" and rid not in full:
        assert r["verdict"] != "Full", r
assert any("no accelerator metrics exporter" in e for e in reqs["HW-1.2"]["evidence"]), reqs["HW-1.2"]
assert d["summary"]["must_failures"] == 3 and d["summary"]["exit_code"] == 1, d["summary"]
PY
echo "ok: the baseline is a kaic run of the lab's ai profile"

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
variant HW-1.3 Full "$work/base-should-full.json"
expect 0 "SHOULD Full -> No" "$cmp" "$work/base-should-full.json" "$base"
expect 1 "SHOULD Full -> No with --strict" "$cmp" --strict "$work/base-should-full.json" "$base"
variant OBS-6.1 Full "$work/obs-full.json"
expect 0 "MUST No -> Full (improvement)" "$cmp" "$base" "$work/obs-full.json"
variant WL-2.1 Partial "$work/base-wl-partial.json"
variant WL-2.1 No "$work/wl-no.json"
expect 0 "MUST Partial -> No (was not Full)" "$cmp" "$work/base-wl-partial.json" "$work/wl-no.json"
echo '{"requirements": [' >"$work/broken.json"
expect 2 "invalid JSON" "$cmp" "$base" "$work/broken.json"
expect 2 "missing file" "$cmp" "$base" "$work/nonexistent.json"
expect 2 "usage" "$cmp" "$base"

# The gate on kaic-sim's runs: the reference scenario (every MUST Full) passes it, and a
# cluster where a MUST regressed (NetworkPolicies not enforced) fails it, naming SEC-5.1.
if [ -x "${BUILD:-build}/kaic" ] && [ -x "${BUILD:-build}/kaic-sim" ]; then
	expect 0 "make-baseline.sh writes a run of the reference scenario" scripts/make-baseline.sh "$work/fresh.json"
	expect 0 "a run of the reference scenario passes the gate" "$cmp" "$base" "$work/fresh.json"
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
