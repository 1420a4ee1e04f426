#!/bin/sh
# active_faults.sh: under fault injection (the flaky-api scenario: 500s, 429s, dropped
# connections, cut watches) every active test ends with its expected verdict or Error,
# never a false No or Partial; the cleanup completes (results.json cleanup ok, and
# nothing labelled by kaic remains).
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/active_lib.sh"
active_need_sim
dir=$TOP/sim/scenarios/flaky-api
[ -f "$dir/expected-active.txt" ] || skip "no sim/scenarios/flaky-api/expected-active.txt yet"
grep -q '^faults:' "$dir/scenario.yaml" 2>/dev/null || skip "sim/scenarios/flaky-api injects no faults"
ids=$(awk '!/^#/ && NF >= 2 {print $1}' "$dir/expected-active.txt" | paste -sd, -)
sim_start "$dir" || fail "kaic-sim did not start"
out=$SIM_DIR/results
"$KAIC" run --focus "$ids" --output-dir "$out" --timeout 60s --parallel 8 --no-color \
	>"$SIM_DIR/run.log" 2>&1
rc=$?
[ -f "$out/results.json" ] || fail "no results.json (exit $rc): $(tail -n 20 "$SIM_DIR/run.log")"
EXP=$dir/expected-active.txt active_results "$out/results.json" <<'PY' || fail "verdicts under faults (kaic exit $rc)"
bad = []
for line in open(os.environ['EXP']):
    f = line.split()
    if not f or line.startswith('#'):
        continue
    rid, want = f[0], f[1].replace('|', '/').split('/')
    r = req[rid]
    if r['verdict'] not in want + ['Error']:
        bad.append(f'{rid}: {r["verdict"]}, want {f[1]} or Error: ' + ' | '.join(r['evidence']))
    else:
        print(f'ok: {rid} {r["verdict"]} ({r["mode"]}): {r["evidence"][-1]}')
print(f'api requests {doc["api_requests"]}, retries {doc["api_retries"]}')
if not doc['cleanup']['ok']:
    bad.append(f'cleanup not ok: {doc["cleanup"]["notes"]}')
for b in bad:
    print('FAIL:', b)
sys.exit(1 if bad else 0)
PY
left=$(active_wait_clean 30) || fail "objects labelled by kaic remain: $left"
pass "verdicts correct or Error under faults, cleanup complete"
