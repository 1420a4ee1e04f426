#!/bin/sh
# run-one.sh: runs one test for tests/run.sh and prints its one-line outcome.
# Usage: tests/run-one.sh NAME COMMAND...   (BUILD, TOP and LOGDIR from tests/run.sh)
# Writes the test's output to LOGDIR/NAME.log and its outcome (pass, fail, skip) to
# LOGDIR/NAME.outcome. Sanitizer reports of every process the test starts (kaic-sim in the
# background, a kaic expected to fail) go to LOGDIR/NAME.san.PID; any such file fails the
# test.
name=$1
shift
logdir=$LOGDIR
start=$(date +%s)
case $logdir in /*) san=$logdir/$name.san ;; *) san=$PWD/$logdir/$name.san ;; esac
rm -f "$san".* "$logdir/$name.outcome"
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
# One write per test, so that lines of tests running side by side do not interleave.
case $rc in
0) outcome=pass; msg="PASS  $name (${secs}s)" ;;
77) outcome=skip; msg="SKIP  $name: $(tail -n 1 "$logdir/$name.log")" ;;
*) outcome=fail
   # the test's own failure lines, then the head of each sanitizer report (its first
   # error and first stack are what explain it)
   msg=$(
	echo "FAIL  $name ($why)"
	grep -E 'ERROR|FAIL|LINE|not ok|error' "$logdir/$name.log" | head -n 12 | sed 's/^/    /'
	tail -n 15 "$logdir/$name.log" | sed 's/^/    /'
	for f in $reports; do
		echo "    --- sanitizer report $(basename "$f")"
		grep -v '^$' "$f" | head -n 25 | sed 's/^/    /'
	done) ;;
esac
for f in $reports; do
	echo "--- sanitizer report $(basename "$f")" >>"$logdir/$name.log"
	cat "$f" >>"$logdir/$name.log"
done
printf '%s\n' "$msg"
echo "$outcome" >"$logdir/$name.outcome"
