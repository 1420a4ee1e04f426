#!/bin/sh
# agentd_scale.sh: kaic-agentd reconciles 1,000 MCP AgentTools (one Python MCP server
# on 127.0.0.1 behind them all) to Ready and prints how long it took; the registry then
# lists all 1,000. AGENTD_SCALE_N changes the count, AGENTD_SCALE_LIMIT the seconds
# allowed (default 300: a loaded 2-core CI machine).
# test: alone
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/agentd_lib.sh"
command -v kubectl >/dev/null 2>&1 || skip "kubectl is not installed"
[ -x "$KAIC_AGENTD" ] || skip "no $KAIC_AGENTD"
n=${AGENTD_SCALE_N:-1000}
limit=${AGENTD_SCALE_LIMIT:-300}
sim_start "$TOP/tests/data/sim-agentd" || fail "kaic-sim did not start"
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
kubectl create --validate=false -f "$SIM_DIR/tools.json" >"$SIM_DIR/out" 2>&1 || fail "create: $(tail -3 "$SIM_DIR/out")"
start=$(date +%s.%N)
agentd_start A --workers 16 || fail "kaic-agentd did not start"
count_ready() {
	kubectl get atool -n tools -o 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
		grep -c '^True$'
}
all_ready() { [ "$(count_ready)" -eq "$n" ]; }
wait_for "$limit" all_ready || fail "$(count_ready) of $n Ready after $limit s; $(tail -3 "$A_LOG")"
secs=$(echo "$(date +%s.%N) - $start" | bc)
got=$(curl -sf "$A_REG/v1/tools?namespace=tools" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["tools"]))')
[ "$got" -eq "$n" ] || fail "the registry lists $got of $n"
pass "$n AgentTools Ready in $secs s (kubectl polling included); the registry lists $got"
grep -E '^agentd_(reconciles_total|status_writes_total|probes_total)' "$(curl -sf "$A_MET/metrics" >"$SIM_DIR/m"; echo "$SIM_DIR/m")"
