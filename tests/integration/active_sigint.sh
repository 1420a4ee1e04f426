#!/bin/sh
# active_sigint.sh: a run interrupted in the middle of its active tests cleans up before
# it exits: SIGINT once the run namespace exists -> exit 130 and nothing labelled by kaic
# remains; the same for SIGTERM; and two SIGINTs (the second stops waiting for the
# cleanup) still leave nothing once the deletions complete.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/active_lib.sh"
active_need_sim
# the reference scenario, slowed down (every answer 20 ms late), with the kubelet off so
# that the test pods never start: the tests that wait for them are still waiting when
# the signal lands, however fast or loaded the machine is
slow=$(mktemp -d "${TMPDIR:-/tmp}/kaic-slow.XXXXXX") || exit 1
trap 'sim_cleanup; rm -rf "$slow"' EXIT
cp -RL "$TOP/sim/scenarios/reference/." "$slow/" || fail "cannot copy the reference scenario"
grep -v '^latencyMs:' "$TOP/sim/scenarios/reference/scenario.yaml" |
	sed 's/^controllers:$/controllers:\n  kubelet: false/' >"$slow/scenario.yaml"
grep -q '^  kubelet: false' "$slow/scenario.yaml" || fail "cannot turn the kubelet off"
echo 'latencyMs: 20' >>"$slow/scenario.yaml"
sim_start "$slow" || fail "kaic-sim did not start"

# run_and_signal SIGNAL COUNT: starts a run, waits for its namespace, sends SIGNAL COUNT
# times; sets rc to kaic's exit status.
run_and_signal() {
	"$KAIC" run --output-dir "$SIM_DIR/out-$1-$2" --timeout 120s --parallel 18 --no-color \
		>"$SIM_DIR/run-$1-$2.log" 2>&1 &
	pid=$!
	waited=0
	until kubectl get ns -l app.kubernetes.io/managed-by=kaic -o name 2>/dev/null | grep -q .; do
		kill -0 "$pid" 2>/dev/null || fail "kaic ended before creating its namespace: $(tail -n 5 "$SIM_DIR/run-$1-$2.log")"
		waited=$((waited + 1))
		[ "$waited" -lt 300 ] || { kill -KILL "$pid"; fail "no run namespace after 30 s"; }
		sleep 0.1
	done
	sleep 0.3 # in the middle of the tests
	i=0
	while [ "$i" -lt "$2" ]; do
		kill -"$1" "$pid" 2>/dev/null
		i=$((i + 1))
		sleep 0.05
	done
	waited=0
	while kill -0 "$pid" 2>/dev/null; do
		waited=$((waited + 1))
		[ "$waited" -lt 600 ] || { kill -KILL "$pid"; fail "kaic still running 60 s after SIG$1"; }
		sleep 0.1
	done
	wait "$pid"
	rc=$?
	res=$SIM_DIR/out-$1-$2/results.json
	[ -f "$res" ] || fail "SIG$1: no results.json: $(tail -n 5 "$SIM_DIR/run-$1-$2.log")"
	# the runner saw the signal mid-run: interrupted, and some test did not finish
	python3 - "$res" <<'PY' || fail "SIG$1 did not interrupt the run in the middle"
import json, sys
doc = json.load(open(sys.argv[1]))
stopped = [r["id"] for r in doc["requirements"] if r["verdict"] == "Error"]
print(f"interrupted: {doc['interrupted']}, stopped: {', '.join(stopped)}")
sys.exit(0 if doc["interrupted"] and stopped else 1)
PY
}

run_and_signal INT 1
[ "$rc" -eq 130 ] || fail "SIGINT: exit $rc, want 130: $(tail -n 5 "$SIM_DIR/run-INT-1.log")"
left=$(active_leftovers) || fail "$left"
[ -z "$left" ] || fail "after SIGINT, objects labelled by kaic remain: $left"
grep -q 'interrupted' "$SIM_DIR/run-INT-1.log" || fail "no interruption message"
pass "SIGINT mid-run: exit 130 after cleanup, nothing left"

run_and_signal TERM 1
[ "$rc" -eq 130 ] || [ "$rc" -eq 143 ] || fail "SIGTERM: exit $rc: $(tail -n 5 "$SIM_DIR/run-TERM-1.log")"
left=$(active_leftovers) || fail "$left"
[ -z "$left" ] || fail "after SIGTERM, objects labelled by kaic remain: $left"
pass "SIGTERM mid-run: exit $rc after cleanup, nothing left"

run_and_signal INT 2
[ "$rc" -eq 130 ] || fail "two SIGINTs: exit $rc: $(tail -n 5 "$SIM_DIR/run-INT-2.log")"
left=$(active_wait_clean 20) || fail "after two SIGINTs, objects labelled by kaic remain: $left"
pass "two SIGINTs: the deletes still went out, nothing left"
