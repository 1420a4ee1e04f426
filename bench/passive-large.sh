#!/bin/sh
# bench/passive-large.sh: kaic run --passive against kaic-sim's large scenario (5,000
# nodes, 5,000 ResourceSlices, 20,000 pods), side by side with the kubectl commands a
# script doing the same checks would need (api-resources, then `get -A -o json` of every
# resource kind kaic read). Prints wall time, peak RSS and API requests for both, and the
# ratios. Targets: kaic <= 1/3 of kubectl's wall time, <= 1/4 of its peak memory, with
# aggregated discovery (one or two discovery requests).
# Usage: bench/passive-large.sh [ROUNDS]   (BUILD=build by default)
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ROUNDS=${1:-3}
export TOP=$PWD KAIC_SIM=$PWD/$BUILD/kaic-sim KAIC=$PWD/$BUILD/kaic
. tests/integration/lib.sh
command -v kubectl >/dev/null || skip "kubectl is not installed"
[ -x /usr/bin/time ] || skip "/usr/bin/time (Debian package time) is not installed"
command -v bc >/dev/null || skip "bc is not installed"

sim_start "$TOP/sim/scenarios/large" || fail "kaic-sim did not start"
out=$SIM_DIR/out
mkdir -p "$out"

lines() { wc -l <"$SIM_LOG" | tr -d ' '; }

# 1. kaic: one run, timed; the access log tells which lists it fetched.
run_kaic() {
	before=$(lines)
	/usr/bin/time -f "%e %M" -o "$out/kaic.time" "$KAIC" run --passive --kubeconfig "$KUBECONFIG" \
		--output-dir "$out/reports" --no-color >/dev/null 2>&1 || true
	kaic_reqs=$(($(lines) - before))
	kaic_disc=$(tail -n "$kaic_reqs" "$SIM_LOG" | grep -cE '^GET /(api|apis) ' || true)
	kinds_read >"$out/kinds"
	read -r kaic_wall kaic_rss <<EOT
$(tail -n 1 "$out/kaic.time")
EOT
}

# The lists kaic fetched (first pages only), as kubectl arguments separated by '|':
# "pods.v1.", "-n|NS|pods|-l|SEL" for a narrowed list.
kinds_read() {
	tail -n "$kaic_reqs" "$SIM_LOG" | awk '$1=="GET"{print $2}' | grep -v 'continue=' |
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
'
}

# 2. kubectl: api-resources, then one get per kind; wall is the sum, RSS the maximum.
run_kubectl() {
	before=$(lines)
	kc_wall=0
	kc_rss=0
	for args in "api-resources" $(sed 's/^/get|/' "$out/kinds"); do
		oldifs=$IFS
		IFS='|'
		# shellcheck disable=SC2086
		set -- $args
		IFS=$oldifs
		[ "$1" = get ] && set -- "$@" -o json
		/usr/bin/time -f "%e %M" -o "$out/kc.time" kubectl "$@" >/dev/null 2>&1 || true
		read -r w r <<EOT
$(tail -n 1 "$out/kc.time")
EOT
		kc_wall=$(echo "$kc_wall + $w" | bc -l)
		[ "$r" -gt "$kc_rss" ] && kc_rss=$r
	done
	kc_reqs=$(($(lines) - before))
}

echo "bench: large scenario, $ROUNDS rounds each, kaic and kubectl alternating"
printf '%-6s %-8s %10s %12s %9s\n' round tool wall_s peak_rss_kb requests
best_k=999999 best_c=999999
for i in $(seq 1 "$ROUNDS"); do
	run_kaic
	printf '%-6s %-8s %10s %12s %9s\n' "$i" kaic "$kaic_wall" "$kaic_rss" "$kaic_reqs"
	run_kubectl
	printf '%-6s %-8s %10s %12s %9s\n' "$i" kubectl "$kc_wall" "$kc_rss" "$kc_reqs"
	sum_k="${sum_k:-0} + $kaic_wall"
	sum_c="${sum_c:-0} + $kc_wall"
	max_krss=$kaic_rss
	max_crss=$kc_rss
done
mean_k=$(echo "($sum_k) / $ROUNDS" | bc -l)
mean_c=$(echo "($sum_c) / $ROUNDS" | bc -l)
echo
echo "lists kaic fetched: $(wc -l <"$out/kinds") ($(tr '|\n' ' ,' <"$out/kinds"))"
echo "kaic discovery requests: $kaic_disc"
printf 'mean wall: kaic %.2f s, kubectl %.2f s; ratio kaic/kubectl %.3f (target <= 0.333)\n' \
	"$mean_k" "$mean_c" "$(echo "$mean_k / $mean_c" | bc -l)"
printf 'peak RSS (last round): kaic %d KiB, kubectl %d KiB; ratio %.3f (target <= 0.250)\n' \
	"$max_krss" "$max_crss" "$(echo "$max_krss / $max_crss" | bc -l)"
printf 'API requests (last round): kaic %d, kubectl %d\n' "$kaic_reqs" "$kc_reqs"
sim_stop
