#!/bin/sh
# make-baseline.sh: makes the CI baseline from a real run: the full suite (`kaic run`,
# active tests included) against the lab's ai profile (--lab: make lab PROFILE=ai, the
# cluster .github/baseline-results.json comes from) or against kaic-sim with a scenario,
# and writes that run's results.json.
#   scripts/make-baseline.sh --lab [OUT]   OUT defaults to .github/baseline-results.json
#   scripts/make-baseline.sh OUT           kaic-sim's scenario
# BUILD (default build) names the build directory holding kaic and kaic-sim; SCENARIO
# (default sim/scenarios/reference) the scenario (tests run others to see the gate fail);
# LAB_KUBECONFIG (default build/lab/kubeconfig) the lab; TIMEOUT (default 120s) each
# test's --timeout.
# Exit 0: written; 1: the run did not finish (the cluster did not answer, kaic exited 2
# or 130, or its results.json is incomplete), OUT untouched; 2: usage.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
SCENARIO=${SCENARIO:-sim/scenarios/reference}
usage() {
	echo "usage: scripts/make-baseline.sh --lab [OUT] | scripts/make-baseline.sh OUT" >&2
	exit 2
}
lab=""
if [ "${1:-}" = --lab ]; then
	lab=${LAB_KUBECONFIG:-build/lab/kubeconfig}
	shift
	[ $# -le 1 ] || usage
	out=${1:-.github/baseline-results.json}
else
	[ $# -eq 1 ] || usage
	out=$1
fi
case $out in -*) usage ;; esac
for b in kaic ${lab:-kaic-sim}; do
	[ -n "$lab" ] && [ "$b" = "$lab" ] && continue
	[ -x "$BUILD/$b" ] || { echo "make-baseline: $BUILD/$b is not built (make build)" >&2; exit 1; }
done
if [ -n "$lab" ]; then
	kubectl --kubeconfig "$lab" get --raw /readyz >/dev/null 2>&1 ||
		{ echo "make-baseline: no lab answers at $lab (make lab PROFILE=ai)" >&2; exit 1; }
	[ "$(cat "$(dirname "$lab")/run/node/profile" 2>/dev/null)" = ai ] ||
		{ echo "make-baseline: the lab does not run the ai profile (make lab PROFILE=ai)" >&2; exit 1; }
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/kaic-baseline.XXXXXX") || exit 1
sim_pid=""
cleanup() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

if [ -n "$lab" ]; then
	kubeconfig=$lab
else
	kubeconfig=$work/kubeconfig
	"$BUILD/kaic-sim" --scenario "$SCENARIO" --port 0 --kubeconfig-out "$kubeconfig" \
		--log "$work/access.log" >"$work/sim.out" 2>"$work/sim.err" &
	sim_pid=$!
	i=0
	while [ ! -s "$kubeconfig" ]; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 "$sim_pid" 2>/dev/null; then
			echo "make-baseline: kaic-sim did not start: $(tail -n 3 "$work/sim.err")" >&2
			exit 1
		fi
		sleep 0.1
	done
fi

rc=0
"$BUILD/kaic" run --kubeconfig "$kubeconfig" --output-dir "$work/results" --no-color \
	--timeout "${TIMEOUT:-120s}" >"$work/run.log" 2>&1 || rc=$?
case $rc in
0 | 1 | 3) ;;
*)
	echo "make-baseline: kaic run exited $rc:" >&2
	tail -n 5 "$work/run.log" >&2
	exit 1
	;;
esac
python3 - "$work/results/results.json" "$rc" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
reqs = doc.get("requirements", [])
problems = []
if len(reqs) != 18:
    problems.append(f"{len(reqs)} requirements, not 18")
if doc.get("mode") != "active" or doc.get("interrupted"):
    problems.append(f"mode {doc.get('mode')}, interrupted {doc.get('interrupted')}")
if doc.get("summary", {}).get("exit_code") != int(sys.argv[2]):
    problems.append("summary.exit_code is not kaic's exit status")
if not doc.get("cleanup", {}).get("ok"):
    problems.append(f"cleanup not ok: {doc.get('cleanup')}")
for p in problems:
    print(f"make-baseline: {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
cp "$work/results/results.json" "$out.tmp" && mv "$out.tmp" "$out" || exit 1
echo "make-baseline: wrote $out from run $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' "$out") (kaic exit $rc):"
python3 - "$out" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["requirements"]:
    print(f"  {r['id']:<8} {r['level']:<7} {r['verdict']:<8} {r['mode']}")
PY
