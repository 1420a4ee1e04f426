#!/bin/sh
# fault_sweep.sh: a failed read decides nothing. For every resource path kaic reads from
# kaic-sim's reference scenario (its access log of a clean run), kaic-sim is started with
# that one path failing (faults.pathPrefix: 500 for every path, and a dropped connection
# for a few), and kaic runs passive and active: every requirement must be Error or keep
# its clean verdict, never a Partial, No or Full the clean run did not have
# (tests/integration/fault_sweep.py does the work). SWEEP_JOBS, SWEEP_ACTIVE and
# SWEEP_PATHS tune it (see the helper).
# test: alone
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$TOP" || exit 1
. "$TOP/tests/integration/lib.sh"

[ -x "$KAIC" ] || skip "kaic is not built ($KAIC)"
[ -x "$KAIC_SIM" ] || skip "kaic-sim is not built ($KAIC_SIM)"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"

work=$(mktemp -d "${TMPDIR:-/tmp}/kaic-fault-sweep.XXXXXX") || fail "cannot make a temp dir"
trap 'rm -rf "$work"; sim_cleanup' EXIT
python3 "$TOP/tests/integration/fault_sweep.py" "$KAIC" "$KAIC_SIM" \
	"$TOP/sim/scenarios/reference" "$work/runs" || fail "a failed read decided a verdict (see above)"
pass "every verdict under a failed read is Error or the clean one"
