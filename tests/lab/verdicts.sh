#!/bin/sh
# verdicts: `kaic run --passive` on each scenario of sim/scenarios/, once on kaic-sim
# and once on the lab (reset, then scripts/lab load): the same verdict for every
# requirement and the same evidence modulo names, times and uids. What the lab cannot
# represent (kaic-sim's canned proxy answers, …) is listed by the loader and, where it
# changes a verdict, in known-deviations.txt (category lab; docs/sim-fidelity.md says
# why). The lab runs without workload controllers here (LAB_STATIC_WORKLOADS): a
# scenario is a snapshot, its Deployments' pods and status are given. `large` is left to bench/passive-lab.sh (5,000 nodes take minutes to load).
# LAB_SCENARIOS="reference vanilla" limits the scenarios.
. "$TOP/tests/lab/lib.sh"
lab_require
work=$(mktemp -d "${TMPDIR:-/tmp}/lab-verdicts.XXXXXX")
trap 'sim_cleanup; rm -rf "$work"' EXIT
bad=0
for dir in "$TOP"/sim/scenarios/*/; do
	name=$(basename "$dir")
	[ "$name" = large ] && continue
	case " ${LAB_SCENARIOS:-$name} " in *" $name "*) ;; *) continue ;; esac
	mkdir -p "$work/$name"
	sim_start "$dir" || fail "$name: kaic-sim did not start"
	"$KAIC" run --passive --kubeconfig "$KUBECONFIG" --output-dir "$work/$name/sim" --no-color \
		>"$work/$name/sim.out" 2>&1
	echo "$name: kaic-sim: exit $? $(grep '^total' "$work/$name/sim.out")"
	sim_stop || fail "$name: kaic-sim did not stop"
	lab_versions "$dir"
	lab_reset 0 static
	lab_load "$dir" "$work/$name/load.json" | sed "s/^/$name: /"
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
for m in r["notRepresented"]:
    print("LAB-LIMIT %s: %s: %s" % (r["scenario"], m["what"], m["why"]))' "$work/$name/load.json"
	"$KAIC" run --passive --kubeconfig "$LAB_KUBECONFIG" --output-dir "$work/$name/lab" --no-color \
		>"$work/$name/lab.out" 2>&1
	echo "$name: lab: exit $? $(grep '^total' "$work/$name/lab.out")"
	[ -s "$work/$name/lab/results.json" ] || fail "$name: kaic wrote no results on the lab: $(tail -n 5 "$work/$name/lab.out")"
	python3 "$TOP/tests/lab/compare.py" verdicts "$name" "$work/$name/sim/results.json" \
		"$work/$name/lab/results.json" || bad=1
done
[ $bad = 0 ] || fail "verdicts differ beyond tests/lab/known-deviations.txt (DEVIATION lines above)"
pass "same verdicts on kaic-sim and the lab, or differences listed as known"
