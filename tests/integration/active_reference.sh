#!/bin/sh
# active_reference.sh: `kaic run` (active mode) against the reference scenario reports
# every MUST requirement Full, decided active, with evidence from the workloads
# (allocated device, the device's series attributed to its pod, measured split,
# snapshot restored, denied connection, collected series, reconciled AgentTool); the
# cleanup leaves no
# object labelled by kaic. Prints the run's wall time next to the sum of the
# requirements' durations: checks run in parallel, so the wall time must stay near the
# slowest one, not the sum.
# test: alone
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/active_lib.sh"
active_need_sim
sim_start "$TOP/sim/scenarios/reference" || fail "kaic-sim did not start"
out=$SIM_DIR/results
t0=$(date +%s%N)
"$KAIC" run --output-dir "$out" --timeout 120s --parallel 18 --no-color \
	>"$SIM_DIR/run.log" 2>&1
rc=$?
wall_ms=$((($(date +%s%N) - t0) / 1000000))
[ -f "$out/results.json" ] || fail "no results.json (exit $rc): $(tail -n 20 "$SIM_DIR/run.log")"
# one request count everywhere: what kaic-sim served (the cleanup's deletes included) is
# what results.json and the terminal say
served=$(grep -cE '^[A-Z]+ ' "$SIM_LOG")
SERVED=$served active_results "$out/results.json" <<'PY' || fail "request counts disagree"
served = int(os.environ["SERVED"])
print(f"requests: kaic-sim served {served}, results.json api_requests {doc['api_requests']}")
sys.exit(0 if doc["api_requests"] == served else 1)
PY
grep -q "^API:      $served requests " "$SIM_DIR/run.log" ||
	fail "the terminal's count is not kaic-sim's $served: $(grep '^API:' "$SIM_DIR/run.log")"
pass "$served requests, the same in kaic-sim's log, results.json and the terminal"

active_results "$out/results.json" <<'PY' || fail "verdicts (kaic exit $rc): $(tail -n 5 "$SIM_DIR/run.log")"
want = {
    "HW-1.1": ["allocated device ", "negative: claim with selector"],
    "HW-1.2": ["pod gpu-metrics holds device ", "utilization: DCGM_FI_DEV_GPU_UTIL=",
               "memory: DCGM_FI_DEV_FB_USED=", "the series are attributed to pod kaic-"],
    "WL-2.1": ["status.tools: kaic-tool-1, kaic-tool-2, kaic-tool-3",
               "Registered=False (ServiceNotFound", "registry kaic-system/kaic-agentd lists"],
    "NET-3.1": ["measured split: a: ", "header rule (x-model-variant: b): 100/100 to b"],
    "STO-4.1": ["snapshot restored into PVC csi-restored and read back"],
    "SEC-5.1": ["denied connection", "again"],
    "OBS-6.1": ["collected series vllm:num_requests_running{"],
}
bad = []
for rid, r in req.items():
    if (r["verdict"] == "Full") != (r["remediation"] is None):
        bad.append(f"{rid}: {r['verdict']} with remediation {r['remediation']!r}")
    if r["level"] == "MUST" and r["verdict"] != "Full":
        bad.append(f"{rid}: {r['verdict']} ({r['mode']}): " + " | ".join(r["evidence"][-6:]))
for rid, needles in want.items():
    r = req[rid]
    if r["mode"] != "active":
        bad.append(f"{rid}: decided {r['mode']}, not active")
    for n in needles:
        if not any(n in e for e in r["evidence"]):
            bad.append(f"{rid}: no evidence with {n!r}: " + " | ".join(r["evidence"]))
if not doc["cleanup"]["ok"]:
    bad.append(f"cleanup not ok: {doc['cleanup']['notes']}")
for b in bad:
    print("FAIL:", b)
for rid in want:
    print(f"ok: {rid} Full (active): {req[rid]['evidence'][-1]}")
sys.exit(1 if bad else 0)
PY
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || fail "kaic run exited $rc: $(tail -n 20 "$SIM_DIR/run.log")"
pass "every MUST Full against reference (kaic exit $rc)"

left=$(active_leftovers) || fail "$left"
[ -z "$left" ] || fail "objects labelled by kaic remain: $left"
pass "no object labelled by kaic remains"

WALL_MS=$wall_ms active_results "$out/results.json" <<'PY' || fail "the run took about the sum of its tests: not parallel"
d = [r['duration_ms'] for r in doc['requirements']]
wall = int(os.environ["WALL_MS"])
print(f'timing: wall {wall} ms for the run, sum of per-requirement durations {sum(d)} ms, '
      f'slowest {max(d)} ms (results.json duration_ms {doc["duration_ms"]} ms)')
# parallel, not serial: the run (plus connecting and cleanup) stays well under the sum
sys.exit(0 if wall < max(d) + 15000 and (sum(d) < 2 * max(d) or wall < sum(d)) else 1)
PY
pass "run time close to the slowest test"
