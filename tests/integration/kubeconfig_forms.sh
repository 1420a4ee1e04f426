#!/bin/sh
# kubeconfig_forms: `kaic run --passive --focus HW-1.1` against kaic-sim over TLS with every
# kubeconfig form: client certificate as files (relative paths) and as data, token,
# tokenFile, an exec credential plugin (v1 and v1beta1); and the failures: a wrong CA
# (exit 2, names certificate verification), an unreachable server (exit 2, quickly), a
# server answering garbage JSON (clean error, no crash). With -vv no token or key
# material appears on stdout, stderr or in any report file.
. "$TOP/tests/integration/lib.sh"
command -v openssl >/dev/null 2>&1 || skip "the openssl command is not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
[ -x "$KAIC" ] || skip "kaic is not built ($KAIC)"
"$KAIC" run --help >/dev/null 2>&1 || skip "\"$KAIC run\" is not available"

TOKEN=kaic-forms-token-7c41e9a2
PLUGIN_TOKEN=kaic-forms-plugin-token-3d9f
work=$(mktemp -d "${TMPDIR:-/tmp}/kaic-forms.XXXXXX")
GARBAGE_PID=
cleanup() {
	[ -n "$GARBAGE_PID" ] && kill "$GARBAGE_PID" 2>/dev/null && wait "$GARBAGE_PID" 2>/dev/null
	sim_cleanup
	rm -rf "$work"
}
trap cleanup EXIT

# the vanilla scenario plus bearer tokens for an administrator
scen=$work/scenario
cp -R "$TOP/sim/scenarios/vanilla" "$scen"
grep -q '^tokens:' "$scen/scenario.yaml" && skip "the vanilla scenario already sets tokens"
cat >>"$scen/scenario.yaml" <<EOF
tokens:
  - {token: $TOKEN, user: forms-admin, groups: ["system:masters"]}
  - {token: $PLUGIN_TOKEN, user: forms-plugin, groups: ["system:masters"]}
EOF
sim_start "$scen" || fail "kaic-sim did not start"
cp "$KUBECONFIG" "$work/data.kubeconfig"
unset KUBECONFIG

# kubeconfig FILE USER-YAML [SERVER] [CA-LINE]: one context "forms" with that user
kubeconfig() {
	cat >"$1" <<EOF
apiVersion: v1
kind: Config
current-context: forms
contexts:
- name: forms
  context: {cluster: sim, user: u}
clusters:
- name: sim
  cluster:
    server: ${3:-$SIM_URL}
    ${4:-certificate-authority: pki/ca.pem}
users:
- name: u
  user:
$2
EOF
}

mkdir -p "$work/cfg/pki"
cp "$SIM_CA" "$work/cfg/pki/ca.pem"
cp "$SIM_CERT" "$work/cfg/pki/admin.pem"
cp "$SIM_KEY" "$work/cfg/pki/admin-key.pem"
printf '%s\n' "$TOKEN" >"$work/cfg/token"
cat >"$work/cfg/plugin.sh" <<EOF
#!/bin/sh
# test exec credential plugin: counts its runs, answers the token
echo run >>"$work/cfg/plugin.runs"
case "\$KUBERNETES_EXEC_INFO" in *'"kind":"ExecCredential"'*) ;; *) exit 5 ;; esac
echo "{\"apiVersion\":\"client.authentication.k8s.io/\$1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"$PLUGIN_TOKEN\"}}"
EOF
chmod +x "$work/cfg/plugin.sh"

kubeconfig "$work/cfg/files" "    client-certificate: pki/admin.pem
    client-key: pki/admin-key.pem"
kubeconfig "$work/cfg/token-inline" "    token: $TOKEN"
kubeconfig "$work/cfg/token-file" "    tokenFile: token"
kubeconfig "$work/cfg/exec-v1" "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./plugin.sh
      args: [v1]
      interactiveMode: Never"
kubeconfig "$work/cfg/exec-v1beta1" "    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: ./plugin.sh
      args: [v1beta1]"

# run NAME KUBECONFIG [FLAGS]: kaic run --passive --focus HW-1.1; sets rc, out, secs
run() {
	name=$1
	cfg=$2
	shift 2
	out=$work/out-$name
	start=$(date +%s)
	"$KAIC" run --passive --focus HW-1.1 --no-color --kubeconfig "$cfg" --output-dir "$out" \
		"$@" </dev/null >"$work/$name.stdout" 2>"$work/$name.stderr"
	rc=$?
	secs=$(($(date +%s) - start))
}

# a run that reached the cluster: exit 0/1/3, HW-1.1 decided, no 401 in the access log
expect_ok() {
	name=$1
	before=$(grep -cE ' 401 ' "$SIM_LOG")
	run "$@"
	case $rc in 0 | 1 | 3) ;; *) fail "$name: exit $rc: $(tail -n 3 "$work/$name.stderr")" ;; esac
	[ -s "$out/results.json" ] || fail "$name: no results.json"
	python3 - "$out/results.json" <<'PY' || fail "$name: HW-1.1 was not decided"
import json, sys
reqs = {r["id"]: r for r in json.load(open(sys.argv[1]))["requirements"]}
assert reqs["HW-1.1"]["verdict"] in ("Full", "Partial", "No"), reqs["HW-1.1"]
PY
	after=$(grep -cE ' 401 ' "$SIM_LOG")
	[ "$after" -eq "$before" ] || fail "$name: the simulator answered 401"
	pass "$name: exit $rc, HW-1.1 decided"
}

# a run that must fail with exit 2 and a message matching PATTERN on stderr
expect_err() {
	name=$1
	pattern=$2
	shift 2
	run "$name" "$@"
	[ "$rc" -eq 2 ] || fail "$name: exit $rc, want 2: $(tail -n 3 "$work/$name.stderr")"
	grep -qE "$pattern" "$work/$name.stderr" ||
		fail "$name: stderr lacks /$pattern/: $(tail -n 3 "$work/$name.stderr")"
	pass "$name: exit 2 in ${secs}s: $(grep -E "$pattern" "$work/$name.stderr" | head -n 1)"
}

expect_ok cert-data "$work/data.kubeconfig"
expect_ok cert-files "$work/cfg/files"
expect_ok token "$work/cfg/token-inline" -vv
expect_ok token-file "$work/cfg/token-file"
expect_ok exec-v1 "$work/cfg/exec-v1" -vv
runs=$(wc -l <"$work/cfg/plugin.runs")
[ "$runs" -eq 1 ] || fail "exec-v1: the plugin ran $runs times (its answer does not expire)"
expect_ok exec-v1beta1 "$work/cfg/exec-v1beta1"

# a wrong CA: a throwaway self-signed certificate
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$work/other.key" -out "$work/cfg/pki/other-ca.pem" -days 1 \
	-subj /CN=kaic-other-ca >/dev/null 2>&1 || fail "openssl could not make a CA"
kubeconfig "$work/cfg/wrong-ca" "    token: $TOKEN" "" "certificate-authority: pki/other-ca.pem"
expect_err wrong-ca 'certificate verification failed' "$work/cfg/wrong-ca" -vv

# an unreachable server: a port nobody listens on; exit within the deadline
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
kubeconfig "$work/cfg/unreachable" "    token: $TOKEN" "https://127.0.0.1:$port"
expect_err unreachable 'connection refused' "$work/cfg/unreachable" --run-timeout 20s
[ "$secs" -le 10 ] || fail "unreachable: took ${secs}s"

# a server answering garbage JSON (plain HTTP, every path)
cat >"$work/garbage.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<html>this is { not json"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
PY
python3 "$work/garbage.py" "$work/garbage.port" &
GARBAGE_PID=$!
i=0
while [ ! -s "$work/garbage.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$work/garbage.port" ] || fail "the garbage server did not start"
kubeconfig "$work/cfg/garbage" "    token: $TOKEN" "http://127.0.0.1:$(cat "$work/garbage.port")"
run garbage "$work/cfg/garbage"
[ "$rc" -lt 128 ] || fail "garbage: kaic crashed (exit $rc)"
[ "$rc" -ne 0 ] || fail "garbage: exit 0 against a server answering garbage"
grep -q 'invalid JSON' "$work/garbage.stderr" "$work/garbage.stdout" "$out"/* 2>/dev/null ||
	fail "garbage: no \"invalid JSON\" error: $(tail -n 3 "$work/garbage.stderr")"
pass "garbage: exit $rc, $(grep -h 'invalid JSON' "$work/garbage.stderr" "$work/garbage.stdout" 2>/dev/null | head -n 1)"

# no secret anywhere: the tokens, a line of the client key, the plugin token
keyline=$(sed -n 2p "$SIM_KEY")
for secret in "$TOKEN" "$PLUGIN_TOKEN" "$keyline"; do
	hits=$(grep -rlF -- "$secret" "$work"/*.stdout "$work"/*.stderr "$work"/out-* 2>/dev/null)
	[ -z "$hits" ] || fail "secret material found in: $hits"
done
pass "no token or key material in any output (-vv included)"
