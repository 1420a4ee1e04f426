#!/bin/sh
# cncf_active.sh: the CNCF-only checks (src/checks/cncf_*.c) on every scenario with an
# expected-cncf.txt ("ID VERDICT" lines; VERDICT may be "A/B"): build/tests/test_cncf_active
# runs each check's passive part and, where it found something, its active test against
# kaic-sim, as the runner does; the verdicts must match, the cleanup must succeed and
# nothing labelled by kaic may remain. "# flags: --disruptive" in expected-cncf.txt runs
# the opt-in disruptive tests too; "# timeout: N" bounds each check at N s (default 60).
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/active_lib.sh"
active_need_sim
bin="$TOP/build/tests/test_cncf_active"
[ -x "$bin" ] || skip "build/tests/test_cncf_active is not built"
n=0
for exp in "$TOP"/sim/scenarios/*/expected-cncf.txt; do
	[ -f "$exp" ] || continue
	dir=$(dirname "$exp")
	name=$(basename "$dir")
	want=$(awk '!/^#/ && NF >= 2 {printf "%s%s=%s", sep, $1, $2; sep=","}' "$exp")
	[ -n "$want" ] || fail "$name: expected-cncf.txt names no check"
	dis=0
	grep -q '^# flags: .*--disruptive' "$exp" && dis=1
	timeout=$(sed -n 's/^# timeout: //p' "$exp")
	sim_start "$dir" || fail "$name: kaic-sim did not start"
	if ! KAIC_TEST_KUBECONFIG=$KUBECONFIG KAIC_TEST_EXPECT=$want KAIC_TEST_RUN_ID=cncf$n \
		KAIC_TEST_DISRUPTIVE=$dis KAIC_TEST_TIMEOUT_S=${timeout:-60} \
		"$bin" >"$SIM_DIR/cncf.log" 2>&1; then
		cat "$SIM_DIR/cncf.log"
		fail "$name: verdicts or cleanup"
	fi
	grep -q 'PASSED  \] 1 test' "$SIM_DIR/cncf.log" || fail "$name: the test did not run: $(cat "$SIM_DIR/cncf.log")"
	grep -E '^[a-z_]+: ' "$SIM_DIR/cncf.log" | sed "s/^/ok: $name: /"
	left=$(active_wait_clean 10) || fail "$name: objects labelled by kaic remain: $left"
	sim_stop || fail "$name: kaic-sim did not stop cleanly"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || skip "no scenario has an expected-cncf.txt"
pass "$n scenarios give the CNCF-only checks' expected verdicts and leave nothing behind"
