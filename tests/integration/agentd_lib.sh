# shellcheck shell=sh
# agentd_lib.sh: helpers for kaic-agentd's integration tests (tests/integration/agentd_*.sh),
# on top of lib.sh. Source lib.sh first.
#
# agentd_start NAME [ARGS]   starts build/kaic-agentd against $KUBECONFIG with free ports
#     on 127.0.0.1; sets NAME_PID, NAME_REG (registry URL), NAME_MET (metrics URL),
#     NAME_LOG. Returns 1 if it did not log its ports within 20 s.
# tool_server FILE [MODE]    starts tests/data/mcp_tool_server.py; sets TOOL_PORT, TOOL_PID.
# atool_cond NS NAME TYPE    "STATUS REASON" of a condition (kubectl).
# wait_for SECONDS CMD...    runs CMD every 0.2 s until it succeeds; 1 on timeout.
# agentd_cleanup             kills what was started (called from the EXIT trap).
: "${KAIC_AGENTD:=$TOP/${BUILD:-build}/kaic-agentd}"
AGENTD_PIDS=

agentd_cleanup() {
	for p in $AGENTD_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $AGENTD_PIDS; do
		wait "$p" 2>/dev/null
	done
	AGENTD_PIDS=
	sim_cleanup
}
trap 'agentd_cleanup' EXIT
trap 'agentd_cleanup; exit 130' INT
trap 'agentd_cleanup; exit 143' TERM

wait_for() {
	secs=$1
	shift
	n=0
	while ! "$@" >/dev/null 2>&1; do
		n=$((n + 1))
		[ "$n" -gt $((secs * 5)) ] && return 1
		sleep 0.2
	done
	return 0
}

agentd_start() {
	name=$1
	shift
	log=$SIM_DIR/agentd-$name.log
	"$KAIC_AGENTD" --kubeconfig "$KUBECONFIG" --bind-address 127.0.0.1 --registry-port 0 \
		--metrics-port 0 "$@" >"$log" 2>&1 &
	pid=$!
	AGENTD_PIDS="$AGENTD_PIDS $pid"
	wait_for 20 grep -q 'registry on port' "$log" || return 1
	reg=$(sed -n 's/.*registry on port \([0-9]*\), metrics on port \([0-9]*\).*/\1/p' "$log")
	met=$(sed -n 's/.*registry on port \([0-9]*\), metrics on port \([0-9]*\).*/\2/p' "$log")
	eval "${name}_PID=$pid ${name}_REG=http://127.0.0.1:$reg ${name}_MET=http://127.0.0.1:$met ${name}_LOG=$log"
	return 0
}

tool_server() {
	rm -f "$1"
	python3 "$TOP/tests/data/mcp_tool_server.py" "$1" ${2:+"$2"} &
	TOOL_PID=$!
	AGENTD_PIDS="$AGENTD_PIDS $TOOL_PID"
	wait_for 20 test -s "$1" || return 1
	TOOL_PORT=$(cat "$1")
}

atool_cond() {
	kubectl get agenttool "$2" -n "$1" \
		-o "jsonpath={.status.conditions[?(@.type==\"$3\")].status} {.status.conditions[?(@.type==\"$3\")].reason}"
}
