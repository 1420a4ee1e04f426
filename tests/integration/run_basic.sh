#!/bin/sh
# run_basic: `kaic run --passive` against kaic-sim: the report files, 18 checklist rows in
# order, an exit status that matches the verdicts, only GET requests in the simulator's
# access log (and as many as kaic counted), no key material in any output with -vv, and
# --focus/--skip reported as Skipped.
. "$TOP/tests/integration/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"
scenario=$TOP/sim/scenarios/reference
[ -d "$scenario" ] || scenario=$TOP/tests/data/sim-basic
sim_start "$scenario" || fail "kaic-sim did not start"
out=$SIM_DIR/kaic-out

"$KAIC" run --passive --no-color -vv --output-dir "$out" >"$SIM_DIR/stdout.txt" 2>"$SIM_DIR/stderr.txt"
rc=$?
case $rc in 0 | 1 | 3) ;; *) fail "kaic run --passive: exit $rc: $(tail -n 5 "$SIM_DIR/stderr.txt")" ;; esac
for f in checklist.md results.json junit.xml; do
	[ -s "$out/$f" ] || fail "$f was not written"
done
pass "kaic run --passive wrote checklist.md, results.json, junit.xml (exit $rc)"

# 18 rows in Appendix A order
grep -oE '^\| [A-Za-z]+ \| [A-Z]+-[0-9]\.[0-9] \|' "$out/checklist.md" | awk '{print $4}' >"$SIM_DIR/rows"
"$KAIC" list | awk 'NR > 1 {print $1}' >"$SIM_DIR/ids"
cmp -s "$SIM_DIR/rows" "$SIM_DIR/ids" || fail "checklist.md rows: $(tr '\n' ' ' <"$SIM_DIR/rows")"
pass "checklist.md has the 18 rows in catalogue order"

# the exit status follows from the verdicts; the access log holds only GETs, as many as
# kaic counted
requests=$(grep -cE '^[A-Z]+ ' "$SIM_LOG")
python3 - "$out/results.json" "$rc" "$requests" <<'EOF' || fail "results.json does not match the run"
import json, sys
doc = json.load(open(sys.argv[1]))
rc, requests = int(sys.argv[2]), int(sys.argv[3])
reqs = doc["requirements"]
assert len(reqs) == 18, len(reqs)
must_fail = any(r["level"] == "MUST" and r["verdict"] in ("Partial", "No") for r in reqs)
error = any(r["verdict"] == "Error" for r in reqs)
want = 1 if must_fail else 3 if error else 0
assert rc == want, f"exit {rc}, verdicts say {want}"
assert doc["summary"]["exit_code"] == rc, doc["summary"]
assert doc["mode"] == "passive"
for r in reqs:
    assert r["mode"] == "passive", r
    if r["verdict"] != "Full":
        assert r["remediation"], r
assert doc["api_requests"] == requests, f"kaic counted {doc['api_requests']}, log has {requests}"
assert doc["cluster"]["version"].startswith("v1."), doc["cluster"]
assert doc["cleanup"]["ok"] is True
EOF
[ "$requests" -gt 0 ] || fail "the access log is empty"
others=$(grep -cvE '^GET ' "$SIM_LOG")
[ "$others" -eq 0 ] || fail "--passive sent non-GET requests: $(grep -vE '^GET ' "$SIM_LOG" | head -n 5)"
pass "exit $rc matches the verdicts; $requests requests, all GET"

grep -q '^Result:   exit ' "$SIM_DIR/stdout.txt" || fail "no summary on stdout"
grep -q "^Reports:  $out/checklist.md" "$SIM_DIR/stdout.txt" || fail "summary lacks the report paths"
# key material of the client certificate never appears, -vv included
keyline=$(sed -n 2p "$SIM_KEY")
for f in "$SIM_DIR/stdout.txt" "$SIM_DIR/stderr.txt" "$out"/*; do
	grep -qF -- "$keyline" "$f" && fail "key material in $f"
done
pass "summary printed; no key material in any output"

# --focus / --skip: the rest is Skipped, and a run that left a MUST out did not decide it:
# exit 3 (or 1), never 0, and the summary names what was left out
"$KAIC" run --passive --no-color --focus HW-1.1,WL-2.1 --output-dir "$out" \
	>"$SIM_DIR/stdout2.txt" 2>&1
rc=$?
python3 - "$out/results.json" "$rc" <<'EOF' || fail "--focus results (exit $rc)"
import json, sys
doc = json.load(open(sys.argv[1]))
v = {r["id"]: r for r in doc["requirements"]}
assert v["HW-1.1"]["verdict"] != "Skipped", v["HW-1.1"]
assert v["OBS-6.2"]["evidence"] == ["not in --focus"]
assert v["OBS-6.2"]["remediation"] == "not decided: add OBS-6.2 to --focus to decide it"
assert sum(r["verdict"] == "Skipped" for r in doc["requirements"]) == 16
assert doc["summary"]["exit_code"] == int(sys.argv[2])
assert int(sys.argv[2]) in (1, 3), sys.argv[2]
EOF
grep -q "HW-1.2 (MUST, Skipped)" "$SIM_DIR/stdout2.txt" ||
	fail "the summary does not name the skipped MUSTs: $(tail -n 1 "$SIM_DIR/stdout2.txt")"
"$KAIC" run --passive --no-color --skip WL-2.1 --output-dir "$out" >"$SIM_DIR/stdout3.txt" 2>&1
rc=$?
python3 - "$out/results.json" "$rc" <<'EOF' || fail "--skip results (exit $rc)"
import json, sys
doc = json.load(open(sys.argv[1]))
v = {r["id"]: r for r in doc["requirements"]}
assert v["WL-2.1"]["verdict"] == "Skipped" and v["WL-2.1"]["evidence"] == ["excluded by --skip"]
assert sum(r["verdict"] == "Skipped" for r in doc["requirements"]) == 1
assert doc["summary"]["exit_code"] == int(sys.argv[2]) != 0
EOF
# every MUST skipped: exit 3, and never "every MUST requirement is Full"
all_must=HW-1.1,HW-1.2,WL-2.1,NET-3.1,STO-4.1,SEC-5.1,OBS-6.1
"$KAIC" run --passive --no-color --catalog whitepaper --skip "$all_must" --output-dir "$SIM_DIR/musts" \
	>"$SIM_DIR/stdout4.txt" 2>&1
rc=$?
[ "$rc" -eq 3 ] || fail "every MUST skipped: exit $rc, want 3"
grep -q "^Result:   exit 3: not decided: HW-1.1 (MUST, Skipped)" "$SIM_DIR/stdout4.txt" ||
	fail "every MUST skipped: $(tail -n 1 "$SIM_DIR/stdout4.txt")"
grep -q "every MUST requirement is Full" "$SIM_DIR/stdout4.txt" &&
	fail "every MUST skipped, yet the summary says every MUST is Full"
# --focus and --skip on the same ID: a usage error, and no output directory left behind
"$KAIC" run --passive --no-color --focus HW-1.1 --skip HW-1.1 --output-dir "$SIM_DIR/overlap" \
	>"$SIM_DIR/stdout5.txt" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "--focus X --skip X: exit $rc, want 2"
grep -q '^kaic run: --focus and --skip both name "HW-1.1"' "$SIM_DIR/stdout5.txt" ||
	fail "--focus X --skip X: $(cat "$SIM_DIR/stdout5.txt")"
[ ! -e "$SIM_DIR/overlap" ] || fail "a usage error left $SIM_DIR/overlap behind"
pass "--focus and --skip"
sim_stop || fail "kaic-sim did not stop cleanly"
exit 0
