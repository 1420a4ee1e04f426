#!/bin/sh
# sim_tls: kaic-sim's HTTPS and authentication: the kubeconfig's CA verifies the server,
# requests without credentials (or with a foreign client certificate or an unknown token)
# get 401 Status, scenario tokens and the admin certificate authenticate, and
# --tls-cert/--tls-key replace the generated server certificate.
. "$TOP/tests/integration/lib.sh"
command -v openssl >/dev/null || skip "openssl is not installed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kaic-sim-tls.XXXXXX")
trap 'sim_cleanup; rm -rf "$tmp"' EXIT

sim_start "$TOP/tests/data/sim-basic" || fail "kaic-sim did not start"
[ "$(stat -c %a "$KUBECONFIG")" = 600 ] || fail "kubeconfig mode is $(stat -c %a "$KUBECONFIG")"
grep -Eq '^listening on https://127\.0\.0\.1:[0-9]+$' "$SIM_STDOUT" || fail "listening line"

[ "$(curl -sS --cacert "$SIM_CA" "$SIM_URL/healthz")" = ok ] || fail "healthz with the CA"
curl -sS -o /dev/null "$SIM_URL/healthz" 2>/dev/null && fail "a client without the CA trusted the server"
curl -sS --cacert "$SIM_CA" "https://localhost:${SIM_URL##*:}/readyz" >/dev/null ||
	fail "the certificate does not name localhost"
pass "the kubeconfig's CA verifies the server (127.0.0.1 and localhost)"

code=$(curl -sS --cacert "$SIM_CA" -o "$tmp/body" -w '%{http_code}' "$SIM_URL/api/v1/pods")
[ "$code" = 401 ] || fail "anonymous: want 401, got $code"
jq -e '.kind == "Status" and .reason == "Unauthorized" and .code == 401' "$tmp/body" \
	>/dev/null || fail "anonymous: not a 401 Status: $(cat "$tmp/body")"
pass "no client certificate and no token: 401 Status"

code=$(curl -sS --cacert "$SIM_CA" -H 'Authorization: Bearer not-a-token' -o /dev/null \
	-w '%{http_code}' "$SIM_URL/api/v1/pods")
[ "$code" = 401 ] || fail "unknown token: want 401, got $code"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj "/O=system:masters/CN=intruder" -keyout "$tmp/x.key" -out "$tmp/x.pem" \
	2>/dev/null || fail "openssl req"
code=$(curl -sS --cacert "$SIM_CA" --cert "$tmp/x.pem" --key "$tmp/x.key" -o /dev/null \
	-w '%{http_code}' "$SIM_URL/api/v1/pods")
[ "$code" = 401 ] || fail "foreign client certificate: want 401, got $code"
pass "unknown token and foreign certificate: 401"

code=$(curl -sS --cacert "$SIM_CA" -H 'Authorization: Bearer kaic-token-0123456789' \
	-o /dev/null -w '%{http_code}' "$SIM_URL/api")
[ "$code" = 200 ] || fail "scenario token on /api: want 200, got $code"
code=$(sim_curl -o /dev/null -w '%{http_code}' "$SIM_URL/api/v1/namespaces")
[ "$code" = 200 ] || fail "admin certificate: want 200, got $code"
pass "scenario token and admin certificate authenticate"

sim_curl "$SIM_URL/version" | jq -e '.gitVersion == "v1.34.1" and .major == "1" and
	.minor == "34"' >/dev/null || fail "/version"
code=$(curl -sS --cacert "$SIM_CA" -o /dev/null -w '%{http_code}' "$SIM_URL/version")
[ "$code" = 200 ] || fail "/version is not open to anonymous clients"
pass "/version"

body=$(sim_curl "$SIM_URL/api/v1/namespaces/gpu-operator/services/nvidia-dcgm-exporter:9400/proxy/metrics")
echo "$body" | grep -q '^DCGM_FI_DEV_GPU_UTIL{gpu="0",Hostname="node-00000"} 42$' ||
	fail "proxy answer: $body"
code=$(sim_curl -o "$tmp/body" -w '%{http_code}' \
	"$SIM_URL/api/v1/namespaces/gpu-operator/services/missing:80/proxy/metrics")
[ "$code" = 404 ] || fail "proxy to a missing service: want 404, got $code"
jq -e '.reason == "NotFound"' "$tmp/body" >/dev/null || fail "proxy 404 is not a Status"
pass "service proxy answers from the scenario"
sim_stop || fail "kaic-sim did not stop cleanly"

# a given server certificate
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj "/CN=sim-test" -addext "subjectAltName=IP:127.0.0.1" \
	-keyout "$tmp/srv.key" -out "$tmp/srv.pem" 2>/dev/null || fail "openssl req (server)"
sim_start "$TOP/tests/data/sim-basic" --tls-cert "$tmp/srv.pem" --tls-key "$tmp/srv.key" ||
	fail "kaic-sim did not start with --tls-cert"
[ "$(curl -sS --cacert "$tmp/srv.pem" "$SIM_URL/livez")" = ok ] ||
	fail "the given certificate is not served"
cmp -s "$SIM_CA" "$tmp/srv.pem" || fail "the kubeconfig does not trust the given certificate"
kubectl get ns default -o name >/dev/null || fail "kubectl with --tls-cert"
pass "--tls-cert/--tls-key"
sim_stop || fail "kaic-sim did not stop cleanly"
