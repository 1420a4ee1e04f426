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

# A copy of the baseline with one requirement's verdict changed (or removed: verdict "-").
variant() { # id verdict out
	python3 - "$base" "$1" "$2" "$3" <<'PY'
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

python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); \
	assert len(d["requirements"]) == 18; \
	assert any(r["level"] == "MUST" and r["verdict"] == "Full" for r in d["requirements"])' \
	"$base" || { echo "FAIL: the baseline lacks 18 requirements or a Full MUST"; exit 1; }

expect 0 "baseline against itself" "$cmp" "$base" "$base"
variant HW-1.1 Partial "$work/must-partial.json"
expect 1 "MUST Full -> Partial" "$cmp" "$base" "$work/must-partial.json"
grep -q "HW-1.1 \[MUST\]: Full -> Partial (REGRESSION)" "$work/out" ||
	{ echo "FAIL: the regression is not named"; fails=$((fails + 1)); }
variant NET-3.1 Error "$work/must-error.json"
expect 1 "MUST Full -> Error" "$cmp" "$base" "$work/must-error.json"
variant SEC-5.1 - "$work/must-missing.json"
expect 1 "MUST Full -> missing" "$cmp" "$base" "$work/must-missing.json"
variant WL-2.2 No "$work/should-no.json"
expect 0 "SHOULD Full -> No" "$cmp" "$base" "$work/should-no.json"
expect 1 "SHOULD Full -> No with --strict" "$cmp" --strict "$base" "$work/should-no.json"
variant OBS-6.1 Full "$work/better.json"
expect 0 "MUST No -> Full (improvement)" "$cmp" "$base" "$work/better.json"
variant WL-2.1 No "$work/partial-to-no.json"
expect 0 "MUST Partial -> No (was not Full)" "$cmp" "$base" "$work/partial-to-no.json"
echo '{"requirements": [' >"$work/broken.json"
expect 2 "invalid JSON" "$cmp" "$base" "$work/broken.json"
expect 2 "missing file" "$cmp" "$base" "$work/nonexistent.json"
expect 2 "usage" "$cmp" "$base"

[ $fails -eq 0 ] || exit 1
echo "all cases pass"
