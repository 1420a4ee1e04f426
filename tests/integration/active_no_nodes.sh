#!/bin/sh
# active_no_nodes.sh: on a cluster with no node at all (the reference scenario without its
# Nodes), HW-1.1's active test cannot reach DRA: its pod is never placed ("no nodes
# available to schedule pods"). That is Error with the scheduler's reason, never Partial
# or No (which would judge the DRA driver on what was not observed); nothing remains.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/active_lib.sh"
active_need_sim
scen=$(mktemp -d "${TMPDIR:-/tmp}/kaic-nonodes.XXXXXX") || fail "mktemp"
trap 'rm -rf "$scen"' EXIT
cp -RL "$TOP/sim/scenarios/reference/." "$scen/" || fail "cannot copy the reference scenario"
python3 - "$scen/cluster.yaml" <<'PY' || fail "cannot drop the Nodes"
import sys
path = sys.argv[1]
docs = open(path).read().split('\n---')
keep = [d for d in docs if '\nkind: Node\n' not in '\n' + d + '\n']
assert len(keep) < len(docs), 'no Node in cluster.yaml'
open(path, 'w').write('\n---'.join(keep))
PY
grep -q '^kind: Node$' "$scen/cluster.yaml" && fail "Nodes remain in the copy"
sim_start "$scen" || fail "kaic-sim did not start"
out=$SIM_DIR/results
"$KAIC" run --focus HW-1.1 --output-dir "$out" --timeout 10s --no-color >"$SIM_DIR/run.log" 2>&1
rc=$?
[ -f "$out/results.json" ] || fail "no results.json (exit $rc): $(tail -n 20 "$SIM_DIR/run.log")"
active_results "$out/results.json" <<'PY' || fail "HW-1.1 verdict (kaic exit $rc)"
r = req['HW-1.1']
ev = ' | '.join(r['evidence'])
ok = (r['verdict'] == 'Error' and r['mode'] == 'active'
      and 'no nodes available to schedule pods' in ev and r['remediation'])
print(('ok: ' if ok else 'FAIL: ') + f"HW-1.1 {r['verdict']} ({r['mode']}): {ev}")
sys.exit(0 if ok and doc['cleanup']['ok'] else 1)
PY
left=$(active_leftovers) || fail "$left"
[ -z "$left" ] || fail "objects labelled by kaic remain: $left"
sim_stop || fail "kaic-sim did not stop cleanly"
pass "no node: HW-1.1 ends Error naming the scheduler's reason, and leaves nothing"
