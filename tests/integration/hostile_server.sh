#!/bin/sh
# hostile_server: `kaic run --passive` (and `kaic cleanup --dry-run`) against an API server
# that misbehaves (tests/data/hostile_server.py: garbage, 500, 429 forever, a truncated
# body, an endless drip, 100,000-deep nesting, a 200 MB list, 10,000 API groups). Each
# run must end in time with a one-line failure (exit 2) or with Error verdicts (never a
# Full or No verdict; exit 1 only from Partial, exit 0 never), the 200 MB list must stay
# under 400 MB of peak RSS (release builds), and SIGTERM in the middle of parsing it must
# end kaic within 2 s. Discovery is kaic-sim's reference scenario's, so that every check
# reaches the hostile answers.
# test: alone
. "$TOP/tests/integration/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v openssl >/dev/null || skip "openssl is not installed"
[ -x /usr/bin/time ] || skip "/usr/bin/time (Debian package time) is not installed"
work=$(mktemp -d "${TMPDIR:-/tmp}/kaic-hostile.XXXXXX") || exit 1
HPID=
hostile_stop() {
	[ -n "$HPID" ] && kill "$HPID" 2>/dev/null && wait "$HPID" 2>/dev/null
	HPID=
}
trap 'hostile_stop; sim_cleanup; rm -rf "$work"' EXIT

# the reference scenario's aggregated discovery
sim_start "$TOP/sim/scenarios/reference" || fail "kaic-sim did not start"
mkdir -p "$work/disc"
for p in api apis; do
	sim_curl -H 'Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' \
		"$SIM_URL/$p" >"$work/disc/$p.json" || fail "discovery $p"
done
sim_stop || fail "kaic-sim did not stop cleanly"

# hostile_start MODE: the server in $work/MODE, its kubeconfig $work/MODE/kubeconfig
hostile_start() {
	d=$work/$1
	mkdir -p "$d"
	[ -f "$work/certs/server.crt" ] && cp "$work/certs/"*.crt "$work/certs/"*.key "$d/"
	python3 "$TOP/tests/data/hostile_server.py" "$d" "$1" "$work/disc" 2>"$d/server.err" &
	HPID=$!
	n=0
	while [ ! -s "$d/port" ]; do
		kill -0 "$HPID" 2>/dev/null || fail "$1: server died: $(tail -n 3 "$d/server.err")"
		n=$((n + 1))
		[ "$n" -lt 300 ] || fail "$1: server did not start"
		sleep 0.1
	done
	[ -d "$work/certs" ] || { mkdir -p "$work/certs" && cp "$d/"*.crt "$d/"*.key "$work/certs/"; }
	cat >"$d/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: hostile
  cluster:
    server: https://127.0.0.1:$(cat "$d/port")
    certificate-authority-data: $(base64 -w0 <"$d/ca.crt")
users:
- name: u
  user:
    client-certificate-data: $(base64 -w0 <"$d/client.crt")
    client-key-data: $(base64 -w0 <"$d/client.key")
contexts:
- name: hostile
  context: {cluster: hostile, user: u}
current-context: hostile
EOF
}

# check_run MODE DEADLINE_S RSS_LIMIT_KB [kaic run flags]: runs kaic against the server of
# MODE and checks its ending, its wall time and (RSS_LIMIT_KB > 0) its peak RSS.
check_run() {
	mode=$1 deadline=$2 rss_limit=$3
	shift 3
	d=$work/$mode
	/usr/bin/time -f "%e %M" -o "$d/time" "$KAIC" run --passive --no-color \
		--kubeconfig "$d/kubeconfig" --output-dir "$d/out" --parallel 4 "$@" \
		>"$d/stdout" 2>"$d/stderr"
	rc=$?
	read -r wall rss <<EOT
$(tail -n 1 "$d/time")
EOT
	why="$(tail -n 3 "$d/stderr") $(grep '^Result' "$d/stdout")"
	case $rc in
	2)
		[ "$(wc -l <"$d/stderr")" -le 2 ] || fail "$mode: exit 2 with more than a line: $why"
		grep -q '^kaic run: ' "$d/stderr" || fail "$mode: exit 2 without a cause: $why"
		;;
	1 | 3)
		python3 - "$d/out/results.json" <<'EOF' || fail "$mode: exit $rc: confident verdicts: $why"
import json, sys
doc = json.load(open(sys.argv[1]))
rs = doc["requirements"]
sure = [r["id"] + " " + r["verdict"] for r in rs if r["verdict"] in ("Full", "No")]
assert not sure, sure
assert any(r["verdict"] == "Error" for r in rs)
EOF
		;;
	*) fail "$mode: exit $rc: $why" ;;
	esac
	[ "$(echo "$wall < $deadline" | bc)" = 1 ] || fail "$mode: took $wall s (limit $deadline s)"
	if [ "$rss_limit" -gt 0 ] && [ "$rss" -ge "$rss_limit" ]; then
		fail "$mode: peak RSS $rss KiB (limit $rss_limit KiB)"
	fi
	pass "$mode: exit $rc in $wall s, peak RSS $rss KiB"
}

# cleanup_run MODE: kaic cleanup --dry-run must not claim there is nothing to clean up
cleanup_run() {
	d=$work/$1
	timeout 60 "$KAIC" cleanup --dry-run --kubeconfig "$d/kubeconfig" >"$d/cleanup.out" 2>&1
	rc=$?
	[ "$rc" -eq 1 ] || [ "$rc" -eq 2 ] || fail "$1: cleanup --dry-run exit $rc: $(tail -n 3 "$d/cleanup.out")"
	pass "$1: cleanup --dry-run exit $rc"
}

# RSS limits: 400 MB in release builds; sanitizers multiply memory, so only the time and
# the ending are checked under them
san=${KAIC_TEST_SAN:-}
big_rss=400000
[ -n "$san" ] && big_rss=0

for mode in garbage deep; do
	hostile_start "$mode"
	check_run "$mode" 20 0 --timeout 10s --run-timeout 10s
	cleanup_run "$mode"
	hostile_stop
done
for mode in 500 429 truncated drip; do
	hostile_start "$mode"
	check_run "$mode" 15 0 --timeout 5s --run-timeout 5s
	hostile_stop
done

hostile_start groups
check_run groups 20 0 --timeout 10s --run-timeout 10s
cleanup_run groups
hostile_stop

# 200 MB list: stopped at --max-response-bytes (64 MiB), asked again with smaller pages,
# then the budget (here 200 MiB, to keep the test short) ends the reading
hostile_start big
check_run big 60 "$big_rss" --timeout 30s --run-timeout 50s --focus HW-1.1 \
	--max-total-bytes 200Mi
grep -q 'exceeds --max-response-bytes (64 MiB)\|--max-total-bytes (200 MiB)' \
	"$work/big/out/results.json" || fail "big: the limit is not named in the evidence"

# SIGTERM while the 200 MB answer is parsed (limits raised so that it is read whole)
d=$work/big
"$KAIC" run --passive --no-color -v -v --kubeconfig "$d/kubeconfig" --focus HW-1.1 \
	--max-response-bytes 300Mi --max-total-bytes 1Gi --output-dir "$d/out2" \
	>"$d/sig.out" 2>&1 &
pid=$!
n=0
until grep -q 'deviceclasses?limit=500: 200 ' "$d/sig.out"; do
	kill -0 "$pid" 2>/dev/null || fail "SIGTERM: kaic ended before the list was read: $(tail -n 3 "$d/sig.out")"
	n=$((n + 1))
	[ "$n" -lt 1200 ] || fail "SIGTERM: the 200 MB list was not read within 60 s"
	sleep 0.05
done
sleep 0.3
kill -TERM "$pid"
t0=$(date +%s%N)
n=0
while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 100 ]; do
	sleep 0.05
	n=$((n + 1))
done
t1=$(date +%s%N)
kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; fail "SIGTERM: kaic still parsing 5 s later"; }
wait "$pid"
rc=$?
ms=$(((t1 - t0) / 1000000))
[ "$rc" -eq 130 ] || fail "SIGTERM: exit $rc, want 130: $(tail -n 3 "$d/sig.out")"
[ "$ms" -le 2000 ] || fail "SIGTERM: kaic ended $ms ms after the signal (limit 2000 ms)"
pass "SIGTERM during the parse of 200 MB: exit 130 after $ms ms"
hostile_stop
exit 0
