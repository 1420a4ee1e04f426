#!/bin/sh
# scenarios_valid.sh: every manifest of every scenario under sim/scenarios/ (all .yaml,
# .yml and .json files except scenario.yaml and files/) is a valid upstream object for
# Kubernetes 1.34, checked with ../shared/tools/validate-manifests. Custom resources are
# checked against the upstream CRDs in ../shared (newest bundle of each project); only
# kinds that ../shared has no CRD for fall back to the scenario's own CRDs. Also checks
# that each scenario's expected-passive.txt names all 18 requirements once, with a valid
# verdict. Skips (77) without ../shared.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$TOP" || exit 1
shared="$TOP/../shared"
validate="$shared/tools/validate-manifests"
if [ ! -x "$validate" ]; then
	echo "../shared/tools/validate-manifests is absent"
	exit 77
fi
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }

# The newest bundle of each project under ../shared/schemas/crds, as the validator picks
# them when not told otherwise (it narrows to --crds once any is given).
bundles=$(python3 - "$shared/schemas/crds" <<'PY'
import os, re, sys
root, newest = sys.argv[1], {}
for name in sorted(os.listdir(root)):
    m = re.match(r"^(.*?)(?:-v(\d+(?:\.\d+)*))?$", name)
    ver = tuple(int(x) for x in (m.group(2) or "0").split("."))
    if m.group(1) not in newest or ver > newest[m.group(1)][0]:
        newest[m.group(1)] = (ver, os.path.join(root, name))
print("\n".join(p for _, p in sorted(newest.values(), key=lambda x: x[1])))
PY
) || { echo "FAIL: cannot list ../shared/schemas/crds"; exit 1; }

fail=0
n=0
for dir in sim/scenarios/*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	files=$(find -L "$dir" \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) \
		! -path "$dir/scenario.yaml" ! -path "$dir/files/*" | sort)
	if [ -n "$files" ]; then
		# The scenario's own CRDs first: the shared bundles loaded after them win.
		set -- --crds "$dir"
		for b in $bundles; do
			set -- "$@" --crds "$b"
		done
		# shellcheck disable=SC2086
		if out=$("$validate" "$@" $files 2>&1); then
			echo "ok: $name: $(echo "$out" | tail -n 1)"
		else
			echo "FAIL: $name:"
			echo "$out" | sed 's/^/    /'
			fail=1
		fi
		n=$((n + 1))
	fi
	exp="$dir/expected-passive.txt"
	[ -f "$exp" ] || continue
	if ! python3 - "$exp" <<'PY'; then
import sys
ids = ["HW-1.1", "HW-1.2", "HW-1.3", "WL-2.1", "WL-2.2", "WL-2.3", "WL-2.4", "NET-3.1",
       "NET-3.2", "STO-4.1", "STO-4.2", "SEC-5.1", "SEC-5.2", "SEC-5.3", "SEC-5.4",
       "SEC-5.5", "OBS-6.1", "OBS-6.2"]
seen, bad = [], []
for i, line in enumerate(open(sys.argv[1]), 1):
    f = line.split()
    if not f or line.startswith("#"):
        continue
    if len(f) != 2 or f[0] not in ids or f[1] not in ("Full", "Partial", "No", "Error"):
        bad.append(f"line {i}: {line.rstrip()!r}")
    seen.append(f[0])
missing = [i for i in ids if i not in seen]
dups = sorted({i for i in seen if seen.count(i) > 1})
for what, v in (("malformed", bad), ("missing", missing), ("duplicated", dups)):
    if v:
        print(f"{sys.argv[1]}: {what}: {', '.join(v)}")
sys.exit(1 if bad or missing or dups else 0)
PY
		fail=1
	fi
done
[ "$n" -gt 0 ] || { echo "FAIL: no scenario manifests under sim/scenarios"; exit 1; }
[ "$fail" -eq 0 ] || exit 1
echo "all $n scenarios valid"
