#!/bin/sh
# active_server_gone.sh: the API server goes away while an active test waits for an
# object (STO-4.1 waiting for a VolumeSnapshot that storage-no-snapshot never readies).
# kaic must not blame the platform: the requirement is Error with the unanswered request
# in its evidence (not Partial "never became readyToUse"), and results.json says the
# cleanup did not complete, naming what is left.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/active_lib.sh"
active_need_sim
dir=$TOP/sim/scenarios/storage-no-snapshot
[ -d "$dir" ] || skip "no sim/scenarios/storage-no-snapshot"
sim_start "$dir" || fail "kaic-sim did not start"
out=$SIM_DIR/results
"$KAIC" run --focus STO-4.1 --output-dir "$out" --timeout 8s --no-color \
	>"$SIM_DIR/run.log" 2>&1 &
kaic_pid=$!
# the snapshot is created, then kaic waits for it to become ready
waited=0
until grep -qE '^POST /apis/snapshot.storage.k8s.io/v1/namespaces/[^ ]+/volumesnapshots ' \
	"$SIM_LOG" 2>/dev/null; do
	waited=$((waited + 1))
	[ "$waited" -lt 100 ] || fail "kaic never created the VolumeSnapshot"
	sleep 0.1
done
sleep 0.5
kill -KILL "$SIM_PID"
wait "$SIM_PID" 2>/dev/null
SIM_PID=
wait "$kaic_pid"
rc=$?
[ -f "$out/results.json" ] || fail "no results.json (exit $rc): $(tail -n 20 "$SIM_DIR/run.log")"
[ "$rc" -ne 0 ] || fail "kaic exited 0 although its server went away"
active_results "$out/results.json" <<'PY' || fail "STO-4.1 with the server gone (kaic exit $rc)"
r = req['STO-4.1']
ev = ' | '.join(r['evidence'])
bad = []
if r['verdict'] != 'Error':
    bad.append(f'verdict {r["verdict"]}, want Error: {ev}')
if 'no answer' not in ev and 'cannot connect' not in ev:
    bad.append(f'the evidence does not say the server did not answer: {ev}')
if doc['cleanup']['ok']:
    bad.append('cleanup reported ok although the server was gone')
if not any('VolumeSnapshot' in n for n in doc['cleanup']['notes']):
    bad.append(f'cleanup notes do not name the VolumeSnapshot: {doc["cleanup"]["notes"]}')
for b in bad:
    print('FAIL:', b)
sys.exit(1 if bad else 0)
PY
pass "server gone mid-test: STO-4.1 Error, cleanup reported incomplete (kaic exit $rc)"
