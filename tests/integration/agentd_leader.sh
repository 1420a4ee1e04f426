#!/bin/sh
# agentd_leader.sh: two kaic-agentd replicas with --leader-elect share a Lease: one
# leads and reconciles, the other serves the registry from its cache without writing;
# killing the leader (SIGKILL: no release) hands over within the lease duration plus a
# retry period; SIGTERM on the new leader releases the Lease (holderIdentity emptied).
# test: alone
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/agentd_lib.sh"
command -v kubectl >/dev/null 2>&1 || skip "kubectl is not installed"
[ -x "$KAIC_AGENTD" ] || skip "no $KAIC_AGENTD"
sim_start "$TOP/tests/data/sim-agentd" || fail "kaic-sim did not start"
tool_server "$SIM_DIR/port" || fail "tool server did not start"
le="--leader-elect --lease-namespace kaic-system --lease-duration 4s --renew-deadline 3s --retry-period 500ms"
# shellcheck disable=SC2086
agentd_start A $le --id replica-a || fail "replica a did not start"
holder() { kubectl get lease kaic-agentd -n kaic-system -o 'jsonpath={.spec.holderIdentity}' 2>/dev/null; }
wait_for 20 sh -c "[ \"\$(kubectl get lease kaic-agentd -n kaic-system -o 'jsonpath={.spec.holderIdentity}')\" = replica-a ]" ||
	fail "replica-a does not lead: holder \"$(holder)\""
# shellcheck disable=SC2086
agentd_start B $le --id replica-b || fail "replica b did not start"
printf 'apiVersion: agents.kaic.io/v1alpha1\nkind: AgentTool\nmetadata: {name: t, namespace: tools}\nspec: {protocol: MCP, endpoint: {url: "http://127.0.0.1:%s/mcp"}}\n' \
	"$TOOL_PORT" | kubectl apply -f - >/dev/null || fail "apply"
wait_for 20 sh -c '[ "$(kubectl get atool t -n tools -o "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")" = True ]' ||
	fail "not Ready under replica-a"
sleep 1
curl -sf "$B_MET/metrics" | grep -q '^agentd_leader 0$' || fail "replica-b claims to lead"
curl -sf "$B_MET/metrics" | grep -q '^agentd_status_writes_total 0$' || fail "replica-b wrote status"
[ "$(curl -sf "$B_REG/v1/tools" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["tools"]))')" = 1 ] ||
	fail "replica-b's registry does not list the tool"
[ "$(holder)" = replica-a ] || fail "holder changed to $(holder) while replica-a lived"
pass "replica-a leads and reconciles; replica-b follows, serves the registry, writes nothing"

kill -KILL "$A_PID"
t0=$(date +%s.%N)
wait_for 15 sh -c "[ \"\$(kubectl get lease kaic-agentd -n kaic-system -o 'jsonpath={.spec.holderIdentity}')\" = replica-b ]" ||
	fail "replica-b did not take over: holder \"$(holder)\""
secs=$(echo "$(date +%s.%N) - $t0" | bc)
ok=$(echo "$secs < 4 + 0.5 + 1.5" | bc)
[ "$ok" = 1 ] || fail "hand-over took $secs s (lease 4 s)"
curl -sf "$B_MET/metrics" | grep -q '^agentd_leader 1$' || fail "replica-b does not report leading"
# the new leader reconciles: a new tool becomes Ready
printf 'apiVersion: agents.kaic.io/v1alpha1\nkind: AgentTool\nmetadata: {name: t2, namespace: tools}\nspec: {protocol: HTTP, endpoint: {url: "http://127.0.0.1:%s/"}}\n' \
	"$TOOL_PORT" | kubectl apply -f - >/dev/null || fail "apply t2"
wait_for 20 sh -c '[ "$(kubectl get atool t2 -n tools -o "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")" = True ]' ||
	fail "not Ready under replica-b"
pass "killing the leader handed over in $secs s (lease duration 4 s); replica-b reconciles"

kill -TERM "$B_PID"
wait "$B_PID"
rc=$?
[ "$rc" -eq 0 ] || fail "replica-b exited $rc after SIGTERM"
[ -z "$(holder)" ] || fail "the Lease was not released: holder \"$(holder)\""
pass "SIGTERM released the Lease and exited 0"
