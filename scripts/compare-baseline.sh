#!/bin/sh
# compare-baseline.sh: compares a run's results.json with a committed baseline and fails
# when a MUST requirement regressed. Usage:
#   scripts/compare-baseline.sh [--strict] BASELINE.json CURRENT.json
# Exit 0: no regression; 1: a MUST that is Full in the baseline is not Full now (with
# --strict, a SHOULD too), or is missing; 2: usage error or unreadable input.
# Prints one line per requirement whose verdict changed.
set -u
strict=0
if [ "${1:-}" = "--strict" ]; then
	strict=1
	shift
fi
if [ $# -ne 2 ]; then
	echo "usage: compare-baseline.sh [--strict] BASELINE.json CURRENT.json" >&2
	exit 2
fi
command -v python3 >/dev/null 2>&1 || { echo "compare-baseline: python3 is required" >&2; exit 2; }
exec python3 - "$strict" "$1" "$2" <<'PY'
import json, sys

strict, base_path, cur_path = sys.argv[1] == "1", sys.argv[2], sys.argv[3]
RANK = {"Full": 4, "Partial": 3, "No": 2, "Error": 1, "Skipped": 0}


def load(path):
    try:
        with open(path) as f:
            doc = json.load(f)
        reqs = {r["id"]: r for r in doc["requirements"]}
        for r in reqs.values():
            if r["verdict"] not in RANK or r["level"] not in ("MUST", "SHOULD"):
                raise ValueError(f"requirement {r['id']}: bad verdict or level")
        return doc, reqs
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f'compare-baseline: cannot read "{path}": {e}', file=sys.stderr)
        sys.exit(2)


base_doc, base = load(base_path)
cur_doc, cur = load(cur_path)
if base_doc.get("spec_version") != cur_doc.get("spec_version"):
    print(f"note: checklist version {base_doc.get('spec_version')} in the baseline, "
          f"{cur_doc.get('spec_version')} now")
regressions = 0
for rid, b in base.items():
    c = cur.get(rid)
    gated = b["level"] == "MUST" or strict
    if c is None:
        print(f"{rid} [{b['level']}]: {b['verdict']} -> missing")
        regressions += gated and b["verdict"] == "Full"
        continue
    if c["verdict"] == b["verdict"]:
        continue
    worse = RANK[c["verdict"]] < RANK[b["verdict"]]
    regressed = gated and b["verdict"] == "Full" and c["verdict"] != "Full"
    tag = "REGRESSION" if regressed else ("worse" if worse else "better")
    print(f"{rid} [{b['level']}]: {b['verdict']} -> {c['verdict']} ({tag})")
    if regressed:
        for line in c.get("evidence", [])[:5]:
            print(f"    {line}")
        if c.get("remediation"):
            print(f"    remediation: {c['remediation']}")
    regressions += regressed
for rid in sorted(set(cur) - set(base)):
    print(f"{rid} [{cur[rid]['level']}]: new, {cur[rid]['verdict']}")
if regressions:
    print(f"{regressions} requirement(s) regressed from Full against the baseline")
    sys.exit(1)
print("no regression against the baseline")
PY
