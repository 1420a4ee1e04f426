#!/bin/sh
# sonobuoy_worker.sh: plays Sonobuoy's worker and aggregator against a kaic run on kaic-sim:
# runs kaic with SONOBUOY_RESULTS_DIR set, waits for the "done" file, reads the path in it,
# extracts that tarball as the aggregator does (plugins/kaic/results/global), finds
# sonobuoy_results.yaml there, and checks its 18 requirement items against results.json:
# same order, statuses as docs/sonobuoy.md maps verdicts, parents aggregated, and the
# plugin status agreeing with kaic's exit status.
. "$TOP/tests/integration/lib.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
python3 -c 'import yaml' 2>/dev/null || skip "PyYAML is not installed"
scenario=$TOP/sim/scenarios/reference
[ -d "$scenario" ] || scenario=$TOP/tests/data/sim-basic
[ -d "$scenario" ] || skip "no kaic-sim scenario (sim/scenarios/reference) to run against"
sim_start "$scenario" || fail "kaic-sim did not start"

results=$SIM_DIR/sonobuoy/results
mkdir -p "$results"
# kaic, as the plugin container: Sonobuoy sets SONOBUOY_RESULTS_DIR, no --output-dir
SONOBUOY_RESULTS_DIR=$results "$KAIC" run --passive --no-color --skip SEC-5.5,OBS-6.2 \
	>"$SIM_DIR/kaic.out" 2>"$SIM_DIR/kaic.err" &
kaic_pid=$!

# the worker: poll for the done file (the real one polls every second)
waited=0
while [ ! -e "$results/done" ]; do
	if ! kill -0 "$kaic_pid" 2>/dev/null; then
		wait "$kaic_pid"
		fail "kaic exited ($?) without writing the done file: $(tail -n 3 "$SIM_DIR/kaic.err")"
	fi
	waited=$((waited + 1))
	[ "$waited" -le 1200 ] || fail "no done file after 120 s"
	sleep 0.1
done
wait "$kaic_pid"
rc=$?
case $rc in 0 | 1 | 3) ;; *) fail "kaic run exited $rc: $(tail -n 3 "$SIM_DIR/kaic.err")" ;; esac
# the worker trims whitespace and sends that one file; .gz means application/gzip
tarball=$(tr -d ' \t\r\n' <"$results/done")
case $tarball in
/*.tar.gz) ;;
*) fail "done holds \"$tarball\", not the absolute path of a .tar.gz" ;;
esac
[ -f "$tarball" ] || fail "done names \"$tarball\", which does not exist"
pass "done names $tarball (kaic exit $rc)"

# the aggregator: application/gzip results are extracted into plugins/<name>/results/global
agg=$SIM_DIR/aggregator/plugins/kaic/results/global
mkdir -p "$agg"
tar -xzf "$tarball" -C "$agg" || fail "the tarball does not extract"
[ ! -e "$agg/done" ] || fail "the tarball contains the done file"
for f in sonobuoy_results.yaml results.json checklist.md junit.xml PRODUCT.yaml; do
	[ -s "$agg/$f" ] || fail "the tarball lacks $f"
done
pass "tarball extracted with sonobuoy_results.yaml and every report"

python3 - "$SIM_DIR/aggregator/plugins/kaic" "$rc" <<'PY' || fail "sonobuoy_results.yaml does not match results.json"
import json, os, sys, yaml

plugin_dir, rc = sys.argv[1], int(sys.argv[2])
# Sonobuoy's manual post-processor walks results/ for files named sonobuoy_results.yaml.
found = [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(plugin_dir, "results"))
         for f in fs if f == "sonobuoy_results.yaml"]
assert len(found) == 1, found
tree = yaml.safe_load(open(found[0]))
doc = json.load(open(os.path.join(os.path.dirname(found[0]), "results.json")))


def check_item(it, where):
    assert isinstance(it.get("name"), str) and it["name"], where
    assert isinstance(it.get("status"), str), where
    for k, v in (it.get("meta") or {}).items():  # Sonobuoy's meta is map[string]string
        assert isinstance(k, str) and isinstance(v, str), (where, k, v)
    assert isinstance(it.get("details", {}), dict), where
    for c in it.get("items", []):
        check_item(c, where + "/" + c.get("name", "?"))


# Sonobuoy's AggregateStatus, which it applies to every branch when it reads the file:
# failed/timeout win, any other status but passed/skipped is unknown, skipped counts as
# passed, and no children at all is unknown.
def aggregate(statuses):
    if "failed" in statuses or "timeout" in statuses:
        return "failed"
    if not statuses or any(s not in ("passed", "skipped") for s in statuses):
        return "unknown"
    return "passed"


def expected(r, strict):
    v = r["verdict"]
    if v == "Full":
        return "passed"
    if v in ("Partial", "No"):
        return "failed" if r["level"] == "MUST" or strict else "passed"
    if v == "Skipped":  # a MUST left out was not decided: unknown, not (passed) skipped
        return "unknown" if r["level"] == "MUST" else "skipped"
    return "unknown"


check_item(tree, tree["name"])
assert tree["name"] == "kaic", tree["name"]
leaves = []
for dom in tree["items"]:
    kids = dom["items"]
    assert dom["status"] == aggregate([k["status"] for k in kids]), dom["name"]
    leaves += [(dom["name"], k) for k in kids]
reqs = doc["requirements"]
assert len(leaves) == 18 and len(reqs) == 18, (len(leaves), len(reqs))
for (dom, it), r in zip(leaves, reqs):
    assert it["meta"]["id"] == r["id"], (it["meta"], r["id"])
    assert dom == r["domain"], (dom, r["domain"])
    d = it["details"]
    assert d["verdict"] == r["verdict"] and d["level"] == r["level"], (d, r)
    assert d["mode"] == r["mode"] and d["evidence"] == r["evidence"], r["id"]
    assert it["status"] == expected(r, doc["strict"]), (r["id"], it["status"], r["verdict"])
assert tree["status"] == aggregate([d["status"] for d in tree["items"]])
skipped = [r["id"] for r in reqs if r["verdict"] == "Skipped"]
assert skipped == ["SEC-5.5", "OBS-6.2"], skipped
# the plugin status (the root item's, one results file) agrees with kaic's exit status
want = {1: "failed", 3: "unknown", 0: "passed"}[rc]
assert tree["status"] == want, (tree["status"], rc)
print(f"18 requirement items match results.json; plugin status {tree['status']}")
PY
pass "sonobuoy_results.yaml: 18 requirement items with the statuses results.json maps to"
sim_stop || fail "kaic-sim did not stop cleanly"

# A run that cannot reach its cluster still hands the worker a result: every requirement
# unknown (kaic's Error) with the cause, and the done file.
bad=$(mktemp -d)
SONOBUOY_RESULTS_DIR=$bad "$KAIC" run --kubeconfig "$bad/missing-kubeconfig" >/dev/null 2>&1
[ $? -eq 2 ] || fail "a run without a usable kubeconfig should exit 2"
[ -s "$bad/done" ] || fail "no done file after a failed start"
[ -f "$(cat "$bad/done")" ] || fail "done names a file that does not exist"
n=$(grep -c 'status: unknown' "$bad/sonobuoy_results.yaml")
[ "$n" -ge 18 ] || fail "expected every requirement unknown after a failed start, got $n"
grep -q 'kaic could not start' "$bad/results.json" || fail "the cause is not in the evidence"
rm -rf "$bad"
pass "a failed start still writes sonobuoy_results.yaml and done"
