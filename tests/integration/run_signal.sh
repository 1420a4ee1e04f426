#!/bin/sh
# run_signal: SIGINT and SIGTERM stop `kaic run` against a slow kaic-sim: exit 130, the
# reports still written with the requirements left undecided as Error, and --run-timeout
# stops a run the same way without counting as an interruption.
. "$TOP/tests/integration/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"
slow=$(mktemp -d "${TMPDIR:-/tmp}/kaic-slow.XXXXXX") || exit 1
trap 'sim_cleanup; rm -rf "$slow"' EXIT
cp -R "$TOP/tests/data/sim-basic/." "$slow/"
printf 'latencyMs: 150\n' >>"$slow/scenario.yaml"
sim_start "$slow" || fail "kaic-sim did not start"
out=$SIM_DIR/kaic-out

for sig in INT TERM; do
	rm -rf "$out"
	"$KAIC" run --passive --no-color --parallel 1 --output-dir "$out" >"$SIM_DIR/stdout" 2>&1 &
	pid=$!
	sleep 1.5
	kill -"$sig" "$pid"
	waited=0
	while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 300 ]; do
		sleep 0.1
		waited=$((waited + 1))
	done
	kill -0 "$pid" 2>/dev/null && fail "SIG$sig: kaic still runs 30 s later"
	wait "$pid"
	rc=$?
	[ "$rc" -eq 130 ] || fail "SIG$sig: exit $rc, want 130: $(tail -n 5 "$SIM_DIR/stdout")"
	# one line per checklist ("White paper v0.9: the run was interrupted", the CNCF
	# version's), then "Result:   exit 130"
	{ grep -q '^Result:   exit 130' "$SIM_DIR/stdout" &&
		grep -q ': the run was interrupted$' "$SIM_DIR/stdout"; } ||
		fail "SIG$sig: no summary: $(tail -n 5 "$SIM_DIR/stdout")"
	python3 - "$out/results.json" <<'EOF' || fail "SIG$sig: results.json"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["interrupted"] is True and doc["summary"]["exit_code"] == 130
left = [r for r in doc["requirements"] if r["evidence"] == ["not run: the run was interrupted"]]
assert left and all(r["verdict"] == "Error" for r in left), doc["requirements"]
assert len(left) < 18  # some had run
EOF
	[ -s "$out/checklist.md" ] && [ -s "$out/junit.xml" ] || fail "SIG$sig: reports missing"
	pass "SIG$sig: exit 130 after writing the reports"
done

rm -rf "$out"
"$KAIC" run --passive --no-color --parallel 1 --run-timeout 2s --output-dir "$out" \
	>"$SIM_DIR/stdout" 2>&1
rc=$?
python3 - "$out/results.json" "$rc" <<'EOF' || fail "--run-timeout: exit $rc: $(tail -n 5 "$SIM_DIR/stdout")"
import json, sys
doc = json.load(open(sys.argv[1]))
rc = int(sys.argv[2])
assert doc["interrupted"] is False
late = [r for r in doc["requirements"] if r["evidence"] == ["not run: --run-timeout reached"]]
assert late and all(r["verdict"] == "Error" for r in late)
assert rc in (1, 3) and doc["summary"]["exit_code"] == rc, rc
EOF
pass "--run-timeout stops the run; undecided requirements are Error"
sim_stop || fail "kaic-sim did not stop cleanly"
exit 0
