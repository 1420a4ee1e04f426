#!/bin/sh
# agentd_reconcile.sh: kaic-agentd against kaic-sim (its simulated AgentTool controller
# off, so kaic-agentd is the only writer): MCP tools answering in JSON and in SSE, an HTTP
# tool and a serviceRef tool become Ready with their tools and server; a GRPC tool is
# ProtocolMismatch; a missing Service gives Registered=False ServiceNotFound and never
# Ready, until the Service appears (the Service watch re-queues it); a missing Bearer
# Secret gives SecretNotFound; the registry lists only the Ready tools, filtered by
# namespace and label selector; a spec change moves observedGeneration; SIGTERM exits 0;
# a restart keeps every lastTransitionTime.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/agentd_lib.sh"
command -v kubectl >/dev/null 2>&1 || skip "kubectl is not installed"
[ -x "$KAIC_AGENTD" ] || skip "no $KAIC_AGENTD"
# bad usage: one line, exit 2
for args in "--bogus" "--workers 0" "--resync 5x" "--lease-duration 2s --renew-deadline 3s"; do
	# shellcheck disable=SC2086
	"$KAIC_AGENTD" $args >/dev/null 2>"${TMPDIR:-/tmp}/agentd-usage.$$"
	rc=$?
	msg=$(cat "${TMPDIR:-/tmp}/agentd-usage.$$")
	rm -f "${TMPDIR:-/tmp}/agentd-usage.$$"
	[ "$rc" -eq 2 ] && [ "$(echo "$msg" | wc -l)" -eq 1 ] || fail "kaic-agentd $args: exit $rc, \"$msg\""
done
pass "bad options: one line and exit 2"
sim_start "$TOP/tests/data/sim-agentd" || fail "kaic-sim did not start"
tool_server "$SIM_DIR/port-json" || fail "tool server did not start"
PJ=$TOOL_PORT
tool_server "$SIM_DIR/port-sse" sse || fail "SSE tool server did not start"
PS=$TOOL_PORT
cat >"$SIM_DIR/tools.yaml" <<Y
apiVersion: v1
kind: Service
metadata: {name: weather, namespace: tools}
spec: {ports: [{name: mcp, port: $PJ}]}
---
apiVersion: agents.kaic.io/v1alpha1
kind: AgentTool
metadata: {name: json, namespace: tools, labels: {team: a}}
spec: {protocol: MCP, endpoint: {url: "http://127.0.0.1:$PJ/mcp"}, inputSchema: {type: object}}
---
apiVersion: agents.kaic.io/v1alpha1
kind: AgentTool
metadata: {name: sse, namespace: tools, labels: {team: b}}
spec: {protocol: MCP, transport: streamable-http, endpoint: {url: "http://127.0.0.1:$PS/mcp"}}
---
apiVersion: agents.kaic.io/v1alpha1
kind: AgentTool
metadata: {name: web, namespace: default}
spec: {protocol: HTTP, endpoint: {url: "http://127.0.0.1:$PJ/health"}}
---
apiVersion: agents.kaic.io/v1alpha1
kind: AgentTool
metadata: {name: svc, namespace: tools}
spec: {protocol: MCP, serviceRef: {name: weather, port: $PJ, path: /mcp}}
---
apiVersion: agents.kaic.io/v1alpha1
kind: AgentTool
metadata: {name: grpc, namespace: tools}
spec: {protocol: GRPC, endpoint: {url: "grpc://127.0.0.1:$PJ"}}
---
apiVersion: agents.kaic.io/v1alpha1
kind: AgentTool
metadata: {name: missing, namespace: tools}
spec: {protocol: MCP, serviceRef: {name: later, port: $PJ, path: /mcp}}
---
apiVersion: agents.kaic.io/v1alpha1
kind: AgentTool
metadata: {name: nosecret, namespace: tools}
spec: {protocol: MCP, endpoint: {url: "http://127.0.0.1:$PJ/mcp"}, auth: {type: Bearer, secretRef: {name: absent}}}
Y
kubectl apply -f "$SIM_DIR/tools.yaml" >"$SIM_DIR/out" 2>&1 || fail "apply: $(cat "$SIM_DIR/out")"
resolve="weather.tools.svc:$PJ:127.0.0.1"
agentd_start A --probe-interval 2s --resolve "$resolve" --resolve "later.tools.svc:$PJ:127.0.0.1" ||
	fail "kaic-agentd did not start: $(cat "$SIM_DIR"/agentd-A.log)"

ready() { [ "$(atool_cond "$1" "$2" Ready)" = "True ProbeSucceeded" ]; }
for t in tools/json tools/sse default/web tools/svc; do
	wait_for 30 ready "${t%/*}" "${t#*/}" ||
		fail "$t not Ready: $(atool_cond "${t%/*}" "${t#*/}" Ready); $(tail -5 "$A_LOG")"
done
pass "MCP (JSON and SSE answers), HTTP and serviceRef tools are Ready"
got=$(kubectl get atool json -n tools -o 'jsonpath={.status.tools} {.status.server.name} {.status.endpoint} {.status.observedGeneration}')
[ "$got" = "[\"echo\",\"add\",\"time\"] test-tools http://127.0.0.1:$PJ/mcp 1" ] ||
	fail "status of json: $got"
got=$(kubectl get atool svc -n tools -o 'jsonpath={.status.endpoint}')
[ "$got" = "http://weather.tools.svc:$PJ/mcp" ] || fail "serviceRef endpoint: $got"
pass "status: tools in server order over two pages, serverInfo, endpoint: $got"

wait_for 20 sh -c '[ "$(kubectl get atool grpc -n tools -o "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}")" = ProtocolMismatch ]' ||
	fail "grpc: $(atool_cond tools grpc Ready)"
[ "$(atool_cond tools missing Registered)" = "False ServiceNotFound" ] ||
	fail "missing Service: Registered $(atool_cond tools missing Registered)"
[ "$(atool_cond tools missing Ready)" = "False NotRegistered" ] ||
	fail "missing Service: Ready $(atool_cond tools missing Ready)"
[ "$(atool_cond tools nosecret Registered)" = "False SecretNotFound" ] ||
	fail "missing Secret: $(atool_cond tools nosecret Registered)"
pass "GRPC ProtocolMismatch; missing Service ServiceNotFound/NotRegistered; missing Secret SecretNotFound"

# the registry
curl -sf "$A_REG/v1/tools" >"$SIM_DIR/reg" || fail "registry did not answer"
got=$(python3 -c 'import json,sys; print(" ".join(t["namespace"]+"/"+t["name"] for t in json.load(open(sys.argv[1]))["tools"]))' "$SIM_DIR/reg")
[ "$got" = "default/web tools/json tools/sse tools/svc" ] || fail "registry lists: $got"
got=$(curl -sf "$A_REG/v1/tools?namespace=tools&labelSelector=team%3Da" |
	python3 -c 'import json,sys; t=json.load(sys.stdin)["tools"]; print(len(t), t[0]["name"], t[0]["toolNames"], t[0]["inputSchema"])')
[ "$got" = "1 json ['echo', 'add', 'time'] {'type': 'object'}" ] || fail "filtered registry: $got"
code=$(curl -s -o /dev/null -w '%{http_code}' "$A_REG/v1/tools?labelSelector=team+in+(a)")
[ "$code" = 400 ] || fail "a set-based selector answered $code"
pass "registry: Ready tools sorted, namespace and label filters, bad selector 400"
curl -sf "$A_MET/healthz" >/dev/null && curl -sf "$A_MET/readyz" >/dev/null || fail "healthz/readyz"
curl -sf "$A_MET/metrics" >"$SIM_DIR/metrics" || fail "metrics"
grep -q '^agentd_tools{condition="Ready",status="True"} 4$' "$SIM_DIR/metrics" ||
	fail "metrics: $(grep agentd_tools "$SIM_DIR/metrics")"
grep -q '^agentd_probe_duration_seconds_count [1-9]' "$SIM_DIR/metrics" || fail "no probe histogram"
pass "healthz, readyz, metrics (tools by condition, probe histogram)"

# the Service appears: the Service watch re-queues the tool
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: later, namespace: tools}\nspec: {ports: [{port: %s}]}\n' "$PJ" |
	kubectl apply -f - >"$SIM_DIR/out" 2>&1 || fail "create Service: $(cat "$SIM_DIR/out")"
wait_for 20 ready tools missing || fail "after the Service appeared: $(atool_cond tools missing Ready)"
pass "a Service created later makes its tool Registered and Ready"

# a spec change: observedGeneration follows
kubectl patch atool json -n tools --type=merge -p '{"spec":{"description":"changed"}}' >/dev/null ||
	fail "patch spec"
wait_for 20 sh -c '[ "$(kubectl get atool json -n tools -o "jsonpath={.status.observedGeneration}")" = 2 ]' ||
	fail "observedGeneration: $(kubectl get atool json -n tools -o 'jsonpath={.status.observedGeneration}')"
pass "observedGeneration follows the spec"

# restart: every lastTransitionTime stays
ltt() {
	kubectl get atool -A -o 'jsonpath={range .items[*]}{.metadata.name}{range .status.conditions[*]} {.type}={.status}@{.lastTransitionTime}{end}{"\n"}{end}'
}
ltt >"$SIM_DIR/ltt1"
probe1=$(kubectl get atool json -n tools -o 'jsonpath={.status.lastProbeTime}')
kill -TERM "$A_PID"
wait "$A_PID"
rc=$?
[ "$rc" -eq 0 ] || fail "kaic-agentd exited $rc after SIGTERM"
sleep 1.1 # lastProbeTime has a resolution of a second
agentd_start B --probe-interval 60s --resolve "$resolve" --resolve "later.tools.svc:$PJ:127.0.0.1" ||
	fail "restart"
wait_for 20 sh -c "[ \"\$(kubectl get atool json -n tools -o 'jsonpath={.status.lastProbeTime}')\" != '$probe1' ]" ||
	fail "the restarted controller did not probe again"
sleep 1
ltt >"$SIM_DIR/ltt2"
cmp -s "$SIM_DIR/ltt1" "$SIM_DIR/ltt2" || fail "lastTransitionTime changed on restart: $(diff "$SIM_DIR/ltt1" "$SIM_DIR/ltt2")"
pass "restart re-probed and kept every lastTransitionTime ($(wc -l <"$SIM_DIR/ltt1") tools)"
