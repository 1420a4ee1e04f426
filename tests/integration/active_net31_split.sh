#!/bin/sh
# active_net31_split.sh: NET-3.1's split test against kaic-sim's random-weighted gateway
# (sim/scenarios/gateway-random: each load pod draws its own pseudo-random stream) passes
# in every one of 4 runs, with the observed split, its confidence interval and the
# binomial acceptance band in the evidence; against a gateway 10 points off
# (gateway-biased) it fails in every one of 2 runs; against a gateway that answers 503 to
# each client's first 60 requests (gateway-settling, Traefik right after it programs a
# Gateway) the load pods' warm-up absorbs them: Full, the warm-up in the evidence, in
# every one of 2 runs. (The false-failure rate itself is
# counted over thousands of samples by tests/unit/test_net31_split.c.)
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/active_lib.sh"
active_need_sim
trap 'sim_cleanup' EXIT

runs() { # SCENARIO COUNT WANT
	sim_start "$TOP/sim/scenarios/$1" || fail "$1: kaic-sim did not start"
	i=0
	while [ "$i" -lt "$2" ]; do
		out=$SIM_DIR/out-$i
		"$KAIC" run --focus NET-3.1 --output-dir "$out" --timeout 30s --no-color \
			>"$SIM_DIR/run-$i.log" 2>&1
		[ -f "$out/results.json" ] || fail "$1 run $i: no results.json: $(tail -n 5 "$SIM_DIR/run-$i.log")"
		WANT=$3 NAME="$1 run $i" active_results "$out/results.json" <<'PY' || fail "$1 run $i: NET-3.1 is not $3"
r = req['NET-3.1']
ev = ' | '.join(r['evidence'])
split = next((e for e in r['evidence'] if e.startswith('measured split')), '')
band = next((e for e in r['evidence'] if e.startswith('split ')), '')
print(f"{os.environ['NAME']}: {r['verdict']} ({r['mode']}): {split} | {band}")
ok = (r['verdict'] == os.environ['WANT'] and r['mode'] == 'active' and '95% CI' in split
      and 'false-failure probability at most 1e-06' in band and 'of 2000 requests' in split)
if os.environ['NAME'].startswith('gateway-settling'):
    ok = ok and 'weighted load: every expected backend answered after' in ev and '2000 of 2000 requests answered' in split
if not ok:
    print(ev)
sys.exit(0 if ok else 1)
PY
		i=$((i + 1))
	done
	sim_stop || fail "$1: kaic-sim did not stop cleanly"
}

runs gateway-random 4 Full
runs gateway-biased 2 No
runs gateway-settling 2 Full
pass "NET-3.1: 4 runs against a random-weighted gateway Full, 2 against one 10 points off No, 2 against a settling one Full"
