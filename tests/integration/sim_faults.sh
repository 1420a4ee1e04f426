#!/bin/sh
# sim_faults: scenario.yaml's seeded fault injection: 500s, 429s with Retry-After, dropped
# connections and truncated bodies, the same for the same seed and different for another;
# slow bodies; watch streams cut; paths outside the fault prefix untouched.
# test: alone
. "$TOP/tests/integration/lib.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kaic-sim-faults.XXXXXX")
trap 'sim_cleanup; rm -rf "$tmp"' EXIT
cat >"$tmp/scenario.yaml" <<'YAML'
faults: {errorRate: 0.2, throttleRate: 0.2, retryAfterSeconds: 7, dropRate: 0.1,
         truncateRate: 0.2, slowMs: 50, watchCutAfterSeconds: 2, pathPrefix: /api/v1/namespaces}
YAML

# run SEED: the outcomes of 40 requests as "HTTP-code/curl-exit" words
run() {
	sim_start "$tmp" --seed "$1" || fail "kaic-sim did not start"
	for i in $(seq 1 40); do
		code=$(sim_curl -s -o /dev/null -D "$tmp/h" -w '%{http_code}' \
			"$SIM_URL/api/v1/namespaces?n=$i" 2>/dev/null)
		rc=$?
		printf '%s/%s ' "$code" "$rc"
		if [ "$code" = 429 ] && ! grep -qi '^Retry-After: 7' "$tmp/h"; then
			echo "429 without Retry-After: 7" >&2
		fi
	done
	echo
}

run 11 >"$tmp/a" 2>"$tmp/err"
[ "$(sim_curl "$SIM_URL/healthz")" = ok ] || fail "healthz under faults"
code=$(sim_curl -o /dev/null -w '%{http_code}' "$SIM_URL/apis/apps/v1")
[ "$code" = 200 ] || fail "a path outside pathPrefix got $code"
sim_stop || fail "kaic-sim did not stop cleanly"
# the access log's durations: faulted paths carry the 50 ms pause, others not
awk '$2 ~ /^\/api\/v1\/namespaces\?/ && $3 == 200 && $5 < 50 { bad = 1 }
     $2 == "/apis/apps/v1" && $5 >= 50 { bad = 1 } END { exit bad }' "$SIM_LOG" ||
	fail "slowMs not applied as configured: $(cat "$SIM_LOG")"
run 11 >"$tmp/b" 2>>"$tmp/err"
sim_stop || fail "kaic-sim did not stop cleanly"
run 12 >"$tmp/c" 2>>"$tmp/err"
sim_stop || fail "kaic-sim did not stop cleanly"
[ ! -s "$tmp/err" ] || fail "$(cat "$tmp/err")"
a=$(cat "$tmp/a")
b=$(cat "$tmp/b")
c=$(cat "$tmp/c")
echo "seed 11: $a"
echo "seed 12: $c"
[ "$a" = "$b" ] || fail "the same seed gave different faults: $b"
[ "$a" != "$c" ] || fail "another seed gave the same faults"
for want in 200/0 500/0 429/0 000/52 200/18; do
	case " $a" in *" $want "*) ;; *) fail "no $want outcome in: $a" ;; esac
done
pass "seeded faults repeat: 500, 429 + Retry-After, drops (curl 52), truncation (curl 18)"
pass "paths outside the prefix are unaffected"

# a watch is cut after about 2 s although it asked for 30
mkdir -p "$tmp/cut"
echo 'faults: {watchCutAfterSeconds: 2}' >"$tmp/cut/scenario.yaml"
sim_start "$tmp/cut" || fail "kaic-sim did not start"
start=$(date +%s)
sim_curl -N "$SIM_URL/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=30" \
	>/dev/null 2>&1
rc=$?
took=$(($(date +%s) - start))
if [ "$took" -lt 1 ] || [ "$took" -gt 5 ]; then
	fail "watch not cut after 2 s: ran $took s"
fi
[ "$rc" -eq 18 ] || fail "a cut watch should end without its last chunk (curl 18), got $rc"
sim_stop || fail "kaic-sim did not stop cleanly"
pass "watch cut after $took s"
