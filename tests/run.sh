#!/bin/sh
# Runs the test suite: unit test binaries (cmocka) and integration scripts.
# Usage: tests/run.sh [unit|integration] [NAME-FILTER]
# An integration script passes with exit 0, is skipped with exit 77, fails otherwise.
# Prints one closing line "N passed, N failed, N skipped" and exits non-zero on failure.
# A sanitizer report from any process of a test fails it; KAIC_TEST_SAN=1 (the sanitizer
# pass of CI) skips the integration scripts that run no kaic binary.
BUILD=${BUILD:-build}
what=${1:-all}
filter=${2:-}
export BUILD
export KAIC="$PWD/$BUILD/kaic"
export KAIC_SIM="$PWD/$BUILD/kaic-sim"
export TOP="$PWD"
pass=0 fail=0 skip=0 failed=""
logdir="$BUILD/test-logs"
mkdir -p "$logdir"

# Sanitizer reports of every process a test starts (kaic-sim in the background, a kaic
# expected to fail) go to $logdir/NAME.san.PID; any such file fails the test.
run_one() { # name, command...
	name=$1
	shift
	start=$(date +%s)
	case $logdir in /*) san=$logdir/$name.san ;; *) san=$PWD/$logdir/$name.san ;; esac
	rm -f "$san".*
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$san" \
	UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$san" \
	TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}log_path=$san:suppressions=$TOP/tests/tsan.supp" \
		"$@" >"$logdir/$name.log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	why="exit $rc"
	reports=""
	for f in "$san".*; do
		[ -f "$f" ] || continue
		reports="$reports $f"
		[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] && rc=1
		why="$why, sanitizer report in $f"
	done
	case $rc in
	0) pass=$((pass + 1)); echo "PASS  $name (${secs}s)" ;;
	77) skip=$((skip + 1)); echo "SKIP  $name: $(tail -n 1 "$logdir/$name.log")" ;;
	*) fail=$((fail + 1)); failed="$failed $name"; echo "FAIL  $name ($why)"
	   # the test's own failure lines, then the head of each sanitizer report (its
	   # first error and first stack are what explain it)
	   grep -E 'ERROR|FAIL|LINE|not ok|error' "$logdir/$name.log" | head -n 12 | sed 's/^/    /'
	   tail -n 15 "$logdir/$name.log" | sed 's/^/    /'
	   for f in $reports; do
		echo "    --- sanitizer report $(basename "$f")"
		grep -v '^$' "$f" | head -n 25 | sed 's/^/    /'
	   done ;;
	esac
	for f in $reports; do
		echo "--- sanitizer report $(basename "$f")" >>"$logdir/$name.log"
		cat "$f" >>"$logdir/$name.log"
	done
}

if [ "$what" = all ] || [ "$what" = unit ]; then
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		case "$n" in *"$filter"*) ;; *) continue ;; esac
		run_one "$n" "$t"
	done
fi
if [ "$what" = all ] || [ "$what" = integration ]; then
	for t in tests/integration/*.sh; do
		[ -x "$t" ] || continue
		n=$(basename "$t" .sh)
		case "$n" in *"$filter"*) ;; *) continue ;; esac
		# With KAIC_TEST_SAN set (the sanitizer pass), a script that runs neither kaic
		# nor kaic-sim (names no $KAIC* and no lib.sh) has nothing to check: the normal
		# pass runs it.
		if [ -n "${KAIC_TEST_SAN:-}" ] && ! grep -qE 'KAIC|lib\.sh' "$t"; then
			skip=$((skip + 1))
			echo "SKIP  $n: runs no kaic binary (sanitizer pass)"
			continue
		fi
		run_one "$n" timeout 600 "$t"
	done
fi
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
