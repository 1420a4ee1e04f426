#!/bin/sh
# active_run: `kaic run` (active) on the control-plane-only lab, where no node runs a
# container. Two rounds:
#   nodes=0   no node at all (the reference scenario's objects without its Nodes): test
#             pods are never scheduled
#   kwok      the reference scenario with its Nodes as kwok nodes: pods are scheduled
#             and kwok reports them Running, but no container ever runs, so no probe
#             ever writes a result
# Checks, for each round: no requirement whose active test ran ends Full or No (kaic
# cannot have observed anything); a test whose pods never started ends Error with
# evidence naming why; after the run nothing kaic created remains (`kaic cleanup
# --dry-run` finds nothing, no kaic-* namespace). What kaic does is printed as
# ACTIVE lines; a failed check is a DEVIATION unless known-deviations.txt lists it
# (category kaic: a kaic behaviour reported to the kaic developers, src/ is not changed
# here).
. "$TOP/tests/lab/lib.sh"
lab_require
work=$(mktemp -d "${TMPDIR:-/tmp}/lab-active.XXXXXX")
trap 'sim_cleanup; rm -rf "$work"' EXIT
timeout=${LAB_ACTIVE_TIMEOUT:-45s}
bad=0

# the reference scenario without its Nodes (round nodes=0)
mkdir -p "$work/ref-no-nodes"
cp -rL "$TOP/sim/scenarios/reference/." "$work/ref-no-nodes/"
python3 - "$work/ref-no-nodes" <<'EOF'
import os, sys, yaml
d = sys.argv[1]
for root, _, files in os.walk(d):
    for f in files:
        p = os.path.join(root, f)
        if not f.endswith((".yaml", ".yml")) or "/files/" in p or f == "scenario.yaml":
            continue
        docs = [x for x in yaml.safe_load_all(open(p)) if x is not None and x.get("kind") != "Node"]
        yaml.safe_dump_all(docs, open(p, "w"), sort_keys=False)
EOF

check() { # ROUND RESULTS.json: prints ACTIVE / DEVIATION / KNOWN lines, sets bad
	python3 - "$1" "$2" "$TOP/tests/lab/known-deviations.txt" <<'EOF' || bad=1
import json, sys
rnd, path, known_path = sys.argv[1:4]
known = {}
for line in open(known_path):
    if line.strip() and not line.startswith("#"):
        cat, key = line.split()[:2]
        known[key] = cat
res = json.load(open(path))
bad = 0
for r in res["requirements"]:
    ev = r.get("evidence", [])
    print("ACTIVE %s %s %s %s: %s" % (rnd, r["id"], r["mode"], r["verdict"], " | ".join(ev)))
    if r["mode"] != "active":
        continue
    problems = []
    if r["verdict"] in ("Full", "No"):
        problems.append("active test ended %s on a lab where no container runs" % r["verdict"])
    text = " ".join(ev).lower()
    why = ("schedul", "pending", "never", "not start", "no node", "not running", "no result",
           "termination message", "container ever ran")
    if r["verdict"] == "Error" and not any(w in text for w in why):
        problems.append("Error without evidence naming why its pods did not start or answer")
    if r["verdict"] not in ("Error", "Skipped") and any(w in text for w in ("never scheduled", "timed out", "no answer")):
        problems.append("its pods never started, yet it ends %s, not Error" % r["verdict"])
    for p in problems:
        key = "active:%s:%s" % (rnd, r["id"])
        if key in known:
            print("KNOWN %s (%s): %s" % (key, known[key], p))
        else:
            print("DEVIATION %s: %s" % (key, p))
            bad = 1
c = res.get("cleanup")
print("ACTIVE %s cleanup: %s" % (rnd, json.dumps(c)[:300]))
sys.exit(bad)
EOF
}

leftovers() { # ROUND: nothing labelled managed-by=kaic, no kaic-* namespace
	"$KAIC" cleanup --dry-run --kubeconfig "$LAB_KUBECONFIG" >"$work/$1.cleanup" 2>&1
	# a run's namespace is kaic-RUNID (8 hex digits); kaic-system is the scenario's own
	ns=$(kubectl --kubeconfig "$LAB_KUBECONFIG" get ns -o name | grep -E '^namespace/kaic-[0-9a-f]{8}$' || true)
	if grep -qvE '^(nothing|no |$)|would delete 0|0 objects' "$work/$1.cleanup" || [ -n "$ns" ]; then
		echo "DEVIATION active:$1:cleanup: left behind: $ns $(cat "$work/$1.cleanup")"
		bad=1
	else
		echo "ACTIVE $1 cleanup leaves nothing ($(head -n 1 "$work/$1.cleanup"))"
	fi
}

lab_versions "$TOP/sim/scenarios/reference"
for round in nodes=0 kwok; do
	lab_reset 0
	if [ "$round" = kwok ]; then
		lab_load "$TOP/sim/scenarios/reference" "$work/load-$round.json" >/dev/null
	else
		lab_load "$work/ref-no-nodes" "$work/load-$round.json" >/dev/null
	fi
	start=$(date +%s)
	# every test at once: most of them wait out --timeout for pods that never run
	"$KAIC" run --kubeconfig "$LAB_KUBECONFIG" --timeout "$timeout" --parallel 18 --output-dir "$work/$round" \
		--no-color >"$work/$round.out" 2>&1
	echo "ACTIVE $round: kaic run exit $? in $(($(date +%s) - start))s; $(grep '^total' "$work/$round.out")"
	[ -s "$work/$round/results.json" ] || fail "$round: no results.json: $(tail -n 5 "$work/$round.out")"
	check "$round" "$work/$round/results.json"
	leftovers "$round"
done
[ $bad = 0 ] || fail "kaic's active run on the control-plane-only lab (DEVIATION lines above)"
pass "active run: no Full or No without observation, Error names why, nothing left behind"
