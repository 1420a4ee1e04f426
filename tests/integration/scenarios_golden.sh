#!/bin/sh
# scenarios_golden.sh: for every scenario under sim/scenarios/ with an expected-passive.txt,
# starts kaic-sim on it, runs `kaic run --passive` and compares the verdict table of
# results.json with the expected one exactly (both are printed on a mismatch). Also:
# nothing crashes (exit status 0, 1 or 3 and a complete results.json), the passive run
# sends only GET requests (kaic-sim's access log), every requirement has evidence, and
# against reference every MUST is at least Partial and the evidence names objects of the
# scenario; a scenario's expected-evidence.txt ("ID<TAB>text" lines) names evidence its
# requirements must show. Skips (77) while kaic-sim or `kaic run` cannot run yet.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$TOP" || exit 1
. "$TOP/tests/integration/lib.sh"

[ -x "$KAIC" ] || skip "kaic is not built ($KAIC)"
[ -x "$KAIC_SIM" ] || skip "kaic-sim is not built ($KAIC_SIM)"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
"$KAIC" run --help >/dev/null 2>&1 || skip "\`kaic run\` is not implemented yet"

# Evidence that must appear for reference: "ID<TAB>text found in some evidence line".
reference_evidence() {
	cat <<'EOF'
HW-1.1	16 devices on 2 nodes (gpu-node-1 and gpu-node-2) from driver gpu.example.com
HW-1.1	DeviceClasses: dranet, gpu-80gb.example.com and gpu.example.com
HW-1.2	pod gpu-operator/nvidia-dcgm-exporter-7xk2p:9400
HW-1.2	coverage: 16 of 16 accelerators
HW-1.3	node-problem-detector (kube-system/node-problem-detector)
HW-1.3	medik8s NodeHealthCheck (gpu-nodes)
HW-1.3	fault signal tied to remediation: medik8s NodeHealthCheck gpu-nodes remediates on GPUXidError
HW-1.3	not exercised: passive mode
WL-2.1	agents/weather (Registered=True)
WL-2.2	jobset-system/jobset-controller-manager
WL-2.3	ClusterQueue team-a: cohort ai-research
WL-2.4	gpu-node-1 (single-numa-node, 2 zones)
NET-3.1	accepted GatewayClasses: eg (gateway.envoyproxy.io/gatewayclass-controller)
NET-3.1	Gateway API CRD bundle v1.4.0
NET-3.2	team-a/rdma-net (sriov)
NET-3.2	openshift.io/mlnxnics
EOF
}

# check.py RESULTS EXPECTED SCENARIO EVIDENCE-FILE: compares and asserts; prints why.
cat >"${TMPDIR:-/tmp}/kaic-golden-$$.py" <<'PY'
import json, os, sys
results, expected, scenario, evfile, scenario_ev = sys.argv[1:6]
doc = json.load(open(results))
reqs = doc.get("requirements", [])
got = [(r["id"], r["verdict"]) for r in reqs]
want = [tuple(l.split()) for l in open(expected) if l.strip() and not l.startswith("#")]
ok = True
if got != want:
    ok = False
    print(f"{scenario}: verdict table differs from {expected}")
    print("  %-8s %-9s %-9s" % ("ID", "expected", "got"))
    gd = dict(got)
    for i, v in want:
        mark = "" if gd.get(i) == v else "   <--"
        print("  %-8s %-9s %-9s%s" % (i, v, gd.get(i, "(absent)"), mark))
    for i, v in got:
        if i not in dict(want):
            print("  %-8s %-9s %-9s   <-- not expected" % (i, "(absent)", v))
    for r in reqs:
        if dict(want).get(r["id"]) != r["verdict"]:
            print(f"  {r['id']} evidence:")
            for e in r.get("evidence", []):
                print(f"      {e}")
for r in reqs:
    if not r.get("evidence"):
        ok = False
        print(f"{scenario}: {r['id']} has no evidence")
    if r["verdict"] not in ("Full", "Skipped") and not r.get("remediation"):
        ok = False
        print(f"{scenario}: {r['id']} is {r['verdict']} without a remediation hint")
    if r.get("mode") != "passive":
        ok = False
        print(f"{scenario}: {r['id']} was decided {r.get('mode')}, not passive")
if os.path.exists(scenario_ev):
    ev = {r["id"]: "\n".join(r.get("evidence", [])) for r in reqs}
    for line in open(scenario_ev):
        if not line.strip() or line.startswith("#"):
            continue
        rid, text = line.rstrip("\n").split("\t", 1)
        if text not in ev.get(rid, ""):
            ok = False
            print(f"{scenario}: {rid} evidence does not mention {text!r}:")
            for e in ev.get(rid, "").splitlines():
                print(f"      {e}")
if scenario == "reference":
    for r in reqs:
        if r["level"] == "MUST" and r["verdict"] not in ("Full", "Partial"):
            ok = False
            print(f"reference: MUST {r['id']} is {r['verdict']}")
    ev = {r["id"]: "\n".join(r.get("evidence", [])) for r in reqs}
    for line in open(evfile):
        rid, text = line.rstrip("\n").split("\t", 1)
        if text not in ev.get(rid, ""):
            ok = False
            print(f"reference: {rid} evidence does not mention {text!r}:")
            for e in ev.get(rid, "").splitlines():
                print(f"      {e}")
sys.exit(0 if ok else 1)
PY
check="${TMPDIR:-/tmp}/kaic-golden-$$.py"
evfile="${TMPDIR:-/tmp}/kaic-golden-$$.ev"
reference_evidence >"$evfile"
trap 'rm -f "$check" "$evfile"; sim_cleanup' EXIT

fail=0
n=0
for dir in sim/scenarios/*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	[ -f "$dir/expected-passive.txt" ] || continue
	n=$((n + 1))
	sim_start "$TOP/$dir" || fail "kaic-sim did not start on $name"
	out="$SIM_DIR/out"
	"$KAIC" run --passive --no-color --output-dir "$out" >"$SIM_DIR/kaic.out" 2>"$SIM_DIR/kaic.err"
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ "$rc" -ne 3 ]; then
		echo "FAIL: $name: kaic run --passive exited $rc"
		tail -n 20 "$SIM_DIR/kaic.err"
		fail=1
		sim_stop
		continue
	fi
	if [ ! -s "$out/results.json" ]; then
		echo "FAIL: $name: no results.json (exit $rc)"
		tail -n 20 "$SIM_DIR/kaic.err"
		fail=1
		sim_stop
		continue
	fi
	if python3 "$check" "$out/results.json" "$dir/expected-passive.txt" "$name" "$evfile" \
		"$dir/expected-evidence.txt"; then
		pass "$name: verdicts match expected-passive.txt (exit $rc)"
	else
		fail=1
	fi
	writes=$(grep -cvE '^GET ' "$SIM_LOG")
	if [ "$writes" -ne 0 ]; then
		echo "FAIL: $name: the passive run sent $writes non-GET requests:"
		grep -vE '^GET ' "$SIM_LOG" | head -n 5
		fail=1
	else
		pass "$name: only GET requests ($(wc -l <"$SIM_LOG") in the access log)"
	fi
	sim_stop || fail=1
done
[ "$n" -gt 0 ] || fail "no scenario with expected-passive.txt under sim/scenarios"
[ "$fail" -eq 0 ] || exit 1
echo "all $n scenarios match their expected verdicts"
