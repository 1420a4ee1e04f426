#!/bin/sh
# Runs the lab's differential tests (tests/lab/*.sh but lib.sh and run.sh) against a
# running lab (make lab; make test-lab does it all). Each script passes with exit 0, is
# skipped with exit 77, fails otherwise; logs go to $BUILD/test-logs/lab-NAME.log.
# Usage: tests/lab/run.sh [NAME-FILTER]
# Prints one closing line "N passed, N failed, N skipped"; exits non-zero on failure.
BUILD=${BUILD:-build}
filter=${1:-}
TOP=$PWD
export BUILD TOP
export KAIC="$TOP/$BUILD/kaic" KAIC_SIM="$TOP/$BUILD/kaic-sim"
export LAB_KUBECONFIG=${LAB_KUBECONFIG:-$TOP/build/lab/kubeconfig}
pass=0 fail=0 skip=0 failed=""
logdir="$BUILD/test-logs"
mkdir -p "$logdir"
for t in tests/lab/*.sh; do
	n=$(basename "$t" .sh)
	case $n in lib | run) continue ;; esac
	case "$n" in *"$filter"*) ;; *) continue ;; esac
	start=$(date +%s)
	timeout 1800 "$t" >"$logdir/lab-$n.log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	case $rc in
	0) pass=$((pass + 1)); echo "PASS  $n (${secs}s)" ;;
	77) skip=$((skip + 1)); echo "SKIP  $n: $(tail -n 1 "$logdir/lab-$n.log")" ;;
	*) fail=$((fail + 1)); failed="$failed $n"; echo "FAIL  $n (exit $rc, ${secs}s)"
	   tail -n 30 "$logdir/lab-$n.log" | sed 's/^/    /' ;;
	esac
	# the findings every test reports (deviations, lab limits) go to the summary too
	grep -E '^(DEVIATION|KNOWN|LAB-LIMIT)' "$logdir/lab-$n.log" | sed "s/^/    $n: /"
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
