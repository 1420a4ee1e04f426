#!/bin/sh
# agentd: kaic-agentd, the reference AgentTool controller (docs/agenttool.md), against the
# lab's real kube-apiserver, as tests/integration/agentd_scale.sh and agentd_leader.sh run
# it against kaic-sim: the AgentTool CRD of deploy/crds, 1,000 MCP AgentTools whose
# endpoint is one MCP server on 127.0.0.1 (tests/data/mcp_tool_server.py; the lab's kwok
# nodes run no pods), kaic-agentd run as a process with the lab's kubeconfig.
#   1. every AgentTool Ready, the time printed (AGENTD node: a real API server's
#      throttling, validation and status subresource);
#   2. a restart changes no condition's lastTransitionTime;
#   3. two replicas with --leader-elect: killing the leader hands over within the lease
#      duration (4 s) plus a retry period, and the new leader reconciles.
# LAB_AGENTD_N changes the count (default 1000).
. "$TOP/tests/lab/lib.sh"
lab_require
KUBECONFIG=$LAB_KUBECONFIG
export KUBECONFIG
SIM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/lab-agentd.XXXXXX")
export SIM_DIR
. "$TOP/tests/integration/agentd_lib.sh"
trap 'agentd_cleanup; rm -rf "$SIM_DIR"' EXIT
[ -x "$KAIC_AGENTD" ] || skip "no $KAIC_AGENTD"
n=${LAB_AGENTD_N:-1000}
lab_reset 0
kubectl apply -f "$TOP/deploy/crds/agenttool.yaml" >/dev/null || fail "cannot apply the AgentTool CRD"
kubectl wait --for condition=Established crd/agenttools.agents.kaic.io --timeout 60s >/dev/null ||
	fail "the AgentTool CRD is not Established"
kubectl create namespace tools >/dev/null && kubectl create namespace kaic-system >/dev/null ||
	fail "cannot create the namespaces"
tool_server "$SIM_DIR/port" || fail "tool server did not start"
python3 - "$n" "$TOOL_PORT" >"$SIM_DIR/tools.json" <<'PY'
import json, sys
n, port = int(sys.argv[1]), sys.argv[2]
items = [{"apiVersion": "agents.kaic.io/v1alpha1", "kind": "AgentTool",
          "metadata": {"name": f"tool-{i:04d}", "namespace": "tools"},
          "spec": {"protocol": "MCP", "endpoint": {"url": f"http://127.0.0.1:{port}/mcp/{i}"}}}
         for i in range(n)]
print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
PY
kubectl create -f "$SIM_DIR/tools.json" >"$SIM_DIR/out" 2>&1 || fail "create: $(tail -3 "$SIM_DIR/out")"
count_ready() {
	kubectl get atool -n tools -o 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
		grep -c '^True$'
}
all_ready() { [ "$(count_ready)" -eq "$n" ]; }
start=$(date +%s.%N)
agentd_start A --workers 16 || fail "kaic-agentd did not start: $(tail -3 "$SIM_DIR/agentd-A.log")"
wait_for 600 all_ready || fail "$(count_ready) of $n Ready after 600 s; $(tail -3 "$A_LOG")"
secs=$(echo "$(date +%s.%N) - $start" | bc)
got=$(curl -sf "$A_REG/v1/tools?namespace=tools" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["tools"]))')
[ "$got" -eq "$n" ] || fail "the registry lists $got of $n"
echo "AGENTD $n AgentTools Ready in $secs s on kube-apiserver $(kubectl get --raw /version | python3 -c 'import json,sys; print(json.load(sys.stdin)["gitVersion"])') (kubectl polling included)"

transition_times() {
	kubectl get atool -n tools -o 'jsonpath={range .items[*]}{.metadata.name}{range .status.conditions[*]} {.type}={.lastTransitionTime}{end}{"\n"}{end}' | sort
}
transition_times >"$SIM_DIR/before"
kill -TERM "$A_PID"
wait "$A_PID" || fail "kaic-agentd did not exit 0 on SIGTERM"
agentd_start R --workers 16 || fail "kaic-agentd did not restart"
# the restarted controller has reconciled everything once when its reconcile counter has
wait_for 120 sh -c "curl -sf '$R_MET/metrics' | awk '/^agentd_reconciles_total/ {exit !(\$2 >= $n)}'" ||
	fail "the restarted kaic-agentd did not reconcile the $n AgentTools"
transition_times >"$SIM_DIR/after"
cmp -s "$SIM_DIR/before" "$SIM_DIR/after" ||
	fail "a restart moved lastTransitionTime: $(diff "$SIM_DIR/before" "$SIM_DIR/after" | head -4)"
echo "AGENTD restart: $(wc -l <"$SIM_DIR/after") AgentTools, no lastTransitionTime moved"
kill -TERM "$R_PID"
wait "$R_PID"

le="--leader-elect --lease-namespace kaic-system --lease-duration 4s --renew-deadline 3s --retry-period 500ms"
holder() { kubectl get lease kaic-agentd -n kaic-system -o 'jsonpath={.spec.holderIdentity}' 2>/dev/null; }
# shellcheck disable=SC2086
agentd_start L1 $le --id replica-a || fail "replica a did not start"
wait_for 30 sh -c '[ "$(kubectl get lease kaic-agentd -n kaic-system -o "jsonpath={.spec.holderIdentity}")" = replica-a ]' ||
	fail "replica-a does not lead: holder \"$(holder)\""
# shellcheck disable=SC2086
agentd_start L2 $le --id replica-b || fail "replica b did not start"
sleep 1
kill -KILL "$L1_PID"
t0=$(date +%s.%N)
wait_for 15 sh -c '[ "$(kubectl get lease kaic-agentd -n kaic-system -o "jsonpath={.spec.holderIdentity}")" = replica-b ]' ||
	fail "replica-b did not take over: holder \"$(holder)\""
hand=$(echo "$(date +%s.%N) - $t0" | bc)
[ "$(echo "$hand < 4 + 0.5 + 1.5" | bc)" = 1 ] || fail "hand-over took $hand s (lease 4 s)"
printf 'apiVersion: agents.kaic.io/v1alpha1\nkind: AgentTool\nmetadata: {name: after-handover, namespace: tools}\nspec: {protocol: MCP, endpoint: {url: "http://127.0.0.1:%s/mcp"}}\n' \
	"$TOOL_PORT" | kubectl apply -f - >/dev/null || fail "apply after-handover"
wait_for 30 sh -c '[ "$(kubectl get atool after-handover -n tools -o "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")" = True ]' ||
	fail "not Ready under replica-b"
echo "AGENTD leader hand-over in $hand s (lease 4 s); the new leader reconciles"
pass "kaic-agentd on the lab: $n AgentTools Ready in $secs s, restart keeps lastTransitionTime, hand-over in $hand s"
