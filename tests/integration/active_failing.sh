#!/bin/sh
# active_failing.sh: every failing scenario (a directory of sim/scenarios with an
# expected-active.txt, "ID VERDICT" lines; VERDICT may list alternatives as "Partial/No")
# yields its expected verdicts in `kaic run --focus` those IDs (with the flags of its
# "# flags: ..." line), decided by the active test
# or its prerequisites, with the reason in the evidence and a remediation hint; nothing
# labelled by kaic remains afterwards. A line "# args: FLAGS" adds flags to `kaic run`
# (an opt-in test's images); a line "# evidence: ID TEXT" asks for TEXT in one of ID's
# evidence lines. flaky-api is active_faults.sh's.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/active_lib.sh"
active_need_sim
n=0
for exp in "$TOP"/sim/scenarios/*/expected-active.txt; do
	[ -f "$exp" ] || continue
	dir=$(dirname "$exp")
	name=$(basename "$dir")
	[ "$name" = flaky-api ] && continue
	ids=$(awk '!/^#/ && NF >= 2 {print $1}' "$exp" | paste -sd, -)
	# "# args: ..." and "# flags: --disruptive" in expected-active.txt: flags the run
	# needs (opt-in tests)
	args=$(sed -n 's/^# args: //p' "$exp")
	flags=$(sed -n 's/^# flags: //p' "$exp")
	[ -n "$ids" ] || fail "$name: expected-active.txt names no requirement"
	sim_start "$dir" || fail "$name: kaic-sim did not start"
	out=$SIM_DIR/results
	# shellcheck disable=SC2086 # args, flags: words
	"$KAIC" run --focus "$ids" $flags --output-dir "$out" --timeout 10s --parallel 8 --no-color \
		$args >"$SIM_DIR/run.log" 2>&1
	rc=$?
	[ -f "$out/results.json" ] || fail "$name: no results.json (exit $rc): $(tail -n 20 "$SIM_DIR/run.log")"
	EXP=$exp NAME=$name active_results "$out/results.json" <<'PY' || fail "$name: verdicts (kaic exit $rc)"
name = os.environ['NAME']
bad = []
for line in open(os.environ['EXP']):
    f = line.split()
    if line.startswith('# evidence: '):
        rid, text = line[len('# evidence: '):].rstrip('\n').split(' ', 1)
        if not any(text in e for e in req[rid]['evidence']):
            bad.append(f'{rid}: no evidence line with "{text}": ' + ' | '.join(req[rid]['evidence']))
        continue
    if not f or line.startswith('#'):
        continue
    rid, want = f[0], f[1].replace('|', '/').split('/')
    r = req[rid]
    ev = ' | '.join(r['evidence'])
    if r['verdict'] not in want:
        bad.append(f'{rid}: {r["verdict"]} ({r["mode"]}), want {f[1]}: {ev}')
    elif r['verdict'] != 'Full' and not r['remediation']:
        bad.append(f'{rid}: {r["verdict"]} without a remediation hint')
    elif r['verdict'] != 'Full' and not any(('active test' in e or r['mode'] == 'active')
                                              for e in r['evidence']):
        bad.append(f'{rid}: {r["verdict"]} decided passively, no active reason: {ev}')
    else:
        print(f'ok: {name}: {rid} {r["verdict"]} ({r["mode"]}): {r["evidence"][-1]}')
if not doc['cleanup']['ok']:
    bad.append(f'cleanup not ok: {doc["cleanup"]["notes"]}')
for b in bad:
    print(f'FAIL: {name}:', b)
sys.exit(1 if bad else 0)
PY
	left=$(active_leftovers) || fail "$name: $left"
	[ -z "$left" ] || fail "$name: objects labelled by kaic remain: $left"
	sim_stop || fail "$name: kaic-sim did not stop cleanly"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || skip "no failing scenario (sim/scenarios/*/expected-active.txt) exists yet"
pass "$n failing scenarios give their expected verdicts and leave nothing behind"
