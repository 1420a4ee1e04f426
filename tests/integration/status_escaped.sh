#!/bin/sh
# status_escaped.sh: a server whose Status message holds ESC, BEL, CR and LF (an
# admission webhook's denial, say) cannot drive kaic's terminal or forge a line: kaic run
# and kaic cleanup print the message on one line, every control character as a visible
# escape ("\x1b", "\r", "\n"). The server is tests/data/kube_test_server.py, whose
# /hostile prefix denies every request with such a message.
set -u
: "${TOP:?TOP must name the repository root}"
: "${KAIC:?KAIC must name the kaic binary}"
command -v openssl >/dev/null 2>&1 || { echo "the openssl command is not installed"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/kaic-status.XXXXXX")
SRV_PID=
cleanup() {
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
fail() {
	echo "FAIL: $*"
	exit 1
}

python3 "$TOP/tests/data/kube_test_server.py" "$work" >"$work/server.log" 2>&1 &
SRV_PID=$!
i=0
while [ ! -f "$work/port" ]; do
	i=$((i + 1))
	[ "$i" -le 300 ] || fail "kube_test_server.py did not start: $(cat "$work/server.log")"
	sleep 0.1
done
port=$(cat "$work/port")
cat >"$work/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: hostile
  cluster: {server: "https://127.0.0.1:$port/hostile", certificate-authority: $work/ca.crt}
users:
- name: u
  user: {client-certificate: $work/client.crt, client-key: $work/client.key}
contexts:
- name: hostile
  context: {cluster: hostile, user: u}
current-context: hostile
EOF

# check NAME FILE: no raw control byte but line feed, the forged line escaped in place
check() {
	if LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$2"; then
		od -c "$2" | head -n 20
		fail "$1: a raw control character reached stderr"
	fi
	grep -qF 'denied the request: \x1b[2K\r\nHW-1.1   MUST     Full     active\x07\x1b]0;title\x07' "$2" ||
		fail "$1: the message is not shown escaped: $(cat "$2")"
	[ "$(grep -c 'HW-1.1' "$2")" -eq 1 ] && ! grep -q '^HW-1.1' "$2" ||
		fail "$1: the message forged a line: $(cat "$2")"
	echo "ok: $1 prints the Status message on one line, controls escaped"
}

"$KAIC" run --passive --kubeconfig "$work/kubeconfig" --output-dir "$work/out" \
	>"$work/run.out" 2>"$work/run.err"
rc=$?
[ "$rc" -eq 2 ] || fail "kaic run: exit $rc, want 2: $(cat "$work/run.err")"
check "kaic run" "$work/run.err"

"$KAIC" cleanup --kubeconfig "$work/kubeconfig" >"$work/cleanup.out" 2>"$work/cleanup.err"
rc=$?
[ "$rc" -ne 0 ] || fail "kaic cleanup: exit 0 against a server that denies everything"
check "kaic cleanup" "$work/cleanup.err"
