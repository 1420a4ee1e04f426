#!/bin/sh
# Static analysis over kaic and kaic-sim; fails on findings: the include layering
# (scripts/check-layers.py), formatting (clang-format, .clang-format), cppcheck and
# clang-tidy (.clang-tidy).
# LINT_JOBS sets how many clang-tidy processes run at once (default: the number of CPUs).
set -e
cd "$(dirname "$0")/.."
files=$(find src sim agentd -name '*.c' | sort)
incs="-Isrc -Isim $(pkg-config --cflags-only-I libcurl jansson yaml-0.1 openssl libmicrohttpd)"
fail=0
echo "layers"
python3 scripts/check-layers.py || fail=1
echo "clang-format"
# shellcheck disable=SC2046
clang-format --dry-run --Werror $(find src sim agentd tests fuzz -name '*.[ch]' | sort) || fail=1
echo "cppcheck"
# .ci/kaic.cfg teaches cppcheck jansson's foreach macros (it does not read system headers).
# shellcheck disable=SC2086
cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	--std=c11 -D_GNU_SOURCE -DKAIC_VERSION='"0"' --suppress=missingIncludeSystem \
	--library=.ci/kaic.cfg $incs $files || fail=1
echo "clang-tidy"
export incs
# One clang-tidy per file, LINT_JOBS at a time; each prints its findings only on failure.
# shellcheck disable=SC2016
echo "$files" | xargs -n 1 -P "${LINT_JOBS:-$(nproc)}" sh -c '
	out=$(clang-tidy --quiet "$1" -- \
		-std=c17 -D_GNU_SOURCE -DKAIC_VERSION="\"0\"" $incs 2>&1) || { echo "$out"; exit 1; }
' clang-tidy || fail=1
# banned functions (curl's list, abridged)
# shellcheck disable=SC2086
if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strtok|gets|atoi)\s*\(' $files; then
	echo "lint: banned function used"
	fail=1
fi
[ "$fail" -eq 0 ] && echo "lint: clean"
exit $fail
