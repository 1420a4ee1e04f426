#!/bin/sh
# make demo: start kaic-sim with the reference scenario, run the whole suite against it,
# print the report, stop the simulator. Leaves the reports in ./kaic-results.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SCENARIO=${SCENARIO:-sim/scenarios/reference}
work=$(mktemp -d)
sim_pid=""
cleanup() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$BUILD/kaic-sim" --scenario "$SCENARIO" --port 0 --kubeconfig-out "$work/kubeconfig" \
	--log "$work/access.log" >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
i=0
while [ ! -s "$work/kubeconfig" ]; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$sim_pid" 2>/dev/null; then
		echo "demo: kaic-sim did not start:" >&2
		cat "$work/sim.err" >&2
		exit 2
	fi
	sleep 0.1
done
echo "demo: kaic-sim $(cat "$work/sim.out") serving scenario $(basename "$SCENARIO")"
echo
rc=0
"$BUILD/kaic" run --kubeconfig "$work/kubeconfig" --output-dir kaic-results \
	--vendor "Example Vendor" --product "kaic-sim reference" "$@" || rc=$?
echo
echo "demo: reports in kaic-results/: $(ls kaic-results | tr '\n' ' ')"
echo "demo: kaic exited $rc; kaic-sim served $(wc -l <"$work/access.log") requests, as kaic's API line says"
echo
sed -n '1,60p' kaic-results/checklist.md
