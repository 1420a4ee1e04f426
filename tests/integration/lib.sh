# shellcheck shell=sh
# lib.sh: shell functions for integration tests that run kaic-sim. Source it, don't run it:
#
#   . "$TOP/tests/integration/lib.sh"
#   sim_start "$TOP/tests/data/sim-basic" [extra kaic-sim args]
#   kubectl get nodes        # KUBECONFIG points at the simulator
#   sim_stop
#
# sim_start SCENARIO_DIR [ARGS]  starts $KAIC_SIM --port 0 --kubeconfig-out --log in a
#     temp dir, waits for the kubeconfig (SIM_START_TIMEOUT seconds, default 60), and
#     exports KUBECONFIG, SIM_PID, SIM_LOG (the access log), SIM_DIR (the temp dir),
#     SIM_URL (https://127.0.0.1:PORT), SIM_CA, SIM_CERT, SIM_KEY (PEM files taken from
#     the kubeconfig, for curl), SIM_STDOUT and SIM_STDERR. Returns 1 if it did not start.
# sim_stop                       SIGTERM, wait; returns 1 unless kaic-sim exited 0.
# sim_curl ARGS                  curl with the CA and the admin client certificate.
# sim_count PATTERN              number of access-log lines matching an extended regex.
# pass MSG / fail MSG / skip MSG progress line / exit 1 / exit 77 with MSG last.
# Every directory and process is cleaned up on exit (trap on EXIT, INT, TERM); a test that
# sets its own EXIT trap must call sim_cleanup from it.

: "${KAIC_SIM:?KAIC_SIM must name the kaic-sim binary}"
: "${TOP:?TOP must name the repository root}"

SIM_PID=
SIM_DIR=
SIM_KEEP_DIR=

pass() {
	echo "ok: $*"
}

fail() {
	echo "FAIL: $*"
	if [ -n "${SIM_PID:-}" ] && ! kill -0 "$SIM_PID" 2>/dev/null; then
		wait "$SIM_PID"
		rc=$?
		SIM_PID=
		if [ "$rc" -gt 128 ]; then
			echo "kaic-sim died of signal $((rc - 128))"
		else
			echo "kaic-sim exited with $rc while the test ran"
		fi
	fi
	if [ -n "${SIM_STDERR:-}" ] && [ -s "$SIM_STDERR" ]; then
		echo "--- kaic-sim stderr (last 20 lines)"
		tail -n 20 "$SIM_STDERR"
	fi
	exit 1
}

skip() {
	echo "$*"
	exit 77
}

sim_cleanup() {
	if [ -n "$SIM_PID" ] && kill -0 "$SIM_PID" 2>/dev/null; then
		kill -TERM "$SIM_PID" 2>/dev/null
		wait "$SIM_PID" 2>/dev/null
	fi
	SIM_PID=
	if [ -n "$SIM_DIR" ] && [ -z "$SIM_KEEP_DIR" ]; then
		rm -rf "$SIM_DIR"
	fi
	SIM_DIR=
}

trap 'sim_cleanup' EXIT
trap 'sim_cleanup; exit 130' INT
trap 'sim_cleanup; exit 143' TERM

# kubeconfig field NAME (a *-data key) decoded into FILE
sim_kubeconfig_pem() {
	sed -n "s/^ *$1: *//p" "$KUBECONFIG" | head -n 1 | base64 -d >"$2"
}

sim_start() {
	scenario=$1
	shift
	[ -z "$SIM_DIR" ] || sim_cleanup
	SIM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kaic-sim-test.XXXXXX") || return 1
	KUBECONFIG=$SIM_DIR/kubeconfig
	SIM_LOG=$SIM_DIR/access.log
	SIM_STDOUT=$SIM_DIR/stdout
	SIM_STDERR=$SIM_DIR/stderr
	export KUBECONFIG SIM_DIR SIM_LOG SIM_STDOUT SIM_STDERR
	"$KAIC_SIM" --scenario "$scenario" --port 0 --kubeconfig-out "$KUBECONFIG" \
		--log "$SIM_LOG" "$@" >"$SIM_STDOUT" 2>"$SIM_STDERR" &
	SIM_PID=$!
	export SIM_PID
	waited=0
	limit=$((${SIM_START_TIMEOUT:-60} * 10))
	while [ ! -s "$KUBECONFIG" ] || ! grep -q '^listening on ' "$SIM_STDOUT"; do
		if ! kill -0 "$SIM_PID" 2>/dev/null; then
			wait "$SIM_PID"
			echo "kaic-sim exited with $? before it was ready:"
			cat "$SIM_STDERR"
			SIM_PID=
			return 1
		fi
		waited=$((waited + 1))
		if [ "$waited" -gt "$limit" ]; then
			echo "kaic-sim not ready after ${SIM_START_TIMEOUT:-60} s"
			return 1
		fi
		sleep 0.1
	done
	SIM_URL=$(sed -n 's/^listening on //p' "$SIM_STDOUT")
	SIM_CA=$SIM_DIR/ca.pem
	SIM_CERT=$SIM_DIR/admin.pem
	SIM_KEY=$SIM_DIR/admin-key.pem
	export SIM_URL SIM_CA SIM_CERT SIM_KEY
	sim_kubeconfig_pem certificate-authority-data "$SIM_CA"
	sim_kubeconfig_pem client-certificate-data "$SIM_CERT"
	sim_kubeconfig_pem client-key-data "$SIM_KEY"
	return 0
}

sim_stop() {
	[ -n "$SIM_PID" ] || return 0
	kill -TERM "$SIM_PID"
	wait "$SIM_PID"
	rc=$?
	SIM_PID=
	if [ "$rc" -ne 0 ]; then
		echo "kaic-sim exited with $rc after SIGTERM"
		return 1
	fi
	return 0
}

sim_curl() {
	curl -sS --cacert "$SIM_CA" --cert "$SIM_CERT" --key "$SIM_KEY" "$@"
}

sim_count() {
	grep -cE "$1" "$SIM_LOG"
}
