#!/bin/sh
# active_no_runtime.sh: kaic's active tests on clusters where no container can run, the
# two forms a control-plane-only cluster takes (the lab's tests/lab/active_run.sh runs
# the same rounds against a real kube-apiserver):
#   nodes=0   the reference scenario without its Nodes: no test pod is ever placed
#             (kube-scheduler: "no nodes available to schedule pods");
#   fake      the reference scenario with fake kubelets (controllers.kubelet.containers:
#             false, as kwok's nodes): pods are reported Running and Ready, but no
#             container runs, no one-shot probe ends and no log can be read.
# For each round: every requirement decided by its active test is Error (kaic observed
# nothing to judge the platform on: never Full, No or Partial); each such Error names why; HW-1.1 says why precisely;
# no evidence line is repeated; the run's cleanup is complete and nothing labelled by
# kaic remains. HW-1.2 is the one
# exception: its verdict rests on the accelerator exporters' answers (the scenario's
# canned exporter pods, which answer in both rounds), not on kaic's pod, so it may be Full.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/active_lib.sh"
active_need_sim
work=$(mktemp -d "${TMPDIR:-/tmp}/kaic-noruntime.XXXXXX") || fail "mktemp"
trap 'sim_cleanup; rm -rf "$work"' EXIT
for round in nodes=0 fake; do
	scen=$work/$round
	mkdir -p "$scen"
	cp -RL "$TOP/sim/scenarios/reference/." "$scen/" || fail "cannot copy the reference scenario"
	ROUND=$round python3 - "$scen" <<'PY' || fail "$round: cannot make the scenario"
import os, re, sys
d, rnd = sys.argv[1], os.environ['ROUND']
if rnd == 'nodes=0':
    p = os.path.join(d, 'cluster.yaml')
    docs = open(p).read().split('\n---')
    keep = [x for x in docs if not re.search(r'^kind: Node$', x, re.M)]
    assert len(keep) < len(docs), 'no Node in cluster.yaml'
    open(p, 'w').write('\n---'.join(keep))
else:
    p = os.path.join(d, 'scenario.yaml')
    s = open(p).read()
    assert '\ncontrollers:\n' in s and 'kubelet:' not in s
    open(p, 'w').write(s.replace('\ncontrollers:\n', '\ncontrollers:\n  kubelet: {containers: false}\n'))
PY
	sim_start "$scen" || fail "$round: kaic-sim did not start"
	out=$SIM_DIR/results
	"$KAIC" run --output-dir "$out" --timeout 15s --parallel 8 --no-color >"$SIM_DIR/run.log" 2>&1
	rc=$?
	[ -f "$out/results.json" ] || fail "$round: no results.json (exit $rc): $(tail -n 20 "$SIM_DIR/run.log")"
	ROUND=$round active_results "$out/results.json" <<'PY' || fail "$round: verdicts (kaic exit $rc)"
rnd = os.environ['ROUND']
bad = []
active = 0
for r in doc['requirements']:
    ev = ' | '.join(r['evidence'])
    dup = sorted({e for e in r['evidence'] if r['evidence'].count(e) > 1})
    if dup:
        bad.append(f"{r['id']}: evidence repeats {dup}")
    if r['mode'] != 'active' or (r['id'] == 'HW-1.2' and rnd == 'fake'):
        continue
    active += 1
    if r['verdict'] != 'Error':
        bad.append(f"{r['id']}: {r['verdict']} though no container ran, want Error: {ev}")
    elif r['verdict'] == 'Error' and not r['remediation']:
        bad.append(f"{r['id']}: Error without a hint: {ev}")
    else:
        print(f"ok: {rnd}: {r['id']} {r['verdict']}: {r['evidence'][-1]}")
hw = req['HW-1.1']
hev = ' | '.join(hw['evidence'])
want = {'nodes=0': 'no nodes available to schedule pods',
        'fake': 'nothing shows that its container ever ran'}[rnd]
if hw['verdict'] != 'Error' or hw['mode'] != 'active' or want not in hev:
    bad.append(f"HW-1.1: {hw['verdict']} ({hw['mode']}), want Error naming '{want}': {hev}")
if active < 5:
    bad.append(f'only {active} requirements decided actively')
if not doc['cleanup']['ok']:
    bad.append(f"cleanup not ok: {doc['cleanup']['notes']}")
for b in bad:
    print(f'FAIL: {rnd}: {b}')
sys.exit(1 if bad else 0)
PY
	left=$(active_leftovers) || fail "$round: $left"
	[ -z "$left" ] || fail "$round: objects labelled by kaic remain: $left"
	sim_stop || fail "$round: kaic-sim did not stop cleanly"
done
pass "no node, and fake kubelets: no active Full or No, Errors say why, nothing left behind"
