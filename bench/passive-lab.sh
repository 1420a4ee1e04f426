#!/bin/sh
# bench/passive-lab.sh: kaic run --passive against the lab (a real kube-apiserver, see
# docs/lab.md) holding the large scenario: 5,000 kwok nodes, their 5,000 ResourceSlices
# (8 devices each) and LAB_BENCH_PODS pods (default 5,000) run by kwok; side by side with
# the kubectl commands a script doing the same checks needs (api-resources, then
# `get -A -o json` of every list kaic read; as bench/passive-large.sh). Prints per round
# wall time, peak RSS and the kube-apiserver's CPU seconds for each side, then the
# ratios. Needs a built lab (make lab-build); starts one (and stops it after) unless one
# runs, which it then resets (its objects are lost).
# Usage: bench/passive-lab.sh [ROUNDS]   (BUILD=build; LAB_BENCH_NODES, LAB_BENCH_PODS)
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ROUNDS=${1:-3}
NODES=${LAB_BENCH_NODES:-5000}
PODS=${LAB_BENCH_PODS:-5000}
KAIC=$PWD/$BUILD/kaic
KC=$PWD/build/lab/kubeconfig
if [ -n "${MAKELEVEL:-}" ] && [ -z "${LAB_BENCH:-}" ]; then
	echo "bench/passive-lab.sh: skipped under make bench (make bench-lab runs it: minutes, 5,000 nodes)"
	exit 0
fi
if [ ! -x build/lab/bin/kube-apiserver ]; then
	echo "bench/passive-lab.sh: skipped: no lab built (make lab-build)"
	exit 0
fi
command -v kubectl >/dev/null || { echo "bench/passive-lab.sh: skipped: no kubectl"; exit 0; }
[ -x /usr/bin/time ] || { echo "bench/passive-lab.sh: skipped: no /usr/bin/time"; exit 0; }
out=$(mktemp -d "${TMPDIR:-/tmp}/passive-lab.XXXXXX")
started=
cleanup() {
	[ -z "$started" ] || ./scripts/lab down >/dev/null || true
	rm -rf "$out"
}
trap cleanup EXIT
# kwok renews a node's Lease every quarter of its duration: 600 s keeps 5,000 nodes at
# about 8 renewals a second instead of 500
export LAB_NODE_LEASE_SECONDS=${LAB_NODE_LEASE_SECONDS:-600}
if ./scripts/lab status >/dev/null 2>&1; then
	LAB_NODES=0 ./scripts/lab reset >/dev/null
else
	LAB_NODES=0 ./scripts/lab up >/dev/null
	started=1
fi
t0=$(date +%s)
./scripts/lab load sim/scenarios/large --large-nodes "$NODES" --large-pods "$PODS" --quiet >"$out/load" ||
	{ cat "$out/load"; exit 1; }
echo "bench: loaded $NODES nodes, $NODES ResourceSlices, $PODS pods in $(($(date +%s) - t0))s"
# every node Ready (kwok) and every pod Running before timing
t0=$(date +%s)
while :; do
	ready=$(kubectl --kubeconfig "$KC" get nodes --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l)
	running=$(kubectl --kubeconfig "$KC" get pods -A --field-selector=status.phase=Running --no-headers 2>/dev/null | wc -l)
	[ "$ready" -ge "$NODES" ] && [ "$running" -ge "$PODS" ] && break
	[ $(($(date +%s) - t0)) -lt 900 ] || { echo "bench: only $ready nodes Ready, $running pods Running after 900s"; exit 1; }
	sleep 5
done
echo "bench: $ready nodes Ready, $running pods Running (kwok) after $(($(date +%s) - t0))s more"

apiserver=$(cat build/lab/run/kube-apiserver.pid)
cpu() { # kube-apiserver's user+system CPU seconds so far
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$apiserver/stat"
}

# the lists kaic reads, from one debug run (not timed): kubectl arguments joined by '|'
"$KAIC" run --passive -vv --kubeconfig "$KC" --output-dir "$out/reports" --no-color 2>&1 >/dev/null |
	sed -n 's/^kaic: debug: GET \([^:]*\): .*/\1/p' | grep -v 'continue=' |
	grep -vE '/proxy/|^/(api|apis|version)(\?|$)' | python3 -c '
import sys, urllib.parse as u
seen = set()
for line in sys.stdin:
    url = u.urlsplit(line.strip())
    q = dict(u.parse_qsl(url.query))
    p = url.path.strip("/").split("/")
    if p[0] == "api":
        group, version, rest = "", p[1], p[2:]
    else:
        group, version, rest = p[1], p[2], p[3:]
    ns = None
    if len(rest) >= 2 and rest[0] == "namespaces":
        ns, rest = rest[1], rest[2:]
    if len(rest) != 1:
        continue
    kind = rest[0] + ("." + version + "." + group if group else "")
    args = ["-n", ns] if ns else ["-A"]
    args.append(kind)
    if "labelSelector" in q:
        args += ["-l", q["labelSelector"]]
    key = "|".join(args)
    if key not in seen:
        seen.add(key)
        print(key)
' >"$out/kinds"

run_kaic() {
	c0=$(cpu)
	/usr/bin/time -f "%e %M" -o "$out/kaic.time" "$KAIC" run --passive --kubeconfig "$KC" \
		--output-dir "$out/reports" --no-color >"$out/kaic.out" 2>&1 || true
	kaic_cpu=$(echo "$(cpu) - $c0" | bc -l)
	read -r kaic_wall kaic_rss <<EOT
$(tail -n 1 "$out/kaic.time")
EOT
	kaic_reqs=$(sed -n 's/^API: *\([0-9]*\) requests.*/\1/p' "$out/kaic.out")
}

run_kubectl() {
	c0=$(cpu)
	kc_wall=0
	kc_rss=0
	for args in "api-resources" $(sed 's/^/get|/' "$out/kinds"); do
		oldifs=$IFS
		IFS='|'
		# shellcheck disable=SC2086
		set -- $args
		IFS=$oldifs
		[ "$1" = get ] && set -- "$@" -o json
		/usr/bin/time -f "%e %M" -o "$out/kc.time" kubectl --kubeconfig "$KC" "$@" >/dev/null 2>&1 || true
		read -r w r <<EOT
$(tail -n 1 "$out/kc.time")
EOT
		kc_wall=$(echo "$kc_wall + $w" | bc -l)
		[ "$r" -gt "$kc_rss" ] && kc_rss=$r
	done
	kc_cpu=$(echo "$(cpu) - $c0" | bc -l)
}

# the apiserver's own background (kwok's leases, controllers): CPU seconds in 10 idle s
c0=$(cpu)
sleep 10
idle=$(echo "$(cpu) - $c0" | bc -l)

echo "bench: lab (kube-apiserver $(kubectl --kubeconfig "$KC" version -o json 2>/dev/null |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')), $ROUNDS rounds, kaic and kubectl alternating"
printf '%-6s %-8s %10s %12s %16s %9s\n' round tool wall_s peak_rss_kb apiserver_cpu_s requests
sum_k=0 sum_c=0 sum_kcpu=0 sum_ccpu=0 max_krss=0 max_crss=0
for i in $(seq 1 "$ROUNDS"); do
	run_kaic
	printf '%-6s %-8s %10s %12s %16s %9s\n' "$i" kaic "$kaic_wall" "$kaic_rss" "$kaic_cpu" "$kaic_reqs"
	run_kubectl
	printf '%-6s %-8s %10s %12s %16s %9s\n' "$i" kubectl "$kc_wall" "$kc_rss" "$kc_cpu" "-"
	sum_k="$sum_k + $kaic_wall" sum_c="$sum_c + $kc_wall"
	sum_kcpu="$sum_kcpu + $kaic_cpu" sum_ccpu="$sum_ccpu + $kc_cpu"
	[ "$kaic_rss" -gt "$max_krss" ] && max_krss=$kaic_rss
	[ "$kc_rss" -gt "$max_crss" ] && max_crss=$kc_rss
done
mean_k=$(echo "($sum_k) / $ROUNDS" | bc -l)
mean_c=$(echo "($sum_c) / $ROUNDS" | bc -l)
mean_kcpu=$(echo "($sum_kcpu) / $ROUNDS" | bc -l)
mean_ccpu=$(echo "($sum_ccpu) / $ROUNDS" | bc -l)
echo
echo "lists kaic fetched: $(wc -l <"$out/kinds") ($(tr '|\n' ' ,' <"$out/kinds"))"
printf 'mean wall: kaic %.2f s, kubectl %.2f s; ratio kaic/kubectl %.3f\n' \
	"$mean_k" "$mean_c" "$(echo "$mean_k / $mean_c" | bc -l)"
printf 'peak RSS (max of rounds): kaic %d KiB, kubectl %d KiB; ratio %.3f\n' \
	"$max_krss" "$max_crss" "$(echo "$max_krss / $max_crss" | bc -l)"
printf 'kube-apiserver CPU per round (mean): kaic %.2f s, kubectl %.2f s; ratio %.3f\n' \
	"$mean_kcpu" "$mean_ccpu" "$(echo "$mean_kcpu / $mean_ccpu" | bc -l)"
printf 'kube-apiserver idle background: %.2f CPU s per 10 s (included in the figures above)\n' "$idle"
