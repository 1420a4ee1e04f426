#!/bin/sh
# active_cluster_scoped.sh: WL-2.3's cluster-scoped objects (its ResourceFlavor,
# WorkloadPriorityClass and ClusterQueue, named queue-<run-id>...) never outlive a run:
# with Kueue's model off, so that the test is still waiting for its ClusterQueue, SIGINT
# once the ClusterQueue exists -> exit 130 and nothing labelled by kaic remains, cluster-
# scoped objects included; a run killed with SIGKILL at the same point leaves them, and
# `kaic cleanup --run-id` removes them.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/active_lib.sh"
active_need_sim
scen=$(mktemp -d "${TMPDIR:-/tmp}/kaic-nokueue.XXXXXX") || exit 1
trap 'sim_cleanup; rm -rf "$scen"' EXIT
cp -RL "$TOP/sim/scenarios/kueue-no-controller/." "$scen/" || fail "cannot copy the scenario"
sim_start "$scen" || fail "kaic-sim did not start"

# run_until_queue SIGNAL: starts `kaic run --focus WL-2.3`, waits for its ClusterQueue,
# sends SIGNAL; sets rc and run (the run ID).
run_until_queue() {
	"$KAIC" run --focus WL-2.3 --output-dir "$SIM_DIR/out-$1" --timeout 120s --no-color \
		>"$SIM_DIR/run-$1.log" 2>&1 &
	pid=$!
	waited=0
	until cq=$(kubectl get clusterqueues -l app.kubernetes.io/managed-by=kaic -o name 2>/dev/null) &&
		[ -n "$cq" ]; do
		kill -0 "$pid" 2>/dev/null || fail "kaic ended before creating its ClusterQueue: $(tail -n 5 "$SIM_DIR/run-$1.log")"
		waited=$((waited + 1))
		[ "$waited" -lt 300 ] || { kill -KILL "$pid"; fail "no ClusterQueue after 30 s"; }
		sleep 0.1
	done
	run=${cq#*/queue-}
	kill -"$1" "$pid"
	waited=0
	while kill -0 "$pid" 2>/dev/null; do
		waited=$((waited + 1))
		[ "$waited" -lt 600 ] || { kill -KILL "$pid"; fail "kaic still running 60 s after SIG$1"; }
		sleep 0.1
	done
	wait "$pid"
	rc=$?
}

run_until_queue INT
[ "$rc" -eq 130 ] || fail "SIGINT: exit $rc, want 130: $(tail -n 5 "$SIM_DIR/run-INT.log")"
left=$(active_leftovers) || fail "$left"
[ -z "$left" ] || fail "after SIGINT, objects labelled by kaic remain: $left"
pass "SIGINT while WL-2.3 waits for its ClusterQueue: exit 130, no ClusterQueue, ResourceFlavor or WorkloadPriorityClass left"

run_until_queue KILL
left=$(active_leftovers) || fail "$left"
for kind in clusterqueue resourceflavor workloadpriorityclass; do
	echo "$left" | grep -q "^$kind" || fail "after SIGKILL, no $kind of the run is left to clean up: $left"
done
"$KAIC" cleanup --run-id "$run" --force >"$SIM_DIR/cleanup.log" 2>&1 ||
	fail "kaic cleanup --run-id $run: $(tail -n 5 "$SIM_DIR/cleanup.log")"
left=$(active_wait_clean 20) || fail "after kaic cleanup, objects labelled by kaic remain: $left"
pass "after SIGKILL, kaic cleanup --run-id $run removed the run's cluster-scoped Kueue objects"
