#!/bin/sh
# active_autoscaling.sh: cluster_autoscaling's disruptive test against kaic-sim's
# cluster-autoscaler model. Without --disruptive it does not run (Partial, "opt in with
# --disruptive") and no node is added. With it: a warning names cluster_autoscaling
# before the run; reference: Full (active) with (a) pending, (b) the new node
# gpu-pool-xxxxx running the pod, (c) that node removed, and the node list as before;
# autoscaler-no-scaleup: No, "no node was added"; autoscaler-no-scaledown: Partial, the
# node "is still there". Interrupted while it waits for the scale-down: exit 130. Nothing
# labelled by kaic remains after any run.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/active_lib.sh"
active_need_sim
nodes() { kubectl get nodes -o name | sort | paste -sd, -; }

# run_ca NAME FLAGS...: kaic run --focus cluster_autoscaling into $SIM_DIR/NAME
run_ca() {
	name=$1
	shift
	"$KAIC" run --focus cluster_autoscaling "$@" --output-dir "$SIM_DIR/$name" --timeout 10s \
		--no-color >"$SIM_DIR/$name.log" 2>&1
}

# check NAME: the Python snippet on stdin with `r` = cluster_autoscaling's item and `ev`
# its evidence joined
check() {
	active_results "$SIM_DIR/$1/results.json" <<PY
r = next(i for i in doc["cncf"]["items"] if i["id"] == "cluster_autoscaling")
ev = " | ".join(r["evidence"])
print(r["verdict"], r["mode"], ev)
$(cat)
PY
}

no_leftovers() {
	left=$(active_wait_clean 10) || fail "$1: objects labelled by kaic remain: $left"
}

sim_start "$TOP/sim/scenarios/reference" || fail "kaic-sim did not start"
before=$(nodes)
run_ca plain
check plain <<'PY' || fail "without --disruptive: $(tail -n 3 "$SIM_DIR/plain.log")"
sys.exit(0 if r["verdict"] == "Partial" and "opt in with --disruptive" in ev else 1)
PY
grep -q "warning: --disruptive" "$SIM_DIR/plain.log" && fail "warned without --disruptive"
[ "$(nodes)" = "$before" ] || fail "nodes changed without --disruptive: $(nodes)"
no_leftovers plain
pass "without --disruptive: not run (Partial), no node added"

run_ca dis --disruptive
head -n 3 "$SIM_DIR/dis.log" | grep -q "warning: --disruptive: cluster_autoscaling " ||
	fail "no warning naming cluster_autoscaling: $(head -n 3 "$SIM_DIR/dis.log")"
check dis <<'PY' || fail "reference with --disruptive"
import re
need = [r"\(a\) pod ca Pending, unschedulable after [0-9.]+ s: 0/3 nodes are available",
        r"\(b\) new node gpu-pool-[a-z0-9]{5}: pod ca scheduled there after [0-9.]+ s, running after",
        r"tainted ToBeDeletedByClusterAutoscaler", r"\(c\) node gpu-pool-[a-z0-9]{5} removed [0-9.]+ s after"]
miss = [n for n in need if not re.search(n, ev)]
print("missing:", miss)
sys.exit(0 if r["verdict"] == "Full" and r["mode"] == "active" and not miss and doc["cleanup"]["ok"] else 1)
PY
[ "$(nodes)" = "$before" ] || fail "the added node is still there: $(nodes)"
no_leftovers reference
pass "reference with --disruptive: Full, node added then removed, nothing left"
sim_stop || fail "kaic-sim did not stop cleanly"

sim_start "$TOP/sim/scenarios/autoscaler-no-scaleup" || fail "kaic-sim did not start"
before=$(nodes)
run_ca up --disruptive
check up <<'PY' || fail "autoscaler-no-scaleup"
sys.exit(0 if r["verdict"] == "No" and "no node was added" in ev and "stayed Pending" in ev
         and "added no node" in r["remediation"] else 1)
PY
[ "$(nodes)" = "$before" ] || fail "a node was added: $(nodes)"
no_leftovers autoscaler-no-scaleup
pass "autoscaler-no-scaleup: No, no node was added"
sim_stop || fail "kaic-sim did not stop cleanly"

sim_start "$TOP/sim/scenarios/autoscaler-no-scaledown" || fail "kaic-sim did not start"
run_ca down --disruptive
check down <<'PY' || fail "autoscaler-no-scaledown"
sys.exit(0 if r["verdict"] == "Partial" and "(b) new node gpu-pool-" in ev
         and "was not removed" in ev and "still there" in ev else 1)
PY
kubectl get nodes -o name | grep -q '^node/gpu-pool-' || fail "the added node is gone"
no_leftovers autoscaler-no-scaledown
pass "autoscaler-no-scaledown: Partial, the node is still there"

# interrupted while waiting for a scale-down that never comes (a second node is added
# for the second run's pod: maxSize 2)
"$KAIC" run --focus cluster_autoscaling --disruptive --output-dir "$SIM_DIR/int" --timeout 60s \
	--no-color >"$SIM_DIR/int.log" 2>&1 &
# the node added and the pod gone: kaic waits for the scale-down
scaledown_wait() {
	[ "$(kubectl get nodes -o name | grep -c '^node/gpu-pool-')" -ge 2 ] &&
		! kubectl get pods -A -l kaic.io/app=ca -o name 2>/dev/null | grep -q .
}
active_interrupt $! "$SIM_DIR/int.log" "the scale-down wait" scaledown_wait
no_leftovers interrupted
pass "interrupted while waiting for the scale-down: exit 130, nothing left"
sim_stop || fail "kaic-sim did not stop cleanly"
