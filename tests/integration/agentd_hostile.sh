#!/bin/sh
# agentd_hostile.sh: tool servers that misbehave (tests/data/hostile_tool_server.py: a
# 200 MB answer, an endless SSE stream, a drip, invalid JSON-RPC, a JSON-RPC error, a
# redirect to another host, 100,000-deep nesting, a server that never answers, a TLS
# certificate nobody signed) neither hang nor crash kaic-agentd, each gets Ready=False
# ProbeFailed naming what was observed, and 20 well-behaved tools next to them are all
# Ready within 20 s.
# test: alone
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/agentd_lib.sh"
command -v kubectl >/dev/null 2>&1 || skip "kubectl is not installed"
command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"
[ -x "$KAIC_AGENTD" ] || skip "no $KAIC_AGENTD"
sim_start "$TOP/tests/data/sim-agentd" || fail "kaic-sim did not start"
python3 "$TOP/tests/data/hostile_tool_server.py" "$SIM_DIR" &
AGENTD_PIDS="$AGENTD_PIDS $!"
wait_for 30 test -s "$SIM_DIR/port" || fail "hostile server did not start"
HP=$(cat "$SIM_DIR/port")
TP=$(cat "$SIM_DIR/tls-port")
tool_server "$SIM_DIR/good-port" || fail "tool server did not start"
{
	for m in huge endless drip invalid error redirect deep hang; do
		printf -- '---\napiVersion: agents.kaic.io/v1alpha1\nkind: AgentTool\nmetadata: {name: %s, namespace: tools}\nspec: {protocol: MCP, timeoutSeconds: 3, endpoint: {url: "http://127.0.0.1:%s/%s"}}\n' "$m" "$HP" "$m"
	done
	printf -- '---\napiVersion: agents.kaic.io/v1alpha1\nkind: AgentTool\nmetadata: {name: tls, namespace: tools}\nspec: {protocol: MCP, timeoutSeconds: 3, endpoint: {url: "https://127.0.0.1:%s/mcp"}}\n' "$TP"
	for i in $(seq 1 20); do
		printf -- '---\napiVersion: agents.kaic.io/v1alpha1\nkind: AgentTool\nmetadata: {name: good-%s, namespace: tools}\nspec: {protocol: MCP, endpoint: {url: "http://127.0.0.1:%s/mcp"}}\n' "$i" "$TOOL_PORT"
	done
} >"$SIM_DIR/tools.yaml"
kubectl apply -f "$SIM_DIR/tools.yaml" >"$SIM_DIR/out" 2>&1 || fail "apply: $(tail -3 "$SIM_DIR/out")"
agentd_start A --workers 8 --max-answer-bytes 1048576 || fail "kaic-agentd did not start"
good_ready() {
	[ "$(kubectl get atool -n tools -o 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
		grep -c '^good-.*=True$')" -eq 20 ]
}
wait_for 20 good_ready || fail "the well-behaved tools are not all Ready within 20 s"
pass "20 well-behaved tools Ready within 20 s next to 9 hostile ones"

reason() { kubectl get atool "$1" -n tools -o 'jsonpath={.status.conditions[?(@.type=="Ready")].reason}'; }
message() { kubectl get atool "$1" -n tools -o 'jsonpath={.status.conditions[?(@.type=="Ready")].message}'; }
settled() {
	for m in huge endless drip invalid error redirect deep hang tls; do
		[ "$(reason "$m")" = ProbeFailed ] || return 1
	done
}
wait_for 30 settled || fail "hostile tools not all ProbeFailed: $(for m in huge endless drip invalid error redirect deep hang tls; do printf '%s=%s ' "$m" "$(reason "$m")"; done)"
check() { # tool, words the message must hold
	msg=$(message "$1")
	echo "$msg" | grep -qi "$2" || fail "$1: message \"$msg\" lacks \"$2\""
	echo "  $1: $msg"
}
check huge "larger than 1048576 bytes"
check endless "larger than\|within"
check drip "within 3000 ms"
check invalid "JSON-RPC"
check error "JSON-RPC error -32603"
check redirect "another host are refused"
check deep "JSON"
check hang "within 3000 ms"
check tls "SSL\|certificate"
kill -0 "$A_PID" 2>/dev/null || fail "kaic-agentd died"
curl -sf -m 5 "$A_MET/healthz" >/dev/null || fail "kaic-agentd does not answer /healthz"
n=$(curl -sf "$A_REG/v1/tools" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["tools"]))')
[ "$n" = 20 ] || fail "the registry lists $n tools, not the 20 Ready ones"
pass "every hostile tool ProbeFailed with what was observed; kaic-agentd answers; registry lists 20"
kill -TERM "$A_PID"
t0=$(date +%s)
wait "$A_PID"
rc=$?
[ "$rc" -eq 0 ] || fail "exit $rc after SIGTERM"
[ $(($(date +%s) - t0)) -le 5 ] || fail "SIGTERM took more than 5 s with hostile probes in flight"
pass "SIGTERM with hostile probes in flight: exit 0 within 5 s"
