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
	_wf_secs=$1
	shift
	_wf_n=0
	while ! "$@" >/dev/null 2>&1; do
		_wf_n=$((_wf_n + 1))
		[ "$_wf_n" -gt $((_wf_secs * 5)) ] && return 1
		sleep 0.2
	done
	return 0
}

agentd_start() {
	_as_name=$1
	shift
	_as_log=$SIM_DIR/agentd-$_as_name.log
	"$KAIC_AGENTD" --kubeconfig "$KUBECONFIG" --bind-address 127.0.0.1 --registry-port 0 \
		--metrics-port 0 "$@" >"$_as_log" 2>&1 &
	_as_pid=$!
	AGENTD_PIDS="$AGENTD_PIDS $_as_pid"
	wait_for 20 grep -q 'registry on port' "$_as_log" || return 1
	_as_reg=$(sed -n 's/.*registry on port \([0-9]*\), metrics on port \([0-9]*\).*/\1/p' "$_as_log")
	_as_met=$(sed -n 's/.*registry on port \([0-9]*\), metrics on port \([0-9]*\).*/\2/p' "$_as_log")
	eval "${_as_name}_PID=$_as_pid ${_as_name}_REG=http://127.0.0.1:$_as_reg ${_as_name}_MET=http://127.0.0.1:$_as_met ${_as_name}_LOG=$_as_log"
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
