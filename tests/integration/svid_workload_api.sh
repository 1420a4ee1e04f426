#!/bin/sh
# svid_workload_api.sh: `kaic probe svid` against a gRPC Workload API over a Unix socket
# (tests/data/workload-api, built with Go when it is installed; skipped otherwise): it
# finds the socket in the mount directory, takes the stream's first X509SVIDResponse,
# reports the SPIFFE ID, the chain and bundle as PEM (never the key) with the chain
# verified; a trailers-only gRPC error (status 7) is reported with exit 1; no socket is a
# connection error with exit 1.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/integration/lib.sh"
command -v go >/dev/null 2>&1 || skip "go is not installed: no Workload API stand-in"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
dir=$(mktemp -d "${TMPDIR:-/tmp}/kaic-wapi.XXXXXX") || exit 1
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
cp "$TOP/tests/data/workload-api/main.go" "$dir/" || fail "cannot copy the stand-in"
(cd "$dir" && go mod init wapi >/dev/null 2>&1 && GOFLAGS=-mod=mod go build -o wapi .) ||
	skip "the Workload API stand-in does not build here (Go 1.24+ needed)"
mkdir "$dir/mnt"
ID=spiffe://example.org/ns/kaic-test/sa/default

serve() {
	"$dir/wapi" "$dir/mnt/spire-agent.sock" "$1" "$ID" &
	pid=$!
	i=0
	until [ -S "$dir/mnt/spire-agent.sock" ]; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || fail "the stand-in did not listen"
		sleep 0.1
	done
}

serve ok
out=$("$KAIC" probe svid --socket "$dir/mnt" --timeout 5s)
rc=$?
[ "$rc" -eq 0 ] || fail "exit $rc: $out"
ID=$ID python3 -c '
import json, os, sys
d = json.loads(sys.stdin.read())
want = os.environ["ID"]
ok = (d["spiffe_id"] == want and d["uri_san"] == want and d["uri_sans"] == 1
      and d["chain_verified"] is True and d["bundle_trust_domain"] == "example.org"
      and d["svid_pem"].startswith("-----BEGIN CERTIFICATE-----")
      and "PRIVATE KEY" not in json.dumps(d) and d["socket"].endswith("/spire-agent.sock"))
print(d["spiffe_id"], d["not_after"], d["chain_verified"])
sys.exit(0 if ok else 1)' <<EOF2 || fail "unexpected result: $out"
$out
EOF2
kill "$pid"
wait "$pid" 2>/dev/null
pass "SVID fetched over gRPC, chain verified, no key reported"

rm -f "$dir/mnt/spire-agent.sock"
serve deny
out=$("$KAIC" probe svid --socket "$dir/mnt/spire-agent.sock" --timeout 5s)
rc=$?
[ "$rc" -eq 1 ] || fail "denied: exit $rc: $out"
printf '%s' "$out" | grep -q '"grpc_status":7' || fail "no gRPC status: $out"
printf '%s' "$out" | grep -q 'no identity issued' || fail "no gRPC message: $out"
kill "$pid"
wait "$pid" 2>/dev/null
pid=
pass "gRPC status 7 reported, exit 1"

out=$("$KAIC" probe svid --socket "$dir/none.sock" --timeout 2s)
rc=$?
[ "$rc" -eq 1 ] && printf '%s' "$out" | grep -q '"error"' || fail "no socket: exit $rc: $out"
"$KAIC" probe svid >/dev/null 2>&1
[ $? -eq 2 ] || fail "no --socket is not a usage error"
pass "no socket: exit 1 with the error; no --socket: usage error"
