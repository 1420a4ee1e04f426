#!/bin/sh
# active_disruptive.sh: HW-1.3's disruptive test. Without --disruptive it does not run
# (Partial, "opt in with --disruptive") and the node is untouched. With it, against
# reference: a warning names HW-1.3 before the run starts, the verdict is Full (active)
# with the cordon and the drain in the evidence, and the node is restored exactly (its
# GPUXidError condition as before, schedulable). Interrupted while it waits for a drain
# that never comes (remediation-no-drain): exit 130 and the node is still restored by
# the cleanup. Nothing labelled by kaic remains.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/active_lib.sh"
active_need_sim
NODE=gpu-node-1
node_state() {
	kubectl get node "$NODE" -o jsonpath='{.spec.unschedulable}|{.status.conditions[?(@.type=="GPUXidError")]}'
}
sim_start "$TOP/sim/scenarios/reference" || fail "kaic-sim did not start"
before=$(node_state) || fail "cannot read node $NODE"

"$KAIC" run --focus HW-1.3 --output-dir "$SIM_DIR/plain" --timeout 20s --no-color \
	>"$SIM_DIR/plain.log" 2>&1
active_results "$SIM_DIR/plain/results.json" <<'PY' || fail "without --disruptive"
r = req["HW-1.3"]
print(r["verdict"], r["evidence"][-1])
sys.exit(0 if r["verdict"] == "Partial" and any("opt in with --disruptive" in e for e in r["evidence"]) else 1)
PY
grep -q "warning: --disruptive" "$SIM_DIR/plain.log" && fail "warned without --disruptive"
[ "$(node_state)" = "$before" ] || fail "node changed without --disruptive: $(node_state)"
pass "without --disruptive: Partial, node untouched"

"$KAIC" run --focus HW-1.3 --disruptive --output-dir "$SIM_DIR/dis" --timeout 20s --no-color \
	>"$SIM_DIR/dis.log" 2>&1
head -n 3 "$SIM_DIR/dis.log" | grep -q "warning: --disruptive: HW-1.3 " ||
	fail "no warning naming HW-1.3 before the run: $(head -n 3 "$SIM_DIR/dis.log")"
active_results "$SIM_DIR/dis/results.json" <<'PY' || fail "with --disruptive: $(tail -n 5 "$SIM_DIR/dis.log")"
r = req["HW-1.3"]
need = ["set GPUXidError=True (reason KaicSimulatedFault) on node gpu-node-1",
        "node gpu-node-1 cordoned", "drained from node gpu-node-1", "cordon, then drain",
        "node gpu-node-1 restored: schedulable, condition GPUXidError as before"]
miss = [n for n in need if not any(n in e for e in r["evidence"])]
print(r["verdict"], r["mode"], miss or r["evidence"][-2:])
sys.exit(0 if r["verdict"] == "Full" and r["mode"] == "active" and not miss and doc["cleanup"]["ok"] else 1)
PY
[ "$(node_state)" = "$before" ] || fail "node not restored: $(node_state), was $before"
left=$(active_leftovers) || fail "$left"
[ -z "$left" ] || fail "objects labelled by kaic remain: $left"
pass "with --disruptive: Full, warned first, node restored, nothing left"
sim_stop || fail "kaic-sim did not stop cleanly"

sim_start "$TOP/sim/scenarios/remediation-no-drain" || fail "kaic-sim did not start"
before=$(node_state)
"$KAIC" run --focus HW-1.3 --disruptive --output-dir "$SIM_DIR/int" --timeout 60s --no-color \
	>"$SIM_DIR/int.log" 2>&1 &
cordoned() { [ "$(kubectl get node "$NODE" -o jsonpath='{.spec.unschedulable}')" = true ]; }
active_interrupt $! "$SIM_DIR/int.log" "the node was cordoned" cordoned
[ "$(node_state)" = "$before" ] || fail "node not restored after SIGINT: $(node_state), was $before"
left=$(active_wait_clean 30) || fail "objects labelled by kaic remain: $left"
pass "interrupted while the node was cordoned: exit 130, node restored, nothing left"
