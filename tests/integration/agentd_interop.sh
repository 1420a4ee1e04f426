#!/bin/sh
# agentd_interop.sh: kaic-agentd's MCP probe against the MCP project's reference server
# (@modelcontextprotocol/server-everything, streamable HTTP): the AgentTool becomes Ready
# and status.tools lists the server's real tools, as the server's own tools/list names
# them. The package is installed once into build/mcp-everything (npm cache
# build/npm-cache; never committed). Skips (77) without node/npm or the npm registry.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/agentd_lib.sh"
command -v kubectl >/dev/null 2>&1 || skip "kubectl is not installed"
command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 || skip "node/npm are not installed"
[ -x "$KAIC_AGENTD" ] || skip "no $KAIC_AGENTD"
dir=$TOP/${BUILD:-build}/mcp-everything
bin=$dir/node_modules/.bin/mcp-server-everything
if [ ! -x "$bin" ]; then
	timeout 180 npm install --silent --prefix "$dir" --cache "$TOP/${BUILD:-build}/npm-cache" \
		@modelcontextprotocol/server-everything >/dev/null 2>&1 ||
		skip "cannot install @modelcontextprotocol/server-everything from the npm registry"
fi
sim_start "$TOP/tests/data/sim-agentd" || fail "kaic-sim did not start"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PORT=$port "$bin" streamableHttp >"$SIM_DIR/everything.log" 2>&1 &
AGENTD_PIDS="$AGENTD_PIDS $!"
wait_for 30 grep -q 'listening on port' "$SIM_DIR/everything.log" ||
	fail "server-everything did not start: $(tail -3 "$SIM_DIR/everything.log")"
# its own tools/list, read with curl, is what the probe must find
hdr='Accept: application/json, text/event-stream'
curl -s -D "$SIM_DIR/h" -o "$SIM_DIR/init" -X POST -H 'Content-Type: application/json' -H "$hdr" \
	"http://127.0.0.1:$port/mcp" \
	-d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' ||
	fail "initialize with curl"
sid=$(sed -n 's/^mcp-session-id: *\([^\r]*\).*/\1/ip' "$SIM_DIR/h")
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -H "$hdr" -H "Mcp-Session-Id: $sid" \
	"http://127.0.0.1:$port/mcp" -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
curl -s -X POST -H 'Content-Type: application/json' -H "$hdr" -H "Mcp-Session-Id: $sid" \
	-H 'MCP-Protocol-Version: 2025-06-18' "http://127.0.0.1:$port/mcp" \
	-d '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' >"$SIM_DIR/list" || fail "tools/list with curl"
want=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("data:"):
        print(json.dumps([t["name"] for t in json.loads(line[5:])["result"]["tools"]], separators=(",", ":")))
' "$SIM_DIR/list")
[ -n "$want" ] && [ "$want" != "[]" ] || fail "server-everything listed no tools: $(head -c 300 "$SIM_DIR/list")"
printf 'apiVersion: agents.kaic.io/v1alpha1\nkind: AgentTool\nmetadata: {name: everything, namespace: tools}\nspec: {protocol: MCP, endpoint: {url: "http://127.0.0.1:%s/mcp"}}\n' "$port" |
	kubectl apply -f - >/dev/null || fail "apply"
agentd_start A || fail "kaic-agentd did not start"
wait_for 30 sh -c '[ "$(kubectl get atool everything -n tools -o "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")" = True ]' ||
	fail "not Ready: $(kubectl get atool everything -n tools -o 'jsonpath={.status.conditions}')"
got=$(kubectl get atool everything -n tools -o 'jsonpath={.status.tools}')
[ "$got" = "$want" ] || fail "status.tools $got, server lists $want"
server=$(kubectl get atool everything -n tools -o 'jsonpath={.status.server.name} {.status.server.version}')
pass "server-everything ($server) Ready; status.tools = its tools/list: $got"
