#!/bin/sh
# active_should_sec.sh: the active tests of SEC-5.2 (SVID through csi.spiffe.io), SEC-5.3
# (sandbox RuntimeClasses against runc), SEC-5.4 (TEE guest signals), SEC-5.5 (dry-run
# admission of --unsigned-image / --signed-image) and STO-4.2 (gdscheck with --gds-image)
# against the reference scenario: each Full, decided active, with the observed evidence;
# the admission test's pods are dry runs (kaic-sim's access log: POST ...?dryRun=All, and
# no pod sig-* ever stored); without the image flags SEC-5.5 and STO-4.2 say they did not
# run; `kaic manifests` lists their objects; a run interrupted in the middle of these
# tests cleans up (exit 130, nothing labelled by kaic left).
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/active_lib.sh"
active_need_sim
IDS=STO-4.2,SEC-5.2,SEC-5.3,SEC-5.4,SEC-5.5
IMAGES="--unsigned-image registry.example.com/kaic/unsigned:1.0 --signed-image registry.example.com/kaic/signed:1.0 --gds-image nvcr.io/nvidia/cuda:12.8.0-gds"

sim_start "$TOP/sim/scenarios/reference" || fail "kaic-sim did not start"
out=$SIM_DIR/results
# shellcheck disable=SC2086 # IMAGES: words
"$KAIC" run --focus "$IDS" $IMAGES --output-dir "$out" --timeout 60s --parallel 5 \
	--no-color >"$SIM_DIR/run.log" 2>&1
rc=$?
[ -f "$out/results.json" ] || fail "no results.json (exit $rc): $(tail -n 20 "$SIM_DIR/run.log")"
active_results "$out/results.json" <<'PY' || fail "verdicts (kaic exit $rc)"
want = {
    "STO-4.2": ["gdscheck -p in pod gds-check: nvidia_fs version 2.17",
                "1 of 1 GPU support GDS", "platform verification succeeded"],
    "SEC-5.2": ["pod svid got X.509 SVID spiffe://example.org/ns/kaic-",
                "chain verified by kaic against the bundle",
                "trust domain example.org, the one the bundle's CA names",
                "ClusterSPIFFEID default selects the pod: expected spiffe://example.org/ns/kaic-",
                "the SPIFFE ID is the pod's identity"],
    "SEC-5.3": ["RuntimeClass gvisor (handler runsc): pod sandbox-gvisor on node ",
                "gVisor's user-space kernel", "RuntimeClass kata-qemu (handler kata-qemu)",
                "(no RuntimeClass) on the same node sees kernel 6.8.0-60-generic"],
    "SEC-5.4": ["RuntimeClass kata-qemu-tdx (handler kata-qemu-tdx): pod tee-kata-qemu-tdx",
                "/dev/tdx_guest, configfs-tsm report"],
    "SEC-5.5": ["labelled {\"policy.sigstore.dev/include\":\"true\"}",
                "unsigned image registry.example.com/kaic/unsigned:1.0: denied by webhook "
                "policy.sigstore.dev: HTTP 400",
                "signed image registry.example.com/kaic/signed:1.0: admitted (server-side dry run"],
}
bad = []
for rid, needles in want.items():
    r = req[rid]
    if r["verdict"] != "Full" or r["mode"] != "active":
        bad.append(f"{rid}: {r['verdict']} ({r['mode']}): " + " | ".join(r["evidence"]))
    for n in needles:
        if not any(n in e for e in r["evidence"]):
            bad.append(f"{rid}: no evidence with {n!r}: " + " | ".join(r["evidence"]))
if not doc["cleanup"]["ok"]:
    bad.append(f"cleanup not ok: {doc['cleanup']['notes']}")
for b in bad:
    print("FAIL:", b)
for rid in want:
    print(f"ok: {rid} {req[rid]['verdict']} ({req[rid]['mode']}): {req[rid]['evidence'][-1]}")
sys.exit(1 if bad else 0)
PY
pass "the five tests Full against reference"
n=$(sim_count '^POST /api/v1/namespaces/kaic-[a-z0-9]+-sig/pods\?dryRun=All ')
[ "$n" -eq 2 ] || fail "SEC-5.5 sent $n dry-run pod creations, want 2"
grep -q '"sig-' "$SIM_DIR/run.log" && fail "a sig-* pod was named in the run's output"
stored=$(sim_count '^(GET|DELETE) /api/v1/namespaces/kaic-[a-z0-9-]+/pods/sig-')
[ "$stored" -eq 0 ] || fail "kaic touched a stored sig-* pod ($stored requests)"
pass "SEC-5.5's pods were dry runs: 2 POSTs with dryRun=All, nothing stored to delete"
left=$(active_leftovers) || fail "$left"
[ -z "$left" ] || fail "objects labelled by kaic remain: $left"
pass "nothing labelled by kaic remains"

# without the opt-in images the two tests say that they did not run
"$KAIC" run --focus STO-4.2,SEC-5.5 --output-dir "$out-noflags" --timeout 60s --no-color \
	>"$SIM_DIR/run-noflags.log" 2>&1
active_results "$out-noflags/results.json" <<'PY' || fail "without the image flags"
bad = []
for rid, why in (("STO-4.2", "active test not run: opt-in, and no --gds-image was given"),
                 ("SEC-5.5", "active test not run: no --unsigned-image or --signed-image given")):
    r = req[rid]
    if r["verdict"] != "Partial" or why not in r["evidence"] or "--" not in (r["remediation"] or ""):
        bad.append(f"{rid}: {r['verdict']}: {r['evidence']} / {r['remediation']}")
    else:
        print(f"ok: {rid} Partial: {why}; hint: {r['remediation']}")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
pass "without --gds-image/--unsigned-image/--signed-image: Partial, not run, the flags named"
sim_stop || fail "kaic-sim did not stop cleanly"

# kaic manifests: the objects of the five tests
m=$("$KAIC" manifests --focus "$IDS") || fail "kaic manifests failed"
for name in gds-accelerator gds-check svid sandbox-example-runtime-class \
	sandbox-example-runtime-class-runc tee-example-runtime-class kaic-manifests-sig sig-unsigned sig-signed; do
	printf '%s\n' "$m" | grep -q "^  name: $name\$" || fail "kaic manifests lacks $name"
done
printf '%s\n' "$m" | grep -q 'driver: csi.spiffe.io' || fail "kaic manifests: no csi.spiffe.io volume"
pass "kaic manifests lists the five tests' objects"

# interrupted in the middle (kubelet off: the pods never start, the tests wait)
slow=$(mktemp -d "${TMPDIR:-/tmp}/kaic-slow.XXXXXX") || exit 1
trap 'sim_cleanup; rm -rf "$slow"' EXIT
cp -RL "$TOP/sim/scenarios/reference/." "$slow/" || fail "cannot copy the reference scenario"
sed 's/^controllers:$/controllers:\n  kubelet: false/' "$TOP/sim/scenarios/reference/scenario.yaml" \
	>"$slow/scenario.yaml"
sim_start "$slow" || fail "kaic-sim did not start"
# shellcheck disable=SC2086 # IMAGES: words
"$KAIC" run --focus "$IDS" $IMAGES --output-dir "$SIM_DIR/out-int" --timeout 120s \
	--parallel 5 --no-color >"$SIM_DIR/run-int.log" 2>&1 &
pods_created() { [ "$(sim_count '^POST /api/v1/namespaces/kaic-[a-z0-9]+/pods ')" -ge 3 ]; }
active_interrupt $! "$SIM_DIR/run-int.log" "its pods" pods_created
left=$(active_wait_clean 20) || fail "after SIGINT, objects labelled by kaic remain: $left"
pass "SIGINT in the middle of the five tests: exit 130, nothing left"
