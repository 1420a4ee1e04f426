#!/bin/sh
# Runs the test suite: unit test binaries (cmocka) and integration scripts.
# Usage: tests/run.sh [unit|integration] [NAME-FILTER]
# An integration script passes with exit 0, is skipped with exit 77, fails otherwise.
# Prints one line per test and a closing line "N passed, N failed, N skipped", and exits
# non-zero on failure. tests/run-one.sh runs each test; a sanitizer report from any
# process of a test fails it. KAIC_TEST_SAN=1 (the sanitizer pass of CI) skips the
# integration scripts that run no kaic binary.
# TEST_JOBS=N (default 1) runs up to N integration scripts side by side; each has its
# own kaic-sim on a free port and its own temporary directory. A script with the line
# "# test: alone" (it asserts timings, or loads the machine itself) runs after the others,
# by itself. Unit test binaries always run one at a time.
BUILD=${BUILD:-build}
what=${1:-all}
filter=${2:-}
jobs=${TEST_JOBS:-1}
case $jobs in
'' | *[!0-9]* | 0)
	echo "tests/run.sh: TEST_JOBS must be a positive number, not \"$jobs\"" >&2
	exit 2
	;;
esac
LOGDIR="$BUILD/test-logs"
TOP=$PWD
KAIC="$PWD/$BUILD/kaic"
KAIC_SIM="$PWD/$BUILD/kaic-sim"
export BUILD KAIC KAIC_SIM TOP LOGDIR
mkdir -p "$LOGDIR"
names=""
skip=0
queue=$(mktemp "${TMPDIR:-/tmp}/kaic-tests.XXXXXX") || exit 1
alone=$(mktemp "${TMPDIR:-/tmp}/kaic-tests.XXXXXX") || exit 1
trap 'rm -f "$queue" "$alone"' EXIT

if [ "$what" = all ] || [ "$what" = unit ]; then
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		case "$n" in *"$filter"*) ;; *) continue ;; esac
		names="$names $n"
		tests/run-one.sh "$n" "$t"
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
		names="$names $n"
		if grep -q '^# test: alone' "$t"; then
			echo "$n timeout 600 $t" >>"$alone"
		else
			echo "$n timeout 600 $t" >>"$queue"
		fi
	done
	xargs -r -P "$jobs" -n 4 tests/run-one.sh <"$queue"
	xargs -r -n 4 tests/run-one.sh <"$alone"
fi

pass=0 fail=0 failed=""
for n in $names; do
	case $(cat "$LOGDIR/$n.outcome" 2>/dev/null) in
	pass) pass=$((pass + 1)) ;;
	skip) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)); failed="$failed $n" ;;
	esac
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
